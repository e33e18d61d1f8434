//! Memory use of a streaming report export: every row of a large CDR report through
//! `Client::report_export` (`page=ALL`), in CSV and in JSON, counting the rows and printing
//! rows/s and the process's peak resident set size.
//!
//! ```text
//! cargo run --release -p dlspbx --example export_rss -- [ROWS] [--format csv|json|both]
//!     [--url URL] [--db PATH] [--all-columns]
//! ```
//!
//! - Without `--url` (and without `DLSPBX_URL`), it starts the simulator in this process on a
//!   temporary database file seeded with `ROWS` CDRs (default 1,000,000; `--db PATH` keeps
//!   and reuses the file). The peak RSS then includes the simulator.
//! - With `--url URL` (or `DLSPBX_URL`), it exports from that server, so the figure is the
//!   client's alone. Credentials come from `DLSPBX_API_USER`/`DLSPBX_API_KEY`, by default
//!   the simulator's demo user with the key of seed 42. For example:
//!
//! ```text
//! cargo build --release -p dlspbx-sim -p dlspbx --example export_rss
//! target/release/dlspbx-sim seed --db /tmp/cdrs.db --cdrs 1000000
//! target/release/dlspbx-sim serve --db /tmp/cdrs.db --listen 127.0.0.1:8080 &
//! /usr/bin/time -v target/release/examples/export_rss --url http://127.0.0.1:8080 --format csv
//! ```
//!
//! The demo user sees the CDRs of its tenant, most but not all of `ROWS`. Each format's line
//! reports the peak RSS of that export alone on Linux (the high-water mark is reset before
//! it); `/usr/bin/time -v` reports the peak of the whole run, seeding included.

use dlspbx::prelude::*;
use dlspbx::reports::{Column, ReportRequest};
use std::time::Instant;

struct Args {
    rows: usize,
    formats: Vec<Format>,
    url: Option<String>,
    db: Option<std::path::PathBuf>,
    all_columns: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: export_rss [ROWS] [--format csv|json|both] [--url URL] [--db PATH] [--all-columns]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        rows: 1_000_000,
        formats: vec![Format::Csv, Format::Json],
        url: std::env::var("DLSPBX_URL").ok().filter(|u| !u.is_empty()),
        db: None,
        all_columns: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--format" => {
                args.formats = match it.next().as_deref() {
                    Some("csv") => vec![Format::Csv],
                    Some("json") => vec![Format::Json],
                    Some("both") => vec![Format::Csv, Format::Json],
                    _ => usage(),
                }
            }
            "--url" => args.url = Some(it.next().unwrap_or_else(|| usage())),
            "--db" => args.db = Some(it.next().unwrap_or_else(|| usage()).into()),
            "--all-columns" => args.all_columns = true,
            n => args.rows = n.replace('_', "").parse().unwrap_or_else(|_| usage()),
        }
    }
    args
}

/// The peak resident set size (`VmHWM`) in MiB, on Linux.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak RSS to the current RSS (Linux; ignored elsewhere).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args();
    // The simulator, when no server is given: kept alive until the end of `main`.
    let mut _sim = None;
    let mut _dir = None;
    let client = match &args.url {
        Some(url) => {
            let user = std::env::var("DLSPBX_API_USER").unwrap_or_else(|_| "100@default".into());
            let key = std::env::var("DLSPBX_API_KEY")
                .unwrap_or_else(|_| dlspbx_sim::seed::api_key(42, "z64xxx2n"));
            eprintln!("exporting from {url} as {user}");
            Client::builder()
                .base_url(url)
                .api_user(user)
                .api_key(key)
                .build()?
        }
        None => {
            let db = match &args.db {
                Some(db) => db.clone(),
                None => {
                    let dir = tempfile::tempdir()?;
                    let db = dir.path().join("export_rss.db");
                    _dir = Some(dir);
                    db
                }
            };
            eprintln!(
                "starting the simulator in this process on {} ({} CDRs)",
                db.display(),
                args.rows
            );
            let started = Instant::now();
            let sim = dlspbx_sim::Sim::start_with(dlspbx_sim::SimConfig {
                db: Some(db),
                cdrs: args.rows,
                ..dlspbx_sim::SimConfig::default()
            })?;
            eprintln!(
                "simulator ready in {:.1?} at {}",
                started.elapsed(),
                sim.url()
            );
            let client = Client::builder()
                .base_url(sim.url())
                .api_user(sim.api_user())
                .api_key(sim.api_key())
                .build()?;
            _sim = Some(sim);
            client
        }
    };

    let columns: Vec<Column> = if args.all_columns {
        Column::ALL.to_vec()
    } else {
        vec![
            Column::UniqueId,
            Column::Date,
            Column::Direction,
            Column::Src,
            Column::Dst,
            Column::Callerid,
            Column::Disposition,
            Column::BillableDuration,
            Column::RecordingLink,
            Column::SrcUserExt,
        ]
    };

    for format in &args.formats {
        reset_peak_rss();
        let started = Instant::now();
        let mut bytes = 0u64;
        let summary = client.with_format(*format).report_export(
            ReportRequest::new(columns.clone()),
            |row| {
                bytes += row.row.cells.iter().map(|c| c.len() as u64).sum::<u64>();
                Ok::<(), Error>(())
            },
        )?;
        let elapsed = started.elapsed().as_secs_f64();
        if let Some(total) = summary.total_results
            && total != summary.rows as i64
        {
            return Err(format!("{format}: {} rows, total_results {total}", summary.rows).into());
        }
        println!(
            "{format}: {} rows x {} columns in {elapsed:.2} s: {:.0} rows/s, {:.1} MB of cells; \
             peak RSS during the export {}",
            summary.rows,
            summary.columns.len(),
            summary.rows as f64 / elapsed.max(1e-9),
            bytes as f64 / 1e6,
            peak_rss_mib().map_or("unknown".to_owned(), |m| format!("{m:.1} MiB")),
        );
    }
    Ok(())
}
