//! The errors of a sync.

use dlspbx::reports::Column;
use jiff::Timestamp;
use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;

/// Why a sync stopped. Every variant keeps its cause ([`source`](StdError::source)); none
/// holds a password or an API key.
#[derive(Debug)]
#[non_exhaustive]
pub enum SyncError {
    /// The API call failed (transport, server error, a body that does not decode).
    Api(dlspbx::Error),
    /// The SQLite database failed.
    #[cfg(feature = "sqlite")]
    Sqlite(rusqlite::Error),
    /// The Postgres server failed, or refused the connection.
    #[cfg(feature = "postgres")]
    Postgres(::postgres::Error),
    /// Another sync holds the target's lock.
    Locked {
        /// The target, without its password (`cdrs.db`, `postgres://user@host/db`).
        target: String,
        /// The lock that is held (the lock file, or the advisory lock).
        lock: String,
    },
    /// A file next to the target (the lock file, a password file) cannot be used.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A cell that is not what its column holds.
    Cell {
        /// The row's unique ID.
        unique_id: String,
        /// The column.
        column: Column,
        /// The cell's text.
        value: String,
        /// What the column holds.
        expected: &'static str,
    },
    /// The server left out a column the sync asked for.
    MissingColumn(Column),
    /// The server answered a `count_only` request without `total_results`.
    NoCount {
        /// The window's start.
        from: Timestamp,
        /// The window's end.
        to: Timestamp,
    },
    /// A resync was asked for without the date to start from.
    ResyncNeedsSince,
    /// The existing table has a column of another type than the sync writes.
    Schema {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type in the table.
        found: String,
        /// The type the sync writes.
        expected: &'static str,
    },
    /// The target's connection settings are not usable.
    Target {
        /// The target, without its password.
        target: String,
        /// What is wrong, and what is allowed.
        problem: TargetProblem,
    },
}

/// What is wrong with a target's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetProblem {
    /// The URL does not parse.
    Url(String),
    /// An `sslmode` this client cannot honour.
    SslMode(String),
    /// A schema name that is not a plain identifier.
    Schema(String),
}

impl fmt::Display for TargetProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetProblem::Url(why) => write!(f, "not a Postgres URL: {why}"),
            TargetProblem::SslMode(mode) => write!(
                f,
                "sslmode={mode} is not supported; use disable, prefer, require or verify-full"
            ),
            TargetProblem::Schema(s) => write!(
                f,
                "schema {s:?} is not a plain identifier (letters, digits and _, not starting with a digit)"
            ),
        }
    }
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Api(e) => write!(f, "{e}"),
            #[cfg(feature = "sqlite")]
            SyncError::Sqlite(e) => write!(f, "SQLite: {e}"),
            #[cfg(feature = "postgres")]
            SyncError::Postgres(e) => match e.as_db_error() {
                Some(db) => write!(f, "Postgres: {}", db.message()),
                None => write!(f, "Postgres: {e}"),
            },
            SyncError::Locked { target, lock } => write!(
                f,
                "another cdr sync is running on {target} (it holds {lock}); wait for it to finish"
            ),
            SyncError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            SyncError::Cell {
                unique_id,
                column,
                value,
                expected,
            } => write!(
                f,
                "CDR {unique_id:?}: column {} is {value:?}, which is not {expected}",
                column.as_str()
            ),
            SyncError::MissingColumn(c) => write!(
                f,
                "the server's report has no column {}, which the sync asked for",
                c.as_str()
            ),
            SyncError::NoCount { from, to } => write!(
                f,
                "the server did not say how many CDRs {from} .. {to} holds (count_only answered no total_results)"
            ),
            SyncError::ResyncNeedsSince => {
                f.write_str("a resync needs the date to start from (--since)")
            }
            SyncError::Schema {
                table,
                column,
                found,
                expected,
            } => write!(
                f,
                "table {table} has column {column} of type {found}, but the sync writes {expected}; rename or drop it"
            ),
            SyncError::Target { target, problem } => write!(f, "{target}: {problem}"),
        }
    }
}

impl StdError for SyncError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SyncError::Api(e) => Some(e),
            #[cfg(feature = "sqlite")]
            SyncError::Sqlite(e) => Some(e),
            #[cfg(feature = "postgres")]
            SyncError::Postgres(e) => Some(e),
            SyncError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<dlspbx::Error> for SyncError {
    fn from(e: dlspbx::Error) -> Self {
        SyncError::Api(e)
    }
}

#[cfg(feature = "sqlite")]
impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
        SyncError::Sqlite(e)
    }
}

#[cfg(feature = "postgres")]
impl From<::postgres::Error> for SyncError {
    fn from(e: ::postgres::Error) -> Self {
        SyncError::Postgres(e)
    }
}
