//! The API key never leaves the request body. This test uses a distinctive key and scans
//! everything the clients and the CLI print (stdout, stderr), log (every `tracing` span and
//! event at TRACE and every `log` record, captured to a buffer) and put in errors (`Display`
//! and `Debug` of every error variant it can provoke), in every request encoding and response
//! format, dry runs included; and checks that `Debug` of the clients, their builders and
//! configuration shows `REDACTED`.
//!
//! The key's core (`ISSUE7SECRETCORE`) survives every escaping (percent, JSON, XML), so a
//! leak in any encoding is found by looking for the core.

mod support;

use dlspbx::ClientExt as _;
use dlspbx_core::reports::{
    Column, Exclusivity, FilterGroup, FilterRule, FilterType, LogicalOperator, Operator,
    ReportOption, ReportRequest,
};
use dlspbx_core::{Encoding, Error, Format, dialer, sms, status};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use support::hostile_server::{Act, Hostile, head, response};

/// The key: special characters that every encoding escapes, around a core that none does.
const KEY: &str = "k/ISSUE7SECRETCORE+&<é>\"'";
const CORE: &str = "ISSUE7SECRETCORE";

// ---- capturing logs --------------------------------------------------------------------------

/// Everything logged through `tracing` or `log` by any thread, as text.
fn logs() -> &'static Mutex<String> {
    static LOGS: OnceLock<Arc<Mutex<String>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(String::new()));
        let subscriber = Capture {
            buf: Arc::clone(&buf),
            next: std::sync::atomic::AtomicU64::new(1),
        };
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
        let logger: &'static LogCapture = Box::leak(Box::new(LogCapture {
            buf: Arc::clone(&buf),
        }));
        let _ = log::set_logger(logger);
        log::set_max_level(log::LevelFilter::Trace);
        buf
    })
}

struct Capture {
    buf: Arc<Mutex<String>>,
    next: std::sync::atomic::AtomicU64,
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
    fn record_error(
        &mut self,
        field: &tracing::field::Field,
        value: &(dyn std::error::Error + 'static),
    ) {
        let _ = write!(self.0, " {}={value} ({value:?})", field.name());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut line = format!(
            "span {} {}:",
            span.metadata().level(),
            span.metadata().name()
        );
        span.record(&mut Fields(&mut line));
        line.push('\n');
        self.buf.lock().unwrap().push_str(&line);
        tracing::span::Id::from_u64(self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut line = String::from("record:");
        values.record(&mut Fields(&mut line));
        line.push('\n');
        self.buf.lock().unwrap().push_str(&line);
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = format!(
            "event {} {}:",
            event.metadata().level(),
            event.metadata().target()
        );
        event.record(&mut Fields(&mut line));
        line.push('\n');
        self.buf.lock().unwrap().push_str(&line);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

struct LogCapture {
    buf: Arc<Mutex<String>>,
}

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!(
            "log {} {}: {}\n",
            record.level(),
            record.target(),
            record.args()
        );
        self.buf.lock().unwrap().push_str(&line);
    }
    fn flush(&self) {}
}

// ---- the simulator with our key ----------------------------------------------------------------

/// A simulator whose demo user `100@default` has the key [`KEY`].
fn sim() -> &'static dlspbx_sim::Sim {
    static SIM: OnceLock<dlspbx_sim::Sim> = OnceLock::new();
    SIM.get_or_init(|| {
        logs();
        let sim = dlspbx_sim::Sim::start_with(dlspbx_sim::SimConfig { cdrs: 60, ..Default::default() }).unwrap();
        sim.with_db(|conn| {
            conn.execute(
                "UPDATE users SET api_key = ?1 WHERE ext = '100' AND tenant_id = (SELECT id FROM tenants WHERE name = 'default')",
                [KEY],
            )
            .unwrap()
        });
        sim
    })
}

/// Where the core of the key shows in `text`, with some context.
fn leak(what: &str, text: &str) -> Option<String> {
    let at = text.find(CORE)?;
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(120)
        .map_or(0, |(i, _)| i);
    let end = (at + 120).min(text.len());
    let end = (end..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    Some(format!(
        "{what} shows the API key: ...{}...",
        &text[start..end]
    ))
}

/// Fails when the core of the key shows in `text`.
fn assert_clean(what: &str, text: &str) {
    if let Some(message) = leak(what, text) {
        panic!("{message}");
    }
}

/// `Display` and `Debug` of an outcome (errors carry the interesting text).
fn shown<T: std::fmt::Debug>(out: &mut String, label: &str, outcome: &Result<T, Error>) {
    match outcome {
        Ok(v) => {
            let _ = writeln!(out, "{label}: ok {v:?}");
        }
        Err(e) => {
            let _ = writeln!(out, "{label}: error {e} / {e:?}");
        }
    }
}

fn big_report() -> ReportRequest {
    let rule = FilterRule::new(FilterType::Duration)
        .operator(Operator::Between)
        .lower_value("1")
        .upper_value("9");
    ReportRequest::new([Column::Date]).filter_groups(vec![
        FilterGroup::new(
            Exclusivity::Include,
            LogicalOperator::And,
            vec![rule; 10]
        );
        120
    ])
}

// ---- the clients -----------------------------------------------------------------------------------

#[test]
fn the_blocking_client_never_shows_the_key() {
    use dlspbx::{Caller, Client, Modules};
    let sim = sim();
    let client = Client::builder()
        .base_url(sim.url())
        .api_user("100@default")
        .api_key(KEY)
        .max_attempts(1)
        .build()
        .unwrap();
    let mut out = String::new();
    for encoding in [Encoding::Form, Encoding::Json, Encoding::Xml] {
        for format in Format::ALL {
            let c = client.with_encoding(encoding).with_format(format);
            let label = format!("{encoding}/{format}");
            shown(&mut out, &label, &c.example().test());
            shown(&mut out, &label, &c.status().queues());
            let list = c
                .dialer()
                .add_contact_list(dialer::AddContactListRequest::new(format!(
                    "Secret {label}"
                )));
            shown(&mut out, &label, &list);
            shown(
                &mut out,
                &label,
                &c.dialer()
                    .add_contact(dialer::AddContactRequest::new("no such list", "8155551234")),
            );
            shown(
                &mut out,
                &label,
                &c.sms()
                    .send_sms(sms::SendSmsRequest::new(["2223334444"], "hello")),
            );
            shown(
                &mut out,
                &label,
                &c.call(sms::QuerySmsRequest::new().results_limit(2)),
            );
            shown(
                &mut out,
                &label,
                &c.reports()
                    .report(ReportRequest::new([Column::Date]).option(ReportOption::PerPage(2))),
            );
            let pages: Vec<_> = c
                .report_pages(ReportRequest::new([Column::Date]).option(ReportOption::PerPage(20)))
                .take(2)
                .collect();
            let _ = writeln!(out, "{pages:?}");
            // Invalid input, and a body the encoder refuses.
            shown(
                &mut out,
                &label,
                &c.dialer()
                    .add_contact(dialer::AddContactRequest::new("L", "911")),
            );
            let strict = Client::builder()
                .base_url(sim.url())
                .api_user("100@default")
                .api_key(KEY)
                .oversize(dlspbx::Oversize::Fail)
                .encoding(encoding)
                .build()
                .unwrap();
            shown(&mut out, &label, &strict.reports().report(big_report()));
            // What a dry run prints.
            let prepared = c.prepare(&sms::SendSmsRequest::new(["2223334444"], "hi"));
            if let Ok(request) = &prepared {
                let text = request.to_redacted_string(&c.config().base_url);
                assert!(text.contains("REDACTED"), "{text}");
                let _ = writeln!(out, "{text}\n{request:?}\n{}", request.redacted_body());
            }
        }
    }
    // A wrong key: the server's error.
    let wrong = Client::builder()
        .base_url(sim.url())
        .api_user("100@default")
        .api_key(format!("{KEY}-wrong"))
        .build()
        .unwrap();
    shown(&mut out, "wrong key", &wrong.status().users());
    assert_clean("blocking client output and errors", &out);
    let logs = logs().lock().unwrap().clone();
    assert!(
        logs.contains("dlspbx.call"),
        "the client's spans were not captured:\n{logs}"
    );
    assert_clean("logs", &logs);
}

#[test]
fn the_async_client_never_shows_the_key() {
    use dlspbx_async::{Caller, Client, Modules};
    let sim = sim();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(sim.url())
        .api_user("100@default")
        .api_key(KEY)
        .max_attempts(1)
        .build()
        .unwrap();
    let mut out = String::new();
    runtime.block_on(async {
        for encoding in [Encoding::Form, Encoding::Json, Encoding::Xml] {
            for format in Format::ALL {
                let c = client.with_encoding(encoding).with_format(format);
                let label = format!("{encoding}/{format}");
                shown(&mut out, &label, &c.status().users().await);
                shown(
                    &mut out,
                    &label,
                    &c.dialer()
                        .add_contact_list(dialer::AddContactListRequest::new(format!(
                            "Async {label}"
                        )))
                        .await,
                );
                shown(
                    &mut out,
                    &label,
                    &c.dialer()
                        .add_contact(dialer::AddContactRequest::new("no such list", "8155551234"))
                        .await,
                );
                shown(
                    &mut out,
                    &label,
                    &c.call(sms::QuerySmsRequest::new().results_limit(2)).await,
                );
                shown(
                    &mut out,
                    &label,
                    &c.sms()
                        .send_sms(sms::SendSmsRequest::new(["100"], "x".repeat(300)))
                        .await,
                );
                let _ = writeln!(
                    out,
                    "{:?}",
                    c.report_pages(ReportRequest::new([Column::Date]))
                );
            }
        }
    });
    assert_clean("async client output and errors", &out);
    assert_clean("logs", &logs().lock().unwrap());
}

/// Every error variant, provoked, in `Display` and `Debug`.
#[test]
fn no_error_variant_shows_the_key() {
    use dlspbx::{Client, Modules};
    logs();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let build = |url: &str| {
        Client::builder()
            .base_url(url)
            .api_user("100@default")
            .api_key(KEY)
            .timeout(Duration::from_secs(1))
            .max_attempts(1)
            .max_body_size(4096)
    };
    // Config: the key where a user might put it by mistake (the user info or the query of
    // the URL), and a missing key file.
    for url in [
        format!("https://100:{CORE}@pbx.example.com"),
        format!("https://100:{KEY}@pbx.example.com"),
        format!("https://pbx.example.com/?api_user=100&api_key={CORE}"),
        format!("https://pbx.example.com/?api_key={KEY}"),
        format!("https://pbx.example.com/#api_key={CORE}"),
    ] {
        errors.push((
            format!("config {url:?}"),
            build(&url).build().map(|_| ()).unwrap_err(),
        ));
    }
    errors.push((
        "key file".into(),
        Client::builder()
            .base_url("https://pbx.example.com")
            .api_user("u")
            .api_key_file("/nonexistent/key")
            .build()
            .map(|_| ())
            .unwrap_err(),
    ));
    // Invalid, Encode.
    let ok = build("http://127.0.0.1:9").build().unwrap();
    errors.push((
        "invalid".into(),
        ok.dialer()
            .add_contact(dialer::AddContactRequest::new("L", "911"))
            .unwrap_err(),
    ));
    let strict = build("http://127.0.0.1:9")
        .oversize(dlspbx::Oversize::Fail)
        .build()
        .unwrap();
    errors.push((
        "encode".into(),
        strict.reports().report(big_report()).unwrap_err(),
    ));
    // Transport: refused, timed out, over the cap, TLS.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    errors.push((
        "refused".into(),
        build(&format!("http://{closed}"))
            .build()
            .unwrap()
            .status()
            .queues()
            .unwrap_err(),
    ));
    let silent = Hostile::start(Act::RawThenStall(head(
        200,
        "application/json",
        Some(100),
        &[],
    )));
    errors.push((
        "timeout".into(),
        build(&silent.url())
            .build()
            .unwrap()
            .status()
            .queues()
            .unwrap_err(),
    ));
    let big = Hostile::start(Act::Raw(response(200, "application/json", &[b' '; 10_000])));
    errors.push((
        "cap".into(),
        build(&big.url())
            .build()
            .unwrap()
            .status()
            .queues()
            .unwrap_err(),
    ));
    let tls = Hostile::start(Act::Greet(b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()));
    errors.push((
        "tls".into(),
        build(&tls.https_url())
            .build()
            .unwrap()
            .status()
            .queues()
            .unwrap_err(),
    ));
    // Decode, Server, Status from the simulator.
    let sim = sim();
    let real = Client::builder()
        .base_url(sim.url())
        .api_user("100@default")
        .api_key(KEY)
        .build()
        .unwrap();
    errors.push((
        "decode".into(),
        real.with_format(Format::Plain)
            .status()
            .queues()
            .unwrap_err(),
    ));
    errors.push((
        "server".into(),
        real.dialer()
            .add_contact(dialer::AddContactRequest::new("no such list", "8155551234"))
            .unwrap_err(),
    ));
    let wrong = Client::builder()
        .base_url(sim.url())
        .api_user("100@default")
        .api_key(format!("{KEY}x"))
        .build()
        .unwrap();
    errors.push(("bad key".into(), wrong.status().queues().unwrap_err()));
    let status = Hostile::start(Act::Raw(response(503, "text/plain", b"busy")));
    errors.push((
        "status".into(),
        build(&status.url())
            .build()
            .unwrap()
            .status()
            .queues()
            .unwrap_err(),
    ));
    let mut seen = std::collections::BTreeSet::new();
    let mut leaks = Vec::new();
    for (what, error) in &errors {
        seen.insert(match error {
            Error::Invalid(_) => "Invalid",
            Error::Server { .. } => "Server",
            Error::Decode(_) => "Decode",
            Error::Encode(_) => "Encode",
            Error::Status { .. } => "Status",
            Error::Transport(_) => "Transport",
            Error::Config(_) => "Config",
            _ => "other",
        });
        leaks.extend(leak(&format!("{what}: Display"), &error.to_string()));
        leaks.extend(leak(&format!("{what}: Debug"), &format!("{error:?}")));
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
    let all: std::collections::BTreeSet<&str> = [
        "Config",
        "Decode",
        "Encode",
        "Invalid",
        "Server",
        "Status",
        "Transport",
    ]
    .into();
    assert_eq!(seen, all, "not every variant was provoked");
    assert_clean("logs", &logs().lock().unwrap());
}

/// A server that echoes what it was sent (a debug page, a proxy's error): the client's own key
/// is not repeated in the error it returns (`Error::Status` promises "never contains request
/// credentials"; `Error::Server` carries the server's message).
#[test]
fn a_server_echoing_the_request_does_not_leak_the_key_into_errors() {
    use dlspbx::{Client, Modules};
    // The echo is the request body the client sent, in each encoding: the key is in it raw,
    // percent-, JSON- or XML-escaped.
    let mut leaks = Vec::new();
    for encoding in [Encoding::Form, Encoding::Json, Encoding::Xml] {
        let echo = Hostile::start(Act::Raw(Vec::new()));
        let client = Client::builder()
            .base_url(echo.url())
            .api_user("100@default")
            .api_key(KEY)
            .encoding(encoding)
            .max_attempts(1)
            .build()
            .unwrap();
        let _ = client.status().queues();
        let body = String::from_utf8_lossy(&echo.seen()[0].body).into_owned();
        assert!(body.contains(CORE));
        for (status, text) in [
            (500, format!("<html><body>POST data: {body}</body></html>")),
            (
                200,
                format!(
                    "{{\"result\":\"error\",\"error\":\"Invalid api_key in {}\"}}",
                    body.replace('\\', "\\\\").replace('"', "\\\"")
                ),
            ),
        ] {
            let server = Hostile::start(Act::Raw(response(status, "text/html", text.as_bytes())));
            let client = Client::builder()
                .base_url(server.url())
                .api_user("100@default")
                .api_key(KEY)
                .encoding(encoding)
                .max_attempts(1)
                .build()
                .unwrap();
            let error = client.status().queues().unwrap_err();
            leaks.extend(leak(
                &format!("{encoding} {status}: Display"),
                &error.to_string(),
            ));
            leaks.extend(leak(
                &format!("{encoding} {status}: Debug"),
                &format!("{error:?}"),
            ));
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

#[test]
fn debug_of_clients_builders_and_config_is_redacted() {
    let url = "https://pbx.example.com";
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, KEY).unwrap();
    let blocking = dlspbx::Client::builder()
        .base_url(url)
        .api_user("100@t")
        .api_key(KEY);
    let from_file = dlspbx::Client::builder()
        .base_url(url)
        .api_user("100@t")
        .api_key_file(&key_file);
    let asynchronous = dlspbx_async::Client::builder()
        .base_url(url)
        .api_user("100@t")
        .api_key(KEY);
    let mut texts = vec![
        format!("{blocking:?}"),
        format!("{from_file:?}"),
        format!("{asynchronous:?}"),
    ];
    let b = blocking.clone().build().unwrap();
    let a = asynchronous.clone().build().unwrap();
    let f = from_file.clone().build().unwrap();
    texts.extend([
        format!("{b:?}"),
        format!("{:?}", b.config()),
        format!("{:#?}", b.config()),
        format!("{a:?}"),
        format!("{:?}", a.config()),
        format!("{f:?}"),
        format!("{:?}", f.config()),
        format!("{:?}", b.config().credentials),
        format!("{:?}", b.config().credentials.api_key),
        format!(
            "{:?}",
            b.with_format(Format::Xml).with_encoding(Encoding::Xml)
        ),
        format!("{:?}", b.report_pages(ReportRequest::new([Column::Date]))),
        format!("{:?}", a.report_pages(ReportRequest::new([Column::Date]))),
        format!("{:?}", blocking.clone().into_config().unwrap()),
    ]);
    for encoding in [Encoding::Form, Encoding::Json, Encoding::Xml] {
        let request = b
            .with_encoding(encoding)
            .prepare(&status::QueuesRequest::new())
            .unwrap();
        texts.push(format!("{request:?}"));
        texts.push(request.to_redacted_string(url));
    }
    for text in &texts {
        assert_clean("Debug", text);
        assert!(text.contains("REDACTED"), "{text}");
    }
}

// ---- the CLI ---------------------------------------------------------------------------------------

#[test]
fn the_cli_never_prints_the_key() {
    let sim = sim();
    let url = sim.url();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, KEY).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "url = \"{url}\"\napi_user = \"100@default\"\napi_key_file = \"{}\"\n",
            key_file.display()
        ),
    )
    .unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let by_flag = |url: &str| {
        vec![
            "--url".to_owned(),
            url.to_owned(),
            "--api-user".into(),
            "100@default".into(),
            "--api-key".into(),
            KEY.into(),
        ]
    };
    let by_file = vec![
        "--url".to_owned(),
        url.clone(),
        "--api-user".into(),
        "100@default".into(),
        "--api-key-file".into(),
        key_file.display().to_string(),
    ];
    let by_config = vec!["--config".to_owned(), config.display().to_string()];
    let mut runs: Vec<(Vec<String>, Vec<&str>, Option<i32>)> = Vec::new();
    for encoding in ["form", "json", "xml"] {
        for auth in [by_flag(&url), by_file.clone(), by_config.clone()] {
            let mut args = auth.clone();
            args.extend(["--encoding".to_owned(), encoding.to_owned()]);
            runs.push((args.clone(), vec!["status", "queues"], Some(0)));
            runs.push((
                args.clone(),
                vec![
                    "--dry-run",
                    "sms",
                    "send-sms",
                    "--dst",
                    "100",
                    "--body",
                    "hi",
                ],
                Some(0),
            ));
            runs.push((
                args.clone(),
                vec![
                    "--raw",
                    "dialer",
                    "add-contact-list",
                    "--name",
                    "cli secret",
                ],
                Some(0),
            ));
            runs.push((
                args.clone(),
                vec![
                    "dialer",
                    "add-contact",
                    "--contact-list",
                    "no such list",
                    "--phone-number",
                    "8155551234",
                ],
                Some(3),
            ));
            runs.push((
                args.clone(),
                vec![
                    "dialer",
                    "add-contact",
                    "--contact-list",
                    "L",
                    "--phone-number",
                    "911",
                ],
                Some(4),
            ));
            runs.push((args, vec!["--format", "plain", "status", "queues"], None));
        }
        let mut args = by_flag(&format!("http://{closed}"));
        args.extend(["--encoding".to_owned(), encoding.to_owned()]);
        runs.push((args, vec!["status", "queues"], Some(2)));
    }
    // The key from the environment, and a wrong key.
    let mut dry_runs = 0;
    for (args, command, code) in &runs {
        let out = support::cli().args(args).args(command).output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        if let Some(code) = code {
            assert_eq!(out.status.code(), Some(*code), "{command:?}: {stderr}");
        }
        if command.contains(&"--dry-run") {
            assert!(
                stdout.contains("REDACTED") || stderr.contains("REDACTED"),
                "{stdout}{stderr}"
            );
            dry_runs += 1;
        }
        assert_clean(&format!("{command:?} stdout"), &stdout);
        assert_clean(&format!("{command:?} stderr"), &stderr);
    }
    assert_eq!(dry_runs, 9);
    for (key, code) in [(KEY.to_owned(), 0), (format!("{KEY}-wrong"), 3)] {
        let out = support::cli()
            .env("DLSPBX_URL", &url)
            .env("DLSPBX_API_USER", "100@default")
            .env("DLSPBX_API_KEY", &key)
            .args(["status", "users"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_clean("env stdout", &String::from_utf8_lossy(&out.stdout));
        assert_clean("env stderr", &String::from_utf8_lossy(&out.stderr));
    }
}
