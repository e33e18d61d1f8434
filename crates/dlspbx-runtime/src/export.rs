//! Streaming report export, shared by both clients: the request it sends and an incremental
//! decoder that turns the body into rows as the bytes arrive.
//!
//! `Client::report_export` (blocking) and `dlspbx_async::Client::report_export` send the
//! request of [`export_request`] and feed every chunk of the response body to one
//! [`ExportDecoder`], which hands each complete row to the caller's callback and keeps only
//! the incomplete tail of the body (at most one row) in memory. The decoder does no I/O, so
//! it also works on bytes from anywhere else (a file, another HTTP stack):
//!
//! ```
//! use dlspbx::Format;
//! use dlspbx::export::{ExportDecoder, ExportRow};
//!
//! let body = br#"{"result":"success","total_results":"2","columns":["unique_id"],"results":[["1.1"],["2.2"]]}"#;
//! let mut decoder = ExportDecoder::new(Format::Json);
//! let mut ids = Vec::new();
//! let mut on_row = |row: ExportRow<'_>| {
//!     ids.push(row.row.get(0).unwrap_or_default().to_owned());
//!     Ok::<(), dlspbx::Error>(())
//! };
//! for chunk in body.chunks(7) {
//!     decoder.feed(chunk, &mut on_row)?;
//! }
//! let summary = decoder.finish(&mut on_row)?;
//! assert_eq!(ids, ["1.1", "2.2"]);
//! assert_eq!((summary.rows, summary.total_results), (2, Some(2)));
//! # Ok::<(), dlspbx::Error>(())
//! ```

use dlspbx_core::error::{ConfigError, ConfigKind, StateError};
use dlspbx_core::report::{ColumnIndex, FromCell, Page, Row, de, json_cell, read_json_row};
use dlspbx_core::reports::Column;
use dlspbx_core::reports::{ReportOption, ReportRequest};
use dlspbx_core::wire::json_scan::{ErrorKind, ScanError, Scanner, Token};
use dlspbx_core::wire::preamble::{self, PhpDiagnostic, Scan};
use dlspbx_core::{DecodeError, Error, Format, Position, http};
use std::sync::OnceLock;

/// One row of a `report_export`, borrowed for the duration of the callback.
#[derive(Debug)]
#[non_exhaustive]
pub struct ExportRow<'r> {
    /// The row's position, from 0.
    pub index: u64,
    /// The column names announced before the rows (the CSV header, or the JSON `columns`).
    pub columns: &'r [String],
    /// `total_results` as read before this row: a JSON body's (the PHP server writes it
    /// before the rows); `None` when it was not (a CSV body never has one; a JSON body may
    /// give it after the rows, in [`ExportSummary::total_results`]).
    pub total_results: Option<i64>,
    /// The report's title as read before this row, like [`total_results`](Self::total_results).
    pub title: Option<&'r str>,
    /// The cells, in column order.
    pub row: Row<'r>,
    /// The header read once ([`ColumnIndex`]), on the first typed read of the export.
    column_index: &'r OnceLock<ColumnIndex>,
}

impl<'r> ExportRow<'r> {
    /// The header, read once for every row: where each [`Column`] is.
    pub fn column_index(&self) -> &'r ColumnIndex {
        let columns = self.columns;
        self.column_index.get_or_init(|| ColumnIndex::new(columns))
    }

    /// The cell of `column` read as `T` ([`Row::read`]): `Ok(None)` when the report has no
    /// such column or the cell is empty.
    ///
    /// ```
    /// use dlspbx::Format;
    /// use dlspbx::export::{ExportDecoder, ExportRow};
    /// use dlspbx::reports::Column;
    ///
    /// let body = br#"{"columns":["unique_id","billable_duration"],"results":[["1.1","85"],["2.2","00:00:41"]]}"#;
    /// let mut decoder = ExportDecoder::new(Format::Json);
    /// let mut total = 0;
    /// let mut on_row = |row: ExportRow<'_>| {
    ///     total += row.read::<u64>(Column::BillableDuration)?.unwrap_or(0);
    ///     Ok::<(), dlspbx::Error>(())
    /// };
    /// decoder.feed(body, &mut on_row)?;
    /// decoder.finish(&mut on_row)?;
    /// assert_eq!(total, 126);
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn read<'s, T: FromCell<'s>>(
        &'s self,
        column: Column,
    ) -> Result<Option<T>, dlspbx_core::CellError> {
        self.row.read(self.column_index(), column)
    }

    /// The row deserialized into `T` by column name (the core's [`de`]: the caller's own
    /// `#[derive(Deserialize)]` struct, or [`Cdr`](dlspbx_core::reports::Cdr)), taking its
    /// cells: text fields borrow the chunk being decoded, or take the cell the wire escaped.
    ///
    /// ```
    /// use dlspbx::Format;
    /// use dlspbx::export::{ExportDecoder, ExportRow};
    /// use dlspbx::reports::Cdr;
    ///
    /// let body = br#"{"columns":["unique_id","Bridged"],"results":[["1.1","Yes"],["2.2","No"]]}"#;
    /// let mut decoder = ExportDecoder::new(Format::Json);
    /// let mut bridged = Vec::new();
    /// let mut on_row = |row: ExportRow<'_>| {
    ///     let cdr: Cdr = row.deserialize()?;
    ///     bridged.push(cdr.bridged);
    ///     Ok::<(), dlspbx::Error>(())
    /// };
    /// decoder.feed(body, &mut on_row)?;
    /// decoder.finish(&mut on_row)?;
    /// assert_eq!(bridged, [Some(true), Some(false)]);
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn deserialize<T: serde::Deserialize<'r>>(self) -> Result<T, dlspbx_core::CellError> {
        let index = self.column_index();
        de::from_row(self.row, index)
    }
}

/// What a `report_export` read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ExportSummary {
    /// The format the report was streamed in (CSV or JSON).
    pub format: Format,
    /// The column names.
    pub columns: Vec<String>,
    /// Rows passed to the callback.
    pub rows: u64,
    /// `total_results` (JSON; in CSV only a `count_only` report carries it).
    pub total_results: Option<i64>,
    /// The report's title (JSON only).
    pub title: Option<String>,
    /// The PHP diagnostics the server printed before the body (`display_errors` on), which
    /// the decoder skipped and logged as `tracing` warnings; empty for a normal body.
    pub server_warnings: Vec<PhpDiagnostic>,
}

/// The request for every row at once: `request` without `page`, `per_page` and
/// `page_offset`, with `page=ALL`.
///
/// ```
/// use dlspbx::Page;
/// use dlspbx::reports::{Column, ReportOption, ReportRequest};
/// let request = ReportRequest::new([Column::UniqueId]).option(ReportOption::PerPage(10));
/// let all = dlspbx::export::export_request(request);
/// assert_eq!(all.options, [ReportOption::Page(Page::All)]);
/// ```
pub fn export_request(mut request: ReportRequest) -> ReportRequest {
    request.options.retain(|o| {
        !matches!(
            o,
            ReportOption::Page(_) | ReportOption::PerPage(_) | ReportOption::PageOffset(_)
        )
    });
    request.options.push(ReportOption::Page(Page::All));
    request
}

/// The format an export is streamed in for a client asking for `format`: CSV for CSV, JSON
/// for everything else (the formats with an incremental decoder). The rows are the same
/// either way, so a build that can stream only one of the two (features `json`, `csv`) uses
/// that one; with neither, JSON, which the request then refuses with [`Error::Config`].
///
/// ```
/// use dlspbx::Format;
/// use dlspbx::export::export_format;
/// # #[cfg(all(feature = "json", feature = "csv"))] {
/// assert_eq!(export_format(Format::Csv), Format::Csv);
/// assert_eq!(export_format(Format::Yaml), Format::Json);
/// # }
/// ```
pub fn export_format(format: Format) -> Format {
    let csv = require(Format::Csv).is_ok();
    let json = require(Format::Json).is_ok();
    if (format == Format::Csv || !json) && csv {
        Format::Csv
    } else {
        Format::Json
    }
}

/// The error for an export answered with a non-2xx `status`: the server's message when the
/// body is the error shape, else [`Error::Status`].
///
/// ```
/// use dlspbx::{Error, Format};
/// let body = br#"{"result":"error","error":"Database busy"}"#;
/// let error = dlspbx::export::status_error(Format::Json, 503, body);
/// assert!(matches!(error, Error::Server { message } if message == "Database busy"));
/// ```
pub fn status_error(format: Format, status: u16, body: &[u8]) -> Error {
    match http::decode::<ReportRequest>(format, status, body) {
        Err(e) => e,
        Ok(_) => Error::Status {
            status,
            body_excerpt: String::new(),
        },
    }
}

/// `Ok` when this build can stream a report in `format` (CSV needs this crate's `csv` feature
/// as well as the core's; JSON the `json` feature), else the [`Error::Config`] naming it.
fn require(format: Format) -> Result<(), Error> {
    if format == Format::Csv && !cfg!(feature = "csv") {
        return Err(Error::Config(ConfigError::new(
            ConfigKind::Unsupported,
            "this build of dlspbx has no CSV support; enable the `csv` feature of dlspbx (or \
             dlspbx-async)",
        )));
    }
    format.require().map(drop)
}

/// The largest row (or header value) an [`ExportDecoder`] buffers by default: 16 MiB.
pub const DEFAULT_MAX_ROW_SIZE: usize = 16 << 20;

/// An incremental decoder of a report body (JSON or CSV) into rows: feed it the body in
/// chunks of any size with [`feed`](Self::feed), then call [`finish`](Self::finish).
///
/// Memory is bounded by the largest row, not the body: complete rows are handed to the
/// callback and dropped, and only the incomplete tail is kept. A row (or, in JSON, a value
/// before the rows) larger than the [`max_row_size`](Self::max_row_size) is an error.
///
/// - **JSON**: the report object. `result`, `error`, `total_results`, `title` and `columns`
///   fill the [`ExportSummary`]; `results`, an array of arrays of scalars, is decoded row by
///   row; other keys are skipped without being buffered. Cells are text: strings as they are
///   (borrowed from the body unless escaped), numbers as written, `true`/`false` as `1`/`0`,
///   `null` as empty (as [`ReportTable::rows`](dlspbx_core::report::ReportTable::rows)
///   decodes them). `"result": "error"` ends the export with [`Error::Server`].
/// - **CSV**: RFC 4180 (quoted fields, doubled quotes, any line ending); the first record is
///   the header. The error shape `result,error` / `error,<message>` is [`Error::Server`]. A
///   `count_only` report, the header `total_results` and one record with the number, gives
///   [`ExportSummary::total_results`] and no rows; an empty body gives no rows either.
///
/// A UTF-8 byte order mark, blank lines and PHP diagnostics before the body are skipped (the
/// diagnostics are kept in [`ExportSummary::server_warnings`]); a PHP fatal error is
/// [`Error::PhpFatal`] and an HTML page [`Error::HtmlPage`] (see
/// [`dlspbx_core::wire::preamble`]). Malformed or truncated bodies are [`Error::Decode`] with
/// the byte offset in the body.
#[derive(Debug)]
pub struct ExportDecoder {
    /// Unconsumed bytes; `buf[..pos]` is consumed and dropped after each feed.
    buf: Vec<u8>,
    pos: usize,
    /// Body bytes dropped before `buf[0]`.
    offset: u64,
    max_row: usize,
    /// What comes before the body (byte order mark, PHP diagnostics) was skipped.
    preamble_done: bool,
    failed: bool,
    summary: ExportSummary,
    /// `summary.columns`, read once, when a row is first read by column.
    column_index: OnceLock<ColumnIndex>,
    state: State,
}

#[derive(Debug)]
enum State {
    Json(Json),
    #[cfg(feature = "csv")]
    Csv(Box<Csv>),
}

/// Where the JSON decoder is in the report object.
#[derive(Debug)]
struct Json {
    at: JsonAt,
    /// The nesting depth inside a value being skipped.
    skip: usize,
    /// A key, header value or row is tried again once this many bytes from its start are
    /// buffered (twice what the last try had), so that a long one is not scanned per chunk.
    wait: usize,
    result: String,
    error: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonAt {
    /// Before the opening `{`.
    Start,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,`: a key.
    Key,
    /// After a key: `:`.
    Colon(Key),
    /// After `:`: the value of the key.
    Value(Key),
    /// After the opening `[` of `results`: a row or `]`.
    FirstRow,
    /// After `,` in `results`: a row.
    Row,
    /// After a row: `,` or `]`.
    AfterRow,
    /// After a value: `,` or `}`.
    AfterValue,
    /// After the closing `}`: only whitespace.
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Result,
    Error,
    TotalResults,
    Title,
    Columns,
    Results,
    Other,
}

impl Key {
    fn of(name: &str) -> Key {
        match name {
            "result" => Key::Result,
            "error" => Key::Error,
            "total_results" => Key::TotalResults,
            "title" => Key::Title,
            "columns" => Key::Columns,
            "results" => Key::Results,
            _ => Key::Other,
        }
    }
}

/// The CSV decoder: csv-core's push parser and the record being assembled.
#[cfg(feature = "csv")]
#[derive(Debug)]
struct Csv {
    reader: csv_core::Reader,
    /// The unescaped bytes of the record so far.
    out: Vec<u8>,
    out_len: usize,
    /// Field end offsets in `out`.
    ends: Vec<usize>,
    ends_len: usize,
    /// Body offset where the current record starts.
    record_start: u64,
    header: bool,
    /// The header was `result,error`: the next record holds the server's message.
    error_shape: bool,
    /// The header was `total_results` alone (a `count_only` report,
    /// `dlspbx_core::report::CSV_COUNT_HEADER`): the next record holds the total, and there
    /// are no rows.
    count_shape: bool,
}

impl ExportDecoder {
    /// A decoder for a body in `format`: CSV, or JSON for any other format (see
    /// [`export_format`]).
    ///
    /// ```
    /// use dlspbx::Format;
    /// use dlspbx::export::ExportDecoder;
    /// // XML, YAML and plain text have no incremental decoder: they are read as JSON.
    /// assert_eq!(ExportDecoder::new(Format::Xml).summary().format, Format::Json);
    /// ```
    pub fn new(format: Format) -> Self {
        let format = export_format(format);
        let state = match format {
            #[cfg(feature = "csv")]
            Format::Csv => State::Csv(Box::new(Csv {
                reader: csv_core::Reader::new(),
                out: vec![0; 4096],
                out_len: 0,
                ends: vec![0; 64],
                ends_len: 0,
                record_start: 0,
                header: false,
                error_shape: false,
                count_shape: false,
            })),
            _ => State::Json(Json {
                at: JsonAt::Start,
                skip: 0,
                wait: 0,
                result: String::new(),
                error: String::new(),
            }),
        };
        ExportDecoder {
            buf: Vec::new(),
            pos: 0,
            offset: 0,
            max_row: DEFAULT_MAX_ROW_SIZE,
            preamble_done: false,
            failed: false,
            summary: ExportSummary {
                format,
                ..ExportSummary::default()
            },
            column_index: OnceLock::new(),
            state,
        }
    }

    /// Sets the largest row (or JSON value before the rows), in bytes, the decoder buffers
    /// ([`DEFAULT_MAX_ROW_SIZE`] by default).
    #[must_use]
    ///
    /// ```
    /// use dlspbx::{Error, Format};
    /// use dlspbx::export::{ExportDecoder, ExportRow};
    /// # #[cfg(feature = "csv")] {
    /// let mut decoder = ExportDecoder::new(Format::Csv).max_row_size(8);
    /// let result = decoder.feed(b"a\n0123456789\n", &mut |_: ExportRow<'_>| Ok::<(), Error>(()));
    /// assert!(matches!(result, Err(Error::Decode(_))));
    /// # }
    /// ```
    pub fn max_row_size(mut self, bytes: usize) -> Self {
        self.max_row = bytes.max(1);
        self
    }

    /// What has been decoded so far: the columns, the rows passed to the callback and, in
    /// JSON, the header fields seen.
    ///
    /// ```
    /// use dlspbx::{Error, Format};
    /// use dlspbx::export::{ExportDecoder, ExportRow};
    /// # #[cfg(feature = "csv")] {
    /// let mut decoder = ExportDecoder::new(Format::Csv);
    /// decoder.feed(b"unique_id,date\n1.1,2024-", &mut |_: ExportRow<'_>| Ok::<(), Error>(()))?;
    /// assert_eq!(decoder.summary().columns, ["unique_id", "date"]);
    /// assert_eq!(decoder.summary().rows, 0); // the first row is not complete yet
    /// # }
    /// # Ok::<(), Error>(())
    /// ```
    pub fn summary(&self) -> &ExportSummary {
        &self.summary
    }

    /// Decodes the next `bytes` of the body, calling `on_row` for each row they complete.
    ///
    /// An error of `on_row` stops the decoder and is returned as is; decoding errors are
    /// converted with `E: From<Error>`. After an error, the decoder refuses further input.
    ///
    /// ```
    /// use dlspbx::{Error, Format};
    /// use dlspbx::export::{ExportDecoder, ExportRow};
    /// # #[cfg(feature = "csv")] {
    /// let mut rows = Vec::new();
    /// let mut on_row = |row: ExportRow<'_>| {
    ///     rows.push(row.row.get(0).unwrap_or_default().to_owned());
    ///     Ok::<(), Error>(())
    /// };
    /// let mut decoder = ExportDecoder::new(Format::Csv);
    /// decoder.feed(b"unique_id\n1.1\n2.", &mut on_row)?;
    /// decoder.feed(b"2\n", &mut on_row)?;
    /// decoder.finish(&mut on_row)?;
    /// assert_eq!(rows, ["1.1", "2.2"]);
    /// # }
    /// # Ok::<(), Error>(())
    /// ```
    pub fn feed<F, E>(&mut self, bytes: &[u8], on_row: &mut F) -> Result<(), E>
    where
        F: FnMut(ExportRow<'_>) -> Result<(), E>,
        E: From<Error>,
    {
        if self.failed {
            return Err(Error::State(StateError::ExportFailed).into());
        }
        self.buf.extend_from_slice(bytes);
        let result = self.run(false, on_row);
        self.compact();
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    /// Ends the body: decodes what is left, checks that the body was complete and returns
    /// the summary (or the server's error message, for the error shape).
    ///
    /// ```
    /// use dlspbx::{Error, Format};
    /// use dlspbx::export::{ExportDecoder, ExportRow};
    /// let mut on_row = |_: ExportRow<'_>| Ok::<(), Error>(());
    /// // A body cut short is an error, not a shorter report.
    /// let mut decoder = ExportDecoder::new(Format::Json);
    /// decoder.feed(br#"{"results":[["1"],["#, &mut on_row)?;
    /// assert!(matches!(decoder.finish(&mut on_row), Err(Error::Decode(_))));
    /// // The server's error shape is the server's message.
    /// let mut decoder = ExportDecoder::new(Format::Json);
    /// decoder.feed(br#"{"result":"error","error":"Invalid API credentials"}"#, &mut on_row)?;
    /// assert!(matches!(decoder.finish(&mut on_row), Err(Error::Server { .. })));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn finish<F, E>(mut self, on_row: &mut F) -> Result<ExportSummary, E>
    where
        F: FnMut(ExportRow<'_>) -> Result<(), E>,
        E: From<Error>,
    {
        if self.failed {
            return Err(Error::State(StateError::ExportFailed).into());
        }
        self.run(true, on_row)?;
        let incomplete = matches!(&self.state, State::Json(json) if json.at != JsonAt::End);
        if incomplete {
            let what = if self.buf.len() > self.pos {
                "an incomplete value"
            } else {
                "the end of the report object"
            };
            let message = format!("truncated body: expected {what}");
            return Err(self.error_at(self.pos, message).into());
        }
        match &mut self.state {
            State::Json(json) => {
                if json.result == "error" {
                    let message = std::mem::take(&mut json.error);
                    return Err(Error::Server { message }.into());
                }
            }
            #[cfg(feature = "csv")]
            State::Csv(csv) => {
                if csv.error_shape {
                    // `result,error` with no message record.
                    return Err(Error::Server {
                        message: String::new(),
                    }
                    .into());
                }
            }
        }
        Ok(self.summary)
    }

    /// Drops the consumed bytes.
    fn compact(&mut self) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.offset += self.pos as u64;
            self.pos = 0;
        }
    }

    fn error_at(&self, pos: usize, message: impl Into<String>) -> Error {
        let format = self.summary.format;
        let offset = self.offset as usize + pos;
        DecodeError::new(format, Position::Offset(offset), message).into()
    }

    fn run<F, E>(&mut self, eof: bool, on_row: &mut F) -> Result<(), E>
    where
        F: FnMut(ExportRow<'_>) -> Result<(), E>,
        E: From<Error>,
    {
        if !self.preamble_done {
            let rest = &self.buf[self.pos..];
            let (skipped, warnings) = match preamble::scan(self.summary.format, rest, eof) {
                Scan::NeedMore => return Ok(()),
                Scan::Done(Err(e)) => return Err(e.into()),
                Scan::Done(Ok(p)) => (rest.len() - p.body.len(), p.diagnostics),
            };
            for warning in &warnings {
                tracing::warn!(%warning, "server warning");
            }
            self.pos += skipped;
            self.summary.server_warnings = warnings;
            self.preamble_done = true;
        }
        // A format compiled out of this build (features `json`, `csv`).
        require(self.summary.format)?;
        match self.state {
            State::Json(_) => self.run_json(eof, on_row),
            #[cfg(feature = "csv")]
            State::Csv(_) => self.run_csv(eof, on_row),
        }
    }

    // ---- JSON ----

    fn run_json<F, E>(&mut self, eof: bool, on_row: &mut F) -> Result<(), E>
    where
        F: FnMut(ExportRow<'_>) -> Result<(), E>,
        E: From<Error>,
    {
        let ExportDecoder {
            buf,
            pos,
            offset,
            max_row,
            summary,
            column_index,
            state,
            ..
        } = self;
        // Without the `csv` feature the match has one arm; with it, two.
        #[allow(clippy::infallible_destructuring_match)]
        let json = match state {
            State::Json(json) => json,
            #[cfg(feature = "csv")]
            State::Csv(_) => unreachable!("the JSON decoder on a CSV body"),
        };
        let base = *offset as usize + *pos;
        let error = |at: usize, message: String| {
            let e = DecodeError::new(Format::Json, Position::Offset(base + at), message);
            E::from(Error::from(e))
        };
        // The text is scanned up to the last whole character; the rest waits for more bytes.
        let bytes = &buf[*pos..];
        let (text, bad_utf8) = match std::str::from_utf8(bytes) {
            Ok(text) => (text, false),
            Err(e) => (
                std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
                e.error_len().is_some() || eof,
            ),
        };
        let last = eof && !bad_utf8;
        let mut done = 0;
        let mut cut = None;
        let result = loop {
            let mut sc = Scanner::new(&text[done..], last).at_depth(json.skip);
            let avail = text.len() - done;
            let at = json.at;
            if sc.peek().is_none() {
                break Ok(());
            }
            // A key, a header value or a row is read whole: wait until it may have arrived.
            let whole = match at {
                JsonAt::FirstKey | JsonAt::Key | JsonAt::Row => true,
                JsonAt::Value(Key::Results) => sc.peek() != Some(b'['),
                JsonAt::Value(key) => key != Key::Other,
                _ => false,
            };
            if whole && !last && avail < json.wait && avail <= *max_row {
                break Ok(());
            }
            let step = match at {
                JsonAt::Start => match sc.expect_token("a report object `{`") {
                    Ok(Token::ObjectStart) => Ok(JsonAt::FirstKey),
                    Ok(_) => Err(sc.expected("a report object `{`")),
                    Err(e) => Err(e),
                },
                JsonAt::FirstKey if sc.eat(b'}') => Ok(JsonAt::End),
                JsonAt::FirstKey | JsonAt::Key => match sc.expect_token("a key") {
                    Ok(Token::Str(key)) => key.decode().map(|k| JsonAt::Colon(Key::of(&k))),
                    Ok(_) => Err(sc.expected("a key")),
                    Err(e) => Err(e),
                },
                JsonAt::Colon(key) if sc.eat(b':') => Ok(JsonAt::Value(key)),
                JsonAt::Colon(_) => Err(sc.unexpected("`:`")),
                JsonAt::Value(Key::Results) if !whole => sc.next_token().map(|_| JsonAt::FirstRow),
                JsonAt::Value(Key::Other) => {
                    // Skipped token by token, never buffered.
                    let mut kept = 0;
                    let skipped = loop {
                        let outside = sc.depth() == 0;
                        match sc.next_token() {
                            Ok(Some(Token::Comma | Token::Colon | Token::ArrayEnd))
                            | Ok(Some(Token::ObjectEnd))
                                if outside =>
                            {
                                break Err(sc.expected("a value"));
                            }
                            Ok(Some(_)) if sc.depth() == 0 => break Ok(JsonAt::AfterValue),
                            Ok(Some(_)) => kept = sc.pos(),
                            Ok(None) => break Err(sc.error(kept, ErrorKind::NeedMore)),
                            Err(e) if e.kind == ErrorKind::NeedMore => {
                                // Drop the text of a long string, keeping its opening quote.
                                if text.as_bytes().get(done + e.offset) == Some(&b'"')
                                    && sc.pos() > e.offset + 1
                                {
                                    cut = Some(done + sc.pos() - 1);
                                }
                                break Err(sc.error(kept, ErrorKind::NeedMore));
                            }
                            Err(e) => break Err(e),
                        }
                    };
                    json.skip = sc.depth();
                    skipped
                }
                JsonAt::Value(key) => header(&mut sc, key).map(|value| {
                    match value {
                        Header::Result(s) => json.result = s,
                        Header::Error(s) => json.error = s,
                        Header::Title(s) => summary.title = Some(s),
                        Header::TotalResults(n) => summary.total_results = Some(n),
                        Header::Columns(c) => {
                            *column_index = OnceLock::new();
                            summary.columns = c;
                        }
                        Header::None => {}
                    }
                    JsonAt::AfterValue
                }),
                JsonAt::FirstRow if sc.eat(b']') => Ok(JsonAt::AfterValue),
                JsonAt::FirstRow => Ok(JsonAt::Row),
                JsonAt::Row => {
                    // One allocation per row: as many cells as the header has columns.
                    let mut cells = Vec::with_capacity(summary.columns.len());
                    match read_json_row(&mut sc, &mut cells) {
                        // Refused below.
                        Ok(()) if sc.pos() > *max_row => Ok(JsonAt::AfterRow),
                        Ok(()) => {
                            let row = ExportRow {
                                index: summary.rows,
                                columns: &summary.columns,
                                total_results: summary.total_results,
                                title: summary.title.as_deref(),
                                row: Row { cells },
                                column_index,
                            };
                            if let Err(e) = on_row(row) {
                                done += sc.pos();
                                json.at = JsonAt::AfterRow;
                                break Err(e);
                            }
                            summary.rows += 1;
                            Ok(JsonAt::AfterRow)
                        }
                        Err(e) => Err(e),
                    }
                }
                JsonAt::AfterRow if sc.eat(b',') => Ok(JsonAt::Row),
                JsonAt::AfterRow if sc.eat(b']') => Ok(JsonAt::AfterValue),
                JsonAt::AfterRow => Err(sc.unexpected("`,` or `]` after a row")),
                JsonAt::AfterValue if sc.eat(b',') => Ok(JsonAt::Key),
                JsonAt::AfterValue if sc.eat(b'}') => Ok(JsonAt::End),
                JsonAt::AfterValue => Err(sc.unexpected("`,` or `}`")),
                JsonAt::End => Err(sc.expected("nothing after the report object")),
            };
            let too_long = || {
                let message = format!(
                    "a row or value longer than {max_row} bytes (the export's max_row_size)"
                );
                error(done, message)
            };
            match step {
                Ok(_) if whole && sc.pos() > *max_row => break Err(too_long()),
                Ok(next) => {
                    done += sc.pos();
                    json.at = next;
                    json.wait = 0;
                }
                Err(e) if e.kind == ErrorKind::NeedMore => {
                    if whole && avail > *max_row {
                        break Err(too_long());
                    }
                    if whole {
                        json.wait = 2 * avail;
                    } else {
                        done += e.offset;
                    }
                    break Ok(());
                }
                Err(e) => break Err(error(done + e.offset, e.kind.to_string())),
            }
        };
        let text_len = text.len();
        if let Some(at) = cut {
            buf[*pos + at] = b'"';
            done = at;
        }
        *pos += done;
        if result.is_ok() && bad_utf8 {
            return Err(error(text_len, "invalid UTF-8 in the body".to_owned()));
        }
        result
    }

    // ---- CSV ----

    #[cfg(feature = "csv")]
    fn run_csv<F, E>(&mut self, eof: bool, on_row: &mut F) -> Result<(), E>
    where
        F: FnMut(ExportRow<'_>) -> Result<(), E>,
        E: From<Error>,
    {
        use csv_core::ReadRecordResult;
        let max_row = self.max_row;
        let too_long = |at: u64| {
            Error::from(DecodeError::new(
                Format::Csv,
                Position::Offset(at as usize),
                format!("a record longer than {max_row} bytes (the export's max_row_size)"),
            ))
        };
        let State::Csv(csv) = &mut self.state else {
            unreachable!("the CSV decoder on a JSON body")
        };
        loop {
            let input = &self.buf[self.pos..];
            if input.is_empty() && !eof {
                return Ok(());
            }
            if csv.out_len == 0 && csv.ends_len == 0 {
                csv.record_start = self.offset + self.pos as u64;
            }
            let (result, n_in, n_out, n_ends) = csv.reader.read_record(
                input,
                &mut csv.out[csv.out_len..],
                &mut csv.ends[csv.ends_len..],
            );
            self.pos += n_in;
            csv.out_len += n_out;
            csv.ends_len += n_ends;
            match result {
                ReadRecordResult::InputEmpty if eof => continue,
                ReadRecordResult::InputEmpty if csv.out_len <= self.max_row => return Ok(()),
                ReadRecordResult::OutputFull if csv.out.len() <= self.max_row => {
                    // Room for one byte past the cap, to tell a record at the cap from one over.
                    let len = (csv.out.len() * 2).min(self.max_row + 1);
                    csv.out.resize(len, 0);
                }
                ReadRecordResult::InputEmpty | ReadRecordResult::OutputFull => {
                    return Err(E::from(too_long(csv.record_start)));
                }
                ReadRecordResult::OutputEndsFull => {
                    let len = csv.ends.len() * 2;
                    csv.ends.resize(len, 0);
                }
                ReadRecordResult::Record => {
                    let (out_len, ends_len) = (csv.out_len, csv.ends_len);
                    if out_len > self.max_row {
                        return Err(E::from(too_long(csv.record_start)));
                    }
                    csv.out_len = 0;
                    csv.ends_len = 0;
                    let cells = csv_fields(&csv.out[..out_len], &csv.ends[..ends_len]).map_err(
                        |field| {
                            let e = DecodeError::new(
                                Format::Csv,
                                Position::Offset(csv.record_start as usize),
                                format!("invalid UTF-8 in field {}", field + 1),
                            );
                            E::from(Error::from(e))
                        },
                    )?;
                    if csv.error_shape {
                        let message = match cells.first().map(|c| c.as_str()) {
                            Some("error") => {
                                cells.get(1).map(|c| c.to_string()).unwrap_or_default()
                            }
                            _ => String::new(),
                        };
                        csv.error_shape = false;
                        return Err(Error::Server { message }.into());
                    }
                    if csv.count_shape {
                        let text = cells.first().map_or("", |c| c.as_str());
                        let total = text.trim().parse::<i64>().map_err(|_| {
                            E::from(Error::from(DecodeError::new(
                                Format::Csv,
                                Position::Offset(csv.record_start as usize),
                                format!("total_results: expected an integer, found {text:?}"),
                            )))
                        })?;
                        self.summary.total_results = Some(total);
                        csv.count_shape = false;
                        continue;
                    }
                    if !csv.header {
                        csv.header = true;
                        if cells.len() == 2 && cells[0] == "result" && cells[1] == "error" {
                            csv.error_shape = true;
                        } else if cells.len() == 1
                            && cells[0] == dlspbx_core::report::CSV_COUNT_HEADER
                        {
                            csv.count_shape = true;
                        } else {
                            self.summary.columns = cells.into_iter().map(String::from).collect();
                            self.column_index = OnceLock::new();
                        }
                        continue;
                    }
                    on_row(ExportRow {
                        index: self.summary.rows,
                        columns: &self.summary.columns,
                        total_results: None,
                        title: None,
                        row: Row { cells },
                        column_index: &self.column_index,
                    })?;
                    self.summary.rows += 1;
                }
                ReadRecordResult::End => return Ok(()),
            }
        }
    }
}

/// A decoded header value of the JSON report object.
enum Header {
    Result(String),
    Error(String),
    Title(String),
    TotalResults(i64),
    Columns(Vec<String>),
    None,
}

/// Reads the value of the header `key` (not [`Key::Other`]) at `sc`.
fn header(sc: &mut Scanner<'_>, key: Key) -> Result<Header, ScanError> {
    if key == Key::Columns && sc.peek() == Some(b'[') {
        let mut names = Vec::new();
        read_json_row(sc, &mut names)?;
        return Ok(Header::Columns(
            names.into_iter().map(String::from).collect(),
        ));
    }
    let token = sc.expect_token("a value")?;
    // `results` that is not an array: PHP writes an empty array as `[]`, but tolerate `{}`
    // and `null` (and an empty `columns`).
    let empty = match token {
        Token::Null => true,
        Token::ArrayStart => sc.next_token()? == Some(Token::ArrayEnd),
        Token::ObjectStart => sc.next_token()? == Some(Token::ObjectEnd),
        _ => false,
    };
    let text = match key {
        Key::Columns | Key::Results if empty => return Ok(Header::None),
        Key::Columns => return Err(sc.expected("an array of names for `columns`")),
        Key::Results => return Err(sc.expected("a list of report rows")),
        _ => json_cell(token).ok_or_else(|| sc.expected("a string, number, boolean or null"))??,
    };
    Ok(match key {
        Key::Result => Header::Result(text.into()),
        Key::Error => Header::Error(text.into()),
        Key::Title => Header::Title(text.into()),
        Key::TotalResults => match text.trim().parse() {
            Ok(n) => Header::TotalResults(n),
            Err(_) => return Err(sc.expected("an integer for `total_results`")),
        },
        _ => Header::None,
    })
}

/// The fields of a CSV record, or the index of the first field that is not UTF-8.
#[cfg(feature = "csv")]
fn csv_fields<'a>(out: &'a [u8], ends: &[usize]) -> Result<Vec<dlspbx_core::Str<'a>>, usize> {
    let mut start = 0;
    ends.iter()
        .enumerate()
        .map(|(i, &end)| {
            let field = std::str::from_utf8(&out[start..end]).map_err(|_| i)?;
            start = end;
            Ok(dlspbx_core::Str::from(field))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlspbx_core::Str;

    /// Decodes `body` fed in chunks of `chunk` bytes.
    #[cfg(any(feature = "json", feature = "csv"))]
    fn decode_in(
        format: Format,
        body: &[u8],
        chunk: usize,
    ) -> Result<(ExportSummary, Vec<Vec<String>>), Error> {
        let mut rows = Vec::new();
        let mut on_row = |r: ExportRow<'_>| {
            assert_eq!(r.index as usize, rows.len());
            rows.push(r.row.cells.iter().map(|c| c.to_string()).collect());
            Ok::<(), Error>(())
        };
        let mut decoder = ExportDecoder::new(format);
        for part in body.chunks(chunk.max(1)) {
            decoder.feed(part, &mut on_row)?;
        }
        let summary = decoder.finish(&mut on_row)?;
        Ok((summary, rows))
    }

    /// Decodes `body` in every chunk size from 1 to 17 and in one piece, and checks that all
    /// agree (on success and on the kind of error).
    #[cfg(any(feature = "json", feature = "csv"))]
    fn collect(format: Format, body: &str) -> Result<(ExportSummary, Vec<Vec<String>>), Error> {
        let whole = decode_in(format, body.as_bytes(), body.len());
        for chunk in 1..18 {
            let split = decode_in(format, body.as_bytes(), chunk);
            match (&whole, &split) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "chunks of {chunk}: {body:?}"),
                (Err(a), Err(b)) => assert_eq!(
                    std::mem::discriminant(a),
                    std::mem::discriminant(b),
                    "chunks of {chunk}: {a} / {b}"
                ),
                _ => panic!("chunks of {chunk} disagree on {body:?}: {whole:?} / {split:?}"),
            }
        }
        whole
    }

    #[cfg(feature = "json")]
    #[test]
    fn json_rows() {
        let body = "\u{feff}{\"result\":\"success\",\"error\":\"\",\"total_results\":\"2\",\"title\":\"t\",\"columns\":[\"a\",\"b\"],\
                    \"results\":[[\"1\",2],[null,true]],\"extra\":{\"x\":[1,\"]\\\"\"]}}";
        let (summary, rows) = collect(Format::Json, body).unwrap();
        assert_eq!(summary.columns, ["a", "b"]);
        assert_eq!(summary.total_results, Some(2));
        assert_eq!(summary.title.as_deref(), Some("t"));
        assert_eq!(rows, [vec!["1", "2"], vec!["", "1"]]);
        assert_eq!(summary.rows, 2);
    }

    #[cfg(feature = "json")]
    #[test]
    fn rows_carry_the_header_fields_read_before_them() {
        let mut seen = Vec::new();
        let mut on_row = |row: ExportRow<'_>| {
            seen.push((row.total_results, row.title.map(str::to_owned)));
            Ok::<(), Error>(())
        };
        let php = br#"{"result":"success","total_results":"169883","title":"t","columns":["a"],"results":[["1"],["2"]]}"#;
        let mut d = ExportDecoder::new(Format::Json);
        d.feed(php, &mut on_row).unwrap();
        d.finish(&mut on_row).unwrap();
        let late = br#"{"columns":["a"],"results":[["1"]],"total_results":1,"title":"t"}"#;
        let mut d = ExportDecoder::new(Format::Json);
        d.feed(late, &mut on_row).unwrap();
        let summary = d.finish(&mut on_row).unwrap();
        assert_eq!(
            seen,
            [
                (Some(169883), Some("t".to_owned())),
                (Some(169883), Some("t".to_owned())),
                (None, None)
            ]
        );
        assert_eq!(
            (summary.total_results, summary.title.as_deref()),
            (Some(1), Some("t"))
        );
    }

    #[cfg(feature = "json")]
    #[test]
    fn json_cells_and_whitespace() {
        let body = " {\n \"columns\" : [ \"a\\u0041\" , \"b\" ] ,\n \"results\" : [ [ \"x\\\"y\" , -1.5e3 , false ] ,\r\n [ ] ] , \"total_results\" : 2 }\n ";
        let (summary, rows) = collect(Format::Json, body).unwrap();
        assert_eq!(summary.columns, ["aA", "b"]);
        assert_eq!(rows, [vec!["x\"y", "-1.5e3", "0"], vec![]]);
        assert_eq!(summary.total_results, Some(2));
        for empty in [
            "{}",
            "{\"results\":[]}",
            "{\"results\":{}}",
            "{\"results\":null}",
        ] {
            let (summary, rows) = collect(Format::Json, empty).unwrap();
            assert!(rows.is_empty() && summary.rows == 0, "{empty}");
        }
    }

    #[cfg(feature = "json")]
    #[test]
    fn unescaped_cells_are_borrowed() {
        let mut decoder = ExportDecoder::new(Format::Json);
        let mut borrowed = Vec::new();
        decoder
            .feed(
                b"{\"results\":[[\"plain\",\"esc\\n\",12]]}",
                &mut |r: ExportRow<'_>| {
                    borrowed.extend(r.row.cells.iter().map(Str::is_borrowed));
                    Ok::<(), Error>(())
                },
            )
            .unwrap();
        assert_eq!(borrowed, [true, false, true]);
    }

    #[cfg(feature = "json")]
    #[test]
    fn json_errors() {
        let e = collect(
            Format::Json,
            "{\"result\":\"error\",\"error\":\"bad filter\"}",
        )
        .unwrap_err();
        assert!(
            matches!(e, Error::Server { ref message } if message == "bad filter"),
            "{e}"
        );
        for bad in [
            "",
            "{",
            "{\"results\":[[\"1\"],[",
            "{\"results\":[[\"1\"] [\"2\"]]}",
            "{} x",
            "[]",
            "{\"results\":[1]}",
            "{\"results\":[[{}]]}",
            "{\"results\":[[\"1\",]]}",
            "{\"results\":\"x\"}",
            "{\"total_results\":\"many\"}",
            "{\"columns\":{\"a\":1}}",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "{\"extra\":[1,2",
            "{\"results\":[[\"\\",
        ] {
            let e = collect(Format::Json, bad).unwrap_err();
            assert!(matches!(e, Error::Decode(_)), "{bad:?}: {e}");
        }
        let e = collect(Format::Json, "{\"results\":[[\"1\"],\n  [x]]}").unwrap_err();
        assert!(e.to_string().contains("byte 22"), "{e}");
    }

    #[cfg(feature = "json")]
    #[test]
    fn json_row_size_is_capped_but_skipped_values_are_not_buffered() {
        let mut decoder = ExportDecoder::new(Format::Json).max_row_size(16);
        let mut on_row = |_: ExportRow<'_>| Ok::<(), Error>(());
        decoder.feed(b"{\"extra\":\"", &mut on_row).unwrap();
        for _ in 0..100 {
            decoder.feed(&[b'x'; 100], &mut on_row).unwrap();
        }
        assert!(decoder.buf.len() < 16, "{}", decoder.buf.len());
        decoder
            .feed(b"\",\"results\":[[\"short\"],", &mut on_row)
            .unwrap();
        let e = decoder.feed(b"[\"much too long for the cap\"]]}", &mut on_row);
        assert!(matches!(e, Err(Error::Decode(_))), "{e:?}");
    }

    #[cfg(feature = "csv")]
    #[test]
    fn csv_rows_and_errors() {
        let (summary, rows) = collect(Format::Csv, "a,b\n1,\"x \"\"y\"\"\"\n2,\n").unwrap();
        assert_eq!(summary.columns, ["a", "b"]);
        assert_eq!(rows, [vec!["1", "x \"y\""], vec!["2", ""]]);
        let (_, rows) = collect(Format::Csv, "\u{feff}a,b\r\n\"multi\r\nline\",2\r\n3,4").unwrap();
        assert_eq!(rows, [vec!["multi\r\nline", "2"], vec!["3", "4"]]);
        let e = collect(Format::Csv, "result,error\nerror,\"Error details here\"\n").unwrap_err();
        assert!(
            matches!(e, Error::Server { ref message } if message == "Error details here"),
            "{e}"
        );
        let (summary, rows) = collect(Format::Csv, "").unwrap();
        assert!(summary.columns.is_empty() && rows.is_empty());
        // A `count_only` report: the total, no columns and no rows.
        for body in ["total_results\n173\n", "total_results\r\n\"173\""] {
            let (summary, rows) = collect(Format::Csv, body).unwrap();
            assert_eq!(summary.total_results, Some(173), "{body:?}");
            assert!(summary.columns.is_empty() && rows.is_empty(), "{body:?}");
        }
        let e = collect(Format::Csv, "total_results\nmany\n").unwrap_err();
        assert!(e.to_string().contains("total_results"), "{e}");
        let e = decode_in(Format::Csv, b"a\n\xff\xfe\n", 100).unwrap_err();
        assert!(e.to_string().contains("invalid UTF-8 in field 1"), "{e}");
        let mut decoder = ExportDecoder::new(Format::Csv).max_row_size(8);
        let e = decoder.feed(b"a\n0123456789abcdef", &mut |_: ExportRow<'_>| {
            Ok::<(), Error>(())
        });
        assert!(matches!(e, Err(Error::Decode(_))), "{e:?}");
    }

    #[test]
    fn exports_use_a_format_this_build_streams() {
        let csv = cfg!(feature = "csv") && Format::Csv.is_supported();
        let json = Format::Json.is_supported();
        for format in Format::ALL {
            let chosen = export_format(format);
            match (csv, json) {
                (true, true) => assert_eq!(
                    chosen,
                    if format == Format::Csv {
                        Format::Csv
                    } else {
                        Format::Json
                    }
                ),
                (true, false) => assert_eq!(chosen, Format::Csv),
                (false, _) => assert_eq!(chosen, Format::Json),
            }
        }
    }

    #[test]
    fn callback_stops_the_export() {
        for format in [Format::Json, Format::Csv] {
            if export_format(format) != format {
                // This build streams the other format instead.
                continue;
            }
            if require(format).is_err() {
                let mut decoder = ExportDecoder::new(format);
                let result = decoder.feed(b"a\n", &mut |_r: ExportRow<'_>| Ok::<(), Error>(()));
                assert!(matches!(result, Err(Error::Config(_))), "{result:?}");
                continue;
            }
            let body: &[u8] = match format {
                Format::Csv => b"a\n1\n2\n3\n",
                _ => b"{\"results\":[[\"1\"],[\"2\"],[\"3\"]]}",
            };
            let mut seen = 0;
            let mut decoder = ExportDecoder::new(format);
            let result = decoder.feed(body, &mut |_r: ExportRow<'_>| {
                seen += 1;
                if seen == 2 { Err(Stop::Enough) } else { Ok(()) }
            });
            assert!(matches!(result, Err(Stop::Enough)));
            assert_eq!(seen, 2);
            let again = decoder.feed(b"", &mut |_r: ExportRow<'_>| Ok(()));
            assert!(matches!(again, Err(Stop::Sdk(_))));
        }
    }

    #[derive(Debug)]
    enum Stop {
        Enough,
        Sdk(#[allow(dead_code)] Error),
    }

    impl From<Error> for Stop {
        fn from(e: Error) -> Stop {
            Stop::Sdk(e)
        }
    }
}
