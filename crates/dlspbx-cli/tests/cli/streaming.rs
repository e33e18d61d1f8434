//! `report --all`: streamed with flat memory, and its request.

use crate::{dlspbx, dlspbx_no_sim, stderr, stdout};

/// The peak resident memory (VmHWM, kB) of `cmd`, read from /proc while it runs; also its
/// stdout's line count.
#[cfg(target_os = "linux")]
fn peak_kb(cmd: &mut std::process::Command) -> (u64, usize) {
    use std::io::BufRead;
    use std::process::Stdio;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let stdout = child.stdout.take().unwrap();
    let counter = std::thread::spawn(move || std::io::BufReader::new(stdout).lines().count());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    (peak, counter.join().unwrap())
}

/// Exporting 60 times more rows takes about the same memory: rows are decoded and written one
/// at a time. (The simulators run in this process; only the CLI's memory is measured.)
#[cfg(target_os = "linux")]
#[test]
fn all_streams_with_flat_memory() {
    let columns = [
        "unique_id",
        "date",
        "src",
        "dst",
        "src_label",
        "dst_label",
        "disposition",
        "billable_duration",
        "direction",
        "callerid",
    ];
    let run = |cdrs: usize| {
        let sim = dlspbx_sim::Sim::start_with(dlspbx_sim::SimConfig {
            cdrs,
            ..Default::default()
        })
        .unwrap();
        let bin = assert_cmd::cargo::cargo_bin("dlspbx");
        let mut cmd = std::process::Command::new(bin);
        cmd.args([
            "--url",
            &sim.url(),
            "--api-user",
            sim.api_user(),
            "--api-key",
            sim.api_key(),
            "report",
            "--all",
            "-o",
            "csv",
        ]);
        for c in columns {
            cmd.args(["--column", c]);
        }
        peak_kb(&mut cmd)
    };
    let (small_kb, small_rows) = run(500);
    let (big_kb, big_rows) = run(30_000);
    assert!(
        big_rows > 50 * small_rows,
        "{small_rows} and {big_rows} rows"
    );
    // The big export's body is several MB; a buffered one would show.
    assert!(
        big_kb < small_kb + 3 * 1024,
        "peak memory grows with the rows: {small_kb} kB for {small_rows} rows, {big_kb} kB for {big_rows}"
    );
}

#[test]
fn all_sends_one_request_for_every_row() {
    let out = dlspbx_no_sim()
        .args([
            "--url",
            "https://pbx.example.com",
            "--api-user",
            "100",
            "--api-key",
            "k",
            "--dry-run",
            "report",
            "--column",
            "date",
            "--per-page",
            "10",
            "--all",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let so = stdout(&out);
    assert!(so.contains("options%5B%5D=page%3DALL"), "{so}");
    assert!(!so.contains("per_page"), "{so}");
    // --all and --page contradict each other.
    dlspbx()
        .args(["report", "--column", "date", "--all", "--page", "1"])
        .assert()
        .code(1);
}

#[test]
fn all_in_json_is_the_same_document_as_one_full_page() {
    let all = dlspbx()
        .args([
            "report",
            "--column",
            "unique_id",
            "--column",
            "src",
            "--all",
        ])
        .output()
        .unwrap();
    let page = dlspbx()
        .args([
            "report",
            "--column",
            "unique_id",
            "--column",
            "src",
            "--page",
            "ALL",
        ])
        .output()
        .unwrap();
    let a: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let p: serde_json::Value = serde_json::from_slice(&page.stdout).unwrap();
    assert_eq!(a, p);
    assert!(a["results"].as_array().unwrap().len() > 100);
}

/// `--all` prints the same bytes as one full page: the fields in spec order (`total_results`,
/// `title`, `columns`, `results`), as `--help` promises, not the header fields last.
#[test]
fn all_keeps_the_spec_order_of_a_single_page() {
    let args = ["report", "--column", "unique_id", "--column", "src"];
    for output in ["json", "yaml"] {
        let all = dlspbx()
            .args(args)
            .args(["--all", "-o", output])
            .output()
            .unwrap();
        let page = dlspbx()
            .args(args)
            .args(["--page", "ALL", "-o", output])
            .output()
            .unwrap();
        assert!(all.status.success(), "{}", stderr(&all));
        assert_eq!(stdout(&all), stdout(&page), "{output}");
    }
    let all = dlspbx().args(args).arg("--all").output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["total_results", "title", "columns", "results"]);
}

/// A CSV body has no `total_results`: the CLI says it is unknown (`null`, `unknown`), in every
/// output and on every path, and never shows the page's row count as the total.
#[test]
fn a_csv_report_total_is_unknown_never_the_row_count() {
    let args = ["report", "--column", "unique_id", "--format", "csv"];
    let json = |extra: &[&str]| -> serde_json::Value {
        let out = dlspbx().args(args).args(extra).output().unwrap();
        assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let page = json(&["--per-page", "2", "-o", "json"]);
    assert_eq!(page["results"].as_array().unwrap().len(), 2);
    assert_eq!(page["total_results"], serde_json::Value::Null, "{page}");
    let all = json(&["--all", "-o", "json"]);
    assert_eq!(all["total_results"], serde_json::Value::Null, "{all}");
    let keys: Vec<&str> = all
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["total_results", "columns", "results"]);
    for extra in [&["--per-page", "2"][..], &["--all"][..]] {
        let out = dlspbx()
            .args(args)
            .args(extra)
            .args(["-o", "table"])
            .output()
            .unwrap();
        let so = stdout(&out);
        assert!(
            so.trim_end().ends_with("; total_results unknown)"),
            "{extra:?}: {so}"
        );
        let out = dlspbx()
            .args(args)
            .args(extra)
            .args(["-o", "yaml"])
            .output()
            .unwrap();
        assert!(
            stdout(&out).starts_with("total_results: null\n"),
            "{}",
            stdout(&out)
        );
    }
    // JSON says the total: the same report in JSON has it.
    let out = dlspbx()
        .args(["report", "--column", "unique_id", "--per-page", "2"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["total_results"].as_i64().unwrap() > 2, "{v}");
}

/// `--all` streams JSON or CSV: `--dry-run` shows the format really sent, and plain (which
/// cannot carry rows) is refused with the formats that work.
#[test]
fn all_dry_run_shows_the_format_really_sent_and_refuses_plain() {
    let run = |format: &str, extra: &[&str]| {
        dlspbx()
            .args(["report", "--column", "date", "--all", "--format", format])
            .args(extra)
            .output()
            .unwrap()
    };
    for (asked, sent) in [
        ("json", "json"),
        ("csv", "csv"),
        ("xml", "json"),
        ("yaml", "json"),
    ] {
        let out = run(asked, &["--dry-run"]);
        assert!(out.status.success(), "{asked}: {}", stderr(&out));
        assert!(
            stdout(&out).contains(&format!("api_format={sent}")),
            "{asked}: {}",
            stdout(&out)
        );
        // --raw prints the body as asked, so it sends (and its dry run shows) that format.
        let out = run(asked, &["--dry-run", "--raw"]);
        assert!(stdout(&out).contains(&format!("api_format={asked}")));
    }
    for extra in [&["--dry-run"][..], &[][..]] {
        let out = run("plain", extra);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {}", stdout(&out));
        let e = stderr(&out);
        assert!(
            e.contains("plain") && e.contains("--format json or csv"),
            "{e}"
        );
        assert!(out.stdout.is_empty());
    }
    let out = run("plain", &["--raw"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A server that answers every request with `head` (status line and headers, without the
/// blank line) and `body`, then closes the connection: with a `Content-Length` larger than
/// `body`, the connection drops midway.
fn hostile(head: String, body: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            // Read the request: its headers, then Content-Length bytes of body.
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&req).to_ascii_lowercase();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if req.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let _ = stream.write_all(format!("{head}\r\n\r\n{body}").as_bytes());
            let _ = stream.flush();
        }
    });
    url
}

fn against(url: &str) -> assert_cmd::Command {
    let mut cmd = dlspbx_no_sim();
    cmd.env_remove("DLSPBX_SIM")
        .args(["--url", url, "--api-user", "100", "--api-key", "k"]);
    cmd
}

const THREE_ROWS: &str = r#"{"result":"success","error":"","total_results":"1000","columns":["unique_id"],"results":[["1.1"],["1.2"],["1.3"],"#;

/// `--out PATH` writes the whole output or nothing: a stream that fails midway (a dropped
/// connection, a malformed row) exits non-zero, leaves no PATH and no temporary file, and
/// says how many rows it had written; on stdout, it names the last row written.
#[test]
fn out_is_never_half_written() {
    let dir = std::env::temp_dir().join(format!("dlspbx-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("calls.csv");
    let dropped = hostile(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close",
            THREE_ROWS.len() + 1000
        ),
        THREE_ROWS,
    );
    let malformed_body: &'static str = r#"{"result":"success","error":"","total_results":"3","columns":["unique_id"],"results":[["1.1"],["1.2"],{"x":1}]}"#;
    let malformed = hostile(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close",
            malformed_body.len()
        ),
        malformed_body,
    );
    for (url, rows) in [(&dropped, 3), (&malformed, 2)] {
        let args = ["report", "--column", "unique_id", "--all", "-o", "csv"];
        let out = against(url)
            .args(args)
            .arg("--out")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            !path.exists(),
            "a failed export leaves no {}",
            path.display()
        );
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "no temporary file left"
        );
        let e = stderr(&out);
        assert!(
            e.contains(&format!("stopped after {rows} rows")) && e.contains("was not written"),
            "{e}"
        );
        // On stdout: non-zero, the rows that came, and the last one named.
        let out = against(url).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(stdout(&out).lines().count(), rows + 1, "{}", stdout(&out));
        assert!(
            stderr(&out).contains(&format!("the last row written to stdout is row {rows}")),
            "{}",
            stderr(&out)
        );
    }
    // A complete output is renamed into place, the same bytes as on stdout.
    let args = [
        "report",
        "--column",
        "unique_id",
        "--column",
        "date",
        "--all",
        "-o",
        "csv",
    ];
    let ok = dlspbx()
        .args(args)
        .arg("--out")
        .arg(&path)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(ok.stdout.is_empty());
    let on_stdout = dlspbx().args(args).output().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), on_stdout.stdout);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "only PATH");
    // A single page and a decoded file go through --out too (JSON unless told otherwise).
    let page = dir.join("page.json");
    let ok = dlspbx()
        .args(["status", "users", "--out"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", stderr(&ok));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&page).unwrap()).unwrap();
    assert!(v["users"].is_array(), "{v}");
    // A body that does not decode leaves no file.
    let bad = dir.join("bad.json");
    let out = dlspbx()
        .args(["decode", "status.users", "--out"])
        .arg(&bad)
        .arg(crate::fixtures().join("status.queues/response.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!bad.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `sms query-sms --all` reads every page (three records a call here) and writes the same
/// records as one page holding them all; JSON keeps the single page's layout without the
/// per-page `results_limit`/`results_offset`. `--raw` cannot show several pages: exit 1.
#[test]
fn sms_all_reads_every_page() {
    let run = |args: &[&str]| {
        let out = dlspbx()
            .args(["--quiet", "sms", "query-sms"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    for output in ["jsonl", "csv"] {
        let all = run(&["--all", "--results-limit", "3", "-o", output]);
        let one = run(&["--results-limit", "1000", "-o", output]);
        assert_eq!(all, one, "{output}");
        assert!(all.lines().count() > 6, "{output}: {all}");
    }
    let all: serde_json::Value =
        serde_json::from_str(&run(&["--all", "--results-limit", "3", "-o", "json"])).unwrap();
    let one: serde_json::Value =
        serde_json::from_str(&run(&["--results-limit", "1000", "-o", "json"])).unwrap();
    assert_eq!(all["results"], one["results"]);
    assert_eq!(all["total_results"], one["total_results"]);
    let out = dlspbx()
        .args(["sms", "query-sms", "--all", "--raw"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let dry = run(&["--all", "--results-limit", "3", "--dry-run"]);
    assert!(dry.contains("results_limit=3"), "{dry}");
}

/// `status … --watch` on a pipe writes one JSON line per poll, and SIGINT (Ctrl-C) ends it
/// with exit 0.
#[test]
fn status_watch_writes_a_json_line_per_poll() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dlspbx"))
        .args([
            "--sim",
            "--quiet",
            "status",
            "users",
            "--watch",
            "--interval",
            "100ms",
        ])
        .env_remove("DLSPBX_URL")
        .env_remove("DLSPBX_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..3 {
        let line = lines.next().unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert!(v["users"].is_array(), "{line}");
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    drop(lines);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// The embedded simulator seeded with many CDRs keeps its database in a scratch file, not in
/// memory: 150,000 CDRs take about the memory of 500 (in memory they took 85 MB), and the
/// scratch file is gone when the command ends.
#[cfg(target_os = "linux")]
#[test]
fn seeding_many_cdrs_takes_bounded_memory() {
    let scratch = tempfile::tempdir().unwrap();
    let run = |cdrs: usize| {
        let bin = assert_cmd::cargo::cargo_bin("dlspbx");
        let mut cmd = std::process::Command::new(bin);
        cmd.env("TMPDIR", scratch.path())
            .env("DLSPBX_SIM", "1")
            .args(["--quiet", "--sim-cdrs", &cdrs.to_string(), "report"])
            .args([
                "--column",
                "unique_id",
                "--count-only",
                "true",
                "-o",
                "json",
            ]);
        let (kb, lines) = peak_kb(&mut cmd);
        assert!(lines > 0, "no answer with {cdrs} CDRs");
        kb
    };
    let small_kb = run(500);
    let big_kb = run(150_000);
    assert!(
        big_kb < small_kb + 16 * 1024,
        "seeding memory grows with the CDRs: {small_kb} kB for 500, {big_kb} kB for 150,000"
    );
    let left: Vec<_> = std::fs::read_dir(scratch.path()).unwrap().collect();
    assert!(left.is_empty(), "scratch files left behind: {left:?}");
}
