//! `dlspbx dialer import FILE.csv --contact-list NAME`: bulk add_contact from a CSV file.
//!
//! 1. The header maps columns to add_contact fields: the wire or Rust name of a field
//!    (`dialOnDate`, `dial_on_date`), `custom:<name>`, or a `--map column=field` rule; any
//!    other column is refused (exit 4) unless `--custom-unknown` makes it `custom:<column>`.
//! 2. Every row is parsed with the generated `from_params` and checked with the generated
//!    `validate`; each bad row is printed as `line N: field: reason`, N counting the file's
//!    lines (LF, CRLF or CR) from the header's line 1.
//! 3. Nothing is sent unless every row is valid or `--skip-invalid` is given (exit 4).
//!    `--reject-file` gets every bad row (invalid, or later refused by the server) as CSV.
//! 4. `--resume` drops the rows the journal (`FILE.csv.dlspbx-journal` or `--journal`) says
//!    an earlier run stored.
//! 5. The contact list is created (the API returns the existing list's ID if it exists), then
//!    the rows are sent by `--concurrency` threads sharing one client. Each acknowledged row
//!    goes to the journal (and with `-o jsonl` to stdout) at once, flushed. The sending stops
//!    after `--max-failures` consecutive connection failures (exit 2) or at Ctrl-C (exit 130).
//! 6. A summary (sent, skipped, failed) goes to stderr; stdout gets one line per sent row
//!    (line, phone number, contact ID or error) in `--output`, or on a terminal the counts and
//!    the first failures. The journal is removed when every row is stored.

use crate::conn::{Conn, Globals};
use crate::error::{CliError, CliResult, EXIT_DECODE, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_SERVER};
use crate::output::{self, Output};
use crate::run::stdout_err;
use clap::ArgMatches;
use dlspbx_core::FieldType;
use dlspbx_core::dialer::{AddContactListRequest, AddContactRequest};
use dlspbx_core::params::Validate;
use dlspbx_core::wire::{CsvLayout, RowKind};
use dlspbx_core::{ActionInfo, Endpoint, Node};
use serde_json::{Value, json};
use std::io::{self, IsTerminal, Read, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How the import's summary prints: like an action whose response is a table of `contacts`.
static SUMMARY: ActionInfo = ActionInfo {
    csv: CsvLayout::Table {
        rows: "contacts",
        row: RowKind::Map,
    },
    name: "import",
    summary: "Add every contact of a CSV file to a contact list",
    doc: "",
    request: &[],
    response: &[],
    ..*AddContactRequest::INFO
};

/// One CSV row, parsed.
#[derive(Debug)]
pub struct Row {
    /// The line number in the file (the header is line 1).
    pub line: u64,
    /// The request, or why the row is invalid.
    pub request: Result<AddContactRequest, String>,
    /// The row's cells as read (for `--reject-file`).
    pub cells: Vec<String>,
}

/// One sent row: its line, phone number, and the contact ID or the failure.
type Sent = (u64, String, Result<i64, CliError>);

/// Where one CSV column goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An add_contact field, by its wire name.
    Field(&'static str),
    /// The custom field `custom:<name>`.
    Custom(String),
    /// Nowhere (`--map COLUMN=-`).
    Ignore,
}

impl Target {
    /// The parameter name the value is sent as (`None`: not sent).
    fn param(&self, custom: &str) -> Option<String> {
        match self {
            Target::Field(f) => Some((*f).to_owned()),
            Target::Custom(name) => Some(format!("{custom}:{name}")),
            Target::Ignore => None,
        }
    }
}

/// The name of add_contact's custom-fields field (`custom`).
fn custom_field() -> &'static str {
    AddContactRequest::INFO
        .request
        .iter()
        .find(|f| f.ty == FieldType::CustomFields)
        .map(|f| f.name)
        .unwrap_or("custom")
}

/// The fields a column can name, for error messages: `phone_number, first_name, ...`.
fn allowed_fields() -> String {
    let custom = custom_field();
    let names: Vec<&str> = AddContactRequest::INFO
        .request
        .iter()
        .filter(|f| f.ty != FieldType::CustomFields && f.name != "contact_list")
        .map(|f| f.name)
        .collect();
    format!("{}, or {custom}:<name>", names.join(", "))
}

/// A column's name as the error messages show it.
fn column_name(i: usize, h: &str) -> String {
    if h.is_empty() {
        format!("column {} (no name)", i + 1)
    } else {
        format!("column {} `{h}`", i + 1)
    }
}

/// Where each CSV column goes: the wire or Rust name of an add_contact field, `custom:<name>`,
/// a `--map column=field` rule (field `-`: ignore the column), or, with `custom_unknown`,
/// `custom:<column>` for any other column.
///
/// Refused: a `--map` rule for a column the header does not have or to a field add_contact
/// does not have (usage, exit 1); an unknown column without a rule or `--custom-unknown`, a
/// `contact_list` column, and two columns going to the same field (invalid input, exit 4).
pub fn map_columns(
    headers: &[String],
    maps: &[(String, String)],
    custom_unknown: bool,
) -> CliResult<Vec<Target>> {
    let fields = AddContactRequest::INFO.request;
    let custom = custom_field();
    let resolve = |name: &str| -> Option<Target> {
        let n = name.trim();
        if let Some(rest) = n.strip_prefix(custom).and_then(|r| r.strip_prefix(':')) {
            return Some(Target::Custom(rest.to_owned()));
        }
        fields
            .iter()
            .find(|f| {
                f.ty != FieldType::CustomFields
                    && (f.name.eq_ignore_ascii_case(n)
                        || f.rust.eq_ignore_ascii_case(n)
                        || crate::cli::kebab(f.rust) == n)
            })
            .map(|f| Target::Field(f.name))
    };
    let columns = || {
        headers
            .iter()
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (c, f) in maps {
        if !headers.iter().any(|h| h == c) {
            return Err(CliError::usage(format!(
                "--map {c}={f}: the header has no column `{c}`; its columns: {}",
                columns()
            )));
        }
    }
    let mut out = Vec::with_capacity(headers.len());
    let mut unknown = Vec::new();
    let mut problems = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let target = match maps.iter().find(|(c, _)| c == h) {
            Some((_, field)) if field == "-" => Target::Ignore,
            Some((_, field)) => match resolve(field) {
                Some(Target::Field("contact_list")) | None => {
                    return Err(CliError::usage(format!(
                        "--map {h}={field}: `{field}` is not an add_contact field; fields: {}, or - to ignore the column",
                        allowed_fields()
                    )));
                }
                Some(t) => t,
            },
            None => match resolve(h) {
                Some(Target::Field("contact_list")) => {
                    problems.push(format!(
                        "{}: the contact list is given by --contact-list, not by a column (--map {h}=- ignores the column)",
                        column_name(i, h)
                    ));
                    Target::Ignore
                }
                Some(t) => t,
                None if custom_unknown && !h.is_empty() => Target::Custom(h.clone()),
                None => {
                    unknown.push(column_name(i, h));
                    Target::Ignore
                }
            },
        };
        out.push(target);
    }
    if !unknown.is_empty() {
        problems.push(format!(
            "{} {} not an add_contact field; fields: {}. Map a column with --map COLUMN=FIELD \
             (FIELD may be {custom}:<name>, or - to ignore the column), or pass --custom-unknown \
             to send every unknown column as {custom}:<column>",
            unknown.join(", "),
            if unknown.len() == 1 { "is" } else { "are" },
            allowed_fields()
        ));
    }
    for (i, h) in headers.iter().enumerate() {
        if let Some(j) = headers[..i].iter().position(|e| e == h) {
            problems.push(format!(
                "the header has `{h}` twice (columns {} and {}); rename or remove one",
                j + 1,
                i + 1
            ));
            continue;
        }
        if out[i] == Target::Ignore || unknown.contains(&column_name(i, h)) {
            continue;
        }
        if let Some(j) = (0..i).find(|&j| out[j] == out[i] && headers[j] != *h) {
            let to = out[i].param(custom).unwrap_or_default();
            problems.push(format!(
                "{} and {} both go to `{to}`; keep one, or send one elsewhere with --map {h}=FIELD (or --map {h}=- to ignore it)",
                column_name(j, &headers[j]),
                column_name(i, h),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(CliError::invalid(problems.join("\ndlspbx: ")));
    }
    Ok(out)
}

/// Line numbers of byte offsets in the input: `\n`, `\r\n` and a lone `\r` each end a line
/// (the header is line 1). The csv crate's own line count misses the `\n` of a `\r\n` (what
/// Excel writes), so lines are counted here, from the record's byte offset.
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Lines {
            bytes,
            pos: 0,
            line: 1,
        }
    }

    /// The line a record starting at `offset` starts on (offsets only grow).
    fn line_at(&mut self, offset: u64) -> u64 {
        let b = self.bytes;
        let mut start = usize::try_from(offset).unwrap_or(b.len()).min(b.len());
        // The record's offset may point at the line break before it.
        while start < b.len() && matches!(b[start], b'\r' | b'\n') {
            start += 1;
        }
        while self.pos < start {
            match b[self.pos] {
                b'\n' => self.line += 1,
                b'\r' if b.get(self.pos + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.pos += 1;
        }
        self.line
    }
}

/// The input's header, as read (a UTF-8 byte order mark removed).
pub fn read_header(bytes: &[u8]) -> CliResult<Vec<String>> {
    csv_reader(bytes)
        .headers()
        .map_err(|e| CliError::usage(format!("cannot read the CSV header: {e}")))
        .map(|h| {
            h.iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        c.trim_start_matches('\u{feff}').trim().to_owned()
                    } else {
                        c.trim().to_owned()
                    }
                })
                .collect()
        })
}

fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(bytes)
}

/// Reads and validates every row of `bytes` (a whole CSV file).
pub fn read_rows(
    bytes: &[u8],
    contact_list: &str,
    maps: &[(String, String)],
    custom_unknown: bool,
) -> CliResult<Vec<Row>> {
    let headers = read_header(bytes)?;
    let targets = map_columns(&headers, maps, custom_unknown)?;
    let custom = custom_field();
    let mut rdr = csv_reader(bytes);
    let mut lines = Lines::new(bytes);
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| CliError::usage(format!("cannot read the CSV file: {e}")))?;
        let line = lines.line_at(rec.position().map(|p| p.byte()).unwrap_or(0));
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rec.len() > headers.len() {
            let extra = rec.iter().skip(headers.len()).any(|c| !c.trim().is_empty());
            if extra {
                rows.push(Row {
                    line,
                    request: Err(format!(
                        "{} cells, but the header has {} columns",
                        rec.len(),
                        headers.len()
                    )),
                    cells: rec.iter().map(str::to_owned).collect(),
                });
                continue;
            }
        }
        let mut entries: Vec<(std::borrow::Cow<'static, str>, Node<'static>)> =
            vec![("contact_list".into(), Node::from(contact_list.to_owned()))];
        for (cell, target) in rec.iter().zip(&targets) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            if let Some(name) = target.param(custom) {
                entries.push((name.into(), Node::from(cell.to_owned())));
            }
        }
        let request = AddContactRequest::from_params(&Node::Map(entries))
            .and_then(|r| r.validate().map(|()| r))
            .map_err(|e| {
                if e.value.is_empty() {
                    format!("{}: {}", e.field, e.reason)
                } else {
                    format!("{}: {:?} {}", e.field, e.value, e.reason)
                }
            });
        rows.push(Row {
            line,
            request,
            cells: rec.iter().map(str::to_owned).collect(),
        });
    }
    Ok(rows)
}

fn parse_maps(m: &ArgMatches) -> CliResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for v in m.get_many::<String>("map").into_iter().flatten() {
        let Some((c, f)) = v.split_once('=') else {
            return Err(CliError::usage(format!("--map {v}: expected COLUMN=FIELD")));
        };
        out.push((c.trim().to_owned(), f.trim().to_owned()));
    }
    Ok(out)
}

/// Stderr as the bar's terminal, two columns narrower than it is. indicatif pads its line to
/// the terminal's width and leaves the cursor in the last column, so the `^C` a terminal
/// echoes for Ctrl-C would wrap to a new line, and clearing the bar would clear that line
/// and leave the bar on the screen; with two columns free the echo stays on the bar's line.
#[derive(Debug)]
struct Narrow(console::Term);

impl indicatif::TermLike for Narrow {
    fn width(&self) -> u16 {
        self.0.size().1.saturating_sub(2).max(1)
    }
    fn height(&self) -> u16 {
        self.0.size().0
    }
    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_up(n)
    }
    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_down(n)
    }
    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_right(n)
    }
    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_left(n)
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        self.0.write_line(s)
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        self.0.write_str(s)
    }
    fn clear_line(&self) -> io::Result<()> {
        self.0.clear_line()
    }
    fn flush(&self) -> io::Result<()> {
        self.0.flush()
    }
}

fn progress(len: u64) -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::term_like_with_hz(
            Box::new(Narrow(console::Term::buffered_stderr())),
            20,
        ),
    );
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} importing [{bar:40}] {pos}/{len} contacts ({rate}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .with_key("rate", crate::report_out::rate)
        .progress_chars("=> "),
    );
    b.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(b)
}

/// The journal of an import: one JSON line per acknowledged row, flushed as it is
/// acknowledged, so that `--resume` can skip what a killed or stopped run already stored.
/// It lives at `--journal PATH`, else beside the input (`FILE.csv.dlspbx-journal`), and is
/// removed when every row is stored.
struct Journal {
    path: std::path::PathBuf,
    out: io::BufWriter<std::fs::File>,
}

/// One acknowledged row, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    phone_number: String,
    id: i64,
}

/// The journal's path: `--journal`, else beside the input; none for stdin without `--journal`.
fn journal_path(m: &ArgMatches, file: &str) -> Option<std::path::PathBuf> {
    if let Some(p) = m.get_one::<String>("journal") {
        return Some(p.into());
    }
    (file != "-").then(|| format!("{file}.dlspbx-journal").into())
}

/// Reads a journal: line number -> what was stored, for `contact_list`.
fn read_journal(
    path: &std::path::Path,
    contact_list: &str,
) -> CliResult<std::collections::HashMap<u64, Stored>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            CliError::usage(format!(
                "--resume: no journal at {} (an import removes it when every row is stored); \
                 without --resume every row is sent again, which is safe",
                path.display()
            ))
        } else {
            CliError::usage(format!("--resume: cannot read {}: {e}", path.display()))
        }
    })?;
    let mut out = std::collections::HashMap::new();
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    for (n, l) in lines.iter().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let entry = serde_json::from_str::<Value>(l).ok().and_then(|v| {
            Some((
                v.get("contact_list")?.as_str()?.to_owned(),
                v.get("line")?.as_u64()?,
                v.get("phone_number")?.as_str()?.to_owned(),
                v.get("id")?.as_i64()?,
            ))
        });
        let Some((list, line, phone_number, id)) = entry else {
            // A run killed while writing leaves its last line unfinished: that row was not
            // recorded, and is sent again.
            if n + 1 == lines.len() && !complete {
                break;
            }
            return Err(CliError::usage(format!(
                "--resume: {} line {}: not a journal entry; delete the file to send every row again",
                path.display(),
                n + 1
            )));
        };
        if list != contact_list {
            return Err(CliError::usage(format!(
                "--resume: the journal {} is of an import into {list:?}, not --contact-list {contact_list:?}",
                path.display()
            )));
        }
        out.insert(line, Stored { phone_number, id });
    }
    Ok(out)
}

impl Journal {
    fn open(path: &std::path::Path, append: bool) -> CliResult<Journal> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .map_err(|e| {
                CliError::usage(format!(
                    "cannot write the import journal {}: {e} (--journal PATH puts it elsewhere)",
                    path.display()
                ))
            })?;
        Ok(Journal {
            path: path.to_owned(),
            out: io::BufWriter::new(f),
        })
    }

    fn record(&mut self, contact_list: &str, line: u64, phone: &str, id: i64) -> io::Result<()> {
        let entry =
            json!({"contact_list": contact_list, "line": line, "phone_number": phone, "id": id});
        serde_json::to_writer(&mut self.out, &entry)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// Whether a failure means the server could not be reached or talked to (the failures
/// `--max-failures` counts), rather than an answer.
fn is_connection_failure(e: &dlspbx_core::Error) -> bool {
    use dlspbx_core::error::TransportKind;
    matches!(e, dlspbx_core::Error::Transport(t)
        if matches!(t.kind(), TransportKind::Connect | TransportKind::Timeout | TransportKind::Io))
}

/// `--reject-file`: the bad rows as CSV (the input's header and `reason`), each written and
/// flushed when it is found: the invalid rows, and the rows the server refused.
struct Rejects {
    path: std::path::PathBuf,
    width: usize,
    out: csv::Writer<std::fs::File>,
    count: usize,
}

impl Rejects {
    fn create(path: &std::path::Path, header: &[String], input: &str) -> CliResult<Rejects> {
        let same = input != "-"
            && std::fs::canonicalize(input)
                .ok()
                .zip(std::fs::canonicalize(path).ok())
                .is_some_and(|(a, b)| a == b);
        if same {
            return Err(CliError::usage(format!(
                "--reject-file {}: that is the input file; name another file",
                path.display()
            )));
        }
        let mut out = csv::WriterBuilder::new()
            .flexible(true)
            .from_path(path)
            .map_err(|e| {
                CliError::usage(format!(
                    "--reject-file {}: cannot write it: {e}",
                    path.display()
                ))
            })?;
        let mut first: Vec<&str> = header.iter().map(String::as_str).collect();
        first.push("reason");
        out.write_record(&first)
            .and_then(|()| out.flush().map_err(csv::Error::from))
            .map_err(|e| {
                CliError::usage(format!(
                    "--reject-file {}: cannot write it: {e}",
                    path.display()
                ))
            })?;
        Ok(Rejects {
            path: path.to_owned(),
            width: header.len(),
            out,
            count: 0,
        })
    }

    /// One bad row: its cells under the input's header, then the reason (cells beyond the
    /// header's width follow the reason, so that none is lost).
    fn write(&mut self, cells: &[String], reason: &str) -> CliResult<()> {
        let mut rec: Vec<&str> = cells.iter().take(self.width).map(String::as_str).collect();
        rec.resize(self.width, "");
        rec.push(reason);
        rec.extend(cells.iter().skip(self.width).map(String::as_str));
        self.out
            .write_record(&rec)
            .and_then(|()| self.out.flush().map_err(csv::Error::from))
            .map_err(|e| {
                CliError::usage(format!(
                    "--reject-file {}: cannot write it: {e}",
                    self.path.display()
                ))
            })?;
        self.count += 1;
        Ok(())
    }
}

/// How many `line N: reason` lines a terminal shows of each kind.
const SHOWN: usize = 5;

/// Prints `line N: reason` on stderr: every line to a file or a pipe, the first [`SHOWN`] on
/// a terminal, then where the rest are.
struct Listing {
    tty: bool,
    shown: usize,
    more: usize,
}

impl Listing {
    fn new() -> Self {
        Listing {
            tty: io::stderr().is_terminal(),
            shown: 0,
            more: 0,
        }
    }

    fn line(&mut self, line: u64, reason: &str) {
        if self.tty && self.shown >= SHOWN {
            self.more += 1;
        } else {
            self.shown += 1;
            eprintln!("line {line}: {reason}");
        }
    }

    fn finish(&self, what: &str, rejects: Option<&std::path::Path>) {
        if self.more > 0 {
            let rest = match rejects {
                Some(p) => format!("all of them are in {}", p.display()),
                None => "--reject-file PATH writes them all".to_owned(),
            };
            eprintln!(
                "dlspbx: ... and {} more {what} (a terminal shows {SHOWN}); {rest}",
                self.more
            );
        }
    }
}

/// What the sending threads share, behind one lock: the results so far and the writers that
/// record each one as it is acknowledged.
struct Sink<'a> {
    contact_list: &'a str,
    results: Vec<Sent>,
    /// `-o jsonl`: each row's result is written and flushed as it arrives.
    jsonl: Option<io::Stdout>,
    journal: Option<Journal>,
    rejects: Option<Rejects>,
    /// The first failure to write stdout or the journal (the import stops).
    write_error: Option<CliError>,
    /// Consecutive connection failures.
    consecutive: usize,
    /// The last connection failure, when `--max-failures` stopped the import.
    gave_up: Option<String>,
}

/// A row's result as stdout shows it.
fn record(line: u64, phone: &str, outcome: &Result<i64, CliError>) -> Value {
    let (id, status) = match outcome {
        Ok(id) => (json!(id), "sent".to_owned()),
        Err(e) => (
            Value::Null,
            format!("failed: {}", e.message.trim_start_matches("dlspbx: ")),
        ),
    };
    json!({"line": line, "phone_number": phone, "id": id, "status": status})
}

impl Sink<'_> {
    /// Takes one row's result; false when the import must stop.
    fn take(
        &mut self,
        line: u64,
        cells: &[String],
        phone: String,
        outcome: Result<i64, dlspbx_core::Error>,
        max_failures: usize,
    ) -> bool {
        let connection = outcome.as_ref().err().is_some_and(is_connection_failure);
        let outcome = outcome.map_err(CliError::from);
        // A row the server refused is a bad row; one that failed in transport is not (it is
        // sent again by --resume).
        if let (Err(e), Some(r)) = (&outcome, &mut self.rejects)
            && matches!(e.code, EXIT_SERVER | EXIT_INVALID)
            && let Err(e) = r.write(cells, e.message.trim_start_matches("dlspbx: "))
            && self.write_error.is_none()
        {
            self.write_error = Some(e);
        }
        if connection {
            self.consecutive += 1;
            if self.consecutive >= max_failures && self.gave_up.is_none() {
                self.gave_up = outcome.as_ref().err().map(|e| e.message.clone());
            }
        } else {
            self.consecutive = 0;
        }
        if let (Ok(id), Some(j)) = (&outcome, &mut self.journal)
            && let Err(e) = j.record(self.contact_list, line, &phone, *id)
            && self.write_error.is_none()
        {
            self.write_error = Some(CliError::usage(format!(
                "cannot write the import journal {}: {e}",
                j.path.display()
            )));
        }
        if let Some(out) = &mut self.jsonl {
            let written = serde_json::to_writer(&mut *out, &record(line, &phone, &outcome))
                .map_err(io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.flush());
            if let Err(e) = written
                && self.write_error.is_none()
            {
                self.write_error = Some(stdout_err(e));
            }
        }
        self.results.push((line, phone, outcome));
        self.write_error.is_none() && self.gave_up.is_none()
    }
}

/// Runs `dialer import`.
pub fn run(g: &Globals, m: &ArgMatches) -> CliResult<()> {
    let file = m
        .get_one::<String>("file")
        .cloned()
        .unwrap_or_else(|| "-".into());
    let contact_list = m
        .get_one::<String>("contact_list")
        .cloned()
        .unwrap_or_default();
    let skip_invalid = m.get_flag("skip_invalid");
    let concurrency = usize::from(m.get_one::<u16>("concurrency").copied().unwrap_or(4)).max(1);
    let max_failures = m
        .get_one::<u32>("max_failures")
        .copied()
        .unwrap_or(10)
        .max(1) as usize;
    let maps = parse_maps(m)?;
    let custom_unknown = m.get_flag("custom_unknown");
    let resume = m.get_flag("resume");
    let journal_at = journal_path(m, &file);
    if resume && journal_at.is_none() {
        return Err(CliError::usage(
            "--resume needs --journal PATH when the input is stdin (the journal of a file is kept beside it)",
        ));
    }

    let list_req = AddContactListRequest::from_params(&Node::Map(vec![(
        "name".into(),
        Node::from(contact_list.clone()),
    )]))?;
    list_req.validate()?;

    let bytes = if file == "-" {
        let mut buf = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
        buf
    } else {
        std::fs::read(&file).map_err(|e| CliError::usage(format!("cannot open {file}: {e}")))?
    };
    let rows = read_rows(&bytes, &contact_list, &maps, custom_unknown)?;
    let total = rows.len();
    let mut rejects = m
        .get_one::<String>("reject_file")
        .map(|p| Rejects::create(p.as_ref(), &read_header(&bytes)?, &file))
        .transpose()?;
    let mut good: Vec<(u64, AddContactRequest, Vec<String>)> = Vec::new();
    let mut skipped = 0usize;
    let mut listing = Listing::new();
    for r in rows {
        match r.request {
            Ok(q) => good.push((r.line, q, r.cells)),
            Err(reason) => {
                listing.line(r.line, &reason);
                if let Some(rj) = &mut rejects {
                    rj.write(&r.cells, &reason)?;
                }
                skipped += 1;
            }
        }
    }
    listing.finish("invalid rows", rejects.as_ref().map(|r| r.path.as_path()));
    if skipped > 0 && !skip_invalid {
        eprintln!(
            "dlspbx: {skipped} of {total} rows are invalid; nothing was sent (fix them, or pass --skip-invalid to send the valid rows)"
        );
        return Err(CliError::silent(EXIT_INVALID));
    }
    let valid = good.len();

    // --resume: the rows the journal says were stored are not sent again.
    let mut resumed = 0usize;
    if resume && let Some(path) = &journal_at {
        let stored = read_journal(path, &contact_list)?;
        for (line, q, _) in &good {
            if let Some(s) = stored.get(line)
                && s.phone_number != q.phone_number
            {
                return Err(CliError::usage(format!(
                    "--resume: the journal {} says line {line} was {} and the file has {} there: \
                     the file changed since; delete the journal to send every row again (which is safe)",
                    path.display(),
                    s.phone_number,
                    q.phone_number
                )));
            }
        }
        good.retain(|(line, _, _)| !stored.contains_key(line));
        resumed = valid - good.len();
        eprintln!(
            "dlspbx: --resume: {resumed} of {valid} rows were stored before ({}); sending the other {}",
            path.display(),
            good.len()
        );
    }

    let conn = Conn::open(g)?;
    if g.dry_run {
        crate::run::dry_run(&conn, &list_req)?;
        for (_, q, _) in &good {
            writeln!(io::stdout()).map_err(stdout_err)?;
            crate::run::dry_run(&conn, q)?;
        }
        return Ok(());
    }
    let list = conn.client.call_raw(list_req)?;
    let list_id = list.decode::<AddContactListRequest>()?.id;
    eprintln!("dlspbx: contact list {contact_list:?} has ID {list_id}");

    let journal = journal_at
        .as_deref()
        .map(|p| Journal::open(p, resume))
        .transpose()?;
    let output = g.output();
    let sink = Mutex::new(Sink {
        contact_list: &contact_list,
        results: Vec::with_capacity(good.len()),
        jsonl: (output == Output::Jsonl).then(io::stdout),
        journal,
        rejects,
        write_error: None,
        consecutive: 0,
        gave_up: None,
    });

    // Send with bounded concurrency: `concurrency` threads take rows in turn, until the rows
    // run out or the import must stop.
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    crate::interrupt::catch_ctrl_c();
    let bar = progress(good.len() as u64);
    std::thread::scope(|s| {
        for _ in 0..concurrency.min(good.len().max(1)) {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) && !crate::interrupt::interrupted() {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((line, req, cells)) = good.get(i) else {
                        break;
                    };
                    let phone = req.phone_number.clone();
                    let outcome = conn
                        .client
                        .call_raw(req.clone())
                        .and_then(|raw| raw.decode::<AddContactRequest>().map(|r| r.id));
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                    let go_on = sink.lock().unwrap_or_else(|e| e.into_inner()).take(
                        *line,
                        cells,
                        phone,
                        outcome,
                        max_failures,
                    );
                    if !go_on {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let sink = sink.into_inner().unwrap_or_else(|e| e.into_inner());
    let Sink {
        mut results,
        journal,
        rejects,
        write_error,
        gave_up,
        ..
    } = sink;
    if let Some(e) = write_error {
        return Err(e);
    }
    results.sort_by_key(|(line, _, _)| *line);

    let sent = results.iter().filter(|r| r.2.is_ok()).count();
    let failed = results.len() - sent;
    let not_sent = good.len() - results.len();
    let stored = resumed + sent;
    let mut worst = 0u8;
    let mut records = Vec::new();
    let mut listing = Listing::new();
    // A terminal gets the counts and the first failures, not a table of every row.
    let brief = output == Output::Table && io::stdout().is_terminal();
    for (line, phone, outcome) in &results {
        if let Err(e) = outcome {
            worst = worst.max(e.code);
            listing.line(*line, e.message.trim_start_matches("dlspbx: "));
        }
        if !brief || (outcome.is_err() && records.len() < SHOWN) {
            records.push(record(*line, phone, outcome));
        }
    }
    let reject_path = rejects.map(|r| (r.path, r.count));
    listing.finish(
        "failed rows",
        reject_path.as_ref().map(|(p, _)| p.as_path()),
    );
    if let Some((p, n)) = &reject_path {
        eprintln!("dlspbx: {n} bad rows written to {}", p.display());
    }
    if brief && records.len() < results.len() {
        eprintln!(
            "dlspbx: the table lists {} of the {} rows sent (failures only, at most {SHOWN}); \
             -o csv > FILE or -o jsonl > FILE writes every row's result",
            records.len(),
            results.len()
        );
    }
    if output != Output::Jsonl {
        let doc = json!({
            "contact_list": contact_list,
            "contact_list_id": list_id,
            "sent": sent,
            "skipped": skipped,
            "failed": failed,
            "resumed": resumed,
            "not_sent": not_sent,
            "contacts": records,
        });
        let mut out = io::BufWriter::new(io::stdout().lock());
        output::write_value(&mut out, output, &SUMMARY, &doc).map_err(stdout_err)?;
        out.flush().map_err(stdout_err)?;
    }
    let mut counts = format!("{sent} sent, {skipped} skipped (invalid), {failed} failed");
    if resumed > 0 {
        counts.push_str(&format!(", {resumed} stored before (--resume)"));
    }
    if not_sent > 0 {
        counts.push_str(&format!(", {not_sent} not sent"));
    }
    let journal_path = journal.map(|j| j.path);
    let resume_hint = match &journal_path {
        Some(_) => "rerun the same command with --resume to send only the rows not stored yet".to_owned(),
        None => "no journal was kept (the input is stdin; --journal PATH keeps one), so a rerun sends every row again, which is safe".to_owned(),
    };
    if crate::interrupt::interrupted() {
        let hint = match &journal_path {
            Some(_) => "rerun with --resume to send the rest".to_owned(),
            None => resume_hint,
        };
        eprintln!("dlspbx: import interrupted: {counts}");
        eprintln!("dlspbx: interrupted after {stored} of {valid}; {hint}");
        return Err(CliError::silent(EXIT_INTERRUPTED));
    }
    if let Some(last) = gave_up {
        eprintln!("dlspbx: import stopped: {counts}");
        eprintln!(
            "dlspbx: stopped after {max_failures} consecutive connection failures (--max-failures; last: {}): \
             {stored} of {valid} rows stored; {resume_hint}",
            last.trim_start_matches("dlspbx: ")
        );
        return Err(CliError::silent(EXIT_DECODE));
    }
    eprintln!("dlspbx: import finished: {counts}");
    if failed > 0 {
        eprintln!("dlspbx: {stored} of {valid} rows stored; {resume_hint}");
        return Err(CliError::silent(if worst == 0 {
            EXIT_SERVER
        } else {
            worst
        }));
    }
    if let Some(p) = journal_path {
        // Every row is stored: nothing is left to resume.
        let _ = std::fs::remove_file(p);
    }
    Ok(())
}
