//! Writing report rows as they are decoded, in every `--output`.
//!
//! - `json`: `{"total_results", "title", "columns", "results": [[...]]}` in spec order, as a
//!   single page prints it (`title` only when there is one; `total_results` is `null` when the
//!   body does not say it, as a CSV body never does), laid out exactly as
//!   `serde_json::to_string_pretty` would, but written row by row. Only a streamed JSON body
//!   that puts its header fields after the rows (the PHP server never does) gets them last;
//! - `jsonl`: one object per row, keyed by column;
//! - `csv`: a header of column names, then one line per row;
//! - `yaml`: the same document as `json`;
//! - `table`: the title, aligned columns (widths from the first rows), and a count line
//!   (`total_results unknown` when the body does not say it).

use crate::conn::Conn;
use crate::error::{CliError, CliResult};
use crate::output::{self, Output, Target};
use crate::run::stdout_err;
use crate::table::{self, Cell};
use dlspbx::ExportRow;
use dlspbx_core::Format;
use dlspbx_core::report::CellType;
use dlspbx_core::reports::{Column, ReportOption, ReportRequest};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

/// Rows buffered before a table's widths are fixed.
const TABLE_SAMPLE: usize = 1000;

/// What a report's head knows of `total_results`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadTotal {
    /// The body says it.
    Known(i64),
    /// The body does not say it (a CSV body never does): shown as unknown, never invented.
    Unknown,
    /// Not known yet: a streamed JSON body may give it after the rows, and
    /// [`ReportSink::finish`] writes it then.
    Later,
}

impl HeadTotal {
    /// `Known` when `total` is, else `Unknown`.
    pub fn of(total: Option<i64>) -> HeadTotal {
        total.map_or(HeadTotal::Unknown, HeadTotal::Known)
    }
}

/// A writer of report rows in one output.
pub struct ReportSink<'w> {
    output: Output,
    out: &'w mut dyn Write,
    total: HeadTotal,
    title: Option<String>,
    /// Whether the head knew the title (else `finish` may write one the body gave late).
    title_at_head: bool,
    head_written: bool,
    columns: Vec<String>,
    numeric: Vec<bool>,
    rows: usize,
    buffered: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
    /// The CSV line writer (`--output csv`).
    csv: CsvLine,
    /// YAML whose head was written (its total known at the head): rows are written as they
    /// come. Otherwise (a total given after the rows) the document is written at the end.
    yaml_streamed: bool,
}

/// A list of strings as pretty JSON.
fn pretty<S: AsRef<str>>(items: &[S]) -> String {
    let v = Value::Array(
        items
            .iter()
            .map(|s| Value::String(s.as_ref().to_owned()))
            .collect(),
    );
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_owned()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// CSV lines as the csv crate writes them (quotes only where needed, `""` for a lone empty
/// field), built with its core into one reused buffer: a writer per row cost a third of a
/// report's JSON-to-CSV time.
struct CsvLine {
    core: csv_core::Writer,
    buf: Vec<u8>,
}

impl CsvLine {
    fn new() -> Self {
        CsvLine {
            core: csv_core::Writer::new(),
            buf: Vec::with_capacity(1024),
        }
    }

    /// `cells` as one line (with its terminator).
    fn line<S: AsRef<str>>(&mut self, cells: &[S]) -> &[u8] {
        self.buf.clear();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.buf.push(self.core.get_delimiter());
            }
            let cell = cell.as_ref().as_bytes();
            if self.core.should_quote(cell) || (cell.is_empty() && cells.len() == 1) {
                let q = self.core.get_quote();
                self.buf.push(q);
                // Every byte a quote at worst: twice the cell.
                let start = self.buf.len();
                self.buf.resize(start + 2 * cell.len(), 0);
                let (_, _, n) = csv_core::quote(
                    cell,
                    &mut self.buf[start..],
                    q,
                    self.core.get_escape(),
                    self.core.get_double_quote(),
                );
                self.buf.truncate(start + n);
                self.buf.push(q);
            } else {
                self.buf.extend_from_slice(cell);
            }
        }
        if cells.is_empty() {
            self.buf.extend_from_slice(b"\"\"");
        }
        self.buf.push(b'\n');
        &self.buf
    }
}

impl<'w> ReportSink<'w> {
    /// A sink writing to `out`.
    pub fn new(output: Output, out: &'w mut dyn Write) -> Self {
        ReportSink {
            output,
            out,
            total: HeadTotal::Later,
            title: None,
            title_at_head: false,
            head_written: false,
            columns: Vec::new(),
            numeric: Vec::new(),
            rows: 0,
            buffered: Vec::new(),
            widths: None,
            yaml_streamed: false,
            csv: CsvLine::new(),
        }
    }

    /// The report's header, before the rows. A `total` of [`HeadTotal::Later`] and a `title`
    /// of `None` may be filled in by [`finish`](Self::finish) (a streamed body that gives
    /// them after the rows).
    pub fn head<S: AsRef<str>>(
        &mut self,
        total: HeadTotal,
        title: Option<&str>,
        columns: &[S],
    ) -> io::Result<()> {
        self.total = total;
        self.title = title.map(str::to_owned);
        self.title_at_head = title.is_some();
        self.columns = columns.iter().map(|c| c.as_ref().to_owned()).collect();
        self.numeric = self
            .columns
            .iter()
            .map(|c| {
                Column::from_name_or_label(c)
                    .is_some_and(|c| matches!(c.cell(), CellType::Int | CellType::Duration))
            })
            .collect();
        self.head_written = true;
        match self.output {
            Output::Json => {
                writeln!(self.out, "{{")?;
                match total {
                    HeadTotal::Known(n) => writeln!(self.out, "  \"total_results\": {n},")?,
                    HeadTotal::Unknown => writeln!(self.out, "  \"total_results\": null,")?,
                    HeadTotal::Later => {}
                }
                if let Some(t) = &self.title {
                    writeln!(self.out, "  \"title\": {},", json_str(t))?;
                }
                write!(
                    self.out,
                    "  \"columns\": {},\n  \"results\": [",
                    indent(&pretty(&self.columns), 2)
                )
            }
            Output::Csv => {
                let cols: Vec<&str> = self.columns.iter().map(String::as_str).collect();
                self.out.write_all(self.csv.line(&cols))
            }
            Output::Table => {
                if let Some(t) = &self.title {
                    writeln!(self.out, "{t}")?;
                }
                Ok(())
            }
            Output::Yaml if total != HeadTotal::Later => {
                self.yaml_streamed = true;
                let mut doc = serde_json::Map::new();
                doc.insert(
                    "total_results".into(),
                    match total {
                        HeadTotal::Known(n) => n.into(),
                        _ => Value::Null,
                    },
                );
                if let Some(t) = &self.title {
                    doc.insert("title".into(), t.clone().into());
                }
                doc.insert("columns".into(), self.columns.clone().into());
                output::write_yaml(self.out, &Value::Object(doc))
            }
            Output::Jsonl | Output::Yaml => Ok(()),
        }
    }

    /// The rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The rows already written to the output: a table holds its first rows until its widths
    /// are fixed, and YAML holds every row until the end.
    pub fn written(&self) -> usize {
        match self.output {
            Output::Yaml if !self.yaml_streamed => 0,
            Output::Table if self.widths.is_none() => 0,
            _ => self.rows,
        }
    }

    /// Whether [`head`](Self::head) was called.
    pub fn has_head(&self) -> bool {
        self.head_written
    }

    /// One row's cells, in column order (not counted when it cannot be written).
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> io::Result<()> {
        self.rows += 1;
        let written = self.write_row(cells);
        if written.is_err() {
            self.rows -= 1;
        }
        written
    }

    fn write_row<S: AsRef<str>>(&mut self, cells: &[S]) -> io::Result<()> {
        match self.output {
            Output::Json => {
                let sep = if self.rows == 1 { "\n    " } else { ",\n    " };
                write!(self.out, "{sep}{}", indent(&pretty(cells), 4))
            }
            Output::Jsonl => {
                let obj = Value::Object(
                    self.columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            (
                                c.clone(),
                                Value::String(cells.get(i).map_or("", AsRef::as_ref).to_owned()),
                            )
                        })
                        .collect(),
                );
                serde_json::to_writer(&mut *self.out, &obj)?;
                writeln!(self.out)
            }
            Output::Csv => self.out.write_all(self.csv.line(cells)),
            Output::Yaml if self.yaml_streamed => {
                if self.rows == 1 {
                    writeln!(self.out, "results:")?;
                }
                // The row as an item of `results`: a one-row list, indented under the key.
                let row = Value::Array(vec![
                    cells.iter().map(|c| Value::from(c.as_ref())).collect(),
                ]);
                let text = output::yaml_text(&row);
                for line in text.lines() {
                    writeln!(self.out, "  {line}")?;
                }
                Ok(())
            }
            Output::Yaml => {
                self.buffered
                    .push(cells.iter().map(|c| c.as_ref().to_owned()).collect());
                Ok(())
            }
            Output::Table => {
                let row: Vec<String> = cells
                    .iter()
                    .map(|c| {
                        c.as_ref()
                            .chars()
                            .map(|ch| if ch.is_control() { ' ' } else { ch })
                            .collect()
                    })
                    .collect();
                match &self.widths {
                    Some(w) => {
                        let w = w.clone();
                        let cells = self.cells(row);
                        table::write_line(self.out, &cells, &w)
                    }
                    None => {
                        self.buffered.push(row);
                        if self.buffered.len() >= TABLE_SAMPLE {
                            self.flush_table()
                        } else {
                            Ok(())
                        }
                    }
                }
            }
        }
    }

    fn cells(&self, row: Vec<String>) -> Vec<Cell> {
        row.into_iter()
            .enumerate()
            .map(|(i, text)| Cell {
                text,
                numeric: self.numeric.get(i).copied().unwrap_or(false),
                value: Value::Null,
            })
            .collect()
    }

    fn flush_table(&mut self) -> io::Result<()> {
        let rows: Vec<Vec<Cell>> = std::mem::take(&mut self.buffered)
            .into_iter()
            .map(|r| self.cells(r))
            .collect();
        let w = table::widths(&self.columns, &rows);
        let header: Vec<Cell> = self.columns.iter().map(|c| Cell::text(c.clone())).collect();
        if rows.is_empty() {
            writeln!(self.out, "{}", table::NO_RESULTS)?;
        } else {
            table::write_header(self.out, &header, &w)?;
        }
        for r in &rows {
            table::write_line(self.out, r, &w)?;
        }
        self.widths = Some(w);
        Ok(())
    }

    /// Ends the document; `total` and `title` fill in what [`head`](Self::head) did not know
    /// (a total the head called [`HeadTotal::Later`], a title it did not have). An unknown
    /// total stays unknown: it is never the number of rows written.
    pub fn finish(&mut self, total: Option<i64>, title: Option<&str>) -> io::Result<()> {
        let late_total = self.total == HeadTotal::Later;
        let total = match self.total {
            HeadTotal::Known(n) => Some(n),
            HeadTotal::Unknown => None,
            HeadTotal::Later => total,
        };
        let late_title = if self.title_at_head {
            None
        } else {
            title.map(str::to_owned)
        };
        if late_title.is_some() {
            self.title = late_title.clone();
        }
        match self.output {
            Output::Json => {
                if self.rows == 0 {
                    write!(self.out, "]")?;
                } else {
                    write!(self.out, "\n  ]")?;
                }
                if late_total {
                    match total {
                        Some(n) => write!(self.out, ",\n  \"total_results\": {n}")?,
                        None => write!(self.out, ",\n  \"total_results\": null")?,
                    }
                }
                if let Some(t) = &late_title {
                    write!(self.out, ",\n  \"title\": {}", json_str(t))?;
                }
                writeln!(self.out, "\n}}")
            }
            Output::Csv | Output::Jsonl => Ok(()),
            Output::Yaml if self.yaml_streamed => {
                if self.rows == 0 {
                    writeln!(self.out, "results: []")?;
                }
                if let Some(t) = &late_title {
                    let mut doc = serde_json::Map::new();
                    doc.insert("title".into(), t.clone().into());
                    output::write_yaml(self.out, &Value::Object(doc))?;
                }
                Ok(())
            }
            Output::Yaml => {
                // The document of `Endpoint::to_json`: the title only when there is one.
                let mut doc = serde_json::Map::new();
                doc.insert("total_results".into(), total.into());
                if let Some(t) = &self.title {
                    doc.insert("title".into(), t.clone().into());
                }
                doc.insert("columns".into(), self.columns.clone().into());
                doc.insert("results".into(), std::mem::take(&mut self.buffered).into());
                let doc = Value::Object(doc);
                output::write_yaml(self.out, &doc)
            }
            Output::Table => {
                if self.widths.is_none() {
                    self.flush_table()?;
                }
                let total = total.map_or_else(|| "unknown".to_owned(), |n| n.to_string());
                writeln!(
                    self.out,
                    "({} row{}; total_results {total})",
                    self.rows,
                    if self.rows == 1 { "" } else { "s" }
                )
            }
        }
    }
}

/// `sms query-sms --all`'s records, written page by page as they arrive: `json` as one
/// document laid out as a single page prints it (`{"total_results", "results": [...]}`),
/// `jsonl` one record per line, `csv` a header of the record type's fields (the spec's, so
/// that later pages fit it) then one line per record; `yaml` and `table` hold the records
/// and print one document at the end.
pub struct Records<'w> {
    output: Output,
    /// The CSV header: the record type's fields.
    header: Vec<&'static str>,
    out: &'w mut dyn Write,
    path: Option<std::path::PathBuf>,
    total: Option<Value>,
    rows: usize,
    started: bool,
    held: Vec<Value>,
    csv: CsvLine,
}

impl<'w> Records<'w> {
    /// Records written to `target`.
    pub fn new(output: Output, target: &'w mut Target) -> Self {
        let path = target.path().map(Path::to_path_buf);
        Records {
            output,
            header: Self::header(),
            out: target,
            path,
            total: None,
            rows: 0,
            started: false,
            held: Vec::new(),
            csv: CsvLine::new(),
        }
    }

    /// The header of the record type: the spec's fields of `results`' items.
    fn header() -> Vec<&'static str> {
        use dlspbx_core::Endpoint;
        dlspbx_core::sms::QuerySmsRequest::INFO
            .response
            .iter()
            .find(|f| f.name == "results")
            .map(|f| f.fields.iter().map(|x| x.name).collect())
            .unwrap_or_default()
    }

    /// One page's canonical JSON (`{"total_results", "results"}`).
    pub fn page(&mut self, page: &Value) -> io::Result<()> {
        let items = page
            .get("results")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if !self.started {
            self.started = true;
            self.total = page.get("total_results").cloned();
            match self.output {
                Output::Json => {
                    writeln!(self.out, "{{")?;
                    if let Some(t) = &self.total {
                        writeln!(self.out, "  \"total_results\": {t},")?;
                    }
                    write!(self.out, "  \"results\": [")?;
                }
                Output::Csv => {
                    self.out.write_all(self.csv.line(&self.header))?;
                }
                _ => {}
            }
        }
        for item in items {
            // A record is counted once it is written.
            match self.output {
                Output::Json => {
                    let sep = if self.rows == 0 { "\n    " } else { ",\n    " };
                    let text = serde_json::to_string_pretty(item).map_err(io::Error::other)?;
                    write!(self.out, "{sep}{}", indent(&text, 4))?;
                }
                Output::Jsonl => {
                    serde_json::to_writer(&mut *self.out, item)?;
                    writeln!(self.out)?;
                }
                Output::Csv => {
                    let cells: Vec<String> = self
                        .header
                        .iter()
                        .map(|h| item.get(*h).map(output::value_text).unwrap_or_default())
                        .collect();
                    self.out.write_all(self.csv.line(&cells))?;
                }
                Output::Yaml | Output::Table => self.held.push(item.clone()),
            }
            self.rows += 1;
        }
        self.out.flush()
    }

    /// Ends the document.
    pub fn finish(&mut self) -> io::Result<()> {
        match self.output {
            Output::Json => {
                if !self.started {
                    writeln!(self.out, "{{")?;
                    write!(self.out, "  \"results\": [")?;
                }
                if self.rows == 0 {
                    writeln!(self.out, "]\n}}")
                } else {
                    writeln!(self.out, "\n  ]\n}}")
                }
            }
            Output::Jsonl | Output::Csv => Ok(()),
            Output::Yaml | Output::Table => {
                use dlspbx_core::Endpoint;
                let mut doc = serde_json::Map::new();
                if let Some(t) = &self.total {
                    doc.insert("total_results".into(), t.clone());
                }
                doc.insert("results".into(), std::mem::take(&mut self.held).into());
                output::write_value(
                    self.out,
                    self.output,
                    dlspbx_core::sms::QuerySmsRequest::INFO,
                    &Value::Object(doc),
                )
            }
        }
    }

    /// A failure midway, saying how many records the output got.
    pub fn failed(&self, e: CliError) -> CliError {
        let written = match self.output {
            Output::Yaml | Output::Table => 0,
            _ => self.rows,
        };
        midway(e, written, self.path.as_deref())
    }
}

/// An export's failure, saying how far the output got (`rows` written).
fn midway(e: CliError, rows: usize, path: Option<&Path>) -> CliError {
    if e.message.is_empty() {
        // A closed stdout pipe (`| head`): nothing more to say.
        return e;
    }
    let s = if rows == 1 { "" } else { "s" };
    let note = match (path, rows) {
        (Some(p), _) => format!(
            "the export stopped after {rows} row{s}; {} was not written",
            p.display()
        ),
        (None, 0) => "the export stopped before the first row; stdout has no row".to_owned(),
        (None, n) => format!(
            "the export stopped after {n} row{s}; the last row written to stdout is row {n}, \
             the output is incomplete"
        ),
    };
    CliError {
        code: e.code,
        message: format!("{}\ndlspbx: {note}", e.message),
    }
}

/// The number of rows the export will stream (a `count_only` request), for the progress bar.
fn count_rows(conn: &Conn, req: &ReportRequest) -> Option<u64> {
    let mut q = req.clone();
    q.options.retain(|o| {
        !matches!(
            o,
            ReportOption::Page(_)
                | ReportOption::PerPage(_)
                | ReportOption::PageOffset(_)
                | ReportOption::CountOnly(_)
        )
    });
    q.options.push(ReportOption::CountOnly(true));
    let raw = conn.client.call_raw(q).ok()?;
    let table = raw.decode::<ReportRequest>().ok()?;
    u64::try_from(table.total_results()?).ok()
}

/// `{rate}` of a progress bar: whole items per second.
pub fn rate(state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{:.0}/s", state.per_sec());
}

/// The export's progress bar on a terminal (stderr): a bar with the row count when the server
/// tells it, else a spinner; `None` when stderr is not a terminal (a pipe, a file).
fn progress_bar(conn: &Conn, req: &ReportRequest) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = match count_rows(conn, req) {
        Some(total) => ProgressBar::new(total).with_style(
            ProgressStyle::with_template(
                "{spinner} exporting [{bar:40}] {pos}/{len} rows ({rate}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key("rate", rate)
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} exporting {pos} rows ({rate})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner())
                .with_key("rate", rate),
        ),
    };
    bar.enable_steady_tick(Duration::from_millis(100));
    Some(bar)
}

/// Rows of a streamed report body (the export, `decode`) written to a [`ReportSink`] as they
/// are decoded, with a progress bar when there is one.
struct Streamed<'w> {
    sink: ReportSink<'w>,
    /// Whether the body is CSV (which never says its total).
    csv: bool,
    bar: Option<ProgressBar>,
}

impl<'w> Streamed<'w> {
    fn new(
        output: Output,
        out: &'w mut dyn Write,
        format: Format,
        bar: Option<ProgressBar>,
    ) -> Self {
        Streamed {
            sink: ReportSink::new(output, out),
            csv: format == Format::Csv,
            bar,
        }
    }

    /// One decoded row: the head first (a JSON body gives its total before the rows, PHP's
    /// order, or perhaps after them; a CSV body has none).
    fn row(&mut self, row: ExportRow<'_>) -> CliResult<()> {
        if !self.sink.has_head() {
            let total = match (self.csv, row.total_results) {
                (true, _) => HeadTotal::Unknown,
                (false, Some(n)) => HeadTotal::Known(n),
                (false, None) => HeadTotal::Later,
            };
            self.sink
                .head(total, row.title, row.columns)
                .map_err(stdout_err)?;
        }
        self.sink.row(&row.row.cells).map_err(stdout_err)?;
        if let Some(b) = &self.bar {
            b.inc(1);
        }
        Ok(())
    }

    /// The end of the body: the head if no row came, then what the body gave after the rows.
    fn end(&mut self, summary: &dlspbx::export::ExportSummary) -> CliResult<()> {
        crate::run::warn_server(&summary.server_warnings);
        if !self.sink.has_head() {
            let total = HeadTotal::of(summary.total_results);
            self.sink
                .head(total, summary.title.as_deref(), &summary.columns)
                .map_err(stdout_err)?;
        }
        self.sink
            .finish(summary.total_results, summary.title.as_deref())
            .map_err(stdout_err)
    }

    /// A failure midway: the bar cleared, the error saying how far the output got.
    fn failed(&self, e: CliError, path: Option<&Path>) -> CliError {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        midway(e, self.sink.written(), path)
    }
}

/// `--all`: every row (page=ALL) through the client's streaming export, which decodes one row
/// at a time and writes it at once (flat memory, whatever the size). A progress bar on stderr
/// when it is a terminal; on success it leaves a one-line summary there.
///
/// A failure midway (a server error, a dropped connection, an undecodable row) is the error,
/// with how far the output got: the rows written to the file (which [`Target`] then removes,
/// so PATH is not written), or the last row written to stdout.
pub fn export_all(
    conn: &Conn,
    req: ReportRequest,
    output: Output,
    target: &mut Target,
) -> CliResult<()> {
    let bar = progress_bar(conn, &req);
    stream(
        conn,
        &dlspbx::export::export_request(req),
        output,
        target,
        bar,
    )
}

/// One page of a report (`--per-page 100000`, `--page ALL` without `--all`), streamed as
/// [`export_all`] streams every row: in JSON, or CSV when that is the format, written row by
/// row as the body arrives.
pub fn page(
    conn: &Conn,
    req: &ReportRequest,
    output: Output,
    target: &mut Target,
) -> CliResult<()> {
    stream(conn, req, output, target, None)
}

/// The rows of `req` (sent as it is) written to `target` as they arrive.
fn stream(
    conn: &Conn,
    req: &ReportRequest,
    output: Output,
    target: &mut Target,
    bar: Option<ProgressBar>,
) -> CliResult<()> {
    let path = target.path().map(Path::to_path_buf);
    let format = dlspbx::export::export_format(conn.options.format);
    let mut rows = Streamed::new(output, target, format, bar);
    let summary = match conn.client.report_stream(req, |row| rows.row(row)) {
        Ok(s) => s,
        Err(e) => return Err(rows.failed(e, path.as_deref())),
    };
    if let Some(b) = &rows.bar {
        let (n, elapsed) = (b.position(), b.elapsed());
        b.set_style(
            ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b.finish_with_message(format!(
            "dlspbx: exported {n} row{} in {:.1}s",
            if n == 1 { "" } else { "s" },
            elapsed.as_secs_f64()
        ));
    }
    rows.end(&summary)
}

/// Why [`decode`] stopped: the body (decoded as `decode` reads any body), or the output.
enum Stop {
    Body(dlspbx::Error),
    Output(CliError),
}

impl From<dlspbx::Error> for Stop {
    fn from(e: dlspbx::Error) -> Self {
        Stop::Body(e)
    }
}

/// `decode reports.report` of a JSON or CSV body: the rows written as `body` is read, 64 KiB
/// at a time, through the streaming export's decoder, so memory stays flat whatever the size
/// (XML and YAML bodies, which have no incremental decoder, are decoded whole). A failure
/// midway says how far the output got, as [`export_all`]'s does.
pub fn decode(
    body: &mut dyn io::Read,
    format: Format,
    output: Output,
    target: &mut Target,
) -> CliResult<()> {
    let path = target.path().map(Path::to_path_buf);
    let mut rows = Streamed::new(output, target, format, None);
    let result = (|| {
        let mut decoder = dlspbx::export::ExportDecoder::new(format);
        let mut on_row = |row: ExportRow<'_>| rows.row(row).map_err(Stop::Output);
        let mut chunk = vec![0; 64 * 1024];
        loop {
            let n = match body.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Stop::Output(CliError::usage(format!(
                        "cannot read the body: {e}"
                    ))));
                }
            };
            decoder.feed(&chunk[..n], &mut on_row)?;
        }
        decoder.finish(&mut on_row)
    })();
    match result {
        Ok(summary) => rows.end(&summary),
        Err(Stop::Body(e)) => Err(rows.failed(crate::run::decode_failure(e), path.as_deref())),
        Err(Stop::Output(e)) => Err(rows.failed(e, path.as_deref())),
    }
}

#[cfg(test)]
mod tests {
    use super::CsvLine;
    use proptest::prelude::*;

    /// What the csv crate's writer gives for one record.
    fn csv_crate(cells: &[&str]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        w.write_record(cells).unwrap();
        w.into_inner().unwrap()
    }

    #[test]
    fn lines_are_the_csv_crates() {
        let mut line = CsvLine::new();
        for cells in [
            &[][..],
            &[""],
            &["", ""],
            &["a", "b c", "d,e", "f\"g", "h\ni", "j\rk", "\\", "#"],
        ] {
            assert_eq!(line.line(cells), csv_crate(cells), "{cells:?}");
        }
    }

    proptest! {
        #[test]
        fn any_record_is_written_as_the_csv_crate_writes_it(
            cells in proptest::collection::vec("[a-c ,\"\\\\\r\n#'é]{0,6}", 0..5)
        ) {
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            let mut line = CsvLine::new();
            prop_assert_eq!(line.line(&cells), &csv_crate(&cells)[..]);
        }
    }
}
