//! Exit codes: 0 ok, 1 usage, 2 decode/transport, 3 server error, 4 invalid input.

use crate::{dlspbx, dlspbx_no_sim, stderr, stdout};
use predicates::prelude::*;

#[test]
fn ok_is_0() {
    dlspbx().args(["status", "users"]).assert().code(0);
    dlspbx().arg("--help").assert().code(0);
    dlspbx().arg("--version").assert().code(0);
}

#[test]
fn usage_is_1() {
    dlspbx().assert().code(1);
    dlspbx().args(["status", "nope"]).assert().code(1);
    dlspbx()
        .args(["status", "users", "--no-such-flag"])
        .assert()
        .code(1);
    dlspbx()
        .args(["dialer", "add-contact", "--contact-list", "x"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--phone-number"));
    dlspbx()
        .args(["status", "users", "--output", "html"])
        .assert()
        .code(1);
    // A configured server with no credentials is a configuration error.
    dlspbx_no_sim()
        .args(["status", "users", "--url", "https://pbx.example.com"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("API user"));
    // http:// is refused for a remote host.
    dlspbx_no_sim()
        .args([
            "status",
            "users",
            "--url",
            "http://pbx.example.com",
            "--api-user",
            "1",
            "--api-key",
            "k",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("https"));
}

#[test]
fn transport_and_decode_are_2() {
    // Nothing listens on port 1 of the loopback.
    let out = dlspbx_no_sim()
        .args([
            "status",
            "users",
            "--url",
            "http://127.0.0.1:1",
            "--api-user",
            "100",
            "--api-key",
            "k",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("transport"), "{}", stderr(&out));
    // A body that is not what was asked for: the format, the position and the expectation.
    let out = dlspbx()
        .args(["decode", "status.calls", "--format", "xml"])
        .write_stdin("{}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("xml"), "{}", stderr(&out));
}

/// Plain text carries only success or failure for most actions (`ActionInfo::plain`): asking
/// for it is refused before anything is sent, unless --raw shows the plain answer as is.
#[test]
fn plain_format_for_a_data_action() {
    for args in [
        &["status", "calls"][..],
        &["sms", "send", "--dst", "100", "--body", "hi"][..],
    ] {
        let out = dlspbx()
            .args(args)
            .args(["--format", "plain"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("plain format carries only success or failure"),
            "{}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty());
        let out = dlspbx()
            .args(args)
            .args(["--format", "plain", "--raw"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out).trim(), "0");
    }
    // An ID action, or one without required data, works in plain text.
    dlspbx()
        .args([
            "dialer",
            "add-contact-list",
            "--name",
            "P",
            "--format",
            "plain",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"id\""));
    dlspbx()
        .args(["test", "--format", "plain"])
        .assert()
        .code(0);
}

#[test]
fn server_error_is_3() {
    let out = dlspbx()
        .args([
            "dialer",
            "add-contact",
            "--contact-list",
            "No such list",
            "--phone-number",
            "8155551234",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("server error: Unknown contact list"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    // Wrong credentials against the simulator.
    let sim = dlspbx_sim::Sim::start().unwrap();
    let out = dlspbx_no_sim()
        .args([
            "status",
            "users",
            "--url",
            &sim.url(),
            "--api-user",
            sim.api_user(),
            "--api-key",
            "wrong",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // --raw prints the error body and still exits 3.
    let out = dlspbx_no_sim()
        .args([
            "status",
            "users",
            "--raw",
            "--url",
            &sim.url(),
            "--api-user",
            sim.api_user(),
            "--api-key",
            "wrong",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).contains("\"result\""), "{}", stdout(&out));
}

#[test]
fn invalid_input_is_4_and_nothing_is_sent() {
    let out = dlspbx()
        .args([
            "dialer",
            "add-contact",
            "--contact-list",
            "Leads",
            "--phone-number",
            "123",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let se = stderr(&out);
    assert!(
        se.starts_with("dlspbx: invalid --phone-number: \"123\" "),
        "{se}"
    );
    assert!(!se.contains("simulator"), "nothing should be started: {se}");
    dlspbx()
        .args([
            "sms",
            "send-sms",
            "--dst",
            "100",
            "--body",
            &"x".repeat(201),
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::starts_with("dlspbx: invalid --body"));
    dlspbx()
        .args(["report", "--column", "nope"])
        .assert()
        .code(4)
        .stderr(predicate::str::starts_with(
            "dlspbx: invalid --column: \"nope\" ",
        ))
        .stderr(predicate::str::contains("unique_id"));
    // The second of a comma list is named by its flag too, not by its wire path.
    dlspbx()
        .args(["report", "--column", "date,nope"])
        .assert()
        .code(4)
        .stderr(predicate::str::starts_with(
            "dlspbx: invalid --column: \"nope\" ",
        ));
    dlspbx()
        .args(["report", "--column", "date", "--option", "per_page"])
        .assert()
        .code(4);
    dlspbx()
        .args(["report", "--column", "date", "--per-page", "lots"])
        .assert()
        .code(4);
    dlspbx()
        .args([
            "dialer",
            "add-contact",
            "--contact-list",
            "L",
            "--phone-number",
            "8155551234",
            "--custom",
            "novalue",
        ])
        .assert()
        .code(4);
    dlspbx()
        .args(["sms", "query-sms", "--filters", "direction=sideways"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("inbound"));
    dlspbx()
        .args(["sms", "query-sms", "--order-by", "up"])
        .assert()
        .code(4);
}

/// A mistyped record key (`dts` for `dst`) is refused, in every way a record is given, with the
/// keys there are: it must not silently drop the filter and return everything.
#[test]
fn unknown_filter_keys_are_refused() {
    for given in [
        vec!["--filters", "dts=100"],
        vec!["--filters", r#"{"dts":"100"}"#],
        vec!["--filters", "dst=100", "--filters", "sstatus=success"],
    ] {
        let mut args = vec!["sms", "query-sms", "--dry-run"];
        args.extend(&given);
        let out = dlspbx().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{given:?}: {}", stderr(&out));
        let se = stderr(&out);
        let key = if given.len() > 2 { "sstatus" } else { "dts" };
        assert!(
            se.contains(&format!("\"{key}\" is not a key of filters")),
            "{given:?}: {se}"
        );
        assert!(se.contains("src, dst_original, dst, status"), "{se}");
        assert!(stdout(&out).is_empty(), "nothing is sent: {}", stdout(&out));
    }
    // The real keys still work.
    dlspbx()
        .args([
            "sms",
            "query-sms",
            "--dry-run",
            "--filters",
            "dst=+18155551234",
        ])
        .assert()
        .success();
}

/// A report filter value outside the filter's set, or a time zone outside the database, is
/// refused with what is allowed (it used to return 0 rows and exit 0).
#[test]
fn report_filter_values_and_time_zones_are_checked() {
    let out = dlspbx()
        .args([
            "report",
            "--column",
            "date",
            "--filter",
            "direction = sideways",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let se = stderr(&out);
    assert!(
        se.contains("\"sideways\" is not a value of filter `direction`"),
        "{se}"
    );
    assert!(
        se.contains("internal, inbound, directinbound, outbound, hairpin"),
        "{se}"
    );
    assert!(stdout(&out).is_empty());
    dlspbx()
        .args([
            "report",
            "--column",
            "date",
            "--filter",
            "direction = inbound, outbound; direction != hairpin",
            "--dry-run",
        ])
        .assert()
        .success();
    let out = dlspbx()
        .args(["report", "--column", "date", "--timezone", "Mars/Base"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("IANA time zone name"),
        "{}",
        stderr(&out)
    );
}

/// Pairs of fields the reference forbids (`page` with `page_offset`; a CDR ID range without
/// one end, or with its end not above its start) are refused before anything is sent, naming
/// both flags, however the fields are given.
#[test]
fn forbidden_field_pairs_name_both_flags() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["report", "--column", "date", "--all", "--page-offset", "5"],
            "invalid --page-offset: \"5\" cannot be combined with --all; give one of them",
        ),
        (
            &[
                "report",
                "--column",
                "date",
                "--page",
                "1",
                "--page-offset",
                "30",
            ],
            "invalid --page-offset: \"30\" cannot be combined with --page; give one of them",
        ),
        (
            &[
                "report",
                "--column",
                "date",
                "--option",
                "page=ALL",
                "--option",
                "page_offset=0",
            ],
            "invalid --page-offset: \"0\" cannot be combined with --page",
        ),
        (
            &["sms", "query-sms", "--filters-start-cdr-id", "5"],
            "invalid --filters-start-cdr-id: \"5\" needs a larger --filters-end-cdr-id too",
        ),
        (
            &["sms", "query-sms", "--filters", "end_cdr_id=9"],
            "invalid --filters-end-cdr-id: \"9\" needs a smaller --filters-start-cdr-id too",
        ),
        (
            &[
                "sms",
                "query-sms",
                "--filters-start-cdr-id",
                "7",
                "--filters-end-cdr-id",
                "7",
            ],
            "invalid --filters-end-cdr-id: \"7\" must be larger than --filters-start-cdr-id (7)",
        ),
        (
            &[
                "sms",
                "query-sms",
                "--filters-start-cdr-id",
                "8",
                "--filters-end-cdr-id",
                "3",
            ],
            "invalid --filters-end-cdr-id: \"3\" must be larger than --filters-start-cdr-id (8)",
        ),
    ];
    for (args, message) in cases {
        let out = dlspbx().args(args).arg("--dry-run").output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with(&format!("dlspbx: {message}")),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty(), "nothing is sent: {}", stdout(&out));
    }
    for ok in [
        &["report", "--column", "date", "--page-offset", "30"][..],
        &[
            "sms",
            "query-sms",
            "--filters-start-cdr-id",
            "5",
            "--filters-end-cdr-id",
            "6",
        ],
    ] {
        dlspbx().args(ok).arg("--dry-run").assert().success();
    }
}

/// `subscribers remove-unsubscriber` (messages allowed again to someone who opted out) asks
/// first; with no terminal to ask on it needs `--yes`, and without it nothing is sent or
/// started. `--dry-run` asks nothing.
#[test]
fn remove_unsubscriber_needs_confirmation() {
    let args = [
        "subscribers",
        "remove-unsubscriber",
        "--phone-number",
        "1122332866",
        "--tenant-id",
        "0",
    ];
    let out = dlspbx().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let se = stderr(&out);
    assert!(se.contains("pass --yes"), "{se}");
    assert!(
        se.contains("Remove 1122332866 from the opt-out list and allow messages again?"),
        "{se}"
    );
    assert!(!se.contains("simulator"), "nothing should be started: {se}");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let out = dlspbx().args(args).arg("--yes").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Successfully removed"),
        "{}",
        stdout(&out)
    );
    let out = dlspbx().args(args).arg("--dry-run").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("phone_number=1122332866"),
        "{}",
        stdout(&out)
    );
    // Other actions take no --yes.
    dlspbx()
        .args([
            "subscribers",
            "add-unsubscriber",
            "--phone-number",
            "5555550000",
        ])
        .args(["--tenant-id", "0", "--yes", "--dry-run"])
        .assert()
        .code(1);
}

/// In table mode an empty result says `no results` instead of a bare header; `--color
/// always` makes the header bold even on a pipe, `auto` (the default) and `never` do not.
#[test]
fn tables_say_no_results_and_colour_on_request() {
    let out = dlspbx()
        .args([
            "sms",
            "query-sms",
            "--filters-src",
            "999",
            "--output",
            "table",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "no results\n");
    let out = dlspbx()
        .args([
            "report",
            "--column",
            "date",
            "--filter",
            "duration > 99999999",
        ])
        .args(["--output", "table"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let so = stdout(&out);
    assert!(
        so.contains("\nno results\n(0 rows; total_results 0)\n"),
        "{so}"
    );
    assert!(!so.contains("\ndate\n"), "a bare header: {so}");
    let table = |color: &str| {
        let out = dlspbx()
            .args([
                "status",
                "dialerlogs",
                "--output",
                "table",
                "--color",
                color,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    assert!(
        table("always").starts_with("\x1b[1mcampaign     output\x1b[0m\n"),
        "{}",
        table("always")
    );
    for color in ["auto", "never"] {
        assert!(!table(color).contains('\x1b'), "{color}: {}", table(color));
    }
    dlspbx()
        .args(["status", "dialerlogs", "--color", "sometimes"])
        .assert()
        .code(1);
}

/// Every invalid field of a request is reported at once, one line each, in field order.
#[test]
fn every_invalid_field_is_reported_at_once() {
    let out = dlspbx()
        .args([
            "sms",
            "query-sms",
            "--filters-src",
            "a b",
            "--filters-dst",
            "c;d",
        ])
        .args(["--filters-start-cdr-id", "5", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let se = stderr(&out);
    let lines: Vec<&str> = se.lines().collect();
    assert_eq!(lines.len(), 3, "{se}");
    assert!(
        lines[0].starts_with("dlspbx: invalid --filters-src: \"a b\" "),
        "{se}"
    );
    assert!(
        lines[1].starts_with("dlspbx: invalid --filters-dst: \"c;d\" "),
        "{se}"
    );
    assert!(
        lines[2].starts_with("dlspbx: invalid --filters-start-cdr-id: \"5\" needs a larger"),
        "{se}"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn filter_errors_point_at_the_position() {
    let out = dlspbx()
        .args([
            "report",
            "--column",
            "date",
            "--filter",
            "include and: duraton > 3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let se = stderr(&out);
    let lines: Vec<&str> = se.lines().collect();
    assert!(
        lines[0].contains("unknown filter type `duraton`") && lines[0].contains("bridged"),
        "{se}"
    );
    assert_eq!(lines[1], "  include and: duraton > 3");
    assert_eq!(lines[2], format!("  {}^", " ".repeat(13)));
    let out = dlspbx()
        .args([
            "report",
            "--column",
            "date",
            "--filter",
            "direction > inbound",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("allowed: =, !="), "{}", stderr(&out));
}

#[test]
fn connection_precedence_flag_env_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "url = \"https://config.example.com\"\napi_user = \"300\"\napi_key = \"cfgkey\"\n",
    )
    .unwrap();
    let first_line =
        |out: std::process::Output| stdout(&out).lines().next().unwrap_or("").to_owned();
    // Config file only.
    let out = dlspbx_no_sim()
        .env("DLSPBX_CONFIG", &config)
        .args(["--dry-run", "test"])
        .output()
        .unwrap();
    assert!(first_line(out).contains("config.example.com"));
    // The environment beats the config file.
    let out = dlspbx_no_sim()
        .env("DLSPBX_CONFIG", &config)
        .env("DLSPBX_URL", "https://env.example.com")
        .args(["--dry-run", "test"])
        .output()
        .unwrap();
    assert!(first_line(out).contains("env.example.com"));
    // A flag beats both.
    let out = dlspbx_no_sim()
        .env("DLSPBX_URL", "https://env.example.com")
        .args(["--config"])
        .arg(&config)
        .args(["--url", "https://flag.example.com", "--dry-run", "test"])
        .output()
        .unwrap();
    let so = stdout(&out);
    assert!(so.starts_with("POST https://flag.example.com/"), "{so}");
    assert!(so.contains("api_user=300"), "{so}");
}

/// Every error line starts with `dlspbx: `, and none is Rust's phrasing (a `ParseIntError`'s
/// "invalid digit found in string", a `{:?}` escape such as `"a\u{1}b"`).
#[test]
fn every_error_has_one_prefix_and_no_rust_phrasing() {
    let cases: [&[&str]; 5] = [
        &["report", "--column", "date", "--per-page", "abc"],
        &["report", "--column", "date", "--page", "abc"],
        &["report", "--column", "nosuch"],
        &["sms", "send-sms", "--dst", "815\u{1}", "--body", "x"],
        &["decode", "status.users", "/nonexistent/body.json"],
    ];
    for args in cases {
        let out = dlspbx().args(args).output().unwrap();
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        let se = stderr(&out);
        for line in se.lines().filter(|l| !l.contains("embedded simulator")) {
            assert!(
                line.starts_with("dlspbx: ") || line.starts_with(' '),
                "{args:?}: {line}"
            );
        }
        for rust in ["invalid digit", "\\u{", "is not valid for"] {
            assert!(!se.contains(rust), "{args:?}: {se}");
        }
    }
    let out = dlspbx()
        .args(["sms", "send-sms", "--dst", "815\u{1}", "--body", "x"])
        .output()
        .unwrap();
    assert!(stderr(&out).contains(r#""815\u0001""#), "{}", stderr(&out));
}
