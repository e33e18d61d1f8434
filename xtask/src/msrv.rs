//! `cargo xtask msrv`: the declared `rust-version` (one value, in `[workspace.package]`) is at
//! least what the code and every dependency of the published crates need (issue 9).
//!
//! Only one toolchain can be installed here, so the check does not build with an old compiler.
//! It checks what can be known without one:
//!
//! - every publishable package inherits the workspace's `rust-version`;
//! - the `rust-version` of every crate the published crates depend on (normal and build
//!   dependencies, every optional one and every platform, from `cargo metadata
//!   --all-features` and `Cargo.lock`) is at most the declared one;
//! - the language the code uses: edition 2024 (1.85) and `if let` chains (1.88).
//!
//! Newer standard-library APIs are caught by clippy's `incompatible_msrv` lint, which reads the
//! same `rust-version` and runs in `.ci/run` (`cargo clippy -- -D warnings`).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::process::{Command, ExitCode};

/// What the code itself needs, and why.
const LANGUAGE: [((u32, u32), &str); 2] = [
    ((1, 85), "edition 2024"),
    ((1, 88), "`if let` chains (let_chains)"),
];

fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().unwrap_or("0").parse().ok()?;
    Some((major, minor))
}

fn show((major, minor): (u32, u32)) -> String {
    format!("{major}.{minor}")
}

pub fn run(root: &Path) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--all-features",
            "--locked",
        ])
        .output();
    let metadata: Value = match output {
        Ok(o) if o.status.success() => match serde_json::from_slice(&o.stdout) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("error: cargo metadata: {e}");
                return ExitCode::from(2);
            }
        },
        Ok(o) => {
            eprintln!(
                "error: cargo metadata failed:\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return ExitCode::from(2);
        }
    };
    match check(&metadata) {
        Ok(report) => {
            eprint!("{report}");
            ExitCode::SUCCESS
        }
        Err(report) => {
            eprint!("{report}");
            ExitCode::from(1)
        }
    }
}

/// The report, `Err` when the declared `rust-version` is too low or not declared everywhere.
fn check(metadata: &Value) -> Result<String, String> {
    let empty = Vec::new();
    let packages = metadata["packages"].as_array().unwrap_or(&empty);
    let by_id: BTreeMap<&str, &Value> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // `publish = false` is `"publish": []`.
    let publishable: Vec<&str> = members
        .iter()
        .copied()
        .filter(|id| {
            by_id
                .get(id)
                .is_some_and(|p| p["publish"].as_array().is_none_or(|a| !a.is_empty()))
        })
        .collect();

    let mut report = String::new();
    let mut ok = true;
    let mut declared: Option<(u32, u32)> = None;
    for id in &publishable {
        let p = by_id[id];
        let name = p["name"].as_str().unwrap_or("?");
        match p["rust_version"].as_str().and_then(parse_version) {
            None => {
                ok = false;
                report.push_str(&format!("error: {name} declares no rust-version\n"));
            }
            Some(v) if declared.is_some_and(|d| d != v) => {
                ok = false;
                report.push_str(&format!(
                    "error: {name} declares rust-version {}, others {}\n",
                    show(v),
                    show(declared.unwrap())
                ));
            }
            Some(v) => declared = Some(v),
        }
    }
    let Some(declared) = declared else {
        return Err(format!(
            "{report}error: no publishable package declares a rust-version\n"
        ));
    };

    // Normal and build dependencies of the publishable packages, transitively.
    let nodes: BTreeMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut queue: VecDeque<&str> = publishable.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id) {
            continue;
        }
        let Some(node) = nodes.get(id) else { continue };
        for dep in node["deps"].as_array().unwrap_or(&empty) {
            let runtime = dep["dep_kinds"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if runtime && let Some(d) = dep["pkg"].as_str() {
                queue.push_back(d);
            }
        }
    }
    let mut needs: BTreeMap<(u32, u32), Vec<String>> = BTreeMap::new();
    let mut dependencies = 0;
    for id in &seen {
        if members.contains(id) {
            continue;
        }
        dependencies += 1;
        let Some(p) = by_id.get(id) else { continue };
        if let Some(v) = p["rust_version"].as_str().and_then(parse_version) {
            needs.entry(v).or_default().push(format!(
                "{} {}",
                p["name"].as_str().unwrap_or("?"),
                p["version"].as_str().unwrap_or("")
            ));
        }
    }
    let (dep_max, dep_names) = needs
        .iter()
        .next_back()
        .map(|(v, n)| (*v, n.join(", ")))
        .unwrap_or(((1, 0), String::new()));
    let (lang_max, lang_why) = LANGUAGE
        .iter()
        .max_by_key(|(v, _)| *v)
        .copied()
        .unwrap_or(((1, 0), ""));

    report.push_str(&format!(
        "declared rust-version: {} ({} publishable packages)\n",
        show(declared),
        publishable.len()
    ));
    report.push_str(&format!(
        "dependencies: {dependencies} crates (normal and build, all features and platforms); the highest rust-version is {} ({dep_names})\n",
        show(dep_max)
    ));
    report.push_str(&format!("language: {} ({lang_why})\n", show(lang_max)));
    let needed = dep_max.max(lang_max);
    if declared < needed {
        ok = false;
        report.push_str(&format!(
            "error: rust-version {} is lower than the {} the code and its dependencies need; raise it in [workspace.package]\n",
            show(declared),
            show(needed)
        ));
    } else {
        report.push_str(&format!("ok: {} >= {}\n", show(declared), show(needed)));
    }
    if ok { Ok(report) } else { Err(report) }
}
