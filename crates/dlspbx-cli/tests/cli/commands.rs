//! Every subcommand against the embedded simulator (no connection flags at all).

use crate::{dlspbx, dlspbx_no_sim, fixtures, stderr, stdout};
use predicates::prelude::*;

/// Arguments that make each action succeed against a freshly seeded simulator: none for an
/// action without required fields, else the values below.
fn sample_args(module: &str, action: &str) -> Option<Vec<&'static str>> {
    if let Some(args) = needed_args(module, action) {
        return Some(args);
    }
    let info = dlspbx_core::generated::ACTIONS
        .iter()
        .find(|a| a.module == module && a.name == action)?;
    info.request
        .iter()
        .all(|f| f.presence == dlspbx_core::Presence::Optional || f.default.is_some())
        .then(Vec::new)
}

fn needed_args(module: &str, action: &str) -> Option<Vec<&'static str>> {
    Some(match (module, action) {
        ("dialer", "add_contact_list") => vec!["--name", "CLI test list"],
        ("dialer", "add_contact") => vec![
            "--contact-list",
            "default leads",
            "--first-name",
            "Ann",
            "--phone-number",
            "8155551234",
            "--custom",
            "customer_account_id=42",
        ],
        ("reports", "report") => {
            vec![
                "--column",
                "date",
                "--column",
                "src",
                "--column",
                "billable_duration",
                "--filter",
                "include and: duration between 30 60; bridged",
                "--per-page",
                "5",
            ]
        }
        ("sms", "send_sms") => vec!["--dst", "100,+12223334444", "--body", "hi"],
        ("sms", "query_sms") => vec![
            "--filters",
            "direction=inbound,outbound",
            "--results-limit",
            "3",
        ],
        ("subscribers", "add_subscriber") => {
            vec!["--phone-number", "5555550000", "--campaign-id", "CX5K2PQ"]
        }
        ("subscribers", "remove_subscriber") => {
            vec!["--phone-number", "5555555314", "--campaign-id", "CX5K2PQ"]
        }
        ("subscribers", "add_unsubscriber") => {
            vec!["--phone-number", "5555550000", "--tenant-id", "0"]
        }
        ("subscribers", "remove_unsubscriber") => {
            vec!["--phone-number", "1122332866", "--tenant-id", "0", "--yes"]
        }
        _ => return None,
    })
}

fn kebab(s: &str) -> String {
    s.replace('_', "-")
}

/// Replaces what the simulator derives from the clock, so that snapshots are stable: SMS
/// message ids (`uniqid`-style: 10 digits of seconds, a dot, 13 hex digits).
fn scrub(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let is_id = i + 24 <= b.len()
            && b[i..i + 10].iter().all(u8::is_ascii_digit)
            && b[i + 10] == b'.'
            && b[i + 11..i + 24].iter().all(u8::is_ascii_hexdigit)
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b.get(i + 24).is_none_or(|c| !c.is_ascii_alphanumeric());
        if is_id {
            out.push_str("[message_id]");
            i += 24;
        } else {
            let c = text[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[test]
fn scrub_replaces_message_ids_only() {
    assert_eq!(
        scrub("\"message_id\": \"1796165713.6b0f5051eac02\",\nid,1796165713.6b0f5051eac02\n"),
        "\"message_id\": \"[message_id]\",\nid,[message_id]\n"
    );
    assert_eq!(
        scrub("x1796165713.6b0f5051eac02"),
        "x1796165713.6b0f5051eac02"
    );
    assert_eq!(scrub("Zoë 12"), "Zoë 12");
}

/// Every action in every output mode, against the embedded simulator's deterministic data:
/// the output is a golden snapshot (`snapshots/cli__commands__<module>__<action>__<mode>.snap`),
/// the guard for restructuring the CLI.
#[test]
fn every_action_runs_against_the_embedded_simulator_in_every_output_mode() {
    for info in dlspbx_core::generated::ACTIONS {
        let args = sample_args(info.module, info.name)
            .unwrap_or_else(|| panic!("no sample arguments for {}.{}", info.module, info.name));
        // Not a terminal: JSON by default.
        let out = dlspbx()
            .arg(info.module)
            .arg(kebab(info.name))
            .args(&args)
            .output()
            .unwrap();
        let (so, se) = (stdout(&out), stderr(&out));
        assert!(
            out.status.success(),
            "{}.{}: exit {:?}\n{se}",
            info.module,
            info.name,
            out.status.code()
        );
        assert!(
            se.contains("dlspbx: using the embedded simulator at http://127.0.0.1:"),
            "{}.{}: {se}",
            info.module,
            info.name
        );
        let v: serde_json::Value = serde_json::from_str(&so)
            .unwrap_or_else(|e| panic!("{}.{}: not JSON ({e}):\n{so}", info.module, info.name));
        assert!(v.is_object(), "{}.{}: {so}", info.module, info.name);
        // Every non-optional response field is there (the report's header fields included).
        for r in info.response {
            if r.presence == dlspbx_core::Presence::Required
                && r.ty != dlspbx_core::FieldType::ReportRows
                && r.name != "error"
            {
                assert!(
                    v.get(r.name).is_some(),
                    "{}.{}: no `{}` in\n{so}",
                    info.module,
                    info.name,
                    r.name
                );
            }
        }
        for output in ["table", "json", "jsonl", "yaml", "csv"] {
            let out = dlspbx()
                .arg(info.module)
                .arg(kebab(info.name))
                .args(&args)
                .args(["--output", output])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}.{} -o {output}: {}",
                info.module,
                info.name,
                stderr(&out)
            );
            let text = stdout(&out);
            assert!(
                !text.is_empty(),
                "{}.{} -o {output}: empty output",
                info.module,
                info.name
            );
            if output == "json" {
                assert_eq!(
                    scrub(&text),
                    scrub(&so),
                    "-o json is the default off a terminal"
                );
            }
            let command = ["dlspbx", info.module, &kebab(info.name)]
                .into_iter()
                .chain(args.iter().copied())
                .chain(["--output", output])
                .collect::<Vec<_>>()
                .join(" ");
            insta::assert_snapshot!(
                format!("{}__{}__{output}", info.module, info.name),
                scrub(&text),
                &command
            );
        }
    }
}

#[test]
fn status_queues_prints_a_table_of_queues_then_agents() {
    let out = dlspbx()
        .args(["status", "queues", "-o", "table"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let so = stdout(&out);
    let mut lines = so.lines();
    assert!(lines.next().unwrap().starts_with("queues ("), "{so}");
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("queue ") && header.contains("holdtime") && header.contains("waiting"),
        "{so}"
    );
    assert!(so.contains("\nqueues.agents ("), "{so}");
    let agents_header = so
        .lines()
        .skip_while(|l| !l.starts_with("queues.agents"))
        .nth(1)
        .unwrap();
    assert!(
        agents_header.starts_with("queue ")
            && agents_header.contains("agent")
            && agents_header.contains("paused"),
        "{so}"
    );
    assert!(so.contains("support_queue"), "{so}");
}

#[test]
fn top_level_shortcuts_and_aliases() {
    dlspbx()
        .arg("test")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"example_data\""));
    dlspbx()
        .args([
            "report",
            "--column",
            "date",
            "--column",
            "src",
            "--per-page",
            "2",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"total_results\""));
    dlspbx()
        .args(["sms", "send", "--dst", "100", "--body", "hi"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"message_id\""));
    dlspbx()
        .args([
            "subscribers",
            "add",
            "--phone-number",
            "5555550001",
            "--campaign-id",
            "CX5K2PQ",
        ])
        .assert()
        .success();
    // The spec's snake_case name works as an alias of the kebab-case subcommand.
    dlspbx()
        .args(["dialer", "add_contact_list", "--name", "x"])
        .assert()
        .success();
    // A plural list flag has its singular too.
    dlspbx()
        .args([
            "reports",
            "report",
            "--columns",
            "date,src",
            "--per-page",
            "1",
        ])
        .assert()
        .success();
}

#[test]
fn report_outputs() {
    let base = [
        "report",
        "--column",
        "date",
        "--column",
        "src",
        "--column",
        "billable_duration",
        "--filter",
        "duration >= 30",
        "--per-page",
        "3",
    ];
    let out = dlspbx().args(base).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in ["total_results", "title", "columns", "results"] {
        assert!(keys.contains(&k), "{v}");
    }
    assert_eq!(
        v["columns"],
        serde_json::json!(["date", "src", "billable_duration"])
    );
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        assert!(r[2].as_str().unwrap().parse::<u64>().unwrap() >= 30, "{r}");
    }

    let out = dlspbx().args(base).args(["-o", "csv"]).output().unwrap();
    let so = stdout(&out);
    assert_eq!(so.lines().next(), Some("date,src,billable_duration"));
    assert_eq!(so.lines().count(), 4, "{so}");

    let out = dlspbx().args(base).args(["-o", "table"]).output().unwrap();
    let so = stdout(&out);
    assert!(
        so.lines()
            .any(|l| l.starts_with("date ") && l.ends_with("billable_duration")),
        "{so}"
    );
    assert!(
        so.trim_end()
            .ends_with(&format!("total_results {})", v["total_results"])),
        "{so}"
    );
}

#[test]
fn report_all_streams_every_row() {
    let count = dlspbx()
        .args(["report", "--column", "date", "--option", "count_only=true"])
        .output()
        .unwrap();
    let total =
        serde_json::from_str::<serde_json::Value>(&stdout(&count)).unwrap()["total_results"]
            .as_i64()
            .unwrap();
    assert!(total > 100, "{total}");
    let out = dlspbx()
        .args([
            "report",
            "--column",
            "unique_id",
            "--column",
            "date",
            "--all",
            "-o",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count() as i64, total + 1);
    let out = dlspbx()
        .args(["report", "--column", "unique_id", "--all", "-o", "jsonl"])
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as i64, total);
    assert!(lines[0]["unique_id"].is_string());
    let out = dlspbx()
        .args(["report", "--column", "unique_id", "--all"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["results"].as_array().unwrap().len() as i64, total);
    assert_eq!(v["total_results"].as_i64(), Some(total));
}

#[test]
fn raw_prints_the_body_untouched() {
    let out = dlspbx()
        .args(["status", "users", "--raw", "--format", "xml"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let so = stdout(&out);
    assert!(so.contains("<users>") || so.contains("<response>"), "{so}");
    let out = dlspbx()
        .args(["test", "--raw", "--format", "csv"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).starts_with("result,success"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn every_response_format_gives_the_same_output() {
    let json = stdout(&dlspbx().args(["status", "queues"]).output().unwrap());
    for format in ["xml", "yaml", "csv"] {
        for encoding in ["form", "json", "xml"] {
            let out = dlspbx()
                .args([
                    "status",
                    "queues",
                    "--format",
                    format,
                    "--encoding",
                    encoding,
                ])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{format}/{encoding}: {}",
                stderr(&out)
            );
            assert_eq!(stdout(&out), json, "{format}/{encoding}");
        }
    }
}

#[test]
fn sim_flag_forces_the_simulator() {
    dlspbx()
        .args([
            "status",
            "users",
            "--sim",
            "--url",
            "https://pbx.example.com",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("using the embedded simulator"));
}

#[test]
fn help_comes_from_the_spec() {
    for info in dlspbx_core::generated::ACTIONS {
        let out = dlspbx()
            .arg(info.module)
            .arg(kebab(info.name))
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success());
        let so = stdout(&out);
        assert!(
            so.contains(info.summary),
            "{}.{}:\n{so}",
            info.module,
            info.name
        );
        for f in info.request {
            let first = f.doc.split(". ").next().unwrap();
            let first = &first[..first.len().min(40)];
            assert!(
                so.contains(first),
                "{}.{}: no help for {} in\n{so}",
                info.module,
                info.name,
                f.name
            );
        }
    }
    dlspbx()
        .args(["report", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("bridged").and(predicate::str::contains("!between")));
}

/// Variables are named in the help as `[env: NAME]`, never with a value (set or not).
#[test]
fn help_names_variables_without_values() {
    for set in [false, true] {
        let mut cmd = dlspbx_no_sim();
        if set {
            cmd.env("DLSPBX_SIM_CDRS", "50").env("DLSPBX_SIM", "1");
        }
        // The global options are listed in `dlspbx --help` (a subcommand's help points there).
        let out = cmd.args(["--help"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let so = stdout(&out);
        for var in ["DLSPBX_SIM_CDRS", "DLSPBX_SIM"] {
            assert!(so.contains(&format!("[env: {var}]")), "{var}:\n{so}");
            assert!(!so.contains(&format!("[env: {var}=")), "{var}:\n{so}");
        }
    }
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        dlspbx()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("add-contact"));
    }
    dlspbx()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH dlspbx"));
}

/// `dlspbx … | head -1`: a stdout closed early ends every command quietly (exit 0, nothing on
/// stderr), the way `ls | head` does.
#[test]
fn a_closed_stdout_ends_quietly() {
    use std::io::Read;
    let bin = assert_cmd::cargo::cargo_bin("dlspbx");
    let cases: &[&[&str]] = &[
        &["completions", "zsh"],
        &["completions", "bash"],
        &["man"],
        &[
            "--sim",
            "report",
            "--all",
            "--column",
            "unique_id,date",
            "-o",
            "csv",
        ],
        &["--sim", "status", "queues", "-o", "json"],
    ];
    for args in cases {
        let mut child = std::process::Command::new(&bin)
            .args(*args)
            .env("HOME", std::env::temp_dir().join("dlspbx-cli-tests-home"))
            .env_remove("DLSPBX_URL")
            .env_remove("DLSPBX_CONFIG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, as `head -c1` would, then close the pipe.
        let mut first = [0u8; 1];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        let err: String = err
            .lines()
            .filter(|l| !l.contains("embedded simulator"))
            .collect();
        assert!(status.success(), "{args:?}: {status}, stderr {err:?}");
        assert!(err.is_empty(), "{args:?}: stderr {err:?}");
    }
}

#[test]
fn man_dir_writes_one_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("man1");
    dlspbx()
        .args(["man", "--dir"])
        .arg(&target)
        .assert()
        .success();
    for page in [
        "dlspbx.1",
        "dlspbx-report.1",
        "dlspbx-status-queues.1",
        "dlspbx-sms-send-sms.1",
    ] {
        let text =
            std::fs::read_to_string(target.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(
            text.starts_with(".ie") || text.contains(".TH"),
            "{page}: {text:.80}"
        );
    }
    // A path that cannot be a directory is refused with the flag named.
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    dlspbx()
        .args(["man", "--dir"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--dir"));
}

#[test]
fn sim_serve_runs_the_simulator_standalone() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sim.db");
    let bin = assert_cmd::cargo::cargo_bin("dlspbx");
    let mut child = std::process::Command::new(bin)
        .args([
            "sim",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--cdrs",
            "50",
            "--db",
        ])
        .arg(&db)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // `dlspbx-sim listening on http://127.0.0.1:PORT (api_user=U api_key=K)`
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_default()
        .to_owned();
    let field = |name: &str| {
        line.split(&format!("{name}="))
            .nth(1)
            .unwrap_or("")
            .split([' ', ')'])
            .next()
            .unwrap_or("")
            .to_owned()
    };
    let (user, key) = (field("api_user"), field("api_key"));
    let out = dlspbx_no_sim()
        .args([
            "status",
            "users",
            "--url",
            &url,
            "--api-user",
            &user,
            "--api-key",
            &key,
        ])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(out.status.success(), "{line}: {}", stderr(&out));
    assert!(
        !stderr(&out).contains("embedded simulator"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("\"users\""));
    assert!(db.exists());
}

#[test]
fn help_lists_the_spec_values_and_record_fields() {
    let help = |args: &[&str]| {
        let out = dlspbx().args(args).arg("--help").output().unwrap();
        assert!(out.status.success());
        stdout(&out)
    };
    let sms = help(&["sms", "query-sms"]);
    assert!(sms.contains("[possible values: asc, desc]"), "{sms}");
    // The record type's fields: listed under --filters, and each with its own flag.
    for f in [
        "--filters-src",
        "--filters-dst-original",
        "--filters-status",
        "--filters-direction",
        "--filters-from",
        "--filters-to",
        "--filters-message-id",
        "--filters-cdr-id",
        "--filters-start-cdr-id",
        "--filters-end-cdr-id",
        "--filters-account-code",
    ] {
        assert!(sms.contains(f), "{f}:\n{sms}");
    }
    assert!(sms.contains("Filters:"), "{sms}");
    assert!(
        sms.contains("[possible values: inbound, internal, hairpin, outbound]"),
        "{sms}"
    );
    assert!(
        sms.contains("direction (one of the values listed, repeatable)"),
        "{sms}"
    );
    // Types in words, not the SDK's spellings (`list<enum:SmsDirection>`, `SmsFilters`).
    for internal in ["enum:", "list<", "SmsFilters", "type: "] {
        assert!(!sms.contains(internal), "{internal}:\n{sms}");
    }
    // Report options: their doc and type from the spec, enum values listed.
    let report = help(&["report"]);
    for key in dlspbx_core::reports::ReportOption::KEYS {
        let doc = dlspbx_core::reports::ReportOption::doc_of(key).unwrap();
        assert!(
            report.contains(&format!("--{}", key.replace('_', "-"))),
            "{key}:\n{report}"
        );
        assert!(
            report.contains(&format!("`options[]={key}=VALUE`")),
            "{key}:\n{report}"
        );
        let first = doc.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
        assert!(report.contains(&first), "{key}: {first}");
    }
    assert!(report.contains("ASCENDING") && report.contains("DESCENDING"));
    for internal in ["enum:", "list<", "[type: "] {
        assert!(!report.contains(internal), "{internal}:\n{report}");
    }
    // Global options are listed once, in `dlspbx --help`; a subcommand points there.
    let root = help(&[]);
    assert!(root.contains("--api-key-file"), "{root}");
    assert!(!report.contains("--api-key-file"), "{report}");
    assert!(report.contains("see `dlspbx --help`"), "{report}");
    assert!(report.contains("Possible values: unique_id, bridged_unique_ids"));
    // The filter language's exclusivity and logical operators come from the spec too.
    assert!(report.contains("[include|exclude] [and|or]"), "{report}");
    // Module groups carry the module's doc.
    for m in dlspbx_core::generated::MODULES {
        let text = help(&[m.name]);
        let first = m
            .doc
            .split_whitespace()
            .take(5)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains(&first), "{}:\n{text}", m.name);
        assert!(text.contains(m.file), "{}:\n{text}", m.name);
    }
}

#[test]
fn completions_offer_the_spec_values() {
    for shell in ["bash", "zsh", "fish"] {
        let out = dlspbx().args(["completions", shell]).output().unwrap();
        let so = stdout(&out);
        for word in ["hairpin", "DESCENDING", "billable_duration", "filters-src"] {
            assert!(so.contains(word), "{shell}: no {word}");
        }
    }
}

/// What the normal output prints is what `decode` prints for the same body.
#[test]
fn output_equals_decode_of_the_raw_body() {
    let cases: &[&[&str]] = &[
        &["status", "queues"],
        &["status", "calls"],
        &["sms", "query-sms", "--results-limit", "3"],
        &[
            "report",
            "--column",
            "date",
            "--column",
            "src",
            "--per-page",
            "4",
        ],
        &["test"],
    ];
    for args in cases {
        for format in ["json", "xml", "yaml", "csv"] {
            let normal = dlspbx().args(*args).output().unwrap();
            assert!(normal.status.success(), "{args:?}: {}", stderr(&normal));
            let raw = dlspbx()
                .args(*args)
                .args(["--raw", "--format", format])
                .output()
                .unwrap();
            assert!(raw.status.success(), "{args:?} {format}: {}", stderr(&raw));
            let action = match args[0] {
                "test" => "example.test".to_owned(),
                "report" => "reports.report".to_owned(),
                m => format!("{m}.{}", args[1].replace('-', "_")),
            };
            let decoded = dlspbx()
                .args(["decode", &action, "--format", format])
                .write_stdin(raw.stdout.clone())
                .output()
                .unwrap();
            assert!(
                decoded.status.success(),
                "{args:?} {format}: {}",
                stderr(&decoded)
            );
            let table_csv = format == "csv" && matches!(args[0], "sms" | "report");
            if table_csv {
                // A table CSV carries only the rows (no total_results): compare those.
                let n: serde_json::Value = serde_json::from_slice(&normal.stdout).unwrap();
                let d: serde_json::Value = serde_json::from_slice(&decoded.stdout).unwrap();
                assert_eq!(n["results"], d["results"], "{args:?} {format}");
            } else {
                assert_eq!(stdout(&normal), stdout(&decoded), "{args:?} {format}");
            }
        }
    }
}

#[test]
fn decode_prints_in_every_output() {
    let fixture = |p: &str| crate::fixtures().join(p);
    let run = |action: &str, file: &str, output: &str| {
        let out = dlspbx()
            .args(["decode", action, "-o", output])
            .arg(fixture(file))
            .output()
            .unwrap();
        assert!(out.status.success(), "{action} {output}: {}", stderr(&out));
        stdout(&out)
    };
    let csv = run("reports.report", "reports.report/response.json", "csv");
    assert!(csv.lines().count() > 1, "{csv}");
    let json: serde_json::Value = serde_json::from_str(&run(
        "reports.report",
        "reports.report/response.json",
        "json",
    ))
    .unwrap();
    let header: Vec<&str> = json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(csv.lines().next().unwrap(), header.join(","));
    let table = run("reports.report", "reports.report/response.json", "table");
    assert!(
        table
            .trim_end()
            .ends_with(&format!("total_results {})", json["total_results"])),
        "{table}"
    );
    let yaml = run("status.queues", "status.queues/response.json", "yaml");
    assert!(yaml.starts_with("queues:\n"), "{yaml}");
    let jsonl = run("sms.query_sms", "sms.query_sms/response.json", "jsonl");
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v.get("message_id").is_some(), "{line}");
    }
}

#[test]
fn query_sms_record_flags_filter_against_the_simulator() {
    let out = dlspbx()
        .args([
            "sms",
            "query",
            "--filters-direction",
            "inbound",
            "--results-limit",
            "20",
            "-o",
            "jsonl",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let so = stdout(&out);
    assert!(so.lines().count() > 0, "{so}");
    for line in so.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["direction"], "inbound", "{line}");
    }
    // A value the spec does not allow: invalid input, with the allowed values.
    dlspbx()
        .args(["sms", "query", "--filters-direction", "sideways"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("inbound"));
}

#[test]
fn every_action_has_a_dry_run() {
    for info in dlspbx_core::generated::ACTIONS {
        let args = sample_args(info.module, info.name).unwrap();
        let out = dlspbx_no_sim()
            .args([
                "--url",
                "https://pbx.example.com",
                "--api-user",
                "100",
                "--api-key",
                "sekrit",
            ])
            .arg("--dry-run")
            .arg(info.module)
            .arg(kebab(info.name))
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}.{}: {}",
            info.module,
            info.name,
            stderr(&out)
        );
        let so = stdout(&out);
        assert!(
            so.starts_with(&format!(
                "POST https://pbx.example.com/api/v1/{}?api_action={}",
                info.file, info.name
            )),
            "{so}"
        );
        assert!(
            so.contains("api_key=REDACTED") && !so.contains("sekrit"),
            "{so}"
        );
        assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    }
    // `dialer import --dry-run`: the list's request, then one per row; nothing sent.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("l.csv");
    std::fs::write(&file, "phone_number\n8155551234\n8155551235\n").unwrap();
    let out = dlspbx()
        .args(["--dry-run", "dialer", "import"])
        .arg(&file)
        .args(["--contact-list", "L"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches("POST ").count(), 3, "{}", stdout(&out));
}

/// `--fields a,b` keeps only those fields of the response's records, in every output; a name
/// the response has not is exit 1 listing those it has, and a report is told to use --column.
#[test]
fn fields_keep_only_the_named_record_fields() {
    let run = |args: &[&str]| dlspbx().arg("--quiet").args(args).output().unwrap();
    let out = run(&["status", "users", "--fields", "ext,status", "-o", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let so = stdout(&out);
    assert!(so.starts_with("ext,status\n100,"), "{so}");
    let out = run(&["status", "users", "--fields", "ext", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    for user in v["users"].as_array().unwrap() {
        assert_eq!(
            user.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["ext"]
        );
    }
    let out = run(&[
        "sms",
        "query-sms",
        "--all",
        "--fields",
        "message_id",
        "-o",
        "jsonl",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .lines()
            .all(|l| l.starts_with("{\"message_id\":") && l.matches(':').count() == 1),
        "{}",
        stdout(&out)
    );
    let out = run(&["status", "users", "--fields", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "--fields nope: status.users has no field `nope`; its fields are users, ext,"
        ),
        "{}",
        stderr(&out)
    );
    let out = run(&["report", "--column", "date", "--fields", "date"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("choose them with --column"),
        "{}",
        stderr(&out)
    );
}

/// `--jq EXPR` filters the response's JSON as `gh --jq` does: a line per result, strings as
/// text; `decode` takes it too. A filter that does not parse or names an unknown filter is
/// exit 1 saying where and what. Streams (`--all`, `-o jsonl`) are filtered row by row.
#[test]
fn jq_filters_the_response() {
    let run = |args: &[&str]| dlspbx().arg("--quiet").args(args).output().unwrap();
    let out = run(&["status", "users", "--jq", ".users[] | .ext"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("100\n630\n"), "{}", stdout(&out));
    let out = run(&["status", "users", "--jq", ".users[0] | {ext, port}"]);
    assert_eq!(stdout(&out), "{\"ext\":\"100\",\"port\":5060}\n");
    let out = run(&[
        "report",
        "--column",
        "date",
        "--per-page",
        "2",
        "--jq",
        ".results | length",
    ]);
    assert_eq!(stdout(&out), "2\n", "{}", stderr(&out));
    let body = fixtures().join("status.queues/response.json");
    let out = dlspbx()
        .args(["decode", "status.queues", "--jq", ".queues | keys | length"])
        .arg(&body)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).trim().parse::<u32>().is_ok(),
        "{}",
        stdout(&out)
    );
    let out = run(&["status", "users", "--jq", ".users["]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--jq .users[: expected closing bracket at the end"),
        "{}",
        stderr(&out)
    );
    let out = run(&["status", "users", "--jq", "nosuch"]);
    assert!(
        stderr(&out).contains("unknown filter `nosuch`"),
        "{}",
        stderr(&out)
    );
    // --output csv, table or yaml cannot hold the filter's results.
    let out = run(&["status", "users", "-o", "csv", "--jq", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--output csv cannot apply"),
        "{}",
        stderr(&out)
    );
    // --raw writes the body as it came: nothing to filter, so not silently ignored.
    for args in [
        &["status", "users", "--raw", "--jq", "."][..],
        &["report", "--column", "date", "--all", "--raw", "--jq", "."],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--jq filters the decoded response"),
            "{}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    }
}

/// `--jq` on a stream sees one row at a time: `report --all`, a report page and `decode` with
/// `-o jsonl`, `sms query-sms --all`, and `-o jsonl` of a list; a filter failing midway exits
/// 1 naming the filter, and `--out` is left unwritten.
#[test]
fn jq_filters_streams_row_by_row() {
    let run = |args: &[&str]| dlspbx().arg("--quiet").args(args).output().unwrap();
    // Every row of the export, one line each, in the order of the rows.
    let all = run(&["report", "--column", "unique_id", "--all", "-o", "jsonl"]);
    assert!(all.status.success(), "{}", stderr(&all));
    let ids: Vec<String> = stdout(&all)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["unique_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(ids.len() > 100, "{}", ids.len());
    let out = run(&[
        "report",
        "--column",
        "unique_id",
        "--all",
        "--jq",
        ".unique_id",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), ids.join("\n") + "\n");
    // A filter that selects: only some rows come out.
    let out = run(&[
        "report",
        "--column",
        "unique_id,direction",
        "--all",
        "--jq",
        "select(.direction == \"inbound\") | .unique_id",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let inbound = stdout(&out).lines().count();
    assert!(
        inbound > 0 && inbound < ids.len(),
        "{inbound} of {}",
        ids.len()
    );
    // One page with -o jsonl, and the same rows decoded from a saved body.
    let page = run(&[
        "report",
        "--column",
        "unique_id",
        "--per-page",
        "3",
        "-o",
        "jsonl",
        "--jq",
        ".unique_id",
    ]);
    assert_eq!(
        stdout(&page),
        ids[..3].join("\n") + "\n",
        "{}",
        stderr(&page)
    );
    let body = run(&[
        "report",
        "--column",
        "unique_id",
        "--per-page",
        "3",
        "--raw",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("page.json");
    std::fs::write(&saved, &body.stdout).unwrap();
    let out = dlspbx()
        .args([
            "decode",
            "reports.report",
            "-o",
            "jsonl",
            "--jq",
            ".unique_id",
        ])
        .arg(&saved)
        .output()
        .unwrap();
    assert_eq!(stdout(&out), stdout(&page), "{}", stderr(&out));
    // Every SMS page, a line per record.
    let out = run(&["sms", "query-sms", "--all", "--jq", ".message_id"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).lines().count() > 1, "{}", stdout(&out));
    assert!(
        stdout(&out)
            .lines()
            .all(|l| !l.is_empty() && !l.starts_with('{')),
        "{}",
        stdout(&out)
    );
    // -o jsonl of a list: the filter sees each user.
    let out = run(&["status", "users", "-o", "jsonl", "--jq", ".ext"]);
    assert!(stdout(&out).starts_with("100\n630\n"), "{}", stdout(&out));
    // A filter failing on a row midway: exit 1, naming the filter; --out PATH not written.
    let path = dir.path().join("ids.txt");
    let out = dlspbx()
        .args([
            "--quiet",
            "report",
            "--column",
            "unique_id",
            "--all",
            "--jq",
        ])
        .arg("if .unique_id == \"".to_owned() + &ids[5] + "\" then error(\"bad row\") else . end")
        .arg("--out")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--jq if .unique_id"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("bad row"), "{}", stderr(&out));
    assert!(!path.exists());
}
