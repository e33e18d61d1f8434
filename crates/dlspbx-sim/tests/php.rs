//! Issue 16, section 3: PHP server habits over real HTTP. The simulator prints a diagnostic
//! before the body (`--php-diagnostics`, or `X-Sim-Php` for one request), a fatal error or a
//! proxy's 502 page instead of it; the clients decode the body after a diagnostic and keep
//! the diagnostic as a warning, and name a fatal error and an HTML page.

mod common;

use common::Client as Http;
use dlspbx::RetryPolicy;
use dlspbx::dialer::AddContactListRequest;
use dlspbx::prelude::*;
use dlspbx::reports::{Column, ReportRequest};
use dlspbx_core::wire::preamble::PhpLevel;
use dlspbx_sim::php::PhpHabit;
use dlspbx_sim::{Sim, SimConfig};

fn start(habit: Option<PhpHabit>) -> Sim {
    Sim::start_with(SimConfig {
        cdrs: 300,
        php_diagnostics: habit,
        ..SimConfig::default()
    })
    .expect("sim starts")
}

fn client(sim: &Sim) -> Client {
    Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key(sim.api_key())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[test]
fn the_body_after_a_diagnostic_decodes_in_every_format() {
    for (habit, level) in [
        (PhpHabit::Notice, Some(PhpLevel::Notice)),
        (PhpHabit::Deprecated, Some(PhpLevel::Deprecated)),
        (PhpHabit::Bom, None),
    ] {
        let sim = start(Some(habit));
        for format in Format::ALL {
            let c = client(&sim).with_format(format);
            let raw = c
                .call_raw(AddContactListRequest::new(format!("Leads {format}")))
                .unwrap();
            assert_eq!(raw.status, 200);
            let body = String::from_utf8_lossy(&raw.body).into_owned();
            match level {
                Some(PhpLevel::Notice) => {
                    assert!(body.starts_with("<br />\n<b>Notice</b>:"), "{body}")
                }
                Some(_) => assert!(body.starts_with("\nDeprecated: "), "{body}"),
                None => assert!(body.starts_with("\u{feff}\n\r\n"), "{body:?}"),
            }
            let id = raw
                .decode::<AddContactListRequest>()
                .unwrap_or_else(|e| panic!("{habit:?} {format}: {e}\n{body}"))
                .id;
            assert!(id > 0, "{format}");
            match level {
                Some(level) => {
                    assert_eq!(raw.server_warnings.len(), 1, "{format}");
                    assert_eq!(raw.server_warnings[0].level, level);
                    assert!(
                        raw.server_warnings[0]
                            .message
                            .contains("/var/www/api/v1/dialer.php on line"),
                        "{}",
                        raw.server_warnings[0]
                    );
                }
                None => assert!(raw.server_warnings.is_empty()),
            }
            // The typed call too.
            let typed = c.call(AddContactListRequest::new(format!("More {format}")));
            assert!(typed.is_ok_and(|r| r.id > id), "{habit:?} {format}");
        }
        // A streamed report: the prefix is stripped from the stream too.
        for format in [Format::Json, Format::Csv] {
            let mut rows = 0;
            let summary = client(&sim)
                .with_format(format)
                .report_export(ReportRequest::new([Column::UniqueId, Column::Date]), |_| {
                    rows += 1;
                    Ok::<(), Error>(())
                })
                .unwrap_or_else(|e| panic!("{habit:?} export {format}: {e}"));
            assert!(rows > 100, "{rows}");
            assert_eq!(summary.rows, rows);
            if format == Format::Json {
                assert_eq!(summary.total_results, Some(rows as i64));
            }
            assert_eq!(
                summary.server_warnings.first().map(|w| w.level),
                level,
                "{format}"
            );
        }
    }
}

#[test]
fn a_fatal_error_and_a_proxy_page_are_named() {
    let sim = start(Some(PhpHabit::Fatal));
    for format in Format::ALL {
        let e = client(&sim)
            .with_format(format)
            .call(AddContactListRequest::new("Leads"))
            .unwrap_err();
        match &e {
            Error::PhpFatal(d) => {
                assert_eq!(d.level, PhpLevel::FatalError);
                assert!(d.message.starts_with("Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in /var/www/api/v1/dialer.php:12"), "{}", d.message);
            }
            other => panic!("{format}: {other:?}"),
        }
        assert!(
            e.to_string()
                .starts_with("server error: PHP Fatal error: Uncaught PDOException")
        );
    }
    // A proxy's page comes with its 502: the status, with the page's title in the excerpt.
    let sim = start(Some(PhpHabit::BadGateway));
    for format in Format::ALL {
        let e = client(&sim)
            .with_format(format)
            .call(AddContactListRequest::new("Leads"))
            .unwrap_err();
        assert!(
            matches!(&e, Error::Status { status: 502, body_excerpt } if body_excerpt.contains("<title>502 Bad Gateway</title>")),
            "{e:?}"
        );
    }
}

#[test]
fn one_request_can_ask_for_a_habit() {
    let sim = start(None);
    let http = Http::new(&sim.url(), sim.api_user(), sim.api_key());
    let ask = |habit: &str| {
        http.raw(
            "POST",
            "/api/v1/example.php?api_action=test&api_format=json",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("X-Sim-Php", habit),
            ],
            format!(
                "api_user={}&api_key={}",
                common::enc(&http.user),
                common::enc(&http.key)
            )
            .as_bytes(),
        )
    };
    let plain = ask("none of these");
    assert!(plain.body.starts_with('{'), "{}", plain.body);
    let notice = ask("notice");
    assert!(notice.body.starts_with("<br />\n<b>Notice</b>:  Undefined index: country in <b>/var/www/api/v1/example.php</b> on line <b>42</b><br />\n{\"result\":\"success\""), "{}", notice.body);
    assert!(
        notice.content_type.starts_with("text/html"),
        "{}",
        notice.content_type
    );
    let fatal = ask("FATAL");
    assert!(
        fatal.body.starts_with("<br />\n<b>Fatal error</b>:"),
        "{}",
        fatal.body
    );
    let page = ask("bad-gateway");
    assert_eq!(page.status, 502);
    assert!(page.body.contains("<title>502 Bad Gateway</title>"));
}
