//! Generated inputs: realistic bodies written by the core's own writers.

use dlspbx_core::report::ReportTable;
use dlspbx_core::reports::{
    Column, Exclusivity, FilterGroup, FilterRule, FilterType, LogicalOperator, Operator,
    ReportRequest,
};
use dlspbx_core::sms::QuerySmsRequest;
use dlspbx_core::status::{ProvisioningRequest, QueuesRequest, UsersRequest};
use dlspbx_core::{Endpoint, Format, Str};
use serde_json::{Map, Value, json};

/// A small deterministic generator (SplitMix64), so every run benches the same bytes.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Tom", "Jerry", "Anna", "John", "Maria", "Wei", "Fatima", "Olga", "Pedro", "Sam", "Noah",
    "Liam", "Emma", "Ava", "José", "Zoë",
];
const LAST: &[&str] = &[
    "Smith", "Johnson", "Brown", "O'Brien", "Nguyen", "Garcia", "Müller", "Kowalski", "Lee",
    "Patel", "Martin", "Davis",
];
const TENANTS: &[&str] = &["default", "acme", "globex", "initech", "umbrella"];
const QUEUES: &[&str] = &[
    "support_queue",
    "sales",
    "billing",
    "tier2",
    "after_hours",
    "spanish",
];
const APPS: &[&str] = &[
    "Dial",
    "Queue",
    "VoiceMail",
    "Playback",
    "Hangup",
    "ConfBridge",
    "ReceiveFAX",
];
const DISPOSITIONS: &[&str] = &["ANSWERED", "NO ANSWER", "BUSY", "FAILED"];
const DIRECTIONS: &[&str] = &["inbound", "outbound", "internal"];
const TYPES: &[&str] = &["user", "external", "trunk", "queue", "ivr"];
const CONTEXTS: &[&str] = &["from-internal", "from-trunk", "ext-queues", "app-blackhole"];
const AUTH_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A call's parties, kept consistent across the columns that describe them.
struct Party {
    kind: &'static str,
    number: String,
    npa: String,
    nxx: String,
    subscriber: String,
    label: String,
    user_label: String,
    ext: String,
    auth_id: String,
    tenant: String,
}

fn yes_no(rng: &mut Rng, percent: u64) -> String {
    if rng.chance(percent) { "Yes" } else { "No" }.to_owned()
}

fn person(rng: &mut Rng) -> String {
    let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
    // A few labels carry characters every format has to escape.
    match rng.below(40) {
        0 => format!("{name} (Sales & Support)"),
        1 => format!("{name} \"Front Desk\""),
        2 => format!("{name} <Lobby>"),
        3 => format!("{name}\\Backup"),
        _ => name,
    }
}

fn auth_id(rng: &mut Rng) -> String {
    (0..8)
        .map(|_| char::from(AUTH_CHARS[rng.below(AUTH_CHARS.len() as u64) as usize]))
        .collect()
}

fn party(rng: &mut Rng) -> Party {
    let npa = format!("{}{:02}", 2 + rng.below(8), rng.below(100));
    let nxx = format!("{}{:02}", 2 + rng.below(8), rng.below(100));
    let subscriber = format!("{:04}", rng.below(10_000));
    if rng.chance(45) {
        let ext = (100 + rng.below(900)).to_string();
        let tenant = rng.pick(TENANTS).to_owned();
        let user_label = person(rng);
        Party {
            kind: "user",
            label: format!("{ext}@{tenant} - {user_label}"),
            number: ext.clone(),
            npa: String::new(),
            nxx: String::new(),
            subscriber: String::new(),
            user_label,
            ext,
            auth_id: auth_id(rng),
            tenant,
        }
    } else {
        Party {
            kind: if rng.chance(70) { "external" } else { "trunk" },
            number: format!("{npa}{nxx}{subscriber}"),
            label: format!("({npa}) {nxx}-{subscriber}"),
            npa,
            nxx,
            subscriber,
            user_label: String::new(),
            ext: String::new(),
            auth_id: String::new(),
            tenant: String::new(),
        }
    }
}

fn duration(rng: &mut Rng, formatted: bool, max: u64) -> String {
    let s = rng.below(max);
    if formatted {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        s.to_string()
    }
}

fn list(rng: &mut Rng, items: &[&str], max: u64) -> Vec<String> {
    (0..rng.below(max + 1))
        .map(|_| rng.pick(items).to_owned())
        .collect()
}

/// One report row: a cell for every column of [`Column::ALL`], in that order.
pub fn report_row(rng: &mut Rng, index: u64) -> Vec<String> {
    let epoch = 1_476_370_446 + index * 7;
    let unique_id = format!("{epoch}.{}", rng.below(40));
    let (src, dst) = (party(rng), party(rng));
    let bridged = rng.chance(80);
    let billable = if bridged { rng.below(3600) } else { 0 };
    let secs = epoch % 86_400;
    let day = 1 + (index / 5000) % 28;
    let date = format!(
        "2016-10-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    let callerid = if src.kind == "user" {
        format!("\"{}\" <{}>", src.user_label, src.ext)
    } else if rng.chance(60) {
        format!(
            "\"{}\" <{}>",
            rng.pick(&[
                "DLS Internet Services",
                "WIRELESS CALLER",
                "John",
                "CHICAGO IL"
            ]),
            src.number
        )
    } else {
        src.number.clone()
    };
    let recorded = bridged && rng.chance(30);
    let queues = list(rng, QUEUES, 2);
    let agents: Vec<String> = (0..queues.len() as u64 + rng.below(2))
        .map(|_| auth_id(rng))
        .collect();
    let from_queues = if rng.chance(10) {
        list(rng, QUEUES, 1)
    } else {
        Vec::new()
    };
    let from_agents: Vec<String> = from_queues.iter().map(|_| auth_id(rng)).collect();
    let abandoned = if !bridged && !queues.is_empty() {
        queues[..1].to_vec()
    } else {
        Vec::new()
    };
    let formatted = rng.chance(50);
    let talk = if queues.is_empty() {
        String::new()
    } else {
        duration(rng, formatted, 1800)
    };
    let hold = if queues.is_empty() {
        String::new()
    } else {
        duration(rng, formatted, 300)
    };
    let bridged_ids = if bridged {
        format!("{epoch}.{}", rng.below(40) + 40)
    } else {
        String::new()
    };
    let mut cells = Vec::with_capacity(Column::ALL.len());
    for column in Column::ALL {
        let cell = match column {
            Column::UniqueId => unique_id.clone(),
            Column::BridgedUniqueIds => bridged_ids.clone(),
            Column::Bridged => (if bridged { "Yes" } else { "No" }).to_owned(),
            Column::Date => date.clone(),
            Column::Callerid => callerid.clone(),
            Column::LastApp => rng.pick(APPS).to_owned(),
            Column::BillableDuration => billable.to_string(),
            Column::Disposition => (if bridged {
                "ANSWERED"
            } else {
                rng.pick(DISPOSITIONS)
            })
            .to_owned(),
            Column::RecordingLink if recorded => {
                format!("https://pbx.example.com/recordings/2016/10/{day:02}/{unique_id}.wav")
            }
            Column::RecordingLink => String::new(),
            Column::Transferred => yes_no(rng, 10),
            Column::BlindTransferred => yes_no(rng, 5),
            Column::AttendedTransferred => yes_no(rng, 5),
            Column::Forwarded => yes_no(rng, 8),
            Column::Parked => yes_no(rng, 2),
            Column::Direction => rng.pick(DIRECTIONS).to_owned(),
            Column::CelLink => format!("https://pbx.example.com/cel.php?unique_id={unique_id}"),
            Column::SrcType => src.kind.to_owned(),
            Column::Src => src.number.clone(),
            Column::SrcNpa => src.npa.clone(),
            Column::SrcNxx => src.nxx.clone(),
            Column::SrcSubscriberNumber => src.subscriber.clone(),
            Column::SrcLabel => src.label.clone(),
            Column::SrcUserLabel => src.user_label.clone(),
            Column::SrcUserExt => src.ext.clone(),
            Column::SrcUserAuthId => src.auth_id.clone(),
            Column::SrcUserTenantName => src.tenant.clone(),
            Column::DstType => (if queues.is_empty() {
                dst.kind
            } else {
                rng.pick(TYPES)
            })
            .to_owned(),
            Column::Dst => dst.number.clone(),
            Column::DstNpa => dst.npa.clone(),
            Column::DstNxx => dst.nxx.clone(),
            Column::DstSubscriberNumber => dst.subscriber.clone(),
            Column::DstLabel => dst.label.clone(),
            Column::DstOriginal => dst.number.clone(),
            Column::DstUserLabel => dst.user_label.clone(),
            Column::DstUserExt => dst.ext.clone(),
            Column::DstUserAuthId => dst.auth_id.clone(),
            Column::DstUserTenantName => dst.tenant.clone(),
            Column::DstContext => rng.pick(CONTEXTS).to_owned(),
            Column::InvolvedQueues => queues.join(","),
            Column::InvolvedQueueCount => queues.len().to_string(),
            Column::InvolvedAgents => agents.join(","),
            Column::InvolvedAgentCount => agents.len().to_string(),
            Column::TransferredFromQueues => from_queues.join(","),
            Column::TransferredFromQueuesCount => from_queues.len().to_string(),
            Column::TransferredFromAgents => from_agents.join(","),
            Column::TransferredFromAgentsCount => from_agents.len().to_string(),
            Column::AbandonedQueues => abandoned.join(","),
            Column::QueueTalkDuration => talk.clone(),
            Column::QueueAvgTalkDuration => talk.clone(),
            Column::QueueHoldDuration => hold.clone(),
            Column::QueueAvgHoldDuration => hold.clone(),
        };
        cells.push(cell);
    }
    cells
}

/// A report of `rows` calls with every column, as the server's report table.
pub fn report_table(rows: usize) -> ReportTable<'static> {
    let mut rng = Rng::new(0x5EED_0000 + rows as u64);
    let columns = Column::ALL.iter().map(|c| Str::from(c.as_str())).collect();
    let cells = (0..rows as u64)
        .map(|i| report_row(&mut rng, i).into_iter().map(Str::from).collect())
        .collect();
    let title = "Restrict inclusive by date range 'Mon, Oct 1, 2016 12:39 pm' to 'Mon, Oct 28, 2016 12:39 pm' - America/Chicago UTC-5:00 (DST)";
    ReportTable::new(Some(rows as i64), Some(Str::from(title)), columns, cells)
}

/// A report of `rows` calls in `format`, as the simulator writes it.
pub fn report_body(format: Format, rows: usize) -> Vec<u8> {
    report_bodies(&[format], rows).pop().expect("one format").1
}

/// The same report of `rows` calls in each of `formats` (the table is generated once).
pub fn report_bodies(formats: &[Format], rows: usize) -> Vec<(Format, Vec<u8>)> {
    let table = report_table(rows);
    formats
        .iter()
        .map(|&f| {
            (
                f,
                ReportRequest::encode(f, &table).expect("the report encodes"),
            )
        })
        .collect()
}

/// Re-encodes a JSON body of action `A` in `format` through the core's decoder and writer.
fn reencode<A: Endpoint>(json: &Value, format: Format) -> Vec<u8> {
    let text = serde_json::to_vec(json).expect("JSON");
    let response = A::decode(Format::Json, &text).expect("the generated response decodes");
    A::encode(format, &response).expect("the response encodes")
}

/// `status.queues` with `queues` queues of `agents` agents each, in `format`.
pub fn queues_body(format: Format, queues: usize, agents: usize) -> Vec<u8> {
    let mut rng = Rng::new(7);
    let mut map = Map::new();
    for q in 0..queues {
        let name = format!("{}_{q}", rng.pick(QUEUES));
        let mut agent_map = Map::new();
        for _ in 0..agents {
            agent_map.insert(
                auth_id(&mut rng),
                json!({
                    "name": person(&mut rng),
                    "tenant": rng.pick(TENANTS),
                    "tid": rng.below(5).to_string(),
                    "avail": rng.below(2).to_string(),
                    "callcount": rng.below(200).to_string(),
                    "lastcall": format!("{} secs ago", rng.below(3600)),
                    "status": rng.pick(&["Not in use", "In use", "Ringing", "Unavailable"]),
                    "otherdata": " (ringinuse disabled) (dynamic)",
                    "penalty": rng.below(3).to_string(),
                    "paused": rng.below(2).to_string(),
                    "connected_to": format!("{}", 2_000_000_000 + rng.below(7_999_999_999)),
                }),
            );
        }
        let waiting: Vec<Value> = (0..rng.below(6))
            .map(|i| {
                json!({
                    "number": format!("{}", 2_000_000_000 + rng.below(7_999_999_999)),
                    "priority": (i + 1).to_string(),
                    "wait_time": format!("{}:{:02}", rng.below(10), rng.below(60)),
                })
            })
            .collect();
        map.insert(
            name.clone(),
            json!({
                "queue": name,
                "holdtime": format!("{}s", rng.below(120)),
                "waiting": waiting.len().to_string(),
                "complete": rng.below(500).to_string(),
                "lost": rng.below(50).to_string(),
                "hunt": rng.pick(&["ringall", "leastrecent", "fewestcalls", "random"]),
                "agents": agent_map,
                "calls_waiting": waiting,
            }),
        );
    }
    reencode::<QueuesRequest>(&json!({"result": "success", "queues": map}), format)
}

/// `status.users` with `users` registrations, in `format`.
pub fn users_body(format: Format, users: usize) -> Vec<u8> {
    let mut rng = Rng::new(11);
    let list: Vec<Value> = (0..users)
        .map(|i| {
            json!({
                "ext": (100 + i).to_string(),
                "user": person(&mut rng),
                "tenant": rng.pick(TENANTS),
                "authid": auth_id(&mut rng),
                "vmail": format!("{}/{}", rng.below(5), rng.below(20)),
                "status": if rng.chance(70) { format!("OK ({} ms)", rng.below(200)) } else { "Unmonitored".to_owned() },
                "host": format!("{}.{}.{}.{}", rng.below(256), rng.below(256), rng.below(256), rng.below(256)),
                "port": (1024 + rng.below(60_000)).to_string(),
            })
        })
        .collect();
    reencode::<UsersRequest>(&json!({"result": "success", "users": list}), format)
}

/// `status.provisioning` with `devices` devices, in `format`.
pub fn provisioning_body(format: Format, devices: usize) -> Vec<u8> {
    let mut rng = Rng::new(13);
    let list: Vec<Value> = (0..devices)
        .map(|i| {
            let mac: Vec<String> = (0..6).map(|_| format!("{:02x}", rng.below(256))).collect();
            json!({
                "ext": format!("{}@{}", 100 + i, rng.pick(TENANTS)),
                "mac_address": mac.join(":"),
                "device": rng.pick(&["Yealink W70P", "Polycom VVX400", "Yealink SIP-T32G", "Grandstream GXP2170"]),
                "last_provisioned": format!("2024-01-{:02} {:02}:{:02}:{:02}", 1 + rng.below(28), rng.below(24), rng.below(60), rng.below(60)),
                "provisioned": if rng.chance(80) { "Yes" } else { "No" },
                "last_provision_delta": duration(&mut rng, true, 500_000),
                "calls_in": rng.below(100).to_string(),
                "calls_out": rng.below(100).to_string(),
                "file_name": format!("{}.cfg", mac.concat()),
            })
        })
        .collect();
    reencode::<ProvisioningRequest>(&json!({"result": "success", "provisioning": list}), format)
}

/// A `sms.query_sms` page of `records` messages, in `format`.
pub fn query_sms_body(format: Format, records: usize) -> Vec<u8> {
    let mut rng = Rng::new(17);
    let list: Vec<Value> = (0..records)
        .map(|i| {
            let message = match rng.below(4) {
                0 => "Test Message".to_owned(),
                1 => format!("Your code is {}", rng.below(1_000_000)),
                2 => format!("Hi {}, \"see you\" at 5 & bring the <docs>", rng.pick(FIRST)),
                _ => "Reminder: your appointment is tomorrow at 10:30 am. Reply STOP to opt out.".to_owned(),
            };
            json!({
                "id": (3131 + i).to_string(),
                "timestamp": format!("2017-06-22 {:02}:{:02}:{:02}", rng.below(24), rng.below(60), rng.below(60)),
                "src_label": format!("{}@default - {}", 100 + rng.below(900), person(&mut rng)),
                "dst_original_label": "",
                "dst_label": format!("{}", 2_000_000_000 + rng.below(7_999_999_999)),
                "status": rng.pick(&["success", "failed", "queued"]),
                "direction": rng.pick(&["outbound", "inbound"]),
                "message": message,
                "account_code": if rng.chance(50) { rng.below(1_000_000).to_string() } else { String::new() },
                "message_id": format!("1498157871.{:x}", rng.next_u64()),
            })
        })
        .collect();
    let page = json!({
        "result": "success",
        "total_results": (records * 10).to_string(),
        "results_limit": records.to_string(),
        "results_offset": "0",
        "results": list,
    });
    reencode::<QuerySmsRequest>(&page, format)
}

/// A report request with `groups` filter groups of `rules` rules each, built with the
/// generated builders (every kind of rule: flags, numeric comparisons, ranges, value lists).
pub fn filter_request(groups: usize, rules: usize) -> ReportRequest {
    let mut rng = Rng::new(19);
    let columns = [
        Column::UniqueId,
        Column::Date,
        Column::Callerid,
        Column::BillableDuration,
        Column::SrcLabel,
        Column::DstLabel,
    ];
    let mut req = ReportRequest::new(columns);
    let mut list = Vec::with_capacity(groups);
    for g in 0..groups {
        let mut rs = Vec::with_capacity(rules);
        for r in 0..rules {
            let rule = match (g + r) % 5 {
                0 => FilterRule::new(FilterType::Duration)
                    .operator(Operator::Between)
                    .lower_value(rng.below(60).to_string())
                    .upper_value((60 + rng.below(600)).to_string()),
                1 => FilterRule::new(FilterType::Bridged),
                2 => FilterRule::new(FilterType::Users)
                    .operator(Operator::Eq)
                    .value(
                        (0..3).map(|_| format!("{}@{}", 100 + rng.below(900), rng.pick(TENANTS))),
                    ),
                3 => FilterRule::new(FilterType::Direction)
                    .operator(Operator::Eq)
                    .value(["inbound", "outbound"]),
                _ => FilterRule::new(FilterType::FaxPageCount)
                    .operator(Operator::Ge)
                    .value([rng.below(20).to_string()]),
            };
            rs.push(rule);
        }
        let exclusivity = if g % 4 == 3 {
            Exclusivity::Exclude
        } else {
            Exclusivity::Include
        };
        let op = if g % 2 == 0 {
            LogicalOperator::And
        } else {
            LogicalOperator::Or
        };
        list.push(FilterGroup::new(exclusivity, op, rs));
    }
    req = req.filter_groups(list);
    for o in [
        "per_page=50",
        "page=0",
        "from=2016-10-01 12:39:00",
        "to=2016-10-28 12:39:00",
        "timezone=America/Chicago",
    ] {
        req = req.option(o.parse().expect("a valid option"));
    }
    req
}
