//! Every subcommand against the embedded simulator (no connection flags at all).

use crate::{dlspbx, stderr, stdout};
use predicates::prelude::*;

/// Arguments that make each action succeed against a freshly seeded simulator.
fn sample_args(module: &str, action: &str) -> Option<Vec<&'static str>> {
    Some(match (module, action) {
        ("example", "test") => vec![],
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
            vec!["--phone-number", "1122332866", "--tenant-id", "0"]
        }
        ("status", _) | ("subscribers", "query_lists") => vec![],
        _ => return None,
    })
}

fn kebab(s: &str) -> String {
    s.replace('_', "-")
}

#[test]
fn every_action_runs_against_the_embedded_simulator_in_json_and_table() {
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
            se.contains("dlspbx: no --url/DLSPBX_URL given; using the embedded simulator at http://127.0.0.1:"),
            "{}.{}: {se}",
            info.module,
            info.name
        );
        let v: serde_json::Value = serde_json::from_str(&so)
            .unwrap_or_else(|e| panic!("{}.{}: not JSON ({e}):\n{so}", info.module, info.name));
        assert!(v.is_object(), "{}.{}: {so}", info.module, info.name);
        // Every non-optional response field is there (the report's header fields included).
        for r in info.response {
            if !r.optional && r.ty != "report_rows" && r.name != "error" {
                assert!(
                    v.get(r.name).is_some(),
                    "{}.{}: no `{}` in\n{so}",
                    info.module,
                    info.name,
                    r.name
                );
            }
        }
        // The table view and the other outputs work too.
        for output in ["table", "yaml", "csv", "jsonl"] {
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
            assert!(
                !out.stdout.is_empty(),
                "{}.{} -o {output}: empty output",
                info.module,
                info.name
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
    let out = dlspbx()
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
