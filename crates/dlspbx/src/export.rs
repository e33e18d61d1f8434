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
use dlspbx_core::report::{Page, Row};
use dlspbx_core::reports::{ReportOption, ReportRequest};
use dlspbx_core::{DecodeError, Error, Format, Position, Str, http};

/// One row of a `report_export`, borrowed for the duration of the callback.
#[derive(Debug)]
#[non_exhaustive]
pub struct ExportRow<'r> {
    /// The row's position, from 0.
    pub index: u64,
    /// The column names announced before the rows (the CSV header, or the JSON `columns`).
    pub columns: &'r [String],
    /// The cells, in column order.
    pub row: Row<'r>,
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
    /// `total_results` (JSON only; CSV does not carry it).
    pub total_results: Option<i64>,
    /// The report's title (JSON only).
    pub title: Option<String>,
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
///   the header. The error shape `result,error` / `error,<message>` is [`Error::Server`].
///
/// A UTF-8 byte order mark is skipped. Malformed or truncated bodies are
/// [`Error::Decode`] with the byte offset in the body.
#[derive(Debug)]
pub struct ExportDecoder {
    /// Unconsumed bytes; `buf[..pos]` is consumed and dropped after each feed.
    buf: Vec<u8>,
    pos: usize,
    /// Body bytes dropped before `buf[0]`.
    offset: u64,
    max_row: usize,
    bom_checked: bool,
    failed: bool,
    summary: ExportSummary,
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
    /// The scan of the value at `pos`, resumed when more bytes arrive.
    frame: Frame,
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

/// A resumable scan for the end of one JSON value (string, number, literal, array or object)
/// starting at the decoder's `pos`: it only tracks nesting and strings, the value is parsed
/// once it is complete.
#[derive(Debug, Default, Clone)]
struct Frame {
    /// Bytes from `pos` already scanned.
    scanned: usize,
    kind: FrameKind,
    depth: u32,
    in_str: bool,
    escape: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    #[default]
    NotStarted,
    Str,
    Nested,
    Scalar,
}

impl Frame {
    /// Scans `bytes` (the value's bytes so far, from its first byte) and returns the length
    /// of the complete value, or `None` when more bytes are needed.
    fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut i = self.scanned;
        if self.kind == FrameKind::NotStarted {
            let &first = bytes.first()?;
            (self.kind, self.in_str, self.depth) = match first {
                b'"' => (FrameKind::Str, true, 0),
                b'[' | b'{' => (FrameKind::Nested, false, 1),
                _ => (FrameKind::Scalar, false, 0),
            };
            i = 1;
        }
        let end = self.scan_from(bytes, i);
        match end {
            Some(_) => *self = Frame::default(),
            None => self.scanned = bytes.len(),
        }
        end
    }

    fn scan_from(&mut self, bytes: &[u8], mut i: usize) -> Option<usize> {
        if self.kind == FrameKind::Scalar {
            let off = bytes[i..]
                .iter()
                .position(|&b| matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n'))?;
            return Some(i + off);
        }
        loop {
            if self.in_str {
                if self.escape {
                    if i >= bytes.len() {
                        return None;
                    }
                    self.escape = false;
                    i += 1;
                }
                let off = memchr2(b'"', b'\\', &bytes[i.min(bytes.len())..])?;
                i += off;
                if bytes[i] == b'\\' {
                    self.escape = true;
                    i += 1;
                    continue;
                }
                i += 1;
                self.in_str = false;
                if self.kind == FrameKind::Str {
                    return Some(i);
                }
            }
            loop {
                let &b = bytes.get(i)?;
                i += 1;
                match b {
                    b'"' => {
                        self.in_str = true;
                        break;
                    }
                    b'[' | b'{' => self.depth += 1,
                    b']' | b'}' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            return Some(i);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn memchr2(a: u8, b: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&c| c == a || c == b)
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
            })),
            _ => State::Json(Json {
                at: JsonAt::Start,
                frame: Frame::default(),
                result: String::new(),
                error: String::new(),
            }),
        };
        ExportDecoder {
            buf: Vec::new(),
            pos: 0,
            offset: 0,
            max_row: DEFAULT_MAX_ROW_SIZE,
            bom_checked: false,
            failed: false,
            summary: ExportSummary {
                format,
                ..ExportSummary::default()
            },
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
        if !self.bom_checked {
            let rest = &self.buf[self.pos..];
            if rest.len() < 3 && b"\xEF\xBB\xBF".starts_with(rest) && !eof {
                return Ok(());
            }
            if rest.starts_with(b"\xEF\xBB\xBF") {
                self.pos += 3;
            }
            self.bom_checked = true;
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

    fn json(&mut self) -> &mut Json {
        match &mut self.state {
            State::Json(json) => json,
            #[cfg(feature = "csv")]
            State::Csv(_) => unreachable!("the JSON decoder on a CSV body"),
        }
    }

    /// Skips whitespace and returns the next byte, if any.
    fn peek_token(&mut self) -> Option<u8> {
        while let Some(&b) = self.buf.get(self.pos) {
            if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// The complete value at `pos` (its length), or `None` when more bytes are needed.
    fn frame_value(&mut self, skip: bool) -> Result<Option<usize>, Error> {
        let pos = self.pos;
        let mut frame = std::mem::take(&mut self.json().frame);
        let found = frame.scan(&self.buf[pos..]);
        if skip {
            if found.is_none() {
                // A skipped value is never buffered: drop what was scanned, keep the state.
                self.pos = self.buf.len();
                frame.scanned = 0;
            }
        } else if found.unwrap_or(self.buf.len() - pos) > self.max_row {
            return Err(self.error_at(
                pos,
                format!(
                    "a row or value longer than {} bytes (the export's max_row_size)",
                    self.max_row
                ),
            ));
        }
        self.json().frame = frame;
        Ok(found)
    }

    fn run_json<F, E>(&mut self, eof: bool, on_row: &mut F) -> Result<(), E>
    where
        F: FnMut(ExportRow<'_>) -> Result<(), E>,
        E: From<Error>,
    {
        loop {
            let at = self.json().at;
            let next = if at == JsonAt::End || matches!(at, JsonAt::Value(_) | JsonAt::Row) {
                None
            } else {
                match self.peek_token() {
                    Some(b) => Some(b),
                    None => return Ok(()),
                }
            };
            let expected = |what: &str, b: Option<u8>| {
                let found = match b {
                    Some(b) => format!("`{}`", b.escape_ascii()),
                    None => "the end".to_owned(),
                };
                format!("expected {what}, found {found}")
            };
            match at {
                JsonAt::Start => match next {
                    Some(b'{') => {
                        self.pos += 1;
                        self.json().at = JsonAt::FirstKey;
                    }
                    b => {
                        return Err(self
                            .error_at(self.pos, expected("a report object `{`", b))
                            .into());
                    }
                },
                JsonAt::FirstKey | JsonAt::Key => match next {
                    Some(b'}') if at == JsonAt::FirstKey => {
                        self.pos += 1;
                        self.json().at = JsonAt::End;
                    }
                    Some(b'"') => {
                        let Some(len) = self.frame_value(false)? else {
                            return Ok(());
                        };
                        let key = parse_json_string(&self.buf[self.pos..self.pos + len])
                            .map_err(|m| self.error_at(self.pos, m))?;
                        let key = Key::of(&key);
                        self.pos += len;
                        self.json().at = JsonAt::Colon(key);
                    }
                    b => return Err(self.error_at(self.pos, expected("a key", b)).into()),
                },
                JsonAt::Colon(key) => match next {
                    Some(b':') => {
                        self.pos += 1;
                        self.json().at = JsonAt::Value(key);
                    }
                    b => return Err(self.error_at(self.pos, expected("`:`", b)).into()),
                },
                JsonAt::Value(key) => {
                    if self.peek_token().is_none() {
                        return Ok(());
                    }
                    if key == Key::Results && self.buf[self.pos] == b'[' {
                        self.pos += 1;
                        self.json().at = JsonAt::FirstRow;
                        continue;
                    }
                    let Some(len) = self.frame_value(key == Key::Other)? else {
                        if eof && key == Key::Other {
                            return Err(self
                                .error_at(self.pos, "truncated body: expected the rest of a value")
                                .into());
                        }
                        return Ok(());
                    };
                    self.header_value(key, len)?;
                    self.pos += len;
                    self.json().at = JsonAt::AfterValue;
                }
                JsonAt::FirstRow | JsonAt::AfterRow => match next {
                    Some(b']') => {
                        self.pos += 1;
                        self.json().at = JsonAt::AfterValue;
                    }
                    Some(b',') if at == JsonAt::AfterRow => {
                        self.pos += 1;
                        self.json().at = JsonAt::Row;
                    }
                    Some(_) if at == JsonAt::FirstRow => self.json().at = JsonAt::Row,
                    b => {
                        return Err(self
                            .error_at(self.pos, expected("`,` or `]` after a row", b))
                            .into());
                    }
                },
                JsonAt::Row => {
                    let Some(b) = self.peek_token() else {
                        return Ok(());
                    };
                    if b != b'[' {
                        return Err(self
                            .error_at(self.pos, expected("a row (an array of cells)", Some(b)))
                            .into());
                    }
                    let Some(len) = self.frame_value(false)? else {
                        return Ok(());
                    };
                    let start = self.pos;
                    self.pos += len;
                    self.json().at = JsonAt::AfterRow;
                    let cells = parse_json_row(&self.buf[start..start + len])
                        .map_err(|(at, m)| self.error_at(start + at, m))?;
                    on_row(ExportRow {
                        index: self.summary.rows,
                        columns: &self.summary.columns,
                        row: Row { cells },
                    })?;
                    self.summary.rows += 1;
                }
                JsonAt::AfterValue => match next {
                    Some(b',') => {
                        self.pos += 1;
                        self.json().at = JsonAt::Key;
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        self.json().at = JsonAt::End;
                    }
                    b => return Err(self.error_at(self.pos, expected("`,` or `}`", b)).into()),
                },
                JsonAt::End => {
                    return match self.peek_token() {
                        None => Ok(()),
                        Some(_) => Err(self
                            .error_at(self.pos, "trailing characters after the report object")
                            .into()),
                    };
                }
            }
        }
    }

    /// Stores a header value (`len` bytes at `pos`).
    fn header_value(&mut self, key: Key, len: usize) -> Result<(), Error> {
        let pos = self.pos;
        let value = header_value(key, &self.buf[pos..pos + len])
            .map_err(|(at, message)| self.error_at(pos + at, message))?;
        match value {
            Header::Result(s) => self.json().result = s,
            Header::Error(s) => self.json().error = s,
            Header::Title(s) => self.summary.title = Some(s),
            Header::TotalResults(n) => self.summary.total_results = Some(n),
            Header::Columns(c) => self.summary.columns = c,
            Header::None => {}
        }
        Ok(())
    }

    // ---- CSV ----

    #[cfg(feature = "csv")]
    fn run_csv<F, E>(&mut self, eof: bool, on_row: &mut F) -> Result<(), E>
    where
        F: FnMut(ExportRow<'_>) -> Result<(), E>,
        E: From<Error>,
    {
        use csv_core::ReadRecordResult;
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
                    let e = DecodeError::new(
                        Format::Csv,
                        Position::Offset(csv.record_start as usize),
                        format!(
                            "a record longer than {} bytes (the export's max_row_size)",
                            self.max_row
                        ),
                    );
                    return Err(E::from(Error::from(e)));
                }
                ReadRecordResult::OutputEndsFull => {
                    let len = csv.ends.len() * 2;
                    csv.ends.resize(len, 0);
                }
                ReadRecordResult::Record => {
                    let (out_len, ends_len) = (csv.out_len, csv.ends_len);
                    if out_len > self.max_row {
                        let e = DecodeError::new(
                            Format::Csv,
                            Position::Offset(csv.record_start as usize),
                            format!(
                                "a record longer than {} bytes (the export's max_row_size)",
                                self.max_row
                            ),
                        );
                        return Err(E::from(Error::from(e)));
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
                    if !csv.header {
                        csv.header = true;
                        if cells.len() == 2 && cells[0] == "result" && cells[1] == "error" {
                            csv.error_shape = true;
                        } else {
                            self.summary.columns = cells.into_iter().map(String::from).collect();
                        }
                        continue;
                    }
                    on_row(ExportRow {
                        index: self.summary.rows,
                        columns: &self.summary.columns,
                        row: Row { cells },
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

/// Decodes the complete value `bytes` of `key`; on error, the offset in `bytes` and the
/// message.
fn header_value(key: Key, bytes: &[u8]) -> Result<Header, (usize, String)> {
    let scalar = || parse_json_cell(bytes).map(String::from);
    Ok(match key {
        Key::Result => Header::Result(scalar()?),
        Key::Error => Header::Error(scalar()?),
        Key::Title => Header::Title(scalar()?),
        Key::TotalResults => {
            let text = scalar()?;
            match text.trim().parse() {
                Ok(n) => Header::TotalResults(n),
                Err(_) => {
                    return Err((
                        0,
                        format!("total_results: expected an integer, found {text:?}"),
                    ));
                }
            }
        }
        Key::Columns if bytes.first() == Some(&b'[') => Header::Columns(
            parse_json_row(bytes)?
                .into_iter()
                .map(String::from)
                .collect(),
        ),
        Key::Columns if is_empty_json(bytes) => Header::None,
        Key::Columns => return Err((0, "columns: expected an array of names".to_owned())),
        // `results` that is not an array: PHP writes an empty array as `[]`, but tolerate
        // `{}` and `null`.
        Key::Results if is_empty_json(bytes) => Header::None,
        Key::Results => return Err((0, "expected a list of report rows".to_owned())),
        Key::Other => Header::None,
    })
}

/// The fields of a CSV record, or the index of the first field that is not UTF-8.
#[cfg(feature = "csv")]
fn csv_fields<'a>(out: &'a [u8], ends: &[usize]) -> Result<Vec<Str<'a>>, usize> {
    let mut start = 0;
    ends.iter()
        .enumerate()
        .map(|(i, &end)| {
            let field = std::str::from_utf8(&out[start..end]).map_err(|_| i)?;
            start = end;
            Ok(Str::from(field))
        })
        .collect()
}

/// `null`, `{}` or `[]` (with any whitespace).
fn is_empty_json(bytes: &[u8]) -> bool {
    let inner: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    matches!(&inner[..], b"null" | b"{}" | b"[]")
}

/// A complete JSON string (with its quotes).
fn parse_json_string(bytes: &[u8]) -> Result<String, String> {
    serde_json::from_slice::<String>(bytes).map_err(|e| format!("invalid string: {e}"))
}

/// A complete JSON array of scalars (the bytes from `[` to `]`) as cells, decoded by the core
/// exactly as report rows are; on error, the offset in `bytes` and the message.
fn parse_json_row(bytes: &[u8]) -> Result<Vec<Str<'_>>, (usize, String)> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| (e.valid_up_to(), "invalid UTF-8 in a row".to_owned()))?;
    dlspbx_core::report::decode_json_row(text).map_err(at_offset)
}

/// A complete JSON scalar as a cell (see [`parse_json_row`]).
fn parse_json_cell(bytes: &[u8]) -> Result<Str<'_>, (usize, String)> {
    let text =
        std::str::from_utf8(bytes).map_err(|e| (e.valid_up_to(), "invalid UTF-8".to_owned()))?;
    dlspbx_core::report::decode_json_cell(text).map_err(at_offset)
}

/// A core decode error as an offset and a message.
fn at_offset(e: DecodeError) -> (usize, String) {
    let at = match e.position {
        Position::Offset(at) => at,
        _ => 0,
    };
    (at, e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

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
