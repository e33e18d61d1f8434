//! `cargo xtask sync`: `dlspbx cdr sync` into SQLite and Postgres against a standalone
//! simulator with 1,000,000 CDRs (`--cdrs N`), beside the baseline a user would write by hand
//! in the same run: `report --all -o csv` into a staging table (`sqlite3 .import`, `psql
//! \copy`), then a typed `INSERT … ON CONFLICT` upsert into the same `cdrs` table.
//!
//! Each line gives the wall time, rows per second, the client's peak memory (`/usr/bin/time
//! -v`) and the simulator's share of the time (its CPU seconds, from `/proc/PID/stat`, over
//! the wall time). Postgres needs `DLSPBX_TEST_POSTGRES_URL` (`.ci/postgres start`), and
//! `psql`; without them its lines are left out, and say so. Writes
//! `target/sync-summary.md`.

use crate::sim::start_sim;
use crate::stream::{Measured, measure, mib};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

const UNTIL: &str = "2025-01-01";

pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let cdrs =
        match crate::sim::number_arg(args, "--cdrs", 1_000_000, "cargo xtask sync [--cdrs N]") {
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

/// The simulator's CPU seconds so far (user + system, from `/proc/PID/stat`).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}

/// Runs `cmd` measured (stdout to `out`) and records its line.
fn timed(
    lines: &mut Vec<Line>,
    pid: u32,
    name: &str,
    cmd: &mut Command,
    out: &Path,
) -> Result<Measured, String> {
    let before = cpu_seconds(pid);
    let m = measure(cmd, out)?;
    lines.push(Line {
        name: name.to_owned(),
        seconds: m.seconds,
        peak: Some(m.peak),
        sim_share: (cpu_seconds(pid) - before) / m.seconds,
    });
    Ok(m)
}

struct Line {
    name: String,
    seconds: f64,
    peak: Option<u64>,
    sim_share: f64,
}

fn sh(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", script]);
    c
}

fn run_ok(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// The `cdrs` table both paths fill, and the baseline's typed upsert from a text staging
/// table (`staging`, one text column per report column), in the dialect of `pg` or SQLite.
fn baseline_sql(columns: &[(String, String)], pg: bool) -> String {
    let typed = |name: &str, cell: &str| match (cell, pg) {
        ("int" | "duration", true) => format!("nullif({name}, '')::bigint"),
        ("int" | "duration", false) => format!("CAST(nullif({name}, '') AS INTEGER)"),
        ("yes_no", true) => format!("({name} = 'Yes')"),
        ("yes_no", false) => format!("({name} = 'Yes')"),
        ("datetime", true) => format!("(nullif({name}, '')::timestamp AT TIME ZONE 'UTC')"),
        ("datetime", false) => format!("replace({name}, ' ', 'T') || 'Z'"),
        ("list", true) => format!("string_to_array(nullif({name}, ''), ',')"),
        ("list", false) => format!(
            "CASE WHEN {name} = '' THEN NULL ELSE '[\"' || replace({name}, ',', '\",\"') || '\"]' END"
        ),
        _ => format!("nullif({name}, '')"),
    };
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let select: Vec<String> = columns.iter().map(|(n, c)| typed(n, c)).collect();
    let set: Vec<String> = names
        .iter()
        .filter(|n| **n != "unique_id")
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    format!(
        "INSERT INTO cdrs (source, {}) SELECT 'baseline', {} FROM staging WHERE true ON CONFLICT (source, unique_id) DO UPDATE SET {};",
        names.join(", "),
        select.join(", "),
        set.join(", ")
    )
}

fn measure_all(root: &Path, cdrs: u64) -> Result<(), String> {
    if !Path::new("/usr/bin/time").exists() {
        return Err("/usr/bin/time is not installed (apt-get install time)".into());
    }
    let bin = crate::sim::build_release(root)?;
    let dir = root.join("target/sync");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let spec = dlspbx_codegen::load_dir(&root.join("spec")).map_err(|e| e.to_string())?;
    let columns: Vec<(String, String)> = spec
        .modules
        .iter()
        .flat_map(|m| m.columns.iter())
        .map(|c| (c.name.clone(), c.cell.as_str().to_owned()))
        .collect();
    let sim_db = root
        .join("target/stream")
        .join(format!("sync-sim-{cdrs}.db"));
    std::fs::create_dir_all(root.join("target/stream")).map_err(|e| e.to_string())?;
    eprintln!("seeding {cdrs} CDRs (once; kept in {})", sim_db.display());
    let sim = start_sim(&bin, &sim_db, cdrs)?;
    let pid = sim.pid();
    let pg = std::env::var("DLSPBX_TEST_POSTGRES_URL")
        .ok()
        .filter(|_| Command::new("psql").arg("--version").output().is_ok());
    let mut lines: Vec<Line> = Vec::new();
    let cli = || {
        let mut c = Command::new(&bin);
        c.args(["--url", &sim.url, "--api-user", &sim.user])
            .env("DLSPBX_API_KEY", &sim.key);
        c
    };
    // The simulator's own rate: every column, every row, as CSV.
    let csv = dir.join("report.csv");
    let mut export = cli();
    export.args([
        "report",
        "--timezone",
        "UTC",
        "--to",
        "2025-01-01 00:00:00",
        "--all",
        "-o",
        "csv",
    ]);
    for (c, _) in &columns {
        export.args(["--column", c]);
    }
    let export_m = timed(
        &mut lines,
        pid,
        "report --all -o csv (the simulator's rate)",
        &mut export,
        &csv,
    )?;
    let rows = std::fs::read_to_string(&csv)
        .map(|t| t.lines().count().saturating_sub(1))
        .unwrap_or(0) as f64;

    // cdr sync into SQLite.
    let sqlite_db = dir.join("sync.db");
    let mut sync = cli();
    sync.args(["cdr", "sync", "--until", UNTIL, "--into"])
        .arg(format!("sqlite:{}", sqlite_db.display()))
        .args(["-o", "json"]);
    timed(
        &mut lines,
        pid,
        "cdr sync --into sqlite:",
        &mut sync,
        &dir.join("sync-sqlite.json"),
    )?;

    // The baseline into SQLite: the CSV above, .import into staging, typed upsert.
    let base_db = dir.join("baseline.db");
    // The same `cdrs` table as the sync's: let the sync create it (on no rows), then load.
    let mut create = cli();
    create
        .args([
            "cdr",
            "sync",
            "--until",
            "2000-01-01",
            "--since",
            "2000-01-01",
            "--into",
        ])
        .arg(format!("sqlite:{}", base_db.display()));
    run_ok(&mut create, "creating the baseline's table")?;
    let staging: Vec<String> = columns.iter().map(|(n, _)| format!("{n} TEXT")).collect();
    let script = dir.join("baseline.sql");
    std::fs::write(
        &script,
        format!(
            "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\nCREATE TEMP TABLE staging ({});\n.import --csv --skip 1 {} staging\nBEGIN;\n{}\nCOMMIT;\n",
            staging.join(", "),
            csv.display(),
            baseline_sql(&columns, false)
        ),
    )
    .map_err(|e| e.to_string())?;
    let started = Instant::now();
    run_ok(
        sh(&format!(
            "sqlite3 {} < {}",
            base_db.display(),
            script.display()
        ))
        .stdout(std::process::Stdio::null()),
        "sqlite3 .import and upsert",
    )?;
    let load = started.elapsed().as_secs_f64();
    lines.push(Line {
        name: "baseline: report --all -o csv, then sqlite3 .import + upsert".into(),
        seconds: export_m.seconds + load,
        peak: None,
        sim_share: lines[0].sim_share * export_m.seconds / (export_m.seconds + load),
    });

    if let Some(url) = &pg {
        let mut admin = postgres_reset(url)?;
        let mut sync = cli();
        sync.args([
            "cdr",
            "sync",
            "--until",
            UNTIL,
            "--schema",
            "bench_sync",
            "--into",
            url,
            "-o",
            "json",
        ]);
        timed(
            &mut lines,
            pid,
            "cdr sync --into postgres://",
            &mut sync,
            &dir.join("sync-pg.json"),
        )?;
        let mut create = cli();
        create.args([
            "cdr",
            "sync",
            "--until",
            "2000-01-01",
            "--since",
            "2000-01-01",
            "--schema",
            "bench_base",
            "--into",
            url,
        ]);
        run_ok(&mut create, "creating the Postgres baseline's table")?;
        let staging: Vec<String> = columns.iter().map(|(n, _)| format!("{n} text")).collect();
        let script = dir.join("baseline-pg.sql");
        std::fs::write(
            &script,
            format!(
                "SET search_path = bench_base;\nCREATE TEMP TABLE staging ({});\n\\copy staging FROM '{}' WITH (FORMAT csv, HEADER true)\nBEGIN;\n{}\nCOMMIT;\n",
                staging.join(", "),
                csv.display(),
                baseline_sql(&columns, true)
            ),
        )
        .map_err(|e| e.to_string())?;
        let started = Instant::now();
        run_ok(
            Command::new("psql")
                .args(["-q", "-v", "ON_ERROR_STOP=1", url, "-f"])
                .arg(&script),
            "psql \\copy and upsert",
        )?;
        let load = started.elapsed().as_secs_f64();
        lines.push(Line {
            name: "baseline: report --all -o csv, then psql \\copy + upsert".into(),
            seconds: export_m.seconds + load,
            peak: None,
            sim_share: lines[0].sim_share * export_m.seconds / (export_m.seconds + load),
        });
        let n: i64 = admin
            .query_one("SELECT count(*) FROM bench_sync.cdrs", &[])
            .map_err(|e| e.to_string())?
            .get(0);
        if n as f64 != rows {
            return Err(format!("cdr sync into Postgres stored {n} rows of {rows}"));
        }
    }
    drop(sim);

    let stored: i64 = rusqlite::Connection::open(&sqlite_db)
        .and_then(|c| c.query_row("SELECT count(*) FROM cdrs", [], |r| r.get(0)))
        .map_err(|e| e.to_string())?;
    if stored as f64 != rows {
        return Err(format!(
            "cdr sync into SQLite stored {stored} rows of {rows}"
        ));
    }
    let rate = |l: &Line| rows / l.seconds;
    let mut table = format!(
        "CDR sync: {rows} rows x {} columns ({cdrs} CDRs seeded), one run, one machine\n\n\
         | command | time | rows/s | client peak memory | simulator's share |\n|---|---:|---:|---:|---:|\n",
        columns.len()
    );
    for l in &lines {
        table.push_str(&format!(
            "| {} | {:.2} s | {:.0} | {} | {:.0}% |\n",
            l.name,
            l.seconds,
            rate(l),
            l.peak.map_or("-".into(), mib),
            l.sim_share * 100.0
        ));
    }
    let find = |prefix: &str| lines.iter().find(|l| l.name.starts_with(prefix));
    let mut verdicts = String::from("\n");
    for (sync, base, name) in [
        (
            "cdr sync --into sqlite",
            "baseline: report --all -o csv, then sqlite3",
            "SQLite",
        ),
        (
            "cdr sync --into postgres",
            "baseline: report --all -o csv, then psql",
            "Postgres",
        ),
    ] {
        match (find(sync), find(base)) {
            (Some(s), Some(b)) => {
                let target = rate(s) >= 100_000.0 || rate(s) >= 0.9 * rate(&lines[0]);
                verdicts.push_str(&format!(
                    "- {name}: {:.0} rows/s, {:.2}x the baseline ({}), {:.0}% of the simulator's own CSV rate; target (≥ 100,000 rows/s, or within 10% of the simulator): {}; peak {} (≤ 64 MiB: {})\n",
                    rate(s),
                    b.seconds / s.seconds,
                    if s.seconds < b.seconds { "beaten" } else { "NOT beaten" },
                    100.0 * rate(s) / rate(&lines[0]),
                    if target { "met" } else { "MISSED" },
                    s.peak.map_or("-".into(), mib),
                    if s.peak.unwrap_or(0) <= 64 * 1024 * 1024 { "met" } else { "MISSED" },
                ));
            }
            _ => verdicts.push_str(&format!(
                "- {name}: not measured (DLSPBX_TEST_POSTGRES_URL unset or psql missing)\n"
            )),
        }
    }
    table.push_str(&verdicts);
    print!("{table}");
    let summary = root.join("target/sync-summary.md");
    std::fs::write(&summary, &table).map_err(|e| format!("{}: {e}", summary.display()))?;
    eprintln!("written to {}", summary.display());
    Ok(())
}

/// Drops the bench's schemas.
fn postgres_reset(url: &str) -> Result<postgres::Client, String> {
    let mut c = postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
    c.batch_execute(
        "DROP SCHEMA IF EXISTS bench_sync CASCADE; DROP SCHEMA IF EXISTS bench_base CASCADE;",
    )
    .map_err(|e| e.to_string())?;
    Ok(c)
}
