//! `dlspbx dialer import FILE.csv --contact-list NAME`: bulk add_contact from a CSV file.
//!
//! 1. The header maps columns to add_contact fields: the wire or Rust name of a field
//!    (`dialOnDate`, `dial_on_date`), `custom:<name>`, or a `--map column=field` rule; any
//!    other column is refused (exit 4) unless `--custom-unknown` makes it `custom:<column>`.
//! 2. Every row is parsed with the generated `from_params` and checked with the generated
//!    `validate`; each bad row is printed as `line N: field: reason`, N counting the file's
//!    lines (LF, CRLF or CR) from the header's line 1.
//! 3. Nothing is sent unless every row is valid or `--skip-invalid` is given (exit 4).
//! 4. The contact list is created (the API returns the existing list's ID if it exists), then
//!    the rows are sent by `--concurrency` threads sharing one client.
//! 5. A summary (sent, skipped, failed) goes to stderr; stdout gets one line per sent row
//!    (line, phone number, contact ID or error) in `--output`.

use crate::conn::{Conn, Globals};
use crate::error::{CliError, CliResult, EXIT_INVALID, EXIT_SERVER};
use crate::output;
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
use std::sync::atomic::{AtomicUsize, Ordering};

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
        return Err(CliError::invalid(
            problems
                .iter()
                .map(|p| format!("dlspbx: {p}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ));
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
        rows.push(Row { line, request });
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

fn progress(len: u64) -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(len);
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
    let maps = parse_maps(m)?;
    let custom_unknown = m.get_flag("custom_unknown");

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
    let mut good: Vec<(u64, AddContactRequest)> = Vec::new();
    let mut skipped = 0usize;
    for r in rows {
        match r.request {
            Ok(q) => good.push((r.line, q)),
            Err(reason) => {
                eprintln!("line {}: {reason}", r.line);
                skipped += 1;
            }
        }
    }
    if skipped > 0 && !skip_invalid {
        eprintln!(
            "dlspbx: {skipped} of {total} rows are invalid; nothing was sent (fix them, or pass --skip-invalid to send the valid rows)"
        );
        return Err(CliError::silent(EXIT_INVALID));
    }

    let conn = Conn::open(g)?;
    if g.dry_run {
        crate::run::dry_run(&conn, &list_req)?;
        for (_, q) in &good {
            writeln!(io::stdout()).map_err(stdout_err)?;
            crate::run::dry_run(&conn, q)?;
        }
        return Ok(());
    }
    let list = conn.client.call_raw(list_req)?;
    let list_id = list.decode::<AddContactListRequest>()?.id;
    eprintln!("dlspbx: contact list {contact_list:?} has ID {list_id}");

    // Send with bounded concurrency: `concurrency` threads take rows in turn.
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Sent>> = Mutex::new(Vec::with_capacity(good.len()));
    let bar = progress(good.len() as u64);
    std::thread::scope(|s| {
        for _ in 0..concurrency.min(good.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((line, req)) = good.get(i) else {
                        break;
                    };
                    let phone = req.phone_number.clone();
                    let outcome = conn
                        .client
                        .call_raw(req.clone())
                        .map_err(CliError::from)
                        .and_then(|raw| {
                            raw.decode::<AddContactRequest>()
                                .map(|r| r.id)
                                .map_err(CliError::from)
                        });
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((*line, phone, outcome));
                }
            });
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(line, _, _)| *line);

    let sent = results.iter().filter(|r| r.2.is_ok()).count();
    let failed = results.len() - sent;
    let mut worst = 0u8;
    let mut records = Vec::new();
    for (line, phone, outcome) in &results {
        let (id, status) = match outcome {
            Ok(id) => (json!(id), "sent".to_owned()),
            Err(e) => {
                worst = worst.max(e.code);
                let why = e.message.trim_start_matches("dlspbx: ");
                eprintln!("line {line}: {why}");
                (Value::Null, format!("failed: {why}"))
            }
        };
        records.push(json!({
            "line": line,
            "phone_number": phone,
            "id": id,
            "status": status,
        }));
    }
    let doc = json!({
        "contact_list": contact_list,
        "contact_list_id": list_id,
        "sent": sent,
        "skipped": skipped,
        "failed": failed,
        "contacts": records,
    });
    let mut out = io::BufWriter::new(io::stdout().lock());
    output::write_value(&mut out, g.output(), &SUMMARY, &doc).map_err(stdout_err)?;
    out.flush().map_err(stdout_err)?;
    eprintln!("dlspbx: import finished: {sent} sent, {skipped} skipped (invalid), {failed} failed");
    if failed > 0 {
        return Err(CliError::silent(if worst == 0 {
            EXIT_SERVER
        } else {
            worst
        }));
    }
    Ok(())
}
