//! `cargo xtask schemathesis [--max-examples N]`: [schemathesis](https://schemathesis.io)
//! driven by `docs/openapi.json` against a seeded standalone simulator (issue 16).
//!
//! - schemathesis is installed with pip into a virtual environment under
//!   `target/schemathesis/venv` (once; [`VERSION`] pins it), from PyPI;
//! - the simulator (`dlspbx sim serve`, the debug build) is seeded with 2,000 CDRs;
//! - the credentials are filled in from the document's own description: a hook
//!   (`schemathesis_hooks.py`) finds the properties marked `x-dlspbx-credential` in the
//!   document and sets them to the simulator's demo credentials in every generated body;
//! - every check runs (`--checks all`), in every phase, and each failure is counted by its
//!   code. The target: no server error and no response that violates its schema (codes
//!   ST1xx: server errors, undocumented status codes or content types, schema violations).
//!   The command fails when one of those is found; any other failure (for example ST201,
//!   "schema-violating request accepted": the API answers an invalid request with 200 and its
//!   error shape, as the PHP server does) is listed in the summary.
//!
//! The summary is printed and written to `target/schemathesis-summary.md`; schemathesis's own
//! output is in `target/schemathesis/run.log` and its JUnit report beside it. Not part of
//! `.ci/run` (it downloads schemathesis and takes minutes).

use crate::sim::start_sim;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode};

/// The schemathesis release this is written against.
const VERSION: &str = "4.32.5";

/// The hook that fills in the credentials (see the module docs).
const HOOKS: &str = include_str!("schemathesis_hooks.py");

pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let examples = match crate::sim::number_arg(
        args,
        "--max-examples",
        100,
        "cargo xtask schemathesis [--max-examples N]",
    ) {
        Ok(n) => n,
        Err(code) => return code,
    };
    match run_schemathesis(root, examples) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs `cmd`, failing with `what` when it cannot run or fails.
fn checked(cmd: &mut Command, what: &str) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("cannot {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Whether a failure code is what the target forbids: a server error or a response that does
/// not follow the document (ST1xx).
fn forbidden(code: &str) -> bool {
    code.starts_with("ST1")
}

fn run_schemathesis(root: &Path, examples: u32) -> Result<bool, String> {
    let dir = root.join("target/schemathesis");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let venv = dir.join("venv");
    let st = venv.join("bin/schemathesis");
    let installed = Command::new(&st)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(VERSION));
    if !installed {
        checked(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "create a Python virtual environment (python3 -m venv)",
        )?;
        checked(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet"])
                .arg(format!("schemathesis=={VERSION}")),
            "install schemathesis with pip",
        )?;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    checked(
        Command::new(cargo)
            .current_dir(root)
            .args(["build", "-p", "dlspbx-cli"]),
        "build the CLI",
    )?;
    let hooks = dir.join("schemathesis_hooks.py");
    std::fs::write(&hooks, HOOKS).map_err(|e| format!("{}: {e}", hooks.display()))?;
    let sim = start_sim(&root.join("target/debug/dlspbx"), &dir.join("sim.db"), 2000)?;
    let document = root.join("docs/openapi.json");
    let log = dir.join("run.log");
    let log_file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let calls = dir.join("calls.jsonl");
    let _ = std::fs::remove_file(&calls);
    let status = Command::new(&st)
        .current_dir(&dir)
        .env("DLSPBX_CALLS", &calls)
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .env("PYTHONPATH", &dir)
        .env("DLSPBX_OPENAPI", &document)
        .env("DLSPBX_API_USER", &sim.user)
        .env("DLSPBX_API_KEY", &sim.key)
        .arg("run")
        .arg(&document)
        .args([
            "--url",
            &sim.url,
            "--checks",
            "all",
            "--continue-on-failure",
        ])
        .args(["--max-examples", &examples.to_string()])
        .args(["--report", "junit", "--report-dir", "."])
        .args(["--no-color", "--seed", "1"])
        .stdout(log_file)
        .status()
        .map_err(|e| format!("cannot run schemathesis: {e}"))?;
    drop(sim);
    let text = std::fs::read_to_string(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let calls = std::fs::read_to_string(&calls).unwrap_or_default();
    let mut summary = summarise(&text, examples);
    summary.push_str(&answers(&calls));
    print!("{summary}");
    let path = root.join("target/schemathesis-summary.md");
    std::fs::write(&path, &summary).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!(
        "written to {} (schemathesis's output: {})",
        path.display(),
        log.display()
    );
    let failures = failures(&text);
    if failures.is_empty() && !status.success() {
        return Err(format!(
            "schemathesis failed ({status}) without listing a failure; see {}",
            log.display()
        ));
    }
    Ok(!failures.keys().any(|(code, _)| forbidden(code)))
}

/// The failures schemathesis's summary lists (`❌ ST201 Schema-violating request accepted: 6`),
/// by code and name, with their counts.
fn failures(text: &str) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    let Some(start) = text.find("Failures:") else {
        return out;
    };
    for line in text[start..].lines().skip(1) {
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        let Some(rest) = line.strip_prefix('❌').map(str::trim) else {
            continue;
        };
        let Some((label, count)) = rest.rsplit_once(": ") else {
            continue;
        };
        let (code, name) = label.split_once(' ').unwrap_or((label, ""));
        out.insert(
            (code.to_owned(), name.to_owned()),
            count.trim().parse().unwrap_or(0),
        );
    }
    out
}

/// What the server answered to the generated requests (the hook's `calls.jsonl`): by
/// generation mode, how many got `success` and which errors the others got, most frequent
/// first.
fn answers(calls: &str) -> String {
    let mut by_mode: BTreeMap<String, (u64, u64, BTreeMap<String, u64>)> = BTreeMap::new();
    for line in calls.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let mode = v["mode"].as_str().unwrap_or("unknown").to_owned();
        let entry = by_mode.entry(mode).or_default();
        entry.0 += 1;
        if v["result"] == "success" {
            entry.1 += 1;
        } else {
            let why = match v["error"].as_str() {
                // The first words say which check refused it.
                Some(e) => e.split(": ").next().unwrap_or(e).chars().take(60).collect(),
                None => format!("status {} without a JSON answer", v["status"]),
            };
            *entry.2.entry(why).or_default() += 1;
        }
    }
    let mut out = String::from("\nAnswers to the generated requests:\n\n");
    for (mode, (all, ok, errors)) in &by_mode {
        out.push_str(&format!(
            "- {mode}: {all} requests, {ok} answered `success`"
        ));
        let mut errors: Vec<_> = errors.iter().collect();
        errors.sort_by(|a, b| b.1.cmp(a.1));
        let top: Vec<String> = errors
            .iter()
            .take(6)
            .map(|(why, n)| format!("{n} `{why}`"))
            .collect();
        if !top.is_empty() {
            out.push_str(&format!(
                "; errors, most frequent first: {}",
                top.join(", ")
            ));
        }
        out.push('\n');
    }
    out
}

/// The summary table: test cases, and each failure with whether the target allows it.
fn summarise(text: &str, examples: u32) -> String {
    let cases = text
        .lines()
        .find(|l| l.contains(" generated"))
        .map(str::trim)
        .unwrap_or("(no test-case count in the output)");
    let mut out = format!(
        "schemathesis {VERSION} against the seeded simulator, docs/openapi.json, --checks all, \
         --max-examples {examples}\n\ntest cases: {cases}\n\n"
    );
    let failures = failures(text);
    if failures.is_empty() {
        out.push_str("no failures\n");
        return out;
    }
    out.push_str("| code | failure | count | target |\n|---|---|---:|---|\n");
    for ((code, name), n) in &failures {
        let verdict = if forbidden(code) {
            "MISSED (server error or response-schema violation)"
        } else {
            "allowed (listed)"
        };
        out.push_str(&format!("| {code} | {name} | {n} | {verdict} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_read_from_the_summary() {
        let text = "Failures:\n  ❌ ST201 Schema-violating request accepted: 6\n  ❌ ST101 Server error: 2\n\nTest cases:\n  90 generated, 6 found 6 unique failures\n";
        let f = failures(text);
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[&("ST201".into(), "Schema-violating request accepted".into())],
            6
        );
        assert!(forbidden("ST101") && !forbidden("ST201"));
        assert!(summarise(text, 5).contains("| ST101 | Server error | 2 | MISSED"));
    }
}
