//! Property: a response written by our server-style writer in any format decodes back to the
//! same value (generated types, all formats but plain, which carries no data).

use dlspbx_core::wire::{KeyedList, Str};
use dlspbx_core::{
    Endpoint, Format, sms::QuerySmsRequest, status::QueuesRequest, status::UsersRequest,
};
use proptest::prelude::*;

/// Text a PHP server could send: printable Unicode with the characters every format escapes.
/// PHP's CSV cannot carry a value ending in a backslash that also needs quoting (fgetcsv reads
/// `\"` as an escaped quote); such values are left out (see `wire::csv::representable`).
fn text() -> impl Strategy<Value = String> {
    any_text().prop_filter("representable in PHP's CSV", |s| {
        dlspbx_core::wire::csv::representable(s)
    })
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,24}",
        "[a-zA-Z0-9 ,\"'<>&:#\\-\\\\/\n\t]{0,24}",
        "\\PC{0,12}",
        Just(String::new()),
        Just("0123".to_owned()),
        Just("yes".to_owned()),
        Just("~".to_owned()),
        Just("2024-01-01".to_owned()),
        Just(" padded ".to_owned()),
    ]
}

fn check<A: Endpoint>(json: &serde_json::Value) -> Result<(), TestCaseError> {
    let body = serde_json::to_vec(json).unwrap();
    let decoded =
        A::decode(Format::Json, &body).map_err(|e| TestCaseError::fail(format!("json: {e}")))?;
    let canonical =
        A::to_json(&decoded).map_err(|e| TestCaseError::fail(format!("canonical JSON: {e}")))?;
    for format in [Format::Json, Format::Xml, Format::Yaml, Format::Csv] {
        let written = A::encode(format, &decoded)
            .map_err(|e| TestCaseError::fail(format!("{format}: {e}")))?;
        let back = A::decode(format, &written).map_err(|e| {
            TestCaseError::fail(format!(
                "{format}: {e}\n{}",
                String::from_utf8_lossy(&written)
            ))
        })?;
        let back = A::to_json(&back)
            .map_err(|e| TestCaseError::fail(format!("{format}: canonical JSON: {e}")))?;
        let (got, want) = match (format, A::INFO.csv) {
            (Format::Csv, dlspbx_core::wire::CsvLayout::Table { rows, .. }) => {
                (back[rows].clone(), canonical[rows].clone())
            }
            _ => (back, canonical.clone()),
        };
        prop_assert_eq!(
            &got,
            &want,
            "{}:\n{}",
            format,
            String::from_utf8_lossy(&written)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn users_round_trip(users in prop::collection::vec((text(), text(), text(), 0i64..65536), 0..5)) {
        let users: Vec<_> = users.iter().map(|(u, s, h, p)| serde_json::json!({
            "ext": "100", "user": u, "tenant": "default", "authid": "abc", "vmail": "0/0",
            "status": s, "host": h, "port": p.to_string(),
        })).collect();
        check::<UsersRequest>(&serde_json::json!({ "result": "success", "users": users }))?;
    }

    #[test]
    fn queues_round_trip(names in prop::collection::vec("[a-z][a-z0-9_]{0,11}", 1..4), other in text(), waiting in 0i64..1000) {
        let mut queues = serde_json::Map::new();
        for (i, n) in names.iter().enumerate() {
            let agents = if i % 2 == 0 {
                serde_json::json!([])
            } else {
                serde_json::json!({ "agent1": {
                    "name": other, "tenant": "default", "tid": "0", "avail": "1", "callcount": "6",
                    "lastcall": "30 secs ago", "status": "Not in use", "otherdata": other,
                    "penalty": "0", "paused": "0"
                }})
            };
            queues.insert(n.clone(), serde_json::json!({
                "queue": n, "holdtime": "4s", "waiting": waiting.to_string(), "complete": "6",
                "lost": "1", "hunt": "ringall", "agents": agents,
            }));
        }
        check::<QueuesRequest>(&serde_json::json!({ "result": "success", "queues": queues }))?;
    }

    #[test]
    fn sms_rows_round_trip(rows in prop::collection::vec((text(), text()), 0..5)) {
        let results: Vec<_> = rows.iter().enumerate().map(|(i, (m, a))| serde_json::json!({
            "id": (3000 + i).to_string(), "timestamp": "2017-06-22 15:36:41", "src_label": "100@default - Phone",
            "dst_original_label": "", "dst_label": "2224445555", "status": "success", "direction": "outbound",
            "message": m, "account_code": a, "message_id": "1498157871.594c132f4c2fa",
        })).collect();
        check::<QuerySmsRequest>(&serde_json::json!({
            "result": "success", "total_results": rows.len().to_string(), "results_limit": "10",
            "results_offset": "0", "results": results,
        }))?;
    }
}

#[test]
fn maps_and_strs_are_the_public_zero_copy_types() {
    // Compile-time check that the re-exports users name in signatures exist.
    let _m: KeyedList<'static, Str<'static>> = KeyedList::default();
}
