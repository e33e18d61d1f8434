//! Issue 16, defect 3: the report's `timezone` over real HTTP. Stored dates are UTC; a report
//! shows them, and reads `from`/`to`, in its zone; the title names the zone and its offset at
//! the start of the range; an unknown zone is the API's error.

mod common;

use common::{Client, error_of, ok};
use dlspbx_sim::{Sim, SimConfig, time};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const HOUR: i64 = 3600;

fn client() -> Client {
    static SIM: OnceLock<Sim> = OnceLock::new();
    // 4,000 calls from 2024-01-01 to early April: both sides of the US DST change (Mar 10).
    let s = SIM.get_or_init(|| {
        Sim::start_with(SimConfig {
            cdrs: 4000,
            seed: 7,
            ..SimConfig::default()
        })
        .expect("sim starts")
    });
    Client::new(&s.url(), s.api_user(), s.api_key())
}

fn report(c: &Client, options: &[&str]) -> Value {
    let mut fields = vec![
        ("columns[]", "unique_id"),
        ("columns[]", "date"),
        ("options[]", "page=ALL"),
    ];
    fields.extend(options.iter().map(|o| ("options[]", *o)));
    ok(c.form("reports.php", "report", &fields))
}

/// `unique_id` → `date` of every row.
fn dates(v: &Value) -> BTreeMap<String, String> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_owned(),
                r[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn utc(s: &str) -> i64 {
    time::parse(s).unwrap_or_else(|| panic!("not a date: {s}"))
}

#[test]
fn dates_are_shown_in_the_report_time_zone() {
    let c = client();
    let in_utc = dates(&report(&c, &["timezone=UTC"]));
    let chicago = dates(&report(&c, &["timezone=America/Chicago"]));
    let auckland = dates(&report(&c, &["timezone=Pacific/Auckland"]));
    let default = dates(&report(&c, &[]));
    assert!(in_utc.len() > 1000);
    assert_eq!(chicago, default, "the default zone is America/Chicago");
    assert_eq!(
        in_utc.keys().collect::<Vec<_>>(),
        auckland.keys().collect::<Vec<_>>()
    );
    // US DST starts 2024-03-10 08:00 UTC; New Zealand's ends 2024-04-06 14:00 UTC.
    let us_dst = utc("2024-03-10 08:00:00");
    let nz_std = utc("2024-04-06 14:00:00");
    let mut checked = (0, 0);
    for (id, date) in &in_utc {
        let t = utc(date);
        let chicago_offset = if t < us_dst { -6 } else { -5 };
        let auckland_offset = if t < nz_std { 13 } else { 12 };
        assert_eq!(
            chicago[id],
            time::format_datetime(t + chicago_offset * HOUR),
            "{id}: {date} UTC in Chicago"
        );
        assert_eq!(
            auckland[id],
            time::format_datetime(t + auckland_offset * HOUR),
            "{id}: {date} UTC in Auckland"
        );
        if t < us_dst {
            checked.0 += 1;
        } else {
            checked.1 += 1;
        }
    }
    assert!(checked.0 > 100 && checked.1 > 100, "{checked:?}");

    // formatted_dates too.
    let v = report(&c, &["timezone=Pacific/Auckland", "formatted_dates=true"]);
    let (id, first) = dates(&v).into_iter().next().unwrap();
    let t = utc(&in_utc[&id]) + 13 * HOUR;
    assert_eq!(first, time::format_us(t));
}

#[test]
fn from_and_to_are_read_in_the_report_time_zone() {
    let c = client();
    let in_utc = dates(&report(&c, &["timezone=UTC"]));
    let day = dates(&report(
        &c,
        &[
            "timezone=America/Chicago",
            "from=2024-02-01 00:00:00",
            "to=2024-02-01 23:59:59",
        ],
    ));
    // Feb 1 in Chicago (UTC-6) is 06:00 on Feb 1 to 05:59:59 on Feb 2 in UTC.
    let expected: Vec<&String> = in_utc
        .iter()
        .filter(|(_, d)| d.as_str() >= "2024-02-01 06:00:00" && d.as_str() <= "2024-02-02 05:59:59")
        .map(|(id, _)| id)
        .collect();
    assert!(expected.len() > 5, "{}", expected.len());
    assert_eq!(day.keys().collect::<Vec<_>>(), expected);
    assert!(
        day.values().all(|d| d.starts_with("2024-02-01 ")),
        "{day:?}"
    );
    // The same range in UTC selects other rows.
    let day_utc = dates(&report(
        &c,
        &[
            "timezone=UTC",
            "from=2024-02-01 00:00:00",
            "to=2024-02-01 23:59:59",
        ],
    ));
    assert_ne!(day_utc.keys().collect::<Vec<_>>(), expected);
}

#[test]
fn the_title_carries_the_offset_at_the_start_of_the_range() {
    let c = client();
    let title = |options: &[&str]| {
        let mut o = vec!["count_only=true"];
        o.extend_from_slice(options);
        report(&c, &o)["title"].as_str().unwrap().to_owned()
    };
    // Spanning the change to DST: the offset at `from`.
    assert_eq!(
        title(&[
            "timezone=America/Chicago",
            "from=2024-03-09 00:00:00",
            "to=2024-03-12 00:00:00"
        ]),
        "Restrict inclusive by date range 'Sat, Mar 9, 2024 12:00 am' to 'Tue, Mar 12, 2024 12:00 am' - America/Chicago UTC-6:00"
    );
    assert_eq!(
        title(&[
            "timezone=America/Chicago",
            "from=2024-03-11 00:00:00",
            "to=2024-03-12 00:00:00"
        ]),
        "Restrict inclusive by date range 'Mon, Mar 11, 2024 12:00 am' to 'Tue, Mar 12, 2024 12:00 am' - America/Chicago UTC-5:00 (DST)"
    );
    assert_eq!(
        title(&["timezone=Pacific/Auckland", "from=2024-01-05 08:30:00"]),
        "Restrict inclusive by date range 'Fri, Jan 5, 2024 8:30 am' to 'now' - Pacific/Auckland UTC+13:00 (DST)"
    );
    // All dates: the offset at the first call (January).
    assert_eq!(title(&["timezone=utc"]), "All dates - UTC UTC+0:00");
    assert_eq!(title(&[]), "All dates - America/Chicago UTC-6:00");
    assert_eq!(
        title(&["timezone=asia/kolkata"]),
        "All dates - Asia/Kolkata UTC+5:30"
    );
}

#[test]
fn an_unknown_time_zone_is_an_error() {
    let c = client();
    for format in ["json", "xml"] {
        let r = c.form_in(
            "reports.php",
            "report",
            format,
            &[("columns[]", "date"), ("options[]", "timezone=Mars/Base")],
        );
        if format == "json" {
            let e = error_of(&r.json());
            assert!(e.contains("Mars/Base") && e.contains("time zone"), "{e}");
        } else {
            assert!(r.body.contains("<result>error</result>"), "{}", r.body);
            assert!(r.body.contains("Mars/Base"), "{}", r.body);
        }
        assert!(!r.body.contains("success"), "{}", r.body);
    }
}
