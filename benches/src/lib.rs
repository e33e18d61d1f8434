//! Inputs and baselines for the criterion benches in `benches/`.
//!
//! - [`inputs`]: realistic response bodies (a CDR report with all 51 columns, status responses, an
//!   SMS page) written by the core's own writers, so they are byte for byte what the simulator
//!   (and the PHP server it imitates) sends, and a report request with many filter groups.
//! - [`baseline`]: what a user would write without this crate: serde into owned structs with
//!   `String` fields, with `serde_json`, `quick-xml`'s serde support, the (deprecated)
//!   `serde_yaml`, and the `csv` crate's `StringRecord`; and `serde_qs` for form encoding.
//!   For CSV, `simd-csv`'s zero-copy reader is benched too, as a reference for what this
//!   machine can do rather than a baseline: it reads RFC 4180 (not PHP's escapes) and hands out
//!   bytes without checking them as UTF-8.
//!
//! Every benched decoder iterates over every cell and folds the cells into a [`Digest`], so that
//! nothing is optimised away and the tests can check that ours and the baselines read the same.

pub mod baseline;
pub mod inputs;

use dlspbx_core::Endpoint;
use dlspbx_core::Format;
use dlspbx_core::reports::ReportRequest;

/// A cheap summary of every cell read: how many and their total length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Digest {
    /// Rows read.
    pub rows: usize,
    /// Cells read.
    pub cells: usize,
    /// Total bytes of cell text.
    pub bytes: usize,
}

impl Digest {
    /// Adds one cell.
    #[inline]
    pub fn cell(&mut self, s: &str) {
        self.cells += 1;
        self.bytes += s.len();
    }
}

/// Ours: decodes a report with [`ReportRequest::decode`] and reads every cell through
/// [`dlspbx_core::report::ReportTable::rows`].
pub fn ours_report(format: Format, body: &[u8]) -> Digest {
    let table = ReportRequest::decode(format, body).expect("the generated report decodes");
    let mut d = Digest::default();
    for c in &table.columns {
        d.cell(c);
    }
    for row in table.rows() {
        let row = row.expect("every generated row decodes");
        d.rows += 1;
        for c in &row.cells {
            d.cell(c);
        }
    }
    d
}
