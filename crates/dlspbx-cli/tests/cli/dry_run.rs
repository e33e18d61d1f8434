//! `--dry-run`: the request exactly as it would be sent, with the API key REDACTED.

use crate::{dlspbx, stderr, stdout};

const KEY: &str = "s3cr3t-k3y+/=";

fn dry(args: &[&str]) -> String {
    let out = dlspbx()
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
    let out = dlspbx()
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
    let out = dlspbx()
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
            let out = dlspbx()
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
