//! Simulator authorization through the blocking client: a user of one tenant (`100@acme`)
//! cannot read or change another tenant's (`default`) contact lists, SMS, CDRs or subscriber
//! lists, whatever ID or name it guesses; and what it is refused leaves the other tenant's
//! data unchanged (checked in the database). The raw-HTTP counterpart is
//! `crates/dlspbx-sim/tests/api.rs` (`tenant_isolation`).

use dlspbx::{Client, Modules};
use dlspbx_core::reports::{
    Column, Exclusivity, FilterGroup, FilterRule, FilterType, LogicalOperator, Operator,
    ReportOption, ReportRequest,
};
use dlspbx_core::{Error, dialer, sms, subscribers};
use dlspbx_sim::{Sim, SimConfig};
use std::sync::OnceLock;

fn sim() -> &'static Sim {
    static SIM: OnceLock<Sim> = OnceLock::new();
    SIM.get_or_init(|| {
        Sim::start_with(SimConfig {
            cdrs: 400,
            seed: 7,
            ..SimConfig::default()
        })
        .unwrap()
    })
}

fn default_user() -> Client {
    let s = sim();
    Client::builder()
        .base_url(s.url())
        .api_user(s.api_user())
        .api_key(s.api_key())
        .max_attempts(1)
        .build()
        .unwrap()
}

fn acme() -> Client {
    let s = sim();
    let key = s.key_of("100@acme").expect("acme's key");
    Client::builder()
        .base_url(s.url())
        .api_user("100@acme")
        .api_key(key)
        .max_attempts(1)
        .build()
        .unwrap()
}

fn server_error(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Server { message }) => message,
        other => panic!("expected the server's error, got {other:?}"),
    }
}

fn count(sql: &str, param: &str) -> i64 {
    sim().with_db(|c| c.query_row(sql, [param], |r| r.get(0)).unwrap())
}

#[test]
fn contact_lists_of_another_tenant_cannot_be_used() {
    let (d, a) = (default_user(), acme());
    let list = d
        .dialer()
        .add_contact_list(dialer::AddContactListRequest::new("Isolated leads"))
        .unwrap();
    d.dialer()
        .add_contact(
            dialer::AddContactRequest::new(list.id.to_string(), "8155550101").first_name("Dee"),
        )
        .unwrap();
    let contacts_in = |id: i64| {
        count(
            "SELECT COUNT(*) FROM contacts WHERE list_id = ?1",
            &id.to_string(),
        )
    };
    assert_eq!(contacts_in(list.id), 1);
    // acme writes to default's list by ID and by name: refused, nothing added.
    for target in [list.id.to_string(), "Isolated leads".to_owned()] {
        let message = server_error(
            a.dialer()
                .add_contact(dialer::AddContactRequest::new(target.clone(), "8155550102")),
        );
        assert!(
            message.starts_with("Unknown contact list"),
            "{target}: {message}"
        );
    }
    assert_eq!(contacts_in(list.id), 1);
    // The same name in acme is acme's own list; its contacts stay there.
    let own = a
        .dialer()
        .add_contact_list(dialer::AddContactListRequest::new("Isolated leads"))
        .unwrap();
    assert_ne!(own.id, list.id);
    let contact = a
        .dialer()
        .add_contact(dialer::AddContactRequest::new(
            "Isolated leads",
            "8155550101",
        ))
        .unwrap();
    assert_eq!(contacts_in(own.id), 1);
    assert_eq!(contacts_in(list.id), 1);
    // The same number in each tenant is two contacts.
    let tenant_of_contact = sim().with_db(|c| {
        c.query_row(
            "SELECT t.name FROM contacts k JOIN contact_lists l ON l.id = k.list_id JOIN tenants t ON t.id = l.tenant_id WHERE k.id = ?1",
            [contact.id],
            |r| r.get::<_, String>(0),
        )
        .unwrap()
    });
    assert_eq!(tenant_of_contact, "acme");
    // Guessing other IDs finds nothing of default's.
    let default_lists: Vec<i64> = sim().with_db(|c| {
        let mut st = c.prepare("SELECT l.id FROM contact_lists l JOIN tenants t ON t.id = l.tenant_id WHERE t.name = 'default'").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    });
    assert!(!default_lists.is_empty());
    for id in default_lists {
        let message = server_error(
            a.dialer()
                .add_contact(dialer::AddContactRequest::new(id.to_string(), "8155550103")),
        );
        assert!(
            message.starts_with("Unknown contact list"),
            "{id}: {message}"
        );
    }
}

#[test]
fn sms_of_another_tenant_cannot_be_read_or_sent_as() {
    let (d, a) = (default_user(), acme());
    let body = "default's private message 8e1f";
    let sent = d
        .sms()
        .send_sms(sms::SendSmsRequest::new(["2223335555", "101"], body))
        .unwrap();
    // acme cannot find it: all records, by message ID, by default's party.
    let all = a
        .sms()
        .query_sms(sms::QuerySmsRequest::new().results_limit(10_000))
        .unwrap();
    assert!(
        all.results.iter().all(|r| r.message != body
            && !r.src_label.contains("@default")
            && !r.dst_label.contains("@default")),
        "{all:?}"
    );
    let by_id = a
        .sms()
        .query_sms(
            sms::QuerySmsRequest::new()
                .filters(sms::SmsFilters::new().message_id([sent.message_id.to_string()])),
        )
        .unwrap();
    assert_eq!(by_id.total_results.unwrap_or(0), 0, "{by_id:?}");
    assert!(by_id.results.is_empty());
    for party in ["a1m00re7", "101", "2223335555"] {
        let q = a
            .sms()
            .query_sms(
                sms::QuerySmsRequest::new()
                    .filters(sms::SmsFilters::new().src([party]).dst([party])),
            )
            .unwrap();
        assert!(
            q.results.iter().all(|r| r.message != body),
            "{party}: {q:?}"
        );
    }
    // default still sees it.
    let own = d
        .sms()
        .query_sms(
            sms::QuerySmsRequest::new()
                .filters(sms::SmsFilters::new().message_id([sent.message_id.to_string()])),
        )
        .unwrap();
    assert_eq!(own.results.len(), 2, "{own:?}");
    // acme cannot send to an extension that exists only in default: refused, nothing stored.
    let before = count(
        "SELECT COUNT(*) FROM sms WHERE message = ?1",
        "to default's 101",
    );
    let result = a
        .sms()
        .send_sms(sms::SendSmsRequest::new(["105"], "to default's 101"));
    assert!(matches!(result, Err(Error::Server { .. })), "{result:?}");
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM sms WHERE message = ?1",
            "to default's 101"
        ),
        before
    );
}

#[test]
fn cdrs_of_another_tenant_are_not_in_reports() {
    let (d, a) = (default_user(), acme());
    let columns = [
        Column::UniqueId,
        Column::SrcUserTenantName,
        Column::DstUserTenantName,
    ];
    let all = |c: &Client| {
        c.reports()
            .report(
                ReportRequest::new(columns)
                    .option(ReportOption::Page(dlspbx_core::report::Page::All)),
            )
            .unwrap()
    };
    let (theirs, ours) = (all(&d), all(&a));
    let ids = |t: &dlspbx::ReportTable<'_>| -> std::collections::BTreeSet<String> {
        t.rows()
            .map(|r| r.unwrap().get(0).unwrap().to_owned())
            .collect()
    };
    let (theirs_ids, ours_ids) = (ids(&theirs), ids(&ours));
    assert!(!theirs_ids.is_empty() && !ours_ids.is_empty());
    assert!(
        theirs_ids.is_disjoint(&ours_ids),
        "a CDR is in both tenants' reports"
    );
    for row in ours.rows() {
        let row = row.unwrap();
        assert!(
            row.get(1) != Some("default") && row.get(2) != Some("default"),
            "{row:?}"
        );
    }
    let expected = dlspbx_sim::cdr::generate(7, 400)
        .filter(|c| c.tenant_id == 1)
        .count() as i64;
    assert_eq!(ours.total_results(), Some(expected));
    // Filtering for the other tenant's users, or its calls by ID, finds nothing.
    let some_default_id = theirs_ids.iter().next().unwrap().clone();
    for rule in [
        FilterRule::new(FilterType::TenantUsers)
            .operator(Operator::Eq)
            .value(["default"]),
        FilterRule::new(FilterType::Users)
            .operator(Operator::Eq)
            .value(["a1m00re7", "101"]),
    ] {
        let group = FilterGroup::new(Exclusivity::Include, LogicalOperator::And, vec![rule]);
        let r = a
            .reports()
            .report(ReportRequest::new([Column::UniqueId]).filter_groups(vec![group]))
            .unwrap();
        assert_eq!(r.total_results(), Some(0), "{r:?}");
        assert!(
            r.rows()
                .all(|row| row.unwrap().get(0) != Some(some_default_id.as_str()))
        );
    }
}

#[test]
fn subscriber_lists_of_another_tenant_cannot_be_read_or_changed() {
    let (d, a) = (default_user(), acme());
    let theirs = d.subscribers().query_lists().unwrap();
    let ours = a.subscribers().query_lists().unwrap();
    let campaign = theirs
        .optin
        .first()
        .expect("default has a campaign")
        .campaign_id
        .to_string();
    assert!(
        ours.optin
            .iter()
            .all(|l| l.campaign_id != campaign.as_str())
    );
    assert!(
        ours.optout.iter().all(|l| l.tenant_name == "acme"),
        "{ours:?}"
    );
    let default_tenant = theirs
        .optout
        .first()
        .expect("default's opt-out list")
        .tenant_id
        .to_string();
    // A number on default's lists, to try to remove.
    d.subscribers()
        .add_subscriber(subscribers::AddSubscriberRequest::new(
            "2125550170",
            campaign.clone(),
        ))
        .unwrap();
    d.subscribers()
        .add_unsubscriber(subscribers::AddUnsubscriberRequest::new(
            "2125550171",
            default_tenant.clone(),
        ))
        .unwrap();
    let on_optin = || {
        count(
            "SELECT COUNT(*) FROM optin_subscribers WHERE number LIKE '%' || ?1",
            "2125550170",
        )
    };
    let on_optout = || {
        count(
            "SELECT COUNT(*) FROM optout_unsubscribers WHERE number LIKE '%' || ?1",
            "2125550171",
        )
    };
    let (optin_before, optout_before) = (on_optin(), on_optout());
    assert!(optin_before >= 1 && optout_before >= 1);
    // acme: add and remove on default's opt-in list, add and remove on default's opt-out list.
    let m = server_error(
        a.subscribers()
            .add_subscriber(subscribers::AddSubscriberRequest::new(
                "2125550172",
                campaign.clone(),
            )),
    );
    assert!(m.contains("Unknown campaign_id"), "{m}");
    let m = server_error(a.subscribers().remove_subscriber(
        subscribers::RemoveSubscriberRequest::new("2125550170", campaign.clone()),
    ));
    assert!(m.contains("Unknown campaign_id"), "{m}");
    let m = server_error(a.subscribers().add_unsubscriber(
        subscribers::AddUnsubscriberRequest::new("2125550173", default_tenant.clone()),
    ));
    assert!(m.contains("Unknown tenant_id"), "{m}");
    let m = server_error(a.subscribers().remove_unsubscriber(
        subscribers::RemoveUnsubscriberRequest::new("2125550171", default_tenant.clone()),
    ));
    assert!(m.contains("Unknown tenant_id"), "{m}");
    assert_eq!((on_optin(), on_optout()), (optin_before, optout_before));
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM optin_subscribers WHERE number LIKE '%' || ?1",
            "2125550172"
        ),
        0
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM optout_unsubscribers WHERE number LIKE '%' || ?1",
            "2125550173"
        ),
        0
    );
    // default's lists, read by default, are unchanged.
    let after = d.subscribers().query_lists().unwrap();
    let numbers = |l: &subscribers::QueryListsResponse<'_>| -> Vec<String> {
        l.optin
            .iter()
            .flat_map(|c| c.subscribers.iter().map(|s| s.number.to_string()))
            .collect()
    };
    assert_eq!(
        numbers(&after),
        numbers(&d.subscribers().query_lists().unwrap())
    );
    assert!(numbers(&after).iter().any(|n| n.ends_with("2125550170")));
    assert!(!numbers(&after).iter().any(|n| n.ends_with("2125550172")));
}

#[test]
fn status_shows_only_the_own_tenant() {
    let a = acme();
    let users = a.status().users().unwrap();
    assert!(!users.users.is_empty());
    assert!(users.users.iter().all(|u| u.tenant == "acme"), "{users:?}");
    let queues = a.status().queues().unwrap();
    assert!(
        queues.queues.keys().all(|q| q != "support_queue"),
        "{queues:?}"
    );
}
