//! `cargo xtask features [--quick]`: every feature combination of the public crates builds
//! without warnings and passes its tests (issue 9).
//!
//! - `dlspbx-core`: every subset of the format features (`json`, `xml`, `yaml`, `csv`, 16
//!   builds): `cargo test --lib` (builds the library and its unit tests, which adapt to the
//!   formats compiled in) and `cargo check --lib` with no default features.
//! - `dlspbx-runtime`, `dlspbx` and `dlspbx-async`: no features, each feature alone (and the blocking client
//!   with `native-tls`), the defaults and all features: `cargo check --lib` (only that
//!   crate's own features, so a missing `#[cfg]` shows), then the unit tests and (for the
//!   two clients) the TLS test (`tests/tls.rs`), which run against the simulator's dev-dependency and so with its
//!   formats unified in.
//!
//! - `dlspbx-sync`: every subset of its sinks (`sqlite`, `postgres`): `cargo check --lib`.
//!
//! `--quick` checks the same combinations and runs the tests only with no features, the
//! defaults and all features. A warning in any build fails the run, as in
//! `cargo clippy -- -D warnings`, without a `RUSTFLAGS` that would rebuild every dependency.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

const CORE_FORMATS: [&str; 4] = ["json", "xml", "yaml", "csv"];
const DLSPBX_FEATURES: [&str; 10] = [
    "blocking",
    "json",
    "xml",
    "yaml",
    "csv",
    "rustls",
    "native-tls",
    "gzip",
    "config-file",
    "macros",
];
const SYNC_FEATURES: [&str; 2] = ["sqlite", "postgres"];
const RUNTIME_FEATURES: [&str; 5] = ["json", "xml", "yaml", "csv", "config-file"];
const ASYNC_FEATURES: [&str; 7] = [
    "json",
    "xml",
    "yaml",
    "csv",
    "rustls",
    "native-tls",
    "config-file",
];

/// One feature selection: `None` for the defaults, else exactly these features.
type Selection = Option<Vec<&'static str>>;

fn describe(selection: &Selection) -> String {
    match selection {
        None => "default features".into(),
        Some(f) if f.is_empty() => "no features".into(),
        Some(f) => f.join(","),
    }
}

fn feature_args(selection: &Selection) -> Vec<String> {
    match selection {
        None => Vec::new(),
        Some(f) => vec![
            "--no-default-features".into(),
            "--features".into(),
            f.join(","),
        ],
    }
}

struct Run<'a> {
    root: &'a Path,
    failures: Vec<String>,
    steps: usize,
}

impl Run<'_> {
    /// Runs `cargo <args>`, echoing its output; fails on a non-zero exit or any warning.
    fn cargo(&mut self, args: &[String]) {
        self.steps += 1;
        let shown = format!("cargo {}", args.join(" "));
        eprintln!("==> {shown}");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let output = Command::new(cargo)
            .current_dir(self.root)
            .args(args)
            .env("CARGO_TERM_COLOR", "never")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output();
        let output = match output {
            Ok(o) => o,
            Err(e) => {
                self.failures
                    .push(format!("{shown}: cannot run cargo: {e}"));
                return;
            }
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let warnings = stderr.lines().filter(|l| l.starts_with("warning")).count();
        let quiet = output.status.success() && warnings == 0;
        if quiet {
            // Only the test summaries.
            for line in stdout.lines().filter(|l| l.starts_with("test result:")) {
                eprintln!("    {line}");
            }
        } else {
            eprint!("{stderr}");
            eprint!("{stdout}");
        }
        if !output.status.success() {
            self.failures.push(format!("{shown}: {}", output.status));
        } else if warnings > 0 {
            self.failures
                .push(format!("{shown}: {warnings} warning line(s)"));
        }
    }
}

/// Every subset of `items`, smallest first.
fn powerset(items: &[&'static str]) -> Vec<Vec<&'static str>> {
    let mut sets: Vec<Vec<&'static str>> = (0..1u32 << items.len())
        .map(|mask| {
            items
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, f)| *f)
                .collect()
        })
        .collect();
    sets.sort_by_key(Vec::len);
    sets
}

/// No features, each one alone, then `extra`, the defaults, all of them.
fn each_feature(features: &[&'static str], extra: &[&[&'static str]]) -> Vec<Selection> {
    let mut out = vec![Some(Vec::new())];
    out.extend(features.iter().map(|f| Some(vec![*f])));
    out.extend(extra.iter().map(|e| Some(e.to_vec())));
    out.push(None);
    out.push(Some(features.to_vec()));
    out
}

pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let quick = match args {
        [] => false,
        ["--quick"] => true,
        _ => {
            eprintln!("usage: cargo xtask features [--quick]");
            return ExitCode::from(1);
        }
    };
    let started = Instant::now();
    let mut run = Run {
        root,
        failures: Vec::new(),
        steps: 0,
    };
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<String>>();

    for set in powerset(&CORE_FORMATS) {
        let selection = Some(set.clone());
        let test_it = !quick || set.is_empty() || set.len() == CORE_FORMATS.len();
        eprintln!("--- dlspbx-core: {}", describe(&selection));
        let mut args = s(&["check", "-p", "dlspbx-core", "--lib"]);
        args.extend(feature_args(&selection));
        run.cargo(&args);
        if test_it {
            let mut args = s(&["test", "-p", "dlspbx-core", "--lib"]);
            args.extend(feature_args(&selection));
            run.cargo(&args);
        }
    }

    // The blocking client with the other TLS library (each feature alone has no client).
    let blocking_native: &[&[&str]] = &[&["blocking", "native-tls"]];
    for (krate, features, extra) in [
        ("dlspbx-runtime", &RUNTIME_FEATURES[..], &[][..]),
        ("dlspbx", &DLSPBX_FEATURES[..], blocking_native),
        ("dlspbx-async", &ASYNC_FEATURES[..], &[][..]),
    ] {
        for selection in each_feature(features, extra) {
            eprintln!("--- {krate}: {}", describe(&selection));
            let mut args = s(&["check", "-p", krate, "--lib"]);
            args.extend(feature_args(&selection));
            run.cargo(&args);
            let full = selection.is_none()
                || matches!(&selection, Some(f) if f.is_empty() || f.len() == features.len());
            if !quick || full {
                let mut args = s(&["test", "-p", krate, "--lib"]);
                if krate != "dlspbx-runtime" {
                    // The runtime has no transport, so no TLS test.
                    args.extend(s(&["--test", "tls"]));
                }
                args.extend(feature_args(&selection));
                run.cargo(&args);
            }
        }
    }

    // The sync's sinks: neither (the engine alone), each alone, both (the test suite runs
    // with both, through the CLI's dependency).
    for set in powerset(&SYNC_FEATURES) {
        let selection = Some(set);
        eprintln!("--- dlspbx-sync: {}", describe(&selection));
        let mut args = s(&["check", "-p", "dlspbx-sync", "--lib"]);
        args.extend(feature_args(&selection));
        run.cargo(&args);
    }

    let elapsed = started.elapsed().as_secs();
    if run.failures.is_empty() {
        eprintln!(
            "features: {} cargo runs passed in {}m{:02}s",
            run.steps,
            elapsed / 60,
            elapsed % 60
        );
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "features: {} of {} cargo runs failed ({}m{:02}s):",
            run.failures.len(),
            run.steps,
            elapsed / 60,
            elapsed % 60
        );
        for f in &run.failures {
            eprintln!("  {f}");
        }
        ExitCode::from(1)
    }
}
