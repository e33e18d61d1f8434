//! Every action through the blocking client against the simulator.

#![cfg(feature = "blocking")]

#[macro_use]
mod support;

use dlspbx::prelude::*;
use dlspbx::reports::{Column, ReportOption, ReportRequest};
use dlspbx::sms::QuerySmsRequest;
use dlspbx_sim::Sim;

fn client(sim: &Sim) -> Client {
    Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key(sim.api_key())
        .build()
        .unwrap()
}

#[test]
fn every_action_in_every_format_and_encoding() {
    let sim = Sim::start().unwrap();
    for encoding in [Encoding::Form, Encoding::Json, Encoding::Xml] {
        let client = client(&sim).with_encoding(encoding);
        for format in Format::ALL {
            sim_scenario!(client, format,);
        }
    }
}

#[test]
fn report_pages_and_export_agree() {
    let sim = Sim::start().unwrap();
    let client = client(&sim);
    let request =
        ReportRequest::new([Column::UniqueId, Column::Date]).option(ReportOption::PerPage(70));
    let mut paged = Vec::new();
    let mut total = None;
    for page in client.report_pages(request.clone()) {
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
            .unwrap();
        assert_eq!(exported, paged, "{format}");
        assert_eq!(Some(summary.rows as i64), total);
    }
}

#[test]
fn sms_pages_cover_every_record() {
    let sim = Sim::start().unwrap();
    let client = client(&sim);
    let all = client
        .sms()
        .query_sms(QuerySmsRequest::new().results_limit(100_000))
        .unwrap();
    let pages: Vec<_> = client
        .sms_pages(QuerySmsRequest::new().results_limit(3))
        .collect::<Result<_, _>>()
        .unwrap();
    let paged: Vec<_> = pages
        .iter()
        .flat_map(|p| p.results.iter().map(|r| r.id))
        .collect();
    let expected: Vec<_> = all.results.iter().map(|r| r.id).collect();
    assert_eq!(paged, expected);
}

#[test]
fn wrong_key_is_a_server_error() {
    let sim = Sim::start().unwrap();
    let client = Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key("wrong")
        .build()
        .unwrap();
    let error = client.example().test().unwrap_err();
    assert!(matches!(error, Error::Server { .. }), "{error}");
}
