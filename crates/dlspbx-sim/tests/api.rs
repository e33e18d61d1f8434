//! Every action over HTTP, the formats, the errors and tenant isolation.

mod common;

use common::{Client, enc, error_of, form_body, ok};
use dlspbx_core::{Endpoint, Format, dialer, example, reports, sms, status, subscribers};
use dlspbx_sim::{Sim, SimConfig};
use serde_json::json;
use std::sync::OnceLock;

fn sim() -> &'static Sim {
    static SIM: OnceLock<Sim> = OnceLock::new();
    SIM.get_or_init(|| {
        Sim::start_with(SimConfig {
            cdrs: 1500,
            seed: 11,
            ..SimConfig::default()
        })
        .expect("sim starts")
    })
}

fn client() -> Client {
    let s = sim();
    Client::new(&s.url(), s.api_user(), s.api_key())
}

fn acme() -> Client {
    let s = sim();
    Client::new(
        &s.url(),
        "100@acme",
        &s.key_of("100@acme").expect("acme key"),
    )
}

/// Checks that the generated client decoder reads the simulator's answer.
fn decodes<A: Endpoint>(format: Format, body: &str) {
    if let Err(e) = A::decode(format, body.as_bytes()) {
        panic!(
            "{} {}: the client cannot decode the {format} answer: {e}\n{body}",
            A::INFO.module,
            A::INFO.name
        );
    }
}

#[test]
fn example_test_in_every_format() {
    let c = client();
    let r = c.form_in("example.php", "test", "json", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/json");
    assert_eq!(r.json(), json!({"result": "success", "example_data": ""}));
    for (f, ct) in [
        (Format::Xml, "application/xml"),
        (Format::Yaml, "application/x-yaml"),
        (Format::Csv, "text/csv"),
        (Format::Plain, "text/plain"),
    ] {
        let r = c.form_in("example.php", "test", f.as_str(), &[]);
        assert_eq!(r.status, 200);
        assert_eq!(r.content_type, ct);
        decodes::<example::TestRequest>(f, &r.body);
    }
    assert_eq!(
        c.form_in("example.php", "test", "plain", &[]).body.trim(),
        "0"
    );
    assert!(
        c.form_in("example.php", "test", "xml", &[])
            .body
            .contains("<result>success</result>")
    );
    assert!(
        c.form_in("example.php", "test", "csv", &[])
            .body
            .contains("result,success")
    );
}

#[test]
fn format_from_accept_header_and_default() {
    let c = client();
    let body = form_body(&[("api_user", &c.user), ("api_key", &c.key)]);
    let r = c.raw(
        "POST",
        "/api/v1/example.php?api_action=test",
        &[("Accept", "application/x-yaml")],
        body.as_bytes(),
    );
    assert_eq!(r.content_type, "application/x-yaml");
    assert!(r.body.contains("result: success"), "{}", r.body);
    let r = c.raw(
        "POST",
        "/api/v1/example.php?api_action=test",
        &[],
        body.as_bytes(),
    );
    assert_eq!(r.content_type, "application/json");
    // api_action in the body; module without .php
    let body2 = form_body(&[
        ("api_user", &c.user),
        ("api_key", &c.key),
        ("api_action", "test"),
    ]);
    let r = c.raw("POST", "/api/v1/example", &[], body2.as_bytes());
    assert_eq!(r.json()["result"], "success", "{}", r.body);
}

#[test]
fn dialer_actions() {
    let c = client();
    let a = ok(c.form(
        "dialer.php",
        "add_contact_list",
        &[("name", "API test list")],
    ));
    let b = ok(c.form(
        "dialer.php",
        "add_contact_list",
        &[("name", "API test list")],
    ));
    assert_eq!(a["id"], b["id"], "same name, same list");
    let list_id = a["id"].as_str().unwrap().to_owned();
    let r = c.form_in(
        "dialer.php",
        "add_contact_list",
        "json",
        &[("name", "Another list")],
    );
    decodes::<dialer::AddContactListRequest>(Format::Json, &r.body);
    let plain = c.form_in(
        "dialer.php",
        "add_contact_list",
        "plain",
        &[("name", "API test list")],
    );
    assert_eq!(plain.body.trim(), list_id);

    let fields = [
        ("contact_list", "API test list"),
        ("first_name", "Ada"),
        ("last_name", "Lovelace"),
        ("phone_number", "(815) 555-0142"),
        ("state", "il"),
        ("zip_code", "60601"),
        ("dialOnDate", "2024-05-01"),
        ("custom:customer_account_id", "A-1001"),
    ];
    let first = ok(c.form("dialer.php", "add_contact", &fields));
    let again = ok(c.form(
        "dialer.php",
        "add_contact",
        &[
            ("contact_list", &list_id),
            ("phone_number", "+1 815 555 0142"),
        ],
    ));
    assert_eq!(
        first["id"], again["id"],
        "adding the same contact twice gives the same id"
    );
    let r = c.form_in("dialer.php", "add_contact", "json", &fields);
    decodes::<dialer::AddContactRequest>(Format::Json, &r.body);
    let (country, custom): (String, String) = sim().with_db(|db| {
        db.query_row(
            "SELECT country, custom_fields FROM contacts WHERE id = ?",
            [first["id"].as_str().unwrap().parse::<i64>().unwrap()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    });
    assert_eq!(country, "US", "the spec's default");
    assert_eq!(custom, r#"{"customer_account_id":"A-1001"}"#);

    let e = error_of(&c.form(
        "dialer.php",
        "add_contact",
        &[
            ("contact_list", "no such list"),
            ("phone_number", "8155550142"),
        ],
    ));
    assert!(e.starts_with("Unknown contact list"), "{e}");
}

#[test]
fn validation_errors_name_the_field() {
    let c = client();
    let e = error_of(&c.form(
        "dialer.php",
        "add_contact",
        &[("contact_list", "default leads"), ("phone_number", "1234")],
    ));
    assert!(e.contains("phone_number"), "{e}");
    let e = error_of(&c.form(
        "dialer.php",
        "add_contact",
        &[("contact_list", "default leads")],
    ));
    assert!(e.contains("phone_number"), "{e}");
    let e = error_of(&c.form(
        "sms.php",
        "send_sms",
        &[("dst", "100"), ("body", &"x".repeat(201))],
    ));
    assert!(e.contains("body"), "{e}");
    let e = error_of(&c.form("reports.php", "report", &[("columns[]", "no_such_column")]));
    assert!(e.contains("columns"), "{e}");
    // A mistyped filter key is refused, naming it, instead of filtering on nothing.
    let e = error_of(&c.form("sms.php", "query_sms", &[("filters[dts]", "100")]));
    assert!(e.contains("\"dts\" is not a key of filters"), "{e}");
    let e = error_of(&c.json(
        "sms.php",
        "query_sms",
        serde_json::json!({"filters": {"dts": "100"}}),
    ));
    assert!(e.contains("dts"), "{e}");
    let r = c.form_in(
        "dialer.php",
        "add_contact",
        "plain",
        &[("contact_list", "default leads"), ("phone_number", "1234")],
    );
    assert_eq!(r.body.trim(), "-1");
}

#[test]
fn credentials() {
    let s = sim();
    let c = client();
    for (user, key) in [
        (s.api_user(), "wrong"),
        ("", s.api_key()),
        (s.api_user(), ""),
        ("999@default", s.api_key()),
        ("100@acme", s.api_key()),
    ] {
        let v = c.as_user(user, key).form("example.php", "test", &[]);
        assert_eq!(error_of(&v), "Invalid API credentials", "{user}");
    }
    // Auth ID, bare extension and ext@tenant all work.
    for user in ["z64xxx2n", "100", "100@default"] {
        ok(c.as_user(user, s.api_key())
            .form("example.php", "test", &[]));
    }
    // A bare extension in two tenants is the one whose key matches.
    let acme_key = s.key_of("100@acme").unwrap();
    let v = ok(c.as_user("100", &acme_key).form("status.php", "users", &[]));
    assert!(
        v["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["tenant"] == "acme")
    );
    // Tom from the reference.
    ok(c.as_user("630", &s.key_of("beaucrn6").unwrap())
        .form("example.php", "test", &[]));
    // XML error shape.
    let r = c
        .as_user(s.api_user(), "wrong")
        .form_in("example.php", "test", "xml", &[]);
    assert!(
        r.body.contains("<error>Invalid API credentials</error>"),
        "{}",
        r.body
    );
}

#[test]
fn credentials_in_the_query_string_are_refused() {
    let c = client();
    let q = format!(
        "/api/v1/example.php?api_action=test&api_user={}&api_key={}",
        enc(&c.user),
        enc(&c.key)
    );
    let r = c.raw(
        "POST",
        &q,
        &[],
        form_body(&[("api_user", &c.user), ("api_key", &c.key)]).as_bytes(),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        error_of(&r.json()),
        "api_user and api_key must be sent in the POST body, never in the URL"
    );
    let r = c.raw("GET", &q, &[], b"");
    assert_eq!(r.status, 400);
    // GET without credentials could never succeed (issue 16): 405, in the asked format.
    let r = c.raw(
        "GET",
        "/api/v1/example.php?api_action=test&api_format=xml",
        &[],
        b"",
    );
    assert_eq!(r.status, 405);
    assert!(r.body.contains("<result>error</result>"), "{}", r.body);
}

#[test]
fn request_level_errors() {
    let c = client();
    let creds = form_body(&[("api_user", &c.user), ("api_key", &c.key)]);
    let r = c.raw(
        "POST",
        "/api/v1/nope.php?api_action=test",
        &[],
        creds.as_bytes(),
    );
    assert_eq!(r.status, 404);
    assert!(error_of(&r.json()).contains("Unknown API module"));
    let r = c.raw("POST", "/elsewhere", &[], b"");
    assert_eq!(r.status, 404);
    let r = c.raw(
        "PUT",
        "/api/v1/example.php?api_action=test",
        &[],
        creds.as_bytes(),
    );
    assert_eq!(r.status, 405);
    let r = c.raw(
        "POST",
        "/api/v1/example.php?api_action=test",
        &[("Content-Type", "application/json")],
        b"{not json",
    );
    assert_eq!(r.status, 400);
    assert!(error_of(&r.json()).contains("JSON"));
    let r = c.raw(
        "POST",
        "/api/v1/example.php?api_action=test&api_format=xml",
        &[("Content-Type", "application/xml")],
        b"<request><api_user>",
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<result>error</result>"));
    let r = c.raw(
        "POST",
        "/api/v1/example.php?api_action=test",
        &[("Content-Type", "text/html")],
        creds.as_bytes(),
    );
    assert_eq!(r.status, 415);
    // More variables than PHP's max_input_vars.
    let mut big = creds.clone();
    for i in 0..1200 {
        big.push_str(&format!("&x{i}=1"));
    }
    let r = c.raw(
        "POST",
        "/api/v1/example.php?api_action=test",
        &[],
        big.as_bytes(),
    );
    assert_eq!(r.status, 400);
    let e = error_of(&r.json());
    assert!(
        e.contains("max_input_vars = 1000") && e.contains("drop 201"),
        "{e}"
    );
    // Over 8 MB.
    let huge = format!("{creds}&pad={}", "a".repeat(8 * 1024 * 1024));
    let r = c.raw(
        "POST",
        "/api/v1/example.php?api_action=test",
        &[],
        huge.as_bytes(),
    );
    assert_eq!(r.status, 413);
    assert!(error_of(&r.json()).contains("8 MB"));
    // Unknown and missing actions are API-level errors.
    let v = c.form("example.php", "nope", &[]);
    assert!(error_of(&v).contains("Unknown api_action `nope`"));
    let r = c.raw("POST", "/api/v1/example.php", &[], creds.as_bytes());
    assert_eq!(r.status, 200);
    assert!(error_of(&r.json()).contains("api_action is required"));
    let r = c.raw(
        "POST",
        "/api/v1/example.php?api_action=test&api_format=html",
        &[],
        creds.as_bytes(),
    );
    assert!(error_of(&r.json()).contains("unknown format"));
}

#[test]
fn status_actions() {
    let c = client();
    let v = ok(c.form("status.php", "users", &[]));
    let users = v["users"].as_array().unwrap();
    assert!(
        users
            .iter()
            .any(|u| u["ext"] == "630" && u["user"] == "Tom" && u["authid"] == "beaucrn6")
    );
    assert!(users.iter().any(|u| u["ext"] == "69"
        && u["user"] == "Jerry"
        && u["authid"] == "cpirg16m"
        && u["status"] == "Unmonitored"));
    let v = ok(c.form("status.php", "queues", &[]));
    assert_eq!(
        v["queues"]["support_queue"]["agents"]["beaucrn6"]["name"],
        "Tom"
    );
    assert!(
        !v["queues"]["support_queue"]["calls_waiting"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let v = ok(c.form("status.php", "calls", &[]));
    assert_eq!(
        v["calls"]["inbound"][0]["connected_to"],
        "Queue:support_queue"
    );
    let v = ok(c.form("status.php", "faxes", &[]));
    assert!(v["faxes"]["fax_stats"]["switched_to_t.38"].is_string());
    let v = ok(c.form("status.php", "conferences", &[]));
    assert_eq!(v["conferences"][0]["conference_number"], "2000");
    let v = ok(c.form("status.php", "provisioning", &[]));
    assert_eq!(v["provisioning"][0]["mac_address"], "24:9a:d8:02:f4:4e");
    let v = ok(c.form("status.php", "dialer", &[]));
    assert_eq!(v["dialer"][0]["name"], "My Campaign");
    let v = ok(c.form("status.php", "dialerlogs", &[]));
    assert_eq!(
        v["logs"][0]["output"][0],
        "[Dec 29 17:32:12] STATUS: Ready for dialing"
    );

    for f in [Format::Json, Format::Xml, Format::Yaml, Format::Csv] {
        let get = |action: &str| c.form_in("status.php", action, f.as_str(), &[]).body;
        decodes::<status::UsersRequest>(f, &get("users"));
        decodes::<status::QueuesRequest>(f, &get("queues"));
        decodes::<status::CallsRequest>(f, &get("calls"));
        decodes::<status::FaxesRequest>(f, &get("faxes"));
        decodes::<status::ConferencesRequest>(f, &get("conferences"));
        decodes::<status::ProvisioningRequest>(f, &get("provisioning"));
        decodes::<status::DialerRequest>(f, &get("dialer"));
        decodes::<status::DialerlogsRequest>(f, &get("dialerlogs"));
    }
    assert_eq!(
        c.form_in("status.php", "users", "plain", &[]).body.trim(),
        "0"
    );
}

#[test]
fn sms_send_and_query() {
    let c = client();
    let v = ok(c.form(
        "sms.php",
        "send_sms",
        &[
            ("dst", "100,2223334444"),
            ("account_code", "505"),
            ("body", "This is a successful message."),
        ],
    ));
    assert_eq!(v["src"], "100");
    assert_eq!(v["dst"], json!(["100", "+12223334444"]));
    assert_eq!(v["body"], "This is a successful message.");
    assert_eq!(v["account_code"], "505");
    let mid = v["message_id"].as_str().unwrap().to_owned();
    let (secs, hex) = mid.split_once('.').unwrap();
    assert!(
        secs.parse::<u64>().is_ok()
            && hex.len() == 13
            && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{mid}"
    );

    // JSON body with an array dst, as in the reference's second sample.
    let r = c.json_in(
        "sms.php",
        "send_sms",
        "json",
        json!({"dst": ["100", "+12223334444"], "body": "second", "account_code": "505"}),
    );
    decodes::<sms::SendSmsRequest>(Format::Json, &r.body);
    let mid2 = r.json()["message_id"].as_str().unwrap().to_owned();
    assert_ne!(mid, mid2);

    // The reference's literal `filters[]` key.
    let v = ok(c.json(
        "sms.php",
        "query_sms",
        json!({"filters[]": {"message_id": [mid.clone()]}, "order_by": "ASC"}),
    ));
    assert_eq!(v["total_results"], "2");
    let res = v["results"].as_array().unwrap();
    assert_eq!(res[0]["dst_label"], "100@default - Demo User");
    assert_eq!(res[1]["dst_label"], "2223334444");
    assert_eq!(res[1]["direction"], "outbound");
    assert_eq!(res[0]["direction"], "internal");
    // The same with the filters as a list of maps in JSON, and every top-level key with
    // PHP's array suffix: the core's parameter reader knows both facts for every field.
    let v = ok(c.json(
        "sms.php",
        "query_sms",
        json!({"filters[]": [{"message_id": [mid.clone()]}, {"account_code": "505"}], "results_limit[]": "1"}),
    ));
    assert_eq!(v["total_results"], "2");
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
    let v = ok(c.json(
        "reports.php",
        "report",
        json!({"columns[]": ["unique_id", "date"], "options[]": ["per_page=1"]}),
    ));
    assert_eq!(v["columns"], json!(["unique_id", "date"]));
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
    // Form `filters[][...]` lists and `filters[...]` maps.
    let v = ok(c.form(
        "sms.php",
        "query_sms",
        &[
            ("filters[][dst][]", "2223334444"),
            ("filters[][account_code]", "505"),
        ],
    ));
    assert!(v["total_results"].as_str().unwrap().parse::<i64>().unwrap() >= 2);
    let v = ok(c.form(
        "sms.php",
        "query_sms",
        &[
            ("filters[src][]", "z64xxx2n"),
            ("results_limit", "1"),
            ("results_offset", "1"),
        ],
    ));
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
    assert_eq!(v["results_limit"], "1");
    assert_eq!(v["results_offset"], "1");
    // Default order: newest first.
    let v = ok(c.form("sms.php", "query_sms", &[]));
    let ts: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["timestamp"].as_str().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[0] >= w[1]));
    // Time range and direction/status filters.
    let v = ok(c.form(
        "sms.php",
        "query_sms",
        &[
            ("filters[from]", "03/01/2024 12:00 am"),
            ("filters[to]", "1893456000"),
            ("filters[direction][]", "outbound"),
            ("filters[status]", "success"),
        ],
    ));
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["direction"] == "outbound" && r["status"] == "success")
    );
    // cdr id range pairing.
    // The core's request check (`checks::cdr_range`), which the simulator applies too.
    let e = error_of(&c.form("sms.php", "query_sms", &[("filters[start_cdr_id]", "5")]));
    assert!(e.contains("needs a larger `filters.end_cdr_id`"), "{e}");
    let e = error_of(&c.form("sms.php", "query_sms", &[("filters[end_cdr_id]", "5")]));
    assert!(e.contains("needs a smaller `filters.start_cdr_id`"), "{e}");
    let e = error_of(&c.form(
        "sms.php",
        "query_sms",
        &[("filters[start_cdr_id]", "5"), ("filters[end_cdr_id]", "3")],
    ));
    assert!(e.contains("larger"), "{e}");
    let v = ok(c.form(
        "sms.php",
        "query_sms",
        &[
            ("filters[start_cdr_id]", "1"),
            ("filters[end_cdr_id]", "3"),
            ("filters[cdr_id][]", "2"),
        ],
    ));
    assert_eq!(v["results"][0]["id"], "2");
    for f in [Format::Json, Format::Xml, Format::Yaml, Format::Csv] {
        let r = c.form_in(
            "sms.php",
            "query_sms",
            f.as_str(),
            &[("results_limit", "3")],
        );
        decodes::<sms::QuerySmsRequest>(f, &r.body);
    }
    // Unknown extension.
    let e = error_of(&c.form("sms.php", "send_sms", &[("dst", "4242"), ("body", "x")]));
    assert!(e.contains("4242"), "{e}");
}

#[test]
fn subscriber_lists() {
    let c = client();
    let v = ok(c.form("subscribers.php", "query_lists", &[]));
    let campaign = v["optin"][0]["campaign_id"].as_str().unwrap().to_owned();
    assert_eq!(v["optout"][0]["tenant_id"], "0");
    assert_eq!(v["optout"][0]["tenant_name"], "default");
    let r = c.form_in("subscribers.php", "query_lists", "xml", &[]);
    decodes::<subscribers::QueryListsRequest>(Format::Xml, &r.body);
    decodes::<subscribers::QueryListsRequest>(
        Format::Json,
        &c.form_in("subscribers.php", "query_lists", "json", &[])
            .body,
    );

    let f = [
        ("phone_number", "1112224444"),
        ("campaign_id", campaign.as_str()),
    ];
    assert_eq!(
        ok(c.form("subscribers.php", "add_subscriber", &f))["success"],
        "Successfully added a new subscriber"
    );
    ok(c.form("subscribers.php", "add_subscriber", &f));
    let v = ok(c.form("subscribers.php", "query_lists", &[]));
    let list = v["optin"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["campaign_id"] == campaign.as_str())
        .unwrap();
    assert_eq!(
        list["subscribers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["number"] == "1112224444")
            .count(),
        1
    );
    assert_eq!(
        ok(c.form("subscribers.php", "remove_subscriber", &f))["success"],
        "Successfully removed the subscriber"
    );
    let e = error_of(&c.form("subscribers.php", "remove_subscriber", &f));
    assert!(e.contains("is not on the opt-in list"), "{e}");
    decodes::<subscribers::AddSubscriberRequest>(
        Format::Json,
        &c.form_in("subscribers.php", "add_subscriber", "json", &f)
            .body,
    );
    decodes::<subscribers::RemoveSubscriberRequest>(
        Format::Json,
        &c.form_in("subscribers.php", "remove_subscriber", "json", &f)
            .body,
    );

    let u = [("phone_number", "+12125550199"), ("tenant_id", "0")];
    assert_eq!(
        ok(c.form("subscribers.php", "add_unsubscriber", &u))["success"],
        "Successfully added unsubscriber to the provided tenants opt-out list."
    );
    // An SMS to an opted-out number is recorded as a failure.
    let v = ok(c.form(
        "sms.php",
        "send_sms",
        &[("dst", "2125550199"), ("body", "promo")],
    ));
    let q = ok(c.form(
        "sms.php",
        "query_sms",
        &[("filters[message_id][]", v["message_id"].as_str().unwrap())],
    ));
    assert_eq!(q["results"][0]["status"], "failure");
    assert_eq!(
        ok(c.form("subscribers.php", "remove_unsubscriber", &u))["success"],
        "Successfully removed the unsubscriber from the provided tenants opt-out list."
    );
    let e = error_of(&c.form("subscribers.php", "remove_unsubscriber", &u));
    assert!(e.contains("is not on the opt-out list"), "{e}");
    decodes::<subscribers::AddUnsubscriberRequest>(
        Format::Json,
        &c.form_in("subscribers.php", "add_unsubscriber", "json", &u)
            .body,
    );
    decodes::<subscribers::RemoveUnsubscriberRequest>(
        Format::Json,
        &c.form_in("subscribers.php", "remove_unsubscriber", "json", &u)
            .body,
    );
    let e = error_of(&c.form(
        "subscribers.php",
        "add_subscriber",
        &[("phone_number", "1112224444"), ("campaign_id", "NOPE")],
    ));
    assert!(e.contains("Unknown campaign_id"), "{e}");
}

#[test]
fn report_basics() {
    let c = client();
    let cols = [
        "unique_id",
        "date",
        "callerid",
        "billable_duration",
        "src_label",
        "dst_label",
    ];
    let mut fields: Vec<(&str, &str)> = cols.iter().map(|c| ("columns[]", *c)).collect();
    fields.push(("options[]", "per_page=5"));
    let v = ok(c.form("reports.php", "report", &fields));
    assert_eq!(v["error"], "");
    assert_eq!(v["columns"], json!(cols));
    assert_eq!(v["results"].as_array().unwrap().len(), 5);
    // A JSON number, as in the reference's report sample.
    let total: i64 = v["total_results"].as_i64().unwrap();
    assert!(total > 5);
    assert_eq!(v["title"], "All dates - America/Chicago UTC-6:00");
    let dates: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[1].as_str().unwrap())
        .collect();
    assert!(
        dates.windows(2).all(|w| w[0] >= w[1]),
        "newest first by default"
    );

    // Comma-delimited columns and options, defaults for report_type.
    let v = ok(c.form(
        "reports.php",
        "report",
        &[
            ("columns", "unique_id,date"),
            ("options", "count_only=true,timezone=Europe/Paris"),
        ],
    ));
    assert_eq!(v["total_results"], total);
    assert_eq!(v["results"], json!([]));
    assert_eq!(v["title"], "All dates - Europe/Paris UTC+1:00");

    // Formatting options.
    let v = ok(c.form(
        "reports.php",
        "report",
        &[
            ("columns[]", "date"),
            ("columns[]", "billable_duration"),
            ("columns[]", "src"),
            ("columns[]", "bridged"),
            ("options[]", "formatted_columns_names=true"),
            ("options[]", "formatted_dates=true"),
            ("options[]", "formatted_durations=true"),
            ("options[]", "formatted_tns=true"),
            ("options[]", "map_mirrors=true"),
            ("options[]", "page=ALL"),
        ],
    ));
    assert_eq!(
        v["columns"],
        json!(["Date", "Billable Duration", "Source", "Bridged"])
    );
    let rows = v["results"].as_array().unwrap();
    assert_eq!(rows.len() as i64, total);
    let re_date =
        |s: &str| s.len() == 17 && &s[2..3] == "/" && (s.ends_with(" am") || s.ends_with(" pm"));
    assert!(
        rows.iter().all(|r| re_date(r[0].as_str().unwrap())),
        "{}",
        rows[0]
    );
    assert!(
        rows.iter()
            .all(|r| r[1].as_str().unwrap().len() >= 8 && &r[1].as_str().unwrap()[2..3] == ":")
    );
    assert!(
        rows.iter().any(
            |r| r[2].as_str().unwrap().starts_with('(') && r[2].as_str().unwrap()[4..5] == *")"
        )
    );
    assert!(rows.iter().all(|r| r[3] == "Yes" || r[3] == "No"));

    // Paging: page n of per_page, page_offset, order_by.
    let page = |extra: &[(&str, &str)]| {
        let mut f = vec![
            ("columns[]", "unique_id"),
            ("options[]", "per_page=7"),
            ("options[]", "order_by=unique_id"),
            ("options[]", "order_direction=ASCENDING"),
        ];
        f.extend_from_slice(extra);
        ok(c.form("reports.php", "report", &f))["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[0].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let p0 = page(&[]);
    let p1 = page(&[("options[]", "page=1")]);
    let off = page(&[("options[]", "page_offset=3")]);
    assert_eq!(p0.len(), 7);
    assert!(p0.windows(2).all(|w| w[0] <= w[1]));
    assert!(p0.last() <= p1.first());
    assert_eq!(&off[..4], &p0[3..]);
    let e = error_of(&c.form(
        "reports.php",
        "report",
        &[
            ("columns[]", "date"),
            ("options[]", "page=1"),
            ("options[]", "page_offset=2"),
        ],
    ));
    assert!(e.contains("page_offset"), "{e}");

    // Title with a date range.
    let v = ok(c.form(
        "reports.php",
        "report",
        &[
            ("columns[]", "date"),
            ("options[]", "from=2024-02-01 00:00:00"),
            ("options[]", "to=2024-02-29 23:59:59"),
            ("options[]", "page=ALL"),
        ],
    ));
    assert_eq!(
        v["title"],
        "Restrict inclusive by date range 'Thu, Feb 1, 2024 12:00 am' to 'Thu, Feb 29, 2024 11:59 pm' - America/Chicago UTC-6:00"
    );
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r[0].as_str().unwrap() >= "2024-02-01" && r[0].as_str().unwrap() < "2024-03")
    );

    for f in [
        Format::Json,
        Format::Xml,
        Format::Yaml,
        Format::Csv,
        Format::Plain,
    ] {
        let r = c.form_in(
            "reports.php",
            "report",
            f.as_str(),
            &[
                ("columns[]", "unique_id"),
                ("columns[]", "callerid"),
                ("options[]", "per_page=3"),
            ],
        );
        decodes::<reports::ReportRequest>(f, &r.body);
        if f == Format::Json {
            let t = reports::ReportRequest::decode(f, r.body.as_bytes()).unwrap();
            assert_eq!(t.rows().count(), 3);
        }
    }
    let csv = c
        .form_in(
            "reports.php",
            "report",
            "csv",
            &[
                ("columns[]", "unique_id"),
                ("columns[]", "date"),
                ("options[]", "per_page=2"),
            ],
        )
        .body;
    assert!(csv.starts_with("unique_id,date"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "{csv}");
}

#[test]
fn tenant_isolation() {
    let c = client();
    let a = acme();
    // Contact lists: default's list is unknown to acme, by name and by ID.
    let list = ok(c.form(
        "dialer.php",
        "add_contact_list",
        &[("name", "Private default list")],
    ));
    let id = list["id"].as_str().unwrap();
    for l in [id, "Private default list"] {
        let e = error_of(&a.form(
            "dialer.php",
            "add_contact",
            &[("contact_list", l), ("phone_number", "8155550100")],
        ));
        assert!(e.starts_with("Unknown contact list"), "{e}");
    }
    // The same name in acme is another list.
    let acme_list = ok(a.form(
        "dialer.php",
        "add_contact_list",
        &[("name", "Private default list")],
    ));
    assert_ne!(acme_list["id"], list["id"]);

    // SMS.
    let sent = ok(c.form(
        "sms.php",
        "send_sms",
        &[("dst", "2223335555"), ("body", "secret")],
    ));
    let q = ok(a.form(
        "sms.php",
        "query_sms",
        &[(
            "filters[message_id][]",
            sent["message_id"].as_str().unwrap(),
        )],
    ));
    assert_eq!(q["total_results"], "0");
    let all = ok(a.form("sms.php", "query_sms", &[]));
    assert!(
        all["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["src_label"].as_str().unwrap().contains("@default"))
    );

    // Subscribers.
    let lists = ok(a.form("subscribers.php", "query_lists", &[]));
    assert_eq!(lists["optout"].as_array().unwrap().len(), 1);
    assert_eq!(lists["optout"][0]["tenant_name"], "acme");
    let default_campaign =
        ok(c.form("subscribers.php", "query_lists", &[]))["optin"][0]["campaign_id"]
            .as_str()
            .unwrap()
            .to_owned();
    assert!(
        lists["optin"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["campaign_id"] != default_campaign.as_str())
    );
    let e = error_of(&a.form(
        "subscribers.php",
        "add_subscriber",
        &[
            ("phone_number", "1112224444"),
            ("campaign_id", &default_campaign),
        ],
    ));
    assert!(e.contains("Unknown campaign_id"));
    let e = error_of(&a.form(
        "subscribers.php",
        "add_unsubscriber",
        &[("phone_number", "1112224444"), ("tenant_id", "0")],
    ));
    assert!(e.contains("Unknown tenant_id"));

    // Status.
    let users = ok(a.form("status.php", "users", &[]));
    assert!(
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["tenant"] == "acme")
    );
    let queues = ok(a.form("status.php", "queues", &[]));
    assert!(queues["queues"].get("support_queue").is_none());

    // CDRs: acme sees exactly its own calls.
    let expected = dlspbx_sim::cdr::generate(11, 1500)
        .filter(|c| c.tenant_id == 1)
        .count();
    let v = ok(a.form(
        "reports.php",
        "report",
        &[
            ("columns[]", "src_user_tenant_name"),
            ("columns[]", "dst_user_tenant_name"),
            ("options[]", "page=ALL"),
        ],
    ));
    assert_eq!(v["total_results"], expected);
    for r in v["results"].as_array().unwrap() {
        assert!(r[0] != "default" && r[1] != "default", "{r}");
    }
    // Filtering for the other tenant's users finds nothing.
    let v = ok(a.json(
        "reports.php",
        "report",
        json!({"columns": ["unique_id"], "filter_groups": [{"exclusivity": "include", "logical_operator": "and", "rules": [{"type": "tenant_users", "value": ["default"]}]}]}),
    ));
    assert_eq!(v["total_results"], 0);
}

#[test]
fn xml_request_bodies() {
    let c = client();
    let body = format!(
        "<?xml version=\"1.0\" standalone=\"yes\"?><request><api_user>{}</api_user><api_key>{}</api_key><dst>100</dst><dst>2223334444</dst><account_code>505</account_code><body>xml body</body></request>",
        c.user, c.key
    );
    let r = c.raw(
        "POST",
        "/api/v1/sms.php?api_action=send_sms&api_format=xml",
        &[("Content-Type", "application/xml")],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert!(r.body.contains("<result>success</result>"), "{}", r.body);
    decodes::<sms::SendSmsRequest>(Format::Xml, &r.body);
    let v = sms::SendSmsRequest::decode(Format::Xml, r.body.as_bytes()).unwrap();
    assert_eq!(v.dst.len(), 2);
}
