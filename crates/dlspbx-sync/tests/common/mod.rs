//! What the sync tests share: a simulator, a client for it, CDRs added behind its back, and
//! the scenarios every sink must pass.
#![allow(dead_code)]

use dlspbx::Client;
use dlspbx::reports::Column;
use dlspbx_sim::{Sim, SimConfig};
use dlspbx_sync::{CdrSync, Sink, SyncError, SyncSummary};
use jiff::{SignedDuration, Timestamp};

/// A simulator with `cdrs` seeded CDRs (dates from 2024-01-01, over 180 days).
pub fn sim(cdrs: usize) -> Sim {
    Sim::start_with(SimConfig {
        cdrs,
        ..SimConfig::default()
    })
    .unwrap()
}

pub fn client(sim: &Sim) -> Client {
    Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key(sim.api_key())
        .build()
        .unwrap()
}

/// The CDRs the simulator's demo tenant holds, as the API counts them.
pub fn tenant_cdrs(sim: &Sim) -> i64 {
    use dlspbx::reports::{ReportOption, ReportRequest};
    use dlspbx::sans_io::Modules;
    let request = ReportRequest::new([Column::UniqueId])
        .option(ReportOption::CountOnly(true))
        .option(ReportOption::Timezone("UTC".into()));
    client(sim)
        .reports()
        .report(request)
        .unwrap()
        .total_results()
        .unwrap()
}

/// Adds a copy of the CDR `template` (so, of its tenant) with `unique_id` at `date` (UTC,
/// `YYYY-MM-DD HH:MM:SS`) and `billable_duration`.
pub fn add_cdr(sim: &Sim, template: &str, unique_id: &str, date: &str, billable: i64) {
    sim.with_db(|c| {
        c.execute_batch("DROP TABLE IF EXISTS temp.t").unwrap();
        c.execute(
            "CREATE TEMP TABLE t AS SELECT * FROM cdrs WHERE unique_id = ?1",
            [template],
        )
        .unwrap();
        c.execute(
            "UPDATE t SET id = NULL, unique_id = ?1, date = ?2, billable_duration = ?3",
            rusqlite_params(unique_id, date, billable),
        )
        .unwrap();
        c.execute_batch("INSERT INTO cdrs SELECT * FROM t").unwrap();
    });
}

fn rusqlite_params<'a>(u: &'a str, d: &'a str, b: i64) -> (&'a str, &'a str, i64) {
    (u, d, b)
}

/// Changes an existing CDR's billable duration.
pub fn set_billable(sim: &Sim, unique_id: &str, billable: i64) {
    sim.with_db(|c| {
        c.execute(
            "UPDATE cdrs SET billable_duration = ?2 WHERE unique_id = ?1",
            (unique_id, billable),
        )
        .unwrap()
    });
}

/// What a scenario reads back from a database.
pub trait Db {
    /// A fresh sink on the database (it takes the target's lock).
    fn open(&self) -> Result<Box<dyn Sink>, SyncError>;
    /// [`open`](Db::open), which must succeed.
    fn sink(&self) -> Box<dyn Sink> {
        self.open().unwrap()
    }
    /// `count(*)` and `count(DISTINCT (source, unique_id))` of `cdrs`.
    fn counts(&self) -> (i64, i64);
    /// The stored watermark of the default source, as ISO 8601.
    fn watermark(&self) -> Option<Timestamp>;
    /// The unique ID of the newest (or the oldest) CDR stored.
    fn uid(&self, newest: bool) -> String;
    /// A cell of one CDR, as text (NULL, or no such column, as None).
    fn cell(&self, unique_id: &str, column: &str) -> Option<String>;
}

pub const SOURCE: &str = "pbx.test";

pub fn sync() -> CdrSync {
    CdrSync::new(SOURCE)
        .window(SignedDuration::from_hours(24 * 7))
        .window_rows(250)
        .per_page(100)
        .until("2025-01-01T00:00:00Z".parse().unwrap())
}

pub fn run(db: &dyn Db, client: &Client, sync: &CdrSync) -> SyncSummary {
    let mut sink = db.sink();
    sync.run(client, sink.as_mut(), &mut |_| {}).unwrap()
}

/// First sync, then new CDRs, a late one inside the overlap, one changed: a second sync
/// takes exactly those.
pub fn incremental(db: &dyn Db) {
    let sim = sim(600);
    let client = client(&sim);
    let total = tenant_cdrs(&sim);
    assert!(total > 100, "the demo tenant has {total} CDRs");
    let first = run(db, &client, &sync());
    assert_eq!(first.rows as i64, total, "{first}");
    assert_eq!(first.inserted as i64, total);
    assert_eq!(db.counts(), (total, total));
    let watermark = db.watermark().unwrap();
    assert_eq!(Some(watermark), first.watermark);
    // Nothing new: the overlap is read again, and nothing changes.
    let again = run(db, &client, &sync());
    assert_eq!((again.inserted, again.updated), (0, 0), "{again}");
    assert!(again.rows > 0 && (again.rows as i64) < total, "{again}");
    // New calls after the watermark, one late call inside the overlap, one changed call.
    let after = (watermark + SignedDuration::from_mins(5))
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string();
    let late = (watermark - SignedDuration::from_mins(30))
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string();
    let last_uid = db.uid(true);
    add_cdr(&sim, &last_uid, "new.1", &after, 61);
    add_cdr(&sim, &last_uid, "new.2", &after, 62);
    add_cdr(&sim, &last_uid, "late.1", &late, 63);
    set_billable(&sim, &last_uid, 4242);
    let second = run(db, &client, &sync());
    assert_eq!((second.inserted, second.updated), (3, 1), "{second}");
    assert_eq!(db.counts(), (total + 3, total + 3));
    assert_eq!(db.cell("new.2", "billable_duration").as_deref(), Some("62"));
    assert_eq!(
        db.cell(&last_uid, "billable_duration").as_deref(),
        Some("4242")
    );
    assert_eq!(
        db.watermark()
            .unwrap()
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        after
    );
}

/// A run with more columns: the new ones are added, NULL in the rows already there, and a
/// resync fills them.
pub fn columns_grow(db: &dyn Db) {
    let sim = sim(300);
    let client = client(&sim);
    let total = tenant_cdrs(&sim);
    let narrow = sync().columns([Column::UniqueId, Column::Date, Column::Bridged]);
    run(db, &client, &narrow);
    let some_uid = db.uid(false);
    assert_eq!(db.cell(&some_uid, "src"), None);
    let wide = sync().columns([Column::UniqueId, Column::Date, Column::Bridged, Column::Src]);
    let grown = run(db, &client, &wide);
    assert_eq!(grown.added_columns, [Column::Src], "{grown}");
    assert!(grown.to_string().contains("resync"), "{grown}");
    assert_eq!(
        db.cell(&some_uid, "src"),
        None,
        "older rows keep NULL until a resync"
    );
    let resync = wide
        .clone()
        .resync(true)
        .since("2023-12-31T00:00:00Z".parse().unwrap());
    let filled = run(db, &client, &resync);
    assert_eq!(filled.rows as i64, total);
    assert_eq!(filled.inserted, 0);
    assert!(db.cell(&some_uid, "src").is_some());
    assert_eq!(db.counts(), (total, total));
}

/// A second sync on the same target while one runs is refused.
pub fn second_sync_refused(db: &dyn Db) {
    let held = db.sink();
    let e = db
        .open()
        .err()
        .expect("a second sink on the same target is refused");
    assert!(matches!(e, SyncError::Locked { .. }), "{e:?}");
    assert!(e.to_string().contains("another cdr sync is running"), "{e}");
    drop(held);
    db.open().expect("the lock dies with its holder");
}
