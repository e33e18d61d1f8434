//! Every action through the async client against the simulator.

#[macro_use]
#[path = "../../dlspbx/tests/support/mod.rs"]
mod support;

use dlspbx_async::prelude::*;
use dlspbx_sim::Sim;

#[tokio::test]
async fn every_action_in_every_format_and_encoding() {
    let sim = Sim::start().unwrap();
    let client = Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key(sim.api_key())
        .build()
        .unwrap();
    for encoding in [Encoding::Form, Encoding::Json, Encoding::Xml] {
        let client = client.with_encoding(encoding);
        for format in Format::ALL {
            sim_scenario!(client, format, .await);
        }
    }
}

fn client(sim: &Sim) -> Client {
    Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key(sim.api_key())
        .build()
        .unwrap()
}

/// Every item of a stream (no futures-util needed).
async fn all<S: futures_core::Stream + Unpin>(mut items: S) -> Vec<S::Item> {
    let mut out = Vec::new();
    while let Some(item) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut items).poll_next(cx)).await
    {
        out.push(item);
    }
    out
}

#[tokio::test]
async fn report_pages_and_export_agree() {
    use dlspbx_async::reports::{Column, ReportOption, ReportRequest};
    let sim = Sim::start().unwrap();
    let client = client(&sim);
    let request =
        ReportRequest::new([Column::UniqueId, Column::Date]).option(ReportOption::PerPage(70));
    let mut paged = Vec::new();
    let mut total = None;
    for page in all(client.report_pages(request.clone())).await {
        let page = page.unwrap();
        total = page.total_results();
        paged.extend(page.rows().map(|r| r.unwrap().get(0).unwrap().to_owned()));
    }
    assert_eq!(Some(paged.len() as i64), total);
    for format in [Format::Json, Format::Csv] {
        let mut exported = Vec::new();
        let summary = client
            .with_format(format)
            .report_export(request.clone(), |row| {
                exported.push(row.row.get(0).unwrap().to_owned());
                Ok::<(), Error>(())
            })
            .await
            .unwrap();
        assert_eq!(exported, paged, "{format}");
        assert_eq!(Some(summary.rows as i64), total);
    }
}

#[tokio::test]
async fn sms_pages_cover_every_record() {
    use dlspbx_async::sms::QuerySmsRequest;
    let sim = Sim::start().unwrap();
    let client = client(&sim);
    let every = client
        .sms()
        .query_sms(QuerySmsRequest::new().results_limit(100_000))
        .await
        .unwrap();
    let pages = all(client.sms_pages(QuerySmsRequest::new().results_limit(3))).await;
    let paged: Vec<_> = pages
        .into_iter()
        .flat_map(|p| p.unwrap().results.into_iter().map(|r| r.id))
        .collect();
    let expected: Vec<_> = every.results.iter().map(|r| r.id).collect();
    assert_eq!(paged, expected);
}
