//! Printing typed responses: `--output table|json|yaml|csv`.
//!
//! - `json`: `serde_json::to_string_pretty` of the typed response, fields in spec order (the
//!   same JSON whatever format the server answered in).
//! - `yaml`: the same tree as YAML, by the core's one YAML writer in its readable dialect
//!   (block style; strings quoted when YAML would read them as something else).
//! - `csv` and `jsonl`: for the actions whose CSV layout is a table (SMS records, the report),
//!   a header and one line per record; for the others, one line per item of the tables the
//!   response splits into (the `table` output's: users, queues and their agents, calls, opt-in
//!   and opt-out lists), a first column `table` naming each row's when there are several.
//! - `table`: aligned columns, one table per list or map of records (see [`crate::table`]).
//!
//! The default is `table` when stdout is a terminal and `json` otherwise, so that scripts get a
//! stable, parseable format without asking.

use crate::error::{CliError, CliResult};
use crate::report_out::{HeadTotal, ReportSink};
use crate::table;
use dlspbx_core::wire::tree;
use dlspbx_core::wire::yaml::{self, YamlStyle};
use dlspbx_core::wire::{CsvLayout, RowKind};
use dlspbx_core::{ActionInfo, FieldType};
use serde_json::Value;
use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The output buffer: large writes, few system calls, on the streamed paths.
const OUT_BUFFER: usize = 64 * 1024;

/// Where a command's output goes: stdout, or `--out PATH`, written into a temporary file
/// beside PATH and renamed to PATH by [`Target::commit`] when the output is complete. A target
/// dropped without `commit` (any failure) removes its temporary file, so PATH is never
/// half-written: it is either the whole output or left as it was.
pub enum Target {
    /// Standard output, buffered.
    Stdout(io::BufWriter<io::StdoutLock<'static>>),
    /// `--out PATH`.
    File(OutFile),
    /// Either of them with each JSON line filtered through `--jq` (a stream, see
    /// [`jq`](crate::jq)).
    Jq(Box<crate::jq::Lines<Target>>),
}

/// The temporary file of `--out PATH` (see [`Target`]).
pub struct OutFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<io::BufWriter<File>>,
}

impl Target {
    /// Stdout, or the temporary file of `out` (a usage error when it cannot be created).
    pub fn open(out: Option<&Path>) -> CliResult<Target> {
        let Some(path) = out else {
            return Ok(Target::Stdout(io::BufWriter::with_capacity(
                OUT_BUFFER,
                io::stdout().lock(),
            )));
        };
        // A file is not the terminal: tables as wide as their cells, colour only if forced.
        table::set_terminal(None, Color::get() == Color::Always);
        let name = path
            .file_name()
            .ok_or_else(|| CliError::usage(format!("--out {}: not a file name", path.display())))?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}.dlspbx-tmp", std::process::id()));
        let tmp = dir.join(tmp_name);
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| {
                CliError::usage(format!(
                    "--out {}: cannot create {}: {e}",
                    path.display(),
                    tmp.display()
                ))
            })?;
        Ok(Target::File(OutFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(io::BufWriter::with_capacity(OUT_BUFFER, file)),
        }))
    }

    /// This target with each JSON line written to it filtered through `jq` (none: as it is).
    pub fn filtered(self, jq: Option<crate::jq::Jq>) -> Target {
        match jq {
            Some(jq) => Target::Jq(Box::new(crate::jq::Lines::new(jq, self))),
            None => self,
        }
    }

    /// The file the output goes to (`None` for stdout).
    pub fn path(&self) -> Option<&Path> {
        match self {
            Target::Stdout(_) => None,
            Target::File(f) => Some(&f.path),
            Target::Jq(lines) => lines.get_ref().path(),
        }
    }

    /// Ends a complete output: flushes stdout, or flushes the temporary file to disk and
    /// renames it to PATH.
    pub fn commit(self) -> CliResult<()> {
        match self {
            Target::Jq(lines) => lines.finish().map_err(crate::run::stdout_err)?.commit(),
            Target::Stdout(mut out) => out.flush().map_err(crate::run::stdout_err),
            Target::File(mut f) => {
                let done = match f.file.take() {
                    Some(file) => file
                        .into_inner()
                        .map_err(io::IntoInnerError::into_error)
                        .and_then(|file| file.sync_all())
                        .and_then(|()| std::fs::rename(&f.tmp, &f.path)),
                    None => Err(io::Error::other("the output file is closed")),
                };
                done.map_err(|e| {
                    let _ = std::fs::remove_file(&f.tmp);
                    CliError::decode(format!("cannot write {}: {e}", f.path.display()))
                })
            }
        }
    }
}

impl Write for Target {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Target::Stdout(out) => out.write(buf),
            Target::File(f) => match &mut f.file {
                Some(file) => file.write(buf),
                None => Err(io::Error::other("the output file is closed")),
            },
            Target::Jq(lines) => lines.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Target::Stdout(out) => out.write_all(buf),
            Target::File(f) => match &mut f.file {
                Some(file) => file.write_all(buf),
                None => Err(io::Error::other("the output file is closed")),
            },
            Target::Jq(lines) => lines.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Target::Stdout(out) => out.flush(),
            Target::File(f) => f.file.as_mut().map_or(Ok(()), |file| file.flush()),
            Target::Jq(lines) => lines.flush(),
        }
    }
}

impl Drop for OutFile {
    /// An output that was not committed: its temporary file goes, PATH is untouched.
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// What `--color` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset or empty (the default).
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

static COLOR: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

impl Color {
    /// Every value, for `--color`'s help and completion.
    pub const NAMES: [&'static str; 3] = ["auto", "always", "never"];

    /// Reads `auto`, `always` or `never` (clap checked it); anything else is `Auto`.
    pub fn parse(s: &str) -> Color {
        match s {
            "always" => Color::Always,
            "never" => Color::Never,
            _ => Color::Auto,
        }
    }

    /// Sets how tables are drawn on stdout from this choice: colour (a bold header) as asked,
    /// and on a terminal fitted to its width ([`table::set_terminal`]).
    pub fn apply(self) {
        COLOR.store(self as u8, std::sync::atomic::Ordering::Relaxed);
        let tty = io::stdout().is_terminal();
        let bold = match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        let width = if tty {
            console::Term::stdout()
                .size_checked()
                .map(|(_, cols)| usize::from(cols))
        } else {
            None
        };
        table::set_terminal(width, bold);
    }

    /// The choice [`apply`](Self::apply) last set.
    pub fn get() -> Color {
        match COLOR.load(std::sync::atomic::Ordering::Relaxed) {
            1 => Color::Always,
            2 => Color::Never,
            _ => Color::Auto,
        }
    }
}

/// What `--output` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Aligned columns for people.
    Table,
    /// Pretty JSON.
    Json,
    /// One JSON document per line (report rows as objects).
    Jsonl,
    /// YAML.
    Yaml,
    /// CSV.
    Csv,
}

impl Output {
    /// Every value, for `--output`'s help and completion.
    pub const NAMES: [&'static str; 5] = ["table", "json", "jsonl", "yaml", "csv"];

    /// Its name, as `--output` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Output::Table => "table",
            Output::Json => "json",
            Output::Jsonl => "jsonl",
            Output::Yaml => "yaml",
            Output::Csv => "csv",
        }
    }

    /// The default: `table` on a terminal, `json` otherwise.
    pub fn default_for_stdout() -> Output {
        if io::stdout().is_terminal() {
            Output::Table
        } else {
            Output::Json
        }
    }
}

impl FromStr for Output {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Output::Table),
            "json" => Ok(Output::Json),
            "jsonl" | "ndjson" => Ok(Output::Jsonl),
            "yaml" | "yml" => Ok(Output::Yaml),
            "csv" => Ok(Output::Csv),
            _ => Err(format!(
                "unknown output `{s}`; expected one of table, json, jsonl, yaml, csv"
            )),
        }
    }
}

/// Writes a response's canonical JSON (`Endpoint::to_json`) in `output`.
///
/// The action's CSV layout (`ActionInfo::csv`) says which responses are tables: their rows
/// are one CSV line, one JSON Lines document and one table line each; a report-like table
/// (rows of cells, header in `columns`) prints like the streamed report (see [`ReportSink`]).
pub fn write_value(
    out: &mut dyn Write,
    output: Output,
    info: &ActionInfo,
    v: &Value,
) -> io::Result<()> {
    match output {
        Output::Json => {
            serde_json::to_writer_pretty(&mut *out, v)?;
            writeln!(out)
        }
        Output::Yaml => write_yaml(out, v),
        Output::Jsonl => match table_rows(info.csv, v) {
            Some(rows) => {
                for row in rows.objects() {
                    serde_json::to_writer(&mut *out, &row)?;
                    writeln!(out)?;
                }
                Ok(())
            }
            None => write_item_rows(out, output, &table::tables_of(info.name, v), v),
        },
        Output::Csv => match table_rows(info.csv, v) {
            Some(TableRows::Cells { .. }) => write_cell_rows(out, output, v, info.csv),
            Some(rows) => rows.write_csv(out),
            None => write_item_rows(out, output, &table::tables_of(info.name, v), v),
        },
        Output::Table => match table_rows(info.csv, v) {
            Some(TableRows::Cells { .. }) => write_cell_rows(out, output, v, info.csv),
            Some(TableRows::Records { rows: [] }) => {
                writeln!(out, "{}", table::NO_RESULTS)
            }
            _ => table::write_tables(
                out,
                &table::tables_of(info.name, &without_empty_record_lists(info, v)),
            ),
        },
    }
}

/// A response without its empty lists of records (`"logs": []`), which the table split
/// cannot tell from an empty list of scalars: the spec says what they are, and a response
/// left with nothing says [`table::NO_RESULTS`].
fn without_empty_record_lists(info: &ActionInfo, v: &Value) -> Value {
    let Value::Object(entries) = v else {
        return v.clone();
    };
    let records = |name: &str| {
        info.response
            .iter()
            .any(|f| f.name == name && matches!(f.ty, FieldType::List(FieldType::Record(_))))
    };
    Value::Object(
        entries
            .iter()
            .filter(|(k, v)| !(records(k) && v.as_array().is_some_and(Vec::is_empty)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// `--fields`: keeps only `keep` of every record in `v` (the response of `info`), and the
/// lists and maps of records that lead to them. A name that is no field of the response's
/// records is a usage error listing those there are.
pub fn pick_fields(info: &ActionInfo, v: &mut Value, keep: &[String]) -> CliResult<()> {
    use dlspbx_core::{FieldInfo, FieldType};
    fn names(fields: &[FieldInfo], out: &mut Vec<&'static str>) {
        for f in fields {
            if !out.contains(&f.name) {
                out.push(f.name);
            }
            names(f.fields, out);
        }
    }
    fn nested(f: &FieldInfo) -> bool {
        matches!(f.ty.element(), FieldType::Record(_))
    }
    fn prune(fields: &[FieldInfo], v: &mut Value, keep: &[String]) {
        let Value::Object(map) = v else { return };
        map.retain(|k, _| {
            keep.iter().any(|x| x == k) || fields.iter().any(|f| f.name == k && nested(f))
        });
        for f in fields.iter().filter(|f| nested(f)) {
            match (map.get_mut(f.name), &f.ty) {
                (Some(Value::Array(items)), FieldType::List(_)) => {
                    items.iter_mut().for_each(|i| prune(f.fields, i, keep));
                }
                (Some(Value::Object(m)), FieldType::Map(_)) => {
                    m.values_mut().for_each(|i| prune(f.fields, i, keep));
                }
                (Some(record), FieldType::Record(_)) => prune(f.fields, record, keep),
                _ => {}
            }
        }
    }
    let mut known = Vec::new();
    names(info.response, &mut known);
    if let Some(bad) = keep.iter().find(|k| !known.contains(&k.as_str())) {
        return Err(CliError::usage(format!(
            "--fields {bad}: {}.{} has no field `{bad}`; its fields are {}",
            info.module,
            info.name,
            known.join(", ")
        )));
    }
    prune(info.response, v, keep);
    Ok(())
}

/// The rows of a table-layout response.
enum TableRows<'v> {
    /// Rows of cells; the header is the response field `columns` (the report).
    Cells {
        columns: Vec<String>,
        rows: &'v [Value],
    },
    /// Rows of records keyed by the header (SMS records).
    Records { rows: &'v [Value] },
}

fn table_rows(layout: CsvLayout, v: &Value) -> Option<TableRows<'_>> {
    let CsvLayout::Table { rows, row } = layout else {
        return None;
    };
    let rows = match v.get(rows) {
        Some(Value::Array(items)) => items.as_slice(),
        _ => &[],
    };
    Some(match row {
        RowKind::List => TableRows::Cells {
            columns: columns_of(v),
            rows,
        },
        RowKind::Map => TableRows::Records { rows },
    })
}

/// The header of a table whose rows are lists of cells: the response field `columns`.
fn columns_of(v: &Value) -> Vec<String> {
    match v.get("columns") {
        Some(Value::Array(c)) => c.iter().map(table::cell_text).collect(),
        _ => Vec::new(),
    }
}

impl TableRows<'_> {
    /// Every row as a JSON object keyed by the header.
    fn objects(&self) -> Vec<Value> {
        match self {
            TableRows::Cells { columns, rows } => rows
                .iter()
                .map(|r| {
                    let cells = r.as_array().map(Vec::as_slice).unwrap_or(&[]);
                    Value::Object(
                        columns
                            .iter()
                            .enumerate()
                            .map(|(i, c)| (c.clone(), cells.get(i).cloned().unwrap_or_default()))
                            .collect(),
                    )
                })
                .collect(),
            TableRows::Records { rows } => rows.to_vec(),
        }
    }

    /// A header of every record's keys (in first-seen order), then one line per record.
    fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        let TableRows::Records { rows } = self else {
            return Ok(());
        };
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
        let headers = tree::record_header(rows);
        w.write_record(&headers).map_err(csv_err)?;
        for item in rows.iter() {
            let rec: Vec<String> = headers
                .iter()
                .map(|h| item.get(*h).map(value_text).unwrap_or_default())
                .collect();
            w.write_record(&rec).map_err(csv_err)?;
        }
        w.flush()
    }
}

/// The rows of the tables a response splits into (see [`table::tables_of`]: one per list or
/// map of records, a nested one with its parent's identifying column) as `csv` (a header, then
/// one line per item) or `jsonl` (one object per item). With several tables, a first column
/// `table` names each row's (`queues`, `queues.agents`) and the header is every table's
/// columns. A response of scalars only is one JSON Lines document, or a `field,value` CSV.
fn write_item_rows(
    out: &mut dyn Write,
    output: Output,
    tables: &[table::Table],
    v: &Value,
) -> io::Result<()> {
    let records = tables.iter().any(|t| t.headers != ["field", "value"]);
    if output == Output::Jsonl && !records {
        serde_json::to_writer(&mut *out, v)?;
        return writeln!(out);
    }
    let tables: Vec<&table::Table> = tables.iter().filter(|t| !t.headers.is_empty()).collect();
    let several = tables.len() > 1;
    let mut header: Vec<&str> = Vec::new();
    if several {
        header.push("table");
    }
    for t in &tables {
        for h in &t.headers {
            if !header.contains(&h.as_str()) {
                header.push(h);
            }
        }
    }
    // A status response is small: its CSV is built, then written.
    let mut csv = (output == Output::Csv).then(|| {
        csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new())
    });
    if let (Some(w), false) = (&mut csv, header.is_empty()) {
        w.write_record(&header).map_err(csv_err)?;
    }
    for t in &tables {
        for row in &t.rows {
            let cells = t.headers.iter().zip(row);
            match &mut csv {
                Some(w) => {
                    let mut line = vec![String::new(); header.len()];
                    if several {
                        line[0] = t.title.clone();
                    }
                    for (h, c) in cells {
                        if let Some(i) = header.iter().position(|x| x == h) {
                            line[i] = value_text(&c.value);
                        }
                    }
                    w.write_record(&line).map_err(csv_err)?;
                }
                None => {
                    let mut obj = serde_json::Map::new();
                    if several {
                        obj.insert("table".into(), t.title.clone().into());
                    }
                    for (h, c) in cells {
                        obj.insert(h.clone(), c.value.clone());
                    }
                    serde_json::to_writer(&mut *out, &Value::Object(obj))?;
                    writeln!(out)?;
                }
            }
        }
    }
    match csv {
        Some(w) => out.write_all(
            &w.into_inner()
                .map_err(|e| io::Error::other(e.to_string()))?,
        ),
        None => Ok(()),
    }
}

/// A value's text in a CSV cell or a row sink: as is (CSV quotes what needs it, a sink cleans
/// what its output needs), a list of scalars one item per line, null empty.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join("\n"),
        other => table::cell_text(other),
    }
}

/// A table of cell rows (the report) in `table` or `csv`, as the streamed export writes it.
fn write_cell_rows(
    out: &mut dyn Write,
    output: Output,
    v: &Value,
    layout: CsvLayout,
) -> io::Result<()> {
    let Some(TableRows::Cells { columns, rows }) = table_rows(layout, v) else {
        return Ok(());
    };
    let total = HeadTotal::of(v.get("total_results").and_then(Value::as_i64));
    let title = v.get("title").and_then(Value::as_str);
    let mut sink = ReportSink::new(output, out);
    sink.head(total, title, &columns)?;
    for row in rows {
        let cells: Vec<String> = match row {
            Value::Array(cells) => cells.iter().map(value_text).collect(),
            other => vec![value_text(other)],
        };
        sink.row(&cells)?;
    }
    sink.finish(None, None)
}

/// Writes `v` as a YAML document for people: the core's one YAML writer in its readable
/// dialect ([`YamlStyle::Readable`]).
pub fn write_yaml(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    out.write_all(yaml_text(v).as_bytes())
}

/// `v` as YAML for people (see [`write_yaml`]).
pub fn yaml_text(v: &Value) -> String {
    yaml::write_tree(v, YamlStyle::Readable)
}

fn csv_err(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    fn yaml(s: &str) -> String {
        let mut out = Vec::new();
        write_yaml(&mut out, &val(s)).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn info(module: &str, name: &str) -> &'static ActionInfo {
        dlspbx_core::generated::ACTIONS
            .iter()
            .copied()
            .find(|a| a.module == module && a.name == name)
            .unwrap()
    }

    fn write(output: Output, info: &ActionInfo, v: &str) -> String {
        let mut out = Vec::new();
        write_value(&mut out, output, info, &val(v)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn empty_results_say_so_in_a_table() {
        let logs = info("status", "dialerlogs");
        assert_eq!(write(Output::Table, logs, r#"{"logs":[]}"#), "no results\n");
        assert_eq!(
            write(Output::Json, logs, r#"{"logs":[]}"#),
            "{\n  \"logs\": []\n}\n"
        );
        let sms = info("sms", "query_sms");
        assert_eq!(
            write(Output::Table, sms, r#"{"total_results":0,"results":[]}"#),
            "no results\n"
        );
    }

    #[test]
    fn yaml_blocks_and_quoting() {
        assert_eq!(
            yaml(
                r#"{"users":[{"ext":"630","name":"Tom","port":0,"ok":true}],"empty":[],"m":{},"s":"a: b"}"#
            ),
            "users:\n  - ext: \"630\"\n    name: Tom\n    port: 0\n    ok: true\nempty: []\nm: {}\ns: \"a: b\"\n"
        );
        assert_eq!(
            yaml(r#"{"l":["x","yes",""]}"#),
            "l:\n  - x\n  - \"yes\"\n  - \"\"\n"
        );
    }

    #[test]
    fn json_keeps_the_field_order() {
        let text = write(
            Output::Json,
            info("status", "users"),
            r#"{"z":1,"a":[true,null,"x"]}"#,
        );
        assert_eq!(
            text,
            "{\n  \"z\": 1,\n  \"a\": [\n    true,\n    null,\n    \"x\"\n  ]\n}\n"
        );
    }

    #[test]
    fn csv_and_jsonl_write_one_row_per_item() {
        assert_eq!(
            write(
                Output::Csv,
                info("status", "queues"),
                r#"{"queues":{"q":{"queue":"q","n":[1,"a b"],"agents":{"t":{"name":"T, x"}}}}}"#
            ),
            "table,queue,n,agent,name\nqueues,q,\"1\na b\",,\nqueues.agents,q,,t,\"T, x\"\n"
        );
        assert_eq!(
            write(
                Output::Jsonl,
                info("status", "queues"),
                r#"{"queues":{"q":{"queue":"q","n":[1,"a b"],"agents":{"t":{"name":"T"}}}}}"#
            ),
            "{\"table\":\"queues\",\"queue\":\"q\",\"n\":[1,\"a b\"]}\n{\"table\":\"queues.agents\",\"queue\":\"q\",\"agent\":\"t\",\"name\":\"T\"}\n"
        );
        // One list: no `table` column; scalars only: one document.
        assert_eq!(
            write(
                Output::Csv,
                info("status", "users"),
                r#"{"users":[{"ext":"1"},{"ext":"2"}]}"#
            ),
            "ext\n1\n2\n"
        );
        assert_eq!(
            write(
                Output::Jsonl,
                info("example", "test"),
                r#"{"example_data":"x"}"#
            ),
            "{\"example_data\":\"x\"}\n"
        );
        let sms = r#"{"total_results":2,"results":[{"a":1,"b":"x"},{"a":2,"b":"y,z"}]}"#;
        assert_eq!(
            write(Output::Csv, info("sms", "query_sms"), sms),
            "a,b\n1,x\n2,\"y,z\"\n"
        );
        assert_eq!(
            write(Output::Jsonl, info("sms", "query_sms"), sms),
            "{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":\"y,z\"}\n"
        );
        let report = r#"{"total_results":9,"columns":["date","billable_duration"],"results":[["2024-01-01","5"],["2024-01-02","75"]]}"#;
        let r = info("reports", "report");
        assert_eq!(
            write(Output::Csv, r, report),
            "date,billable_duration\n2024-01-01,5\n2024-01-02,75\n"
        );
        assert_eq!(
            write(Output::Jsonl, r, report),
            "{\"date\":\"2024-01-01\",\"billable_duration\":\"5\"}\n{\"date\":\"2024-01-02\",\"billable_duration\":\"75\"}\n"
        );
        assert_eq!(
            write(Output::Table, r, report),
            "date        billable_duration\n2024-01-01                  5\n2024-01-02                 75\n(2 rows; total_results 9)\n"
        );
    }
}
