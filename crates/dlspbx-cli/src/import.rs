//! `dlspbx dialer import FILE.csv --contact-list NAME`: bulk add_contact from a CSV file.
//!
//! 1. The header maps columns to add_contact fields: the wire or Rust name of a field
//!    (`dialOnDate`, `dial_on_date`), a `--map column=field` rule, or else `custom:<column>`.
//! 2. Every row is parsed with the generated `from_params` and checked with the generated
//!    `validate`; each bad row is printed as `line N: field: reason`.
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
use std::io::{self, IsTerminal, Write};
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

/// Where each CSV column goes: a wire field name, or `custom:<name>`.
pub fn map_columns(headers: &[String], maps: &[(String, String)]) -> CliResult<Vec<String>> {
    let fields = AddContactRequest::INFO.request;
    let custom = fields
        .iter()
        .find(|f| f.ty == FieldType::CustomFields)
        .map(|f| f.name)
        .unwrap_or("custom");
    let resolve = |name: &str| -> Option<String> {
        let n = name.trim();
        if let Some(rest) = n.strip_prefix(&format!("{custom}:")) {
            return Some(format!("{custom}:{rest}"));
        }
        fields
            .iter()
            .find(|f| {
                f.ty != FieldType::CustomFields
                    && (f.name.eq_ignore_ascii_case(n)
                        || f.rust.eq_ignore_ascii_case(n)
                        || crate::cli::kebab(f.rust) == n)
            })
            .map(|f| f.name.to_owned())
    };
    let mut out = Vec::new();
    for h in headers {
        let target = match maps.iter().find(|(c, _)| c == h.trim()) {
            Some((_, field)) => resolve(field).ok_or_else(|| {
                CliError::usage(format!(
                    "--map {h}={field}: `{field}` is not an add_contact field; fields: {}, or {custom}:<name>",
                    fields.iter().filter(|f| f.ty != FieldType::CustomFields).map(|f| f.name).collect::<Vec<_>>().join(", ")
                ))
            })?,
            None => resolve(h).unwrap_or_else(|| format!("{custom}:{}", h.trim())),
        };
        out.push(target);
    }
    Ok(out)
}

/// Reads and validates every row.
pub fn read_rows(
    reader: impl io::Read,
    contact_list: &str,
    maps: &[(String, String)],
) -> CliResult<Vec<Row>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(reader);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| CliError::usage(format!("cannot read the CSV header: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    let targets = map_columns(&headers, maps)?;
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| CliError::usage(format!("cannot read the CSV file: {e}")))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut entries: Vec<(std::borrow::Cow<'static, str>, Node<'static>)> =
            vec![("contact_list".into(), Node::from(contact_list.to_owned()))];
        for (i, cell) in rec.iter().enumerate() {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let Some(target) = targets.get(i) else {
                continue;
            };
            if target == "contact_list" {
                continue;
            }
            entries.push((target.clone().into(), Node::from(cell.to_owned())));
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

    let list_req = AddContactListRequest::from_params(&Node::Map(vec![(
        "name".into(),
        Node::from(contact_list.clone()),
    )]))?;
    list_req.validate()?;

    let rows = if file == "-" {
        read_rows(io::stdin().lock(), &contact_list, &maps)?
    } else {
        let f = std::fs::File::open(&file)
            .map_err(|e| CliError::usage(format!("cannot open {file}: {e}")))?;
        read_rows(io::BufReader::new(f), &contact_list, &maps)?
    };
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
