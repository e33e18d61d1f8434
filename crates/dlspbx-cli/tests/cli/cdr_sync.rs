//! `dlspbx cdr sync` end to end: the binary against a standalone simulator over real HTTP,
//! into SQLite (and Postgres when `DLSPBX_TEST_POSTGRES_URL` is set), killed with SIGKILL at
//! several points and rerun.

use crate::dlspbx_no_sim;
use dlspbx_sim::{Sim, SimConfig};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

fn sim(cdrs: usize) -> Sim {
    Sim::start_with(SimConfig {
        cdrs,
        ..SimConfig::default()
    })
    .unwrap()
}

fn args(sim: &Sim, into: &str) -> Vec<String> {
    [
        "--url",
        &sim.url(),
        "--api-user",
        sim.api_user(),
        "--api-key",
        sim.api_key(),
        "cdr",
        "sync",
        "--into",
        into,
        "--until",
        "2025-01-01",
        "--per-page",
        "400",
        "--window",
        "3d",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn spawn(sim: &Sim, into: &str) -> Child {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("dlspbx"));
    cmd.args(args(sim, into))
        .env_remove("DLSPBX_SIM")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().unwrap()
}

/// The demo tenant's CDRs up to the sync's --until, as the API counts them.
fn expected(sim: &Sim) -> i64 {
    let out = dlspbx_no_sim()
        .args([
            "--url",
            &sim.url(),
            "--api-user",
            sim.api_user(),
            "--api-key",
            sim.api_key(),
        ])
        .args([
            "reports",
            "report",
            "--column",
            "unique_id",
            "--count-only",
            "true",
            "--timezone",
            "UTC",
            "--to",
            "2025-01-01 00:00:00",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["total_results"].as_i64().unwrap()
}

struct State {
    rows: i64,
    distinct: i64,
    newest: Option<String>,
    watermark: Option<String>,
}

fn state(db: &Path) -> State {
    let c = Connection::open(db).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let has_table: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'cdrs'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    if has_table == 0 {
        return State {
            rows: 0,
            distinct: 0,
            newest: None,
            watermark: None,
        };
    }
    let (rows, distinct, newest) = c
        .query_row(
            "SELECT count(*), count(DISTINCT source || ' ' || unique_id), max(date) FROM cdrs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let watermark = c
        .query_row("SELECT max(watermark) FROM cdr_sync_state", [], |r| {
            r.get(0)
        })
        .unwrap_or(None);
    State {
        rows,
        distinct,
        newest,
        watermark,
    }
}

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("cdrs.db")
}

#[test]
fn demo_data_never_goes_into_a_database_without_sim() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let out = dlspbx_no_sim()
        .args(["cdr", "sync", "--into", &format!("sqlite:{}", db.display())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no server configured"));
    assert!(!db.exists());
}

#[test]
fn refused_flags_name_what_to_use() {
    let out = dlspbx_no_sim()
        .args(["--sim", "cdr", "sync", "--from", "2024-01-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from is not accepted; use --since"));
    let out = dlspbx_no_sim()
        .args(["--sim", "cdr", "sync", "--resync"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resync needs --since"));
    let out = dlspbx_no_sim()
        .args(["--sim", "cdr", "sync", "--into", "mysql://x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = dlspbx_no_sim()
        .args(["--sim", "cdr", "sync", "--window", "1y"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn kill_9_at_any_point_then_rerun_loses_nothing_and_duplicates_nothing() {
    let sim = sim(12_000);
    let total = expected(&sim);
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let into = format!("sqlite:{}", db.display());
    let mut seen_partial = false;
    for delay in [5, 60, 150, 300, 500, 800] {
        let mut child = spawn(&sim, &into);
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let s = state(&db);
        assert_eq!(
            s.rows, s.distinct,
            "no duplicates after a kill at {delay} ms"
        );
        // The watermark moves only with the commit of the rows it covers.
        assert_eq!(s.watermark, s.newest, "after a kill at {delay} ms");
        seen_partial |= s.rows > 0 && s.rows < total;
    }
    let out = spawn(&sim, &into).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = state(&db);
    assert_eq!((s.rows, s.distinct), (total, total));
    assert_eq!(s.watermark, s.newest);
    assert!(
        seen_partial,
        "no kill landed between the first and the last commit"
    );
    let c = Connection::open(&db).unwrap();
    let abandoned: i64 = c
        .query_row(
            "SELECT count(*) FROM cdr_sync_runs WHERE status = 'abandoned'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(abandoned >= 1, "the killed runs are recorded as abandoned");
    // Nothing new: a rerun changes nothing.
    let out = dlspbx_no_sim()
        .args(args(&sim, &into))
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["inserted"].as_i64(), v["updated"].as_i64()),
        (Some(0), Some(0)),
        "{v}"
    );
}

#[test]
fn a_second_sync_on_the_same_file_is_refused() {
    let sim = sim(12_000);
    let dir = tempfile::tempdir().unwrap();
    let into = format!("sqlite:{}", db_path(&dir).display());
    let first = spawn(&sim, &into);
    // Wait until the first holds the lock (it has created the database).
    for _ in 0..200 {
        if db_path(&dir).exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = dlspbx_no_sim().args(args(&sim, &into)).output().unwrap();
    let first = first.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another cdr sync is running"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_server_gone_halfway_keeps_the_committed_batches_only() {
    let sim = sim(12_000);
    let total = expected(&sim);
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let into = format!("sqlite:{}", db.display());
    let child = spawn(&sim, &into);
    std::thread::sleep(Duration::from_millis(400));
    drop(sim);
    let out = child.wait_with_output().unwrap();
    let s = state(&db);
    assert!(
        !out.status.success(),
        "the run ended before the server did; it should take longer than 400 ms: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(s.rows, s.distinct);
    assert!(s.rows < total);
    assert_eq!(s.watermark, s.newest);
    let c = Connection::open(&db).unwrap();
    let (status, error): (String, Option<String>) = c
        .query_row(
            "SELECT status, error FROM cdr_sync_runs ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "failed");
    assert!(error.is_some());
}

#[test]
fn into_postgres_with_the_password_from_pgpassword() {
    let Ok(url) = std::env::var("DLSPBX_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: DLSPBX_TEST_POSTGRES_URL is not set (.ci/postgres start sets it)");
        return;
    };
    let (head, host) = url.split_once('@').unwrap();
    let (user, password) = head.rsplit_once(':').unwrap();
    let bare = format!("{user}@{host}");
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute("DROP SCHEMA IF EXISTS cli_sync CASCADE")
        .unwrap();
    let sim = sim(2_000);
    let total = expected(&sim);
    let out = dlspbx_no_sim()
        .env("PGPASSWORD", password)
        .args(args(&sim, &bare))
        .args(["--schema", "cli_sync", "-o", "json", "-v"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains(password) && !String::from_utf8_lossy(&out.stdout).contains(password));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["inserted"].as_i64(), Some(total), "{v}");
    let n: i64 = admin
        .query_one("SELECT count(DISTINCT unique_id) FROM cli_sync.cdrs", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, total);
    let secrets: i64 = admin
        .query_one(
            "SELECT count(*) FROM cli_sync.cdr_sync_runs WHERE concat_ws(' ', source, filters, columns, error) LIKE '%' || $1 || '%'",
            &[&password],
        )
        .unwrap()
        .get(0);
    assert_eq!(secrets, 0);
}
