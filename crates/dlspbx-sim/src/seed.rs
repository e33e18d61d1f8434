//! Deterministic demo data: the [world module](crate::world) (tenants, users, queues...), status
//! snapshots, SMS, opt-in/opt-out lists and N generated CDRs.

use crate::cdr::{self, Value};
use crate::db;
use crate::phone;
use crate::time;
use crate::world::{self, TENANTS};
use dlspbx_core::reports::Column;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rusqlite::{Connection, params};
use std::time::{Duration, Instant};

/// What to seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedConfig {
    /// The random seed: the same seed gives the same data (API keys included).
    pub seed: u64,
    /// How many CDRs to generate.
    pub cdrs: usize,
}

impl Default for SeedConfig {
    fn default() -> Self {
        SeedConfig {
            seed: 42,
            cdrs: 500,
        }
    }
}

/// What [`seed`] did.
#[derive(Debug, Clone, Copy)]
pub struct SeedReport {
    /// CDRs inserted.
    pub cdrs: usize,
    /// Time spent on the CDRs.
    pub cdr_time: Duration,
    /// Total time.
    pub total_time: Duration,
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The API key of the user with auth ID `authid` under `seed`: `XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX`.
pub fn api_key(seed: u64, authid: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = StdRng::seed_from_u64(seed ^ fnv1a(authid));
    let mut part = |n: usize| -> String {
        (0..n)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    };
    format!("{}-{}-{}", part(9), part(14), part(9))
}

/// How often [`seed_reporting`] reports: every this many CDRs.
pub const PROGRESS_STEP: usize = 10_000;

/// Replaces every row of the database with the demo data for `cfg`.
pub fn seed(conn: &Connection, cfg: &SeedConfig) -> rusqlite::Result<SeedReport> {
    seed_reporting(conn, cfg, &mut |_| {})
}

/// [`seed`], calling `progress` with the number of CDRs inserted so far, every
/// [`PROGRESS_STEP`] CDRs and at the end.
pub fn seed_reporting(
    conn: &Connection,
    cfg: &SeedConfig,
    progress: &mut dyn FnMut(usize),
) -> rusqlite::Result<SeedReport> {
    let started = Instant::now();
    db::clear(conn)?;
    let tx = conn.unchecked_transaction()?;
    seed_world(&tx, cfg.seed)?;
    tx.commit()?;
    let cdr_started = Instant::now();
    let rows = cdr::generate(cfg.seed, cfg.cdrs)
        .enumerate()
        .map(|(i, row)| {
            if i % PROGRESS_STEP == 0 {
                progress(i);
            }
            row
        });
    insert_cdrs(conn, rows)?;
    progress(cfg.cdrs);
    let cdr_time = cdr_started.elapsed();
    conn.execute_batch("ANALYZE")?;
    Ok(SeedReport {
        cdrs: cfg.cdrs,
        cdr_time,
        total_time: started.elapsed(),
    })
}

/// Inserts CDRs in one transaction with one prepared statement.
pub fn insert_cdrs(
    conn: &Connection,
    rows: impl Iterator<Item = cdr::Cdr>,
) -> rusqlite::Result<usize> {
    let mut cols = String::from("id, tenant_id");
    let mut marks = String::from("?, ?");
    for c in Column::ALL {
        cols.push_str(", ");
        cols.push_str(c.as_str());
        marks.push_str(", ?");
    }
    for (name, _) in db::HIDDEN_CDR_COLUMNS {
        cols.push_str(", ");
        cols.push_str(name);
        marks.push_str(", ?");
    }
    let sql = format!("INSERT INTO cdrs ({cols}) VALUES ({marks})");
    let tx = conn.unchecked_transaction()?;
    // The (tenant, date) index is rebuilt once at the end, which is faster than keeping it up
    // to date row by row.
    tx.execute_batch("DROP INDEX IF EXISTS cdrs_tenant_date")?;
    let mut n = 0;
    {
        let mut stmt = tx.prepare(&sql)?;
        for row in rows {
            stmt.raw_bind_parameter(1, row.id)?;
            stmt.raw_bind_parameter(2, row.tenant_id)?;
            let mut i = 3;
            for &c in Column::ALL {
                match row.value(c) {
                    Value::Text(s) => stmt.raw_bind_parameter(i, s)?,
                    Value::Int(v) => stmt.raw_bind_parameter(i, v)?,
                }
                i += 1;
            }
            for v in row.hidden_values() {
                match v {
                    Value::Text(s) => stmt.raw_bind_parameter(i, s)?,
                    Value::Int(v) => stmt.raw_bind_parameter(i, v)?,
                }
                i += 1;
            }
            stmt.raw_execute()?;
            n += 1;
        }
    }
    tx.execute_batch("CREATE INDEX cdrs_tenant_date ON cdrs(tenant_id, date)")?;
    tx.commit()?;
    Ok(n)
}

fn seed_world(conn: &Connection, seed: u64) -> rusqlite::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0005_EED0_FD15);
    for t in TENANTS {
        conn.execute(
            "INSERT INTO tenants (id, name) VALUES (?, ?)",
            params![t.id, t.name],
        )?;
    }
    for u in world::all_users() {
        let tid = world::tenant(u.tenant).map_or(0, |t| t.id);
        conn.execute(
            "INSERT INTO users (tenant_id, ext, name, authid, api_key, vmail, status, host, port) VALUES (?,?,?,?,?,?,?,?,?)",
            params![tid, u.ext, u.name, u.authid, api_key(seed, u.authid), u.vmail, u.status, u.host, u.port],
        )?;
    }
    for g in world::GROUPS {
        let tid = world::tenant(g.tenant).map_or(0, |t| t.id);
        conn.execute(
            "INSERT INTO user_groups (tenant_id, name) VALUES (?, ?)",
            params![tid, g.name],
        )?;
        let gid = conn.last_insert_rowid();
        for m in g.members {
            conn.execute(
                "INSERT INTO user_group_members (group_id, user_id) SELECT ?, id FROM users WHERE authid = ?",
                params![gid, m],
            )?;
        }
    }
    // Queues, agents and waiting calls.
    for q in world::QUEUES {
        let tid = world::tenant(q.tenant).map_or(0, |t| t.id);
        let complete = if q.agents.is_empty() {
            0
        } else {
            rng.random_range(0..40)
        };
        let lost = if q.agents.is_empty() {
            0
        } else {
            rng.random_range(0..5)
        };
        let holdtime = if q.agents.is_empty() {
            "0s".to_owned()
        } else {
            format!("{}s", rng.random_range(2..40))
        };
        conn.execute(
            "INSERT INTO queues (tenant_id, name, holdtime, complete, lost, hunt) VALUES (?,?,?,?,?,?)",
            params![tid, q.name, holdtime, complete, lost, q.hunt],
        )?;
        let qid = conn.last_insert_rowid();
        for (i, a) in q.agents.iter().enumerate() {
            let busy = i == 0;
            conn.execute(
                "INSERT INTO queue_agents (queue_id, user_id, avail, callcount, lastcall, status, otherdata, penalty, paused, connected_to)
                 SELECT ?, id, ?, ?, ?, ?, ?, ?, ?, ? FROM users WHERE authid = ?",
                params![
                    qid,
                    i64::from(!busy),
                    rng.random_range(0..20),
                    format!("{} secs ago", rng.random_range(5..100_000)),
                    if busy { "In use" } else { "Not in use" },
                    " (ringinuse disabled) (dynamic)",
                    i as i64,
                    i64::from(i == 2),
                    if busy { Some(format!("{}", 8_153_550_000u64 + rng.random_range(0..10_000))) } else { None },
                    a
                ],
            )?;
        }
        if !q.agents.is_empty() {
            for p in 1..=rng.random_range(1..=2) {
                let secs = rng.random_range(3..200);
                conn.execute(
                    "INSERT INTO queue_waiting_calls (queue_id, number, priority, wait_time) VALUES (?,?,?,?)",
                    params![qid, format!("{}", 8_153_556_000u64 + rng.random_range(0..1000)), p, format!("{}:{:02}", secs / 60, secs % 60)],
                )?;
            }
        }
    }
    // Active calls.
    for t in TENANTS {
        let us: Vec<_> = world::users_of(t.name).collect();
        let label = |u: &world::User| format!("{}@{}-{}", u.ext, u.tenant, u.name);
        let q = world::QUEUES
            .iter()
            .find(|q| q.tenant == t.name)
            .map_or("support_queue", |q| q.name);
        conn.execute(
            "INSERT INTO active_calls (tenant_id, direction, ext, callerid, connected_to, status, elapsed) VALUES (?, 'inbound', NULL, ?, ?, 'Connected', '0h4m3s')",
            params![t.id, "1234567890", format!("Queue:{q}")],
        )?;
        conn.execute(
            "INSERT INTO active_calls (tenant_id, direction, ext, callerid, connected_to, status, elapsed) VALUES (?, 'outbound', ?, ?, ?, 'Connected', '0h1m20s')",
            params![t.id, label(us[us.len() - 1]), format!("+1{}", t.dids[0]), "1023456789"],
        )?;
        conn.execute(
            "INSERT INTO active_calls (tenant_id, direction, ext, callerid, connected_to, status, elapsed) VALUES (?, 'internal', ?, NULL, ?, 'Ringing', '0h0m4s')",
            params![t.id, label(us[1 % us.len()]), label(us[0])],
        )?;
    }
    // Faxes and fax statistics.
    for t in TENANTS {
        let from = world::users_of(t.name).nth(1).map_or("", |u| u.authid);
        conn.execute(
            "INSERT INTO faxes (tenant_id, dst, src, page, status, attempt, next_retry) VALUES (?, '7735966400', ?, 'N/A', 'Queued', '2/5', '1 minute(s)')",
            params![t.id, from],
        )?;
        conn.execute(
            "INSERT INTO faxes (tenant_id, dst, src, page, status, attempt, next_retry) VALUES (?, '8474743126', ?, '1/0', 'Processing', '1/5', 'Now')",
            params![t.id, from],
        )?;
        let success: i64 = rng.random_range(5..30);
        let failed: i64 = rng.random_range(0..10);
        conn.execute(
            "INSERT INTO fax_stats VALUES (?, 1, 0, ?, ?, ?, ?, ?, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
            params![t.id, success + failed + 3, 6, success + failed, failed, success, failed.min(2)],
        )?;
    }
    // Conferences.
    for (i, (tname, number)) in world::CONFERENCES.iter().enumerate() {
        let tid = world::tenant(tname).map_or(0, |t| t.id);
        conn.execute(
            "INSERT INTO conferences (tenant_id, number, users, admins, locked) VALUES (?,?,?,?,?)",
            params![
                tid,
                number,
                1 + (i as i64 % 3),
                i64::from(i % 2 == 1),
                i64::from(i % 2 == 1)
            ],
        )?;
    }
    // Provisioning: the reference's three devices, plus one for acme.
    let devices = [
        (
            "default",
            "630",
            "24:9a:d8:02:f4:4e",
            "Yealink W70P",
            "2024-01-30 13:42:56",
            true,
            "00:59:07",
            "249ad802f44e.cfg",
        ),
        (
            "default",
            "635",
            "00:04:f2:cc:2c:46",
            "Polycom VVX400",
            "2024-01-24 11:59:55",
            true,
            "146:42:08",
            "0004f2cc2c46-provision.cfg",
        ),
        (
            "default",
            "985",
            "00:15:65:4d:f1:b7",
            "Yealink SIP-T32G",
            "2024-01-12 12:00:26",
            false,
            "Over a week ago",
            "0015654df1b7.cfg",
        ),
        (
            "acme",
            "200",
            "80:5e:c0:11:22:33",
            "Yealink T54W",
            "2024-02-01 08:15:00",
            true,
            "02:10:44",
            "805ec0112233.cfg",
        ),
    ];
    for (tname, ext, mac, device, last, prov, delta, file) in devices {
        let tid = world::tenant(tname).map_or(0, |t| t.id);
        conn.execute(
            "INSERT INTO provisioning (tenant_id, ext, mac_address, device, last_provisioned, provisioned, last_provision_delta, calls_in, calls_out, file_name)
             VALUES (?,?,?,?,?,?,?,?,?,?)",
            params![tid, format!("{ext}@{tname}"), mac, device, last, prov, delta, rng.random_range(0..50), rng.random_range(0..50), file],
        )?;
    }
    // Dialer campaigns and logs.
    let campaigns = [
        (0i64, "My Campaign", "blaster", "Stopped", "", ""),
        (0, "Callbacks", "predictive", "Running", "1", "2"),
        (1, "Acme Blast", "blaster", "Stopped", "", ""),
    ];
    for (tid, name, kind, status, queue, script) in campaigns {
        conn.execute(
            "INSERT INTO dialer_campaigns (tenant_id, name, type, max_attempts, caller_id, call_ratio, agent_queue_id, script_id, context_id, rule_id, step_id,
               min_callback_time, machine_context_id, machine_rule_id, machine_step_id, display_contacts_form, hangup_on_disposition, hide_number_in_caller_id, status)
             VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            params![
                tid, name, kind, 1 + i64::from(kind == "predictive") * 2, 3, if kind == "predictive" { 1.5 } else { 1.0 }, queue, script, 1, 27, 39, 2,
                if kind == "blaster" { "44" } else { "" }, if kind == "blaster" { "20" } else { "" }, if kind == "blaster" { "28" } else { "" },
                1, 1, 0, status
            ],
        )?;
        let cid = conn.last_insert_rowid();
        let base = time::parse("2023-12-29 17:32:12").unwrap_or(0);
        let lines = [
            (0, "STATUS: Ready for dialing".to_owned()),
            (
                0,
                format!("DEBUG: Reset dispositions for contact list {}", 8 + cid),
            ),
            (0, "DEBUG: Pulling a contact to dial".to_owned()),
            (
                0,
                format!(
                    "DEBUG: Created call file /var/spool/asterisk/outgoing/pdialer_pd-12-{}-3",
                    8 + cid
                ),
            ),
            (
                0,
                format!("INFO: Placing call to pd-12-{}-3 at 8153556261", 8 + cid),
            ),
            (2, "DEBUG: Checking failed calls".to_owned()),
            (4, "DEBUG: Checking failed calls".to_owned()),
            (5, "DEBUG: Checking completed calls".to_owned()),
        ];
        for (dt, text) in lines {
            conn.execute(
                "INSERT INTO dialer_logs (campaign_id, line) VALUES (?, ?)",
                params![cid, format!("[{}] {text}", time::format_log(base + dt))],
            )?;
        }
    }
    // Opt-in campaigns and opt-out lists.
    let optin = [
        ("default", "CX5K2PQ", "Appointment reminders"),
        ("default", "CZ9ALRT", "Service alerts"),
        ("acme", "CACME01", "Acme deals"),
    ];
    for (tname, cid, name) in optin {
        let tid = world::tenant(tname).map_or(0, |t| t.id);
        conn.execute(
            "INSERT INTO optin_campaigns (campaign_id, tenant_id, name) VALUES (?,?,?)",
            params![cid, tid, name],
        )?;
        for i in 0..rng.random_range(3..7) {
            conn.execute(
                "INSERT OR IGNORE INTO optin_subscribers (campaign_id, number, reason, subscribe_text, subscribed_at) VALUES (?,?,?,?,?)",
                params![
                    cid,
                    format!("{}", 5_555_550_000u64 + rng.random_range(0..10_000)),
                    if i % 2 == 0 { "MANUAL" } else { "KEYWORD" },
                    if i % 2 == 0 { "N\\A" } else { "START" },
                    time::format_datetime(time::parse("2023-06-22 10:16:25").unwrap_or(0) + i * 86_400)
                ],
            )?;
        }
    }
    for t in TENANTS {
        for i in 0..rng.random_range(1..4) {
            conn.execute(
                "INSERT OR IGNORE INTO optout_unsubscribers (tenant_id, number, reason, unsubscribe_text, unsubscribed_at) VALUES (?,?,?,?,?)",
                params![
                    t.id,
                    format!("{}", 1_122_330_000u64 + rng.random_range(0..10_000)),
                    if i == 0 { "MANUAL" } else { "KEYWORD" },
                    if i == 0 { "N\\A" } else { "STOP" },
                    time::format_datetime(time::parse("2023-07-03 13:08:43").unwrap_or(0) + i * 3600)
                ],
            )?;
        }
    }
    // A few SMS per tenant.
    let texts = [
        "Test Message",
        "Your appointment is tomorrow at 10am",
        "Reply STOP to opt out",
        "Thanks!",
        "Call me back please",
    ];
    let base = time::parse("2024-03-01 09:00:00").unwrap_or(0);
    let mut t = base;
    for i in 0..24 {
        t += rng.random_range(600..20_000);
        let tenant = if i % 4 == 3 { &TENANTS[1] } else { &TENANTS[0] };
        let us: Vec<_> = world::users_of(tenant.name).collect();
        let u = us[rng.random_range(0..us.len())];
        let ext_num = format!("{}", 2_224_440_000u64 + rng.random_range(0..10_000));
        let user_label = format!("{}@{} - {}", u.ext, u.tenant, u.name);
        let (
            direction,
            src,
            src_authid,
            src_label,
            dst,
            dst_authid,
            dst_label,
            dst_orig,
            dst_orig_label,
        ) = match rng.random_range(0..4) {
            0 => (
                "inbound",
                format!("+1{ext_num}"),
                "",
                phone::label(&ext_num),
                u.ext.to_owned(),
                u.authid,
                user_label,
                format!("+1{}", tenant.dids[0]),
                tenant.dids[0].to_owned(),
            ),
            1 => {
                let v = us[(rng.random_range(0..us.len()) + 1) % us.len()];
                (
                    "internal",
                    u.ext.to_owned(),
                    u.authid,
                    user_label,
                    v.ext.to_owned(),
                    v.authid,
                    format!("{}@{} - {}", v.ext, v.tenant, v.name),
                    String::new(),
                    String::new(),
                )
            }
            _ => (
                "outbound",
                u.ext.to_owned(),
                u.authid,
                user_label,
                format!("+1{ext_num}"),
                "",
                ext_num.clone(),
                String::new(),
                String::new(),
            ),
        };
        let mid = format!("{t}.{:08x}{:05x}", t, rng.random_range(0..0x10_0000));
        conn.execute(
            "INSERT INTO sms (tenant_id, timestamp, src, src_authid, src_label, dst, dst_authid, dst_label, dst_original, dst_original_label, status, direction, message, account_code, message_id)
             VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            params![
                tenant.id,
                time::format_datetime(t),
                src,
                src_authid,
                src_label,
                dst,
                dst_authid,
                dst_label,
                dst_orig,
                dst_orig_label,
                if i % 7 == 6 { "failure" } else { "success" },
                direction,
                texts[i % texts.len()],
                if i % 3 == 0 { "213985" } else { "" },
                mid
            ],
        )?;
    }
    // One contact list per tenant.
    for t in TENANTS {
        conn.execute(
            "INSERT INTO contact_lists (tenant_id, name) VALUES (?, ?)",
            params![t.id, format!("{} leads", t.name)],
        )?;
    }
    Ok(())
}
