//! `--dry-run`: the request exactly as it would be sent, with the API key REDACTED.

use crate::{dlspbx_no_sim, stderr, stdout};

const KEY: &str = "s3cr3t-k3y+/=";

fn dry(args: &[&str]) -> String {
    let out = dlspbx_no_sim()
        .args([
            "--url",
            "https://pbx.example.com",
            "--api-user",
            "100@default",
            "--api-key",
            KEY,
            "--dry-run",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    let text = stdout(&out);
    assert!(
        !text.contains(KEY) && !text.contains("s3cr3t"),
        "the key leaked: {text}"
    );
    assert!(text.contains("REDACTED"), "{text}");
    // Nothing was started or sent.
    assert!(!stderr(&out).contains("simulator"), "{}", stderr(&out));
    text
}

#[test]
fn status_queues() {
    insta::assert_snapshot!(dry(&["status", "queues"]));
}

#[test]
fn add_contact_form() {
    insta::assert_snapshot!(dry(&[
        "dialer",
        "add-contact",
        "--contact-list",
        "Leads",
        "--first-name",
        "Ann",
        "--phone-number",
        "8155551234",
        "--dial-on-date",
        "2024-02-05",
        "--custom",
        "customer_account_id=42",
    ]));
}

#[test]
fn send_sms_json_encoding_yaml_format() {
    insta::assert_snapshot!(dry(&[
        "sms",
        "send-sms",
        "--dst",
        "100,+12223334444",
        "--body",
        "hi",
        "--encoding",
        "json",
        "--format",
        "yaml"
    ]));
}

#[test]
fn query_sms_xml_encoding() {
    insta::assert_snapshot!(dry(&[
        "sms",
        "query-sms",
        "--filters",
        "direction=inbound,outbound",
        "--filters",
        "status=success",
        "--results-limit",
        "10",
        "--order-by",
        "desc",
        "--encoding",
        "xml",
    ]));
}

#[test]
fn report_with_filters_and_options() {
    insta::assert_snapshot!(dry(&[
        "report",
        "--column",
        "date",
        "--column",
        "src",
        "--column",
        "billable_duration",
        "--filter",
        "include and: duration between 30 60; bridged",
        "--filter",
        "exclude or: direction = inbound,outbound",
        "--from",
        "2024-01-01 00:00:00",
        "--to",
        "2024-01-31 23:59:59",
        "--per-page",
        "100",
        "--page",
        "2",
        "--option",
        "timezone=America/Chicago",
    ]));
}

#[test]
fn report_filter_json_matches_the_mini_language() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("filters.json");
    std::fs::write(
        &file,
        r#"[{"exclusivity":"include","logical_operator":"and","rules":[{"type":"duration","operator":"between","lower_value":30,"upper_value":60},{"type":"bridged"}]}]"#,
    )
    .unwrap();
    let from_json = dry(&[
        "report",
        "--column",
        "date",
        "--filter-json",
        file.to_str().unwrap(),
    ]);
    let from_lang = dry(&[
        "report",
        "--column",
        "date",
        "--filter",
        "include and: duration between 30 60; bridged",
    ]);
    assert_eq!(from_json, from_lang);
}

#[test]
fn add_subscriber() {
    insta::assert_snapshot!(dry(&[
        "subscribers",
        "add-subscriber",
        "--phone-number",
        "5555550000",
        "--campaign-id",
        "CQ7XB2M"
    ]));
}

#[test]
fn key_from_a_file_and_the_environment_is_redacted_too() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let out = dlspbx_no_sim()
        .args([
            "--url",
            "https://pbx.example.com",
            "--api-user",
            "100",
            "--api-key-file",
        ])
        .arg(&key_file)
        .args(["--dry-run", "test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("s3cr3t") && stdout(&out).contains("api_key=REDACTED"),
        "{}",
        stdout(&out)
    );
    let out = dlspbx_no_sim()
        .env("DLSPBX_URL", "https://env.example.com")
        .env("DLSPBX_API_USER", "200")
        .env("DLSPBX_API_KEY", KEY)
        .args(["--dry-run", "--encoding", "json", "test"])
        .output()
        .unwrap();
    let so = stdout(&out);
    assert!(
        so.starts_with("POST https://env.example.com/api/v1/example.php?api_action=test"),
        "{so}"
    );
    assert!(!so.contains("s3cr3t") && so.contains("REDACTED"), "{so}");
}

/// A key holding characters that the body's encoding escapes (`&` in XML, `"` in JSON) is
/// redacted in its escaped form too.
#[test]
fn keys_with_escaped_characters_are_redacted_in_every_encoding() {
    for encoding in ["form", "json", "xml"] {
        for key in ["k&y<1>", "k\"y\\2"] {
            let out = dlspbx_no_sim()
                .args([
                    "--url",
                    "https://pbx.example.com",
                    "--api-user",
                    "100",
                    "--api-key",
                    key,
                    "--dry-run",
                    "--encoding",
                    encoding,
                    "test",
                ])
                .output()
                .unwrap();
            let body = stdout(&out);
            assert!(
                !body.contains("k&amp;y") && !body.contains("k\\\"y") && !body.contains("amp;"),
                "{encoding}: {body}"
            );
        }
    }
}

/// A key that also occurs in the request's text (here the `k` of `api_key`) is replaced as a
/// value only: the request is built with `REDACTED` as its key.
#[test]
fn a_short_key_does_not_mangle_the_request() {
    let expected = [
        ("form", "api_user=1&api_key=REDACTED"),
        ("json", "{\"api_user\":\"1\",\"api_key\":\"REDACTED\"}"),
        ("xml", "<api_key>REDACTED</api_key>"),
    ];
    for (encoding, text) in expected {
        let out = dlspbx_no_sim()
            .args([
                "--url",
                "https://pbx.example.com",
                "--api-user",
                "1",
                "--api-key",
                "k",
                "--dry-run",
                "--encoding",
                encoding,
                "test",
            ])
            .output()
            .unwrap();
        let so = stdout(&out);
        assert!(so.contains(text), "{encoding}: {so}");
        assert!(so.contains("api_key"), "{encoding}: {so}");
    }
}

/// A record field's own flags (`--filters-src`) send what KEY=VALUE pairs and JSON send.
#[test]
fn record_flags_match_key_value_pairs_and_json() {
    let flags = dry(&[
        "sms",
        "query-sms",
        "--filters-src",
        "100,101",
        "--filters-direction",
        "inbound",
        "--filters-direction",
        "outbound",
        "--filters-status",
        "success",
        "--filters-start-cdr-id",
        "5",
        "--filters-end-cdr-id",
        "9",
        "--encoding",
        "json",
    ]);
    let pairs = dry(&[
        "sms",
        "query-sms",
        "--filters",
        "direction=inbound,outbound",
        "--filters",
        "src=100",
        "--filters",
        "start_cdr_id=5",
        "--filters",
        "end_cdr_id=9",
        "--filters",
        "src=101",
        "--filters",
        "status=success",
        "--encoding",
        "json",
    ]);
    let json = dry(&[
        "sms",
        "query-sms",
        "--filters",
        r#"{"status":"success","src":["100","101"],"direction":["inbound","outbound"],"start_cdr_id":5,"end_cdr_id":9}"#,
        "--encoding",
        "json",
    ]);
    assert_eq!(flags, pairs);
    assert_eq!(flags, json);
    // Both kinds together add up.
    let mixed = dry(&[
        "sms",
        "query-sms",
        "--filters-src",
        "100",
        "--filters",
        "src=101",
        "--filters-direction",
        "inbound,outbound",
        "--filters",
        "status=success",
        "--filters-start-cdr-id",
        "5",
        "--filters-end-cdr-id",
        "9",
        "--encoding",
        "json",
    ]);
    assert_eq!(flags, mixed);
    assert!(
        flags.contains(r#""filters":{"src":["100","101"],"status":"success","direction":["inbound","outbound"],"start_cdr_id":"5","end_cdr_id":"9"}"#),
        "{flags}"
    );
}

/// Every filter type, operator, exclusivity and logical operator of the mini-language reaches
/// the request as the reference's JSON form says (`--filter-json` gives the same request).
#[test]
fn every_filter_form_reaches_the_request() {
    use dlspbx_core::report::FilterKind;
    use dlspbx_core::reports::{Exclusivity, FilterType, LogicalOperator, Operator};
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<(String, serde_json::Value)> = Vec::new();
    let header = |e: Exclusivity, l: LogicalOperator| format!("{} {}:", e.as_str(), l.as_str());
    for (i, t) in FilterType::ALL.iter().enumerate() {
        let e = Exclusivity::ALL[i % Exclusivity::ALL.len()];
        let l = LogicalOperator::ALL[(i / 2) % LogicalOperator::ALL.len()];
        let group = |rules: serde_json::Value| serde_json::json!({"exclusivity": e.as_str(), "logical_operator": l.as_str(), "rules": rules});
        match t.kind() {
            FilterKind::Flag => cases.push((
                format!("{} {}", header(e, l), t.as_str()),
                group(serde_json::json!([{"type": t.as_str()}])),
            )),
            FilterKind::Numeric => {
                for op in Operator::ALL {
                    if op.arity() == 2 {
                        cases.push((
                            format!("{} {} {} 1 and 9", header(e, l), t.as_str(), op.as_str()),
                            group(serde_json::json!([{"type": t.as_str(), "operator": op.as_str(), "lower_value": "1", "upper_value": "9"}])),
                        ));
                    } else {
                        cases.push((
                            format!("{} {} {} 7", header(e, l), t.as_str(), op.as_str()),
                            group(serde_json::json!([{"type": t.as_str(), "operator": op.as_str(), "value": ["7"]}])),
                        ));
                    }
                }
            }
            FilterKind::Values => {
                // A filter with a closed set of values takes two of them; the others take any.
                let (a, b) = match t.allowed_values() {
                    [a, b, ..] => (*a, *b),
                    _ => ("a", "b c"),
                };
                for op in ["=", "!="] {
                    cases.push((
                        format!("{} {} {op} {a}, '{b}'", header(e, l), t.as_str()),
                        group(serde_json::json!([{"type": t.as_str(), "operator": op, "value": [a, b]}])),
                    ));
                }
            }
        }
    }
    assert!(cases.len() > FilterType::ALL.len());
    for (i, (filter, expected)) in cases.iter().enumerate() {
        let from_lang = dry(&[
            "report",
            "--column",
            "date",
            "--filter",
            filter,
            "--encoding",
            "json",
        ]);
        let body: serde_json::Value =
            serde_json::from_str(from_lang.lines().last().unwrap()).unwrap();
        let got = &body["filter_groups"][0];
        // Numbers may be sent as strings or numbers, a one-item list as its item.
        fn norm(v: &serde_json::Value) -> serde_json::Value {
            use serde_json::Value;
            match v {
                Value::Array(a) if a.len() == 1 => norm(&a[0]),
                Value::Array(a) => Value::Array(a.iter().map(norm).collect()),
                Value::Object(o) => {
                    Value::Object(o.iter().map(|(k, v)| (k.clone(), norm(v))).collect())
                }
                Value::Number(n) => Value::String(n.to_string()),
                other => other.clone(),
            }
        }
        assert_eq!(norm(got), norm(expected), "{filter}");
        let file = dir.path().join(format!("f{i}.json"));
        std::fs::write(&file, serde_json::json!([expected]).to_string()).unwrap();
        let from_json = dry(&[
            "report",
            "--column",
            "date",
            "--filter-json",
            file.to_str().unwrap(),
            "--encoding",
            "json",
        ]);
        assert_eq!(from_lang, from_json, "{filter}");
    }
}
