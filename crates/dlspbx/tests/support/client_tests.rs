//! The transport tests both clients must pass, written once: `client_tests!(#[test],)` for the
//! blocking client, `client_tests!(#[tokio::test] async, .await)` for the async one. The
//! caller's scope provides `Client`, `RetryPolicy` and `all` (collects an `Iterator` or a
//! `Stream` of pages).

#[allow(unused_macros)]
macro_rules! client_tests {
    (#[$test:meta] $($async:ident)? , $($await:tt)*) => {
        use dlspbx_core::reports::{Column, ReportOption, ReportRequest};
        use dlspbx_core::sms::QuerySmsRequest;
        use dlspbx_core::status::QueuesRequest;
        use dlspbx_core::{dialer, sms, Encoding, Error, Format};
        use std::time::{Duration, Instant};
        use support::{Reply, Server, KEY, USER};

        fn client(server: &Server) -> Client {
            client_with(server, |b| b)
        }

        fn client_with(
            server: &Server,
            configure: impl FnOnce(dlspbx_runtime::config::ClientBuilder<Client>) -> dlspbx_runtime::config::ClientBuilder<Client>,
        ) -> Client {
            let builder = Client::builder()
                .base_url(server.url())
                .api_user(USER)
                .api_key(KEY)
                .retry(RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20)));
            configure(builder).build().unwrap()
        }

        fn flaky(failures: usize) -> Server {
            Server::start(move |request, index| if index < failures { Reply::status(503) } else { Reply::fixture(request) })
        }

        fn add_list() -> dialer::AddContactListRequest {
            dialer::AddContactListRequest::new("Leads")
        }

        #[$test]
        $($async)? fn every_action_decodes_in_every_format() {
            let server = Server::fixtures();
            let client = client(&server);
            let mut failures = Vec::new();
            for format in Format::ALL {
                let client = client.with_format(format);
                for_each_action!(request => {
                    let name = format!("{request:?} as {format}");
                    if let Err(e) = client.call(request) $($await)*
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

        #[$test]
        $($async)? fn request_encodings_put_the_key_in_the_body_only() {
            let server = Server::fixtures();
            let client = client(&server);
            for encoding in [Encoding::Form, Encoding::Json, Encoding::Xml] {
                client.with_encoding(encoding).dialer().add_contact_list(add_list()) $($await)* .unwrap();
                client.with_encoding(encoding).sms().send_sms(sms::SendSmsRequest::new(["100"], "Hi")) $($await)* .unwrap();
                for request in server.requests().iter().rev().take(2) {
                    support::assert_key_only_in_body(request);
                    assert!(request.body_text().contains(KEY), "{encoding}: {}", request.body_text());
                    assert_eq!(request.header("content-type"), Some(encoding.content_type()));
                }
            }
            let first = &server.requests()[0];
            assert!(first.request_line.starts_with("POST /api/v1/dialer.php?api_action=add_contact_list&api_format=json "));
        }

        #[$test]
        $($async)? fn with_format_changes_one_call() {
            let server = Server::fixtures();
            let client = client(&server);
            client.with_format(Format::Xml).status().queues() $($await)* .unwrap();
            client.status().queues() $($await)* .unwrap();
            let requests = server.requests();
            assert_eq!(requests[0].query("api_format"), Some("xml"));
            assert_eq!(requests[0].header("accept"), Some("application/xml"));
            assert_eq!(requests[1].query("api_format"), Some("json"));
        }

        #[$test]
        $($async)? fn call_raw_decodes_without_copying() {
            let server = Server::fixtures();
            let raw = client(&server).call_raw(QueuesRequest::new()) $($await)* .unwrap();
            assert_eq!((raw.status, raw.format), (200, Format::Json));
            let queues = raw.decode::<QueuesRequest>().unwrap();
            assert!(format!("{queues:?}").contains("support"));
        }

        #[$test]
        $($async)? fn idempotent_calls_are_retried() {
            let server = flaky(2);
            client(&server).status().queues() $($await)* .unwrap();
            assert_eq!(server.count(), 3);
        }

        #[$test]
        $($async)? fn non_idempotent_calls_are_not_retried() {
            let server = flaky(2);
            let error = client(&server).dialer().add_contact_list(add_list()) $($await)* .unwrap_err();
            assert!(matches!(error, Error::Status { status: 503, .. }), "{error}");
            assert_eq!(server.count(), 1);
        }

        #[$test]
        $($async)? fn retries_stop_after_max_attempts() {
            let server = flaky(10);
            let error = client(&server).status().queues() $($await)* .unwrap_err();
            assert!(matches!(error, Error::Status { status: 503, .. }), "{error}");
            assert_eq!(server.count(), 3);
        }

        #[$test]
        $($async)? fn retry_after_is_honoured() {
            let server = Server::start(|request, index| match index {
                0 => Reply::status(429).header("Retry-After", "1"),
                _ => Reply::fixture(request),
            });
            let started = Instant::now();
            client(&server).status().users() $($await)* .unwrap();
            assert!(started.elapsed() >= Duration::from_secs(1));
            assert_eq!(server.count(), 2);
        }

        #[$test]
        $($async)? fn refused_connections_are_reported() {
            let client = Client::builder().base_url(support::closed_port_url()).api_user(USER).api_key(KEY).build().unwrap();
            let error = client.dialer().add_contact_list(add_list()) $($await)* .unwrap_err();
            assert!(matches!(error, Error::Transport(ref t) if t.kind() == dlspbx_core::error::TransportKind::Connect), "{error}");
            // It names the server's host:port.
            let address = client.config().address();
            assert!(error.to_string().contains(&format!("cannot connect to {address}")), "{error}");
            assert!(!error.to_string().contains(KEY));
            // The HTTP stack's own error is kept as the cause.
            let cause = std::error::Error::source(&error);
            assert!(cause.is_some(), "{error:?}");
        }

        #[$test]
        $($async)? fn a_stalled_server_times_out() {
            let server = Server::start(|_, _| Reply::stall());
            let client = client_with(&server, |b| b.timeout(Duration::from_millis(500)));
            let started = Instant::now();
            let error = client.status().queues() $($await)* .unwrap_err();
            assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
            assert!(matches!(error, Error::Transport(ref m) if m.kind() == dlspbx_core::error::TransportKind::Timeout && m.message().contains("time")), "{error}");
            assert!(error.to_string().contains(&client.config().address()), "{error}");
            assert_eq!(server.count(), 1, "timeouts are not retried");
        }

        #[$test]
        $($async)? fn a_body_over_the_cap_fails() {
            let server = Server::start(|_, _| Reply::json(vec![b' '; 64 * 1024]));
            let client = client_with(&server, |b| b.max_body_size(1024));
            let error = client.status().queues() $($await)* .unwrap_err();
            assert!(matches!(error, Error::Transport(ref m) if m.kind() == dlspbx_core::error::TransportKind::BodyTooLarge && m.message().contains("larger than 1024")), "{error}");
        }

        #[$test]
        $($async)? fn redirects_are_not_followed() {
            for status in [302, 307] {
                let server = Server::start(move |_, _| Reply::status(status).header("Location", "/elsewhere"));
                let error = client(&server).status().queues() $($await)* .unwrap_err();
                assert!(matches!(error, Error::Status { status: s, .. } if s == status), "{error}");
                assert_eq!(server.count(), 1);
            }
        }

        #[$test]
        $($async)? fn server_errors_carry_the_message() {
            let server = Server::start(|_, _| Reply::json("{\"result\":\"error\",\"error\":\"Invalid API key\"}"));
            let error = client(&server).example().test() $($await)* .unwrap_err();
            assert!(matches!(error, Error::Server { ref message } if message == "Invalid API key"), "{error}");
        }

        #[$test]
        $($async)? fn invalid_requests_are_not_sent() {
            let server = Server::fixtures();
            let request = sms::SendSmsRequest::new(["2223334444"], "x".repeat(201));
            let error = client(&server).sms().send_sms(request) $($await)* .unwrap_err();
            assert!(matches!(error, Error::Invalid(_)), "{error}");
            assert_eq!(server.count(), 0);
        }

        #[$test]
        $($async)? fn debug_never_shows_the_key() {
            let server = Server::fixtures();
            let client = client(&server);
            let pages = client.report_pages(ReportRequest::new([Column::UniqueId]));
            let builder = Client::builder().api_key(KEY);
            for text in [format!("{client:?}"), format!("{:?}", client.config()), format!("{builder:?}"), format!("{pages:?}")] {
                assert!(!text.contains(KEY), "{text}");
                assert!(text.contains("REDACTED"), "{text}");
            }
            let request = client.prepare(&QueuesRequest::new()).unwrap();
            assert!(!format!("{request:?}").contains(KEY));
            assert!(!request.to_redacted_string(&client.config().base_url).contains(KEY));
        }

        #[$test]
        $($async)? fn report_pages_walk_every_page() {
            let server = Server::start(support::report_pager(5));
            let client = client(&server).with_encoding(Encoding::Json);
            let request = ReportRequest::new([Column::UniqueId, Column::Date]).option(ReportOption::PerPage(2));
            let pages: Vec<_> = all(client.report_pages(request)) $($await)* .into_iter().map(Result::unwrap).collect();
            let rows: Vec<usize> = pages.iter().map(|p| p.rows().count()).collect();
            assert_eq!(rows, [2, 2, 1]);
            let ids: Vec<String> = pages.iter().flat_map(|p| p.rows().map(|r| r.unwrap().get(0).unwrap().to_owned())).collect();
            assert_eq!(ids, ["0", "1", "2", "3", "4"]);
            assert_eq!(server.count(), 3);
        }

        #[$test]
        $($async)? fn report_pages_stop_at_an_error() {
            let server = Server::start(|_, index| if index == 0 { support::report_page(10, 0, 2) } else { Reply::status(404) });
            let client = client(&server).with_encoding(Encoding::Json);
            let request = ReportRequest::new([Column::UniqueId]).option(ReportOption::PerPage(2));
            let pages = all(client.report_pages(request)) $($await)*;
            assert_eq!(pages.len(), 2);
            assert!(pages[0].is_ok() && pages[1].is_err());
        }

        #[$test]
        $($async)? fn sms_pages_walk_every_page() {
            let server = Server::start(support::sms_pager(5));
            let client = client(&server).with_encoding(Encoding::Json);
            let pages = all(client.sms_pages(QuerySmsRequest::new().results_limit(2))) $($await)*;
            let pages: Vec<_> = pages.into_iter().map(Result::unwrap).collect();
            let counts: Vec<usize> = pages.iter().map(|p| p.results.len()).collect();
            assert_eq!(counts, [2, 2, 1]);
            assert_eq!(pages[2].results[0].message, "m4");
        }

        #[$test]
        $($async)? fn report_export_streams_csv_and_json() {
            let server = Server::start(|request, _| {
                assert!(request.body_text().contains("page%3DALL"), "{}", request.body_text());
                assert!(!request.body_text().contains("per_page"), "{}", request.body_text());
                Reply::fixture(request)
            });
            let client = client(&server);
            for format in [Format::Csv, Format::Json, Format::Xml] {
                let mut ids = Vec::new();
                let request = ReportRequest::new([Column::UniqueId]).option(ReportOption::PerPage(1));
                let summary = client
                    .with_format(format)
                    .report_export(request, |row: dlspbx_runtime::export::ExportRow<'_>| {
                        assert_eq!(row.columns[0], "unique_id");
                        ids.push(row.row.get(0).unwrap().to_owned());
                        Ok::<(), Error>(())
                    }) $($await)*
                    .unwrap();
                assert_eq!(ids, ["1476370446.2", "1476370384.0", "1476370358.2"], "{format}");
                assert_eq!(summary.rows, 3);
                let asked = server.requests().pop().unwrap();
                // CSV needs the client crate's `csv` feature; without it the export uses JSON.
                let expected = if format == Format::Csv && cfg!(feature = "csv") { "csv" } else { "json" };
                assert_eq!(asked.query("api_format"), Some(expected));
                support::assert_key_only_in_body(&asked);
            }
        }

        #[$test]
        $($async)? fn report_export_reports_server_errors() {
            let server = Server::start(|_, _| Reply::new(500, "application/json", "{\"result\":\"error\",\"error\":\"Database busy\"}"));
            let error = client_with(&server, |b| b.max_attempts(1))
                .report_export(ReportRequest::new([Column::UniqueId]), |_| Ok::<(), Error>(())) $($await)*
                .unwrap_err();
            assert!(matches!(error, Error::Server { ref message } if message == "Database busy"), "{error}");
            let server = Server::start(|_, _| Reply::json("{\"result\":\"error\",\"error\":\"Invalid API key\"}"));
            let error = client(&server)
                .report_export(ReportRequest::new([Column::UniqueId]), |_| Ok::<(), Error>(())) $($await)*
                .unwrap_err();
            assert!(matches!(error, Error::Server { ref message } if message == "Invalid API key"), "{error}");
        }

        #[$test]
        $($async)? fn report_export_decodes_rows_while_the_body_arrives() {
            // The server sends the first row, then waits (up to 5 s) until the client has seen
            // it before sending the rest: a client that buffered the body would wait it out.
            let seen_first = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let gate = seen_first.clone();
            let body = support::report_page(3, 0, 3).body;
            let split = body.windows(6).position(|w| w == b"],[\"1\"").unwrap() + 1;
            let server = Server::start(move |_, _| Reply::json(body.clone()).split(split, Some(gate.clone())));
            // The cap on a whole body does not apply to an export: only to each row.
            let client = client_with(&server, |b| b.max_body_size(100));
            let started = Instant::now();
            let mut ids = Vec::new();
            let summary = client
                .report_export(ReportRequest::new([Column::UniqueId, Column::Date]), |row| {
                    ids.push(row.row.get(0).unwrap().to_owned());
                    seen_first.store(true, std::sync::atomic::Ordering::SeqCst);
                    Ok::<(), Error>(())
                }) $($await)*
                .unwrap();
            assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
            assert_eq!(ids, ["0", "1", "2"]);
            assert_eq!((summary.rows, summary.total_results), (3, Some(3)));
            assert_eq!(summary.columns, ["unique_id", "date"]);
        }

        #[$test]
        $($async)? fn report_export_times_out_when_the_body_stalls() {
            let body = support::report_page(3, 0, 3).body;
            let split = body.windows(6).position(|w| w == b"],[\"1\"").unwrap() + 1;
            let server = Server::start(move |_, _| Reply::json(body.clone()).split(split, None));
            let client = client_with(&server, |b| b.timeout(Duration::from_millis(500)));
            let started = Instant::now();
            let mut rows = 0;
            let error = client
                .report_export(ReportRequest::new([Column::UniqueId]), |_| {
                    rows += 1;
                    Ok::<(), Error>(())
                }) $($await)*
                .unwrap_err();
            assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
            assert!(matches!(error, Error::Transport(ref m) if m.kind() == dlspbx_core::error::TransportKind::Timeout && m.message().contains("time")), "{error}");
            assert!(error.to_string().contains(&client.config().address()), "{error}");
            assert_eq!(rows, 1, "the rows before the stall are delivered");
            assert_eq!(server.count(), 1, "a failure mid-body is not retried");
        }

        #[$test]
        $($async)? fn report_export_truncated_body_is_an_error() {
            let server = Server::start(|_, _| Reply::json("{\"result\":\"success\",\"results\":[[\"1\"],[\"2\""));
            let error = client(&server)
                .report_export(ReportRequest::new([Column::UniqueId]), |_| Ok::<(), Error>(())) $($await)*
                .unwrap_err();
            assert!(matches!(error, Error::Decode(_)), "{error}");
        }

        #[$test]
        $($async)? fn tracing_shows_each_call_but_never_the_key() {
            let capture = support::Capture::default();
            let _guard = tracing::subscriber::set_default(capture.clone());
            let server = Server::fixtures();
            let client = client(&server);
            client.status().queues() $($await)* .unwrap();
            let failing = Server::start(|_, _| Reply::json(format!("{{\"result\":\"error\",\"error\":\"bad key {KEY}\"}}")));
            let _ = client_with(&failing, |b| b.max_attempts(1)).example().test() $($await)*;
            let _ = client_with(&Server::start(|_, _| Reply::status(503)), |b| b.max_attempts(2)).status().users() $($await)*;
            let closed = Client::builder().base_url(support::closed_port_url()).api_user(USER).api_key(KEY).max_attempts(1).build().unwrap();
            let _ = closed.status().calls() $($await)*;
            client.report_export(ReportRequest::new([Column::UniqueId]), |_| Ok::<(), Error>(())) $($await)* .unwrap();
            let text = capture.text();
            assert!(text.contains("span dlspbx.call module=\"status\" action=\"queues\" format=\"json\""), "{text}");
            assert!(text.contains("status=200") && text.contains("attempts=2") && text.contains("elapsed_ms="), "{text}");
            assert!(text.contains("action=\"report\""), "{text}");
            // The server's message may quote anything; the client's own records never hold the key.
            let own: Vec<&str> = text.lines().filter(|l| !l.contains("bad key")).collect();
            assert!(own.iter().all(|l| !l.contains(KEY)), "{text}");
        }

        #[$test]
        $($async)? fn a_php_diagnostic_before_the_body_is_a_tracing_warning() {
            // Issue 16: PHP's display_errors, with JSON sent as text/html.
            let notice = "<br />\n<b>Notice</b>:  Undefined index: country in <b>/var/www/api.php</b> on line <b>42</b><br />\n";
            let capture = support::Capture::default();
            let _guard = tracing::subscriber::set_default(capture.clone());
            let server = Server::start(move |_, _| Reply::new(200, "text/html", format!("{notice}{{\"result\":\"success\",\"id\":42}}")));
            let list = client(&server).dialer().add_contact_list(dlspbx_core::dialer::AddContactListRequest::new("x")) $($await)* .unwrap();
            assert_eq!(list.id, 42);
            let raw = client(&server).call_raw(dlspbx_core::dialer::AddContactListRequest::new("x")) $($await)* .unwrap();
            assert_eq!(raw.server_warnings.len(), 1);
            let streamed = Server::start(move |_, _| Reply::new(200, "text/html", format!("{notice}{{\"result\":\"success\",\"columns\":[\"unique_id\"],\"results\":[[\"1\"]]}}")));
            let summary = client(&streamed).report_export(ReportRequest::new([Column::UniqueId]), |_| Ok::<(), Error>(())) $($await)* .unwrap();
            assert_eq!((summary.rows, summary.server_warnings.len()), (1, 1));
            let text = capture.text();
            let warning = "event WARN message=server warning warning=PHP Notice: Undefined index: country in /var/www/api.php on line 42";
            assert_eq!(text.matches(warning).count(), 3, "{text}");
        }

        #[$test]
        $($async)? fn builder_requires_https_for_remote_hosts() {
            let error = Client::builder().base_url("http://pbx.example.com").api_user(USER).api_key(KEY).build().unwrap_err();
            assert!(matches!(error, Error::Config(_)), "{error}");
            let https = Client::builder().base_url("https://pbx.example.com").api_user(USER).api_key(KEY).build();
            if cfg!(any(feature = "rustls", feature = "native-tls")) {
                assert!(https.is_ok());
            } else {
                // A build without TLS says so when the client is built.
                assert!(matches!(&https, Err(Error::Config(m)) if m.message().contains("no TLS support")));
            }
        }
    };
}
