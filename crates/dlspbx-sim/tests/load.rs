//! Load: a bounded burst of requests from many concurrent connections on loopback, with zero
//! errors and zero lost writes.
//!
//! 5,000 requests from 32 threads, each with its own blocking client (its own keep-alive
//! connection), mixing reads (status, report pages, query_sms) and writes (add_contact with
//! distinct numbers, send_sms). Afterwards every acknowledged write must be in the database.
//! Throughput and latency percentiles are printed (`--nocapture`), not asserted; the only
//! time limit is a generous bound so that a hang fails instead of blocking CI.

use dlspbx::dialer::{AddContactListRequest, AddContactRequest};
use dlspbx::prelude::*;
use dlspbx::reports::{Column, ReportOption, ReportRequest};
use dlspbx::sms::{QuerySmsRequest, SendSmsRequest};
use dlspbx::{Page, RetryPolicy};
use dlspbx_sim::Sim;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const REQUESTS: usize = 5_000;
const CONNECTIONS: usize = 32;
/// Fails the test when the burst takes longer (debug build, 2 cores).
const TIME_LIMIT: Duration = Duration::from_secs(120);

/// The phone number of the `i`-th contact: distinct for every `i` below 100,000.
fn phone(i: usize) -> String {
    format!("81535{i:05}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Status,
    Report,
    QuerySms,
    AddContact,
    SendSms,
}

fn kind(i: usize) -> Kind {
    match i % 5 {
        0 => Kind::Status,
        1 => Kind::Report,
        2 => Kind::QuerySms,
        3 => Kind::AddContact,
        _ => Kind::SendSms,
    }
}

/// One request; returns the contact ID for add_contact.
fn run_one(client: &Client, list: &str, i: usize) -> Result<Option<i64>, Error> {
    match kind(i) {
        Kind::Status => {
            client.status().queues()?;
        }
        Kind::Report => {
            let request = ReportRequest::new([Column::UniqueId, Column::Date, Column::Src])
                .option(ReportOption::PerPage(20))
                .option(ReportOption::Page(Page::Number((i % 7) as u64)));
            let table = client.reports().report(request)?;
            assert!(table.total_results() > Some(0));
        }
        Kind::QuerySms => {
            client
                .sms()
                .query_sms(QuerySmsRequest::new().results_limit(10))?;
        }
        Kind::AddContact => {
            let added = client
                .dialer()
                .add_contact(AddContactRequest::new(list, phone(i)).first_name("Load"))?;
            return Ok(Some(added.id));
        }
        Kind::SendSms => {
            client
                .sms()
                .send_sms(SendSmsRequest::new(["2223334444"], format!("load {i}")))?;
        }
    }
    Ok(None)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

#[test]
fn burst_of_5000_requests_from_32_connections() {
    let sim = Sim::start().unwrap();
    let builder = || {
        Client::builder()
            .base_url(sim.url())
            .api_user(sim.api_user())
            .api_key(sim.api_key())
            // Every error counts: no retry may hide one.
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    };
    let list = builder()
        .dialer()
        .add_contact_list(AddContactListRequest::new("Load test"))
        .unwrap()
        .id;
    let count_sms = |sim: &Sim| -> i64 {
        sim.with_db(|db| db.query_row("SELECT COUNT(*) FROM sms", [], |r| r.get(0)))
            .unwrap()
    };
    let sms_before = count_sms(&sim);

    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let results: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..CONNECTIONS)
            .map(|_| {
                let client = builder();
                let (next, list) = (&next, list.to_string());
                scope.spawn(move || {
                    let mut latencies = Vec::new();
                    let mut errors = Vec::new();
                    let mut contacts = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= REQUESTS || started.elapsed() > TIME_LIMIT {
                            break;
                        }
                        let t = Instant::now();
                        match run_one(&client, &list, i) {
                            Ok(id) => {
                                latencies.push(t.elapsed());
                                if let Some(id) = id {
                                    contacts.push((i, id));
                                }
                            }
                            Err(e) => errors.push(format!("request {i} ({:?}): {e}", kind(i))),
                        }
                    }
                    (latencies, errors, contacts)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();

    let mut latencies: Vec<Duration> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let mut contacts: Vec<(usize, i64)> = Vec::new();
    for (l, e, c) in results {
        latencies.extend(l);
        errors.extend(e);
        contacts.extend(c);
    }
    latencies.sort();
    if !latencies.is_empty() {
        eprintln!(
            "load: {} requests from {CONNECTIONS} connections in {elapsed:.2?}: {:.0} requests/s, \
             p50 {:.2?}, p99 {:.2?}, max {:.2?}",
            latencies.len(),
            latencies.len() as f64 / elapsed.as_secs_f64(),
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99),
            latencies[latencies.len() - 1],
        );
    }
    assert!(
        elapsed <= TIME_LIMIT,
        "the burst took {elapsed:?} (limit {TIME_LIMIT:?}); {} of {REQUESTS} answered",
        latencies.len()
    );
    assert!(
        errors.is_empty(),
        "{} errors, first: {:#?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert_eq!(latencies.len(), REQUESTS);

    // Zero lost writes: every acknowledged contact is stored under its ID with its number,
    // and every SMS is stored.
    let writes_of = |k| (0..REQUESTS).filter(|&i| kind(i) == k).count();
    assert_eq!(contacts.len(), writes_of(Kind::AddContact));
    let stored: Vec<(i64, String)> = sim.with_db(|db| {
        let mut st = db
            .prepare("SELECT id, phone_number FROM contacts WHERE list_id = ?1 ORDER BY id")
            .unwrap();
        st.query_map([list], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    });
    assert_eq!(stored.len(), contacts.len(), "contacts stored");
    let by_id: std::collections::HashMap<i64, String> = stored.into_iter().collect();
    for (i, id) in &contacts {
        assert_eq!(
            by_id.get(id),
            Some(&phone(*i)),
            "contact {id} of request {i}"
        );
    }
    assert_eq!(
        count_sms(&sim) - sms_before,
        writes_of(Kind::SendSms) as i64,
        "SMS records stored"
    );
}
