//! Writing report rows as they are decoded, in every `--output`.
//!
//! - `json`: `{"total_results", "title", "columns", "results": [[...]]}`, laid out exactly as
//!   `serde_json::to_string_pretty` would, but written row by row;
//! - `jsonl`: one object per row, keyed by column;
//! - `csv`: a header of column names, then one line per row;
//! - `yaml`: the same document as `json`;
//! - `table`: the title, aligned columns (widths from the first rows), and a count line.

use crate::conn::Conn;
use crate::error::{CliError, CliResult};
use crate::output::{self, Output};
use crate::run::stdout_err;
use crate::table::{self, Cell};
use crate::value::Val;
use dlspbx_core::reports::ReportRequest;
use std::io::{self, IsTerminal, Write};

/// Rows buffered before a table's widths are fixed.
const TABLE_SAMPLE: usize = 1000;

/// A writer of report rows in one output.
pub struct ReportSink<'w> {
    output: Output,
    out: &'w mut dyn Write,
    total: i64,
    title: Option<String>,
    columns: Vec<String>,
    rows: usize,
    buffered: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
    csv: Option<csv::Writer<Vec<u8>>>,
}

fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().enumerate().map(|(i, l)| if i == 0 { l.to_owned() } else { format!("{pad}{l}") }).collect::<Vec<_>>().join("\n")
}

impl<'w> ReportSink<'w> {
    /// A sink writing to `out`.
    pub fn new(output: Output, out: &'w mut dyn Write) -> Self {
        ReportSink { output, out, total: 0, title: None, columns: Vec::new(), rows: 0, buffered: Vec::new(), widths: None, csv: None }
    }

    /// The report's header fields; called once, before the rows.
    pub fn head<S: AsRef<str>>(&mut self, total: i64, title: Option<&str>, columns: &[S]) -> io::Result<()> {
        self.total = total;
        self.title = title.map(str::to_owned);
        self.columns = columns.iter().map(|c| c.as_ref().to_owned()).collect();
        match self.output {
            Output::Json => {
                write!(
                    self.out,
                    "{{\n  \"total_results\": {total},\n  \"title\": {},\n  \"columns\": {},\n  \"results\": [",
                    serde_json::to_string(&self.title).unwrap_or_default(),
                    indent(&pretty(&self.columns), 2)
                )
            }
            Output::Csv => {
                let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
                w.write_record(&self.columns).map_err(io::Error::other)?;
                self.csv = Some(w);
                self.flush_csv()
            }
            Output::Table => {
                if let Some(t) = &self.title {
                    writeln!(self.out, "{t}")?;
                }
                Ok(())
            }
            Output::Jsonl | Output::Yaml => Ok(()),
        }
    }

    fn flush_csv(&mut self) -> io::Result<()> {
        if let Some(w) = &mut self.csv {
            w.flush()?;
            let buf = std::mem::take(w.get_mut());
            self.out.write_all(&buf)?;
        }
        Ok(())
    }

    /// One row's cells, in column order.
    pub fn row(&mut self, cells: &[&str]) -> io::Result<()> {
        self.rows += 1;
        match self.output {
            Output::Json => {
                let sep = if self.rows == 1 { "\n    " } else { ",\n    " };
                write!(self.out, "{sep}{}", indent(&pretty(&cells), 4))
            }
            Output::Jsonl => {
                let obj = Val::Obj(
                    self.columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (c.clone(), Val::Str(cells.get(i).copied().unwrap_or("").to_owned())))
                        .collect(),
                );
                serde_json::to_writer(&mut *self.out, &obj)?;
                writeln!(self.out)
            }
            Output::Csv => {
                if let Some(w) = &mut self.csv {
                    w.write_record(cells).map_err(io::Error::other)?;
                }
                if self.rows % 256 == 0 { self.flush_csv() } else { Ok(()) }
            }
            Output::Yaml => {
                self.buffered.push(cells.iter().map(|c| (*c).to_owned()).collect());
                Ok(())
            }
            Output::Table => {
                let row: Vec<String> = cells.iter().map(|c| c.chars().map(|ch| if ch.is_control() { ' ' } else { ch }).collect()).collect();
                match &self.widths {
                    Some(w) => {
                        let w = w.clone();
                        table::write_line(self.out, &row.into_iter().map(Cell::text).collect::<Vec<_>>(), &w)
                    }
                    None => {
                        self.buffered.push(row);
                        if self.buffered.len() >= TABLE_SAMPLE { self.flush_table() } else { Ok(()) }
                    }
                }
            }
        }
    }

    fn flush_table(&mut self) -> io::Result<()> {
        let rows: Vec<Vec<Cell>> = std::mem::take(&mut self.buffered).into_iter().map(|r| r.into_iter().map(Cell::text).collect()).collect();
        let w = table::widths(&self.columns, &rows);
        let header: Vec<Cell> = self.columns.iter().map(|c| Cell::text(c.clone())).collect();
        table::write_line(self.out, &header, &w)?;
        for r in &rows {
            table::write_line(self.out, r, &w)?;
        }
        self.widths = Some(w);
        Ok(())
    }

    /// Ends the document.
    pub fn finish(&mut self) -> io::Result<()> {
        match self.output {
            Output::Json => {
                if self.rows == 0 {
                    writeln!(self.out, "]\n}}")
                } else {
                    writeln!(self.out, "\n  ]\n}}")
                }
            }
            Output::Csv => self.flush_csv(),
            Output::Jsonl => Ok(()),
            Output::Yaml => {
                let doc = Val::Obj(vec![
                    ("total_results".into(), Val::Num(self.total.to_string())),
                    ("title".into(), self.title.clone().map(Val::Str).unwrap_or(Val::Null)),
                    ("columns".into(), Val::Arr(self.columns.iter().cloned().map(Val::Str).collect())),
                    (
                        "results".into(),
                        Val::Arr(
                            std::mem::take(&mut self.buffered)
                                .into_iter()
                                .map(|r| Val::Arr(r.into_iter().map(Val::Str).collect()))
                                .collect(),
                        ),
                    ),
                ]);
                output::write_yaml(self.out, &doc)
            }
            Output::Table => {
                if self.widths.is_none() {
                    self.flush_table()?;
                }
                writeln!(self.out, "({} row{}; total_results {})", self.rows, if self.rows == 1 { "" } else { "s" }, self.total)
            }
        }
    }
}

/// `--all`: every row (page=ALL) through the client's streaming export, with a progress
/// counter on stderr when it is a terminal.
pub fn export_all(conn: &Conn, req: ReportRequest, output: Output, out: &mut dyn Write) -> CliResult<()> {
    let bar = if io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(indicatif::ProgressStyle::with_template("{spinner} {pos} rows {msg}").unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()));
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        Some(b)
    } else {
        None
    };
    let mut sink = ReportSink::new(output, out);
    let mut started = false;
    let mut write_err: Option<io::Error> = None;
    let result = conn.client.report_export(req, |head, row| {
        if write_err.is_some() {
            return;
        }
        if !started {
            started = true;
            if let Some(b) = &bar {
                b.set_length(head.total_results.max(0) as u64);
            }
            if let Err(e) = sink.head(head.total_results, head.title.as_deref(), &head.columns) {
                write_err = Some(e);
                return;
            }
        }
        if let Err(e) = sink.row(row) {
            write_err = Some(e);
        }
        if let Some(b) = &bar {
            b.inc(1);
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(e) = write_err {
        return Err(stdout_err(e));
    }
    result.map_err(CliError::from)?;
    if !started {
        sink.head(0, None, &[] as &[&str]).map_err(stdout_err)?;
    }
    sink.finish().map_err(stdout_err)
}
