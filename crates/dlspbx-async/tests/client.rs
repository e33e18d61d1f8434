//! The async client against the fixture server of the blocking client's tests.

#[macro_use]
#[path = "../../dlspbx/tests/support/mod.rs"]
mod support;

use dlspbx_async::RetryPolicy;
use dlspbx_async::prelude::*;
use dlspbx_async::reports::{Column, ReportOption, ReportRequest};
use dlspbx_async::sms::QuerySmsRequest;
use dlspbx_async::status::QueuesRequest;
use futures_core::Stream;
use std::pin::Pin;
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

/// Collects a stream (no futures-util needed).
async fn collect<S: Stream + Unpin>(mut stream: S) -> Vec<S::Item> {
    let mut items = Vec::new();
    while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        items.push(item);
    }
    items
}

#[tokio::test]
async fn every_action_decodes_in_every_format() {
    let server = Server::fixtures();
    let client = client(&server);
    let mut failures = Vec::new();
    for format in Format::ALL {
        let client = client.with_format(format);
        for_each_action!(request => {
            let name = format!("{request:?} as {format}");
            if let Err(e) = client.call(request).await
                && !support::plain_cannot_carry(format, &e)
            {
                failures.push(format!("{name}: {e}"));
            }
        });
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(server.count(), 19 * 5);
}

#[tokio::test]
async fn request_encodings_put_the_key_in_the_body_only() {
    let server = Server::fixtures();
    let client = client(&server);
    for encoding in [Encoding::Form, Encoding::Json, Encoding::Xml] {
        client
            .with_encoding(encoding)
            .sms()
            .send_sms(dlspbx_async::sms::SendSmsRequest::new(["100"], "Hi"))
            .await
            .unwrap();
        let request = server.requests().pop().unwrap();
        support::assert_key_only_in_body(&request);
        assert_eq!(
            request.header("content-type"),
            Some(encoding.content_type())
        );
    }
}

#[tokio::test]
async fn futures_are_send_and_static() {
    let server = Server::fixtures();
    let client = client(&server);
    let call = client.with_format(Format::Yaml).status().queues();
    drop(client);
    tokio::spawn(call).await.unwrap().unwrap();
    let raw = client_raw(&server).await;
    assert!(raw.decode::<QueuesRequest>().is_ok());
}

async fn client_raw(server: &Server) -> RawResponse {
    client(server).call_raw(QueuesRequest::new()).await.unwrap()
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

#[tokio::test]
async fn idempotent_calls_are_retried_and_others_not() {
    let server = flaky(2);
    client(&server).status().queues().await.unwrap();
    assert_eq!(server.count(), 3);

    let server = flaky(2);
    let error = client(&server)
        .subscribers()
        .add_subscriber(dlspbx_async::subscribers::AddSubscriberRequest::new(
            "2223334444",
            "CQ7XB2M",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Status { status: 503, .. }),
        "{error}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_stalled_server_times_out() {
    let server = Server::start(|_, _| Reply::stall());
    let client = Client::builder()
        .base_url(server.url())
        .api_user(USER)
        .api_key(KEY)
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.status().queues().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(error, Error::Transport(ref m) if m.contains("timed out")),
        "{error}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_body_over_the_cap_fails() {
    let server = Server::start(|_, _| Reply::json(vec![b' '; 64 * 1024]));
    let client = Client::builder()
        .base_url(server.url())
        .api_user(USER)
        .api_key(KEY)
        .max_body_size(1024)
        .build()
        .unwrap();
    let error = client.status().queues().await.unwrap_err();
    assert!(
        matches!(error, Error::Transport(ref m) if m.contains("larger than 1024")),
        "{error}"
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = Server::start(|_, _| Reply::status(307).header("Location", "/elsewhere"));
    let error = client(&server).status().queues().await.unwrap_err();
    assert!(
        matches!(error, Error::Status { status: 307, .. }),
        "{error}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn refused_connections_are_reported() {
    let client = Client::builder()
        .base_url(support::closed_port_url())
        .api_user(USER)
        .api_key(KEY)
        .build()
        .unwrap();
    let error = client.example().test().await.unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error}");
    assert!(!error.to_string().contains(KEY));
}

#[tokio::test]
async fn debug_never_shows_the_key() {
    let server = Server::fixtures();
    let client = client(&server);
    let text = format!(
        "{client:?} {:?}",
        client.report_pages(ReportRequest::new([Column::UniqueId]))
    );
    assert!(!text.contains(KEY) && text.contains("REDACTED"), "{text}");
}

#[tokio::test]
async fn report_pages_stream_every_page() {
    let server = Server::start(support::report_pager(5));
    let client = client(&server).with_encoding(Encoding::Json);
    let request =
        ReportRequest::new([Column::UniqueId, Column::Date]).option(ReportOption::PerPage(2));
    let pages = collect(client.report_pages(request)).await;
    let rows: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().unwrap().rows().count())
        .collect();
    assert_eq!(rows, [2, 2, 1]);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn sms_pages_stream_every_page() {
    let server = Server::start(support::sms_pager(4));
    let client = client(&server).with_encoding(Encoding::Json);
    let pages = collect(client.sms_pages(QuerySmsRequest::new().results_limit(2))).await;
    let counts: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().unwrap().results.len())
        .collect();
    assert_eq!(counts, [2, 2]);
    assert_eq!(server.count(), 2, "stops at total_results");
}
