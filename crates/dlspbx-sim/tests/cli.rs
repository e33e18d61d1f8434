//! The binary (`seed`, `serve`), persistence in a database file, and shutdown on drop.

mod common;

use common::{Client, ok};
use dlspbx_sim::{Sim, SimConfig};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_dlspbx-sim");

#[test]
fn seed_then_serve_a_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pbx.db");
    let out = Command::new(BIN)
        .args(["seed", "--db"])
        .arg(&db)
        .args(["--cdrs", "300", "--seed", "5"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("seeded "), "{text}");
    assert!(text.contains("with 300 CDRs"), "{text}");
    let demo_key = dlspbx_sim::seed::api_key(5, "z64xxx2n");
    assert!(
        text.contains(&format!("100@default      z64xxx2n         {demo_key}")),
        "{text}"
    );

    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let result = std::panic::catch_unwind(|| {
        let rest = line
            .strip_prefix("dlspbx-sim listening on ")
            .unwrap_or_else(|| panic!("ready line: {line}"));
        let (url, creds) = rest.split_once(' ').unwrap();
        assert_eq!(
            creds.trim(),
            format!("(api_user=100@default api_key={demo_key})")
        );
        let c = Client::new(url, "100@default", &demo_key);
        ok(c.form("example.php", "test", &[]));
        let v = ok(c.form(
            "reports.php",
            "report",
            &[("columns[]", "unique_id"), ("options[]", "count_only=true")],
        ));
        let expected = dlspbx_sim::cdr::generate(5, 300)
            .filter(|c| c.tenant_id == 0)
            .count();
        assert_eq!(v["total_results"], expected);
    });
    child.kill().unwrap();
    child.wait().unwrap();
    result.unwrap();
}

#[test]
fn data_persists_in_a_file_and_is_not_reseeded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("persist.db");
    let cfg = SimConfig {
        db: Some(db.clone()),
        cdrs: 100,
        seed: 9,
        ..SimConfig::default()
    };
    let id = {
        let sim = Sim::start_with(cfg.clone()).unwrap();
        let c = Client::new(&sim.url(), sim.api_user(), sim.api_key());
        ok(c.form("dialer.php", "add_contact_list", &[("name", "kept")]))["id"].clone()
    };
    // A different seed does not reseed an existing database: same keys, same data.
    let sim = Sim::start_with(SimConfig { seed: 10, ..cfg }).unwrap();
    assert_eq!(sim.api_key(), dlspbx_sim::seed::api_key(9, "z64xxx2n"));
    let c = Client::new(&sim.url(), sim.api_user(), sim.api_key());
    assert_eq!(
        ok(c.form("dialer.php", "add_contact_list", &[("name", "kept")]))["id"],
        id
    );
    let version: i64 = sim.with_db(|db| {
        db.query_row("SELECT MAX(version) FROM migrations", [], |r| r.get(0))
            .unwrap()
    });
    assert_eq!(version, dlspbx_sim::db::SCHEMA_VERSION);
}

#[test]
fn drop_stops_the_server_quickly() {
    let sim = Sim::start().unwrap();
    let c = Client::new(&sim.url(), sim.api_user(), sim.api_key());
    ok(c.form("example.php", "test", &[])); // leaves a keep-alive connection open
    let addr = sim.addr();
    let started = Instant::now();
    drop(sim);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "drop took {:?}",
        started.elapsed()
    );
    assert!(
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err(),
        "still listening"
    );
}

#[test]
fn bad_arguments_fail() {
    let out = Command::new(BIN)
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("serve"));
}

#[test]
fn serve_read_timeout_flag() {
    let out = Command::new(BIN)
        .args(["serve", "--read-timeout", "0s"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--read-timeout") && err.contains("30s, 2m, 500ms"),
        "{err}"
    );

    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--cdrs",
            "5",
            "--read-timeout",
            "500ms",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let result = std::panic::catch_unwind(|| {
        use std::io::{Read, Write};
        let url = line
            .strip_prefix("dlspbx-sim listening on http://")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("ready line: {line}"));
        let mut conn = std::net::TcpStream::connect(url).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let t0 = Instant::now();
        conn.write_all(b"POST /api/v1/example.php HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        let mut rest = Vec::new();
        conn.read_to_end(&mut rest)
            .expect("the server closes the connection");
        let took = t0.elapsed();
        assert!(
            took >= Duration::from_millis(400) && took < Duration::from_secs(3),
            "{took:?}"
        );
    });
    child.kill().unwrap();
    child.wait().unwrap();
    result.unwrap();
}
