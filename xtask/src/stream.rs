//! `cargo xtask stream [--cdrs N]`: the streaming targets of the CLI (issue 15), measured with
//! `/usr/bin/time -v` on the release binary, in one run, beside `jq` when it is installed.
//!
//! A standalone simulator (`dlspbx sim serve`, its own process, so that its memory is not
//! counted) is seeded with N CDRs (default 200,000). Then:
//! - **network**: `report --all -o csv` and one large page (`--per-page N -o csv`) from it:
//!   target peak memory at most 64 MiB each;
//! - **decode**: the saved JSON body of every row (`report --all --raw`), decoded by
//!   `dlspbx decode reports.report FILE -o csv`: target peak memory at most the body's size
//!   plus 64 MiB, and at least 300 MB/s;
//! - `jq -r '.results[] | @csv'` on the same body, for comparison.
//!
//! Wall-clock speed on a shared machine varies from run to run, so this is a measurement, not
//! a CI gate: the decode and jq are run [`RUNS`] times each, and the table gives the median
//! time (with the fastest and slowest) and the largest peak memory. It prints the table (also
//! written to `target/stream-summary.md`) with each target met or missed, and fails only when
//! a command fails.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use crate::sim::start_sim;

const MIB: u64 = 1024 * 1024;

/// Runs of the decode and of jq; the median time is reported.
const RUNS: usize = 5;

/// `cmd` run [`RUNS`] times: the median time, the range, and the largest peak memory.
fn measure_runs(cmd: &mut Command, out: &Path) -> Result<(Measured, String), String> {
    let mut runs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        runs.push(measure(cmd, out)?);
    }
    let peak = runs.iter().map(|m| m.peak).max().unwrap_or(0);
    runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let range = format!(
        "median of {RUNS}, {:.2}-{:.2} s",
        runs[0].seconds,
        runs[RUNS - 1].seconds
    );
    Ok((
        Measured {
            seconds: runs[RUNS / 2].seconds,
            peak,
        },
        range,
    ))
}

/// Every column of a report, from the spec: the widest rows, as in the issue's
/// 1,000,000-row measurement.
fn columns(root: &Path) -> Result<Vec<String>, String> {
    let spec = dlspbx_codegen::load_dir(&root.join("spec")).map_err(|e| e.to_string())?;
    Ok(spec
        .modules
        .iter()
        .flat_map(|m| m.columns.iter().map(|c| c.name.clone()))
        .collect())
}

/// One measured command.
pub struct Measured {
    /// Wall time.
    pub seconds: f64,
    /// Peak resident memory, in bytes.
    pub peak: u64,
}

/// Runs `cmd` under `/usr/bin/time -v` with stdout to `out`: wall time and peak RSS.
pub fn measure(cmd: &mut Command, out: &Path) -> Result<Measured, String> {
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(ToOwned::to_owned).collect();
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let started = Instant::now();
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(&program)
        .args(&args)
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdout(file)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run /usr/bin/time: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("{program:?} {args:?} failed:\n{stderr}"));
    }
    let peak = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|k| k.trim().parse::<u64>().ok())
        .ok_or_else(|| format!("no peak memory in /usr/bin/time's output:\n{stderr}"))?;
    Ok(Measured {
        seconds,
        peak: peak * 1024,
    })
}

/// Bytes as MiB, one decimal.
pub fn mib(bytes: u64) -> String {
    mb(bytes)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB as f64)
}

pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let cdrs =
        match crate::sim::number_arg(args, "--cdrs", 200_000, "cargo xtask stream [--cdrs N]") {
            Ok(n) => n,
            Err(code) => return code,
        };
    match measure_all(root, cdrs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn measure_all(root: &Path, cdrs: u64) -> Result<(), String> {
    if !Path::new("/usr/bin/time").exists() {
        return Err("/usr/bin/time is not installed (apt-get install time)".into());
    }
    let bin = crate::sim::build_release(root)?;
    let dir = root.join("target/stream");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let db = dir.join("sim.db");
    let columns = columns(root)?;
    let sim = start_sim(&bin, &db, cdrs)?;
    let cli = |extra: &[&str]| {
        let mut c = Command::new(&bin);
        c.args(["--url", &sim.url, "--api-user", &sim.user])
            .env("DLSPBX_API_KEY", &sim.key)
            .arg("report");
        for col in &columns {
            c.args(["--column", col]);
        }
        c.args(extra);
        c
    };
    let body = dir.join("report.json");
    measure(&mut cli(&["--all", "--raw", "--format", "json"]), &body)?;
    let body_size = std::fs::metadata(&body).map_err(|e| e.to_string())?.len();
    let csv = dir.join("report.csv");
    let all = measure(&mut cli(&["--all", "-o", "csv"]), &csv)?;
    let page = measure(
        &mut cli(&["--per-page", &cdrs.to_string(), "-o", "csv"]),
        &dir.join("page.csv"),
    )?;
    let mut decode_cmd = Command::new(&bin);
    decode_cmd
        .args(["decode", "reports.report", "-o", "csv"])
        .arg(&body);
    let (decode, decode_range) = measure_runs(&mut decode_cmd, &dir.join("decoded.csv"))?;
    let jq = if Command::new("jq").arg("--version").output().is_ok() {
        let mut c = Command::new("jq");
        c.args(["-r", ".results[] | @csv"]).arg(&body);
        Some(measure_runs(&mut c, &dir.join("jq.csv"))?)
    } else {
        None
    };
    drop(sim);

    let rows = std::fs::read_to_string(&csv)
        .map(|t| t.lines().count().saturating_sub(1))
        .unwrap_or(0);
    let rate = |m: &Measured| body_size as f64 / 1e6 / m.seconds;
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let mut table = format!(
        "Streaming measurements: {rows} rows x {} columns, JSON body {} ({cdrs} CDRs seeded)\n\n\
         | command | time | peak memory | throughput | target | |\n|---|---:|---:|---:|---|---|\n",
        columns.len(),
        mb(body_size)
    );
    let mut line = |name: &str, m: &Measured, target: &str, ok: Option<bool>| {
        table.push_str(&format!(
            "| {name} | {:.2} s | {} | {:.0} MB/s | {target} | {} |\n",
            m.seconds,
            mb(m.peak),
            rate(m),
            ok.map_or("", verdict)
        ));
    };
    line(
        "decode reports.report FILE -o csv",
        &decode,
        "≤ body + 64 MiB",
        Some(decode.peak <= body_size + 64 * MIB),
    );
    line(
        &format!("(same, throughput; {decode_range})"),
        &decode,
        "≥ 300 MB/s",
        Some(rate(&decode) >= 300.0),
    );
    line(
        "report --all -o csv (network)",
        &all,
        "≤ 64 MiB",
        Some(all.peak <= 64 * MIB),
    );
    line(
        "report --per-page N -o csv (network)",
        &page,
        "≤ 64 MiB",
        Some(page.peak <= 64 * MIB),
    );
    if let Some((jq, range)) = &jq {
        line(
            &format!("jq -r '.results[] | @csv' FILE ({range})"),
            jq,
            "(comparison)",
            None,
        );
    }
    print!("{table}");
    let summary: PathBuf = root.join("target/stream-summary.md");
    std::fs::write(&summary, &table).map_err(|e| format!("{}: {e}", summary.display()))?;
    eprintln!("written to {}", summary.display());
    Ok(())
}
