//! The hostile-server cases both clients must pass, written once:
//! `hostile_tests!(#[test],)` for the blocking client and
//! `hostile_tests!(#[tokio::test] async, .await)` for the async one. The caller's scope
//! provides `Client` (with the builder of `dlspbx_runtime::config::ClientBuilder`) and the module
//! `hostile_server` (`support/hostile_server.rs`).
//!
//! Every case configures short limits (1 s timeout, 1 s connect timeout, a 64 KiB body cap
//! unless the case needs more, one attempt) and checks three things: the call ends in a typed
//! `dlspbx_core::Error` of the expected variant, it ends well within the configured timeout
//! (plus a margin for a loaded machine), and neither the error's `Display` nor its `Debug`
//! shows the API key.

#[allow(unused_macros)]
macro_rules! hostile_tests {
    (#[$test:meta] $($async:ident)? , $($await:tt)*) => {
        use dlspbx_core::{Error, Format};
        use hostile_server::{bodies, head, response, Act, Hostile, KEY, USER};
        use std::time::{Duration, Instant};

        const TIMEOUT: Duration = Duration::from_secs(1);
        /// The slack allowed over the timeout on a loaded 2-core machine.
        const SLACK: Duration = Duration::from_secs(4);
        const CAP: u64 = 64 * 1024;

        fn client_for(url: &str, cap: u64) -> Client {
            Client::builder()
                .base_url(url)
                .api_user(USER)
                .api_key(KEY)
                .timeout(TIMEOUT)
                .connect_timeout(TIMEOUT)
                .max_body_size(cap)
                .max_attempts(1)
                .build()
                .unwrap()
        }

        fn client(server: &Hostile) -> Client {
            client_for(&server.url(), CAP)
        }

        /// The error's texts never show the key.
        fn no_key(error: &Error) {
            for text in [error.to_string(), format!("{error:?}")] {
                assert!(!text.contains(KEY), "{text}");
            }
        }

        /// Runs one call and checks it failed in time without the key in the error.
        macro_rules! fails {
            ($call:expr) => {{
                let started = Instant::now();
                let outcome = $call $($await)*;
                let elapsed = started.elapsed();
                let error = match outcome {
                    Ok(v) => panic!("expected an error, got {v:?}"),
                    Err(e) => e,
                };
                eprintln!("{elapsed:>12?} {error}");
                assert!(elapsed < TIMEOUT + SLACK, "took {elapsed:?}: {error}");
                no_key(&error);
                error
            }};
        }

        fn is_transport(error: &Error, what: &str) -> bool {
            matches!(error, Error::Transport(m) if m.message().contains(what))
        }

        fn is_decode(error: &Error, format: Format) -> bool {
            matches!(error, Error::Decode(d) if d.format == format)
        }

        // ---- bodies that never end, or are too large --------------------------------------

        #[$test]
        $($async)? fn a_body_that_never_ends_hits_the_cap() {
            // Close-delimited (no length) and chunked, 8 KiB as fast as the client reads.
            let chunk = vec![b' '; 8192];
            let mut chunked = format!("{:x}\r\n", chunk.len()).into_bytes();
            chunked.extend_from_slice(&chunk);
            chunked.extend_from_slice(b"\r\n");
            for (head, chunk) in [
                (head(200, "application/json", None, &[]), chunk.clone()),
                (head(200, "application/json", None, &[("Transfer-Encoding", "chunked")]), chunked),
            ] {
                let server = Hostile::start(Act::Endless { head, chunk, every: Duration::ZERO });
                let error = fails!(client(&server).status().queues());
                assert!(is_transport(&error, "larger than 65536"), "{error}");
            }
        }

        #[$test]
        $($async)? fn a_body_that_never_ends_slowly_times_out() {
            // 16 bytes every 50 ms stays under the cap: the timeout ends it.
            let server = Hostile::start(Act::Endless {
                head: head(200, "application/json", None, &[]),
                chunk: b"{\"result\":\"succ".to_vec(),
                every: Duration::from_millis(50),
            });
            let started = Instant::now();
            let error = fails!(client(&server).status().queues());
            assert!(started.elapsed() >= TIMEOUT - Duration::from_millis(100));
            assert!(is_transport(&error, "time"), "{error}");
        }

        #[$test]
        $($async)? fn a_body_larger_than_the_cap_fails() {
            let body = vec![b' '; 1024 * 1024];
            let server = Hostile::start(Act::Raw(response(200, "application/json", &body)));
            let error = fails!(client(&server).status().queues());
            assert!(is_transport(&error, "larger than 65536"), "{error}");
        }

        #[$test]
        $($async)? fn content_length_lies_fail_in_bounded_memory() {
            let before = hostile_server::peak_rss();
            // 1 GB announced, 100 bytes sent, then silence or a close.
            let gig = head(200, "application/json", Some(1 << 30), &[]);
            let mut lie = gig.clone();
            lie.extend_from_slice(&[b' '; 100]);
            for act in [Act::RawThenStall(lie.clone()), Act::Raw(lie)] {
                let server = Hostile::start(act);
                let error = fails!(client(&server).status().queues());
                assert!(matches!(error, Error::Transport(_)), "{error}");
            }
            // A 1 GB body the client is allowed to read (cap 2 GB), sent at loopback speed
            // for at most the timeout: the time limit ends it, and memory stays bounded by
            // what arrived, not by what was announced.
            let server = Hostile::start(Act::Endless { head: gig, chunk: vec![b' '; 64], every: Duration::from_millis(1) });
            let error = fails!(client_for(&server.url(), 2 << 30).status().queues());
            assert!(matches!(error, Error::Transport(_)), "{error}");
            // Lengths no memory could hold, and ones that are not numbers.
            for length in ["18446744073709551615", "99999999999999999999999", "-1", "1e9", "12, 34"] {
                let mut bytes = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n").into_bytes();
                bytes.extend_from_slice(b"{\"result\":\"success\"}");
                let server = Hostile::start(Act::RawThenStall(bytes));
                let started = Instant::now();
                let outcome = client(&server).status().queues() $($await)*;
                assert!(started.elapsed() < TIMEOUT + SLACK, "{length}");
                let error = outcome.expect_err(length);
                eprintln!("Content-Length: {length}: {error}");
                no_key(&error);
                assert!(matches!(error, Error::Transport(_)), "{length}: {error}");
            }
            if let (Some(before), Some(after)) = (before, hostile_server::peak_rss()) {
                assert!(after.saturating_sub(before) < 256 << 20, "peak RSS grew from {before} to {after}");
            }
        }

        // ---- slow and truncated bodies --------------------------------------------------------

        #[$test]
        $($async)? fn slow_drip_bytes_time_out() {
            let body = br#"{"result":"success","users":[]}"#;
            // A whole response, and only its head (then a close).
            for bytes in [response(200, "application/json", body), head(200, "application/json", Some(body.len() as u64), &[])] {
                // One byte every 100 ms: the headers alone would take longer than the timeout.
                let server = Hostile::start(Act::Drip { bytes, every: Duration::from_millis(100) });
                let error = fails!(client(&server).status().users());
                assert!(is_transport(&error, "time"), "{error}");
            }
        }

        #[$test]
        $($async)? fn truncated_bodies_are_transport_errors() {
            // The body is a complete document, but shorter than the Content-Length: the
            // client must not decode what it got as if it were the answer.
            let body = br#"{"result":"success","users":[]}"#;
            let mut bytes = head(200, "application/json", Some(body.len() as u64 + 100), &[]);
            bytes.extend_from_slice(body);
            let server = Hostile::start(Act::Raw(bytes));
            let error = fails!(client(&server).status().users());
            assert!(matches!(error, Error::Transport(_)), "{error}");
            // A chunked body cut in the middle of a chunk.
            let bytes = [head(200, "application/json", None, &[("Transfer-Encoding", "chunked")]), b"40\r\n{\"result\":\"success\"".to_vec()].concat();
            let server = Hostile::start(Act::Raw(bytes));
            let error = fails!(client(&server).status().users());
            assert!(matches!(error, Error::Transport(_)), "{error}");
        }

        #[$test]
        $($async)? fn connections_closed_without_an_answer_fail() {
            for act in [Act::Close, Act::Greet(Vec::new()), Act::Raw(Vec::new())] {
                let server = Hostile::start(act);
                let error = fails!(client(&server).status().queues());
                assert!(matches!(error, Error::Transport(_)), "{error}");
            }
            // Not HTTP at all, and a status line with no end.
            for greeting in [b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(), b"HTTP/1.1 200 OK\r\nX: ".iter().copied().chain(std::iter::repeat_n(b'a', 200_000)).collect()] {
                let server = Hostile::start(Act::RawThenStall(greeting));
                let error = fails!(client(&server).status().queues());
                assert!(matches!(error, Error::Transport(_)), "{error}");
            }
        }

        #[$test]
        $($async)? fn retries_of_a_failing_server_stay_within_the_attempts() {
            let server = Hostile::start(Act::Close);
            let client = Client::builder().base_url(server.url()).api_user(USER).api_key(KEY)
                .timeout(TIMEOUT).connect_timeout(TIMEOUT).max_body_size(CAP)
                .retry(dlspbx_runtime::retry::RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20)))
                .build().unwrap();
            let error = fails!(client.status().queues());
            assert!(matches!(error, Error::Transport(_)), "{error}");
            assert!(server.connections() <= 3, "{} connections", server.connections());
        }

        // ---- what the body says ------------------------------------------------------------------

        #[$test]
        $($async)? fn a_wrong_content_type_is_decoded_as_the_format_asked_for() {
            // A proxy's HTML page with status 200, in every format that could hold data: an
            // error that names it, with its title (issue 16).
            let is_page = |error: &Error, format: Format| {
                matches!(error, Error::HtmlPage { format: f, title: Some(t) } if *f == format && t == "502 Bad Gateway")
            };
            let server = Hostile::start(Act::Raw(response(200, "text/html", &bodies::html_page())));
            for format in [Format::Json, Format::Xml, Format::Yaml, Format::Csv] {
                let error = fails!(client(&server).with_format(format).status().queues());
                assert!(is_page(&error, format), "{format}: {error}");
            }
            let error = fails!(client(&server).with_format(Format::Plain).dialer().add_contact_list(dlspbx_core::dialer::AddContactListRequest::new("x")));
            assert!(is_page(&error, Format::Plain), "{error}");
            // The same page with a 502 is the status, with an excerpt of the page.
            let server = Hostile::start(Act::Raw(response(502, "text/html", &bodies::html_page())));
            let error = fails!(client(&server).status().queues());
            assert!(matches!(error, Error::Status { status: 502, ref body_excerpt } if body_excerpt.contains("Bad Gateway")), "{error}");
            // PHP's default Content-Type is text/html: a JSON body labelled so is still read.
            let server = Hostile::start(Act::Raw(response(200, "text/html; charset=UTF-8", br#"{"result":"success","users":[]}"#)));
            let users = client(&server).status().users() $($await)*;
            assert!(users.is_ok(), "{users:?}");
        }

        #[$test]
        $($async)? fn invalid_utf8_is_a_decode_error() {
            let server = Hostile::start(Act::Raw(response(200, "application/json", &bodies::invalid_utf8_json())));
            let error = fails!(client(&server).status().users());
            assert!(is_decode(&error, Format::Json), "{error}");
            for (format, body) in [
                (Format::Xml, b"<response><result>success</result><users><array><ext>\xff\xfe</ext></array></users></response>".to_vec()),
                (Format::Yaml, b"result: success\nusers:\n- ext: \"\xff\xfe\"\n".to_vec()),
                (Format::Csv, b"result,success\nusers,0,ext,\xff\xfe\n".to_vec()),
                (Format::Plain, b"4\xff2".to_vec()),
            ] {
                let server = Hostile::start(Act::Raw(response(200, format.media_type(), &body)));
                let error = fails!(client(&server).with_format(format).status().users());
                assert!(matches!(error, Error::Decode(_)), "{format}: {error}");
            }
        }

        #[$test]
        $($async)? fn deeply_nested_documents_are_refused() {
            for (format, body) in [
                (Format::Json, bodies::deep_json()),
                (Format::Xml, bodies::deep_xml()),
                (Format::Yaml, bodies::deep_yaml_flow()),
                (Format::Yaml, bodies::deep_yaml_block()),
            ] {
                let server = Hostile::start(Act::Raw(response(200, format.media_type(), &body)));
                let client = client_for(&server.url(), 4 << 20).with_format(format);
                let error = fails!(client.status().queues());
                assert!(is_decode(&error, format), "{format}: {error}");
                // The error path of a non-2xx status parses the body as a tree first.
                let server = Hostile::start(Act::Raw(response(500, format.media_type(), &body)));
                let error = fails!(client_for(&server.url(), 4 << 20).with_format(format).status().queues());
                assert!(matches!(error, Error::Status { status: 500, .. }), "{format}: {error}");
            }
            // The report decoder has its own path, and JSON rows are decoded lazily: the
            // nesting is in the rows.
            let report = || dlspbx_core::reports::ReportRequest::new([dlspbx_core::reports::Column::Date]);
            let mut deep_rows = br#"{"result":"success","total_results":1,"columns":["date"],"results":"#.to_vec();
            deep_rows.extend(std::iter::repeat_n(b'[', 100_000));
            deep_rows.extend(std::iter::repeat_n(b']', 100_000));
            deep_rows.push(b'}');
            let mut deep_xml_rows = b"<response><result>success</result><columns><value>date</value></columns><results>".to_vec();
            deep_xml_rows.extend(std::iter::repeat_n(&b"<array>"[..], 100_000).flatten());
            for (format, body) in [
                (Format::Json, bodies::deep_json()),
                (Format::Json, deep_rows),
                (Format::Xml, bodies::deep_xml()),
                (Format::Xml, deep_xml_rows),
                (Format::Yaml, bodies::deep_yaml_flow()),
                (Format::Yaml, bodies::deep_yaml_block()),
            ] {
                let server = Hostile::start(Act::Raw(response(200, format.media_type(), &body)));
                let client = client_for(&server.url(), 4 << 20).with_format(format);
                let started = Instant::now();
                let error = match client.reports().report(report()) $($await)* {
                    Err(e) => e,
                    Ok(table) => {
                        let mut rows = table.rows();
                        let first = rows.next().expect("a row");
                        first.expect_err("a row nested 100,000 levels deep")
                    }
                };
                eprintln!("report {format}: {error}");
                assert!(started.elapsed() < TIMEOUT + SLACK);
                no_key(&error);
                assert!(matches!(error, Error::Decode(_)), "report {format}: {error}");
            }
        }

        #[$test]
        $($async)? fn yaml_alias_bombs_are_refused() {
            let server = Hostile::start(Act::Raw(response(200, "application/x-yaml", &bodies::yaml_alias_bomb())));
            let client = client(&server).with_format(Format::Yaml);
            let error = fails!(client.status().queues());
            assert!(is_decode(&error, Format::Yaml), "{error}");
            assert!(error.to_string().contains("alias"), "{error}");
        }

        #[$test]
        $($async)? fn xml_entities_are_never_resolved() {
            // The entity points at a second listener: it must receive nothing.
            let entity_host = Hostile::start_on(hostile_server::other_host(), Act::Raw(response(200, "text/plain", KEY.as_bytes())));
            let server = Hostile::start(Act::Raw(response(200, "application/xml", &bodies::xml_external_entity(&entity_host.url()))));
            let error = fails!(client(&server).with_format(Format::Xml).status().queues());
            assert!(is_decode(&error, Format::Xml), "{error}");
            assert!(error.to_string().contains("DOCTYPE"), "{error}");
            let server = Hostile::start(Act::Raw(response(200, "application/xml", &bodies::xml_undeclared_entity())));
            let error = fails!(client(&server).with_format(Format::Xml).example().test());
            assert!(is_decode(&error, Format::Xml), "{error}");
            std::thread::sleep(Duration::from_millis(100));
            assert_eq!(entity_host.connections(), 0);
        }

        // ---- redirects and TLS ---------------------------------------------------------------------

        #[$test]
        $($async)? fn redirects_to_another_host_never_carry_the_credentials() {
            let other = Hostile::start_on(hostile_server::other_host(), Act::Raw(response(200, "application/json", br#"{"result":"success","users":[]}"#)));
            for status in [301, 302, 303, 307, 308] {
                let location = format!("{}/api/v1/status.php?api_action=users&api_format=json", other.url());
                let server = Hostile::start(Act::Raw(head(status, "text/html", Some(0), &[("Location", &location)])));
                // Retries allowed: a redirect is an answer, not a failure to retry.
                let client = Client::builder().base_url(server.url()).api_user(USER).api_key(KEY)
                    .timeout(TIMEOUT).connect_timeout(TIMEOUT)
                    .retry(dlspbx_runtime::retry::RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20)))
                    .build().unwrap();
                let error = fails!(client.status().users());
                assert!(matches!(error, Error::Status { status: s, .. } if s == status), "{status}: {error}");
                assert_eq!(server.connections(), 1, "{status}");
                assert!(server.seen()[0].body.windows(KEY.len()).any(|w| w == KEY.as_bytes()));
            }
            std::thread::sleep(Duration::from_millis(100));
            assert_eq!(other.connections(), 0, "the redirect was followed");
        }

        #[$test]
        $($async)? fn tls_errors_are_transport_errors() {
            // An https URL to a plain-TCP listener: it answers the TLS hello with HTTP, closes
            // at once, or never answers.
            for act in [
                Act::Greet(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".to_vec()),
                Act::Close,
                Act::Silent,
            ] {
                let server = Hostile::start(act.clone());
                let client = client_for(&server.https_url(), CAP);
                let error = fails!(client.status().queues());
                assert!(matches!(error, Error::Transport(_)), "{act:?}: {error}");
                assert!(server.seen().is_empty(), "{act:?}: the server read an HTTP request");
            }
        }
    };
}
