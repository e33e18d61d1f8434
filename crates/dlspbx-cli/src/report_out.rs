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
use dlspbx::ExportRow;
use dlspbx_core::report::CellType;
use dlspbx_core::reports::{Column, ReportRequest};
use std::io::{self, IsTerminal, Write};

/// Rows buffered before a table's widths are fixed.
const TABLE_SAMPLE: usize = 1000;

/// A writer of report rows in one output.
pub struct ReportSink<'w> {
    output: Output,
    out: &'w mut dyn Write,
    total: Option<i64>,
    title: Option<String>,
    head_written: bool,
    columns: Vec<String>,
    numeric: Vec<bool>,
    rows: usize,
    buffered: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
}

fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
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

fn csv_line(cells: &[&str]) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    w.write_record(cells).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

impl<'w> ReportSink<'w> {
    /// A sink writing to `out`.
    pub fn new(output: Output, out: &'w mut dyn Write) -> Self {
        ReportSink {
            output,
            out,
            total: None,
            title: None,
            head_written: false,
            columns: Vec::new(),
            numeric: Vec::new(),
            rows: 0,
            buffered: Vec::new(),
            widths: None,
        }
    }

    /// The report's header, before the rows. `total` and `title` are `None` when they are only
    /// known at the end (the streaming export); [`finish`](Self::finish) then writes them.
    pub fn head<S: AsRef<str>>(
        &mut self,
        total: Option<i64>,
        title: Option<&str>,
        columns: &[S],
    ) -> io::Result<()> {
        self.total = total;
        self.title = title.map(str::to_owned);
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
                if let Some(total) = total {
                    write!(
                        self.out,
                        "  \"total_results\": {total},\n  \"title\": {},\n",
                        serde_json::to_string(&self.title).unwrap_or_default()
                    )?;
                }
                write!(
                    self.out,
                    "  \"columns\": {},\n  \"results\": [",
                    indent(&pretty(&self.columns), 2)
                )
            }
            Output::Csv => {
                let cols: Vec<&str> = self.columns.iter().map(String::as_str).collect();
                self.out.write_all(&csv_line(&cols)?)
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

    /// Whether [`head`](Self::head) was called.
    pub fn has_head(&self) -> bool {
        self.head_written
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
                        .map(|(i, c)| {
                            (
                                c.clone(),
                                Val::Str(cells.get(i).copied().unwrap_or("").to_owned()),
                            )
                        })
                        .collect(),
                );
                serde_json::to_writer(&mut *self.out, &obj)?;
                writeln!(self.out)
            }
            Output::Csv => self.out.write_all(&csv_line(cells)?),
            Output::Yaml => {
                self.buffered
                    .push(cells.iter().map(|c| (*c).to_owned()).collect());
                Ok(())
            }
            Output::Table => {
                let row: Vec<String> = cells
                    .iter()
                    .map(|c| {
                        c.chars()
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
        table::write_line(self.out, &header, &w)?;
        for r in &rows {
            table::write_line(self.out, r, &w)?;
        }
        self.widths = Some(w);
        Ok(())
    }

    /// Ends the document; `total` and `title` fill in what [`head`](Self::head) did not know.
    pub fn finish(&mut self, total: Option<i64>, title: Option<&str>) -> io::Result<()> {
        let late = self.total.is_none();
        let total = self.total.or(total).unwrap_or(self.rows as i64);
        if late {
            self.title = title.map(str::to_owned);
        }
        match self.output {
            Output::Json => {
                if self.rows == 0 {
                    write!(self.out, "]")?;
                } else {
                    write!(self.out, "\n  ]")?;
                }
                if late {
                    write!(
                        self.out,
                        ",\n  \"total_results\": {total},\n  \"title\": {}",
                        serde_json::to_string(&self.title).unwrap_or_default()
                    )?;
                }
                writeln!(self.out, "\n}}")
            }
            Output::Csv | Output::Jsonl => Ok(()),
            Output::Yaml => {
                let doc = Val::Obj(vec![
                    ("total_results".into(), Val::Num(total.to_string())),
                    (
                        "title".into(),
                        self.title.clone().map(Val::Str).unwrap_or(Val::Null),
                    ),
                    (
                        "columns".into(),
                        Val::Arr(self.columns.iter().cloned().map(Val::Str).collect()),
                    ),
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

/// `--all`: every row (page=ALL) through the client's streaming export, with a progress
/// counter on stderr when it is a terminal.
pub fn export_all(
    conn: &Conn,
    req: ReportRequest,
    output: Output,
    out: &mut dyn Write,
) -> CliResult<()> {
    let bar = if io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} rows ({per_sec})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        Some(b)
    } else {
        None
    };
    let mut sink = ReportSink::new(output, out);
    let result = conn
        .client
        .report_export(req, |row: ExportRow<'_>| -> Result<(), CliError> {
            if !sink.has_head() {
                sink.head(None, None, row.columns).map_err(stdout_err)?;
            }
            let cells: Vec<&str> = row.row.cells.iter().map(|c| c.as_str()).collect();
            sink.row(&cells).map_err(stdout_err)?;
            if let Some(b) = &bar {
                b.inc(1);
            }
            Ok(())
        });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let summary = result?;
    if !sink.has_head() {
        sink.head(None, None, &summary.columns)
            .map_err(stdout_err)?;
    }
    sink.finish(summary.total_results, summary.title.as_deref())
        .map_err(stdout_err)
}
