//! The report's SQL engine against an independent evaluation in Rust over the same seeded
//! rows: one table-driven case per filter type and operator, and the group logic.

mod common;

use common::{Client, ok};
use dlspbx_sim::cdr::{self, Cdr};
use dlspbx_sim::world;
use dlspbx_sim::{Sim, SimConfig};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const SEED: u64 = 7;
const CDRS: usize = 4000;

/// One rule of a filter group, as the test evaluates it.
#[derive(Debug, Clone)]
struct Rule {
    kind: &'static str,
    op: Option<&'static str>,
    values: Vec<&'static str>,
    range: Option<(&'static str, &'static str)>,
}

fn flag(kind: &'static str) -> Rule {
    Rule {
        kind,
        op: None,
        values: vec![],
        range: None,
    }
}

fn val(kind: &'static str, op: Option<&'static str>, values: &[&'static str]) -> Rule {
    Rule {
        kind,
        op,
        values: values.to_vec(),
        range: None,
    }
}

fn range(kind: &'static str, op: &'static str, lo: &'static str, hi: &'static str) -> Rule {
    Rule {
        kind,
        op: Some(op),
        values: vec![],
        range: Some((lo, hi)),
    }
}

#[derive(Debug, Clone)]
struct Group {
    include: bool,
    and: bool,
    rules: Vec<Rule>,
}

fn inc(rules: Vec<Rule>) -> Group {
    Group {
        include: true,
        and: true,
        rules,
    }
}

fn exc(rules: Vec<Rule>) -> Group {
    Group {
        include: false,
        and: true,
        rules,
    }
}

fn any(include: bool, rules: Vec<Rule>) -> Group {
    Group {
        include,
        and: false,
        rules,
    }
}

// ----- the independent evaluator --------------------------------------------------------------

fn digits_form(v: &str) -> String {
    let t = v.trim();
    let t = t.strip_prefix("+1").unwrap_or(t);
    let d: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    if d.len() == 11 && d.starts_with('1') {
        d[1..].to_owned()
    } else if d.len() == 10 {
        d
    } else {
        v.trim().to_owned()
    }
}

fn compare(x: f64, op: Option<&str>, values: &[&str], range: Option<(&str, &str)>) -> bool {
    let nums: Vec<f64> = values.iter().map(|v| v.parse().unwrap()).collect();
    match op.unwrap_or("=") {
        "=" => nums.contains(&x),
        "!=" => !nums.contains(&x),
        ">" => x > nums[0],
        ">=" => x >= nums[0],
        "<" => x < nums[0],
        "<=" => x <= nums[0],
        "between" | "!between" => {
            let (lo, hi) = range.unwrap();
            let inside = x >= lo.parse::<f64>().unwrap() && x <= hi.parse::<f64>().unwrap();
            inside == (op == Some("between"))
        }
        other => panic!("operator {other}"),
    }
}

fn user_matches(c: &Cdr, authids: &[String]) -> bool {
    authids
        .iter()
        .any(|a| *a == c.src.user_auth_id || *a == c.dst.user_auth_id)
}

/// The auth IDs of the default tenant's users that a `users` value names.
fn users_named(values: &[&str]) -> Vec<String> {
    world::users_of("default")
        .filter(|u| {
            values
                .iter()
                .any(|v| *v == u.authid || *v == u.ext || *v == format!("{}@default", u.ext))
        })
        .map(|u| u.authid.to_owned())
        .collect()
}

fn holds(c: &Cdr, r: &Rule) -> bool {
    let positive = |hit: bool| if r.op == Some("!=") { !hit } else { hit };
    let vals: Vec<String> = r.values.iter().map(|v| v.to_string()).collect();
    match r.kind {
        "duration" => compare(c.billable_duration as f64, r.op, &r.values, r.range),
        "fax_page_count" => {
            !c.fax.is_empty() && compare(c.fax_pages as f64, r.op, &r.values, r.range)
        }
        "bridged" => c.bridged,
        "transferred" => c.transferred,
        "blind_transferred" => c.blind_transferred,
        "attended_transferred" => c.attended_transferred,
        "forwarded" => c.forwarded,
        "parked" => c.parked,
        "recorded" => !c.recording_link.is_empty(),
        "voicemail" => c.voicemail,
        "international" => c.international,
        "international_outbound" => c.international_outbound,
        "tollfree" => c.tollfree,
        "tollfree_inbound" => c.tollfree_inbound,
        "fax" => !c.fax.is_empty(),
        "fax_successful" => c.fax == "success",
        "fax_failed" => c.fax == "failed",
        "fax_detect_failed" => c.fax == "detect_failed",
        "conference" => !c.conference.is_empty(),
        "otf_conference" => c.otf_conference,
        "recorded_conference" => c.recorded_conference,
        "direction" => positive(vals.contains(&c.direction)),
        "tn" => {
            let n: Vec<String> = r.values.iter().map(|v| digits_form(v)).collect();
            positive(
                n.contains(&c.src.number)
                    || n.contains(&c.dst.number)
                    || n.contains(&c.dst_original),
            )
        }
        "pbxtn" => positive(r.values.iter().any(|v| digits_form(v) == c.pbx_tn)),
        "users" => positive(user_matches(c, &users_named(&r.values))),
        "tenant_users" => positive(
            vals.contains(&c.src.user_tenant_name) || vals.contains(&c.dst.user_tenant_name),
        ),
        "group_users" => {
            let members: Vec<String> = world::GROUPS
                .iter()
                .filter(|g| g.tenant == "default" && vals.iter().any(|v| v == g.name))
                .flat_map(|g| g.members.iter().map(|m| m.to_string()))
                .collect();
            positive(user_matches(c, &members))
        }
        "queue_users" => {
            let agents: Vec<String> = world::QUEUES
                .iter()
                .filter(|q| q.tenant == "default" && vals.iter().any(|v| v == q.name))
                .flat_map(|q| q.agents.iter().map(|m| m.to_string()))
                .collect();
            positive(user_matches(c, &agents))
        }
        "groups" => positive(vals.contains(&c.ring_group)),
        "conferences" => positive(vals.contains(&c.conference)),
        other => panic!("no evaluator for {other}"),
    }
}

fn group_matches(c: &Cdr, g: &Group) -> bool {
    if g.and {
        g.rules.iter().all(|r| holds(c, r))
    } else {
        g.rules.iter().any(|r| holds(c, r))
    }
}

fn expected(
    rows: &[Cdr],
    groups: &[Group],
    from: Option<&str>,
    to: Option<&str>,
) -> BTreeSet<String> {
    rows.iter()
        .filter(|c| c.tenant_id == 0)
        .filter(|c| {
            from.is_none_or(|f| c.date.as_str() >= f) && to.is_none_or(|t| c.date.as_str() <= t)
        })
        .filter(|c| {
            groups
                .iter()
                .filter(|g| g.include)
                .all(|g| group_matches(c, g))
        })
        .filter(|c| {
            !groups
                .iter()
                .filter(|g| !g.include)
                .any(|g| group_matches(c, g))
        })
        .map(|c| c.unique_id.clone())
        .collect()
}

// ----- the request ------------------------------------------------------------------------------

fn rule_json(r: &Rule) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("type".into(), json!(r.kind));
    if let Some(op) = r.op {
        m.insert("operator".into(), json!(op));
    }
    if !r.values.is_empty() {
        m.insert(
            "value".into(),
            if r.values.len() == 1 {
                json!(r.values[0])
            } else {
                json!(r.values)
            },
        );
    }
    if let Some((lo, hi)) = r.range {
        m.insert("lower_value".into(), json!(lo));
        m.insert("upper_value".into(), json!(hi));
    }
    Value::Object(m)
}

fn request(groups: &[Group], from: Option<&str>, to: Option<&str>) -> Value {
    let groups: Vec<Value> = groups
        .iter()
        .map(|g| {
            json!({
                "exclusivity": if g.include { "include" } else { "exclude" },
                "logical_operator": if g.and { "and" } else { "or" },
                "rules": g.rules.iter().map(rule_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    // The evaluation compares the stored (UTC) dates: the report runs in UTC.
    let mut options = vec!["page=ALL".to_owned(), "timezone=UTC".to_owned()];
    if let Some(f) = from {
        options.push(format!("from={f}"));
    }
    if let Some(t) = to {
        options.push(format!("to={t}"));
    }
    json!({"report_type": "detail_table", "columns": ["unique_id"], "filter_groups": groups, "options": options})
}

fn actual(c: &Client, body: Value) -> BTreeSet<String> {
    let v = ok(c.json("reports.php", "report", body));
    let rows = v["results"].as_array().unwrap();
    assert_eq!(v["total_results"], rows.len());
    rows.iter()
        .map(|r| r[0].as_str().unwrap().to_owned())
        .collect()
}

fn cases() -> Vec<(&'static str, Vec<Group>)> {
    let mut cases: Vec<(&'static str, Vec<Group>)> = Vec::new();
    // Every flag filter, included and excluded.
    for kind in [
        "bridged",
        "transferred",
        "blind_transferred",
        "attended_transferred",
        "forwarded",
        "parked",
        "recorded",
        "voicemail",
        "international",
        "international_outbound",
        "tollfree",
        "tollfree_inbound",
        "fax",
        "fax_successful",
        "fax_failed",
        "fax_detect_failed",
        "recorded_conference",
        "conference",
        "otf_conference",
    ] {
        cases.push((kind, vec![inc(vec![flag(kind)])]));
        cases.push((kind, vec![exc(vec![flag(kind)])]));
    }
    // Numeric filters with all 8 operators.
    for kind in ["duration", "fax_page_count"] {
        let v = if kind == "duration" { "60" } else { "5" };
        for op in ["=", "!=", ">", ">=", "<", "<="] {
            cases.push((kind, vec![inc(vec![val(kind, Some(op), &[v])])]));
        }
        cases.push((kind, vec![inc(vec![val(kind, None, &[v])])]));
        let (lo, hi) = if kind == "duration" {
            ("30", "60")
        } else {
            ("2", "6")
        };
        cases.push((kind, vec![inc(vec![range(kind, "between", lo, hi)])]));
        cases.push((kind, vec![inc(vec![range(kind, "!between", lo, hi)])]));
        cases.push((
            kind,
            vec![inc(vec![val(kind, Some("="), &["0", "1", "2", "3"])])],
        ));
        cases.push((
            kind,
            vec![inc(vec![val(kind, Some("!="), &["0", "1", "2", "3"])])],
        ));
    }
    // Value filters, = and !=.
    let value_cases: Vec<(&'static str, Vec<&'static str>)> = vec![
        ("direction", vec!["inbound"]),
        ("direction", vec!["outbound", "hairpin", "directinbound"]),
        ("tn", vec!["8005550100"]),
        (
            "tn",
            vec!["+18478544799", "(847) 854-4799", "+442071234567"],
        ),
        ("pbxtn", vec!["8478544799"]),
        ("pbxtn", vec!["+18005550100", "8475550123"]),
        ("users", vec!["beaucrn6"]),
        ("users", vec!["100", "69@default", "s7pk2m4q"]),
        ("tenant_users", vec!["default"]),
        ("tenant_users", vec!["acme"]),
        ("group_users", vec!["Sales"]),
        ("group_users", vec!["Sales", "Support"]),
        ("queue_users", vec!["support_queue"]),
        ("queue_users", vec!["sales_queue", "testqueue"]),
        ("groups", vec!["Support"]),
        ("groups", vec!["Sales", "Support"]),
        ("conferences", vec!["2000"]),
        ("conferences", vec!["2000", "2001", "8630"]),
    ];
    for (kind, values) in value_cases {
        let values: &'static [&'static str] = Box::leak(values.into_boxed_slice());
        cases.push((kind, vec![inc(vec![val(kind, None, values)])]));
        cases.push((kind, vec![inc(vec![val(kind, Some("="), values)])]));
        cases.push((kind, vec![inc(vec![val(kind, Some("!="), values)])]));
        cases.push((kind, vec![exc(vec![val(kind, None, values)])]));
    }
    // Group logic.
    cases.push((
        "and",
        vec![inc(vec![
            flag("bridged"),
            val("direction", None, &["inbound"]),
            val("duration", Some(">"), &["100"]),
        ])],
    ));
    cases.push((
        "or",
        vec![any(
            true,
            vec![
                flag("voicemail"),
                flag("fax"),
                val("conferences", None, &["2001"]),
            ],
        )],
    ));
    cases.push((
        "two includes",
        vec![
            inc(vec![flag("recorded")]),
            any(true, vec![flag("transferred"), flag("parked")]),
        ],
    ));
    cases.push((
        "include and exclude",
        vec![
            inc(vec![val("direction", None, &["inbound", "outbound"])]),
            exc(vec![flag("bridged")]),
        ],
    ));
    cases.push((
        "two excludes",
        vec![
            exc(vec![flag("bridged")]),
            any(
                false,
                vec![val("direction", None, &["internal"]), flag("fax")],
            ),
        ],
    ));
    cases.push((
        "exclude or",
        vec![any(
            false,
            vec![
                val("users", None, &["beaucrn6"]),
                val("duration", Some("between"), &[]).with_range("0", "10"),
            ],
        )],
    ));
    cases.push((
        "reference sample",
        vec![inc(vec![
            range("duration", "between", "30", "60"),
            flag("bridged"),
        ])],
    ));
    cases
}

trait WithRange {
    fn with_range(self, lo: &'static str, hi: &'static str) -> Rule;
}

impl WithRange for Rule {
    fn with_range(mut self, lo: &'static str, hi: &'static str) -> Rule {
        self.range = Some((lo, hi));
        self
    }
}

#[test]
fn every_filter_type_and_operator_matches_the_rust_evaluation() {
    let sim = Sim::start_with(SimConfig {
        seed: SEED,
        cdrs: CDRS,
        ..SimConfig::default()
    })
    .unwrap();
    let c = Client::new(&sim.url(), sim.api_user(), sim.api_key());
    let rows: Vec<Cdr> = cdr::generate(SEED, CDRS).collect();
    let all = expected(&rows, &[], None, None);
    assert!(all.len() > 1000);
    let mut non_trivial = 0;
    for (name, groups) in cases() {
        let want = expected(&rows, &groups, None, None);
        let got = actual(&c, request(&groups, None, None));
        assert_eq!(
            got,
            want,
            "case {name}: {groups:?}\nonly in SQL: {:?}\nonly in Rust: {:?}",
            got.difference(&want).take(5).collect::<Vec<_>>(),
            want.difference(&got).take(5).collect::<Vec<_>>()
        );
        if !want.is_empty() && want.len() < all.len() {
            non_trivial += 1;
        }
    }
    // The data must exercise the filters: most cases select a proper, non-empty subset.
    assert!(
        non_trivial > 100,
        "only {non_trivial} cases selected a proper subset"
    );

    // Date ranges combine with the groups.
    let (from, to) = ("2024-02-10 00:00:00", "2024-04-01 12:30:00");
    let groups = vec![inc(vec![val("direction", None, &["inbound"])])];
    let want = expected(&rows, &groups, Some(from), Some(to));
    assert!(!want.is_empty());
    assert_eq!(actual(&c, request(&groups, Some(from), Some(to))), want);
}

#[test]
fn form_encoded_filter_groups() {
    let sim = Sim::start_with(SimConfig {
        seed: SEED,
        cdrs: 600,
        ..SimConfig::default()
    })
    .unwrap();
    let c = Client::new(&sim.url(), sim.api_user(), sim.api_key());
    let rows: Vec<Cdr> = cdr::generate(SEED, 600).collect();
    let groups = vec![
        inc(vec![range("duration", "between", "30", "600")]),
        exc(vec![val("direction", None, &["outbound", "internal"])]),
    ];
    let want = expected(&rows, &groups, None, None);
    let fields = [
        ("columns[]", "unique_id"),
        ("options[]", "page=ALL"),
        ("filter_groups[0][exclusivity]", "include"),
        ("filter_groups[0][logical_operator]", "and"),
        ("filter_groups[0][rules][0][type]", "duration"),
        ("filter_groups[0][rules][0][operator]", "between"),
        ("filter_groups[0][rules][0][lower_value]", "30"),
        ("filter_groups[0][rules][0][upper_value]", "600"),
        ("filter_groups[1][exclusivity]", "exclude"),
        ("filter_groups[1][logical_operator]", "or"),
        ("filter_groups[1][rules][0][type]", "direction"),
        ("filter_groups[1][rules][0][value][]", "outbound"),
        ("filter_groups[1][rules][0][value][]", "internal"),
    ];
    let v = ok(c.form("reports.php", "report", &fields));
    let got: BTreeSet<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, want);
}

#[test]
fn rule_errors() {
    let sim = Sim::start_with(SimConfig {
        seed: SEED,
        cdrs: 50,
        ..SimConfig::default()
    })
    .unwrap();
    let c = Client::new(&sim.url(), sim.api_user(), sim.api_key());
    let run = |rule: Value| {
        c.json("reports.php", "report", json!({"columns": ["unique_id"], "filter_groups": [{"exclusivity": "include", "logical_operator": "and", "rules": [rule]}]}))
    };
    for (rule, needle) in [
        (
            json!({"type": "duration", "operator": ">", "value": ["1", "2"]}),
            "exactly one value",
        ),
        (
            json!({"type": "duration", "operator": "between", "lower_value": "1"}),
            "upper_value",
        ),
        (json!({"type": "duration", "value": "abc"}), "number"),
        (json!({"type": "bridged", "operator": "="}), "flag"),
        (json!({"type": "direction"}), "value"),
        (
            json!({"type": "direction", "operator": ">", "value": "inbound"}),
            "=",
        ),
        (json!({"type": "nope"}), "type"),
    ] {
        let v = run(rule.clone());
        assert_eq!(v["result"], "error", "{rule}: {v}");
        let e = v["error"].as_str().unwrap();
        assert!(e.contains(needle), "{rule}: {e}");
    }
}
