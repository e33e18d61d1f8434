//! The business logic: authentication and one [`Handler`] method per API action. Parsing,
//! validation and response writing are the generated code's (`dispatch`).

use crate::ApiError;
use crate::phone;
use crate::report;
use crate::time;
use dlspbx_core::Endpoint;
use dlspbx_core::generated::server::Handler;
use dlspbx_core::wire::Str;
use dlspbx_core::{dialer, example, reports, sms, status, subscribers};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params};
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
// The generated response types are `#[non_exhaustive]`: each starts from `Default` and gets its
// fields set by name, so a misspelt field does not compile.

/// The answer with the fields `f` sets.
fn answer<T: Default>(f: impl FnOnce(&mut T)) -> Result<T, ApiError> {
    let mut value = T::default();
    f(&mut value);
    Ok(value)
}

/// Column `i` of a row as a response string.
fn text(r: &Row<'_>, i: usize) -> rusqlite::Result<Str<'static>> {
    r.get::<_, String>(i).map(Str::from)
}

/// Column `i` of a row, an integer, as a flag.
fn flag(r: &Row<'_>, i: usize) -> rusqlite::Result<bool> {
    Ok(r.get::<_, i64>(i)? != 0)
}

/// Every row `sql` selects with `params`, read by `f`.
fn rows<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, ApiError> {
    Ok(conn
        .prepare_cached(sql)?
        .query_map(params, f)?
        .collect::<rusqlite::Result<_>>()?)
}

type Resp<A> = Result<<A as Endpoint>::Response<'static>, ApiError>;

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
    time::parse(s).map(time::format_datetime).ok_or_else(|| {
        fail(format!(
            "filters[{field}] must be {}, or {}, got `{s}`",
            dlspbx_core::scalar::DATETIME_FORMS,
            dlspbx_core::scalar::INSTANT_FORMS
        ))
    })
}

impl Handler for Api<'_> {
    type Context = AuthUser;
    type Error = ApiError;

    fn example_test(&self, _cx: &AuthUser, _r: example::TestRequest) -> Resp<example::TestRequest> {
        answer(|o: &mut example::TestResponse| o.example_data = Some(Str::from("")))
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
        answer(|o: &mut dialer::AddContactListResponse| o.id = id)
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
        // An optional field's spec default is the handler's to apply (spec/README.md).
        let default_country = dialer::AddContactRequest::INFO
            .request
            .iter()
            .find(|f| f.name == "country")
            .and_then(|f| f.default)
            .unwrap_or_default();
        let country = up(&r.country)
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| default_country.to_owned());
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
        answer(|o: &mut dialer::AddContactResponse| o.id = id)
    }

    fn reports_report(
        &self,
        cx: &AuthUser,
        r: reports::ReportRequest,
    ) -> Resp<reports::ReportRequest> {
        report::run(self.conn, cx, &r)
    }

    fn status_users(&self, cx: &AuthUser, _r: status::UsersRequest) -> Resp<status::UsersRequest> {
        let sql = "SELECT ext, name, authid, vmail, status, host, port FROM users WHERE tenant_id = ? ORDER BY id";
        let users = rows(self.conn, sql, [cx.tenant_id], |r| {
            let mut u = status::User::default();
            u.ext = text(r, 0)?;
            u.user = text(r, 1)?;
            u.tenant = Str::from(cx.tenant.clone());
            u.authid = text(r, 2)?;
            u.vmail = text(r, 3)?;
            u.status = text(r, 4)?;
            u.host = text(r, 5)?;
            u.port = r.get(6)?;
            Ok(u)
        })?;
        answer(|o: &mut status::UsersResponse| o.users = users)
    }

    fn status_queues(
        &self,
        cx: &AuthUser,
        _r: status::QueuesRequest,
    ) -> Resp<status::QueuesRequest> {
        let sql = "SELECT id, name, holdtime, complete, lost, hunt FROM queues WHERE tenant_id = ? ORDER BY id";
        let queues = rows(self.conn, sql, [cx.tenant_id], |r| {
            let mut q = status::Queue::default();
            q.queue = text(r, 1)?;
            q.holdtime = text(r, 2)?;
            q.complete = r.get(3)?;
            q.lost = r.get(4)?;
            q.hunt = text(r, 5)?;
            Ok((r.get::<_, i64>(0)?, q))
        })?;
        let agents_sql = "SELECT u.authid, u.name, t.name, t.id, a.avail, a.callcount, a.lastcall, a.status, a.otherdata, a.penalty, a.paused, a.connected_to
             FROM queue_agents a JOIN users u ON u.id = a.user_id JOIN tenants t ON t.id = u.tenant_id WHERE a.queue_id = ? ORDER BY a.penalty, u.id";
        let waiting_sql = "SELECT number, priority, wait_time FROM queue_waiting_calls WHERE queue_id = ? ORDER BY priority, id";
        let mut out = Vec::new();
        for (id, mut q) in queues {
            let agents = rows(self.conn, agents_sql, [id], |r| {
                let mut a = status::QueueAgent::default();
                a.name = text(r, 1)?;
                a.tenant = text(r, 2)?;
                a.tid = r.get(3)?;
                a.avail = flag(r, 4)?;
                a.callcount = r.get(5)?;
                a.lastcall = text(r, 6)?;
                a.status = text(r, 7)?;
                a.otherdata = text(r, 8)?;
                a.penalty = r.get(9)?;
                a.paused = flag(r, 10)?;
                a.connected_to = r.get::<_, Option<String>>(11)?.map(Str::from);
                Ok((text(r, 0)?, a))
            })?;
            q.agents = agents.into_iter().collect();
            q.calls_waiting = rows(self.conn, waiting_sql, [id], |r| {
                let mut w = status::WaitingCall::default();
                w.number = text(r, 0)?;
                w.priority = r.get(1)?;
                w.wait_time = text(r, 2)?;
                Ok(w)
            })?;
            q.waiting = q.calls_waiting.len() as i64;
            out.push((q.queue.clone(), q));
        }
        answer(|o: &mut status::QueuesResponse| o.queues = out.into_iter().collect())
    }

    fn status_calls(&self, cx: &AuthUser, _r: status::CallsRequest) -> Resp<status::CallsRequest> {
        let sql = "SELECT direction, ext, callerid, connected_to, status, elapsed FROM active_calls WHERE tenant_id = ? ORDER BY id";
        let calls = rows(self.conn, sql, [cx.tenant_id], |r| {
            let mut c = status::ActiveCall::default();
            c.ext = r.get::<_, Option<String>>(1)?.map(Str::from);
            c.callerid = r.get::<_, Option<String>>(2)?.map(Str::from);
            c.connected_to = text(r, 3)?;
            c.status = text(r, 4)?;
            c.elapsed = text(r, 5)?;
            Ok((r.get::<_, String>(0)?, c))
        })?;
        let mut out = status::ActiveCalls::default();
        for (direction, call) in calls {
            match direction.as_str() {
                "inbound" => out.inbound.push(call),
                "outbound" => out.outbound.push(call),
                "internal" => out.internal.push(call),
                _ => {}
            }
        }
        answer(|o: &mut status::CallsResponse| o.calls = out)
    }

    fn status_faxes(&self, cx: &AuthUser, _r: status::FaxesRequest) -> Resp<status::FaxesRequest> {
        let sql = "SELECT dst, src, page, status, attempt, next_retry FROM faxes WHERE tenant_id = ? ORDER BY id";
        let queued = rows(self.conn, sql, [cx.tenant_id], |r| {
            let mut f = status::QueuedFax::default();
            f.to = text(r, 0)?;
            f.from = text(r, 1)?;
            f.page = text(r, 2)?;
            f.status = text(r, 3)?;
            f.attempt = text(r, 4)?;
            f.next_retry = text(r, 5)?;
            Ok(f)
        })?;
        let sql = "SELECT current_sessions, reserved_sessions, transmit_attempts, receive_attempts, completed_faxes, failed_faxes, success,
                switched_to_t38, call_dropped, no_fax, negotiation_failed, train_failure, retries_exceeded, protocol_error,
                tx_protocol_error, rx_protocol_error, file_error, memory_error, unknown_error
             FROM fax_stats WHERE tenant_id = ?";
        let mut stats = rows(self.conn, sql, [cx.tenant_id], |r| {
            let mut s = status::FaxStats::default();
            s.current_sessions = r.get(0)?;
            s.reserved_sessions = r.get(1)?;
            s.transmit_attempts = r.get(2)?;
            s.receive_attempts = r.get(3)?;
            s.completed_faxes = r.get(4)?;
            s.failed_faxes = r.get(5)?;
            s.success = r.get(6)?;
            s.switched_to_t38 = r.get(7)?;
            s.call_dropped = r.get(8)?;
            s.no_fax = r.get(9)?;
            s.negotiation_failed = r.get(10)?;
            s.train_failure = r.get(11)?;
            s.retries_exceeded = r.get(12)?;
            s.protocol_error = r.get(13)?;
            s.tx_protocol_error = r.get(14)?;
            s.rx_protocol_error = r.get(15)?;
            s.file_error = r.get(16)?;
            s.memory_error = r.get(17)?;
            s.unknown_error = r.get(18)?;
            Ok(s)
        })?;
        let mut faxes = status::FaxStatus::default();
        faxes.queued_faxes = queued;
        faxes.fax_stats = stats.pop().unwrap_or_default();
        answer(|o: &mut status::FaxesResponse| o.faxes = faxes)
    }

    fn status_conferences(
        &self,
        cx: &AuthUser,
        _r: status::ConferencesRequest,
    ) -> Resp<status::ConferencesRequest> {
        let sql =
            "SELECT number, users, admins, locked FROM conferences WHERE tenant_id = ? ORDER BY id";
        let list = rows(self.conn, sql, [cx.tenant_id], |r| {
            let mut c = status::Conference::default();
            c.conference_number = text(r, 0)?;
            c.users = r.get(1)?;
            c.admins = r.get(2)?;
            c.locked = Str::from(if flag(r, 3)? { "Locked" } else { "Unlocked" });
            Ok(c)
        })?;
        answer(|o: &mut status::ConferencesResponse| o.conferences = list)
    }

    fn status_provisioning(
        &self,
        cx: &AuthUser,
        _r: status::ProvisioningRequest,
    ) -> Resp<status::ProvisioningRequest> {
        let sql = "SELECT ext, mac_address, device, last_provisioned, provisioned, last_provision_delta, calls_in, calls_out, file_name
             FROM provisioning WHERE tenant_id = ? ORDER BY id";
        let list = rows(self.conn, sql, [cx.tenant_id], |r| {
            let mut d = status::ProvisionedDevice::default();
            d.ext = text(r, 0)?;
            d.mac_address = text(r, 1)?;
            d.device = text(r, 2)?;
            d.last_provisioned = text(r, 3)?;
            d.provisioned = flag(r, 4)?;
            d.last_provision_delta = text(r, 5)?;
            d.calls_in = r.get(6)?;
            d.calls_out = r.get(7)?;
            d.file_name = text(r, 8)?;
            Ok(d)
        })?;
        answer(|o: &mut status::ProvisioningResponse| o.provisioning = list)
    }

    fn status_dialer(
        &self,
        cx: &AuthUser,
        _r: status::DialerRequest,
    ) -> Resp<status::DialerRequest> {
        let sql = "SELECT id, name, type, max_attempts, caller_id, call_ratio, agent_queue_id, script_id, context_id, rule_id, step_id, min_callback_time,
                machine_context_id, machine_rule_id, machine_step_id, display_contacts_form, hangup_on_disposition, hide_number_in_caller_id, status
             FROM dialer_campaigns WHERE tenant_id = ? ORDER BY id";
        let list = rows(self.conn, sql, [cx.tenant_id], |r| {
            let mut c = status::DialerCampaign::default();
            c.id = r.get(0)?;
            c.name = text(r, 1)?;
            c.kind = text(r, 2)?;
            c.max_attempts = r.get(3)?;
            c.caller_id = r.get(4)?;
            c.call_ratio = r.get(5)?;
            c.agent_queue_id = Some(text(r, 6)?);
            c.script_id = Some(text(r, 7)?);
            c.context_id = r.get(8)?;
            c.rule_id = r.get(9)?;
            c.step_id = r.get(10)?;
            c.min_callback_time = r.get(11)?;
            c.machine_context_id = Some(text(r, 12)?);
            c.machine_rule_id = Some(text(r, 13)?);
            c.machine_step_id = Some(text(r, 14)?);
            c.display_contacts_form = flag(r, 15)?;
            c.hangup_on_disposition = flag(r, 16)?;
            c.hide_number_in_caller_id = flag(r, 17)?;
            c.status = text(r, 18)?;
            Ok(c)
        })?;
        answer(|o: &mut status::DialerResponse| o.dialer = list)
    }

    fn status_dialerlogs(
        &self,
        cx: &AuthUser,
        _r: status::DialerlogsRequest,
    ) -> Resp<status::DialerlogsRequest> {
        let sql = "SELECT id, name FROM dialer_campaigns WHERE tenant_id = ? ORDER BY id";
        let campaigns = rows(self.conn, sql, [cx.tenant_id], |r| {
            Ok((r.get::<_, i64>(0)?, text(r, 1)?))
        })?;
        let sql = "SELECT line FROM dialer_logs WHERE campaign_id = ? ORDER BY id";
        let mut logs = Vec::new();
        for (id, campaign) in campaigns {
            let mut log = status::DialerLog::default();
            log.campaign = campaign;
            log.output = rows(self.conn, sql, [id], |r| text(r, 0))?;
            logs.push(log);
        }
        answer(|o: &mut status::DialerlogsResponse| o.logs = logs)
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
            sent.push(Str::from(dst));
        }
        tx.commit()?;
        answer(|o: &mut sms::SendSmsResponse| {
            o.src = Str::from(cx.ext.clone());
            o.dst = sent;
            o.body = Str::from(r.body);
            o.account_code = r.account_code.map(Str::from);
            o.message_id = Str::from(message_id);
        })
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
        let results = rows(
            self.conn,
            &sql,
            rusqlite::params_from_iter(p.iter()),
            |row| {
                let mut m = sms::SmsRecord::default();
                m.id = row.get(0)?;
                m.timestamp = text(row, 1)?;
                m.src_label = text(row, 2)?;
                m.dst_original_label = text(row, 3)?;
                m.dst_label = text(row, 4)?;
                m.status = text(row, 5)?;
                m.direction = text(row, 6)?;
                m.message = text(row, 7)?;
                m.account_code = text(row, 8)?;
                m.message_id = text(row, 9)?;
                Ok(m)
            },
        )?;
        // Both paging values are always echoed, as the reference's sample shows: the limit
        // given, or without one the number of records returned (every one from the offset).
        let limit = r.results_limit.unwrap_or(results.len() as i64);
        answer(|o: &mut sms::QuerySmsResponse| {
            o.total_results = Some(total);
            o.results_limit = Some(limit);
            o.results_offset = Some(r.results_offset.unwrap_or(0));
            o.results = results;
        })
    }

    fn subscribers_query_lists(
        &self,
        cx: &AuthUser,
        _r: subscribers::QueryListsRequest,
    ) -> Resp<subscribers::QueryListsRequest> {
        let sql =
            "SELECT campaign_id, name FROM optin_campaigns WHERE tenant_id = ? ORDER BY rowid";
        let campaigns = rows(self.conn, sql, [cx.tenant_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let sql = "SELECT number, reason, subscribe_text, subscribed_at FROM optin_subscribers WHERE campaign_id = ? ORDER BY subscribed_at, number";
        let mut optin = Vec::new();
        for (id, name) in campaigns {
            let mut list = subscribers::OptInList::default();
            list.subscribers = rows(self.conn, sql, [&id], |r| {
                let mut s = subscribers::Subscriber::default();
                s.number = text(r, 0)?;
                s.reason = text(r, 1)?;
                s.subscribe_text = text(r, 2)?;
                s.subscribed_at = text(r, 3)?;
                Ok(s)
            })?;
            list.campaign_id = Str::from(id);
            list.campaign_name = Str::from(name);
            list.total_subscribers = list.subscribers.len() as i64;
            optin.push(list);
        }
        let sql = "SELECT number, reason, unsubscribe_text, unsubscribed_at FROM optout_unsubscribers WHERE tenant_id = ? ORDER BY unsubscribed_at, number";
        let mut optout = subscribers::OptOutList::default();
        optout.unsubscribers = rows(self.conn, sql, [cx.tenant_id], |r| {
            let mut u = subscribers::Unsubscriber::default();
            u.number = text(r, 0)?;
            u.reason = text(r, 1)?;
            u.unsubscribe_text = text(r, 2)?;
            u.unsubscribed_at = text(r, 3)?;
            Ok(u)
        })?;
        optout.tenant_id = cx.tenant_id;
        optout.tenant_name = Str::from(cx.tenant.clone());
        optout.total_unsubscribers = optout.unsubscribers.len() as i64;
        answer(|o: &mut subscribers::QueryListsResponse| {
            o.optin = optin;
            o.optout = vec![optout];
        })
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
        answer(|o: &mut subscribers::AddSubscriberResponse| {
            o.success = Some(Str::from("Successfully added a new subscriber"))
        })
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
        answer(|o: &mut subscribers::RemoveSubscriberResponse| {
            o.success = Some(Str::from("Successfully removed the subscriber"))
        })
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
        answer(|o: &mut subscribers::AddUnsubscriberResponse| {
            o.success = Some(Str::from(
                "Successfully added unsubscriber to the provided tenants opt-out list.",
            ))
        })
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
        answer(|o: &mut subscribers::RemoveUnsubscriberResponse| {
            o.success = Some(Str::from(
                "Successfully removed the unsubscriber from the provided tenants opt-out list.",
            ))
        })
    }
}
