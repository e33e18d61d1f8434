//! The SQLite sink: a local database file in WAL mode, written with prepared statements, and
//! a file lock (`flock`) beside it (`FILE.lock`) that dies with its holder.
//!
//! Tables:
//! - `cdrs`: `source`, then one column per report column (`INTEGER` for counts and durations
//!   in seconds, `BOOLEAN` 0/1 for Yes/No flags, ISO 8601 UTC text such as
//!   `2024-06-01T10:00:00Z` for dates, a JSON array of text for lists, `TEXT` otherwise), with
//!   the primary key `(source, unique_id)`;
//! - `cdr_sync_state`: one watermark per source and filter set;
//! - `cdr_sync_runs`: one row per run (source, window, rows seen, inserted, updated, start,
//!   end, status).

use crate::{
    BatchCounts, BatchInfo, Opened, RowWriter, RunRange, RunStatus, Sink, SyncError, SyncKey, Value,
};
use dlspbx::CellType;
use dlspbx::reports::Column;
use jiff::Timestamp;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{CachedStatement, Connection, OptionalExtension, ToSql, params};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// A SQLite database that receives CDRs. See the module docs.
#[derive(Debug)]
pub struct SqliteSink {
    conn: Connection,
    path: PathBuf,
    _lock: File,
    key: Option<SyncKey>,
    columns: Vec<Column>,
    run: Option<i64>,
}

impl SqliteSink {
    /// Opens (or creates) the database at `path` and takes its lock, refusing
    /// ([`SyncError::Locked`]) when another sync holds it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SyncError> {
        let path = path.as_ref().to_path_buf();
        let lock_path = lock_path(&path);
        let io = |source| SyncError::Io {
            path: lock_path.clone(),
            source,
        };
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(SyncError::Locked {
                    target: path.display().to_string(),
                    lock: format!("the lock on {}", lock_path.display()),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // With WAL, NORMAL loses no committed transaction when the process dies (only, at
        // worst, the last ones on a power cut), and never corrupts the database.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        Ok(SqliteSink {
            conn,
            path,
            _lock: lock,
            key: None,
            columns: Vec::new(),
            run: None,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database connection (for queries after a run).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn insert_sql(&self) -> String {
        let names = self.columns.iter().map(|c| c.as_str()).collect::<Vec<_>>();
        let marks = (1..=names.len() + 1)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>();
        format!(
            "INSERT INTO cdrs (source, {}) VALUES ({}) ON CONFLICT (source, unique_id) DO NOTHING",
            names.join(", "),
            marks.join(", ")
        )
    }

    /// Updates a row that exists only when a cell differs, so that `changes()` counts the
    /// rows that really changed.
    fn update_sql(&self) -> String {
        let others = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != Column::UniqueId)
            .map(|(i, c)| (c.as_str(), i + 2));
        let set = others
            .clone()
            .map(|(c, i)| format!("{c} = ?{i}"))
            .collect::<Vec<_>>();
        let differs = others
            .map(|(c, i)| format!("{c} IS NOT ?{i}"))
            .collect::<Vec<_>>();
        format!(
            "UPDATE cdrs SET {} WHERE source = ?1 AND unique_id = ?2 AND ({})",
            set.join(", "),
            differs.join(" OR ")
        )
    }
}

/// The lock file of the database at `path`: `path` with `.lock` appended.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The SQLite type a report column is stored as.
fn sql_type(cell: CellType) -> &'static str {
    match cell {
        CellType::Int | CellType::Duration => "INTEGER",
        CellType::YesNo => "BOOLEAN",
        _ => "TEXT",
    }
}

/// An instant as stored: ISO 8601 in UTC, to the second (sorts as text).
pub fn iso(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn read_iso(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Int(n) => ToSqlOutput::Owned((*n).into()),
            Value::Bool(b) => ToSqlOutput::Owned(i64::from(*b).into()),
            Value::Time(t) => ToSqlOutput::Owned(iso(*t).into()),
            Value::List(items) => ToSqlOutput::Owned(
                serde_json::to_string(items)
                    .unwrap_or_else(|_| "[]".to_owned())
                    .into(),
            ),
        })
    }
}

const STATE_SQL: &str = "
CREATE TABLE IF NOT EXISTS cdr_sync_state (
  source TEXT NOT NULL,
  filters TEXT NOT NULL,
  watermark TEXT,
  PRIMARY KEY (source, filters)
);
CREATE TABLE IF NOT EXISTS cdr_sync_runs (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  filters TEXT NOT NULL,
  columns TEXT NOT NULL,
  window_from TEXT NOT NULL,
  window_to TEXT NOT NULL,
  rows_seen INTEGER NOT NULL DEFAULT 0,
  inserted INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  watermark TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  error TEXT
);
";

impl Sink for SqliteSink {
    fn open(&mut self, key: &SyncKey, columns: &[Column]) -> Result<Opened, SyncError> {
        let tx = self.conn.transaction()?;
        tx.execute_batch(STATE_SQL)?;
        let mut existing: Vec<(String, String)> = {
            let mut st = tx.prepare("SELECT name, type FROM pragma_table_info('cdrs')")?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        let mut added = Vec::new();
        if existing.is_empty() {
            let cols = columns
                .iter()
                .map(|c| format!("  {} {}", c.as_str(), sql_type(c.cell())))
                .collect::<Vec<_>>();
            tx.execute_batch(&format!(
                "CREATE TABLE cdrs (\n  source TEXT NOT NULL,\n{},\n  PRIMARY KEY (source, unique_id)\n);\nCREATE INDEX cdrs_date ON cdrs (date);",
                cols.join(",\n")
            ))?;
            existing = columns
                .iter()
                .map(|c| (c.as_str().to_owned(), sql_type(c.cell()).to_owned()))
                .collect();
        }
        for c in columns {
            let expected = sql_type(c.cell());
            match existing.iter().find(|(n, _)| n == c.as_str()) {
                Some((_, found)) if !found.eq_ignore_ascii_case(expected) => {
                    return Err(SyncError::Schema {
                        table: "cdrs".to_owned(),
                        column: c.as_str().to_owned(),
                        found: found.clone(),
                        expected,
                    });
                }
                Some(_) => {}
                None => {
                    tx.execute_batch(&format!(
                        "ALTER TABLE cdrs ADD COLUMN {} {expected}",
                        c.as_str()
                    ))?;
                    added.push(*c);
                }
            }
        }
        // Runs whose process died (the lock is ours, so none is running).
        tx.execute(
            "UPDATE cdr_sync_runs SET status = 'abandoned' WHERE status = 'running'",
            [],
        )?;
        let watermark: Option<String> = tx
            .query_row(
                "SELECT watermark FROM cdr_sync_state WHERE source = ?1 AND filters = ?2",
                params![key.source, key.filters],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        tx.commit()?;
        self.key = Some(key.clone());
        self.columns = columns.to_vec();
        Ok(Opened {
            watermark: watermark.as_deref().and_then(read_iso),
            added_columns: added,
        })
    }

    fn start_run(&mut self, range: RunRange) -> Result<(), SyncError> {
        let key = self.key.clone().unwrap_or_default();
        let columns = self
            .columns
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",");
        self.conn.execute(
            "INSERT INTO cdr_sync_runs (source, filters, columns, window_from, window_to, started_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running')",
            params![key.source, key.filters, columns, iso(range.from), iso(range.to), iso(Timestamp::now())],
        )?;
        self.run = Some(self.conn.last_insert_rowid());
        Ok(())
    }

    fn batch(
        &mut self,
        fill: &mut dyn FnMut(&mut dyn RowWriter) -> Result<BatchInfo, SyncError>,
    ) -> Result<BatchCounts, SyncError> {
        let insert = self.insert_sql();
        let update = self.update_sql();
        let source = self
            .key
            .as_ref()
            .map(|k| k.source.clone())
            .unwrap_or_default();
        let filters = self
            .key
            .as_ref()
            .map(|k| k.filters.clone())
            .unwrap_or_default();
        let tx = self.conn.transaction()?;
        let (info, counts) = {
            let mut writer = Writer {
                insert: tx.prepare_cached(&insert)?,
                update: tx.prepare_cached(&update)?,
                source: &source,
                counts: BatchCounts::default(),
            };
            let info = fill(&mut writer)?;
            (info, writer.counts)
        };
        if let Some(newest) = info.newest {
            tx.execute(
                "INSERT INTO cdr_sync_state (source, filters, watermark) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source, filters) DO UPDATE SET watermark = max(coalesce(watermark, ''), excluded.watermark)",
                params![source, filters, iso(newest)],
            )?;
        }
        tx.execute(
            "UPDATE cdr_sync_runs SET rows_seen = rows_seen + ?1, inserted = inserted + ?2, updated = updated + ?3,
             watermark = (SELECT watermark FROM cdr_sync_state WHERE source = ?4 AND filters = ?5) WHERE id = ?6",
            params![
                info.rows as i64,
                counts.inserted as i64,
                counts.updated as i64,
                source,
                filters,
                self.run
            ],
        )?;
        tx.commit()?;
        Ok(counts)
    }

    fn finish_run(&mut self, status: RunStatus, error: Option<&str>) -> Result<(), SyncError> {
        self.conn.execute(
            "UPDATE cdr_sync_runs SET status = ?1, error = ?2, finished_at = ?3 WHERE id = ?4",
            params![status.as_str(), error, iso(Timestamp::now()), self.run],
        )?;
        // Fold the WAL back into the database file at the end of a run.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

struct Writer<'t, 's> {
    insert: CachedStatement<'t>,
    update: CachedStatement<'t>,
    source: &'s str,
    counts: BatchCounts,
}

impl RowWriter for Writer<'_, '_> {
    fn push(&mut self, cells: &[Value<'_>]) -> Result<(), SyncError> {
        fn bind(
            st: &mut CachedStatement<'_>,
            source: &str,
            cells: &[Value<'_>],
        ) -> rusqlite::Result<()> {
            st.raw_bind_parameter(1, source)?;
            for (i, v) in cells.iter().enumerate() {
                st.raw_bind_parameter(i + 2, v)?;
            }
            Ok(())
        }
        bind(&mut self.insert, self.source, cells)?;
        if self.insert.raw_execute()? == 1 {
            self.counts.inserted += 1;
            return Ok(());
        }
        bind(&mut self.update, self.source, cells)?;
        if self.update.raw_execute()? == 1 {
            self.counts.updated += 1;
        }
        Ok(())
    }
}
