//! Keep your own database of every call: an incremental, exactly-once copy of the PBX's call
//! detail records (CDRs) into SQLite or Postgres.
//!
//! [`CdrSync`] pulls the report's pages through the blocking client and hands the rows, typed
//! by their spec columns, to a [`Sink`]: `sqlite::SqliteSink` (feature `sqlite`) or
//! `postgres::PostgresSink` (feature `postgres`). A program that only wants
//! the client depends on `dlspbx` and compiles neither.
//!
//! How a run works:
//! - It asks for `[watermark − overlap, until]`, in UTC: every request carries
//!   `timezone=UTC` and every date is stored with its zone, so no DST hour is lost or doubled.
//!   The watermark is the newest CDR `date` the server returned and the sink committed (never
//!   the client's clock); the first run starts at [`CdrSync::since`], or at the oldest CDR.
//! - The range is cut into windows ([`CdrSync::window`], one day by default), each halved
//!   while its `count_only` says it holds more than [`CdrSync::window_rows`]; each window is
//!   read in pages ordered by date ([`CdrSync::per_page`]).
//! - Each page is one batch: its rows are upserted by `(source, unique_id)` and the watermark
//!   and the run's counts are written in the same transaction, so a crash at any moment loses
//!   no row and duplicates none, and the next run starts where the last commit ended.
//! - One sync per target at a time: the sink takes a lock that dies with its holder.
//!
//! ```no_run
//! # #[cfg(feature = "sqlite")] {
//! use dlspbx::Client;
//! use dlspbx_sync::{CdrSync, sqlite::SqliteSink};
//!
//! let client = Client::from_env()?;
//! let mut sink = SqliteSink::open("cdrs.db")?;
//! let summary = CdrSync::new("pbx.example.com").run(&client, &mut sink, &mut |_| {})?;
//! println!("{summary}");
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod error;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;
mod value;

pub use error::{SyncError, TargetProblem};
pub use value::Value;

use dlspbx::export::ExportDecoder;
use dlspbx::prelude::*;
use dlspbx::reports::{Column, FilterGroup, OrderDirection, ReportOption, ReportRequest};
use dlspbx::sans_io::Endpoint;
use dlspbx::{ExportRow, Page, RawResponse};
use jiff::{SignedDuration, Timestamp};
use std::fmt;
use std::time::{Duration, Instant};

/// What identifies a watermark: the source and the filter set. The columns are not part of
/// it: a run with more columns goes on from the same watermark (the new columns stay NULL in
/// older rows until a `resync`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncKey {
    /// The PBX or tenant the rows come from (the `source` column).
    pub source: String,
    /// The filter groups, as the JSON of their request parameters (`[]` for none).
    pub filters: String,
}

/// What a sink knows when it is opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opened {
    /// The committed watermark of this source and filter set, if any run committed rows.
    pub watermark: Option<Timestamp>,
    /// The columns this run added to an existing table (NULL in the rows already there).
    pub added_columns: Vec<Column>,
}

/// The range a run covers, recorded in `cdr_sync_runs` when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunRange {
    /// The first second asked for.
    pub from: Timestamp,
    /// The last second asked for.
    pub to: Timestamp,
}

/// What one batch held, handed to the sink with its rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchInfo {
    /// The rows the server returned in the batch.
    pub rows: u64,
    /// The newest `date` among them: the watermark once they are committed.
    pub newest: Option<Timestamp>,
}

/// What the sink did with one batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCounts {
    /// Rows that were not in the table.
    pub inserted: u64,
    /// Rows that were, with at least one different cell.
    pub updated: u64,
}

/// How a run ended, as recorded in `cdr_sync_runs.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Every window was read and committed.
    Complete,
    /// It stopped with an error; the batches committed before it stay.
    Failed,
}

impl RunStatus {
    /// The word stored in `cdr_sync_runs.status` (`running` and `abandoned` are the sinks'
    /// own: a run that is going on, and one whose process died).
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Complete => "complete",
            RunStatus::Failed => "failed",
        }
    }
}

/// Receives the typed cells of one batch's rows, in the order of the sync's columns.
pub trait RowWriter {
    /// Writes one row: its cells in [`CdrSync::columns_used`] order.
    fn push(&mut self, cells: &[Value<'_>]) -> Result<(), SyncError>;
}

/// Where the rows go: a database table `cdrs` with its sync state.
///
/// The engine calls [`open`](Sink::open) once, [`start_run`](Sink::start_run) once, then
/// [`batch`](Sink::batch) for each page, then [`finish_run`](Sink::finish_run).
pub trait Sink {
    /// Creates or migrates the tables for `columns` (the first two are `unique_id` and
    /// `date`) and reads the watermark of `key`. Refuses a second sync on the same target
    /// ([`SyncError::Locked`]), with a lock that dies with its holder.
    fn open(&mut self, key: &SyncKey, columns: &[Column]) -> Result<Opened, SyncError>;
    /// Records the start of a run over `range` (status `running`).
    fn start_run(&mut self, range: RunRange) -> Result<(), SyncError>;
    /// One transaction: calls `fill` with a writer for the rows, then upserts them by
    /// `(source, unique_id)`, raises the watermark to the batch's newest date and adds the
    /// counts to the run, and commits. When `fill` fails nothing of the batch is kept.
    fn batch(
        &mut self,
        fill: &mut dyn FnMut(&mut dyn RowWriter) -> Result<BatchInfo, SyncError>,
    ) -> Result<BatchCounts, SyncError>;
    /// Records the end of the run.
    fn finish_run(&mut self, status: RunStatus, error: Option<&str>) -> Result<(), SyncError>;
}

/// Progress of a run, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Rows committed so far.
    pub rows: u64,
    /// The rows the range held when the run started (`count_only`).
    pub total: u64,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncSummary {
    /// The source synced.
    pub source: String,
    /// The range asked for; `None` when there was nothing to ask for (no CDR at all).
    pub range: Option<RunRange>,
    /// Rows the server returned (a row seen twice, in the overlap, counts twice).
    pub rows: u64,
    /// Rows new to the table.
    pub inserted: u64,
    /// Rows already there, with a changed cell.
    pub updated: u64,
    /// Windows read.
    pub windows: u64,
    /// Requests made (counts and pages).
    pub requests: u64,
    /// The watermark after the run.
    pub watermark: Option<Timestamp>,
    /// Columns added to the table by this run: NULL in older rows until a resync.
    pub added_columns: Vec<Column>,
    /// How long the run took.
    pub elapsed: Duration,
}

impl fmt::Display for SyncSummary {
    /// `2024-06-01 00:00 → 2024-06-02 00:00: 48,112 rows, 47,998 new, 114 updated, 3.1 s`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = |t: Timestamp| t.strftime("%Y-%m-%d %H:%M").to_string();
        match self.range {
            Some(r) => write!(f, "{} → {}: ", day(r.from), day(r.to))?,
            None => f.write_str("no CDRs yet: ")?,
        }
        write!(
            f,
            "{} rows, {} new, {} updated, {:.1} s",
            thousands(self.rows),
            thousands(self.inserted),
            thousands(self.updated),
            self.elapsed.as_secs_f64()
        )?;
        if !self.added_columns.is_empty() {
            let names: Vec<&str> = self.added_columns.iter().map(|c| c.as_str()).collect();
            write!(
                f,
                "; new columns {} are NULL in rows synced before: backfill them with a resync --since DATE",
                names.join(", ")
            )?;
        }
        Ok(())
    }
}

/// `48112` as `48,112`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A CDR sync: what to copy, from when, in what slices. See the crate docs.
#[derive(Debug, Clone)]
pub struct CdrSync {
    source: String,
    columns: Vec<Column>,
    filters: Vec<FilterGroup>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    overlap: SignedDuration,
    window: SignedDuration,
    per_page: u64,
    window_rows: u64,
    resync: bool,
}

impl CdrSync {
    /// A sync of every column, every call, for `source` (the value of the `source` column:
    /// the PBX's host, or a tenant's name), with the defaults: a one-hour overlap, one-day
    /// windows of at most 100,000 rows, pages of 10,000 rows.
    pub fn new(source: impl Into<String>) -> Self {
        CdrSync {
            source: source.into(),
            columns: Column::ALL.to_vec(),
            filters: Vec::new(),
            since: None,
            until: None,
            overlap: SignedDuration::from_hours(1),
            window: SignedDuration::from_hours(24),
            per_page: 10_000,
            window_rows: 100_000,
            resync: false,
        }
    }

    /// The columns to copy (`unique_id` and `date` are always copied).
    pub fn columns(mut self, columns: impl IntoIterator<Item = Column>) -> Self {
        self.columns = columns.into_iter().collect();
        self
    }

    /// Only the calls these filter groups select. Each filter set keeps its own watermark.
    pub fn filters(mut self, groups: Vec<FilterGroup>) -> Self {
        self.filters = groups;
        self
    }

    /// Where the first run (or a resync) starts; by default at the oldest CDR.
    pub fn since(mut self, since: Timestamp) -> Self {
        self.since = Some(since);
        self
    }

    /// Where the run ends; by default now.
    pub fn until(mut self, until: Timestamp) -> Self {
        self.until = Some(until);
        self
    }

    /// How far before the watermark a run starts again, for calls still in progress at the
    /// last run (default one hour).
    pub fn overlap(mut self, overlap: SignedDuration) -> Self {
        self.overlap = overlap;
        self
    }

    /// The length of a window (default one day).
    pub fn window(mut self, window: SignedDuration) -> Self {
        self.window = window;
        self
    }

    /// The rows of one page, and so of one batch (default 10,000).
    pub fn per_page(mut self, rows: u64) -> Self {
        self.per_page = rows.max(1);
        self
    }

    /// The most rows one window may hold before it is halved (default 100,000).
    pub fn window_rows(mut self, rows: u64) -> Self {
        self.window_rows = rows.max(1);
        self
    }

    /// Reads the range from [`since`](Self::since) again, whatever the watermark, to backfill
    /// new columns or repair a copy.
    pub fn resync(mut self, resync: bool) -> Self {
        self.resync = resync;
        self
    }

    /// The columns copied, in the order a [`RowWriter`] gets the cells: `unique_id`, `date`,
    /// then the others as given, each once.
    pub fn columns_used(&self) -> Vec<Column> {
        let mut out = vec![Column::UniqueId, Column::Date];
        for c in &self.columns {
            if !out.contains(c) {
                out.push(*c);
            }
        }
        out
    }

    /// The key of this sync's watermark.
    pub fn key(&self) -> SyncKey {
        let request = ReportRequest::new([Column::UniqueId]).filter_groups(self.filters.clone());
        let params = request.to_params();
        let filters = params
            .get("filter_groups")
            .map(|n| {
                String::from_utf8_lossy(&dlspbx::sans_io::request::body::encode_json(n))
                    .into_owned()
            })
            .unwrap_or_else(|| "[]".to_owned());
        SyncKey {
            source: self.source.clone(),
            filters,
        }
    }

    /// Runs the sync: see the crate docs. `progress` is called after each committed batch.
    /// On an error the run is recorded as failed and the batches committed before it stay.
    pub fn run(
        &self,
        client: &Client,
        sink: &mut dyn Sink,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SyncSummary, SyncError> {
        let started = Instant::now();
        if self.resync && self.since.is_none() {
            return Err(SyncError::ResyncNeedsSince);
        }
        let client = client.with_format(Format::Csv);
        let columns = self.columns_used();
        let opened = sink.open(&self.key(), &columns)?;
        let mut summary = SyncSummary {
            source: self.source.clone(),
            range: None,
            rows: 0,
            inserted: 0,
            updated: 0,
            windows: 0,
            requests: 0,
            watermark: opened.watermark,
            added_columns: opened.added_columns.clone(),
            elapsed: Duration::ZERO,
        };
        let mut fetcher = Fetcher {
            sync: self,
            client: &client,
            columns: &columns,
            requests: 0,
            windows: 0,
        };
        let to = second(self.until.unwrap_or_else(Timestamp::now));
        let from = match (self.resync, opened.watermark, self.since) {
            (false, Some(w), _) => Some(w - self.overlap),
            (_, _, Some(since)) => Some(since),
            (_, _, None) => fetcher.oldest(to)?,
        };
        let Some(from) = from.map(second) else {
            summary.requests = fetcher.requests;
            summary.elapsed = started.elapsed();
            return Ok(summary);
        };
        let range = RunRange { from, to };
        summary.range = Some(range);
        sink.start_run(range)?;
        let result = consume(fetcher, range, &columns, sink, &mut summary, progress);
        let (status, error) = match &result {
            Ok(()) => (RunStatus::Complete, None),
            Err(e) => (RunStatus::Failed, Some(e.to_string())),
        };
        let recorded = sink.finish_run(status, error.as_deref());
        result?;
        recorded?;
        summary.elapsed = started.elapsed();
        Ok(summary)
    }
}

/// What the fetching thread hands to the writing one.
enum Fetched {
    /// The calls the whole range holds (for the progress bar).
    Total(u64),
    /// One page's body, in its format.
    Page(RawResponse),
}

/// The run's two halves: a thread fetches the pages (the counts, the windows, one page
/// ahead) while this one writes the page before into the sink, so that the server's work
/// and the database's overlap. At most two pages are in memory.
fn consume(
    mut fetcher: Fetcher<'_>,
    range: RunRange,
    columns: &[Column],
    sink: &mut dyn Sink,
    summary: &mut SyncSummary,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), SyncError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Fetched, SyncError>>(1);
    std::thread::scope(|scope| {
        let thread = scope.spawn(move || {
            if let Err(e) = fetcher.range(range, &tx) {
                let _ = tx.send(Err(e));
            }
            (fetcher.requests, fetcher.windows)
        });
        let mut total = 0;
        let mut write = || -> Result<(), SyncError> {
            for fetched in rx.iter() {
                let page = match fetched? {
                    Fetched::Total(t) => {
                        total = t;
                        progress(Progress { rows: 0, total });
                        continue;
                    }
                    Fetched::Page(page) => page,
                };
                let mut info = BatchInfo::default();
                let counts = sink.batch(&mut |writer| {
                    info = write_page(&page, columns, writer)?;
                    Ok(info)
                })?;
                summary.rows += info.rows;
                summary.inserted += counts.inserted;
                summary.updated += counts.updated;
                if let Some(newest) = info.newest {
                    summary.watermark = Some(summary.watermark.map_or(newest, |w| w.max(newest)));
                }
                progress(Progress {
                    rows: summary.rows,
                    total: total.max(summary.rows),
                });
            }
            Ok(())
        };
        let result = write();
        // The fetcher stops at its next send once the receiver is gone.
        drop(rx);
        let (requests, windows) = thread.join().unwrap_or((0, 0));
        summary.requests += requests;
        summary.windows += windows;
        result
    })
}

/// `t` rounded down to the second (the API's resolution).
fn second(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second()).unwrap_or(t)
}

/// The wire form of an instant in a report run with `timezone=UTC`.
fn wire(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// The network half of a run: counts, windows and pages.
struct Fetcher<'s> {
    sync: &'s CdrSync,
    client: &'s Client,
    columns: &'s [Column],
    requests: u64,
    windows: u64,
}

type Pages = std::sync::mpsc::SyncSender<Result<Fetched, SyncError>>;

/// The receiving half is gone: the writer stopped (its error is the run's).
struct Stopped;

impl Fetcher<'_> {
    /// A report request over `[from, to]` (both inclusive, to the second), in UTC.
    fn request(&self, from: Timestamp, to: Timestamp, columns: Vec<Column>) -> ReportRequest {
        ReportRequest::new(columns)
            .filter_groups(self.sync.filters.clone())
            .option(ReportOption::Timezone("UTC".to_owned()))
            .option(ReportOption::From(wire(from)))
            .option(ReportOption::To(wire(to)))
    }

    /// How many calls `[from, to]` holds.
    fn count(&mut self, from: Timestamp, to: Timestamp) -> Result<u64, SyncError> {
        self.requests += 1;
        let request = self
            .request(from, to, vec![Column::UniqueId])
            .option(ReportOption::CountOnly(true));
        let table = self.client.reports().report(request)?;
        let total = table
            .total_results()
            .ok_or(SyncError::NoCount { from, to })?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// The date of the oldest call up to `to`, for a first run without `since`.
    fn oldest(&mut self, to: Timestamp) -> Result<Option<Timestamp>, SyncError> {
        self.requests += 1;
        let request = self
            .request(Timestamp::UNIX_EPOCH, to, vec![Column::Date])
            .option(ReportOption::OrderBy(Column::Date))
            .option(ReportOption::OrderDirection(OrderDirection::Ascending))
            .option(ReportOption::PerPage(1))
            .option(ReportOption::Page(Page::Number(0)));
        let mut oldest = None;
        self.client.report_stream(&request, |row: ExportRow<'_>| {
            let text = row.row.get(0).unwrap_or_default();
            oldest = Some(value::date(text).map_err(|expected| SyncError::Cell {
                unique_id: String::new(),
                column: Column::Date,
                value: text.to_owned(),
                expected,
            })?);
            Ok::<(), SyncError>(())
        })?;
        Ok(oldest)
    }

    /// Every window of `range`, in order; a send that fails means the writer stopped.
    fn range(&mut self, range: RunRange, pages: &Pages) -> Result<(), SyncError> {
        let total = self.count(range.from, range.to)?;
        if pages.send(Ok(Fetched::Total(total))).is_err() || total == 0 {
            return Ok(());
        }
        let one = SignedDuration::from_secs(1);
        let mut start = range.from;
        while start <= range.to {
            let end = (start + self.sync.window.max(one) - one).min(range.to);
            if self.window(start, end, pages)?.is_err() {
                return Ok(());
            }
            start = end + one;
        }
        Ok(())
    }

    /// One window `[from, to]`: halved while it holds more than `window_rows`, then fetched
    /// in pages ordered by date, one batch each.
    fn window(
        &mut self,
        from: Timestamp,
        to: Timestamp,
        pages: &Pages,
    ) -> Result<Result<(), Stopped>, SyncError> {
        let count = self.count(from, to)?;
        if count == 0 {
            return Ok(Ok(()));
        }
        let span = to.duration_since(from);
        if count > self.sync.window_rows && span >= SignedDuration::from_secs(2) {
            let mid = second(from + span / 2);
            if self.window(from, mid, pages)?.is_err() {
                return Ok(Err(Stopped));
            }
            return self.window(mid + SignedDuration::from_secs(1), to, pages);
        }
        self.windows += 1;
        let per_page = self.sync.per_page;
        let (mut count, mut page) = (count, 0);
        loop {
            while page < count.div_ceil(per_page) {
                let request = self
                    .request(from, to, self.columns.to_vec())
                    .option(ReportOption::OrderBy(Column::Date))
                    .option(ReportOption::OrderDirection(OrderDirection::Ascending))
                    .option(ReportOption::PerPage(per_page))
                    .option(ReportOption::Page(Page::Number(page)));
                self.requests += 1;
                let raw = self.client.call_raw(request)?;
                if !raw.is_success() {
                    return Err(
                        dlspbx::export::status_error(raw.format, raw.status, &raw.body).into(),
                    );
                }
                if pages.send(Ok(Fetched::Page(raw))).is_err() {
                    return Ok(Err(Stopped));
                }
                page += 1;
            }
            // Calls that arrived in the window while it was read (the newest window is where
            // they land): beyond the pages planned from the first count, they would be
            // missed, so the window is counted again and the pages it grew are read too.
            let now = self.count(from, to)?;
            if now <= page * per_page {
                break;
            }
            count = now;
        }
        Ok(Ok(()))
    }
}

/// Decodes one page's body and writes its rows: each row's cells typed by their spec
/// columns, in `columns` order, found in the header by name or label.
fn write_page(
    page: &RawResponse,
    columns: &[Column],
    writer: &mut dyn RowWriter,
) -> Result<BatchInfo, SyncError> {
    let mut info = BatchInfo::default();
    let mut positions: Vec<Option<usize>> = Vec::new();
    let mut on_row = |row: ExportRow<'_>| -> Result<(), SyncError> {
        if positions.is_empty() {
            positions = columns
                .iter()
                .map(|c| {
                    row.columns
                        .iter()
                        .position(|h| Column::from_name_or_label(h) == Some(*c))
                })
                .collect();
            if let Some(missing) = columns.iter().zip(&positions).find(|(_, p)| p.is_none()) {
                return Err(SyncError::MissingColumn(*missing.0));
            }
        }
        let uid = || {
            row.row
                .get(positions[0].unwrap_or(0))
                .unwrap_or_default()
                .to_owned()
        };
        let cells = columns
            .iter()
            .zip(&positions)
            .map(|(c, p)| {
                let text = p.and_then(|i| row.row.get(i)).unwrap_or_default();
                Value::of(c.cell(), text).map_err(|expected| SyncError::Cell {
                    unique_id: uid(),
                    column: *c,
                    value: text.to_owned(),
                    expected,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let Value::Time(date) = cells[1] else {
            return Err(SyncError::Cell {
                unique_id: uid(),
                column: Column::Date,
                value: String::new(),
                expected: "a date and time (every CDR has one)",
            });
        };
        info.newest = Some(info.newest.map_or(date, |n: Timestamp| n.max(date)));
        info.rows += 1;
        writer.push(&cells)
    };
    let mut decoder = ExportDecoder::new(page.format);
    decoder.feed(&page.body, &mut on_row)?;
    decoder.finish(&mut on_row)?;
    Ok(info)
}
