//! Large inputs are read in time linear in their size: a server (or a simulator client) can
//! send up to the body cap, so a reader that is quadratic in the number of keys or elements
//! is a denial of service. Each case is a body of about 1-2 MB with 100,000 distinct keys or
//! siblings; a quadratic reader takes minutes on it, a linear one milliseconds.

use dlspbx_core::request::body::{parse_json, parse_xml};
use dlspbx_core::request::form;
use dlspbx_core::wire::{CsvLayout, csv, json, xml, yaml};
use std::time::{Duration, Instant};

const N: usize = 100_000;

/// Generous for a debug build on a loaded machine; quadratic readers take far longer.
const LIMIT: Duration = Duration::from_secs(20);

/// Runs `f` on `body` in a thread and fails when it has not finished within [`LIMIT`] (the
/// thread is left behind: a quadratic reader would hold the test for minutes).
fn timed(what: &str, body: &str, f: fn(&[u8])) {
    let (tx, rx) = std::sync::mpsc::channel();
    let body = body.as_bytes().to_vec();
    let started = Instant::now();
    std::thread::spawn(move || {
        f(&body);
        let _ = tx.send(());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(()) => eprintln!("{what}: {:?}", started.elapsed()),
        Err(_) => panic!("{what} did not finish within {LIMIT:?} for {N} keys: it is not linear"),
    }
}

#[test]
fn request_readers_are_linear_in_distinct_keys() {
    let mut xml_body = String::from("<request>");
    let mut json_body = String::from("{");
    let mut form_body = String::new();
    for i in 0..N {
        xml_body.push_str(&format!("<k{i}>v</k{i}>"));
        json_body.push_str(&format!("{}\"k{i}\":\"v\"", if i == 0 { "" } else { "," }));
        form_body.push_str(&format!("{}k{i}=v", if i == 0 { "" } else { "&" }));
    }
    xml_body.push_str("</request>");
    json_body.push('}');
    timed("parse_json, distinct keys", &json_body, |b| {
        let _ = parse_json(b);
    });
    timed("form parse, distinct keys", &form_body, |b| {
        let limits = form::FormLimits {
            max_input_vars: usize::MAX,
            max_nesting: 64,
        };
        let _ = form::parse_with_limits(b, &limits);
    });
    // Repeated names: lists of N items.
    let rep_xml = format!("<request>{}</request>", "<dst>100</dst>".repeat(N));
    timed("parse_xml, repeated siblings", &rep_xml, |b| {
        let _ = parse_xml(b);
    });
    timed("parse_xml, distinct siblings", &xml_body, |b| {
        let _ = parse_xml(b);
    });
}

#[test]
fn response_readers_are_linear_in_distinct_keys() {
    let mut x = String::from("<response><result>success</result><queues>");
    let mut j = String::from("{\"result\":\"success\",\"queues\":{");
    let mut y = String::from("result: success\nqueues:\n");
    let mut c = String::from("result,success\n");
    for i in 0..N {
        x.push_str(&format!("<q{i}>v</q{i}>"));
        j.push_str(&format!("{}\"q{i}\":\"v\"", if i == 0 { "" } else { "," }));
        y.push_str(&format!("  q{i}: v\n"));
        c.push_str(&format!("queues,q{i},v\n"));
    }
    x.push_str("</queues></response>");
    j.push_str("}}");
    timed("xml::parse", &x, |b| {
        let _ = xml::parse(b);
    });
    timed("json::parse", &j, |b| {
        let _ = json::parse(b);
    });
    timed("yaml::parse", &y, |b| {
        let _ = yaml::parse(b);
    });
    timed("csv::parse", &c, |b| {
        let _ = csv::parse(b, CsvLayout::Keys);
    });
    // Through the typed decoder (maps of records: every key is looked up by the deserializer).
    let typed = |q: &str| {
        format!(
            "\"{q}\":{{\"queue\":\"{q}\",\"holdtime\":\"0s\",\"waiting\":\"0\",\"complete\":\"0\",\"lost\":\"0\",\"hunt\":\"ringall\",\"agents\":[]}}"
        )
    };
    let queues: Vec<String> = (0..N / 10).map(|i| typed(&format!("q{i}"))).collect();
    let body = format!(
        "{{\"result\":\"success\",\"queues\":{{{}}}}}",
        queues.join(",")
    );
    timed("status.queues decode json, N/10 queues", &body, |b| {
        use dlspbx_core::Endpoint;
        dlspbx_core::status::QueuesRequest::decode(dlspbx_core::Format::Json, b).expect("decodes");
    });
}
