//! `dlspbx dialer import`: validation first, then bounded-concurrency sending; re-running adds
//! no duplicates (checked in the simulator's database).

use crate::{dlspbx, stderr, stdout};

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
    dlspbx()
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
    let out = dlspbx()
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
    dlspbx()
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
    dlspbx()
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
