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
    let out = import(&sim, &file, &[]);
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
    let out = import(&sim, &file, &["--skip-invalid", "--concurrency", "3"]);
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
    let out = import(&sim, &file, &["--skip-invalid"]);
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
