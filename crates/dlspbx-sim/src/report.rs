//! The report engine (`reports.php?api_action=report`): turns a [`ReportRequest`] into SQL over
//! the `cdrs` table. Every value from the request is a bound parameter; only column names
//! from the generated [`Column`] enum and fixed SQL text are written into the statement.
//!
//! How each filter type is evaluated (every rule is scoped to the API user's tenant):
//!
//! | filter | matches a call when |
//! |---|---|
//! | `duration` | `billable_duration` compares with the operator (the only duration the report shows) |
//! | `bridged`, `transferred`, `blind_transferred`, `attended_transferred`, `forwarded`, `parked` | the column of that name is `Yes` |
//! | `recorded` | `recording_link` is not empty |
//! | `voicemail` | the call went to voicemail |
//! | `direction` | `direction` is one of the values |
//! | `tn` | `src`, `dst` or `dst_original` is one of the numbers (10-digit, `+1` and punctuated forms match) |
//! | `pbxtn` | the PBX number (DID) the call used is one of the numbers |
//! | `international`, `international_outbound`, `tollfree`, `tollfree_inbound` | the call has that property |
//! | `users` | the source or destination user is one of the values (auth ID, extension or `ext@tenant`) |
//! | `tenant_users` | the source or destination user belongs to one of the tenants (name or ID) |
//! | `group_users` | the source or destination user is a member of one of the user groups |
//! | `queue_users` | the source or destination user is an agent of one of the queues |
//! | `groups` | the call was sent to one of the user (ring) groups |
//! | `fax`, `fax_successful`, `fax_failed`, `fax_detect_failed` | the call was a fax (any outcome), a successful one, a failed one, or fax detection failed |
//! | `fax_page_count` | the call was a fax and its page count compares with the operator |
//! | `conference`, `otf_conference`, `recorded_conference` | the call was a conference call, an on-the-fly one, or one with a conference recording |
//! | `conferences` | the call was in one of the conferences (by number) |
//!
//! Operators: numeric filters take `=` (any of the values), `!=` (none of the values), `>`, `>=`,
//! `<`, `<=` (exactly one value), `between`/`!between` (inclusive range); no operator means
//! `=`. Value filters take `=` (or none) and `!=` (none of the values). Flag filters take none.

use crate::ApiError;
use crate::api::AuthUser;
use crate::phone;
use crate::time;
use dlspbx_core::Format;
use dlspbx_core::report::{CSV_LAYOUT, CellType, Page, ReportTable};
use dlspbx_core::reports::{
    Column, Exclusivity, FilterRule, FilterType, LogicalOperator, Operator, OrderDirection,
    ReportOption, ReportRequest,
};
use dlspbx_core::scalar::{self, TimeZone};
use dlspbx_core::wire::{self, Node, Str};
use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;

/// Rows per page when the request does not set `per_page`.
pub const DEFAULT_PER_PAGE: u64 = 50;
/// The server's time zone: a report's when the request does not set `timezone`. Stored dates
/// are UTC; a report shows them, and reads `from`/`to`, in its time zone.
pub const DEFAULT_TIMEZONE: &str = "America/Chicago";
/// The most values one filter rule may carry.
pub const MAX_RULE_VALUES: usize = 1000;

fn err(message: impl Into<String>) -> ApiError {
    ApiError::refused(message)
}

/// The report options, with the simulator's defaults applied.
#[derive(Debug, Clone)]
struct Opts {
    formatted_columns_names: bool,
    /// The report's time zone (its name as the database spells it: `tz.iana_name()`).
    tz: TimeZone,
    /// Whether `tz` is UTC: stored dates are then shown as they are.
    utc: bool,
    formatted_dates: bool,
    formatted_durations: bool,
    formatted_tns: bool,
    count_only: bool,
    order_by: Column,
    descending: bool,
    page: Option<Page>,
    page_offset: Option<u64>,
    per_page: u64,
    from: Option<String>,
    to: Option<String>,
}

impl Opts {
    fn from_request(options: &[ReportOption]) -> Result<Opts, ApiError> {
        let mut timezone = DEFAULT_TIMEZONE;
        let mut o = Opts {
            formatted_columns_names: false,
            tz: TimeZone::UTC,
            utc: true,
            formatted_dates: false,
            formatted_durations: false,
            formatted_tns: false,
            count_only: false,
            order_by: Column::Date,
            descending: true,
            page: None,
            page_offset: None,
            per_page: DEFAULT_PER_PAGE,
            from: None,
            to: None,
        };
        for opt in options {
            match opt {
                ReportOption::FormattedColumnsNames(b) => o.formatted_columns_names = *b,
                // Mirrored extensions do not exist in the simulator: accepted, no effect.
                ReportOption::MapMirrors(_) => {}
                ReportOption::Timezone(tz) => timezone = tz,
                ReportOption::FormattedDates(b) => o.formatted_dates = *b,
                ReportOption::FormattedDurations(b) => o.formatted_durations = *b,
                ReportOption::FormattedTns(b) => o.formatted_tns = *b,
                ReportOption::CountOnly(b) => o.count_only = *b,
                ReportOption::OrderBy(c) => o.order_by = *c,
                ReportOption::OrderDirection(d) => o.descending = *d == OrderDirection::Descending,
                ReportOption::Page(p) => o.page = Some(*p),
                ReportOption::PageOffset(n) => o.page_offset = Some(*n),
                ReportOption::PerPage(n) => o.per_page = *n,
                ReportOption::From(s) => o.from = Some(s.clone()),
                ReportOption::To(s) => o.to = Some(s.clone()),
                _ => {}
            }
        }
        if o.per_page == 0 {
            return Err(err("per_page must be at least 1"));
        }
        if o.page.is_some() && o.page_offset.is_some() {
            return Err(err(
                "page and page_offset cannot be combined; give one of them",
            ));
        }
        o.tz = scalar::time_zone(timezone).map_err(|e| err(format!("option timezone: {e}")))?;
        o.utc = o.tz.iana_name() == Some("UTC");
        for (name, v) in [("from", &o.from), ("to", &o.to)] {
            if let Some(v) = v
                && let Err(why) = dlspbx_core::rules::datetime(v)
            {
                return Err(err(format!("option {name} {why}, got `{v}`")));
            }
        }
        Ok(o)
    }

    /// `(limit, offset)`; `None` for page=ALL.
    fn window(&self) -> Result<Option<(i64, i64)>, ApiError> {
        let per = i64::try_from(self.per_page).unwrap_or(i64::MAX);
        let offset = match (self.page, self.page_offset) {
            (Some(Page::All), _) => return Ok(None),
            (_, Some(off)) => off,
            (Some(Page::Number(n)), None) => n
                .checked_mul(self.per_page)
                .ok_or_else(|| err("page is too large"))?,
            (None, None) => 0,
        };
        Ok(Some((
            per,
            i64::try_from(offset).map_err(|_| err("page_offset is too large"))?,
        )))
    }

    /// The instant of `from` or `to`, read in the report's time zone.
    fn instant(&self, v: &Option<String>) -> Option<i64> {
        v.as_deref().and_then(|s| time::parse_in(s, &self.tz))
    }

    /// `from` or `to` as the stored (UTC) text it is compared with; a value that does not
    /// read as a time (the rule has checked it) is compared as it is.
    fn stored(&self, v: &str) -> String {
        time::parse_in(v, &self.tz).map_or_else(|| v.to_owned(), time::format_datetime)
    }
}

/// The report title, in the reference's style: the range shown in the report's time zone,
/// then the zone and its offset at the start of the range (`from`, else the first matching
/// call, else `to`, else now), as `America/Chicago UTC-5:00 (DST)`.
fn title(o: &Opts, first: Option<&str>) -> String {
    let show = |s: &str| {
        time::parse_in(s, &o.tz)
            .map(|t| time::format_title_in(t, &o.tz))
            .unwrap_or_else(|| s.to_owned())
    };
    let start = o
        .instant(&o.from)
        .or_else(|| first.and_then(time::parse))
        .or_else(|| o.instant(&o.to))
        .unwrap_or_else(|| time::now().0);
    let zone = format!(
        "{} {}",
        o.tz.iana_name().unwrap_or("UTC"),
        time::format_offset(start, &o.tz)
    );
    match (&o.from, &o.to) {
        (None, None) => format!("All dates - {zone}"),
        (from, to) => format!(
            "Restrict inclusive by date range '{}' to '{}' - {zone}",
            from.as_deref()
                .map_or_else(|| "the beginning".to_owned(), show),
            to.as_deref().map_or_else(|| "now".to_owned(), show),
        ),
    }
}

/// A WHERE clause under construction.
#[derive(Default)]
struct Where {
    params: Vec<SqlValue>,
}

impl Where {
    fn bind(&mut self, v: impl Into<SqlValue>) -> &'static str {
        self.params.push(v.into());
        "?"
    }

    fn in_list(&mut self, col: &str, vals: &[String]) -> String {
        if vals.is_empty() {
            return "0".to_owned();
        }
        let marks: Vec<&str> = vals.iter().map(|v| self.bind(v.clone())).collect();
        format!("{col} IN ({})", marks.join(", "))
    }
}

/// Tenant data the value filters resolve their values against.
struct Lookup {
    tenant_id: i64,
    tenant_name: String,
    /// (ext, authid) of the tenant's users.
    users: Vec<(String, String)>,
    /// (group name, member authid).
    group_members: Vec<(String, String)>,
    /// (queue name, agent authid).
    queue_agents: Vec<(String, String)>,
    /// (id, name) of every tenant.
    tenants: Vec<(i64, String)>,
}

impl Lookup {
    fn load(conn: &Connection, user: &AuthUser) -> rusqlite::Result<Lookup> {
        let pairs = |sql: &str| -> rusqlite::Result<Vec<(String, String)>> {
            let mut st = conn.prepare_cached(sql)?;
            let rows = st.query_map([user.tenant_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        };
        let users = pairs("SELECT ext, authid FROM users WHERE tenant_id = ? ORDER BY id")?;
        let group_members = pairs(
            "SELECT g.name, u.authid FROM user_groups g JOIN user_group_members m ON m.group_id = g.id JOIN users u ON u.id = m.user_id WHERE g.tenant_id = ?",
        )?;
        let queue_agents = pairs(
            "SELECT q.name, u.authid FROM queues q JOIN queue_agents a ON a.queue_id = q.id JOIN users u ON u.id = a.user_id WHERE q.tenant_id = ?",
        )?;
        let mut st = conn.prepare_cached("SELECT id, name FROM tenants ORDER BY id")?;
        let tenants = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Lookup {
            tenant_id: user.tenant_id,
            tenant_name: user.tenant.clone(),
            users,
            group_members,
            queue_agents,
            tenants,
        })
    }

    fn user_authids(&self, values: &[String]) -> Vec<String> {
        let mut out: Vec<String> = self
            .users
            .iter()
            .filter(|(ext, authid)| {
                values.iter().any(|v| {
                    let v = v.trim();
                    v == authid
                        || v == ext
                        || v.eq_ignore_ascii_case(&format!("{ext}@{}", self.tenant_name))
                })
            })
            .map(|(_, a)| a.clone())
            .collect();
        out.dedup();
        out
    }

    fn members(pairs: &[(String, String)], values: &[String]) -> Vec<String> {
        let mut out: Vec<String> = pairs
            .iter()
            .filter(|(name, _)| values.iter().any(|v| v.trim().eq_ignore_ascii_case(name)))
            .map(|(_, a)| a.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn tenant_names(&self, values: &[String]) -> Vec<String> {
        self.tenants
            .iter()
            .filter(|(id, name)| {
                values
                    .iter()
                    .any(|v| v.trim().eq_ignore_ascii_case(name) || v.trim() == id.to_string())
            })
            .map(|(_, n)| n.clone())
            .collect()
    }
}

fn numbers(values: &[String]) -> Vec<String> {
    values.iter().map(|v| phone::canonical(v)).collect()
}

fn user_predicate(w: &mut Where, authids: &[String]) -> String {
    let a = w.in_list("src_user_auth_id", authids);
    let b = w.in_list("dst_user_auth_id", authids);
    format!("({a} OR {b})")
}

fn numeric_value(s: &str, field: &str) -> Result<f64, ApiError> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| err(format!("{field} must be a number, got `{s}`")))
}

fn rule_sql(w: &mut Where, lk: &Lookup, rule: &FilterRule) -> Result<String, ApiError> {
    let kind = rule.kind;
    if rule.value.len() > MAX_RULE_VALUES {
        return Err(err(format!(
            "filter `{kind}` has {} values; at most {MAX_RULE_VALUES} are allowed",
            rule.value.len()
        )));
    }
    let flag = |col: &str| format!("{col} = 1");
    let sql = match kind {
        FilterType::Bridged => flag("bridged"),
        FilterType::Transferred => flag("transferred"),
        FilterType::BlindTransferred => flag("blind_transferred"),
        FilterType::AttendedTransferred => flag("attended_transferred"),
        FilterType::Forwarded => flag("forwarded"),
        FilterType::Parked => flag("parked"),
        FilterType::Recorded => "recording_link <> ''".to_owned(),
        FilterType::Voicemail => flag("x_voicemail"),
        FilterType::International => flag("x_international"),
        FilterType::InternationalOutbound => flag("x_international_outbound"),
        FilterType::Tollfree => flag("x_tollfree"),
        FilterType::TollfreeInbound => flag("x_tollfree_inbound"),
        FilterType::Fax => "x_fax <> ''".to_owned(),
        FilterType::FaxSuccessful => "x_fax = 'success'".to_owned(),
        FilterType::FaxFailed => "x_fax = 'failed'".to_owned(),
        FilterType::FaxDetectFailed => "x_fax = 'detect_failed'".to_owned(),
        FilterType::RecordedConference => flag("x_recorded_conference"),
        FilterType::Conference => "x_conference <> ''".to_owned(),
        FilterType::OtfConference => flag("x_otf_conference"),
        FilterType::Duration => numeric(w, rule, "billable_duration")?,
        FilterType::FaxPageCount => {
            format!("(x_fax <> '' AND {})", numeric(w, rule, "x_fax_pages")?)
        }
        FilterType::Direction => values(w, rule, |w| w.in_list("direction", &rule.value))?,
        FilterType::Tn => values(w, rule, |w| {
            let n = numbers(&rule.value);
            let a = w.in_list("src", &n);
            let b = w.in_list("dst", &n);
            let c = w.in_list("dst_original", &n);
            format!("({a} OR {b} OR {c})")
        })?,
        FilterType::Pbxtn => values(w, rule, |w| w.in_list("x_pbx_tn", &numbers(&rule.value)))?,
        FilterType::Users => values(w, rule, |w| {
            user_predicate(w, &lk.user_authids(&rule.value))
        })?,
        FilterType::TenantUsers => values(w, rule, |w| {
            let names = lk.tenant_names(&rule.value);
            let a = w.in_list("src_user_tenant_name", &names);
            let b = w.in_list("dst_user_tenant_name", &names);
            format!("({a} OR {b})")
        })?,
        FilterType::GroupUsers => values(w, rule, |w| {
            user_predicate(w, &Lookup::members(&lk.group_members, &rule.value))
        })?,
        FilterType::QueueUsers => values(w, rule, |w| {
            user_predicate(w, &Lookup::members(&lk.queue_agents, &rule.value))
        })?,
        FilterType::Groups => values(w, rule, |w| w.in_list("x_ring_group", &rule.value))?,
        FilterType::Conferences => values(w, rule, |w| w.in_list("x_conference", &rule.value))?,
        #[allow(unreachable_patterns)]
        other => {
            return Err(err(format!(
                "filter `{other}` is not supported by the simulator"
            )));
        }
    };
    Ok(sql)
}

fn values(
    w: &mut Where,
    rule: &FilterRule,
    pred: impl FnOnce(&mut Where) -> String,
) -> Result<String, ApiError> {
    if rule.value.is_empty() {
        return Err(err(format!("filter `{}` needs a value", rule.kind)));
    }
    match rule.operator {
        None | Some(Operator::Eq) => Ok(pred(w)),
        Some(Operator::Ne) => Ok(format!("NOT {}", paren(pred(w)))),
        Some(op) => Err(err(format!(
            "filter `{}` takes a list of values; only = and != apply, not `{op}`",
            rule.kind
        ))),
    }
}

fn paren(s: String) -> String {
    if s.starts_with('(') && s.ends_with(')') {
        s
    } else {
        format!("({s})")
    }
}

fn numeric(w: &mut Where, rule: &FilterRule, col: &str) -> Result<String, ApiError> {
    let op = rule.operator.unwrap_or(Operator::Eq);
    if op.arity() == 2 {
        let (Some(lo), Some(hi)) = (&rule.lower_value, &rule.upper_value) else {
            return Err(err(format!(
                "operator `{op}` needs both lower_value and upper_value"
            )));
        };
        let lo = numeric_value(lo, "lower_value")?;
        let hi = numeric_value(hi, "upper_value")?;
        let not = if op == Operator::NotBetween {
            "NOT "
        } else {
            ""
        };
        return Ok(format!(
            "{col} {not}BETWEEN {} AND {}",
            w.bind(lo),
            w.bind(hi)
        ));
    }
    let vals: Vec<f64> = rule
        .value
        .iter()
        .map(|v| numeric_value(v, "value"))
        .collect::<Result<_, _>>()?;
    if vals.is_empty() {
        return Err(err(format!("filter `{}` needs a value", rule.kind)));
    }
    let sym = match op {
        Operator::Eq | Operator::Ne => {
            let marks: Vec<&str> = vals.iter().map(|v| w.bind(*v)).collect();
            let not = if op == Operator::Ne { "NOT " } else { "" };
            return Ok(format!("{col} {not}IN ({})", marks.join(", ")));
        }
        Operator::Gt => ">",
        Operator::Ge => ">=",
        Operator::Lt => "<",
        Operator::Le => "<=",
        _ => return Err(err(format!("operator `{op}` is not supported"))),
    };
    if vals.len() != 1 {
        return Err(err(format!(
            "operator `{op}` compares with exactly one value; {} were given",
            vals.len()
        )));
    }
    Ok(format!("{col} {sym} {}", w.bind(vals[0])))
}

/// Builds the WHERE clause: tenant, date range, every include group, no exclude group.
fn where_clause(
    w: &mut Where,
    lk: &Lookup,
    req: &ReportRequest,
    o: &Opts,
) -> Result<String, ApiError> {
    let mut parts = vec![format!("tenant_id = {}", w.bind(lk.tenant_id))];
    if let Some(from) = &o.from {
        parts.push(format!("date >= {}", w.bind(o.stored(from))));
    }
    if let Some(to) = &o.to {
        parts.push(format!("date <= {}", w.bind(o.stored(to))));
    }
    let mut excludes = Vec::new();
    for (i, g) in req.filter_groups.iter().enumerate() {
        if g.rules.is_empty() {
            return Err(err(format!("filter_groups[{i}] has no rules")));
        }
        let joiner = if g.logical_operator == LogicalOperator::Or {
            " OR "
        } else {
            " AND "
        };
        let rules: Vec<String> = g
            .rules
            .iter()
            .map(|r| rule_sql(w, lk, r))
            .collect::<Result<_, _>>()?;
        let sql = format!("({})", rules.join(joiner));
        if g.exclusivity == Exclusivity::Exclude {
            excludes.push(sql);
        } else {
            parts.push(sql);
        }
    }
    if !excludes.is_empty() {
        parts.push(format!("NOT ({})", excludes.join(" OR ")));
    }
    Ok(parts.join(" AND "))
}

fn cell(row: &rusqlite::Row<'_>, i: usize, c: Column, o: &Opts) -> rusqlite::Result<String> {
    Ok(match c.cell() {
        CellType::YesNo => if row.get::<_, i64>(i)? != 0 {
            "Yes"
        } else {
            "No"
        }
        .to_owned(),
        CellType::Int => row.get::<_, i64>(i)?.to_string(),
        CellType::Duration => {
            let v: i64 = row.get(i)?;
            if o.formatted_durations {
                time::format_duration(v)
            } else {
                v.to_string()
            }
        }
        CellType::Datetime => {
            let v: String = row.get(i)?;
            match (o.formatted_dates, time::parse(&v)) {
                (true, Some(t)) => time::format_us_in(t, &o.tz),
                (false, Some(t)) if !o.utc => time::format_datetime_in(t, &o.tz),
                _ => v,
            }
        }
        CellType::Phone => {
            let v: String = row.get(i)?;
            if o.formatted_tns {
                phone::format_tn(&v)
            } else {
                v
            }
        }
        _ => row.get(i)?,
    })
}

/// A report ready to run: the options, the count, the header and the row query.
struct Prepared {
    o: Opts,
    total: i64,
    title: String,
    header: Vec<String>,
    sql: String,
    params: Vec<SqlValue>,
}

fn prepare(conn: &Connection, user: &AuthUser, req: &ReportRequest) -> Result<Prepared, ApiError> {
    if req.columns.is_empty() {
        return Err(err("columns is required: give one or more columns"));
    }
    let o = Opts::from_request(&req.options)?;
    let lk = Lookup::load(conn, user)?;
    let mut w = Where::default();
    let clause = where_clause(&mut w, &lk, req, &o)?;
    // Cached statements: a client paging through windows sends the same SQL text each time.
    let (total, first): (i64, Option<String>) = conn
        .prepare_cached(&format!(
            "SELECT COUNT(*), MIN(date) FROM cdrs WHERE {clause}"
        ))?
        .query_row(rusqlite::params_from_iter(w.params.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let title = title(&o, first.as_deref());
    let cols: Vec<&str> = req.columns.iter().map(|c| c.as_str()).collect();
    let dir = if o.descending { "DESC" } else { "ASC" };
    let mut sql = format!(
        "SELECT {} FROM cdrs WHERE {clause} ORDER BY {} {dir}, id {dir}",
        cols.join(", "),
        o.order_by.as_str()
    );
    let mut params = w.params;
    if let Some((limit, offset)) = o.window()? {
        sql.push_str(" LIMIT ? OFFSET ?");
        params.push(limit.into());
        params.push(offset.into());
    }
    let header = req
        .columns
        .iter()
        .map(|c| {
            if o.formatted_columns_names {
                c.label()
            } else {
                c.as_str()
            }
            .to_owned()
        })
        .collect();
    Ok(Prepared {
        o,
        total,
        title,
        header,
        sql,
        params,
    })
}

/// The cells of one result row.
fn row_cells(
    row: &rusqlite::Row<'_>,
    req: &ReportRequest,
    o: &Opts,
) -> rusqlite::Result<Vec<String>> {
    req.columns
        .iter()
        .enumerate()
        .map(|(i, c)| cell(row, i, *c, o))
        .collect()
}

/// Runs a report for `user`.
pub fn run(
    conn: &Connection,
    user: &AuthUser,
    req: &ReportRequest,
) -> Result<ReportTable<'static>, ApiError> {
    let p = prepare(conn, user, req)?;
    let title = Some(Str::from(p.title));
    if p.o.count_only {
        return Ok(ReportTable::new(
            Some(p.total),
            title,
            Vec::new(),
            Vec::new(),
        ));
    }
    let mut st = conn.prepare_cached(&p.sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(p.params.iter()))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let cells = row_cells(row, req, &p.o)?;
        out.push(cells.into_iter().map(Str::from).collect());
    }
    let header = p.header.into_iter().map(Str::from).collect();
    Ok(ReportTable::new(Some(p.total), title, header, out))
}

/// Whether [`stream`] answers `req` in `format`: rows (not `count_only`) in JSON or CSV,
/// every row (`page=ALL`) or one page, written as they are read instead of built as a table
/// first.
pub fn is_streamed(req: &ReportRequest, format: Format) -> bool {
    matches!(format, Format::Json | Format::Csv)
        && !req.options.contains(&ReportOption::CountOnly(true))
}

/// Bytes of body gathered before they are handed to the writer.
const STREAM_CHUNK: usize = 64 * 1024;

/// Runs a report for `user` and writes the answer in `format` (JSON or CSV) to `out` in
/// chunks as the rows are read, so that memory does not grow with the number of rows. The
/// bytes are the same as [`run`] and the generated encoder would produce.
///
/// An error before the first chunk (a bad option, a database error) is returned and nothing
/// was written; `out` returning `false` (the client went away) stops the report. An error
/// after the first chunk is returned too: the answer is then incomplete.
pub fn stream(
    conn: &Connection,
    user: &AuthUser,
    req: &ReportRequest,
    format: Format,
    out: &mut dyn FnMut(Vec<u8>) -> bool,
) -> Result<(), ApiError> {
    let p = prepare(conn, user, req)?;
    let frame = Node::Map(vec![
        ("result".into(), Node::str("success")),
        ("error".into(), Node::str("")),
        ("total_results".into(), Node::from(p.total.to_string())),
        ("title".into(), Node::from(p.title.clone())),
        (
            "columns".into(),
            Node::Seq(p.header.iter().map(|h| Node::from(h.clone())).collect()),
        ),
        ("results".into(), Node::Seq(Vec::new())),
    ]);
    let (mut buf, suffix): (Vec<u8>, &[u8]) = match format {
        Format::Csv => (wire::csv::write(&frame, CSV_LAYOUT), b""),
        _ => {
            let mut body = dlspbx_core::report::write_document(Format::Json, &frame);
            debug_assert!(body.ends_with(b"[]}"));
            body.truncate(body.len() - 2);
            (body, b"]}")
        }
    };
    let mut st = conn.prepare_cached(&p.sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(p.params.iter()))?;
    let mut first = true;
    while let Some(row) = rows.next()? {
        let cells: Vec<Node<'_>> = row_cells(row, req, &p.o)?
            .into_iter()
            .map(Node::from)
            .collect();
        match format {
            // One record, written by the same writer as a whole table's rows.
            Format::Csv => buf.extend(wire::csv::write(
                &Node::Map(vec![("columns".into(), Node::Seq(cells))]),
                CSV_LAYOUT,
            )),
            _ => {
                if !first {
                    buf.push(b',');
                }
                buf.extend(wire::json::write(&Node::Seq(cells)));
            }
        }
        first = false;
        if buf.len() >= STREAM_CHUNK && !out(std::mem::take(&mut buf)) {
            return Ok(());
        }
    }
    buf.extend_from_slice(suffix);
    out(buf);
    Ok(())
}
