//! The business logic: authentication and one [`Handler`] method per API action. Parsing,
//! validation and response writing are the generated code's (`dispatch`).

use crate::ApiError;
use crate::phone;
use crate::report;
use crate::time;
use dlspbx_core::generated::server::Handler;
use dlspbx_core::wire::Node;
use dlspbx_core::{Action, Format};
use dlspbx_core::{dialer, example, reports, sms, status, subscribers};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use std::borrow::Cow;
use std::sync::Mutex;

/// The message every authentication failure gets (never says which part was wrong).
pub const INVALID_CREDENTIALS: &str = "Invalid API credentials";

/// The authenticated API user: every query and write is scoped to its tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// Row ID of the user.
    pub user_id: i64,
    /// The user's tenant ID.
    pub tenant_id: i64,
    /// The user's tenant name.
    pub tenant: String,
    /// Extension.
    pub ext: String,
    /// Auth ID.
    pub authid: String,
    /// Display name.
    pub name: String,
}

/// Compares two secrets in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks `api_user` (extension, auth ID or `extension@tenant`) and `api_key` against the
/// users table. `None` for any failure.
pub fn authenticate(
    conn: &Connection,
    api_user: &str,
    api_key: &str,
) -> rusqlite::Result<Option<AuthUser>> {
    let api_user = api_user.trim();
    if api_user.is_empty() || api_key.is_empty() {
        return Ok(None);
    }
    const COLS: &str = "SELECT u.id, u.tenant_id, t.name, u.ext, u.authid, u.name, u.api_key FROM users u JOIN tenants t ON t.id = u.tenant_id";
    let map = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(AuthUser, String)> {
        Ok((
            AuthUser {
                user_id: r.get(0)?,
                tenant_id: r.get(1)?,
                tenant: r.get(2)?,
                ext: r.get(3)?,
                authid: r.get(4)?,
                name: r.get(5)?,
            },
            r.get(6)?,
        ))
    };
    let candidates: Vec<(AuthUser, String)> = if let Some((ext, tenant)) = api_user.split_once('@')
    {
        let mut st = conn.prepare(&format!(
            "{COLS} WHERE u.ext = ? AND t.name = ? ORDER BY u.id"
        ))?;
        st.query_map(params![ext, tenant], map)?
            .collect::<rusqlite::Result<_>>()?
    } else {
        let mut st = conn.prepare(&format!(
            "{COLS} WHERE u.authid = ?1 OR u.ext = ?1 ORDER BY u.id"
        ))?;
        st.query_map(params![api_user], map)?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut found = None;
    for (user, key) in candidates {
        // Every candidate is compared, so the time does not tell which one matched.
        if constant_time_eq(key.as_bytes(), api_key.as_bytes()) && found.is_none() {
            found = Some(user);
        }
    }
    Ok(found)
}

/// Hands out `message_id`s in PHP's `uniqid()` style, unique within the process.
#[derive(Debug, Default)]
pub struct MessageIds {
    /// The last stamp handed out: seconds << 20 | microseconds.
    last: Mutex<u64>,
}

impl MessageIds {
    /// `<unix seconds>.<8 hex seconds><5 hex microseconds>`, e.g. `1525443917.5aec6d4dd217b`.
    pub fn next(&self) -> String {
        let (secs, micros) = time::now();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let mut stamp = ((secs as u64) << 20) | u64::from(micros);
        if stamp <= *last {
            stamp = *last + 1;
        }
        *last = stamp;
        let secs = (stamp >> 20) as i64;
        format!("{secs}.{:08x}{:05x}", secs, stamp & 0xF_FFFF)
    }
}

/// The [`Handler`] of the simulator: a locked connection and the ID generator.
pub struct Api<'c> {
    /// The database (locked for the duration of the request).
    pub conn: &'c Connection,
    /// Message IDs for send_sms.
    pub ids: &'c MessageIds,
}

fn fail(message: impl Into<String>) -> ApiError {
    ApiError::refused(message)
}

// ----- building responses --------------------------------------------------------------------
//
// The generated response structs are `#[non_exhaustive]`, so they are built from a `Node` tree
// with the same tolerant deserializer the clients use for XML, YAML and CSV. A misspelt or
// missing field shows up as an error in the tests of every action.

fn s(v: impl Into<String>) -> Node<'static> {
    Node::from(v.into())
}

fn int(v: i64) -> Node<'static> {
    Node::from(v.to_string())
}

fn flag(v: bool) -> Node<'static> {
    Node::str(if v { "1" } else { "0" })
}

fn obj<const N: usize>(entries: [(&'static str, Node<'static>); N]) -> Node<'static> {
    Node::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Cow::Borrowed(k), v))
            .collect(),
    )
}

fn build<T: Deserialize<'static>>(node: Node<'static>) -> Result<T, ApiError> {
    dlspbx_core::wire::de::from_node(Format::Json, node)
        .map_err(|e| fail(format!("internal error building the response: {e}")))
}

type Resp<A> = Result<<A as Action>::Response<'static>, ApiError>;

fn success(message: &str) -> Node<'static> {
    obj([("success", s(message))])
}

impl Api<'_> {
    fn contact_list_id(&self, user: &AuthUser, list: &str) -> Result<i64, ApiError> {
        let list = list.trim();
        if !list.is_empty()
            && list.bytes().all(|b| b.is_ascii_digit())
            && let Ok(id) = list.parse::<i64>()
        {
            let found: Option<i64> = self
                .conn
                .query_row(
                    "SELECT id FROM contact_lists WHERE id = ? AND tenant_id = ?",
                    params![id, user.tenant_id],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = found {
                return Ok(id);
            }
        }
        self.conn
            .query_row(
                "SELECT id FROM contact_lists WHERE name = ? AND tenant_id = ?",
                params![list, user.tenant_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                fail(format!(
                    "Unknown contact list `{list}`: no contact list of that name or ID"
                ))
            })
    }

    fn own_campaign(&self, user: &AuthUser, campaign_id: &str) -> Result<String, ApiError> {
        let id = campaign_id.trim();
        self.conn
            .query_row(
                "SELECT campaign_id FROM optin_campaigns WHERE campaign_id = ? AND tenant_id = ?",
                params![id, user.tenant_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| fail(format!("Unknown campaign_id `{id}`")))
    }

    fn own_tenant(&self, user: &AuthUser, tenant_id: &str) -> Result<i64, ApiError> {
        match tenant_id.trim().parse::<i64>() {
            Ok(id) if id == user.tenant_id => Ok(id),
            _ => Err(fail(format!("Unknown tenant_id `{}`", tenant_id.trim()))),
        }
    }

    fn user_by_ext(
        &self,
        user: &AuthUser,
        ext: &str,
    ) -> Result<Option<(String, String)>, ApiError> {
        Ok(self
            .conn
            .query_row(
                "SELECT authid, name FROM users WHERE tenant_id = ? AND ext = ?",
                params![user.tenant_id, ext],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }
}

/// The values a `query_sms` party filter matches: the value itself, and for a North American
/// number also its 10-digit and `+1` forms.
fn party_values(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for v in values {
        let v = v.trim();
        out.push(v.to_owned());
        if let Some(n) = phone::nanp10(v) {
            out.push(format!("+1{n}"));
            out.push(n);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn in_list(col: &str, vals: &[String], params: &mut Vec<SqlValue>) -> String {
    if vals.is_empty() {
        return "0".to_owned();
    }
    let marks = vec!["?"; vals.len()].join(", ");
    params.extend(vals.iter().cloned().map(SqlValue::from));
    format!("{col} IN ({marks})")
}

fn sms_time(s: &str, field: &str) -> Result<String, ApiError> {
    time::parse_flexible(s)
        .map(time::format_datetime)
        .ok_or_else(|| fail(format!("filters[{field}] must be YYYY-MM-DD HH:MM:SS, a Unix timestamp or MM/DD/YYYY HH:MM am, got `{s}`")))
}

impl Handler for Api<'_> {
    type Context = AuthUser;
    type Error = ApiError;

    fn example_test(&self, _cx: &AuthUser, _r: example::TestRequest) -> Resp<example::TestRequest> {
        build(obj([("example_data", s(""))]))
    }

    fn dialer_add_contact_list(
        &self,
        cx: &AuthUser,
        r: dialer::AddContactListRequest,
    ) -> Resp<dialer::AddContactListRequest> {
        let name = r.name.trim();
        if name.is_empty() {
            return Err(fail("name must not be empty"));
        }
        self.conn.execute(
            "INSERT OR IGNORE INTO contact_lists (tenant_id, name) VALUES (?, ?)",
            params![cx.tenant_id, name],
        )?;
        let id: i64 = self.conn.query_row(
            "SELECT id FROM contact_lists WHERE tenant_id = ? AND name = ?",
            params![cx.tenant_id, name],
            |r| r.get(0),
        )?;
        build(obj([("id", int(id))]))
    }

    fn dialer_add_contact(
        &self,
        cx: &AuthUser,
        r: dialer::AddContactRequest,
    ) -> Resp<dialer::AddContactRequest> {
        let list = self.contact_list_id(cx, &r.contact_list)?;
        let phone = phone::nanp10(&r.phone_number).ok_or_else(|| {
            fail(format!(
                "phone_number `{}` is not a North American number with its area code",
                r.phone_number
            ))
        })?;
        let custom: serde_json::Map<String, serde_json::Value> = r
            .custom
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let custom = serde_json::Value::Object(custom).to_string();
        let up = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_ascii_uppercase());
        let country = up(&r.country)
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "US".to_owned());
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO contacts (list_id, phone_number, company_name, first_name, last_name, address, address_2, city, state, zip_code, country, dial_on_date, custom_fields)
             VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (list_id, phone_number) DO NOTHING",
            params![
                list,
                phone,
                r.company_name,
                r.first_name,
                r.last_name,
                r.address,
                r.address_2,
                r.city,
                up(&r.state),
                r.zip_code,
                country,
                r.dial_on_date,
                custom
            ],
        )
        ?;
        let id: i64 = tx.query_row(
            "SELECT id FROM contacts WHERE list_id = ? AND phone_number = ?",
            params![list, phone],
            |r| r.get(0),
        )?;
        tx.commit()?;
        build(obj([("id", int(id))]))
    }

    fn reports_report(
        &self,
        cx: &AuthUser,
        r: reports::ReportRequest,
    ) -> Resp<reports::ReportRequest> {
        report::run(self.conn, cx, &r)
    }

    fn status_users(&self, cx: &AuthUser, _r: status::UsersRequest) -> Resp<status::UsersRequest> {
        let mut st = self.conn.prepare("SELECT ext, name, authid, vmail, status, host, port FROM users WHERE tenant_id = ? ORDER BY id")?;
        let users = st
            .query_map([cx.tenant_id], |r| {
                Ok(obj([
                    ("ext", s(r.get::<_, String>(0)?)),
                    ("user", s(r.get::<_, String>(1)?)),
                    ("tenant", s(cx.tenant.clone())),
                    ("authid", s(r.get::<_, String>(2)?)),
                    ("vmail", s(r.get::<_, String>(3)?)),
                    ("status", s(r.get::<_, String>(4)?)),
                    ("host", s(r.get::<_, String>(5)?)),
                    ("port", int(r.get(6)?)),
                ]))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        build(obj([("users", Node::Seq(users))]))
    }

    fn status_queues(
        &self,
        cx: &AuthUser,
        _r: status::QueuesRequest,
    ) -> Resp<status::QueuesRequest> {
        let mut qs = self.conn.prepare("SELECT id, name, holdtime, complete, lost, hunt FROM queues WHERE tenant_id = ? ORDER BY id")?;
        let queues: Vec<(i64, String, String, i64, i64, String)> = qs
            .query_map([cx.tenant_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut agents_st = self
            .conn
            .prepare(
                "SELECT u.authid, u.name, t.name, t.id, a.avail, a.callcount, a.lastcall, a.status, a.otherdata, a.penalty, a.paused, a.connected_to
                 FROM queue_agents a JOIN users u ON u.id = a.user_id JOIN tenants t ON t.id = u.tenant_id WHERE a.queue_id = ? ORDER BY a.penalty, u.id",
            )
            ?;
        let mut waiting_st =
            self.conn.prepare("SELECT number, priority, wait_time FROM queue_waiting_calls WHERE queue_id = ? ORDER BY priority, id")?;
        let mut out = Vec::new();
        for (id, name, holdtime, complete, lost, hunt) in queues {
            let agents: Vec<(Cow<'static, str>, Node<'static>)> = agents_st
                .query_map([id], |r| {
                    let mut m = vec![
                        (Cow::Borrowed("name"), s(r.get::<_, String>(1)?)),
                        (Cow::Borrowed("tenant"), s(r.get::<_, String>(2)?)),
                        (Cow::Borrowed("tid"), int(r.get(3)?)),
                        (Cow::Borrowed("avail"), flag(r.get::<_, i64>(4)? != 0)),
                        (Cow::Borrowed("callcount"), int(r.get(5)?)),
                        (Cow::Borrowed("lastcall"), s(r.get::<_, String>(6)?)),
                        (Cow::Borrowed("status"), s(r.get::<_, String>(7)?)),
                        (Cow::Borrowed("otherdata"), s(r.get::<_, String>(8)?)),
                        (Cow::Borrowed("penalty"), int(r.get(9)?)),
                        (Cow::Borrowed("paused"), flag(r.get::<_, i64>(10)? != 0)),
                    ];
                    if let Some(c) = r.get::<_, Option<String>>(11)? {
                        m.push((Cow::Borrowed("connected_to"), s(c)));
                    }
                    Ok((Cow::Owned(r.get::<_, String>(0)?), Node::Map(m)))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let waiting: Vec<Node<'static>> = waiting_st
                .query_map([id], |r| {
                    Ok(obj([
                        ("number", s(r.get::<_, String>(0)?)),
                        ("priority", int(r.get(1)?)),
                        ("wait_time", s(r.get::<_, String>(2)?)),
                    ]))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut q = vec![
                (Cow::Borrowed("queue"), s(name.clone())),
                (Cow::Borrowed("holdtime"), s(holdtime)),
                (Cow::Borrowed("waiting"), int(waiting.len() as i64)),
                (Cow::Borrowed("complete"), int(complete)),
                (Cow::Borrowed("lost"), int(lost)),
                (Cow::Borrowed("hunt"), s(hunt)),
                (Cow::Borrowed("agents"), Node::Map(agents)),
            ];
            if !waiting.is_empty() {
                q.push((Cow::Borrowed("calls_waiting"), Node::Seq(waiting)));
            }
            out.push((Cow::Owned(name), Node::Map(q)));
        }
        build(obj([("queues", Node::Map(out))]))
    }

    fn status_calls(&self, cx: &AuthUser, _r: status::CallsRequest) -> Resp<status::CallsRequest> {
        let mut st = self
            .conn
            .prepare("SELECT direction, ext, callerid, connected_to, status, elapsed FROM active_calls WHERE tenant_id = ? ORDER BY id")
            ?;
        let rows: Vec<(String, Node<'static>)> = st
            .query_map([cx.tenant_id], |r| {
                let mut m = Vec::new();
                if let Some(e) = r.get::<_, Option<String>>(1)? {
                    m.push((Cow::Borrowed("ext"), s(e)));
                }
                if let Some(c) = r.get::<_, Option<String>>(2)? {
                    m.push((Cow::Borrowed("callerid"), s(c)));
                }
                m.push((Cow::Borrowed("connected_to"), s(r.get::<_, String>(3)?)));
                m.push((Cow::Borrowed("status"), s(r.get::<_, String>(4)?)));
                m.push((Cow::Borrowed("elapsed"), s(r.get::<_, String>(5)?)));
                Ok((r.get(0)?, Node::Map(m)))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut calls = Vec::new();
        for dir in ["inbound", "outbound", "internal"] {
            let list: Vec<Node<'static>> = rows
                .iter()
                .filter(|(d, _)| d == dir)
                .map(|(_, n)| n.clone())
                .collect();
            if !list.is_empty() {
                calls.push((Cow::Borrowed(dir), Node::Seq(list)));
            }
        }
        build(obj([("calls", Node::Map(calls))]))
    }

    fn status_faxes(&self, cx: &AuthUser, _r: status::FaxesRequest) -> Resp<status::FaxesRequest> {
        let mut st =
            self.conn.prepare("SELECT dst, src, page, status, attempt, next_retry FROM faxes WHERE tenant_id = ? ORDER BY id")?;
        let queued: Vec<Node<'static>> = st
            .query_map([cx.tenant_id], |r| {
                Ok(obj([
                    ("to", s(r.get::<_, String>(0)?)),
                    ("from", s(r.get::<_, String>(1)?)),
                    ("page", s(r.get::<_, String>(2)?)),
                    ("status", s(r.get::<_, String>(3)?)),
                    ("attempt", s(r.get::<_, String>(4)?)),
                    ("next_retry", s(r.get::<_, String>(5)?)),
                ]))
            })?
            .collect::<rusqlite::Result<_>>()?;
        const STATS: [(&str, &str); 19] = [
            ("current_sessions", "current_sessions"),
            ("reserved_sessions", "reserved_sessions"),
            ("transmit_attempts", "transmit_attempts"),
            ("receive_attempts", "receive_attempts"),
            ("completed_faxes", "completed_faxes"),
            ("failed_faxes", "failed_faxes"),
            ("success", "success"),
            ("switched_to_t.38", "switched_to_t38"),
            ("call_dropped", "call_dropped"),
            ("no_fax", "no_fax"),
            ("negotiation_failed", "negotiation_failed"),
            ("train_failure", "train_failure"),
            ("retries_exceeded", "retries_exceeded"),
            ("protocol_error", "protocol_error"),
            ("tx_protocol_error", "tx_protocol_error"),
            ("rx_protocol_error", "rx_protocol_error"),
            ("file_error", "file_error"),
            ("memory_error", "memory_error"),
            ("unknown_error", "unknown_error"),
        ];
        let cols: Vec<&str> = STATS.iter().map(|(_, c)| *c).collect();
        let values: Option<Vec<i64>> = self
            .conn
            .query_row(
                &format!(
                    "SELECT {} FROM fax_stats WHERE tenant_id = ?",
                    cols.join(", ")
                ),
                [cx.tenant_id],
                |r| (0..STATS.len()).map(|i| r.get(i)).collect(),
            )
            .optional()?;
        let values = values.unwrap_or_else(|| vec![0; STATS.len()]);
        let stats = Node::Map(
            STATS
                .iter()
                .zip(values)
                .map(|((k, _), v)| (Cow::Borrowed(*k), int(v)))
                .collect(),
        );
        build(obj([(
            "faxes",
            obj([("queued_faxes", Node::Seq(queued)), ("fax_stats", stats)]),
        )]))
    }

    fn status_conferences(
        &self,
        cx: &AuthUser,
        _r: status::ConferencesRequest,
    ) -> Resp<status::ConferencesRequest> {
        let mut st = self.conn.prepare(
            "SELECT number, users, admins, locked FROM conferences WHERE tenant_id = ? ORDER BY id",
        )?;
        let list: Vec<Node<'static>> = st
            .query_map([cx.tenant_id], |r| {
                Ok(obj([
                    ("conference_number", s(r.get::<_, String>(0)?)),
                    ("users", int(r.get(1)?)),
                    ("admins", int(r.get(2)?)),
                    (
                        "locked",
                        s(if r.get::<_, i64>(3)? != 0 {
                            "Locked"
                        } else {
                            "Unlocked"
                        }),
                    ),
                ]))
            })?
            .collect::<rusqlite::Result<_>>()?;
        build(obj([("conferences", Node::Seq(list))]))
    }

    fn status_provisioning(
        &self,
        cx: &AuthUser,
        _r: status::ProvisioningRequest,
    ) -> Resp<status::ProvisioningRequest> {
        let mut st = self
            .conn
            .prepare(
                "SELECT ext, mac_address, device, last_provisioned, provisioned, last_provision_delta, calls_in, calls_out, file_name
                 FROM provisioning WHERE tenant_id = ? ORDER BY id",
            )
            ?;
        let list: Vec<Node<'static>> = st
            .query_map([cx.tenant_id], |r| {
                Ok(obj([
                    ("ext", s(r.get::<_, String>(0)?)),
                    ("mac_address", s(r.get::<_, String>(1)?)),
                    ("device", s(r.get::<_, String>(2)?)),
                    ("last_provisioned", s(r.get::<_, String>(3)?)),
                    (
                        "provisioned",
                        s(if r.get::<_, i64>(4)? != 0 {
                            "Yes"
                        } else {
                            "No"
                        }),
                    ),
                    ("last_provision_delta", s(r.get::<_, String>(5)?)),
                    ("calls_in", int(r.get(6)?)),
                    ("calls_out", int(r.get(7)?)),
                    ("file_name", s(r.get::<_, String>(8)?)),
                ]))
            })?
            .collect::<rusqlite::Result<_>>()?;
        build(obj([("provisioning", Node::Seq(list))]))
    }

    fn status_dialer(
        &self,
        cx: &AuthUser,
        _r: status::DialerRequest,
    ) -> Resp<status::DialerRequest> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, name, type, max_attempts, caller_id, call_ratio, agent_queue_id, script_id, context_id, rule_id, step_id, min_callback_time,
                        machine_context_id, machine_rule_id, machine_step_id, display_contacts_form, hangup_on_disposition, hide_number_in_caller_id, status
                 FROM dialer_campaigns WHERE tenant_id = ? ORDER BY id",
            )
            ?;
        let list: Vec<Node<'static>> = st
            .query_map([cx.tenant_id], |r| {
                Ok(obj([
                    ("id", int(r.get(0)?)),
                    ("name", s(r.get::<_, String>(1)?)),
                    ("type", s(r.get::<_, String>(2)?)),
                    ("max_attempts", int(r.get(3)?)),
                    ("caller_id", int(r.get(4)?)),
                    ("call_ratio", s(format!("{:.2}", r.get::<_, f64>(5)?))),
                    ("agent_queue_id", s(r.get::<_, String>(6)?)),
                    ("script_id", s(r.get::<_, String>(7)?)),
                    ("context_id", int(r.get(8)?)),
                    ("rule_id", int(r.get(9)?)),
                    ("step_id", int(r.get(10)?)),
                    ("min_callback_time", int(r.get(11)?)),
                    ("machine_context_id", s(r.get::<_, String>(12)?)),
                    ("machine_rule_id", s(r.get::<_, String>(13)?)),
                    ("machine_step_id", s(r.get::<_, String>(14)?)),
                    ("display_contacts_form", flag(r.get::<_, i64>(15)? != 0)),
                    ("hangup_on_disposition", flag(r.get::<_, i64>(16)? != 0)),
                    ("hide_number_in_caller_id", flag(r.get::<_, i64>(17)? != 0)),
                    ("status", s(r.get::<_, String>(18)?)),
                ]))
            })?
            .collect::<rusqlite::Result<_>>()?;
        build(obj([("dialer", Node::Seq(list))]))
    }

    fn status_dialerlogs(
        &self,
        cx: &AuthUser,
        _r: status::DialerlogsRequest,
    ) -> Resp<status::DialerlogsRequest> {
        let mut camps = self
            .conn
            .prepare("SELECT id, name FROM dialer_campaigns WHERE tenant_id = ? ORDER BY id")?;
        let campaigns: Vec<(i64, String)> = camps
            .query_map([cx.tenant_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut lines = self
            .conn
            .prepare("SELECT line FROM dialer_logs WHERE campaign_id = ? ORDER BY id")?;
        let mut logs = Vec::new();
        for (id, name) in campaigns {
            let output: Vec<Node<'static>> = lines
                .query_map([id], |r| Ok(s(r.get::<_, String>(0)?)))?
                .collect::<rusqlite::Result<_>>()?;
            logs.push(obj([("campaign", s(name)), ("output", Node::Seq(output))]));
        }
        build(obj([("logs", Node::Seq(logs))]))
    }

    fn sms_send_sms(&self, cx: &AuthUser, r: sms::SendSmsRequest) -> Resp<sms::SendSmsRequest> {
        if r.dst.is_empty() {
            return Err(fail("dst is required: give one or more destinations"));
        }
        let message_id = self.ids.next();
        let (secs, _) = time::now();
        let timestamp = time::format_datetime(secs);
        let account_code = r.account_code.clone().unwrap_or_default();
        let src_label = format!("{}@{} - {}", cx.ext, cx.tenant, cx.name);
        let tx = self.conn.unchecked_transaction()?;
        let mut sent = Vec::new();
        for d in &r.dst {
            let d = d.trim();
            // Destinations as the server normalises them: E.164 for phone numbers (a 10-digit
            // North American number gets +1), extensions as they are.
            let (dst, dst_authid, dst_label, direction) =
                if d.len() <= 8 && !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) {
                    let (authid, name) = self
                        .user_by_ext(cx, d)?
                        .ok_or_else(|| fail(format!("Unknown extension `{d}` in dst")))?;
                    (
                        d.to_owned(),
                        authid,
                        format!("{d}@{} - {name}", cx.tenant),
                        "internal",
                    )
                } else if let Some(n) = phone::nanp10(d) {
                    (format!("+1{n}"), String::new(), n, "outbound")
                } else if d.starts_with('+')
                    && d.len() > 1
                    && d[1..].bytes().all(|b| b.is_ascii_digit())
                {
                    (d.to_owned(), String::new(), d.to_owned(), "outbound")
                } else {
                    return Err(fail(format!(
                        "dst `{d}` is not a phone number in E.164 format or an extension"
                    )));
                };
            let opted_out: bool = direction == "outbound"
                && tx
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM optout_unsubscribers WHERE tenant_id = ? AND number = ?)",
                        params![cx.tenant_id, phone::canonical(&dst)],
                        |r| r.get(0),
                    )
                    ?;
            tx.execute(
                "INSERT INTO sms (tenant_id, timestamp, src, src_authid, src_label, dst, dst_authid, dst_label, status, direction, message, account_code, message_id)
                 VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                params![
                    cx.tenant_id,
                    timestamp,
                    cx.ext,
                    cx.authid,
                    src_label,
                    dst,
                    dst_authid,
                    dst_label,
                    if opted_out { "failure" } else { "success" },
                    direction,
                    r.body,
                    account_code,
                    message_id
                ],
            )
            ?;
            sent.push(s(dst));
        }
        tx.commit()?;
        let mut m = vec![
            (Cow::Borrowed("src"), s(cx.ext.clone())),
            (Cow::Borrowed("dst"), Node::Seq(sent)),
            (Cow::Borrowed("body"), s(r.body.clone())),
        ];
        if let Some(code) = r.account_code {
            m.push((Cow::Borrowed("account_code"), s(code)));
        }
        m.push((Cow::Borrowed("message_id"), s(message_id)));
        build(Node::Map(m))
    }

    fn sms_query_sms(&self, cx: &AuthUser, r: sms::QuerySmsRequest) -> Resp<sms::QuerySmsRequest> {
        let mut p: Vec<SqlValue> = vec![cx.tenant_id.into()];
        let mut clauses = vec!["tenant_id = ?".to_owned()];
        if let Some(f) = &r.filters {
            if !f.src.is_empty() {
                let v = party_values(&f.src);
                let a = in_list("src", &v, &mut p);
                let b = in_list("src_authid", &v, &mut p);
                clauses.push(format!("({a} OR {b})"));
            }
            if !f.dst.is_empty() {
                let v = party_values(&f.dst);
                let a = in_list("dst", &v, &mut p);
                let b = in_list("dst_authid", &v, &mut p);
                clauses.push(format!("({a} OR {b})"));
            }
            if !f.dst_original.is_empty() {
                clauses.push(in_list(
                    "dst_original",
                    &party_values(&f.dst_original),
                    &mut p,
                ));
            }
            if let Some(st) = f.status {
                clauses.push("status = ?".into());
                p.push(st.as_str().to_owned().into());
            }
            if !f.direction.is_empty() {
                let d: Vec<String> = f.direction.iter().map(|d| d.as_str().to_owned()).collect();
                clauses.push(in_list("direction", &d, &mut p));
            }
            if let Some(from) = &f.from {
                clauses.push("timestamp >= ?".into());
                p.push(sms_time(from, "from")?.into());
            }
            if let Some(to) = &f.to {
                clauses.push("timestamp <= ?".into());
                p.push(sms_time(to, "to")?.into());
            }
            if !f.message_id.is_empty() {
                clauses.push(in_list("message_id", &f.message_id, &mut p));
            }
            if !f.cdr_id.is_empty() {
                clauses.push(format!("id IN ({})", vec!["?"; f.cdr_id.len()].join(", ")));
                p.extend(f.cdr_id.iter().map(|&id| SqlValue::from(id)));
            }
            match (f.start_cdr_id, f.end_cdr_id) {
                (None, None) => {}
                (Some(start), Some(end)) if start < end => {
                    clauses.push("id BETWEEN ? AND ?".into());
                    p.push(start.into());
                    p.push(end.into());
                }
                (Some(_), Some(_)) => {
                    return Err(fail("end_cdr_id must be larger than start_cdr_id"));
                }
                _ => return Err(fail("start_cdr_id and end_cdr_id must be given together")),
            }
            if !f.account_code.is_empty() {
                clauses.push(in_list("account_code", &f.account_code, &mut p));
            }
        }
        let clause = clauses.join(" AND ");
        let total: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM sms WHERE {clause}"),
            rusqlite::params_from_iter(p.iter()),
            |r| r.get(0),
        )?;
        let dir = match r.order_by {
            Some(sms::SortOrder::Asc) => "ASC",
            _ => "DESC",
        };
        if r.results_limit.is_some_and(|l| l < 0) {
            return Err(fail("results_limit must not be negative"));
        }
        if r.results_offset.is_some_and(|o| o < 0) {
            return Err(fail("results_offset must not be negative"));
        }
        let sql = format!(
            "SELECT id, timestamp, src_label, dst_original_label, dst_label, status, direction, message, account_code, message_id
             FROM sms WHERE {clause} ORDER BY timestamp {dir}, id {dir} LIMIT ? OFFSET ?"
        );
        p.push(r.results_limit.unwrap_or(-1).into());
        p.push(r.results_offset.unwrap_or(0).into());
        let mut st = self.conn.prepare(&sql)?;
        let results: Vec<Node<'static>> = st
            .query_map(rusqlite::params_from_iter(p.iter()), |row| {
                Ok(obj([
                    ("id", int(row.get(0)?)),
                    ("timestamp", s(row.get::<_, String>(1)?)),
                    ("src_label", s(row.get::<_, String>(2)?)),
                    ("dst_original_label", s(row.get::<_, String>(3)?)),
                    ("dst_label", s(row.get::<_, String>(4)?)),
                    ("status", s(row.get::<_, String>(5)?)),
                    ("direction", s(row.get::<_, String>(6)?)),
                    ("message", s(row.get::<_, String>(7)?)),
                    ("account_code", s(row.get::<_, String>(8)?)),
                    ("message_id", s(row.get::<_, String>(9)?)),
                ]))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut m = vec![(Cow::Borrowed("total_results"), int(total))];
        if let Some(l) = r.results_limit {
            m.push((Cow::Borrowed("results_limit"), int(l)));
        }
        if let Some(o) = r.results_offset {
            m.push((Cow::Borrowed("results_offset"), int(o)));
        }
        m.push((Cow::Borrowed("results"), Node::Seq(results)));
        build(Node::Map(m))
    }

    fn subscribers_query_lists(
        &self,
        cx: &AuthUser,
        _r: subscribers::QueryListsRequest,
    ) -> Resp<subscribers::QueryListsRequest> {
        let mut camps = self.conn.prepare(
            "SELECT campaign_id, name FROM optin_campaigns WHERE tenant_id = ? ORDER BY rowid",
        )?;
        let campaigns: Vec<(String, String)> = camps
            .query_map([cx.tenant_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut subs = self
            .conn
            .prepare("SELECT number, reason, subscribe_text, subscribed_at FROM optin_subscribers WHERE campaign_id = ? ORDER BY subscribed_at, number")
            ?;
        let mut optin = Vec::new();
        for (id, name) in campaigns {
            let list: Vec<Node<'static>> = subs
                .query_map([&id], |r| {
                    Ok(obj([
                        ("number", s(r.get::<_, String>(0)?)),
                        ("reason", s(r.get::<_, String>(1)?)),
                        ("subscribe_text", s(r.get::<_, String>(2)?)),
                        ("subscribed_at", s(r.get::<_, String>(3)?)),
                    ]))
                })?
                .collect::<rusqlite::Result<_>>()?;
            optin.push(obj([
                ("campaign_id", s(id)),
                ("campaign_name", s(name)),
                ("total_subscribers", int(list.len() as i64)),
                ("subscribers", Node::Seq(list)),
            ]));
        }
        let mut unsubs = self
            .conn
            .prepare(
                "SELECT number, reason, unsubscribe_text, unsubscribed_at FROM optout_unsubscribers WHERE tenant_id = ? ORDER BY unsubscribed_at, number",
            )
            ?;
        let list: Vec<Node<'static>> = unsubs
            .query_map([cx.tenant_id], |r| {
                Ok(obj([
                    ("number", s(r.get::<_, String>(0)?)),
                    ("reason", s(r.get::<_, String>(1)?)),
                    ("unsubscribe_text", s(r.get::<_, String>(2)?)),
                    ("unsubscribed_at", s(r.get::<_, String>(3)?)),
                ]))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let optout = obj([
            ("tenant_id", int(cx.tenant_id)),
            ("tenant_name", s(cx.tenant.clone())),
            ("total_unsubscribers", int(list.len() as i64)),
            ("unsubscribers", Node::Seq(list)),
        ]);
        build(obj([
            ("optin", Node::Seq(optin)),
            ("optout", Node::Seq(vec![optout])),
        ]))
    }

    fn subscribers_add_subscriber(
        &self,
        cx: &AuthUser,
        r: subscribers::AddSubscriberRequest,
    ) -> Resp<subscribers::AddSubscriberRequest> {
        let campaign = self.own_campaign(cx, &r.campaign_id)?;
        let number = phone::canonical(&r.phone_number);
        self.conn
            .execute(
                "INSERT OR IGNORE INTO optin_subscribers (campaign_id, number, reason, subscribe_text, subscribed_at) VALUES (?, ?, 'MANUAL', 'N\\A', ?)",
                params![campaign, number, time::format_datetime(time::now().0)],
            )
            ?;
        build(success("Successfully added a new subscriber"))
    }

    fn subscribers_remove_subscriber(
        &self,
        cx: &AuthUser,
        r: subscribers::RemoveSubscriberRequest,
    ) -> Resp<subscribers::RemoveSubscriberRequest> {
        let campaign = self.own_campaign(cx, &r.campaign_id)?;
        let number = phone::canonical(&r.phone_number);
        let n = self.conn.execute(
            "DELETE FROM optin_subscribers WHERE campaign_id = ? AND number = ?",
            params![campaign, number],
        )?;
        if n == 0 {
            return Err(fail(format!(
                "{number} is not on the opt-in list of campaign {campaign}"
            )));
        }
        build(success("Successfully removed the subscriber"))
    }

    fn subscribers_add_unsubscriber(
        &self,
        cx: &AuthUser,
        r: subscribers::AddUnsubscriberRequest,
    ) -> Resp<subscribers::AddUnsubscriberRequest> {
        let tenant = self.own_tenant(cx, &r.tenant_id)?;
        let number = phone::canonical(&r.phone_number);
        self.conn
            .execute(
                "INSERT OR IGNORE INTO optout_unsubscribers (tenant_id, number, reason, unsubscribe_text, unsubscribed_at) VALUES (?, ?, 'MANUAL', 'N\\A', ?)",
                params![tenant, number, time::format_datetime(time::now().0)],
            )
            ?;
        build(success(
            "Successfully added unsubscriber to the provided tenants opt-out list.",
        ))
    }

    fn subscribers_remove_unsubscriber(
        &self,
        cx: &AuthUser,
        r: subscribers::RemoveUnsubscriberRequest,
    ) -> Resp<subscribers::RemoveUnsubscriberRequest> {
        let tenant = self.own_tenant(cx, &r.tenant_id)?;
        let number = phone::canonical(&r.phone_number);
        let n = self.conn.execute(
            "DELETE FROM optout_unsubscribers WHERE tenant_id = ? AND number = ?",
            params![tenant, number],
        )?;
        if n == 0 {
            return Err(fail(format!(
                "{number} is not on the opt-out list of tenant {tenant}"
            )));
        }
        build(success(
            "Successfully removed the unsubscriber from the provided tenants opt-out list.",
        ))
    }
}
