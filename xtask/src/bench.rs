//! `cargo xtask bench [--full]`: runs the criterion benches of `benches/` in quick mode and
//! writes `target/bench-summary.md` from criterion's `target/criterion/**/new/*.json`.
//!
//! `--full` adds the 1M-row reports (`DLSPBX_BENCH_FULL=1`). Only results written by this run
//! are summarised. The summary has a table per bench group (the bytes each iteration reads or
//! writes, median time, MB/s with MB = 10^6 bytes, and the speedup of ours over each baseline
//! measured in the same run), the performance targets of issue 6 with the measured values, and
//! the streaming export's peak RSS when `target/export-rss.txt` exists.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::SystemTime;

/// One benchmark's result.
#[derive(Debug, Clone)]
struct Result {
    group: String,
    function: String,
    /// The parameter (`1000`, `json`), empty when there is none.
    param: String,
    /// Bytes per iteration, when the bench declared a throughput.
    bytes: Option<f64>,
    /// Median time per iteration, in nanoseconds.
    median_ns: f64,
}

impl Result {
    fn mb_per_s(&self) -> Option<f64> {
        self.bytes.map(|b| b * 1_000.0 / self.median_ns)
    }
    fn is_ours(&self) -> bool {
        self.function.starts_with("ours")
    }
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

pub fn run(root: &Path, full: bool) -> ExitCode {
    let target = target_dir(root);
    let started = SystemTime::now();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root).args([
        "bench",
        "-p",
        "dlspbx-benches",
        "--benches",
        "--",
        "--quick",
    ]);
    if full {
        cmd.env("DLSPBX_BENCH_FULL", "1");
    }
    eprintln!(
        "running: cargo bench -p dlspbx-benches --benches -- --quick{}",
        if full { " (with 1M rows)" } else { "" }
    );
    match cmd.status() {
        Ok(s) if s.success() => {}
        Ok(s) => {
            eprintln!("error: the benches failed ({s})");
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("error: could not run cargo: {e}");
            return ExitCode::from(1);
        }
    }
    let results = collect(&target.join("criterion"), started);
    if results.is_empty() {
        eprintln!(
            "error: no criterion results found under {}",
            target.join("criterion").display()
        );
        return ExitCode::from(1);
    }
    let rss = std::fs::read_to_string(target.join("export-rss.txt")).ok();
    let summary = render(&results, rss.as_deref(), full);
    let out = target.join("bench-summary.md");
    if let Err(e) = std::fs::write(&out, &summary) {
        eprintln!("error: could not write {}: {e}", out.display());
        return ExitCode::from(1);
    }
    println!("{summary}");
    eprintln!("wrote {}", out.display());
    ExitCode::SUCCESS
}

/// Every `new/benchmark.json` under `dir` written at or after `since`, with its estimates.
fn collect(dir: &Path, since: SystemTime) -> Vec<Result> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "benchmark.json")
                && path
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == "new")
            {
                let fresh = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t >= since);
                if fresh && let Some(r) = read_result(&path) {
                    found.push(r);
                }
            }
        }
    }
    found
}

fn read_result(benchmark_json: &Path) -> Option<Result> {
    let bench = std::fs::read_to_string(benchmark_json).ok()?;
    let estimates =
        std::fs::read_to_string(benchmark_json.with_file_name("estimates.json")).ok()?;
    let median = &estimates[estimates.find("\"median\"")?..];
    Some(Result {
        group: json_str(&bench, "group_id")?,
        function: json_str(&bench, "function_id").unwrap_or_default(),
        param: json_str(&bench, "value_str").unwrap_or_default(),
        bytes: bench
            .find("\"Bytes\"")
            .and_then(|i| json_num(&bench[i..], "Bytes")),
        median_ns: json_num(median, "point_estimate")?,
    })
}

/// The raw text after `"key":`, trimmed.
fn json_value<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":");
    let at = json.find(&pat)? + pat.len();
    Some(json[at..].trim_start())
}

/// A string field (criterion's names hold no escapes worth decoding but `\"` and `\\`).
fn json_str(json: &str, key: &str) -> Option<String> {
    let v = json_value(json, key)?.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.push(chars.next()?),
            c => out.push(c),
        }
    }
    None
}

fn json_num(json: &str, key: &str) -> Option<f64> {
    let v = json_value(json, key)?;
    let end = v
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(v.len());
    v[..end].parse().ok()
}

fn fmt_time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

fn group_rank(group: &str) -> (usize, &str) {
    const ORDER: [&str; 6] = [
        "report_json",
        "report_xml",
        "report_yaml",
        "report_csv",
        "status_",
        "form_",
    ];
    (
        ORDER
            .iter()
            .position(|p| group.starts_with(p))
            .unwrap_or(ORDER.len()),
        group,
    )
}

fn param_key(p: &str) -> (u64, String) {
    (p.parse().unwrap_or(u64::MAX), p.to_owned())
}

/// One performance target of issue 6.
struct Target {
    what: &'static str,
    group: &'static str,
    ours: &'static str,
    baseline: &'static str,
    min_ratio: f64,
    min_mb_s: Option<f64>,
}

const TARGETS: &[Target] = &[
    Target {
        what: "JSON report",
        group: "report_json",
        ours: "ours",
        baseline: "serde_json_owned",
        min_ratio: 3.0,
        min_mb_s: Some(1000.0),
    },
    Target {
        what: "XML report",
        group: "report_xml",
        ours: "ours",
        baseline: "quick_xml_serde_owned",
        min_ratio: 3.0,
        min_mb_s: Some(450.0),
    },
    Target {
        what: "CSV report",
        group: "report_csv",
        ours: "ours",
        baseline: "csv_string_record",
        min_ratio: 1.5,
        min_mb_s: Some(2000.0),
    },
    Target {
        what: "YAML report",
        group: "report_yaml",
        ours: "ours",
        baseline: "serde_yaml_owned",
        min_ratio: 1.5,
        min_mb_s: None,
    },
    Target {
        what: "Form encoding (form::encode_record)",
        group: "form_encode",
        ours: "ours",
        baseline: "serde_qs",
        min_ratio: 2.0,
        min_mb_s: None,
    },
];

fn render(results: &[Result], rss: Option<&str>, full: bool) -> String {
    let mut groups: BTreeMap<(usize, &str), Vec<&Result>> = BTreeMap::new();
    for r in results {
        groups.entry(group_rank(&r.group)).or_default().push(r);
    }
    let find = |group: &str, function: &str, param: &str| {
        results
            .iter()
            .find(|r| r.group == group && r.function == function && r.param == param)
    };
    let mut out = String::new();
    let _ = writeln!(out, "# Bench summary\n");
    let _ = writeln!(
        out,
        "`cargo xtask bench{}`: criterion in quick mode, medians; MB/s with MB = 10^6 bytes; \
         \"speedup\" is the baseline's median over ours, from the same run.\n",
        if full { " --full" } else { "" }
    );
    let _ = writeln!(out, "## Targets\n");
    let _ = writeln!(
        out,
        "| target | size | ours MB/s | speedup | wanted | met |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---|---|");
    for t in TARGETS {
        let mut params: Vec<&str> = results
            .iter()
            .filter(|r| r.group == t.group && r.function == t.ours)
            .map(|r| r.param.as_str())
            .collect();
        params.sort_by_key(|p| param_key(p));
        for p in params {
            let (Some(ours), Some(base)) = (find(t.group, t.ours, p), find(t.group, t.baseline, p))
            else {
                continue;
            };
            let ratio = base.median_ns / ours.median_ns;
            let mb = ours.mb_per_s();
            let ok =
                ratio >= t.min_ratio && t.min_mb_s.is_none_or(|min| mb.is_some_and(|m| m >= min));
            let wanted = match t.min_mb_s {
                Some(min) => format!("≥{}x {} and ≥{min} MB/s", t.min_ratio, t.baseline),
                None => format!("≥{}x {}", t.min_ratio, t.baseline),
            };
            let _ = writeln!(
                out,
                "| {} | {p} | {} | {ratio:.2}x | {wanted} | {} |",
                t.what,
                mb.map_or("-".into(), |m| format!("{m:.0}")),
                if ok { "yes" } else { "**no**" }
            );
        }
    }
    for ((_, group), mut rows) in groups {
        rows.sort_by(|a, b| {
            (param_key(&a.param), !a.is_ours(), &a.function).cmp(&(
                param_key(&b.param),
                !b.is_ours(),
                &b.function,
            ))
        });
        let _ = writeln!(out, "\n## {group}\n");
        let _ = writeln!(
            out,
            "| bench | input | bytes | median | MB/s | speedup of ours over the baselines |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---|");
        for r in &rows {
            let speedups = if r.is_ours() {
                rows.iter()
                    .filter(|b| !b.is_ours() && b.param == r.param)
                    .map(|b| format!("{:.2}x {}", b.median_ns / r.median_ns, b.function))
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                r.function,
                r.param,
                r.bytes.map_or("-".into(), |b| format!("{b:.0}")),
                fmt_time(r.median_ns),
                r.mb_per_s().map_or("-".into(), |m| format!("{m:.0}")),
                speedups
            );
        }
    }
    let _ = writeln!(out, "\n## Streaming export\n");
    match rss {
        Some(text) => {
            let _ = writeln!(out, "{}", text.trim_end());
        }
        None => {
            let _ = writeln!(
                out,
                "(no `target/export-rss.txt`: the streaming export's peak RSS was not measured)"
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_json() {
        let bench = r#"{"group_id":"report_json","function_id":"ours","value_str":"1000","throughput":{"Bytes":495121},"full_id":"report_json/ours/1000"}"#;
        assert_eq!(json_str(bench, "group_id").as_deref(), Some("report_json"));
        assert_eq!(json_str(bench, "value_str").as_deref(), Some("1000"));
        assert_eq!(
            json_num(&bench[bench.find("\"Bytes\"").unwrap()..], "Bytes"),
            Some(495121.0)
        );
        let est = r#"{"mean":{"point_estimate":2.0},"median":{"confidence_interval":{"lower_bound":1.0},"point_estimate":1540668.5,"standard_error":1.0}}"#;
        let median = &est[est.find("\"median\"").unwrap()..];
        assert_eq!(json_num(median, "point_estimate"), Some(1540668.5));
        assert_eq!(json_str(r#"{"value_str":null}"#, "value_str"), None);
    }

    #[test]
    fn renders_targets_and_speedups() {
        let r = |function: &str, ns: f64| Result {
            group: "report_json".into(),
            function: function.into(),
            param: "1000".into(),
            bytes: Some(1_000_000.0),
            median_ns: ns,
        };
        let text = render(
            &[r("ours", 500_000.0), r("serde_json_owned", 2_000_000.0)],
            Some("peak RSS 20 MB"),
            false,
        );
        assert!(
            text.contains("| JSON report | 1000 | 2000 | 4.00x |"),
            "{text}"
        );
        assert!(text.contains("| yes |"), "{text}");
        assert!(text.contains("4.00x serde_json_owned"), "{text}");
        assert!(
            text.contains("| ours | 1000 | 1000000 | 500.00 µs | 2000 |"),
            "{text}"
        );
        assert!(text.contains("peak RSS 20 MB"), "{text}");
    }
}
