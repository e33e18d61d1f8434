//! The SQLite sink against the simulator over real HTTP.
#![cfg(feature = "sqlite")]

mod common;

use common::Db;
use dlspbx_sync::sqlite::SqliteSink;
use dlspbx_sync::{Sink, SyncError};
use jiff::Timestamp;
use rusqlite::Connection;
use std::path::PathBuf;

struct Sqlite {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Sqlite {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cdrs.db");
        Sqlite { _dir: dir, path }
    }
    fn conn(&self) -> Connection {
        Connection::open(&self.path).unwrap()
    }
}

impl Db for Sqlite {
    fn open(&self) -> Result<Box<dyn Sink>, SyncError> {
        Ok(Box::new(SqliteSink::open(&self.path)?))
    }
    fn counts(&self) -> (i64, i64) {
        self.conn()
            .query_row(
                "SELECT count(*), count(DISTINCT source || ' ' || unique_id) FROM cdrs",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    }
    fn watermark(&self) -> Option<Timestamp> {
        let w: Option<String> = self
            .conn()
            .query_row(
                "SELECT watermark FROM cdr_sync_state WHERE source = ?1",
                [common::SOURCE],
                |r| r.get(0),
            )
            .ok()?;
        w.map(|w| w.parse().unwrap())
    }
    fn uid(&self, newest: bool) -> String {
        let order = if newest { "DESC" } else { "ASC" };
        let sql = format!("SELECT unique_id FROM cdrs ORDER BY date {order} LIMIT 1");
        self.conn().query_row(&sql, [], |r| r.get(0)).unwrap()
    }
    fn cell(&self, unique_id: &str, column: &str) -> Option<String> {
        let c = self.conn();
        let sql = format!("SELECT CAST({column} AS TEXT) FROM cdrs WHERE unique_id = ?1");
        match c.query_row(&sql, [unique_id], |r| r.get(0)) {
            Ok(v) => v,
            Err(rusqlite::Error::SqlInputError { msg, .. }) if msg.contains("no such column") => {
                None
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn incremental_sync() {
    common::incremental(&Sqlite::new());
}

#[test]
fn columns_grow() {
    common::columns_grow(&Sqlite::new());
}

#[test]
fn a_second_sync_is_refused() {
    common::second_sync_refused(&Sqlite::new());
}

#[test]
fn integrity_and_types() {
    let db = Sqlite::new();
    let sim = common::sim(200);
    common::run(&db, &common::client(&sim), &common::sync());
    let c = db.conn();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let (date, bridged, dur): (String, i64, i64) = c
        .query_row(
            "SELECT date, bridged, billable_duration FROM cdrs ORDER BY date LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(date.ends_with('Z') && date.contains('T'), "{date}");
    assert!(bridged == 0 || bridged == 1);
    assert!(dur >= 0);
    let status: String = c
        .query_row(
            "SELECT status FROM cdr_sync_runs ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "complete");
}
