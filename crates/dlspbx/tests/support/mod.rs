//! A small HTTP/1.1 server for the client tests (shared with `dlspbx-async`'s tests through
//! `#[path]`): a thread per connection, one request per connection, answers from a handler.
#![allow(dead_code)]

#[macro_use]
mod client_tests;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The API key every test client uses; it must only ever appear in request bodies.
pub const KEY: &str = "s3cr3t-k3y-0123456789";
pub const USER: &str = "100@default";

/// The golden responses: `tests/fixtures/<module>.<action>/response.<format>`.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `POST /api/v1/status.php?api_action=queues&api_format=json HTTP/1.1`
    pub request_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn target(&self) -> &str {
        self.request_line.split(' ').nth(1).unwrap_or("")
    }

    pub fn query(&self, key: &str) -> Option<&str> {
        let query = self.target().split_once('?')?.1;
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    }

    /// `status.queues`
    pub fn action(&self) -> String {
        let path = self.target().split('?').next().unwrap_or("");
        let module = path
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".php");
        format!("{module}.{}", self.query("api_action").unwrap_or(""))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Read the request, then never answer.
    pub stall: bool,
    /// Send the body in two parts: the bytes before this offset, then (after `gate`) the rest.
    pub split_at: Option<usize>,
    /// Between the two parts, wait until this flag is set (at most 5 s); without a gate, wait
    /// 30 s (a server stalling mid-body).
    pub gate: Option<Arc<AtomicBool>>,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            stall: false,
            split_at: None,
            gate: None,
        }
    }

    /// Sends the body up to `at`, then waits for `gate` (at most 5 s, or 30 s without a gate)
    /// before sending the rest.
    pub fn split(mut self, at: usize, gate: Option<Arc<AtomicBool>>) -> Self {
        self.split_at = Some(at);
        self.gate = gate;
        self
    }

    pub fn json(body: impl Into<Vec<u8>>) -> Self {
        Self::new(200, "application/json", body)
    }

    pub fn status(status: u16) -> Self {
        Self::new(status, "text/plain", format!("status {status}"))
    }

    pub fn stall() -> Self {
        Reply {
            stall: true,
            ..Self::status(200)
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The golden response for the action and format of `request`.
    pub fn fixture(request: &Recorded) -> Self {
        let format = request.query("api_format").unwrap_or("json");
        let path = fixtures_dir()
            .join(request.action())
            .join(format!("response.{format}"));
        match std::fs::read(&path) {
            Ok(body) => {
                let media = format
                    .parse::<dlspbx_core::Format>()
                    .map(|f| f.media_type())
                    .unwrap_or("text/plain");
                Self::new(200, media, body)
            }
            Err(_) => Self::new(404, "text/plain", format!("no fixture {}", path.display())),
        }
    }
}

type Handler = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

/// A running test server; it lives until the test process ends.
pub struct Server {
    port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    /// Answers each request with `handler(request, index)` (index from 0, in arrival order).
    pub fn start(handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (handler, recorded) = (Arc::clone(&handler), Arc::clone(&recorded));
                std::thread::spawn(move || serve(stream, &*handler, &recorded));
            }
        });
        Server { port, requests }
    }

    /// Answers every request with its golden response.
    pub fn fixtures() -> Server {
        Self::start(|request, _| Reply::fixture(request))
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

fn serve(stream: TcpStream, handler: &Handler, recorded: &Mutex<Vec<Recorded>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let index = {
        let mut all = recorded.lock().unwrap();
        all.push(request.clone());
        all.len() - 1
    };
    let reply = handler(&request, index);
    if reply.stall {
        std::thread::sleep(Duration::from_secs(30));
        return;
    }
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut stream = stream;
    let _ = stream.write_all(out.as_bytes());
    let (first, rest) = reply
        .body
        .split_at(reply.split_at.unwrap_or(0).min(reply.body.len()));
    let _ = stream.write_all(first);
    let _ = stream.flush();
    if reply.split_at.is_some() {
        let limit = if reply.gate.is_some() { 5 } else { 30 };
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(limit)
            && !reply
                .gate
                .as_ref()
                .is_some_and(|g| g.load(Ordering::SeqCst))
        {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let _ = stream.write_all(rest);
    let _ = stream.flush();
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Recorded> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let request_line = line.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        request_line,
        headers,
        body,
    })
}

/// A report page in JSON with `rows` rows out of `total`, ids starting at `first`.
pub fn report_page(total: usize, first: usize, rows: usize) -> Reply {
    let rows: Vec<String> = (first..first + rows)
        .map(|i| format!("[\"{i}\",\"2024-01-01 00:00:00\"]"))
        .collect();
    Reply::json(format!(
        "{{\"result\":\"success\",\"error\":\"\",\"total_results\":{total},\"columns\":[\"unique_id\",\"date\"],\"results\":[{}]}}",
        rows.join(",")
    ))
}

/// Answers report requests (JSON-encoded) page by page out of `total` rows.
pub fn report_pager(total: usize) -> impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static {
    move |request, _| {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        let option = |key: &str| -> usize {
            body["options"]
                .as_array()
                .unwrap()
                .iter()
                .find_map(|o| {
                    o.as_str()?
                        .strip_prefix(key)?
                        .strip_prefix('=')?
                        .parse()
                        .ok()
                })
                .unwrap()
        };
        let (page, per_page) = (option("page"), option("per_page"));
        let first = (page * per_page).min(total);
        report_page(total, first, per_page.min(total - first))
    }
}

/// Answers SMS queries (JSON-encoded) by offset and limit out of `total` records.
pub fn sms_pager(total: usize) -> impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static {
    move |request, _| {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        let number = |key: &str| {
            body[key]
                .as_i64()
                .or_else(|| body[key].as_str()?.parse().ok())
                .unwrap() as usize
        };
        let (offset, limit) = (number("results_offset").min(total), number("results_limit"));
        let records: Vec<String> = (offset..(offset + limit).min(total))
            .map(|i| {
                format!(
                    "{{\"id\":\"{i}\",\"timestamp\":\"2024-01-01 00:00:00\",\"src_label\":\"100\",\"dst_original_label\":\"\",\
                     \"dst_label\":\"2223334444\",\"status\":\"success\",\"direction\":\"outbound\",\"message\":\"m{i}\",\
                     \"account_code\":\"\",\"message_id\":\"x{i}\"}}"
                )
            })
            .collect();
        Reply::json(format!(
            "{{\"result\":\"success\",\"total_results\":\"{total}\",\"results_limit\":\"{limit}\",\"results_offset\":\"{offset}\",\"results\":[{}]}}",
            records.join(",")
        ))
    }
}

/// The request line, headers and every other place but the body must not hold the key.
pub fn assert_key_only_in_body(request: &Recorded) {
    assert!(
        !request.request_line.contains("api_key"),
        "{}",
        request.request_line
    );
    assert!(
        !request.request_line.contains(KEY),
        "{}",
        request.request_line
    );
    for (k, v) in &request.headers {
        assert!(!v.contains(KEY), "header {k}");
    }
    assert!(
        request.body_text().contains("api_key"),
        "{}",
        request.body_text()
    );
}

/// Plain text carries only a status or an ID: an action with data reports that it cannot be
/// decoded from it, which is the expected outcome.
pub fn plain_cannot_carry(format: dlspbx_core::Format, error: &dlspbx_core::Error) -> bool {
    format == dlspbx_core::Format::Plain
        && matches!(error, dlspbx_core::Error::Decode(d) if d.message.contains("plain response carries only"))
}

/// A port nothing listens on.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A call whose data every format but plain text can carry succeeded (or, in plain text,
/// said that it cannot carry the data).
pub fn expect_data<T: std::fmt::Debug>(
    format: dlspbx_core::Format,
    outcome: Result<T, dlspbx_core::Error>,
) {
    match outcome {
        Err(e) if format == dlspbx_core::Format::Plain => {
            assert!(plain_cannot_carry(format, &e), "{format}: {e}")
        }
        other => {
            other.unwrap_or_else(|e| panic!("{format}: {e}"));
        }
    }
}

/// Runs `$body` once for each of the 19 actions, with `$req` bound to a valid request.
#[allow(unused_macros)]
macro_rules! for_each_action {
    ($req:ident => $body:block) => {{
        use dlspbx_core::{dialer, example, reports, sms, status, subscribers};
        {
            let $req = example::TestRequest::new();
            $body
        }
        {
            let $req = dialer::AddContactListRequest::new("Spring leads");
            $body
        }
        {
            let $req = dialer::AddContactRequest::new("42", "8153556261").first_name("Ann");
            $body
        }
        {
            let $req =
                reports::ReportRequest::new([reports::Column::UniqueId, reports::Column::Date]);
            $body
        }
        {
            let $req = status::UsersRequest::new();
            $body
        }
        {
            let $req = status::QueuesRequest::new();
            $body
        }
        {
            let $req = status::CallsRequest::new();
            $body
        }
        {
            let $req = status::FaxesRequest::new();
            $body
        }
        {
            let $req = status::ConferencesRequest::new();
            $body
        }
        {
            let $req = status::ProvisioningRequest::new();
            $body
        }
        {
            let $req = status::DialerRequest::new();
            $body
        }
        {
            let $req = status::DialerlogsRequest::new();
            $body
        }
        {
            let $req = sms::SendSmsRequest::new(["2223334444"], "Hello");
            $body
        }
        {
            let $req = sms::QuerySmsRequest::new();
            $body
        }
        {
            let $req = subscribers::QueryListsRequest::new();
            $body
        }
        {
            let $req = subscribers::AddSubscriberRequest::new("2223334444", "CQ7XB2M");
            $body
        }
        {
            let $req = subscribers::RemoveSubscriberRequest::new("2223334444", "CQ7XB2M");
            $body
        }
        {
            let $req = subscribers::AddUnsubscriberRequest::new("2223334444", "1");
            $body
        }
        {
            let $req = subscribers::RemoveUnsubscriberRequest::new("2223334444", "1");
            $body
        }
    }};
}

/// Runs every action against the simulator through `$client` (a blocking or async client; pass
/// `.await` as the second argument for the async one), in format `$format`, checking the
/// answers that are the same in every format. Plain text can only carry IDs and statuses, so
/// the data actions are expected to say so.
#[allow(unused_macros)]
macro_rules! sim_scenario {
    ($client:expr, $format:expr, $($await:tt)*) => {{
        use dlspbx_core::{dialer, reports, sms, subscribers, Format};
        let format: Format = $format;
        let client = $client.with_format(format);
        let plain = format == Format::Plain;

        support::expect_data(format, client.example().test() $($await)*);
        let list = client.dialer().add_contact_list(dialer::AddContactListRequest::new(format!("Sim leads {format}"))) $($await)*;
        let list = list.unwrap_or_else(|e| panic!("{format}: {e}"));
        assert!(list.id > 0, "{format}: {list:?}");
        let contact = client
            .dialer()
            .add_contact(dialer::AddContactRequest::new(list.id.to_string(), "8153556261").first_name("Ann")) $($await)*;
        assert!(contact.unwrap_or_else(|e| panic!("{format}: {e}")).id > 0);

        let report = client.reports().report(reports::ReportRequest::new([reports::Column::UniqueId, reports::Column::Date])) $($await)*;
        match report {
            Ok(table) if !plain => assert!((if format == Format::Csv { table.total_results().is_none() } else { table.total_results() > Some(0) }) && table.rows().count() > 0, "{format}: {table:?}"),
            other => support::expect_data(format, other.map(|_| ())),
        }

        support::expect_data(format, client.status().users() $($await)*);
        support::expect_data(format, client.status().queues() $($await)*);
        support::expect_data(format, client.status().calls() $($await)*);
        support::expect_data(format, client.status().faxes() $($await)*);
        support::expect_data(format, client.status().conferences() $($await)*);
        support::expect_data(format, client.status().provisioning() $($await)*);
        support::expect_data(format, client.status().dialer() $($await)*);
        support::expect_data(format, client.status().dialerlogs() $($await)*);

        support::expect_data(format, client.sms().send_sms(sms::SendSmsRequest::new(["2223334444"], format!("Hello in {format}"))) $($await)*);
        support::expect_data(format, client.sms().query_sms(sms::QuerySmsRequest::new().results_limit(5)) $($await)*);

        support::expect_data(format, client.subscribers().query_lists() $($await)*);
        let number = "2125550123";
        support::expect_data(format, client.subscribers().add_subscriber(subscribers::AddSubscriberRequest::new(number, "CX5K2PQ")) $($await)*);
        support::expect_data(format, client.subscribers().remove_subscriber(subscribers::RemoveSubscriberRequest::new(number, "CX5K2PQ")) $($await)*);
        support::expect_data(format, client.subscribers().add_unsubscriber(subscribers::AddUnsubscriberRequest::new(number, "0")) $($await)*);
        support::expect_data(format, client.subscribers().remove_unsubscriber(subscribers::RemoveUnsubscriberRequest::new(number, "0")) $($await)*);
    }};
}

/// A `tracing` subscriber that writes every span (name and fields, recorded later too) and
/// every event into one text, to check what the client logs.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<String>>);

impl Capture {
    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }

    fn push(&self, line: String) {
        let mut text = self.0.lock().unwrap();
        text.push_str(&line);
        text.push('\n');
    }
}

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

static NEXT_SPAN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl tracing::Subscriber for Capture {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }

    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut fields = Fields(format!("span {}", span.metadata().name()));
        span.record(&mut fields);
        self.push(fields.0);
        tracing::span::Id::from_u64(NEXT_SPAN.fetch_add(1, Ordering::Relaxed))
    }

    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut fields = Fields("record".to_owned());
        values.record(&mut fields);
        self.push(fields.0);
    }

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(format!("event {}", event.metadata().level()));
        event.record(&mut fields);
        self.push(fields.0);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}
