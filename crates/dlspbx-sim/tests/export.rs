//! Reports of every row (`page=ALL`) in JSON and CSV are streamed as the rows are read: the
//! bytes are those of the buffered answer, errors found before the first row are ordinary
//! answers, and a file database keeps serving other requests meanwhile.

mod common;

use common::{Client, error_of, ok};
use dlspbx_sim::{Sim, SimConfig};
use std::io::Read;
use std::time::{Duration, Instant};

fn report_fields<'a>(paging: &'a str, extra: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("columns[]", "unique_id"),
        ("columns[]", "date"),
        ("columns[]", "callerid"),
        ("columns[]", "src"),
        ("columns[]", "billable_duration"),
        ("columns[]", "bridged"),
        ("options[]", paging),
    ];
    fields.extend(extra.iter().map(|o| ("options[]", *o)));
    fields
}

/// The streamed answer (`page=ALL`) is byte for byte the buffered one (one page holding
/// every row), in every option combination that changes how cells are written.
fn streamed_equals_buffered(sim: &Sim) {
    let c = Client::new(&sim.url(), sim.api_user(), sim.api_key());
    let variants: [&[&str]; 3] = [
        &[],
        &[
            "formatted_dates=true",
            "formatted_durations=true",
            "formatted_tns=true",
            "formatted_columns_names=true",
        ],
        &["order_by=billable_duration", "order_direction=ASCENDING"],
    ];
    for format in ["json", "csv"] {
        for extra in variants {
            let streamed = c.form_in(
                "reports.php",
                "report",
                format,
                &report_fields("page=ALL", extra),
            );
            let buffered = c.form_in(
                "reports.php",
                "report",
                format,
                &report_fields("per_page=1000000", extra),
            );
            assert_eq!(streamed.status, 200);
            assert_eq!(streamed.content_type, buffered.content_type);
            assert!(
                streamed.body.len() > 10_000,
                "{format}: {}",
                streamed.body.len()
            );
            assert!(
                streamed.body == buffered.body,
                "{format} {extra:?}: the streamed answer differs from the buffered one\n{}\n---\n{}",
                &streamed.body[..300.min(streamed.body.len())],
                &buffered.body[..300.min(buffered.body.len())]
            );
        }
    }
    // No rows: the frame alone.
    let none = c.form(
        "reports.php",
        "report",
        &report_fields(
            "page=ALL",
            &["from=1990-01-01 00:00:00", "to=1990-01-02 00:00:00"],
        ),
    );
    assert_eq!(none["total_results"], 0);
    assert_eq!(none["results"], serde_json::json!([]));
}

#[test]
fn streamed_reports_match_the_buffered_answer_in_memory() {
    let sim = Sim::start_with(SimConfig {
        cdrs: 3_000,
        ..SimConfig::default()
    })
    .unwrap();
    streamed_equals_buffered(&sim);
}

#[test]
fn streamed_reports_match_the_buffered_answer_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start_with(SimConfig {
        db: Some(dir.path().join("export.db")),
        cdrs: 3_000,
        ..SimConfig::default()
    })
    .unwrap();
    streamed_equals_buffered(&sim);
}

#[test]
fn errors_before_the_first_row_are_ordinary_answers() {
    let sim = Sim::start().unwrap();
    let c = Client::new(&sim.url(), sim.api_user(), sim.api_key());
    let v = c.form(
        "reports.php",
        "report",
        &report_fields("page=ALL", &["page_offset=3"]),
    );
    // The core's request check (`checks::report_paging`), which the simulator applies too.
    assert!(
        error_of(&v)
            .contains("`options[page_offset]`: \"3\" cannot be combined with `options[page]`"),
        "{v}"
    );
    let wrong = c.as_user(sim.api_user(), "wrong");
    let v = wrong.form("reports.php", "report", &report_fields("page=ALL", &[]));
    assert_eq!(error_of(&v), "Invalid API credentials");
    let r = wrong.form_in(
        "reports.php",
        "report",
        "csv",
        &report_fields("page=ALL", &[]),
    );
    assert!(r.body.starts_with("result,error"), "{}", r.body);
    // count_only and the other formats are answered the ordinary way.
    let v = ok(c.form(
        "reports.php",
        "report",
        &report_fields("page=ALL", &["count_only=true"]),
    ));
    assert_eq!(v["results"], serde_json::json!([]));
    let r = c.form_in(
        "reports.php",
        "report",
        "xml",
        &report_fields("page=ALL", &[]),
    );
    assert!(r.body.contains("<total_results>"), "{}", &r.body[..200]);
}

#[test]
fn a_slow_export_from_a_file_does_not_block_other_requests() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start_with(SimConfig {
        db: Some(dir.path().join("slow.db")),
        cdrs: 20_000,
        ..SimConfig::default()
    })
    .unwrap();
    // Start an export and read only its first bytes: the server is blocked on the full
    // channel, in the middle of the rows.
    let body = format!(
        "api_user={}&api_key={}&columns[]=unique_id&columns[]=src_label&columns[]=dst_label&options[]=page%3DALL",
        common::enc(sim.api_user()),
        common::enc(sim.api_key())
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(format!(
            "{}/api/v1/reports.php?api_action=report&api_format=csv",
            sim.url()
        ))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body)
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("content-length").is_none(),
        "a streamed answer has no length"
    );
    let mut reader = response.body_mut().as_reader();
    let mut start = [0u8; 100];
    reader.read_exact(&mut start).unwrap();
    assert!(start.starts_with(b"unique_id,src_label,dst_label\n"));

    // Meanwhile, reads and writes go on.
    let c = Client::new(&sim.url(), sim.api_user(), sim.api_key());
    let started = Instant::now();
    let list = ok(c.form(
        "dialer.php",
        "add_contact_list",
        &[("name", "during export")],
    ));
    ok(c.form(
        "dialer.php",
        "add_contact",
        &[
            ("contact_list", list["id"].as_str().unwrap()),
            ("phone_number", "8153550000"),
        ],
    ));
    ok(c.form("status.php", "queues", &[]));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // The export then completes, with every row.
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    let lines = start.iter().filter(|&&b| b == b'\n').count() + rest.matches('\n').count();
    let total = ok(c.form(
        "reports.php",
        "report",
        &report_fields("page=ALL", &["count_only=true"]),
    ));
    let total: usize = total["total_results"].as_u64().unwrap() as usize;
    assert_eq!(lines, total + 1, "header and every row");
}
