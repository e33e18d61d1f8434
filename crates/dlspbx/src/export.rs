//! Streaming report export: every row of a CDR report in one response, decoded while the body
//! arrives.

use crate::client::{BodyMode, Client};
use crate::retry::Retries;
use crate::transport::{call_span, finish_span};
use dlspbx_core::report::{Page, Row};
use dlspbx_core::reports::{ReportOption, ReportRequest};
use dlspbx_core::{DecodeError, Error, Format, Position, Str, http};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::time::Instant;

/// One row of a [`Client::report_export`], borrowed for the duration of the callback.
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

/// What a [`Client::report_export`] read.
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

impl Client {
    /// Streams every row of a CDR report to `on_row`, with memory use independent of the
    /// report's size.
    ///
    /// The request is sent once with `page=ALL` (any `page`, `per_page` and `page_offset` are
    /// dropped), in CSV when the client's format is CSV and in JSON otherwise. Rows are decoded
    /// as the body arrives — CSV record by record, JSON with a streaming parser that never
    /// holds more than one row — and handed to `on_row` one at a time, so a report of millions
    /// of calls needs no more memory than one row. Consequently:
    ///
    /// - `max_body_size` does not apply (nothing is buffered);
    /// - the client's `timeout` limits each read instead of the whole exchange (a large report
    ///   may take longer than the timeout to arrive, but a stalled server is still detected);
    /// - retries cover failures before the rows start; a failure mid-body ends the export
    ///   with an error after the rows already delivered.
    ///
    /// `on_row` may stop the export by returning an error, which is returned as is. Errors of
    /// the SDK are converted with `E: From<Error>` (use `E = dlspbx::Error` when `on_row`
    /// cannot fail).
    ///
    /// ```no_run
    /// # use dlspbx::prelude::*;
    /// # use dlspbx::reports::{Column, ReportRequest};
    /// # fn main() -> Result<(), Error> {
    /// let client = Client::from_env()?.with_format(Format::Csv);
    /// let request = ReportRequest::new([Column::UniqueId, Column::Date]);
    /// let summary = client.report_export(request, |row| {
    ///     println!("{:?}", row.row.cells);
    ///     Ok::<(), Error>(())
    /// })?;
    /// eprintln!("{} rows", summary.rows);
    /// # Ok(()) }
    /// ```
    pub fn report_export<F, E>(
        &self,
        request: ReportRequest,
        mut on_row: F,
    ) -> Result<ExportSummary, E>
    where
        F: FnMut(ExportRow<'_>) -> Result<(), E>,
        E: From<Error>,
    {
        let format = if self.format() == Format::Csv {
            Format::Csv
        } else {
            Format::Json
        };
        let request = self.with_format(format).prepare(&export_request(request))?;
        let span = call_span(&request);
        let _entered = span.enter();
        let started = Instant::now();
        let mut retries = Retries::new(self.config().retry, request.idempotent);
        let response = self.exchange(&request, BodyMode::Streamed, &mut retries);
        let mut response = match response {
            Ok(r) => r,
            Err(e) => {
                finish_span(&span, Err(&e), retries.attempts(), started);
                return Err(e.into());
            }
        };
        let status = response.status().as_u16();
        finish_span(&span, Ok(status), retries.attempts(), started);
        if !(200..300).contains(&status) {
            let body = self.read_body(&mut response)?;
            let error = match http::decode::<ReportRequest>(format, status, &body) {
                Err(e) => e,
                Ok(_) => Error::Status {
                    status,
                    body_excerpt: String::new(),
                },
            };
            return Err(error.into());
        }
        let mut reader = BufReader::with_capacity(64 * 1024, response.into_body().into_reader());
        skip_bom(&mut reader).map_err(io_error)?;
        match format {
            Format::Csv => export_csv(reader, &mut on_row),
            _ => export_json(reader, &mut on_row),
        }
    }
}

/// The request for every row at once.
fn export_request(mut request: ReportRequest) -> ReportRequest {
    request.options.retain(|o| {
        !matches!(
            o,
            ReportOption::Page(_) | ReportOption::PerPage(_) | ReportOption::PageOffset(_)
        )
    });
    request.options.push(ReportOption::Page(Page::All));
    request
}

fn skip_bom<R: BufRead>(reader: &mut R) -> std::io::Result<()> {
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    Ok(())
}

fn io_error(e: std::io::Error) -> Error {
    Error::Transport(crate::transport::error_chain(&e))
}

fn export_csv<R: Read, F, E>(reader: R, on_row: &mut F) -> Result<ExportSummary, E>
where
    F: FnMut(ExportRow<'_>) -> Result<(), E>,
    E: From<Error>,
{
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::StringRecord::new();
    let mut summary = ExportSummary {
        format: Format::Csv,
        ..Default::default()
    };
    if !read_record(&mut csv, &mut record)? {
        return Ok(summary);
    }
    let header: Vec<String> = record.iter().map(str::to_owned).collect();
    if header == ["result", "error"] {
        // The key-path error shape: `result,error` then `error,<message>`.
        let message = match read_record(&mut csv, &mut record)? {
            true if record.get(0) == Some("error") => record.get(1).unwrap_or_default().to_owned(),
            _ => String::new(),
        };
        return Err(Error::Server { message }.into());
    }
    summary.columns = header;
    while read_record(&mut csv, &mut record)? {
        let row = Row {
            cells: record.iter().map(Str::from).collect(),
        };
        on_row(ExportRow {
            index: summary.rows,
            columns: &summary.columns,
            row,
        })?;
        summary.rows += 1;
    }
    Ok(summary)
}

fn read_record<R: Read>(
    csv: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
) -> Result<bool, Error> {
    csv.read_record(record).map_err(|e| {
        let position = e
            .position()
            .map_or(Position::Unknown, |p| Position::Offset(p.byte() as usize));
        match e.into_kind() {
            csv::ErrorKind::Io(io) => io_error(io),
            kind => DecodeError::new(Format::Csv, position, csv_message(&kind)).into(),
        }
    })
}

fn csv_message(kind: &csv::ErrorKind) -> String {
    match kind {
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 in field {}", err.field() + 1),
        other => format!("{other:?}"),
    }
}

fn export_json<R: Read, F, E>(reader: R, on_row: &mut F) -> Result<ExportSummary, E>
where
    F: FnMut(ExportRow<'_>) -> Result<(), E>,
    E: From<Error>,
{
    let mut summary = ExportSummary {
        format: Format::Json,
        ..Default::default()
    };
    let mut stopped = None;
    let mut de = serde_json::Deserializer::from_reader(reader);
    let outcome = Document {
        on_row,
        summary: &mut summary,
        stopped: &mut stopped,
    }
    .deserialize(&mut de)
    .and_then(|r| de.end().map(|()| r));
    if let Some(e) = stopped {
        return Err(e);
    }
    match outcome.map_err(json_error)? {
        Some(message) => Err(Error::Server { message }.into()),
        None => Ok(summary),
    }
}

fn json_error(e: serde_json::Error) -> Error {
    if e.is_io() {
        return Error::Transport(crate::transport::error_chain(&e));
    }
    let position = Position::LineColumn {
        line: e.line(),
        column: e.column(),
    };
    DecodeError::new(Format::Json, position, e.to_string()).into()
}

/// The top-level report object; yields the server's message when `result` is `error`.
struct Document<'s, F, E> {
    on_row: &'s mut F,
    summary: &'s mut ExportSummary,
    stopped: &'s mut Option<E>,
}

impl<'de, F, E> DeserializeSeed<'de> for Document<'_, F, E>
where
    F: FnMut(ExportRow<'_>) -> Result<(), E>,
{
    type Value = Option<String>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F, E> Visitor<'de> for Document<'_, F, E>
where
    F: FnMut(ExportRow<'_>) -> Result<(), E>,
{
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a report object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let (mut result, mut error) = (String::new(), String::new());
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "result" => result = map.next_value::<Cell>()?.0,
                "error" => error = map.next_value::<Cell>()?.0,
                "total_results" => {
                    let total = map.next_value::<Cell>()?.0;
                    let total = total.trim().parse().map_err(|_| {
                        de::Error::custom(format!(
                            "total_results: expected an integer, found {total:?}"
                        ))
                    })?;
                    self.summary.total_results = Some(total);
                }
                "title" => self.summary.title = Some(map.next_value::<Cell>()?.0),
                "columns" => {
                    self.summary.columns = map
                        .next_value::<Vec<Cell>>()?
                        .into_iter()
                        .map(|c| c.0)
                        .collect()
                }
                "results" => map.next_value_seed(Rows {
                    on_row: &mut *self.on_row,
                    summary: &mut *self.summary,
                    stopped: &mut *self.stopped,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((result == "error").then_some(error))
    }
}

/// The `results` array, handed to the callback row by row.
struct Rows<'s, F, E> {
    on_row: &'s mut F,
    summary: &'s mut ExportSummary,
    stopped: &'s mut Option<E>,
}

impl<'de, F, E> DeserializeSeed<'de> for Rows<'_, F, E>
where
    F: FnMut(ExportRow<'_>) -> Result<(), E>,
{
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, F, E> Visitor<'de> for Rows<'_, F, E>
where
    F: FnMut(ExportRow<'_>) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of report rows")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        while let Some(cells) = seq.next_element::<Vec<Cell>>()? {
            let row = Row {
                cells: cells.into_iter().map(|c| Str::from(c.0)).collect(),
            };
            if let Err(e) = (self.on_row)(ExportRow {
                index: self.summary.rows,
                columns: &self.summary.columns,
                row,
            }) {
                *self.stopped = Some(e);
                return Err(de::Error::custom("stopped by the row callback"));
            }
            self.summary.rows += 1;
        }
        Ok(())
    }

    /// PHP writes an empty array as `[]`, but tolerate `{}` and `null`.
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        match map.next_key::<IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(de::Error::custom(
                "expected a list of report rows, found an object",
            )),
        }
    }

    fn visit_unit<Er: de::Error>(self) -> Result<(), Er> {
        Ok(())
    }
}

/// A scalar as text: strings as they are, numbers in their shortest form, `true`/`false` as
/// `1`/`0`, `null` as empty.
struct Cell(String);

impl<'de> de::Deserialize<'de> for Cell {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CellVisitor)
    }
}

struct CellVisitor;

impl Visitor<'_> for CellVisitor {
    type Value = Cell;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }

    fn visit_str<Er: de::Error>(self, v: &str) -> Result<Cell, Er> {
        Ok(Cell(v.to_owned()))
    }

    fn visit_string<Er: de::Error>(self, v: String) -> Result<Cell, Er> {
        Ok(Cell(v))
    }

    fn visit_i64<Er: de::Error>(self, v: i64) -> Result<Cell, Er> {
        Ok(Cell(v.to_string()))
    }

    fn visit_u64<Er: de::Error>(self, v: u64) -> Result<Cell, Er> {
        Ok(Cell(v.to_string()))
    }

    fn visit_f64<Er: de::Error>(self, v: f64) -> Result<Cell, Er> {
        Ok(Cell(v.to_string()))
    }

    fn visit_bool<Er: de::Error>(self, v: bool) -> Result<Cell, Er> {
        Ok(Cell(if v { "1" } else { "0" }.to_owned()))
    }

    fn visit_unit<Er: de::Error>(self) -> Result<Cell, Er> {
        Ok(Cell(String::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(format: Format, body: &str) -> Result<(ExportSummary, Vec<Vec<String>>), Error> {
        let mut rows = Vec::new();
        let mut on_row = |r: ExportRow<'_>| {
            assert_eq!(r.index as usize, rows.len());
            rows.push(r.row.cells.iter().map(|c| c.to_string()).collect());
            Ok::<(), Error>(())
        };
        let mut reader = BufReader::new(body.as_bytes());
        skip_bom(&mut reader).unwrap();
        let summary = match format {
            Format::Csv => export_csv(reader, &mut on_row)?,
            _ => export_json(reader, &mut on_row)?,
        };
        Ok((summary, rows))
    }

    #[test]
    fn json_rows() {
        let body = "\u{feff}{\"result\":\"success\",\"error\":\"\",\"total_results\":\"2\",\"title\":\"t\",\"columns\":[\"a\",\"b\"],\
                    \"results\":[[\"1\",2],[null,true]],\"extra\":{\"x\":[1]}}";
        let (summary, rows) = collect(Format::Json, body).unwrap();
        assert_eq!(summary.columns, ["a", "b"]);
        assert_eq!(summary.total_results, Some(2));
        assert_eq!(summary.title.as_deref(), Some("t"));
        assert_eq!(rows, [vec!["1", "2"], vec!["", "1"]]);
        assert_eq!(summary.rows, 2);
    }

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
        let e = collect(Format::Json, "{\"results\":[[\"1\"],[").unwrap_err();
        assert!(matches!(e, Error::Decode(_)), "{e}");
        let e = collect(Format::Json, "{} x").unwrap_err();
        assert!(matches!(e, Error::Decode(_)), "{e}");
    }

    #[test]
    fn csv_rows_and_errors() {
        let (summary, rows) = collect(Format::Csv, "a,b\n1,\"x \"\"y\"\"\"\n2,\n").unwrap();
        assert_eq!(summary.columns, ["a", "b"]);
        assert_eq!(rows, [vec!["1", "x \"y\""], vec!["2", ""]]);
        let e = collect(Format::Csv, "result,error\nerror,\"Error details here\"\n").unwrap_err();
        assert!(
            matches!(e, Error::Server { ref message } if message == "Error details here"),
            "{e}"
        );
        let (summary, rows) = collect(Format::Csv, "").unwrap();
        assert!(summary.columns.is_empty() && rows.is_empty());
    }

    #[test]
    fn callback_stops_the_export() {
        let mut seen = 0;
        let result: Result<ExportSummary, Stop> = export_json(
            "{\"results\":[[\"1\"],[\"2\"],[\"3\"]]}".as_bytes(),
            &mut |_r: ExportRow<'_>| {
                seen += 1;
                if seen == 2 { Err(Stop::Enough) } else { Ok(()) }
            },
        );
        assert!(matches!(result, Err(Stop::Enough)));
        assert_eq!(seen, 2);
    }

    #[derive(Debug)]
    enum Stop {
        Enough,
        #[allow(dead_code)]
        Sdk(Error),
    }

    impl From<Error> for Stop {
        fn from(e: Error) -> Stop {
            Stop::Sdk(e)
        }
    }
}
