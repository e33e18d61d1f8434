//! The Postgres sink against the simulator over real HTTP and a real Postgres server, whose
//! URL `.ci/postgres` puts in `DLSPBX_TEST_POSTGRES_URL`. Without it each test prints
//! SKIPPED.
#![cfg(feature = "postgres")]

mod common;

use common::Db;
use dlspbx_sync::postgres::{PgOptions, PostgresSink};
use dlspbx_sync::{Sink, SyncError};
use jiff::Timestamp;
use std::time::SystemTime;

fn url() -> Option<String> {
    let url = std::env::var("DLSPBX_TEST_POSTGRES_URL").ok();
    if url.is_none() {
        eprintln!("SKIPPED: DLSPBX_TEST_POSTGRES_URL is not set (.ci/postgres start sets it)");
    }
    url
}

struct Pg {
    url: String,
    schema: String,
}

impl Pg {
    /// A database of its own: a fresh schema.
    fn new(url: String, schema: &str) -> Self {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .unwrap();
        Pg {
            url,
            schema: schema.to_owned(),
        }
    }
    fn query_one(
        &self,
        sql: &str,
        p: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Option<postgres::Row> {
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
        c.batch_execute(&format!("SET search_path = {}", self.schema))
            .unwrap();
        match c.query_opt(sql, p) {
            Ok(r) => r,
            Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_COLUMN) => None,
            Err(e) => panic!("{e}"),
        }
    }
}

impl Db for Pg {
    fn open(&self) -> Result<Box<dyn Sink>, SyncError> {
        let options = PgOptions::default().schema(&self.schema);
        Ok(Box::new(PostgresSink::connect(&self.url, &options)?))
    }
    fn counts(&self) -> (i64, i64) {
        let r = self
            .query_one(
                "SELECT count(*), count(DISTINCT (source, unique_id)) FROM cdrs",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1))
    }
    fn watermark(&self) -> Option<Timestamp> {
        let r = self.query_one(
            "SELECT watermark FROM cdr_sync_state WHERE source = $1",
            &[&common::SOURCE],
        )?;
        let t: Option<SystemTime> = r.get(0);
        t.map(|t| Timestamp::try_from(t).unwrap())
    }
    fn uid(&self, newest: bool) -> String {
        let order = if newest { "DESC" } else { "ASC" };
        self.query_one(
            &format!("SELECT unique_id FROM cdrs ORDER BY date {order} LIMIT 1"),
            &[],
        )
        .unwrap()
        .get(0)
    }
    fn cell(&self, unique_id: &str, column: &str) -> Option<String> {
        self.query_one(
            &format!("SELECT {column}::text FROM cdrs WHERE unique_id = $1"),
            &[&unique_id],
        )?
        .get(0)
    }
}

#[test]
fn incremental_sync() {
    let Some(url) = url() else { return };
    common::incremental(&Pg::new(url, "t_incremental"));
}

#[test]
fn columns_grow() {
    let Some(url) = url() else { return };
    common::columns_grow(&Pg::new(url, "t_columns"));
}

#[test]
fn a_second_sync_is_refused() {
    let Some(url) = url() else { return };
    common::second_sync_refused(&Pg::new(url, "t_lock"));
}

#[test]
fn typed_columns() {
    let Some(url) = url() else { return };
    let db = Pg::new(url, "t_types");
    let sim = common::sim(200);
    common::run(&db, &common::client(&sim), &common::sync());
    let r = db
        .query_one(
            "SELECT pg_typeof(date)::text, pg_typeof(bridged)::text, pg_typeof(billable_duration)::text, pg_typeof(involved_queues)::text FROM cdrs LIMIT 1",
            &[],
        )
        .unwrap();
    let types: [String; 4] = [r.get(0), r.get(1), r.get(2), r.get(3)];
    assert_eq!(
        types,
        ["timestamp with time zone", "boolean", "bigint", "text[]"]
    );
    let status: String = db
        .query_one(
            "SELECT status FROM cdr_sync_runs ORDER BY id DESC LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(status, "complete");
}

#[test]
fn the_password_comes_from_a_file_and_never_shows() {
    let Some(url) = url() else { return };
    let (head, host) = url.split_once('@').unwrap();
    let (user_part, password) = head.rsplit_once(':').unwrap();
    let bare = format!("{user_part}@{host}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    std::fs::write(&file, format!("{password}\n")).unwrap();
    let ok = PgOptions::default()
        .schema("t_password")
        .password_file(&file);
    PostgresSink::connect(&bare, &ok).expect("the password file is read");
    std::fs::write(&file, "wrong\n").unwrap();
    let e = PostgresSink::connect(&bare, &ok).unwrap_err();
    let wrong = format!("{user_part}:not-{password}@{host}");
    let e2 = PostgresSink::connect(&wrong, &PgOptions::default()).unwrap_err();
    for e in [e, e2] {
        let text = format!("{e} {e:?}");
        assert!(!text.contains(password), "{text}");
        assert!(text.contains("password"), "{text}");
    }
}
