//! The SQLite store: opening, pragmas and the schema (created on open, versioned in the
//! `migrations` table).

use dlspbx_core::report::CellType;
use dlspbx_core::reports::Column;
use rusqlite::Connection;
use std::path::Path;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Columns of the `cdrs` table that the report does not show but the filters use.
pub const HIDDEN_CDR_COLUMNS: &[(&str, &str)] = &[
    ("x_pbx_tn", "TEXT NOT NULL DEFAULT ''"),
    ("x_international", "INTEGER NOT NULL DEFAULT 0"),
    ("x_international_outbound", "INTEGER NOT NULL DEFAULT 0"),
    ("x_tollfree", "INTEGER NOT NULL DEFAULT 0"),
    ("x_tollfree_inbound", "INTEGER NOT NULL DEFAULT 0"),
    ("x_voicemail", "INTEGER NOT NULL DEFAULT 0"),
    ("x_fax", "TEXT NOT NULL DEFAULT ''"),
    ("x_fax_pages", "INTEGER NOT NULL DEFAULT 0"),
    ("x_conference", "TEXT NOT NULL DEFAULT ''"),
    ("x_otf_conference", "INTEGER NOT NULL DEFAULT 0"),
    ("x_recorded_conference", "INTEGER NOT NULL DEFAULT 0"),
    ("x_ring_group", "TEXT NOT NULL DEFAULT ''"),
];

/// The SQL type of a report column: whole numbers, durations (seconds) and yes/no flags (0/1)
/// are INTEGER, everything else (dates as `YYYY-MM-DD HH:MM:SS`) TEXT.
pub fn column_is_integer(c: Column) -> bool {
    matches!(
        c.cell(),
        CellType::Int | CellType::Duration | CellType::YesNo
    )
}

fn cdr_table_sql() -> String {
    let mut sql = String::from(
        "CREATE TABLE cdrs (\n  id INTEGER PRIMARY KEY,\n  tenant_id INTEGER NOT NULL",
    );
    for &c in Column::ALL {
        let ty = if column_is_integer(c) {
            "INTEGER NOT NULL DEFAULT 0"
        } else {
            "TEXT NOT NULL DEFAULT ''"
        };
        sql.push_str(&format!(",\n  {} {ty}", c.as_str()));
    }
    for (name, ty) in HIDDEN_CDR_COLUMNS {
        sql.push_str(&format!(",\n  {name} {ty}"));
    }
    sql.push_str("\n);\nCREATE INDEX cdrs_tenant_date ON cdrs(tenant_id, date);\n");
    sql
}

const SCHEMA_V1: &str = r#"
CREATE TABLE tenants (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  ext TEXT NOT NULL,
  name TEXT NOT NULL,
  authid TEXT NOT NULL UNIQUE,
  api_key TEXT NOT NULL,
  vmail TEXT NOT NULL,
  status TEXT NOT NULL,
  host TEXT NOT NULL,
  port INTEGER NOT NULL,
  UNIQUE (tenant_id, ext)
);
CREATE TABLE user_groups (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE TABLE user_group_members (
  group_id INTEGER NOT NULL REFERENCES user_groups(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY (group_id, user_id)
);
CREATE TABLE contact_lists (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  list_id INTEGER NOT NULL REFERENCES contact_lists(id),
  phone_number TEXT NOT NULL,
  company_name TEXT,
  first_name TEXT,
  last_name TEXT,
  address TEXT,
  address_2 TEXT,
  city TEXT,
  state TEXT,
  zip_code TEXT,
  country TEXT NOT NULL DEFAULT 'US',
  dial_on_date TEXT,
  custom_fields TEXT NOT NULL DEFAULT '{}',
  UNIQUE (list_id, phone_number)
);
CREATE TABLE sms (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  timestamp TEXT NOT NULL,
  src TEXT NOT NULL,
  src_authid TEXT NOT NULL DEFAULT '',
  src_label TEXT NOT NULL,
  dst TEXT NOT NULL,
  dst_authid TEXT NOT NULL DEFAULT '',
  dst_label TEXT NOT NULL,
  dst_original TEXT NOT NULL DEFAULT '',
  dst_original_label TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  direction TEXT NOT NULL,
  message TEXT NOT NULL,
  account_code TEXT NOT NULL DEFAULT '',
  message_id TEXT NOT NULL
);
CREATE INDEX sms_tenant_ts ON sms(tenant_id, timestamp);
CREATE TABLE optin_campaigns (
  campaign_id TEXT PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL
);
CREATE TABLE optin_subscribers (
  campaign_id TEXT NOT NULL REFERENCES optin_campaigns(campaign_id),
  number TEXT NOT NULL,
  reason TEXT NOT NULL,
  subscribe_text TEXT NOT NULL,
  subscribed_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, number)
);
CREATE TABLE optout_unsubscribers (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  number TEXT NOT NULL,
  reason TEXT NOT NULL,
  unsubscribe_text TEXT NOT NULL,
  unsubscribed_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, number)
);
CREATE TABLE queues (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  holdtime TEXT NOT NULL,
  complete INTEGER NOT NULL,
  lost INTEGER NOT NULL,
  hunt TEXT NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE TABLE queue_agents (
  queue_id INTEGER NOT NULL REFERENCES queues(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  avail INTEGER NOT NULL,
  callcount INTEGER NOT NULL,
  lastcall TEXT NOT NULL,
  status TEXT NOT NULL,
  otherdata TEXT NOT NULL,
  penalty INTEGER NOT NULL,
  paused INTEGER NOT NULL,
  connected_to TEXT,
  PRIMARY KEY (queue_id, user_id)
);
CREATE TABLE queue_waiting_calls (
  id INTEGER PRIMARY KEY,
  queue_id INTEGER NOT NULL REFERENCES queues(id),
  number TEXT NOT NULL,
  priority INTEGER NOT NULL,
  wait_time TEXT NOT NULL
);
CREATE TABLE active_calls (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
  ext TEXT,
  callerid TEXT,
  connected_to TEXT NOT NULL,
  status TEXT NOT NULL,
  elapsed TEXT NOT NULL
);
CREATE TABLE faxes (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  dst TEXT NOT NULL,
  src TEXT NOT NULL,
  page TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt TEXT NOT NULL,
  next_retry TEXT NOT NULL
);
CREATE TABLE fax_stats (
  tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id),
  current_sessions INTEGER NOT NULL,
  reserved_sessions INTEGER NOT NULL,
  transmit_attempts INTEGER NOT NULL,
  receive_attempts INTEGER NOT NULL,
  completed_faxes INTEGER NOT NULL,
  failed_faxes INTEGER NOT NULL,
  success INTEGER NOT NULL,
  switched_to_t38 INTEGER NOT NULL,
  call_dropped INTEGER NOT NULL,
  no_fax INTEGER NOT NULL,
  negotiation_failed INTEGER NOT NULL,
  train_failure INTEGER NOT NULL,
  retries_exceeded INTEGER NOT NULL,
  protocol_error INTEGER NOT NULL,
  tx_protocol_error INTEGER NOT NULL,
  rx_protocol_error INTEGER NOT NULL,
  file_error INTEGER NOT NULL,
  memory_error INTEGER NOT NULL,
  unknown_error INTEGER NOT NULL
);
CREATE TABLE conferences (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  number TEXT NOT NULL,
  users INTEGER NOT NULL,
  admins INTEGER NOT NULL,
  locked INTEGER NOT NULL
);
CREATE TABLE provisioning (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  ext TEXT NOT NULL,
  mac_address TEXT NOT NULL,
  device TEXT NOT NULL,
  last_provisioned TEXT NOT NULL,
  provisioned INTEGER NOT NULL,
  last_provision_delta TEXT NOT NULL,
  calls_in INTEGER NOT NULL,
  calls_out INTEGER NOT NULL,
  file_name TEXT NOT NULL
);
CREATE TABLE dialer_campaigns (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  max_attempts INTEGER NOT NULL,
  caller_id INTEGER NOT NULL,
  call_ratio REAL NOT NULL,
  agent_queue_id TEXT NOT NULL DEFAULT '',
  script_id TEXT NOT NULL DEFAULT '',
  context_id INTEGER NOT NULL,
  rule_id INTEGER NOT NULL,
  step_id INTEGER NOT NULL,
  min_callback_time INTEGER NOT NULL,
  machine_context_id TEXT NOT NULL DEFAULT '',
  machine_rule_id TEXT NOT NULL DEFAULT '',
  machine_step_id TEXT NOT NULL DEFAULT '',
  display_contacts_form INTEGER NOT NULL,
  hangup_on_disposition INTEGER NOT NULL,
  hide_number_in_caller_id INTEGER NOT NULL,
  status TEXT NOT NULL
);
CREATE TABLE dialer_logs (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES dialer_campaigns(id),
  line TEXT NOT NULL
);
"#;

/// Data tables, children first (the order [`clear`] deletes them in).
pub const DATA_TABLES: &[&str] = &[
    "cdrs",
    "dialer_logs",
    "dialer_campaigns",
    "provisioning",
    "conferences",
    "fax_stats",
    "faxes",
    "active_calls",
    "queue_waiting_calls",
    "queue_agents",
    "queues",
    "optout_unsubscribers",
    "optin_subscribers",
    "optin_campaigns",
    "sms",
    "contacts",
    "contact_lists",
    "user_group_members",
    "user_groups",
    "users",
    "tenants",
];

/// Opens (creating if needed) the database at `path`, or a private in-memory database, and
/// brings its schema up to [`SCHEMA_VERSION`].
pub fn open(path: Option<&Path>) -> rusqlite::Result<Connection> {
    let conn = match path {
        Some(p) => Connection::open(p)?,
        None => Connection::open_in_memory()?,
    };
    if path.is_some() {
        // WAL: readers never block the writer; NORMAL is durable enough with WAL.
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    }
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
    )?;
    migrate(&conn)?;
    Ok(conn)
}

/// A read-only connection to the database file at `path` (opened with [`open`] first), for
/// long reads that must not hold the shared connection: in WAL mode it reads a consistent
/// snapshot while the shared connection keeps writing.
pub fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    use rusqlite::OpenFlags;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch("PRAGMA busy_timeout = 5000;")?;
    Ok(conn)
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')))",
    )?;
    let current: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM migrations",
        [],
        |r| r.get(0),
    )?;
    if current > SCHEMA_VERSION {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "the database has schema version {current}, newer than this simulator's {SCHEMA_VERSION}"
        )));
    }
    if current < 1 {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(SCHEMA_V1)?;
        tx.execute_batch(&cdr_table_sql())?;
        tx.execute("INSERT INTO migrations (version) VALUES (1)", [])?;
        tx.commit()?;
    }
    Ok(())
}

/// Deletes every row of every data table (the schema stays).
pub fn clear(conn: &Connection) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    for t in DATA_TABLES {
        tx.execute(&format!("DELETE FROM {t}"), [])?;
    }
    tx.commit()
}

/// True when the database holds at least one user (it has been seeded).
pub fn is_seeded(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |r| r.get(0))
}
