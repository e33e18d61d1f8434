//! Call detail records: the row type and its deterministic generator.

use crate::phone;
use crate::time;
use crate::world::{self, Tenant, User};
use dlspbx_core::reports::Column;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};

/// One side of a call as the report shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    /// `Extension`, `Queue`, `Conference`, `Ring Group`, `fixed-line`, `mobile`, `toll-free`...
    pub kind: String,
    /// Extension, phone number (10 digits or E.164), queue name or conference number.
    pub number: String,
    /// NPA of a 10-digit number.
    pub npa: String,
    /// NXX of a 10-digit number.
    pub nxx: String,
    /// Subscriber number of a 10-digit number.
    pub subscriber_number: String,
    /// Label: `100@default - Demo User`, `(847) 854-4799`...
    pub label: String,
    /// The user's name, when a user.
    pub user_label: String,
    /// The user's extension, when a user.
    pub user_ext: String,
    /// The user's auth ID, when a user.
    pub user_auth_id: String,
    /// The user's tenant name, when a user.
    pub user_tenant_name: String,
}

impl Party {
    fn user(u: &User) -> Party {
        Party {
            kind: "Extension".into(),
            number: u.ext.into(),
            label: format!("{}@{} - {}", u.ext, u.tenant, u.name),
            user_label: u.name.into(),
            user_ext: u.ext.into(),
            user_auth_id: u.authid.into(),
            user_tenant_name: u.tenant.into(),
            ..Party::default()
        }
    }

    fn number(n: &str, mobile: bool) -> Party {
        let (npa, nxx, sub) = phone::parts(n);
        let kind = if phone::is_tollfree(n) {
            "toll-free"
        } else if mobile {
            "mobile"
        } else {
            "fixed-line"
        };
        Party {
            kind: kind.into(),
            number: n.into(),
            npa,
            nxx,
            subscriber_number: sub,
            label: phone::label(n),
            ..Party::default()
        }
    }

    fn other(kind: &str, number: &str, label: String) -> Party {
        Party {
            kind: kind.into(),
            number: number.into(),
            label,
            ..Party::default()
        }
    }
}

/// A call detail record: the 51 report columns plus the hidden facts the filters use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cdr {
    /// Row ID.
    pub id: i64,
    /// The tenant the call belongs to.
    pub tenant_id: i64,
    /// `unique_id`.
    pub unique_id: String,
    /// `bridged_unique_ids` (comma-delimited).
    pub bridged_unique_ids: String,
    /// `bridged`.
    pub bridged: bool,
    /// `date` (`YYYY-MM-DD HH:MM:SS`).
    pub date: String,
    /// `callerid`.
    pub callerid: String,
    /// `last_app`.
    pub last_app: String,
    /// `billable_duration` in seconds.
    pub billable_duration: i64,
    /// `disposition`.
    pub disposition: String,
    /// `recording_link` (empty when not recorded).
    pub recording_link: String,
    /// `transferred`.
    pub transferred: bool,
    /// `blind_transferred`.
    pub blind_transferred: bool,
    /// `attended_transferred`.
    pub attended_transferred: bool,
    /// `forwarded`.
    pub forwarded: bool,
    /// `parked`.
    pub parked: bool,
    /// `direction`.
    pub direction: String,
    /// `cel_link`.
    pub cel_link: String,
    /// The `src_*` columns.
    pub src: Party,
    /// The `dst_*` columns (but `dst_original` and `dst_context`).
    pub dst: Party,
    /// `dst_original`.
    pub dst_original: String,
    /// `dst_context`.
    pub dst_context: String,
    /// `involved_queues` (comma-delimited).
    pub involved_queues: String,
    /// `involved_queue_count`.
    pub involved_queue_count: i64,
    /// `involved_agents` (comma-delimited auth IDs).
    pub involved_agents: String,
    /// `involved_agent_count`.
    pub involved_agent_count: i64,
    /// `transferred_from_queues`.
    pub transferred_from_queues: String,
    /// `transferred_from_queues_count`.
    pub transferred_from_queues_count: i64,
    /// `transferred_from_agents`.
    pub transferred_from_agents: String,
    /// `transferred_from_agents_count`.
    pub transferred_from_agents_count: i64,
    /// `abandoned_queues`.
    pub abandoned_queues: String,
    /// `queue_talk_duration`.
    pub queue_talk_duration: i64,
    /// `queue_avg_talk_duration`.
    pub queue_avg_talk_duration: i64,
    /// `queue_hold_duration`.
    pub queue_hold_duration: i64,
    /// `queue_avg_hold_duration`.
    pub queue_avg_hold_duration: i64,
    /// Hidden: the PBX number (DID) the call used, empty for internal calls.
    pub pbx_tn: String,
    /// Hidden: an international number took part.
    pub international: bool,
    /// Hidden: charged as an international call (outbound to an international number).
    pub international_outbound: bool,
    /// Hidden: a toll-free number took part.
    pub tollfree: bool,
    /// Hidden: charged as a toll-free call (inbound on a toll-free DID).
    pub tollfree_inbound: bool,
    /// Hidden: went to voicemail.
    pub voicemail: bool,
    /// Hidden: fax outcome: empty (not a fax), `success`, `failed` or `detect_failed`.
    pub fax: String,
    /// Hidden: fax pages.
    pub fax_pages: i64,
    /// Hidden: the conference number, empty when not a conference call.
    pub conference: String,
    /// Hidden: an on-the-fly conference.
    pub otf_conference: bool,
    /// Hidden: has a recording from a conference.
    pub recorded_conference: bool,
    /// Hidden: the ring group the call was sent to, empty if none.
    pub ring_group: String,
}

/// A cell value as stored in SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// TEXT.
    Text(&'a str),
    /// INTEGER (yes/no as 0/1).
    Int(i64),
}

impl Cdr {
    /// The stored value of a report column.
    pub fn value(&self, c: Column) -> Value<'_> {
        use Value::{Int, Text};
        let b = |v: bool| Int(i64::from(v));
        match c {
            Column::UniqueId => Text(&self.unique_id),
            Column::BridgedUniqueIds => Text(&self.bridged_unique_ids),
            Column::Bridged => b(self.bridged),
            Column::Date => Text(&self.date),
            Column::Callerid => Text(&self.callerid),
            Column::LastApp => Text(&self.last_app),
            Column::BillableDuration => Int(self.billable_duration),
            Column::Disposition => Text(&self.disposition),
            Column::RecordingLink => Text(&self.recording_link),
            Column::Transferred => b(self.transferred),
            Column::BlindTransferred => b(self.blind_transferred),
            Column::AttendedTransferred => b(self.attended_transferred),
            Column::Forwarded => b(self.forwarded),
            Column::Parked => b(self.parked),
            Column::Direction => Text(&self.direction),
            Column::CelLink => Text(&self.cel_link),
            Column::SrcType => Text(&self.src.kind),
            Column::Src => Text(&self.src.number),
            Column::SrcNpa => Text(&self.src.npa),
            Column::SrcNxx => Text(&self.src.nxx),
            Column::SrcSubscriberNumber => Text(&self.src.subscriber_number),
            Column::SrcLabel => Text(&self.src.label),
            Column::SrcUserLabel => Text(&self.src.user_label),
            Column::SrcUserExt => Text(&self.src.user_ext),
            Column::SrcUserAuthId => Text(&self.src.user_auth_id),
            Column::SrcUserTenantName => Text(&self.src.user_tenant_name),
            Column::DstType => Text(&self.dst.kind),
            Column::Dst => Text(&self.dst.number),
            Column::DstNpa => Text(&self.dst.npa),
            Column::DstNxx => Text(&self.dst.nxx),
            Column::DstSubscriberNumber => Text(&self.dst.subscriber_number),
            Column::DstLabel => Text(&self.dst.label),
            Column::DstOriginal => Text(&self.dst_original),
            Column::DstUserLabel => Text(&self.dst.user_label),
            Column::DstUserExt => Text(&self.dst.user_ext),
            Column::DstUserAuthId => Text(&self.dst.user_auth_id),
            Column::DstUserTenantName => Text(&self.dst.user_tenant_name),
            Column::DstContext => Text(&self.dst_context),
            Column::InvolvedQueues => Text(&self.involved_queues),
            Column::InvolvedQueueCount => Int(self.involved_queue_count),
            Column::InvolvedAgents => Text(&self.involved_agents),
            Column::InvolvedAgentCount => Int(self.involved_agent_count),
            Column::TransferredFromQueues => Text(&self.transferred_from_queues),
            Column::TransferredFromQueuesCount => Int(self.transferred_from_queues_count),
            Column::TransferredFromAgents => Text(&self.transferred_from_agents),
            Column::TransferredFromAgentsCount => Int(self.transferred_from_agents_count),
            Column::AbandonedQueues => Text(&self.abandoned_queues),
            Column::QueueTalkDuration => Int(self.queue_talk_duration),
            Column::QueueAvgTalkDuration => Int(self.queue_avg_talk_duration),
            Column::QueueHoldDuration => Int(self.queue_hold_duration),
            Column::QueueAvgHoldDuration => Int(self.queue_avg_hold_duration),
        }
    }

    /// The hidden columns, in the order of [`crate::db::HIDDEN_CDR_COLUMNS`].
    pub fn hidden_values(&self) -> [Value<'_>; 12] {
        use Value::{Int, Text};
        [
            Text(&self.pbx_tn),
            Int(i64::from(self.international)),
            Int(i64::from(self.international_outbound)),
            Int(i64::from(self.tollfree)),
            Int(i64::from(self.tollfree_inbound)),
            Int(i64::from(self.voicemail)),
            Text(&self.fax),
            Int(self.fax_pages),
            Text(&self.conference),
            Int(i64::from(self.otf_conference)),
            Int(i64::from(self.recorded_conference)),
            Text(&self.ring_group),
        ]
    }
}

/// The first CDR's earliest date: 2024-01-01 00:00:00.
pub const FIRST_DATE: &str = "2024-01-01 00:00:00";
/// The span the generated CDRs cover: 180 days.
pub const SPAN_SECS: i64 = 180 * 86_400;

const CALLER_NAMES: &[&str] = &[
    "DLS Internet Services",
    "John",
    "Maria Garcia",
    "WIRELESS CALLER",
    "Acme Corp",
    "Chen Wei",
    "Priya Patel",
    "Dr. Smith Office",
    "Unknown",
    "Jane Doe",
    "City of Chicago",
    "Pat O'Brien",
];
const NPAS: &[&str] = &[
    "312", "773", "847", "630", "815", "224", "708", "917", "415", "202", "888",
];
const INTERNATIONAL: &[&str] = &[
    "+442071234567",
    "+33142685300",
    "+493012345678",
    "+525555123456",
    "+81312345678",
    "+61291234567",
];

/// Generates `n` CDRs deterministically from `seed`: the same arguments always give the same
/// rows, in increasing date order, with IDs `1..=n`.
pub fn generate(seed: u64, n: usize) -> impl Iterator<Item = Cdr> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0xC0FF_EE00_D15E_A5E5);
    let start = time::parse(FIRST_DATE).unwrap_or(0);
    let avg = (SPAN_SECS / (n.max(1) as i64)).max(1);
    let mut t = start;
    (0..n).map(move |i| {
        t += rng.random_range(0..=2 * avg);
        let tenant = if rng.random_bool(0.85) {
            &world::TENANTS[0]
        } else {
            &world::TENANTS[1]
        };
        one(&mut rng, i as i64 + 1, t, tenant)
    })
}

fn nanp(rng: &mut StdRng) -> String {
    let npa = NPAS.choose(rng).copied().unwrap_or("312");
    let mut nxx = rng.random_range(200..1000);
    if nxx % 100 == 11 {
        nxx += 1;
    }
    format!("{npa}{nxx}{:04}", rng.random_range(0..10_000))
}

fn ext_number(rng: &mut StdRng, international: f64) -> (String, bool) {
    if rng.random_bool(international) {
        (
            INTERNATIONAL
                .choose(rng)
                .copied()
                .unwrap_or("+442071234567")
                .to_owned(),
            rng.random_bool(0.3),
        )
    } else {
        (nanp(rng), rng.random_bool(0.4))
    }
}

fn users(tenant: &Tenant) -> Vec<&'static User> {
    world::users_of(tenant.name)
        .filter(|u| u.ext != "105")
        .collect()
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

#[derive(Clone, Copy)]
enum Kind {
    Inbound,
    DirectInbound,
    Outbound,
    Internal,
    Queue,
    Fax,
    Conference,
    Hairpin,
}

fn one(rng: &mut StdRng, id: i64, t: i64, tenant: &Tenant) -> Cdr {
    let uid = format!("{t}.{id}");
    let mut c = Cdr {
        id,
        tenant_id: tenant.id,
        date: time::format_datetime(t),
        cel_link: format!("https://demo.pbx.dls.net/cel.php?uniqueid={uid}"),
        unique_id: uid,
        last_app: "Dial".into(),
        disposition: "ANSWERED".into(),
        ..Cdr::default()
    };
    let roll = rng.random_range(0..100);
    let kind = match roll {
        0..=27 => Kind::Inbound,
        28..=31 => Kind::DirectInbound,
        32..=59 => Kind::Outbound,
        60..=73 => Kind::Internal,
        74..=86 => Kind::Queue,
        87..=90 => Kind::Fax,
        91..=96 => Kind::Conference,
        _ => Kind::Hairpin,
    };
    let pool = users(tenant);
    let did = pick(rng, tenant.dids).to_string();
    let talk = |rng: &mut StdRng| {
        if rng.random_bool(0.5) {
            rng.random_range(1..60)
        } else {
            rng.random_range(60..1800)
        }
    };
    match kind {
        Kind::Inbound | Kind::DirectInbound | Kind::Hairpin => {
            let (num, mobile) = ext_number(rng, 0.06);
            let caller = CALLER_NAMES.choose(rng).copied().unwrap_or("John");
            c.callerid = format!("\"{caller}\" <{num}>");
            c.src = Party::number(&num, mobile);
            c.international = phone::is_international(&num);
            c.pbx_tn = did.clone();
            c.dst_original = did.clone();
            c.dst_context = "from-trunk".into();
            c.direction = match kind {
                Kind::DirectInbound => "directinbound",
                Kind::Hairpin => "hairpin",
                _ => "inbound",
            }
            .into();
            if matches!(kind, Kind::Hairpin) {
                let (fwd, mobile) = ext_number(rng, 0.0);
                c.dst = Party::number(&fwd, mobile);
                c.forwarded = true;
                c.bridged = true;
                c.dst_context = "from-internal".into();
            } else {
                let u = *pick(rng, &pool);
                c.dst = Party::user(u);
                if matches!(kind, Kind::Inbound) && rng.random_bool(0.15) {
                    let groups: Vec<_> = world::GROUPS
                        .iter()
                        .filter(|g| g.tenant == tenant.name)
                        .collect();
                    let g = *pick(rng, &groups);
                    let member =
                        world::user(g.members[rng.random_range(0..g.members.len())]).unwrap_or(u);
                    c.dst = Party::user(member);
                    c.ring_group = g.name.into();
                }
                if rng.random_bool(0.15) {
                    c.voicemail = true;
                    c.last_app = "VoiceMail".into();
                } else {
                    c.bridged = true;
                    c.forwarded = rng.random_bool(0.03);
                }
            }
            c.tollfree = phone::is_tollfree(&did)
                || phone::is_tollfree(&c.src.number)
                || phone::is_tollfree(&c.dst.number);
            c.tollfree_inbound = phone::is_tollfree(&did);
        }
        Kind::Outbound => {
            let u = *pick(rng, &pool);
            let (num, mobile) = if rng.random_bool(0.07) {
                (format!("800555{:04}", rng.random_range(0..10_000)), false)
            } else {
                ext_number(rng, 0.08)
            };
            c.src = Party::user(u);
            c.callerid = format!("\"{}\" <{}>", u.name, tenant.dids[0]);
            c.dst = Party::number(&num, mobile);
            c.dst_original = num.clone();
            c.pbx_tn = tenant.dids[0].into();
            c.direction = "outbound".into();
            c.dst_context = "outbound-allroutes".into();
            c.international = phone::is_international(&num);
            c.international_outbound = c.international;
            c.tollfree = phone::is_tollfree(&num);
            c.disposition = match rng.random_range(0..100) {
                0..=79 => "ANSWERED",
                80..=91 => "NO ANSWER",
                92..=96 => "BUSY",
                _ => "FAILED",
            }
            .into();
            c.bridged = c.disposition == "ANSWERED";
        }
        Kind::Internal => {
            let a = *pick(rng, &pool);
            let mut b = *pick(rng, &pool);
            if b.authid == a.authid {
                b = pool
                    .iter()
                    .copied()
                    .find(|u| u.authid != a.authid)
                    .unwrap_or(b);
            }
            c.src = Party::user(a);
            c.dst = Party::user(b);
            c.callerid = format!("\"{}\" <{}>", a.name, a.ext);
            c.dst_original = b.ext.into();
            c.direction = "internal".into();
            c.dst_context = "from-internal".into();
            if rng.random_bool(0.12) {
                c.disposition = "NO ANSWER".into();
                if rng.random_bool(0.5) {
                    c.voicemail = true;
                    c.last_app = "VoiceMail".into();
                    c.disposition = "ANSWERED".into();
                }
            } else {
                c.bridged = true;
                c.forwarded = rng.random_bool(0.03);
            }
        }
        Kind::Queue => {
            let queues: Vec<_> = world::QUEUES
                .iter()
                .filter(|q| q.tenant == tenant.name && !q.agents.is_empty())
                .collect();
            let q = *pick(rng, &queues);
            let (num, mobile) = ext_number(rng, 0.03);
            let caller = CALLER_NAMES.choose(rng).copied().unwrap_or("John");
            c.callerid = format!("\"{caller}\" <{num}>");
            c.src = Party::number(&num, mobile);
            c.international = phone::is_international(&num);
            c.pbx_tn = did.clone();
            c.dst_original = did.clone();
            c.tollfree = phone::is_tollfree(&did) || phone::is_tollfree(&num);
            c.tollfree_inbound = phone::is_tollfree(&did);
            c.direction = "inbound".into();
            c.dst_context = "ext-queues".into();
            c.last_app = "Queue".into();
            c.dst = Party::other("Queue", q.name, format!("Queue: {}", q.name));
            c.involved_queues = q.name.into();
            c.involved_queue_count = 1;
            let hold = rng.random_range(3..300);
            c.queue_hold_duration = hold;
            c.queue_avg_hold_duration = hold;
            if rng.random_bool(0.2) {
                c.abandoned_queues = q.name.into();
                if rng.random_bool(0.5) {
                    c.involved_agents = (*pick(rng, q.agents)).into();
                    c.involved_agent_count = 1;
                }
            } else {
                let agent = *pick(rng, q.agents);
                let mut agents = vec![agent];
                if q.agents.len() > 1 && rng.random_bool(0.3) {
                    let other = q
                        .agents
                        .iter()
                        .copied()
                        .find(|a| *a != agent)
                        .unwrap_or(agent);
                    agents.insert(0, other);
                }
                c.involved_agent_count = agents.len() as i64;
                c.involved_agents = agents.join(",");
                if let Some(u) = world::user(agent) {
                    let mut p = Party::user(u);
                    p.kind = "Agent".into();
                    c.dst = p;
                }
                c.bridged = true;
                let t = talk(rng);
                c.queue_talk_duration = t;
                c.queue_avg_talk_duration = t;
                if rng.random_bool(0.08) {
                    c.transferred_from_queues = q.name.into();
                    c.transferred_from_queues_count = 1;
                    c.transferred_from_agents = agent.into();
                    c.transferred_from_agents_count = 1;
                    c.transferred = true;
                }
            }
        }
        Kind::Fax => {
            let (num, _) = ext_number(rng, 0.02);
            c.callerid = format!("\"FAX\" <{num}>");
            c.src = Party::number(&num, false);
            c.international = phone::is_international(&num);
            c.pbx_tn = did.clone();
            c.dst_original = did.clone();
            c.tollfree = phone::is_tollfree(&did);
            c.tollfree_inbound = c.tollfree;
            c.direction = "inbound".into();
            c.dst_context = "ext-fax".into();
            c.last_app = "ReceiveFAX".into();
            let fax_user = world::users_of(tenant.name)
                .find(|u| u.ext == "105")
                .unwrap_or(pool[0]);
            c.dst = Party::user(fax_user);
            let (fax, pages) = match rng.random_range(0..10) {
                0..=6 => ("success", rng.random_range(1..=20)),
                7..=8 => ("failed", rng.random_range(0..=5)),
                _ => ("detect_failed", 0),
            };
            c.fax = fax.into();
            c.fax_pages = pages;
        }
        Kind::Conference => {
            let confs: Vec<&str> = world::CONFERENCES
                .iter()
                .filter(|(t, _)| *t == tenant.name)
                .map(|(_, n)| *n)
                .collect();
            let u = *pick(rng, &pool);
            if rng.random_bool(0.7) {
                c.src = Party::user(u);
                c.callerid = format!("\"{}\" <{}>", u.name, u.ext);
                c.direction = "internal".into();
            } else {
                let (num, mobile) = ext_number(rng, 0.05);
                c.src = Party::number(&num, mobile);
                c.callerid = format!("\"Conference Guest\" <{num}>");
                c.international = phone::is_international(&num);
                c.pbx_tn = did.clone();
                c.tollfree = phone::is_tollfree(&did);
                c.tollfree_inbound = c.tollfree;
                c.direction = "inbound".into();
            }
            c.otf_conference = rng.random_bool(0.25);
            let number = if c.otf_conference {
                format!("8{}", u.ext)
            } else {
                (*pick(rng, &confs)).to_owned()
            };
            c.dst = Party::other("Conference", &number, format!("Conference: {number}"));
            c.dst_original = number.clone();
            c.conference = number;
            c.dst_context = "ext-meetme".into();
            c.last_app = "ConfBridge".into();
            c.bridged = true;
            c.recorded_conference = rng.random_bool(0.3);
        }
    }
    if c.disposition == "ANSWERED" {
        c.billable_duration = if c.voicemail {
            rng.random_range(5..90)
        } else if !c.fax.is_empty() {
            rng.random_range(20..400)
        } else if c.queue_talk_duration > 0 {
            c.queue_hold_duration + c.queue_talk_duration
        } else if !c.abandoned_queues.is_empty() {
            c.queue_hold_duration
        } else {
            talk(rng)
        };
    }
    if c.bridged {
        c.bridged_unique_ids = format!("{t}.{}", 10_000_000 + id);
        if c.conference.is_empty() && rng.random_bool(0.1) {
            c.transferred = true;
        }
        if c.transferred {
            if rng.random_bool(0.5) {
                c.blind_transferred = true;
            } else {
                c.attended_transferred = true;
                c.bridged_unique_ids
                    .push_str(&format!(",{t}.{}", 20_000_000 + id));
            }
        }
        c.parked = c.conference.is_empty() && rng.random_bool(0.02);
        if rng.random_bool(0.3) || c.recorded_conference {
            c.recording_link = format!(
                "https://demo.pbx.dls.net/recording.php?uniqueid={}",
                c.unique_id
            );
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_ordered() {
        let a: Vec<Cdr> = generate(7, 300).collect();
        let b: Vec<Cdr> = generate(7, 300).collect();
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].date <= w[1].date));
        assert!(a.iter().any(|c| !c.fax.is_empty()));
        assert!(a.iter().any(|c| !c.conference.is_empty()));
        assert!(a.iter().any(|c| c.tenant_id == 1));
    }
}
