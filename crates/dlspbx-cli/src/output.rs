//! Printing typed responses: `--output table|json|yaml|csv`.
//!
//! - `json`: `serde_json::to_string_pretty` of the typed response, fields in spec order (the
//!   same JSON whatever format the server answered in).
//! - `yaml`: the same tree as YAML (block style; strings quoted when YAML would read them as
//!   something else).
//! - `csv`: for the actions whose CSV layout is a table (SMS records), a header and one line per
//!   record; for the others, the spec's key-path layout (`queues,support_queue,agents,beaucrn6,name,Tom`).
//! - `table`: aligned columns, one table per list or map of records (see [`crate::table`]).
//!
//! The default is `table` when stdout is a terminal and `json` otherwise, so that scripts get a
//! stable, parseable format without asking.

use crate::table;
use crate::value::Val;
use dlspbx_core::wire::CsvLayout;
use std::io::{self, IsTerminal, Write};
use std::str::FromStr;

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

/// Writes a typed response (already turned into a [`Val`]) in `output`.
pub fn write_value(
    out: &mut dyn Write,
    output: Output,
    name: &str,
    layout: CsvLayout,
    v: &Val,
) -> io::Result<()> {
    match output {
        Output::Json => {
            serde_json::to_writer_pretty(&mut *out, v)?;
            writeln!(out)
        }
        Output::Jsonl => {
            serde_json::to_writer(&mut *out, v)?;
            writeln!(out)
        }
        Output::Yaml => write_yaml(out, v),
        Output::Csv => write_csv(out, layout, v),
        Output::Table => table::write_tables(out, &table::tables_of(name, v)),
    }
}

// ---------------------------------------------------------------------------------------------
// YAML

/// Whether a string must be quoted to be read back as the same string.
fn yaml_needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "null"
            | "~"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".inf"
            | ".nan"
            | "-.inf"
    ) {
        return true;
    }
    if s.parse::<f64>().is_ok() || s.starts_with(|c: char| c.is_ascii_digit()) && s.contains(':') {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return true;
    }
    s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.chars().any(|c| c.is_control())
}

fn yaml_scalar(v: &Val) -> String {
    match v {
        Val::Null => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Num(n) => n.clone(),
        Val::Str(s) => {
            if yaml_needs_quotes(s) {
                serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
            } else {
                s.clone()
            }
        }
        Val::Arr(_) => "[]".into(),
        Val::Obj(_) => "{}".into(),
    }
}

fn yaml_key(k: &str) -> String {
    if yaml_needs_quotes(k) || k.contains(' ') {
        serde_json::to_string(k).unwrap_or_default()
    } else {
        k.to_owned()
    }
}

fn is_empty_collection(v: &Val) -> bool {
    matches!(v, Val::Arr(a) if a.is_empty()) || matches!(v, Val::Obj(o) if o.is_empty())
}

fn yaml_node(out: &mut dyn Write, v: &Val, indent: usize) -> io::Result<()> {
    let pad = " ".repeat(indent);
    match v {
        Val::Obj(entries) if !entries.is_empty() => {
            for (k, val) in entries {
                if val.is_scalar() || is_empty_collection(val) {
                    writeln!(out, "{pad}{}: {}", yaml_key(k), yaml_scalar(val))?;
                } else {
                    writeln!(out, "{pad}{}:", yaml_key(k))?;
                    yaml_node(out, val, indent + 2)?;
                }
            }
            Ok(())
        }
        Val::Arr(items) if !items.is_empty() => {
            for item in items {
                if item.is_scalar() || is_empty_collection(item) {
                    writeln!(out, "{pad}- {}", yaml_scalar(item))?;
                } else {
                    // The first line of the nested block goes after the dash.
                    let mut buf = Vec::new();
                    yaml_node(&mut buf, item, indent + 2)?;
                    let text = String::from_utf8_lossy(&buf);
                    let inner = " ".repeat(indent + 2);
                    let mut first = true;
                    for line in text.lines() {
                        if first {
                            writeln!(out, "{pad}- {}", line.strip_prefix(&inner).unwrap_or(line))?;
                            first = false;
                        } else {
                            writeln!(out, "{line}")?;
                        }
                    }
                }
            }
            Ok(())
        }
        scalar => writeln!(out, "{pad}{}", yaml_scalar(scalar)),
    }
}

/// Writes `v` as a YAML document.
pub fn write_yaml(out: &mut dyn Write, v: &Val) -> io::Result<()> {
    yaml_node(out, v, 0)
}

// ---------------------------------------------------------------------------------------------
// CSV

fn csv_err(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

fn key_paths(
    prefix: &mut Vec<String>,
    v: &Val,
    w: &mut csv::Writer<&mut dyn Write>,
) -> Result<(), csv::Error> {
    match v {
        Val::Obj(entries) if !entries.is_empty() => {
            for (k, val) in entries {
                prefix.push(k.clone());
                key_paths(prefix, val, w)?;
                prefix.pop();
            }
            Ok(())
        }
        Val::Arr(items) if !items.is_empty() => {
            for (i, val) in items.iter().enumerate() {
                prefix.push(i.to_string());
                key_paths(prefix, val, w)?;
                prefix.pop();
            }
            Ok(())
        }
        leaf => {
            let mut rec = prefix.clone();
            rec.push(match leaf {
                Val::Null | Val::Arr(_) | Val::Obj(_) => String::new(),
                other => other.cell_text(),
            });
            w.write_record(&rec)
        }
    }
}

/// Writes `v` as CSV: a table of the layout's rows, or key-path lines.
pub fn write_csv(out: &mut dyn Write, layout: CsvLayout, v: &Val) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
    if let CsvLayout::Table { rows, .. } = layout
        && let Some(Val::Arr(items)) = v.get(rows)
    {
        let mut headers: Vec<String> = Vec::new();
        for item in items {
            if let Val::Obj(e) = item {
                for (k, _) in e {
                    if !headers.contains(k) {
                        headers.push(k.clone());
                    }
                }
            }
        }
        w.write_record(&headers).map_err(csv_err)?;
        for item in items {
            let rec: Vec<String> = headers
                .iter()
                .map(|h| item.get(h).map(Val::cell_text).unwrap_or_default())
                .collect();
            w.write_record(&rec).map_err(csv_err)?;
        }
        return w.flush();
    }
    key_paths(&mut Vec::new(), v, &mut w).map_err(csv_err)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(s: &str) -> Val {
        serde_json::from_str(s).unwrap()
    }

    fn yaml(s: &str) -> String {
        let mut out = Vec::new();
        write_yaml(&mut out, &val(s)).unwrap();
        String::from_utf8(out).unwrap()
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
    fn csv_key_paths_and_tables() {
        let mut out = Vec::new();
        write_csv(
            &mut out,
            CsvLayout::Keys,
            &val(r#"{"queues":{"q":{"agents":{},"n":[1,"a b"]}}}"#),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "queues,q,agents,\nqueues,q,n,0,1\nqueues,q,n,1,a b\n"
        );
        let mut out = Vec::new();
        let layout = CsvLayout::Table {
            rows: "results",
            row: dlspbx_core::wire::RowKind::Map,
        };
        write_csv(
            &mut out,
            layout,
            &val(r#"{"total_results":2,"results":[{"a":1,"b":"x"},{"a":2,"b":"y,z"}]}"#),
        )
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a,b\n1,x\n2,\"y,z\"\n");
    }
}
