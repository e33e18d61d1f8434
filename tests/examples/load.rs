//! A bounded loopback load run against the simulator: `cargo xtask load` (or
//! `cargo run --release -p dlspbx-tests --example load -- [--requests N] [--connections C]`).
//!
//! Starts the simulator in this process (in-memory SQLite, 500 CDRs) on 127.0.0.1, then sends
//! `--requests` calls (default 10,000) over `--connections` blocking clients (default 64, one
//! thread and one keep-alive connection each), half reads (queues, users, SMS query, a CDR
//! report page, subscriber lists) and half writes (contacts, SMS, opt-in subscribers, contact
//! lists), every write with a unique value. No retries: every failure counts.
//!
//! Afterwards it counts in the database what each acknowledged write should have stored. It
//! prints the error and lost-write counts, p50/p90/p99/max latency and the throughput, and
//! exits 1 unless both counts are zero.

use dlspbx::{Caller, Client, Modules};
use dlspbx_core::reports::{Column, ReportOption, ReportRequest};
use dlspbx_core::{dialer, sms, subscribers};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: Vec<String>,
    contacts: u64,
    sms: u64,
    subscribers: u64,
    lists: u64,
    reads: u64,
}

fn main() {
    let mut requests = 10_000usize;
    let mut connections = 64usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> usize {
            args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                eprintln!("load: {name} needs a number");
                std::process::exit(2)
            })
        };
        match arg.as_str() {
            "--requests" => requests = value("--requests"),
            "--connections" => connections = value("--connections").max(1),
            other => {
                eprintln!(
                    "load: unknown argument {other}; usage: load [--requests N] [--connections C]"
                );
                std::process::exit(2);
            }
        }
    }

    let sim = dlspbx_sim::Sim::start_with(dlspbx_sim::SimConfig {
        cdrs: 500,
        ..Default::default()
    })
    .expect("the simulator starts");
    let setup = client(&sim);
    let list = setup
        .dialer()
        .add_contact_list(dialer::AddContactListRequest::new("load contacts"))
        .expect("the load list")
        .id;
    let campaign = setup.subscribers().query_lists().expect("campaigns").optin[0]
        .campaign_id
        .to_string();
    let count = |sql: &str| -> u64 {
        sim.with_db(|c| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap()) as u64
    };
    let lists_before = count("SELECT COUNT(*) FROM contact_lists WHERE name LIKE 'load list %'");
    let subscribers_before = count("SELECT COUNT(*) FROM optin_subscribers");

    println!(
        "load: {requests} requests over {connections} connections to {} (half reads, half writes)",
        sim.url()
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (next, client, campaign) = (Arc::clone(&next), client(&sim), campaign.clone());
            std::thread::spawn(move || {
                let mut tally = Tally::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let t0 = Instant::now();
                    let outcome = one(&client, i, list, &campaign, &mut tally);
                    tally.latencies.push(t0.elapsed());
                    if let Err(e) = outcome {
                        tally.errors.push(format!("request {i}: {e}"));
                    }
                }
                tally
            })
        })
        .collect();
    let mut total = Tally::default();
    for worker in workers {
        let t = worker.join().expect("a worker panicked");
        total.latencies.extend(t.latencies);
        total.errors.extend(t.errors);
        total.contacts += t.contacts;
        total.sms += t.sms;
        total.subscribers += t.subscribers;
        total.lists += t.lists;
        total.reads += t.reads;
    }
    let wall = started.elapsed();

    // Every acknowledged write is stored, once.
    let stored = [
        (
            "contacts",
            total.contacts,
            count(&format!(
                "SELECT COUNT(*) FROM contacts WHERE list_id = {list}"
            )),
        ),
        (
            "sms",
            total.sms,
            count("SELECT COUNT(*) FROM sms WHERE message LIKE 'load message %'"),
        ),
        (
            "subscribers",
            total.subscribers,
            count("SELECT COUNT(*) FROM optin_subscribers") - subscribers_before,
        ),
        (
            "contact lists",
            total.lists,
            count("SELECT COUNT(*) FROM contact_lists WHERE name LIKE 'load list %'")
                - lists_before,
        ),
    ];
    let mut lost = 0u64;
    for (what, acked, found) in stored {
        println!("load: {what}: {acked} acknowledged, {found} stored");
        lost += acked.abs_diff(found);
    }

    total.latencies.sort();
    let pct = |p: f64| -> Duration {
        let n = total.latencies.len();
        if n == 0 {
            return Duration::ZERO;
        }
        total.latencies[((n as f64 * p).ceil() as usize).clamp(1, n) - 1]
    };
    println!(
        "load: {} requests ({} reads, {} writes) in {:.2} s: {:.0} requests/s",
        total.latencies.len(),
        total.reads,
        total.contacts + total.sms + total.subscribers + total.lists,
        wall.as_secs_f64(),
        total.latencies.len() as f64 / wall.as_secs_f64()
    );
    println!(
        "load: latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(pct(0.50)),
        ms(pct(0.90)),
        ms(pct(0.99)),
        ms(total.latencies.last().copied().unwrap_or_default())
    );
    println!("load: errors {}, lost writes {lost}", total.errors.len());
    for e in total.errors.iter().take(10) {
        eprintln!("load: {e}");
    }
    if !total.errors.is_empty() || lost != 0 || total.latencies.len() != requests {
        std::process::exit(1);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One client per connection: its own pool, so each thread keeps one keep-alive connection.
fn client(sim: &dlspbx_sim::Sim) -> Client {
    Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key(sim.api_key())
        .max_attempts(1)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client")
}

/// Request `i` of the mix: even numbers read, odd numbers write.
fn one(
    client: &Client,
    i: usize,
    list: i64,
    campaign: &str,
    tally: &mut Tally,
) -> dlspbx::Result<()> {
    match i % 10 {
        0 => client.status().queues().map(|_| tally.reads += 1),
        2 => client.status().users().map(|_| tally.reads += 1),
        4 => client
            .call(sms::QuerySmsRequest::new().results_limit(10))
            .map(|_| tally.reads += 1),
        6 => client
            .reports()
            .report(
                ReportRequest::new([Column::UniqueId, Column::Date, Column::Src, Column::Dst])
                    .option(ReportOption::PerPage(50)),
            )
            .map(|_| tally.reads += 1),
        8 => client.subscribers().query_lists().map(|_| tally.reads += 1),
        1 | 5 => {
            // A unique valid NANP number per request: 815-2XX-XXXX.
            let phone = format!("8152{:02}{:04}", (i / 10_000) % 100, i % 10_000);
            client
                .dialer()
                .add_contact(
                    dialer::AddContactRequest::new(list.to_string(), phone)
                        .first_name(format!("Load {i}")),
                )
                .map(|_| tally.contacts += 1)
        }
        3 => client
            .sms()
            .send_sms(sms::SendSmsRequest::new(
                ["2223334444"],
                format!("load message {i}"),
            ))
            .map(|_| tally.sms += 1),
        7 => {
            let number = format!("3125{:06}", i);
            client
                .subscribers()
                .add_subscriber(subscribers::AddSubscriberRequest::new(
                    number,
                    campaign.to_owned(),
                ))
                .map(|_| tally.subscribers += 1)
        }
        _ => client
            .dialer()
            .add_contact_list(dialer::AddContactListRequest::new(format!("load list {i}")))
            .map(|_| tally.lists += 1),
    }
}
