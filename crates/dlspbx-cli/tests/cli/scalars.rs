//! One scalar vocabulary: the forms one command takes, every command takes, and a refusal
//! lists them. Each test runs the binary (`--dry-run`: nothing is sent) on the pairs of
//! commands that disagreed.

use crate::{dlspbx, dlspbx_no_sim, stderr, stdout};

/// The body line of a dry run (the last line), form-decoded, or the refusal (exit 4).
fn body(args: &[&str]) -> Result<String, String> {
    let out = dlspbx_no_sim()
        .args([
            "--url",
            "https://pbx.example.com",
            "--api-user",
            "u",
            "--api-key",
            "k",
        ])
        .arg("--dry-run")
        .args(args)
        .output()
        .unwrap();
    if !out.status.success() {
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        return Err(stderr(&out));
    }
    let text = stdout(&out);
    let last = text.lines().last().unwrap_or_default();
    Ok(last
        .replace("%5B", "[")
        .replace("%5D", "]")
        .replace("%3D", "=")
        .replace("%3A", ":")
        .replace("%2F", "/")
        .replace('+', " "))
}

#[test]
fn sort_directions_mean_the_same_in_the_report_and_the_sms_query() {
    for word in ["desc", "DESC", "descending", "DESCENDING"] {
        let report = body(&["report", "--column", "date", "--order-direction", word]).unwrap();
        assert!(
            report.ends_with("options[]=order_direction=DESCENDING"),
            "{word}: {report}"
        );
        let sms = body(&["sms", "query-sms", "--order-by", word]).unwrap();
        assert!(sms.ends_with("order_by=desc"), "{word}: {sms}");
    }
    for word in ["asc", "Ascending"] {
        assert!(
            body(&["report", "--column", "date", "--order-direction", word])
                .unwrap()
                .ends_with("=ASCENDING")
        );
        assert!(
            body(&["sms", "query-sms", "--order-by", word])
                .unwrap()
                .ends_with("order_by=asc")
        );
    }
    let report = body(&["report", "--column", "date", "--order-direction", "down"]).unwrap_err();
    assert!(
        report.contains("expected one of ASCENDING (or asc), DESCENDING (or desc)"),
        "{report}"
    );
    let sms = body(&["sms", "query-sms", "--order-by", "down"]).unwrap_err();
    assert!(
        sms.contains("expected one of asc (or ascending), desc (or descending)"),
        "{sms}"
    );
}

#[test]
fn a_formatted_phone_number_means_the_same_in_the_dialer_and_the_subscriber_lists() {
    for given in ["(815) 555-1234", "+1 815.555.1234", "1-815-555-1234"] {
        let sub = body(&[
            "subscribers",
            "add-subscriber",
            "--phone-number",
            given,
            "--campaign-id",
            "C1",
        ])
        .unwrap();
        assert!(sub.contains("phone_number=8155551234&"), "{given}: {sub}");
        let dialer = body(&[
            "dialer",
            "add-contact",
            "--contact-list",
            "Leads",
            "--phone-number",
            given,
        ])
        .unwrap();
        assert!(
            dialer.contains("phone_number=8155551234"),
            "{given}: {dialer}"
        );
    }
    // One NANP rule refuses the same numbers in both, with the same reason.
    let sub = body(&[
        "subscribers",
        "add-subscriber",
        "--phone-number",
        "(911) 555-1234",
        "--campaign-id",
        "C1",
    ])
    .unwrap_err();
    let dialer = body(&[
        "dialer",
        "add-contact",
        "--contact-list",
        "Leads",
        "--phone-number",
        "(911) 555-1234",
    ])
    .unwrap_err();
    for e in [&sub, &dialer] {
        assert!(
            e.contains("911 is a service code (N11), not an area code"),
            "{e}"
        );
    }
}

#[test]
fn dates_mean_the_same_in_the_report_and_the_sms_filters() {
    for (given, sent) in [
        ("2024-06-01", "2024-06-01 00:00:00"),
        ("2024-06-01 08:30", "2024-06-01 08:30:00"),
        ("2024-06-01T08:30:15", "2024-06-01 08:30:15"),
        ("06/01/2024 8:30 am", "2024-06-01 08:30:00"),
    ] {
        let report = body(&["report", "--column", "date", "--from", given]).unwrap();
        assert!(
            report.ends_with(&format!("options[]=from={sent}")),
            "{given}: {report}"
        );
        let sms = body(&["sms", "query-sms", "--filters-from", given]).unwrap();
        assert!(
            sms.ends_with(&format!("filters[from]={sent}")),
            "{given}: {sms}"
        );
    }
    // Instants where the field allows them (the SMS filters), refused by the report.
    let sms = body(&["sms", "query-sms", "--filters-to", "2024-06-01T10:00:00Z"]).unwrap();
    assert!(sms.ends_with("filters[to]=1717236000"), "{sms}");
    let report = body(&["report", "--column", "date", "--to", "2024-06-01T10:00:00Z"]).unwrap_err();
    assert!(report.contains("is not accepted here"), "{report}");
    // One refusal, listing the same forms.
    let forms = dlspbx_core::scalar::DATETIME_FORMS;
    let report = body(&["report", "--column", "date", "--from", "June 1st"]).unwrap_err();
    let sms = body(&["sms", "query-sms", "--filters-from", "June 1st"]).unwrap_err();
    for e in [&report, &sms] {
        assert!(e.contains(forms), "{e}");
    }
    // Relative dates are the CLI's: resolved to an absolute time before the core sees them.
    let report = body(&[
        "report",
        "--column",
        "date",
        "--from",
        "today",
        "--timezone",
        "utc",
    ])
    .unwrap();
    let today = report.rsplit("from=").next().unwrap_or_default();
    assert!(
        today.len() == 19 && today.ends_with(" 00:00:00"),
        "{report}"
    );
    let sms = body(&["sms", "query-sms", "--filters-from", "TODAY"]).unwrap();
    assert!(sms.ends_with(&format!("filters[from]={today}")), "{sms}");
}

/// `now-<N><unit>` and `<N><unit> ago` are sent as the time they mean, checked against the
/// clock with a margin (the unit tests of `params` check them against a fixed clock); a
/// malformed one is refused naming the flag and the forms.
#[test]
fn relative_offsets_are_resolved_against_the_clock() {
    let sent_at = |args: &[&str], key: &str| {
        let before = jiff::Timestamp::now();
        let text = body(args).unwrap();
        let after = jiff::Timestamp::now();
        let value = text.rsplit(key).next().unwrap_or_default().to_owned();
        let dt: jiff::civil::DateTime = value.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        let t = dt.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp();
        (before, t, after, text)
    };
    for (given, secs) in [
        ("now-24h", 86_400),
        ("now-30m", 1_800),
        ("now-7d", 7 * 86_400),
        ("24h ago", 86_400),
        ("7d ago", 7 * 86_400),
        ("90m ago", 5_400),
        ("2w ago", 14 * 86_400),
        ("now-45s", 45),
    ] {
        for (args, key) in [
            (
                vec![
                    "report",
                    "--column",
                    "date",
                    "--timezone",
                    "UTC",
                    "--from",
                    given,
                ],
                "from=",
            ),
            (
                vec![
                    "report",
                    "--column",
                    "date",
                    "--option",
                    &format!("to={given}"),
                ],
                "to=",
            ),
            (
                vec!["sms", "query-sms", "--filters-from", given],
                "filters[from]=",
            ),
            (
                vec!["sms", "query-sms", "--filters", &format!("to={given}")],
                "filters[to]=",
            ),
        ] {
            let (before, t, after, text) = sent_at(&args, key);
            let span = jiff::SignedDuration::from_secs(secs);
            // Whole seconds are sent: allow one below.
            let lo = before - span - jiff::SignedDuration::from_secs(1);
            let hi = after - span;
            assert!(
                lo <= t && t <= hi,
                "{given} {args:?}: {t} not in {lo}..{hi}: {text}"
            );
        }
    }
    // The long help of every date-time flag lists the forms.
    for (cmd, flag) in [
        (&["report"][..], "--from"),
        (&["sms", "query-sms"], "--filters-from"),
    ] {
        let out = dlspbx().args(cmd).arg("--help").output().unwrap();
        let help = stdout(&out);
        let at = help
            .find(&format!("      {flag} <"))
            .unwrap_or_else(|| panic!("{flag}: {help}"));
        let next = help[at + 8..]
            .find("\n      --")
            .map_or(help.len(), |n| at + 8 + n);
        // Help lines are wrapped: compare the words.
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words(&help[at..next]).contains(&words(dlspbx_cli::params::RELATIVE_FORMS)),
            "{flag}: {}",
            &help[at..next]
        );
    }
    for bad in ["now-5y", "now+1d", "3 ago"] {
        for (args, flag) in [
            (
                vec!["report", "--column", "date", "--from", bad],
                "dlspbx: invalid --from: ",
            ),
            (
                vec!["sms", "query-sms", "--filters-to", bad],
                "dlspbx: invalid --filters-to: ",
            ),
        ] {
            let e = body(&args).unwrap_err();
            assert!(e.starts_with(flag), "{bad}: {e}");
            assert!(e.contains(dlspbx_cli::params::RELATIVE_FORMS), "{bad}: {e}");
        }
    }
}

#[test]
fn booleans_take_one_word_list() {
    for (word, sent) in [
        ("y", "true"),
        ("YES", "true"),
        ("on", "true"),
        ("n", "false"),
        ("0", "false"),
    ] {
        let report = body(&["report", "--column", "date", "--count-only", word]).unwrap();
        assert!(
            report.ends_with(&format!("options[]=count_only={sent}")),
            "{word}: {report}"
        );
    }
    let e = body(&["report", "--column", "date", "--count-only", "maybe"]).unwrap_err();
    assert!(e.contains(dlspbx_core::scalar::FLAG_WORDS), "{e}");
}

#[test]
fn unknown_time_zones_are_refused_with_what_is_expected() {
    let e = body(&["report", "--column", "date", "--timezone", "Mars/Base"]).unwrap_err();
    assert!(
        e.contains("Mars/Base") && e.contains("America/Chicago, or UTC"),
        "{e}"
    );
    let ok = body(&[
        "report",
        "--column",
        "date",
        "--timezone",
        "america/chicago",
    ])
    .unwrap();
    assert!(ok.ends_with("options[]=timezone=America/Chicago"), "{ok}");
}
