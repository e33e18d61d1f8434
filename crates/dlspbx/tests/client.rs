//! The blocking client against a fixture server.

#[macro_use]
mod support;

use dlspbx::prelude::*;
use dlspbx::reports::{Column, ReportOption, ReportRequest};
use dlspbx::sms::QuerySmsRequest;
use dlspbx::status::QueuesRequest;
use dlspbx::{ExportRow, RetryPolicy};
use std::time::{Duration, Instant};
use support::{KEY, Reply, Server, USER};

fn client(server: &Server) -> Client {
    Client::builder()
        .base_url(server.url())
        .api_user(USER)
        .api_key(KEY)
        .retry(RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20)))
        .build()
        .unwrap()
}

#[test]
fn every_action_decodes_in_every_format() {
    let server = Server::fixtures();
    let client = client(&server);
    let mut failures = Vec::new();
    for format in Format::ALL {
        let client = client.with_format(format);
        for_each_action!(request => {
            let name = format!("{}.{} as {format}", request_module(&request), request_name(&request));
            if let Err(e) = client.call(request)
                && !support::plain_cannot_carry(format, &e)
            {
                failures.push(format!("{name}: {e}"));
            }
        });
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(server.count(), 19 * 5);
    for request in server.requests() {
        support::assert_key_only_in_body(&request);
    }
}

fn request_module<A: dlspbx::Action>(_: &A) -> &'static str {
    A::MODULE
}

fn request_name<A: dlspbx::Action>(_: &A) -> &'static str {
    A::NAME
}

#[test]
fn request_encodings_put_the_key_in_the_body_only() {
    let server = Server::fixtures();
    let client = client(&server);
    for encoding in [Encoding::Form, Encoding::Json, Encoding::Xml] {
        client
            .with_encoding(encoding)
            .dialer()
            .add_contact_list(dlspbx::dialer::AddContactListRequest::new("Leads"))
            .unwrap();
        let request = server.requests().pop().unwrap();
        support::assert_key_only_in_body(&request);
        assert!(
            request.body_text().contains(KEY),
            "{encoding}: {}",
            request.body_text()
        );
        assert_eq!(
            request.header("content-type"),
            Some(encoding_type(encoding))
        );
        assert!(
            request.request_line.starts_with(
                "POST /api/v1/dialer.php?api_action=add_contact_list&api_format=json "
            )
        );
    }
}

fn encoding_type(encoding: Encoding) -> &'static str {
    encoding.content_type()
}

#[test]
fn with_format_changes_one_call() {
    let server = Server::fixtures();
    let client = client(&server);
    client.with_format(Format::Xml).status().queues().unwrap();
    client.status().queues().unwrap();
    let requests = server.requests();
    assert_eq!(requests[0].query("api_format"), Some("xml"));
    assert_eq!(requests[0].header("accept"), Some("application/xml"));
    assert_eq!(requests[1].query("api_format"), Some("json"));
}

#[test]
fn call_raw_decodes_without_copying() {
    let server = Server::fixtures();
    let raw = client(&server).call_raw(QueuesRequest::new()).unwrap();
    assert_eq!((raw.status, raw.format), (200, Format::Json));
    let queues = raw.decode::<QueuesRequest>().unwrap();
    assert!(format!("{queues:?}").contains("support"));
}

fn flaky(failures: usize) -> Server {
    Server::start(move |request, index| {
        if index < failures {
            Reply::status(503)
        } else {
            Reply::fixture(request)
        }
    })
}

#[test]
fn idempotent_calls_are_retried() {
    let server = flaky(2);
    client(&server).status().queues().unwrap();
    assert_eq!(server.count(), 3);
}

#[test]
fn non_idempotent_calls_are_not_retried() {
    let server = flaky(2);
    let error = client(&server)
        .dialer()
        .add_contact_list(dlspbx::dialer::AddContactListRequest::new("Leads"))
        .unwrap_err();
    assert!(
        matches!(error, Error::Status { status: 503, .. }),
        "{error}"
    );
    assert_eq!(server.count(), 1);
}

#[test]
fn retries_stop_after_max_attempts() {
    let server = flaky(10);
    let error = client(&server).status().queues().unwrap_err();
    assert!(
        matches!(error, Error::Status { status: 503, .. }),
        "{error}"
    );
    assert_eq!(server.count(), 3);
}

#[test]
fn retry_after_is_honoured() {
    let server = Server::start(|request, index| match index {
        0 => Reply::status(429).header("Retry-After", "1"),
        _ => Reply::fixture(request),
    });
    let started = Instant::now();
    client(&server).status().users().unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(server.count(), 2);
}

#[test]
fn refused_connections_are_retried_then_reported() {
    let client = Client::builder()
        .base_url(support::closed_port_url())
        .api_user(USER)
        .api_key(KEY)
        .build()
        .unwrap();
    let error = client
        .dialer()
        .add_contact_list(dlspbx::dialer::AddContactListRequest::new("Leads"))
        .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error}");
    assert!(!error.to_string().contains(KEY));
}

#[test]
fn a_stalled_server_times_out() {
    let server = Server::start(|_, _| Reply::stall());
    let client = Client::builder()
        .base_url(server.url())
        .api_user(USER)
        .api_key(KEY)
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.status().queues().unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(error, Error::Transport(ref m) if m.contains("timeout")),
        "{error}"
    );
    assert_eq!(server.count(), 1, "timeouts are not retried");
}

#[test]
fn a_body_over_the_cap_fails() {
    let server = Server::start(|_, _| Reply::json(vec![b' '; 64 * 1024]));
    let client = Client::builder()
        .base_url(server.url())
        .api_user(USER)
        .api_key(KEY)
        .max_body_size(1024)
        .build()
        .unwrap();
    let error = client.status().queues().unwrap_err();
    assert!(
        matches!(error, Error::Transport(ref m) if m.contains("larger than 1024")),
        "{error}"
    );
}

#[test]
fn redirects_are_not_followed() {
    let server = Server::start(|_, _| Reply::status(302).header("Location", "/elsewhere"));
    let error = client(&server).status().queues().unwrap_err();
    assert!(
        matches!(error, Error::Status { status: 302, .. }),
        "{error}"
    );
    assert_eq!(server.count(), 1);
}

#[test]
fn server_errors_carry_the_message() {
    let server =
        Server::start(|_, _| Reply::json("{\"result\":\"error\",\"error\":\"Invalid API key\"}"));
    let error = client(&server).example().test().unwrap_err();
    assert!(
        matches!(error, Error::Server { ref message } if message == "Invalid API key"),
        "{error}"
    );
}

#[test]
fn invalid_requests_are_not_sent() {
    let server = Server::fixtures();
    let error = client(&server)
        .sms()
        .send_sms(dlspbx::sms::SendSmsRequest::new(
            ["2223334444"],
            "x".repeat(201),
        ))
        .unwrap_err();
    assert!(matches!(error, Error::Invalid(_)), "{error}");
    assert_eq!(server.count(), 0);
}

#[test]
fn debug_never_shows_the_key() {
    let server = Server::fixtures();
    let client = client(&server);
    for text in [
        format!("{client:?}"),
        format!("{:?}", client.config()),
        format!("{:?}", Client::builder().api_key(KEY)),
    ] {
        assert!(!text.contains(KEY), "{text}");
        assert!(text.contains("REDACTED"), "{text}");
    }
    let request = client.prepare(&QueuesRequest::new()).unwrap();
    assert!(!format!("{request:?}").contains(KEY));
    assert!(
        !request
            .to_redacted_string(&client.config().base_url)
            .contains(KEY)
    );
}

#[test]
fn report_pages_walk_every_page() {
    let server = Server::start(support::report_pager(5));
    let client = client(&server).with_encoding(Encoding::Json);
    let request =
        ReportRequest::new([Column::UniqueId, Column::Date]).option(ReportOption::PerPage(2));
    let pages: Vec<_> = client
        .report_pages(request)
        .collect::<Result<_, _>>()
        .unwrap();
    let rows: Vec<usize> = pages.iter().map(|p| p.rows().count()).collect();
    assert_eq!(rows, [2, 2, 1]);
    let ids: Vec<String> = pages
        .iter()
        .flat_map(|p| {
            p.rows()
                .map(|r| r.unwrap().get(0).unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(ids, ["0", "1", "2", "3", "4"]);
    assert_eq!(server.count(), 3);
}

#[test]
fn report_pages_stop_at_an_error() {
    let server = Server::start(|_, index| {
        if index == 0 {
            support::report_page(10, 0, 2)
        } else {
            Reply::status(404)
        }
    });
    let client = client(&server).with_encoding(Encoding::Json);
    let pages: Vec<_> = client
        .report_pages(ReportRequest::new([Column::UniqueId]).option(ReportOption::PerPage(2)))
        .collect();
    assert_eq!(pages.len(), 2);
    assert!(pages[0].is_ok() && pages[1].is_err());
}

#[test]
fn sms_pages_walk_every_page() {
    let server = Server::start(support::sms_pager(5));
    let client = client(&server).with_encoding(Encoding::Json);
    let pages: Vec<_> = client
        .sms_pages(QuerySmsRequest::new().results_limit(2))
        .collect::<Result<_, _>>()
        .unwrap();
    let counts: Vec<usize> = pages.iter().map(|p| p.results.len()).collect();
    assert_eq!(counts, [2, 2, 1]);
    assert_eq!(pages[2].results[0].message, "m4");
}

#[test]
fn report_export_streams_csv_and_json() {
    let server = Server::start(|request, _| {
        assert!(
            request.body_text().contains("page%3DALL"),
            "{}",
            request.body_text()
        );
        assert!(
            !request.body_text().contains("per_page"),
            "{}",
            request.body_text()
        );
        Reply::fixture(request)
    });
    let client = client(&server);
    for format in [Format::Csv, Format::Json, Format::Xml] {
        let mut ids = Vec::new();
        let request = ReportRequest::new([Column::UniqueId]).option(ReportOption::PerPage(1));
        let summary = client
            .with_format(format)
            .report_export(request, |row: ExportRow<'_>| {
                assert_eq!(row.columns[0], "unique_id");
                ids.push(row.row.get(0).unwrap().to_owned());
                Ok::<(), Error>(())
            })
            .unwrap();
        assert_eq!(
            ids,
            ["1476370446.2", "1476370384.0", "1476370358.2"],
            "{format}"
        );
        assert_eq!(summary.rows, 3);
        let asked = server.requests().pop().unwrap();
        let expected = if format == Format::Csv { "csv" } else { "json" };
        assert_eq!(asked.query("api_format"), Some(expected));
    }
}

#[test]
fn report_export_reports_server_errors() {
    let server = Server::start(|_, _| {
        Reply::new(
            500,
            "application/json",
            "{\"result\":\"error\",\"error\":\"Database busy\"}",
        )
    });
    let client = Client::builder()
        .base_url(server.url())
        .api_user(USER)
        .api_key(KEY)
        .max_attempts(1)
        .build()
        .unwrap();
    let error = client
        .report_export(ReportRequest::new([Column::UniqueId]), |_| {
            Ok::<(), Error>(())
        })
        .unwrap_err();
    assert!(
        matches!(error, Error::Server { ref message } if message == "Database busy"),
        "{error}"
    );
}

#[test]
fn builder_requires_https_for_remote_hosts() {
    let error = Client::builder()
        .base_url("http://pbx.example.com")
        .api_user(USER)
        .api_key(KEY)
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error}");
    assert!(
        Client::builder()
            .base_url("https://pbx.example.com")
            .api_user(USER)
            .api_key(KEY)
            .build()
            .is_ok()
    );
}
