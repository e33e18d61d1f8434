//! `dlspbx dialer import`: validation first, then bounded-concurrency sending; re-running adds
//! no duplicates (checked in the simulator's database).

use crate::{dlspbx_no_sim, stderr, stdout};

const GOOD_AND_BAD: &str = "\
first_name,last_name,phone,state,zip_code,dialOnDate,account
Ann,Lee,8155551234,IL,60601,2024-02-05,A-1
Bob,Ray,123,IL,60601,,A-2
Cy,Day,8155551235,ZZ,,,A-3
Di,Fay,(815) 555-1236,WI,53703-1234,,A-4
Ed,Gee,815-555-1237,,,2024-13-01,A-5
Flo,Hu,8155551238,,,,A-6
";

fn write_csv(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("contacts.csv");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn contacts_in(sim: &dlspbx_sim::Sim, list: &str) -> i64 {
    sim.with_db(|c| {
        c.query_row(
            "SELECT COUNT(*) FROM contacts k JOIN contact_lists l ON l.id = k.list_id WHERE l.name = ?1",
            [list],
            |r| r.get(0),
        )
        .unwrap_or(0)
    })
}

fn lists_named(sim: &dlspbx_sim::Sim, list: &str) -> i64 {
    sim.with_db(|c| {
        c.query_row(
            "SELECT COUNT(*) FROM contact_lists WHERE name = ?1",
            [list],
            |r| r.get(0),
        )
        .unwrap_or(0)
    })
}

fn import(sim: &dlspbx_sim::Sim, file: &std::path::Path, extra: &[&str]) -> std::process::Output {
    dlspbx_no_sim()
        .args([
            "--url",
            &sim.url(),
            "--api-user",
            sim.api_user(),
            "--api-key",
            sim.api_key(),
        ])
        .args(["dialer", "import"])
        .arg(file)
        .args([
            "--contact-list",
            "Import test",
            "--map",
            "phone=phone_number",
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn bad_rows_are_listed_and_nothing_is_sent() {
    let sim = dlspbx_sim::Sim::start().unwrap();
    let (_dir, file) = write_csv(GOOD_AND_BAD);
    let out = import(&sim, &file, &["--custom-unknown"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let se = stderr(&out);
    let bad: Vec<&str> = se.lines().filter(|l| l.starts_with("line ")).collect();
    assert_eq!(bad.len(), 3, "{se}");
    assert!(bad[0].starts_with("line 3: phone_number: \"123\""), "{se}");
    assert!(bad[1].starts_with("line 4: state: \"ZZ\""), "{se}");
    assert!(
        bad[2].starts_with("line 6: dialOnDate: \"2024-13-01\""),
        "{se}"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(lists_named(&sim, "Import test"), 0, "nothing may be sent");
}

#[test]
fn skip_invalid_sends_the_good_rows_and_a_rerun_adds_no_duplicates() {
    let sim = dlspbx_sim::Sim::start().unwrap();
    let (_dir, file) = write_csv(GOOD_AND_BAD);
    let out = import(
        &sim,
        &file,
        &["--skip-invalid", "--concurrency", "3", "--custom-unknown"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("3 sent, 3 skipped (invalid), 0 failed"),
        "{}",
        stderr(&out)
    );
    let first: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(first["sent"], 3);
    let ids: Vec<i64> = first["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(contacts_in(&sim, "Import test"), 3);
    // The unknown column became a custom field.
    let custom: String = sim.with_db(|c| {
        c.query_row(
            "SELECT custom_fields FROM contacts WHERE phone_number = '8155551234'",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap_or_default()
    });
    assert!(
        custom.contains("account") && custom.contains("A-1"),
        "{custom}"
    );

    // Again: same list, same contacts, same IDs.
    let out = import(&sim, &file, &["--skip-invalid", "--custom-unknown"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let second: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(second["contact_list_id"], first["contact_list_id"]);
    let again: Vec<i64> = second["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(again, ids);
    assert_eq!(contacts_in(&sim, "Import test"), 3);
    assert_eq!(lists_named(&sim, "Import test"), 1);
}

#[test]
fn all_valid_rows_are_sent_with_the_embedded_simulator() {
    let (_dir, file) =
        write_csv("phone_number,first_name\n8155551234,Ann\n8155551235,Bob\n\n8155551236,Cy\n");
    let out = crate::dlspbx()
        .args(["dialer", "import"])
        .arg(&file)
        .args(["--contact-list", "New list", "-o", "csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let so = stdout(&out);
    assert_eq!(
        so.lines().next(),
        Some("line,phone_number,id,status"),
        "{so}"
    );
    assert_eq!(so.lines().count(), 4, "{so}");
    assert!(so.lines().skip(1).all(|l| l.ends_with(",sent")), "{so}");
}

#[test]
fn a_bad_map_is_a_usage_error() {
    let (_dir, file) = write_csv("phone\n8155551234\n");
    dlspbx_no_sim()
        .args(["dialer", "import"])
        .arg(&file)
        .args(["--contact-list", "L", "--map", "phone=telephone"])
        .assert()
        .code(1);
}

/// The `line` of each sent row in the JSON output.
fn sent_lines(out: &std::process::Output) -> Vec<u64> {
    let doc: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
    doc["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["line"].as_u64().unwrap())
        .collect()
}

/// The `line N:` numbers on stderr.
fn bad_lines(out: &std::process::Output) -> Vec<u64> {
    stderr(out)
        .lines()
        .filter_map(|l| l.strip_prefix("line "))
        .filter_map(|l| l.split(':').next()?.parse().ok())
        .collect()
}

/// Issue 15: CRLF files (what Excel writes) had every line number one too low.
#[test]
fn line_numbers_count_crlf_lf_and_quoted_newlines() {
    let lf = "phone,first_name,address\n\
              8155551234,Ann,\"1 Main St\nApt 2\"\n\
              123,Bob,x\n\
              8155551235,Cy,\"a\nb\nc\"\n\
              8155551236,Di,y\n\
              \n\
              bad,Ed,z\n";
    for (name, text) in [
        ("LF", lf.to_owned()),
        ("CRLF", lf.replace('\n', "\r\n")),
        ("CR", lf.replace('\n', "\r")),
    ] {
        let sim = dlspbx_sim::Sim::start().unwrap();
        let (_dir, file) = write_csv(&text);
        let out = import(&sim, &file, &[]);
        assert_eq!(out.status.code(), Some(4), "{name}: {}", stderr(&out));
        assert_eq!(bad_lines(&out), [4, 10], "{name}: {}", stderr(&out));
        let out = import(&sim, &file, &["--skip-invalid"]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        assert_eq!(bad_lines(&out), [4, 10], "{name}: {}", stderr(&out));
        assert_eq!(sent_lines(&out), [2, 5, 8], "{name}: {}", stdout(&out));
    }
}

fn import_plain(file: &std::path::Path, extra: &[&str]) -> std::process::Output {
    crate::dlspbx()
        .args(["dialer", "import"])
        .arg(file)
        .args(["--contact-list", "Headers"])
        .args(extra)
        .output()
        .unwrap()
}

/// Issue 15: `frist_name` silently became `custom:frist_name`.
#[test]
fn an_unknown_column_is_refused_unless_mapped_or_custom_unknown() {
    let sim = dlspbx_sim::Sim::start().unwrap();
    let (_dir, file) = write_csv("phone,frist_name\n8155551234,Ann\n");
    let out = import(&sim, &file, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let se = stderr(&out);
    assert!(
        se.contains("column 2 `frist_name` is not an add_contact field"),
        "{se}"
    );
    assert!(
        se.contains("first_name") && se.contains("dialOnDate"),
        "the allowed fields: {se}"
    );
    assert!(
        se.contains("--map COLUMN=FIELD") && se.contains("--custom-unknown"),
        "{se}"
    );
    assert_eq!(lists_named(&sim, "Import test"), 0, "nothing may be sent");

    let stored = |col: &str| -> String {
        sim.with_db(|c| {
            c.query_row(
                &format!(
                    "SELECT COALESCE({col}, '') FROM contacts WHERE phone_number = '8155551234'"
                ),
                [],
                |r| r.get::<_, String>(0),
            )
            .unwrap_or_default()
        })
    };
    let out = import(&sim, &file, &["--map", "frist_name=first_name"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stored("first_name"), "Ann");

    let sim = dlspbx_sim::Sim::start().unwrap();
    let out = import(&sim, &file, &["--custom-unknown"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let custom: String = sim.with_db(|c| {
        c.query_row(
            "SELECT custom_fields FROM contacts WHERE phone_number = '8155551234'",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap_or_default()
    });
    assert!(
        custom.contains("frist_name") && custom.contains("Ann"),
        "{custom}"
    );

    // `--map COLUMN=-` ignores a column.
    let sim = dlspbx_sim::Sim::start().unwrap();
    let out = import(&sim, &file, &["--map", "frist_name=-"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(contacts_in(&sim, "Import test"), 1);
}

#[test]
fn duplicate_columns_are_refused() {
    let (_dir, file) =
        write_csv("phone_number,first_name,phone_number\n8155551234,Ann,8155551235\n");
    let out = import_plain(&file, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the header has `phone_number` twice (columns 1 and 3)"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());

    let (_dir, file) = write_csv("phone,phone_number\n8155551234,8155551235\n");
    let out = import_plain(&file, &["--map", "phone=phone_number"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let se = stderr(&out);
    assert!(
        se.contains("column 1 `phone` and column 2 `phone_number` both go to `phone_number`"),
        "{se}"
    );
    let out = import_plain(&file, &["--map", "phone=-", "-o", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(",8155551235,"), "{}", stdout(&out));

    // A contact_list column would be dropped silently: refused.
    let (_dir, file) = write_csv("phone_number,contact_list\n8155551234,Other\n");
    let out = import_plain(&file, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("--contact-list"), "{}", stderr(&out));
}

#[test]
fn a_map_of_a_missing_column_is_a_usage_error() {
    let (_dir, file) = write_csv("phone_number\n8155551234\n");
    let out = import_plain(&file, &["--map", "phne=phone_number"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "--map phne=phone_number: the header has no column `phne`; its columns: `phone_number`"
        ),
        "{}",
        stderr(&out)
    );
}

/// A row with more cells than the header had its extra cells dropped silently.
#[test]
fn a_row_with_more_cells_than_the_header_is_invalid() {
    let (_dir, file) = write_csv("phone_number,first_name\n8155551234,Ann,extra\n8155551235,Bob\n");
    let out = import_plain(&file, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("line 2: 3 cells, but the header has 2 columns"),
        "{}",
        stderr(&out)
    );
}

/// What the stand-in server does once it has answered its add_contact calls.
#[derive(Clone, Copy)]
pub enum Then {
    /// Closes its socket: every later connection is refused (a killed server).
    Die,
    /// Accepts connections and never answers.
    Hang,
}

/// A stand-in server on loopback that answers add_contact_list and the first `answer`
/// add_contact calls (IDs 101, 102, ...), then dies or hangs. Returns its URL.
fn stand_in(answer: usize, then: Then) -> String {
    stand_in_refusing(answer, then, |_| false)
}

/// [`stand_in`], answering with the server's error shape when `refuse` says so of a body.
pub fn stand_in_refusing(answer: usize, then: Then, refuse: fn(&str) -> bool) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut answered = 0;
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let mut r = BufReader::new(stream);
            let mut head = String::new();
            let mut len = 0usize;
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                    break;
                }
                if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&l);
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let refused = refuse(&String::from_utf8_lossy(&body));
            let id = if head.contains("api_action=add_contact_list") {
                7
            } else if answered < answer && refused {
                answered += 1;
                0
            } else if answered < answer {
                answered += 1;
                100 + answered
            } else {
                match then {
                    Then::Die => break,
                    Then::Hang => {
                        held.push(r);
                        continue;
                    }
                }
            };
            let body = if id == 0 {
                "{\"result\":\"error\",\"error\":\"phone number is on the do-not-call list\"}"
                    .to_owned()
            } else {
                format!("{{\"result\":\"success\",\"id\":{id}}}")
            };
            let _ = write!(
                r.get_mut(),
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

pub fn leads(n: usize) -> String {
    let mut text = String::from("phone,first_name\n");
    for i in 0..n {
        text.push_str(&format!("{},Lead {i}\n", 8_155_550_000 + i as u64));
    }
    text
}

fn import_at(url: &str, file: &std::path::Path, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = dlspbx_no_sim();
    cmd.args(["--url", url, "--api-user", "u", "--api-key", "k"])
        .args(["dialer", "import"])
        .arg(file)
        .args([
            "--contact-list",
            "Import test",
            "--map",
            "phone=phone_number",
        ])
        .args(extra);
    cmd
}

fn jsonl(out: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect()
}

/// Issue 15: with `-o jsonl` nothing was written until every row was done, so a killed
/// import left no record of what was stored.
#[test]
fn jsonl_results_are_written_as_rows_are_acknowledged() {
    let url = stand_in(5, Then::Hang);
    let (dir, file) = write_csv(&leads(20));
    let out = import_at(&url, &file, &["-o", "jsonl", "--concurrency", "1"])
        .timeout(std::time::Duration::from_secs(4))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        None,
        "killed while waiting: {}",
        stderr(&out)
    );
    let rows = jsonl(&out);
    assert_eq!(rows.len(), 5, "{}", stdout(&out));
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["line"], i as u64 + 2, "{r}");
        assert_eq!(r["id"], i as u64 + 101, "{r}");
        assert_eq!(r["status"], "sent", "{r}");
    }
    // The journal beside the input holds the same five rows.
    let journal = std::fs::read_to_string(dir.path().join("contacts.csv.dlspbx-journal")).unwrap();
    assert_eq!(journal.lines().count(), 5, "{journal}");
}

/// Issue 15: a 20,000-row import against a killed server went on for 10.5 minutes.
#[test]
fn a_dead_server_stops_the_import_after_max_failures() {
    let url = stand_in(5, Then::Die);
    let (_dir, file) = write_csv(&leads(2000));
    let started = std::time::Instant::now();
    let out = import_at(&url, &file, &["-o", "jsonl", "--max-failures", "3"])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let se = stderr(&out);
    assert!(
        se.contains(
            "stopped after 3 consecutive connection failures (--max-failures; last: transport error"
        ),
        "{se}"
    );
    assert!(
        se.contains("5 of 2000 rows stored; rerun the same command with --resume"),
        "{se}"
    );
    let rows = jsonl(&out);
    assert_eq!(
        rows.iter().filter(|r| r["status"] == "sent").count(),
        5,
        "{}",
        stdout(&out)
    );
    assert!(
        rows.len() < 20,
        "kept going after the server died: {} rows",
        rows.len()
    );

    // The default is 10.
    let url = stand_in(0, Then::Die);
    let out = import_at(&url, &file, &["--concurrency", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stopped after 10 consecutive"),
        "{}",
        stderr(&out)
    );
}

/// Issue 15: `--resume` sends only what the journal does not name; a finished import removes
/// its journal.
#[test]
fn resume_skips_the_rows_an_earlier_run_stored() {
    let url = stand_in(5, Then::Die);
    let (dir, file) = write_csv(&leads(30));
    let journal = dir.path().join("contacts.csv.dlspbx-journal");
    let out = import_at(&url, &file, &["--concurrency", "1", "--max-failures", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap().lines().count(),
        5
    );

    let sim = dlspbx_sim::Sim::start().unwrap();
    let out = import(&sim, &file, &["--resume", "-o", "jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let se = stderr(&out);
    assert!(
        se.contains("--resume: 5 of 30 rows were stored before"),
        "{se}"
    );
    assert!(
        se.contains("25 sent, 0 skipped (invalid), 0 failed, 5 stored before (--resume)"),
        "{se}"
    );
    let lines: Vec<u64> = jsonl(&out)
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines.len(), 25);
    assert!(lines.iter().all(|&l| l >= 7), "{lines:?}");
    assert_eq!(
        contacts_in(&sim, "Import test"),
        25,
        "the first five went to the other server"
    );
    assert!(!journal.exists(), "a finished import removes its journal");

    // Nothing to resume now.
    let out = import(&sim, &file, &["--resume"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--resume: no journal at"),
        "{}",
        stderr(&out)
    );

    // A journal that does not match the file is refused.
    std::fs::write(
        &journal,
        "{\"contact_list\":\"Import test\",\"line\":2,\"phone_number\":\"8005550000\",\"id\":1}\n",
    )
    .unwrap();
    let out = import(&sim, &file, &["--resume"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the file changed since"),
        "{}",
        stderr(&out)
    );

    // Stdin has no journal unless --journal names one.
    let out = dlspbx_no_sim()
        .args(["dialer", "import", "-", "--contact-list", "L", "--resume"])
        .write_stdin(leads(1).replace("phone,", "phone_number,"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--resume needs --journal PATH"),
        "{}",
        stderr(&out)
    );
}

fn read_rejects(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap();
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Issue 15: `--reject-file` writes the bad rows, with their reason, under the input's header.
#[test]
fn reject_file_holds_the_invalid_rows_and_those_the_server_refused() {
    let sim = dlspbx_sim::Sim::start().unwrap();
    let (dir, file) = write_csv(GOOD_AND_BAD);
    let rejects = dir.path().join("bad.csv");
    let reject = rejects.to_str().unwrap();
    let header: Vec<String> = "first_name,last_name,phone,state,zip_code,dialOnDate,account,reason"
        .split(',')
        .map(str::to_owned)
        .collect();

    // Nothing sent, but the bad rows are written.
    let out = import(&sim, &file, &["--custom-unknown", "--reject-file", reject]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let rows = read_rejects(&rejects);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(rows[0], header);
    assert_eq!(
        rows[1][..7],
        ["Bob", "Ray", "123", "IL", "60601", "", "A-2"]
    );
    assert!(rows[1][7].starts_with("phone_number: \"123\""), "{rows:?}");
    assert_eq!(rows[2][0], "Cy");
    assert!(rows[2][7].starts_with("state: \"ZZ\""), "{rows:?}");
    assert_eq!(rows[3][0], "Ed");
    assert!(
        rows[3][7].starts_with("dialOnDate: \"2024-13-01\""),
        "{rows:?}"
    );

    let out = import(
        &sim,
        &file,
        &[
            "--custom-unknown",
            "--skip-invalid",
            "--reject-file",
            reject,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(read_rejects(&rejects).len(), 4);
    assert!(
        stderr(&out).contains("3 bad rows written to"),
        "{}",
        stderr(&out)
    );

    // Rows the server refuses are bad rows too; the rest are not in the file.
    let url = stand_in_refusing(100, Then::Die, |body| body.contains("8155550003"));
    let (dir, file) = write_csv(&leads(6));
    let rejects = dir.path().join("bad.csv");
    let out = import_at(&url, &file, &["--reject-file", rejects.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rows = read_rejects(&rejects);
    assert_eq!(
        rows,
        [
            vec!["phone", "first_name", "reason"],
            vec![
                "8155550003",
                "Lead 3",
                "server error: phone number is on the do-not-call list"
            ]
        ],
        "{}",
        stderr(&out)
    );

    // The input is never overwritten.
    let out = import(&sim, &file, &["--reject-file", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("that is the input file"),
        "{}",
        stderr(&out)
    );
}

/// Issue 15: on a terminal the summary is the counts and a few failures, not every row.
#[test]
fn a_terminal_gets_counts_and_a_few_failures_not_every_row() {
    use crate::terminal::{bin, in_tmux, quote, skipped, tmux_installed};
    if !tmux_installed() {
        skipped("tmux not installed");
        return;
    }
    // Rows 0..=19 are refused: 20 failures of 300 rows.
    let url = stand_in_refusing(1000, Then::Die, |body| {
        body.contains("phone_number=815555000") || body.contains("phone_number=815555001")
    });
    let (dir, file) = write_csv(&leads(300));
    let rejects = dir.path().join("bad.csv");
    let command = format!(
        "{} --url {url} --api-user u --api-key k dialer import {} --contact-list L \
         --map phone=phone_number --reject-file {}; echo \"status $?\"",
        bin(),
        quote(&file),
        quote(&rejects)
    );
    let (_, screen) = in_tmux(dir.path(), "summary", &command);
    assert!(screen.contains("status 3"), "{screen}");
    assert!(
        screen.contains("280 sent, 0 skipped (invalid), 20 failed"),
        "{screen}"
    );
    let listed = screen
        .lines()
        .filter(|l| l.starts_with("line ") && l.contains(": server error"))
        .count();
    assert_eq!(listed, 5, "{screen}");
    assert!(
        screen.contains(&format!(
            "... and 15 more failed rows (a terminal shows 5); all of them are in {}",
            rejects.display()
        )),
        "{screen}"
    );
    assert!(
        screen.contains("the table lists 5 of the 300 rows sent"),
        "{screen}"
    );
    assert!(
        !screen.contains("8155550299"),
        "every row was printed:\n{screen}"
    );
    assert!(screen.lines().count() < 60, "{screen}");
    assert_eq!(read_rejects(&rejects).len(), 21);
}

/// Issue 15: Ctrl-C prints how far the import got and how to resume, clears the progress
/// bar, and exits 130.
#[test]
fn ctrl_c_says_how_far_it_got_clears_the_bar_and_exits_130() {
    use crate::terminal::{Tmux, bin, quote, skipped, tmux_installed};
    use std::time::{Duration, Instant};
    if !tmux_installed() {
        skipped("tmux not installed");
        return;
    }
    const ROWS: usize = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Ctrl-C reaches the whole foreground process group: the script's shell traps it, so
    // that it outlives the import and records its exit status.
    let file = d.join("leads.csv");
    std::fs::write(&file, leads(ROWS)).unwrap();
    let (go, done, raw, out, home) = (
        d.join("go"),
        d.join("done"),
        d.join("raw"),
        d.join("out.jsonl"),
        d.join("home"),
    );
    std::fs::create_dir_all(&home).unwrap();
    let script = d.join("run.sh");
    std::fs::write(
        &script,
        format!(
            "unset DLSPBX_URL DLSPBX_API_USER DLSPBX_API_KEY DLSPBX_API_KEY_FILE DLSPBX_CONFIG \
             DLSPBX_FORMAT DLSPBX_ENCODING\n\
             export HOME={home} XDG_CONFIG_HOME={home}/config\n\
             trap true INT\n\
             while [ ! -f {go} ]; do sleep 0.05; done\n\
             {bin} dialer import {file} --contact-list Leads --map phone=phone_number -o jsonl > {out}\n\
             echo \"exit $?\" > {done}\n\
             sleep 300\n",
            home = quote(&home),
            go = quote(&go),
            bin = bin(),
            file = quote(&file),
            out = quote(&out),
            done = quote(&done),
        ),
    )
    .unwrap();
    let tmux = Tmux {
        socket: d.join("int.sock"),
    };
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "int",
        "-x",
        "160",
        "-y",
        "40",
        &format!("sh {}", quote(&script)),
    ]);
    tmux.run(&[
        "pipe-pane",
        "-o",
        "-t",
        "int",
        &format!("cat > {}", quote(&raw)),
    ]);
    std::thread::sleep(Duration::from_millis(200));
    std::fs::write(&go, "").unwrap();

    // Wait for the bar, then press Ctrl-C.
    let started = Instant::now();
    let drawn = || {
        String::from_utf8_lossy(&std::fs::read(&raw).unwrap_or_default())
            .contains(&format!("/{ROWS} contacts"))
    };
    while !drawn() {
        assert!(
            started.elapsed() < Duration::from_secs(60) && !done.exists(),
            "no progress bar; screen:\n{}",
            tmux.run(&["capture-pane", "-p", "-t", "int"])
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    tmux.run(&["send-keys", "-t", "int", "C-c"]);
    while !done.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the import did not stop; screen:\n{}",
            tmux.run(&["capture-pane", "-p", "-t", "int"])
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let screen = tmux.run(&["capture-pane", "-p", "-t", "int", "-S", "-"]);
    assert_eq!(
        std::fs::read_to_string(&done).unwrap().trim(),
        "exit 130",
        "{screen}"
    );
    let said = screen
        .lines()
        .find_map(|l| l.strip_prefix("dlspbx: interrupted after "))
        .unwrap_or_else(|| panic!("no interrupted line:\n{screen}"));
    let (n, rest) = said.split_once(" of ").unwrap();
    assert_eq!(
        rest,
        format!("{ROWS}; rerun with --resume to send the rest"),
        "{screen}"
    );
    let n: usize = n.parse().unwrap();
    assert!(n > 0 && n < ROWS, "{n}");
    assert!(
        !screen.contains("importing ["),
        "the bar was left:\n{screen}"
    );
    // Every stored row is in the output and in the journal.
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), n, "{screen}");
    assert!(written.lines().all(|l| l.contains("\"status\":\"sent\"")));
    let journal = std::fs::read_to_string(d.join("leads.csv.dlspbx-journal")).unwrap();
    assert_eq!(journal.lines().count(), n);
}
