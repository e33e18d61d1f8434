//! CDR reports: one page, every page, and a streaming export.
//!
//! `cargo run -p dlspbx --example reports` (with `DLSPBX_URL`, `DLSPBX_API_USER`,
//! `DLSPBX_API_KEY` set).

mod common;

use dlspbx::prelude::*;
use dlspbx::reports::{Column, ReportOption, ReportRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(client) = common::client()? else {
        return Ok(());
    };

    let request = ReportRequest::new([
        Column::UniqueId,
        Column::Date,
        Column::Callerid,
        Column::BillableDuration,
    ]);

    // One page (the server's paging options are plain `ReportOption`s).
    let page = client
        .reports()
        .report(request.clone().option(ReportOption::PerPage(5)))?;
    match page.total_results() {
        Some(total) => println!("{total} calls in all; the first page:"),
        None => println!("the first page:"),
    }
    println!(
        "  {}",
        page.columns
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    for row in page.rows() {
        println!(
            "  {}",
            row?.cells
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }

    // Every page, 100 rows at a time.
    let mut rows = 0;
    for page in client.report_pages(request.clone().option(ReportOption::PerPage(100))) {
        rows += page?.rows().count();
    }
    println!("read {rows} rows page by page");

    // Every row in one response, decoded while it arrives: memory stays flat whatever the size.
    let mut seconds = 0u64;
    let summary = client
        .with_format(Format::Csv)
        .report_export(request, |row| {
            seconds += row
                .row
                .get(3)
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
            Ok::<(), Error>(())
        })?;
    println!(
        "exported {} rows ({} columns), {seconds} billable seconds",
        summary.rows,
        summary.columns.len()
    );
    Ok(())
}
