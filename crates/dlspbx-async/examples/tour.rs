//! The async client in one program: live status, a report page by page (a `Stream`), and a
//! streaming export of every row.
//!
//! `cargo run -p dlspbx-async --example tour` with `DLSPBX_URL`, `DLSPBX_API_USER` and
//! `DLSPBX_API_KEY` set, for example against the simulator:
//!
//! ```text
//! cargo run -p dlspbx-sim -- serve --listen 127.0.0.1:8080
//! # it prints: listening on http://127.0.0.1:8080 (api_user=100@default api_key=KEY)
//! export DLSPBX_URL=http://127.0.0.1:8080 DLSPBX_API_USER=100@default DLSPBX_API_KEY=KEY
//! cargo run -p dlspbx-async --example tour
//! ```

use dlspbx_async::prelude::*;
use dlspbx_async::reports::{Column, ReportOption, ReportRequest};
use futures_core::Stream;
use std::pin::Pin;

#[tokio::main]
async fn main() -> Result<(), Error> {
    if std::env::var_os("DLSPBX_URL").is_none() {
        eprintln!("DLSPBX_URL is not set: see the comment at the top of examples/tour.rs");
        return Ok(());
    }
    let client = Client::from_env()?;

    // Calls are futures that own what they need: run two at once.
    let (queues, users) = (client.status().queues(), client.status().users());
    let queues = tokio::spawn(queues);
    let users = users.await?;
    let queues = queues.await.expect("the task panicked")?;
    println!("{queues:#?}\n{users:#?}");

    // Every page of a report, as a stream (with futures-util: `pages.next().await`).
    let request = ReportRequest::new([Column::UniqueId, Column::Date, Column::BillableDuration]);
    let mut pages = client.report_pages(request.clone().option(ReportOption::PerPage(100)));
    let mut rows = 0;
    while let Some(page) = std::future::poll_fn(|cx| Pin::new(&mut pages).poll_next(cx)).await {
        rows += page?.rows().count();
    }
    println!("read {rows} rows page by page");

    // Every row in one response, decoded while it arrives: memory stays flat.
    let mut seconds = 0u64;
    let summary = client
        .with_format(Format::Csv)
        .report_export(request, |row| {
            seconds += row
                .row
                .get(2)
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
            Ok::<(), Error>(())
        })
        .await?;
    println!("exported {} rows, {seconds} billable seconds", summary.rows);
    Ok(())
}
