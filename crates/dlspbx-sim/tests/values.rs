//! Issue 16: values on the wire exactly as the PHP server has them. Each test goes over real
//! HTTP to the simulator; the PHP cross-checks run real `php` (SimpleXML, `json_decode`) and
//! print `SKIPPED` when it is missing.

mod common;

use common::{Client, error_of, ok};
use dlspbx_sim::{Sim, SimConfig};
use serde_json::{Value, json};
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn sim() -> &'static Sim {
    static SIM: OnceLock<Sim> = OnceLock::new();
    SIM.get_or_init(|| {
        Sim::start_with(SimConfig {
            cdrs: 300,
            seed: 16,
            ..SimConfig::default()
        })
        .expect("sim starts")
    })
}

fn client() -> Client {
    let s = sim();
    Client::new(&s.url(), s.api_user(), s.api_key())
}

// ---- PHP ------------------------------------------------------------------------------------

/// Whether `php` runs and has `function` (printing `SKIPPED` when not).
fn php_with(function: &str, package: &str) -> bool {
    let ok = Command::new("php")
        .args([
            "-r",
            &format!("exit(function_exists('{function}') ? 0 : 1);"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("SKIPPED: php with {function} not installed (apt-get install {package})");
    }
    ok
}

/// Runs `script` with `input` (JSON) on its stdin and returns what it prints, as JSON.
fn php_json(script: &str, input: &Value) -> Value {
    let mut child = Command::new("php")
        .args(["-d", "display_errors=stderr", "-r", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("php runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "php failed");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("php printed no JSON ({e}): {:?}", out.stdout))
}

/// For each XML document, whether `simplexml_load_string` loads it.
fn simplexml_loads(docs: &[String]) -> Vec<bool> {
    let script = r#"libxml_use_internal_errors(true);
        $out = [];
        foreach (json_decode(file_get_contents("php://stdin"), true) as $d) {
            $out[] = simplexml_load_string($d) !== false;
        }
        echo json_encode($out);"#;
    let got = php_json(script, &json!(docs));
    serde_json::from_value(got).expect("a list of booleans")
}

// ---- 1. XML never carries what XML 1.0 forbids ---------------------------------------------

/// Whether `body` holds a character XML 1.0 forbids, raw or as a character reference.
fn forbidden_in(body: &str) -> Option<String> {
    if let Some(c) = body.chars().find(|&c| {
        matches!(c, '\0'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
    }) {
        return Some(format!("raw U+{:04X}", u32::from(c)));
    }
    let refs = body.replace("&#13;", "");
    refs.find("&#")
        .map(|at| refs[at..].chars().take(10).collect())
}

/// The XML answers of the simulator for values XML cannot carry.
fn xml_answers_with_forbidden_values() -> Vec<String> {
    let c = client();
    let mut answers = Vec::new();
    // An unknown action echoed in the error text.
    for action in ["x%01y", "x%EF%BF%BEy", "x%EF%BF%BFy", "x%1Fy%00z"] {
        let r = c.form_in("status.php", action, "xml", &[]);
        assert!(r.body.contains("<result>error</result>"), "{}", r.body);
        answers.push(r.body);
    }
    // Stored text: an SMS body with U+FFFE and U+FFFF, read back by query_sms.
    let sent = c.form(
        "sms.php",
        "send_sms",
        &[("dst", "100"), ("body", "hi\u{FFFE}there\u{FFFF}!")],
    );
    ok(sent);
    let r = c.form_in(
        "sms.php",
        "query_sms",
        "xml",
        &[("results_limit", "5"), ("order_by", "desc")],
    );
    assert!(r.body.contains("hi\u{FFFD}there\u{FFFD}!"), "{}", r.body);
    answers.push(r.body);
    // A refused value (a control character in a text field) echoed in an error.
    let r = c.form_in(
        "sms.php",
        "send_sms",
        "xml",
        &[("dst", "100"), ("body", "a\u{1}b")],
    );
    assert!(r.body.contains("<result>error</result>"), "{}", r.body);
    answers.push(r.body);
    answers
}

#[test]
fn xml_answers_never_carry_forbidden_characters() {
    for body in xml_answers_with_forbidden_values() {
        assert_eq!(forbidden_in(&body), None, "{body}");
        // Our reader reads every answer, and U+FFFD stands where the character was.
        let node = dlspbx_core::wire::xml::parse(body.as_bytes())
            .unwrap_or_else(|e| panic!("{e}: {body}"));
        if let Some(error) = node.get("error").and_then(|n| n.as_str()) {
            assert!(
                !error.contains("x\u{1}y") && !error.contains('\u{FFFE}'),
                "{error:?}"
            );
        }
    }
    let body = client().form_in("status.php", "x%01y", "xml", &[]).body;
    assert!(body.contains("Unknown api_action `x\u{FFFD}y`"), "{body}");
}

/// The XML answer of every action to its documented request (`tests/fixtures/<action>/
/// request.json`, none for an action without fields), success or error: what a PHP
/// customer's SimpleXML reads.
fn xml_answers_of_every_action() -> Vec<String> {
    let c = client();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut answers = Vec::new();
    for a in dlspbx_core::generated::ACTIONS {
        let path = fixtures.join(format!("{}.{}/request.json", a.module, a.name));
        // An action without fields (example.test) has no request example.
        let body: Value = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap(),
            Err(_) => json!({}),
        };
        let r = c.json_in(a.file, a.name, "xml", body);
        assert_eq!(r.status, 200, "{}.{}: {}", a.module, a.name, r.body);
        answers.push(r.body);
    }
    answers
}

#[test]
fn php_simplexml_loads_every_xml_answer() {
    if !php_with("simplexml_load_string", "php-xml") {
        return;
    }
    let mut answers = xml_answers_with_forbidden_values();
    let every = xml_answers_of_every_action();
    assert_eq!(every.len(), dlspbx_core::generated::ACTIONS.len());
    let succeeded = every
        .iter()
        .filter(|b| b.contains("<result>success</result>"))
        .count();
    assert!(
        succeeded * 2 > every.len(),
        "{succeeded} of {} succeed",
        every.len()
    );
    answers.extend(every);
    let loaded = simplexml_loads(&answers);
    for (body, ok) in answers.iter().zip(loaded) {
        assert!(ok, "SimpleXML refuses the simulator's answer:\n{body}");
    }
    // The cross-check can fail: SimpleXML refuses what the old writer wrote.
    let old =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><error>x&#1;y</error></response>\n";
    assert_eq!(simplexml_loads(&[old.to_owned()]), vec![false]);
}

#[test]
fn xml_request_refuses_forbidden_characters_and_sends_nothing() {
    use dlspbx::prelude::*;
    let s = sim();
    let client = dlspbx::Client::builder()
        .base_url(s.url())
        .api_user(s.api_user())
        .api_key(s.api_key())
        .encoding(Encoding::Xml)
        .build()
        .unwrap();
    let count = || {
        s.with_db(|db| {
            db.query_row("SELECT COUNT(*) FROM sms", [], |r| r.get::<_, i64>(0))
                .unwrap()
        })
    };
    let before = count();
    let err = client
        .sms()
        .send_sms(dlspbx::sms::SendSmsRequest::new(
            vec!["100".to_owned()],
            "hi\u{FFFE}there",
        ))
        .unwrap_err();
    let dlspbx::Error::Encode(e) = &err else {
        panic!("expected an encode error, got {err:?}")
    };
    let refusal = std::error::Error::source(e)
        .and_then(|s| s.downcast_ref::<dlspbx_core::error::XmlRefusal>())
        .expect("the refusal is the source");
    assert_eq!(refusal.field, "body");
    assert_eq!(
        refusal.problem,
        dlspbx_core::error::XmlProblem::Character('\u{FFFE}')
    );
    assert!(err.to_string().contains("`body`"), "{err}");
    assert_eq!(count(), before, "nothing was sent");
    // The same text as a form body is sent (and stored).
    let form = dlspbx::Client::builder()
        .base_url(s.url())
        .api_user(s.api_user())
        .api_key(s.api_key())
        .build()
        .unwrap();
    form.sms()
        .send_sms(dlspbx::sms::SendSmsRequest::new(
            vec!["100".to_owned()],
            "hi\u{FFFE}there",
        ))
        .unwrap();
    assert_eq!(count(), before + 1);
}

// ---- 10. JSON scalars in request bodies, as PHP's (string) cast has them --------------------

/// `add_contact_list` with a raw JSON body whose `name` is `literal`: the stored name, or the
/// error.
fn list_named_by_json(literal: &str) -> Result<String, String> {
    let s = sim();
    let c = client();
    let body = format!(
        r#"{{"api_user":{},"api_key":{},"name":{literal}}}"#,
        json!(s.api_user()),
        json!(s.api_key())
    );
    let r = c.raw(
        "POST",
        "/api/v1/dialer.php?api_action=add_contact_list&api_format=json",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    let v = r.json();
    if v["result"] != "success" {
        return Err(v["error"].as_str().unwrap_or_default().to_owned());
    }
    let id = v["id"]
        .as_i64()
        .or_else(|| v["id"].as_str().and_then(|s| s.parse().ok()))
        .expect("an id");
    Ok(s.with_db(|db| {
        db.query_row("SELECT name FROM contact_lists WHERE id = ?", [id], |r| {
            r.get::<_, String>(0)
        })
        .unwrap()
    }))
}

#[test]
fn json_scalars_are_read_as_php_casts_them() {
    // `false` is "" in PHP (not "0"): an empty name, refused; `null` is not given at all.
    let e = list_named_by_json("false").unwrap_err();
    assert!(e.contains("`name`"), "{e}");
    let zero: i64 = sim().with_db(|db| {
        db.query_row(
            "SELECT COUNT(*) FROM contact_lists WHERE name = '0'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    });
    assert_eq!(zero, 0, "no list named \"0\"");
    let e = list_named_by_json("null").unwrap_err();
    assert!(e.contains("name"), "{e}");
    for (literal, want) in [
        ("1.50", "1.5"),
        ("1e3", "1000"),
        ("100000000000000000000", "1.0E+20"),
        ("1e14", "1.0E+14"),
        ("-0", "0"),
        ("0.1", "0.1"),
        ("true", "1"),
        ("9223372036854775808", "9.2233720368548E+18"),
    ] {
        assert_eq!(
            list_named_by_json(literal).as_deref(),
            Ok(want),
            "{literal}"
        );
    }
}

/// The same conversions checked against real PHP: `(string)json_decode($literal)` for every
/// literal the simulator was given above.
#[test]
fn json_scalars_match_php_over_http() {
    if !php_with("json_decode", "php-cli") {
        return;
    }
    let literals = [
        "1.50",
        "1e3",
        "100000000000000000000",
        "1e14",
        "1e15",
        "0.00001",
        "-0",
        "-0.0",
        "123456789012345.6",
        "0.30000000000000004",
        "9223372036854775808",
        "true",
    ];
    let script = r#"$out = [];
        foreach (json_decode(file_get_contents("php://stdin"), true) as $t) {
            $out[] = (string)json_decode($t);
        }
        echo json_encode($out);"#;
    let php: Vec<String> = serde_json::from_value(php_json(script, &json!(literals))).unwrap();
    for (literal, want) in literals.iter().zip(php) {
        assert_eq!(
            list_named_by_json(literal).as_deref(),
            Ok(want.as_str()),
            "{literal}"
        );
    }
}

// ---- 4. A comma list inside one array element -------------------------------------------------

#[test]
fn comma_list_inside_one_array_element() {
    let c = client();
    let report = |fields: &[(&str, &str)]| {
        let mut all = vec![("options[]", "order_by=unique_id")];
        all.extend_from_slice(fields);
        ok(c.form("reports.php", "report", &all))
    };
    let want = report(&[
        ("columns[]", "unique_id"),
        ("columns[]", "date"),
        ("options[]", "per_page=2"),
        ("options[]", "page=1"),
    ]);
    assert_eq!(want["columns"], json!(["unique_id", "date"]));
    assert_eq!(want["results"].as_array().map(Vec::len), Some(2));
    for fields in [
        &[
            ("columns[]", "unique_id,date"),
            ("options[]", "per_page=2,page=1"),
        ][..],
        &[
            ("columns", "unique_id,date"),
            ("options", "per_page=2,page=1"),
        ],
        &[
            ("columns[]", "unique_id,date"),
            ("options[]", "per_page=2"),
            ("options[]", "page=1"),
        ],
    ] {
        assert_eq!(report(fields), want, "{fields:?}");
    }
    // The same in a JSON body: one array element holding a comma list.
    let got = ok(c.json(
        "reports.php",
        "report",
        json!({"columns": ["unique_id,date"], "options": ["order_by=unique_id", "per_page=2,page=1"]}),
    ));
    assert_eq!(got, want);
}

// ---- 11. Paging keys under filters[] ----------------------------------------------------------

#[test]
fn paging_keys_inside_filters() {
    let c = client();
    let page = |fields: &[(&str, &str)]| c.form("sms.php", "query_sms", fields);
    let top = ok(page(&[
        ("results_limit", "2"),
        ("results_offset", "1"),
        ("order_by", "asc"),
    ]));
    assert_eq!(top["results"].as_array().map(Vec::len), Some(2));
    let inside = ok(page(&[
        ("filters[results_limit]", "2"),
        ("filters[results_offset]", "1"),
        ("filters[order_by]", "ASC"),
    ]));
    assert_eq!(inside, top);
    // Both places with the same value (as read: `asc` and `ASC` are one order).
    let both = ok(page(&[
        ("results_limit", "2"),
        ("filters[results_limit]", "2"),
        ("results_offset", "1"),
        ("filters[order_by]", "asc"),
        ("order_by", "ASC"),
    ]));
    assert_eq!(both, top);
    // The reference's JSON sample key `filters[]` holds them too.
    let json_body = ok(c.json(
        "sms.php",
        "query_sms",
        json!({"filters[]": {"results_limit": 2, "results_offset": 1, "order_by": "asc"}}),
    ));
    assert_eq!(json_body, top);
    // Different values in both places: refused, naming both.
    let e = error_of(&page(&[
        ("results_limit", "2"),
        ("filters[results_limit]", "3"),
    ]));
    assert!(
        e.contains("results_limit") && e.contains("`2`") && e.contains("`3`"),
        "{e}"
    );
    let e = error_of(&page(&[("order_by", "asc"), ("filters[order_by]", "desc")]));
    assert!(e.contains("order_by"), "{e}");
    // An unknown filter key is an error, as unknown report options are.
    let e = error_of(&page(&[("filters[results_limits]", "2")]));
    assert!(
        e.contains("results_limits") && e.contains("not a key of filters"),
        "{e}"
    );
}

// ---- 5. count_only in CSV carries the count ---------------------------------------------------

#[test]
fn count_only_csv_carries_the_total() {
    let c = client();
    let fields = [("columns[]", "date"), ("options[]", "count_only=true")];
    let json_total = ok(c.form("reports.php", "report", &fields))["total_results"].clone();
    let total = json_total.as_i64().expect("a JSON number");
    assert!(total > 0);
    let r = c.form_in("reports.php", "report", "csv", &fields);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, format!("total_results\n{total}\n"));
    let table = dlspbx_core::report::decode(dlspbx_core::Format::Csv, r.body.as_bytes()).unwrap();
    assert_eq!(table.total_results(), Some(total));
    assert_eq!(table.rows().count(), 0);
    // Through the generated decoder and the blocking client as well.
    let s = sim();
    let client = dlspbx::Client::builder()
        .base_url(s.url())
        .api_user(s.api_user())
        .api_key(s.api_key())
        .format(dlspbx_core::Format::Csv)
        .build()
        .unwrap();
    let req = dlspbx::reports::ReportRequest::new([dlspbx::reports::Column::Date])
        .option(dlspbx::reports::ReportOption::CountOnly(true));
    use dlspbx::prelude::*;
    let page = client.reports().report(req).unwrap();
    assert_eq!(page.total_results(), Some(total));
    // A report with rows keeps the rows-only table.
    let r = c.form_in(
        "reports.php",
        "report",
        "csv",
        &[("columns[]", "date"), ("options[]", "per_page=2")],
    );
    assert!(r.body.starts_with("date\n"), "{}", r.body);
}

// ---- 12. Echoes and number types as the reference's samples show ----------------------------

#[test]
fn totals_and_echoes_follow_the_samples() {
    let c = client();
    // The report sample: `"total_results": 3`, a number; in a page and a streamed report.
    for fields in [
        &[("columns[]", "date"), ("options[]", "per_page=1")][..],
        &[("columns[]", "date"), ("options[]", "page=ALL")],
    ] {
        let r = c.form_in("reports.php", "report", "json", fields);
        assert!(
            r.body.contains(r#""total_results":"#) && r.json()["total_results"].is_i64(),
            "{}",
            &r.body[..r.body.len().min(200)]
        );
        dlspbx_core::report::decode(dlspbx_core::Format::Json, r.body.as_bytes()).unwrap();
    }
    // The query_sms sample: `"total_results":"171"`, `"results_limit":"10"`,
    // `"results_offset":"0"`, strings, and both paging values always echoed.
    let v = ok(c.form("sms.php", "query_sms", &[]));
    assert!(v["total_results"].is_string(), "{v}");
    let n = v["results"].as_array().unwrap().len();
    assert_eq!(v["results_limit"], json!(n.to_string()), "{v}");
    assert_eq!(v["results_offset"], json!("0"), "{v}");
    let v = ok(c.form(
        "sms.php",
        "query_sms",
        &[("results_limit", "1"), ("results_offset", "1")],
    ));
    assert_eq!(
        (&v["results_limit"], &v["results_offset"]),
        (&json!("1"), &json!("1"))
    );
    for format in ["xml", "yaml"] {
        let r = c.form_in("sms.php", "query_sms", format, &[]);
        assert!(
            r.body.contains("results_limit") && r.body.contains("results_offset"),
            "{}",
            r.body
        );
    }
    // Each is decoded by the generated decoders.
    let r = c.form_in("sms.php", "query_sms", "json", &[]);
    let d = <dlspbx_core::sms::QuerySmsRequest as dlspbx_core::Endpoint>::decode(
        dlspbx_core::Format::Json,
        r.body.as_bytes(),
    )
    .unwrap();
    assert_eq!(d.results_offset, Some(0));
}

// ---- 14. The demo data covers the reference's samples -----------------------------------------

#[test]
fn demo_data_covers_the_reference_samples() {
    let c = client();
    // send_sms's JSON sample: `"dst": ["100", "200"]`.
    let v = ok(c.json(
        "sms.php",
        "send_sms",
        json!({"dst": ["100", "200"], "body": "Y", "account_code": "Z"}),
    ));
    assert_eq!(v["dst"], json!(["100", "200"]), "{v}");
    // Extension 200 is a user of the default tenant, listed by `status users`.
    let users = ok(c.form("status.php", "users", &[]));
    assert!(
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["ext"] == "200"),
        "{users}"
    );
    // The dialer sample's `"call_ratio": "1.00"`, in every format that carries text.
    let v = ok(c.form("status.php", "dialer", &[]));
    assert_eq!(v["dialer"][0]["call_ratio"], "1.00", "{v}");
    for format in ["xml", "yaml", "csv"] {
        let r = c.form_in("status.php", "dialer", format, &[]);
        assert!(r.body.contains("1.00"), "{format}: {}", r.body);
    }
    // example.test answers what the reference (and the docs) show.
    assert_eq!(
        c.form("example.php", "test", &[]),
        json!({"result": "success", "example_data": ""})
    );
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json"),
    )
    .unwrap();
    assert!(!docs.contains("Hello from the DLS Hosted PBX API"));
}
