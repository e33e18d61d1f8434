//! `dlspbx decode` of every golden example: the same JSON for the same data in every format.

use crate::{dlspbx, fixtures, stderr, stdout};
use dlspbx_core::generated::ACTIONS;
use serde_json::Value;
use std::collections::BTreeMap;

/// Response header fields that a table-layout CSV body does not carry (see
/// `tests/fixtures/NOTES.md`: "Table CSV keeps only the rows").
const CSV_TABLE_DROPS: &[&str] = &["total_results", "results_limit", "results_offset", "title"];

fn decode(action: &str, path: &std::path::Path) -> std::process::Output {
    dlspbx()
        .args(["decode", action])
        .arg(path)
        .output()
        .unwrap()
}

/// `response.<variant>.<format>` → (variant, format).
fn split_name(name: &str) -> Option<(String, String)> {
    let rest = name.strip_prefix("response.")?;
    match rest.rsplit_once('.') {
        Some((variant, format)) => Some((variant.to_owned(), format.to_owned())),
        None => Some((String::new(), rest.to_owned())),
    }
}

/// Variants holding exactly the data of `response.json` (only the encoding differs).
const SAME_DATA: &[&str] = &[
    "",
    "bom",
    "crlf",
    "extra",
    "numbers",
    "noroot",
    "notice",
    "deprecated",
    "bomblank",
];

#[test]
fn every_golden_example_decodes_to_the_same_json_in_every_format() {
    let mut checked = 0;
    for info in ACTIONS {
        let action = format!("{}.{}", info.module, info.name);
        let dir = fixtures().join(&action);
        let mut files: Vec<(String, String, std::path::PathBuf)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                split_name(&name).map(|(v, f)| (v, f, e.path()))
            })
            .collect();
        files.sort();
        let mut reference: BTreeMap<String, Value> = BTreeMap::new();
        for (variant, _, path) in files.iter().filter(|(_, f, _)| f == "json") {
            let out = decode(&action, path);
            assert!(out.status.success(), "{}: {}", path.display(), stderr(&out));
            let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
            reference.insert(variant.clone(), v);
        }
        let base = reference
            .get("")
            .unwrap_or_else(|| panic!("{action}: no response.json"))
            .clone();
        for (variant, format, path) in &files {
            let expected = if SAME_DATA.contains(&variant.as_str()) {
                &base
            } else {
                reference.get(variant).unwrap_or(&base)
            };
            let out = decode(&action, path);
            let code = out.status.code();
            if format == "plain" {
                // Plain carries only an ID or a status: data actions may refuse it (exit 2);
                // the ID actions give the same JSON.
                assert!(
                    matches!(code, Some(0) | Some(2)),
                    "{}: exit {code:?}: {}",
                    path.display(),
                    stderr(&out)
                );
                if info.plain == dlspbx_core::PlainKind::Id {
                    assert_eq!(code, Some(0), "{}", path.display());
                    assert_eq!(
                        &serde_json::from_str::<Value>(&stdout(&out)).unwrap(),
                        expected,
                        "{}",
                        path.display()
                    );
                }
                checked += 1;
                continue;
            }
            assert_eq!(code, Some(0), "{}: {}", path.display(), stderr(&out));
            let got: Value = serde_json::from_str(&stdout(&out)).unwrap();
            let table_csv = format == "csv" && is_table_csv(info);
            if table_csv {
                let (g, e) = (got.as_object().unwrap(), expected.as_object().unwrap());
                for (k, ev) in e {
                    match g.get(k) {
                        Some(gv) if gv == ev => {}
                        other
                            if CSV_TABLE_DROPS.contains(&k.as_str())
                                && other.is_none_or(Value::is_null) => {}
                        other => panic!("{}: `{k}` is {other:?}, expected {ev}", path.display()),
                    }
                }
            } else {
                assert_eq!(&got, expected, "{}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 90, "only {checked} files checked");
}

/// Whether the action's CSV layout is a table (`ActionInfo::csv`).
fn is_table_csv(info: &dlspbx_core::ActionInfo) -> bool {
    matches!(info.csv, dlspbx_core::wire::CsvLayout::Table { .. })
}

#[test]
fn decode_json_is_canonical_and_in_spec_order() {
    let out = decode(
        "status.queues",
        &fixtures().join("status.queues/response.xml"),
    );
    let text = stdout(&out);
    assert!(text.starts_with("{\n  \"queues\": {\n    \"support_queue\": {\n      \"queue\": \"support_queue\",\n      \"holdtime\":"), "{text}");
    let out = decode(
        "reports.report",
        &fixtures().join("reports.report/response.yaml"),
    );
    // serde_json keeps the order (`preserve_order`): the spec's.
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["total_results", "title", "columns", "results"]);
    assert!(v["results"][0].is_array());
    assert!(v["total_results"].is_i64());
}

#[test]
fn decode_reads_stdin_and_takes_the_format_flag() {
    let body = std::fs::read(fixtures().join("status.users/response.yaml")).unwrap();
    let out = dlspbx()
        .args(["decode", "status.users", "--format", "yaml"])
        .write_stdin(body)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = stdout(&decode(
        "status.users",
        &fixtures().join("status.users/response.json"),
    ));
    assert_eq!(stdout(&out), expected);
}

#[test]
fn decode_errors() {
    // The server's error shape: its message, exit 3.
    for format in ["json", "xml", "yaml", "csv", "plain"] {
        let out = decode(
            "example.test",
            &fixtures().join(format!("example.test/error.{format}")),
        );
        assert_eq!(out.status.code(), Some(3), "{format}: {}", stderr(&out));
        if format != "plain" {
            assert!(
                stderr(&out).contains("Error details here"),
                "{format}: {}",
                stderr(&out)
            );
        }
        assert!(out.stdout.is_empty());
    }
    // Undecodable: the format, the position and what was expected, exit 2.
    let out = dlspbx()
        .args(["decode", "status.queues"])
        .write_stdin("{\"queues\": [")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let se = stderr(&out);
    assert!(se.contains("json") && se.contains("line 1, column"), "{se}");
    let out = dlspbx()
        .args(["decode", "status.users", "--format", "xml"])
        .write_stdin("<response><users><array><ext>1</ext></users>")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("xml"), "{}", stderr(&out));
    // An unknown action is a usage error.
    dlspbx()
        .args(["decode", "status.nope"])
        .write_stdin("{}")
        .assert()
        .code(1);
}

/// Garbage in any format, for any action: exit 2 (or 3 for a plain `-1`), a message, no
/// panic and no backtrace.
#[test]
fn garbage_never_panics() {
    let bodies: &[&[u8]] = &[
        b"",
        b"\xff\xfe\x00garbage",
        b"{\"result\":",
        b"<response><",
        b"- - -\n  : :",
        b"a,b\n\"unterminated",
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ];
    for info in ACTIONS {
        let action = format!("{}.{}", info.module, info.name);
        for format in ["json", "xml", "yaml", "csv", "plain"] {
            for body in bodies {
                let out = dlspbx()
                    .env("RUST_BACKTRACE", "1")
                    .args(["decode", &action, "--format", format])
                    .write_stdin(body.to_vec())
                    .output()
                    .unwrap();
                let se = stderr(&out);
                let code = out.status.code();
                assert!(
                    matches!(code, Some(0) | Some(2) | Some(3)),
                    "{action} {format} {body:?}: exit {code:?}: {se}"
                );
                assert!(
                    !se.contains("panicked")
                        && !se.contains("internal error")
                        && !se.contains("backtrace"),
                    "{action} {format} {body:?}: {se}"
                );
                if code != Some(0) {
                    assert!(
                        se.starts_with("dlspbx: "),
                        "{action} {format} {body:?}: {se}"
                    );
                }
            }
        }
    }
}

/// A report row that cannot be decoded (rows are decoded lazily) fails the whole decode:
/// exit 2 and nothing on stdout, in every output.
#[test]
fn a_bad_report_row_is_undecodable() {
    let body = r#"{"result":"success","error":"","total_results":2,"columns":["date"],"results":[["a"],[{"x":1}]]}"#;
    for output in ["json", "csv", "table", "yaml", "jsonl"] {
        let out = dlspbx()
            .args(["decode", "reports.report", "-o", output])
            .write_stdin(body)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{output}: {}", stderr(&out));
        let (so, se) = (stdout(&out), stderr(&out));
        assert!(se.contains("json"), "{se}");
        // The rows are written as they are decoded: a stream says how far its stdout got.
        // A table, whose widths are not fixed yet, had written none.
        if output == "table" {
            assert!(so.is_empty(), "{output}: {so}");
            assert!(
                se.contains("stopped before the first row"),
                "{output}: {se}"
            );
        } else {
            assert!(so.contains('a'), "{output}: {so}");
            assert!(
                se.contains("the last row written to stdout is row 1, the output is incomplete"),
                "{output}: {se}"
            );
        }
        // With --out, no file is left.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.out");
        let out = dlspbx()
            .args(["decode", "reports.report", "-o", output, "--out"])
            .arg(&path)
            .write_stdin(body)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{output}: {}", stderr(&out));
        assert!(!path.exists(), "{output}");
        assert!(stderr(&out).contains("was not written"), "{}", stderr(&out));
    }
}

/// A body that lacks the action's required members (a queues body given to `status.users`) is
/// not that action's response: exit 2, naming the missing member, in every format, instead of
/// printing `{"users": []}`.
#[test]
fn decode_refuses_a_body_without_a_required_member() {
    for format in ["json", "xml", "yaml", "csv"] {
        let out = decode(
            "status.users",
            &fixtures().join(format!("status.queues/response.{format}")),
        );
        assert_eq!(out.status.code(), Some(2), "{format}: {}", stdout(&out));
        assert!(out.stdout.is_empty(), "{format}: {}", stdout(&out));
        let e = stderr(&out);
        assert!(e.contains("missing field `users`"), "{format}: {e}");
    }
    // An empty list is there: it decodes.
    let out = dlspbx()
        .args(["decode", "status.users"])
        .write_stdin(r#"{"result":"success","users":[]}"#)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "{\n  \"users\": []\n}\n");
}

/// Issue 16: a PHP diagnostic before the body is a warning on stderr and the body decodes; a
/// fatal error is a server error (exit 3); an HTML page is named (exit 2). Saved bodies, a
/// streamed report body, and a live call to a simulator that prints a notice.
#[test]
fn php_diagnostics_are_warnings_and_fatal_errors_and_pages_are_named() {
    let dir = fixtures().join("dialer.add_contact_list");
    for format in ["json", "xml", "yaml", "csv", "plain"] {
        let out = decode(
            "dialer.add_contact_list",
            &dir.join(format!("response.notice.{format}")),
        );
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            "server warning: PHP Notice: Undefined index: country in /var/www/api/v1/dialer.php on line 42\n",
            "{format}"
        );
        let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(v["id"], 42, "{format}");
        let out = decode(
            "dialer.add_contact_list",
            &dir.join(format!("response.deprecated.{format}")),
        );
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert!(
            stderr(&out)
                .starts_with("server warning: PHP Deprecated: Creation of dynamic property"),
            "{}",
            stderr(&out)
        );
        let out = dlspbx()
            .args(["decode", "dialer.add_contact_list", "--format", format])
            .arg(dir.join(format!("php.fatal.{format}")))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{format}: {}", stderr(&out));
        assert!(stderr(&out).contains("server error: PHP Fatal error: Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused"), "{}", stderr(&out));
        let out = dlspbx()
            .args(["decode", "dialer.add_contact_list", "--format", format])
            .arg(dir.join(format!("php.bad-gateway.{format}")))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}: {}", stderr(&out));
        let name = if format == "plain" {
            "plain text".to_owned()
        } else {
            format.to_uppercase()
        };
        assert!(
            stderr(&out).contains(&format!(
                "the server answered an HTML page (title: 502 Bad Gateway) instead of {name}"
            )),
            "{}",
            stderr(&out)
        );
    }
    // A report body read as a stream.
    let tmp = tempfile::tempdir().unwrap();
    for format in ["json", "csv"] {
        let body =
            std::fs::read(fixtures().join(format!("reports.report/response.{format}"))).unwrap();
        let path = tmp.path().join(format!("report.{format}"));
        std::fs::write(
            &path,
            [
                &b"\nWarning: Undefined variable $tz in /var/www/r.php on line 9\n"[..],
                &body,
            ]
            .concat(),
        )
        .unwrap();
        let out = decode("reports.report", &path);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(
                "server warning: PHP Warning: Undefined variable $tz in /var/www/r.php on line 9"
            ),
            "{}",
            stderr(&out)
        );
        assert!(stdout(&out).contains("1476370446.2"), "{}", stdout(&out));
    }
    // A live call.
    let sim = dlspbx_sim::Sim::start_with(dlspbx_sim::SimConfig {
        php_diagnostics: Some(dlspbx_sim::php::PhpHabit::Notice),
        ..Default::default()
    })
    .unwrap();
    let out = crate::dlspbx_no_sim()
        .args([
            "dialer",
            "add-contact-list",
            "--name",
            "Leads",
            "--output",
            "json",
        ])
        .args([
            "--url",
            &sim.url(),
            "--api-user",
            sim.api_user(),
            "--api-key",
            sim.api_key(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("server warning: PHP Notice: Undefined index: country in /var/www/api/v1/dialer.php on line 42"), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"id\""), "{}", stdout(&out));
}
