//! A small aligned-column table renderer, and the split of a nested response into tables.
//!
//! No table crate: the CLI needs left/right alignment, a title and nothing else, and the
//! widths are plain character counts (the API's data is ASCII apart from names).
//!
//! On a terminal ([`set_terminal`]) a table fits the terminal's width: the widest columns
//! shrink and their cells end in `…`, a line never wraps. The header row is bold when colour
//! is on (`--color`). A cell holding a list (a dialer log's lines) takes one line per item.

use serde_json::{Map, Value};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// What an empty table prints instead of a bare header.
pub const NO_RESULTS: &str = "no results";

static TERMINAL_WIDTH: AtomicUsize = AtomicUsize::new(0);
static BOLD_HEADER: AtomicBool = AtomicBool::new(false);

/// How tables are drawn from now on: fitted to `width` columns (`None`: as wide as their
/// cells, for a pipe or a file), with a bold header row or not.
pub fn set_terminal(width: Option<usize>, bold_header: bool) {
    TERMINAL_WIDTH.store(width.unwrap_or(0), Ordering::Relaxed);
    BOLD_HEADER.store(bold_header, Ordering::Relaxed);
}

/// The width tables are fitted to, if any.
fn terminal_width() -> Option<usize> {
    Some(TERMINAL_WIDTH.load(Ordering::Relaxed)).filter(|w| *w > 0)
}

/// Shrinks `w` (column widths, two spaces between columns) until a line fits `total`
/// characters: the widest column loses one at a time, none below 1.
fn fit(w: &mut [usize], total: usize) {
    let line = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
    while line(w) > total {
        let Some((i, widest)) = w.iter().copied().enumerate().max_by_key(|(_, x)| *x) else {
            return;
        };
        if widest <= 1 {
            return;
        }
        w[i] -= 1;
    }
}

/// `s` cut to `w` characters, its last one `…` when cut.
fn truncate(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(w.saturating_sub(1)).collect();
    if w > 0 {
        out.push('…');
    }
    out
}

/// True for null, strings, numbers and booleans.
pub fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// True for a list whose items are all scalars (including an empty list).
pub fn is_scalar_list(v: &Value) -> bool {
    matches!(v, Value::Array(items) if items.iter().all(is_scalar))
}

/// The text of a scalar or of a list of scalars (joined with `, `), for a table or CSV cell;
/// control characters become spaces so that a cell stays on one line.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect(),
        Value::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join(", "),
        Value::Object(_) => String::from("{…}"),
    }
}

/// One rendered table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The table's name (`queues`, `queues.agents`), printed above it when there are several.
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells; a missing cell is empty.
    pub rows: Vec<Vec<Cell>>,
}

/// A table cell: its text, whether it is a number (right-aligned), and the value it shows
/// (what `-o csv` and `-o jsonl` write of the same rows).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    /// The text.
    pub text: String,
    /// Right-align.
    pub numeric: bool,
    /// The value, as the response has it.
    pub value: Value,
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Self {
        let text = s.into();
        Cell {
            value: Value::String(text.clone()),
            text,
            numeric: false,
        }
    }

    /// A cell of a value: a list of scalars takes one line per item.
    fn of(v: &Value) -> Self {
        let text = match v {
            Value::Array(items) => items
                .iter()
                .map(|i| cell_text(i).trim().to_owned())
                .collect::<Vec<_>>()
                .join("\n"),
            v => cell_text(v).trim().to_owned(),
        };
        Cell {
            text,
            numeric: v.is_number(),
            value: v.clone(),
        }
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Column widths for a header and rows (a cell of several lines: its widest), fitted to the
/// terminal when there is one ([`set_terminal`]).
pub fn widths(headers: &[String], rows: &[Vec<Cell>]) -> Vec<usize> {
    let mut w: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            if i >= w.len() {
                w.push(0);
            }
            w[i] = w[i].max(c.text.split('\n').map(width).max().unwrap_or(0));
        }
    }
    if let Some(total) = terminal_width() {
        fit(&mut w, total);
    }
    w
}

/// Writes one row of cells padded to `widths` (two spaces between columns, no trailing
/// blanks): one line, or one per line of its tallest cell. On a terminal a cell wider than its
/// column ends in `…` and a line never exceeds the terminal's width.
pub fn write_line(out: &mut dyn Write, cells: &[Cell], widths: &[usize]) -> io::Result<()> {
    let lines: Vec<Vec<&str>> = cells.iter().map(|c| c.text.split('\n').collect()).collect();
    let height = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for k in 0..height {
        let row: Vec<Cell> = cells
            .iter()
            .zip(&lines)
            .map(|(c, l)| Cell {
                text: l.get(k).copied().unwrap_or("").to_owned(),
                numeric: c.numeric,
                value: Value::Null,
            })
            .collect();
        let line = render_line(&row, widths);
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One physical line of single-line cells.
fn render_line(cells: &[Cell], widths: &[usize]) -> String {
    let fitted = terminal_width();
    let mut line = String::new();
    let n = widths.len().max(cells.len());
    for i in 0..n {
        let empty = Cell::default();
        let c = cells.get(i).unwrap_or(&empty);
        let w = widths.get(i).copied().unwrap_or(0);
        let text = match fitted {
            Some(_) if width(&c.text) > w => truncate(&c.text, w),
            _ => c.text.clone(),
        };
        let pad = w.saturating_sub(width(&text));
        if i > 0 {
            line.push_str("  ");
        }
        if c.numeric {
            line.push_str(&" ".repeat(pad));
            line.push_str(&text);
        } else {
            line.push_str(&text);
            if i + 1 < n {
                line.push_str(&" ".repeat(pad));
            }
        }
    }
    let line = line.trim_end();
    match fitted {
        Some(total) => truncate(line, total),
        None => line.to_owned(),
    }
}

/// Writes a header row: [`write_line`], bold when colour is on.
pub fn write_header(out: &mut dyn Write, cells: &[Cell], widths: &[usize]) -> io::Result<()> {
    if !BOLD_HEADER.load(Ordering::Relaxed) {
        return write_line(out, cells, widths);
    }
    let mut plain = Vec::new();
    write_line(&mut plain, cells, widths)?;
    for line in String::from_utf8_lossy(&plain).lines() {
        writeln!(out, "\x1b[1m{line}\x1b[0m")?;
    }
    Ok(())
}

impl Table {
    /// Writes the table (header, then rows), aligned.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let w = widths(&self.headers, &self.rows);
        let header: Vec<Cell> = self.headers.iter().map(|h| Cell::text(h.clone())).collect();
        write_header(out, &header, &w)?;
        for row in &self.rows {
            write_line(out, row, &w)?;
        }
        Ok(())
    }
}

/// Writes several tables; with more than one, each gets its title and a blank line between.
/// An empty list, or no table at all, says [`NO_RESULTS`] instead of a bare header.
pub fn write_tables(out: &mut dyn Write, tables: &[Table]) -> io::Result<()> {
    if tables.is_empty() {
        return writeln!(out, "{NO_RESULTS}");
    }
    let titled = tables.len() > 1;
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        if titled {
            writeln!(out, "{} ({})", t.title, t.rows.len())?;
        }
        if t.rows.is_empty() {
            writeln!(out, "{NO_RESULTS}")?;
        } else {
            t.write(out)?;
        }
    }
    Ok(())
}

/// Singular of a field name, for the key column of a map (`queues` → `queue`).
fn singular(name: &str) -> String {
    let last = name.rsplit('.').next().unwrap_or(name);
    if let Some(s) = last.strip_suffix("ies") {
        format!("{s}y")
    } else if let Some(s) = last.strip_suffix('s') {
        if s.is_empty() {
            last.to_owned()
        } else {
            s.to_owned()
        }
    } else {
        last.to_owned()
    }
}

/// A row of a list or map of records: its map key (if any) and its fields.
type RecordRow<'v> = (Option<&'v str>, &'v Map<String, Value>);

/// The fields of a record.
fn record_fields(v: &Value) -> Option<&Map<String, Value>> {
    v.as_object()
}

/// The rows of a list of records, or of a map whose values are all records (`queues`,
/// `agents`); `None` for anything else.
fn as_rows(v: &Value) -> Option<Vec<RecordRow<'_>>> {
    let rows: Option<Vec<RecordRow<'_>>> = match v {
        Value::Array(items) => items
            .iter()
            .map(|i| record_fields(i).map(|f| (None, f)))
            .collect(),
        Value::Object(entries) => entries
            .iter()
            .map(|(k, v)| record_fields(v).map(|f| (Some(k.as_str()), f)))
            .collect(),
        _ => None,
    };
    rows.filter(|r| !r.is_empty())
}

#[derive(Default)]
struct Builder {
    tables: Vec<Table>,
}

impl Builder {
    fn table(&mut self, title: &str) -> &mut Table {
        if let Some(i) = self.tables.iter().position(|t| t.title == title) {
            return &mut self.tables[i];
        }
        let i = self.tables.len();
        self.tables.push(Table {
            title: title.to_owned(),
            ..Default::default()
        });
        &mut self.tables[i]
    }

    fn add_row(&mut self, title: &str, cells: Vec<(String, Cell)>) {
        let t = self.table(title);
        let mut row = vec![Cell::default(); t.headers.len()];
        for (h, c) in cells {
            match t.headers.iter().position(|x| *x == h) {
                Some(i) => row[i] = c,
                None => {
                    t.headers.push(h);
                    for r in &mut t.rows {
                        r.push(Cell::default());
                    }
                    row.push(c);
                }
            }
        }
        t.rows.push(row);
    }

    /// A value under `path`; `parent` is the identifying column of the row it belongs to.
    fn value(&mut self, path: &str, v: &Value, parent: Option<(String, Cell)>) {
        if let Some(rows) = as_rows(v) {
            self.rows(path, &rows, parent);
            return;
        }
        match v {
            Value::Object(entries) => {
                // A record: its scalars as a field/value table, its nested values below it.
                let scalars: Vec<(&String, &Value)> = entries
                    .iter()
                    .filter(|(_, v)| is_scalar(v) || is_scalar_list(v))
                    .collect();
                if !scalars.is_empty() {
                    if let Some((pc, pv)) = &parent {
                        let mut cells = vec![(pc.clone(), pv.clone())];
                        cells.extend(scalars.iter().map(|(k, v)| ((*k).clone(), Cell::of(v))));
                        self.add_row(path, cells);
                    } else {
                        for (k, v) in scalars {
                            self.add_row(
                                path,
                                vec![
                                    ("field".into(), Cell::text(k.clone())),
                                    ("value".into(), Cell::of(v)),
                                ],
                            );
                        }
                    }
                }
                for (k, v) in entries
                    .iter()
                    .filter(|(_, v)| !(is_scalar(v) || is_scalar_list(v)))
                {
                    self.value(&format!("{path}.{k}"), v, parent.clone());
                }
            }
            Value::Array(items) if items.is_empty() => {
                if parent.is_none() {
                    self.table(path);
                }
            }
            Value::Array(items) => {
                // A mixed list: one row per item, under an index column.
                for (i, item) in items.iter().enumerate() {
                    let mut cells = parent.iter().cloned().collect::<Vec<_>>();
                    cells.push((
                        "#".into(),
                        Cell {
                            text: i.to_string(),
                            numeric: true,
                            value: Value::from(i),
                        },
                    ));
                    cells.push(("value".into(), Cell::of(item)));
                    self.add_row(path, cells);
                }
            }
            scalar => {
                let mut cells = parent.iter().cloned().collect::<Vec<_>>();
                cells.push(("value".into(), Cell::of(scalar)));
                self.add_row(path, cells);
            }
        }
    }

    fn rows(&mut self, path: &str, rows: &[RecordRow<'_>], parent: Option<(String, Cell)>) {
        let key_col = singular(path);
        self.table(path);
        // A field is nested (its own table) when any row holds records there; an empty list
        // in another row then means "no records", not an empty cell.
        let nested_fields: Vec<&str> = rows
            .iter()
            .flat_map(|(_, fields)| fields.iter())
            .filter(|(_, v)| !(is_scalar(v) || is_scalar_list(v)))
            .map(|(f, _)| f.as_str())
            .collect();
        for (key, fields) in rows {
            let mut cells: Vec<(String, Cell)> = parent.iter().cloned().collect();
            // The row's identity, repeated in its child tables: its map key, or else its
            // first scalar field (named after the table: `user_ext`).
            let mut ident: Option<(String, Cell)> = None;
            if let Some(k) = key {
                let c = (key_col.clone(), Cell::text(*k));
                if !fields
                    .iter()
                    .any(|(f, v)| *f == key_col && cell_text(v) == *k)
                {
                    cells.push(c.clone());
                }
                ident = Some(c);
            }
            let mut nested = Vec::new();
            for (f, v) in fields.iter() {
                if !nested_fields.contains(&f.as_str()) {
                    if ident.is_none() {
                        let h = if *f == key_col {
                            f.clone()
                        } else {
                            format!("{key_col}_{f}")
                        };
                        ident = Some((h, Cell::of(v)));
                    }
                    cells.push((f.clone(), Cell::of(v)));
                } else {
                    nested.push((f, v));
                }
            }
            self.add_row(path, cells);
            for (f, v) in nested {
                self.value(&format!("{path}.{f}"), v, ident.clone());
            }
        }
    }
}

/// Splits a response into tables: the top-level scalars as one field/value table, each list or
/// map of records as a table (a map's key as the first column), and each nested list or map of
/// records as its own table with the identifying column of its parent row first
/// (`queues.agents` starts with `queue`).
pub fn tables_of(name: &str, root: &Value) -> Vec<Table> {
    let mut b = Builder::default();
    match root {
        Value::Object(entries) => {
            let scalars: Vec<(&String, &Value)> = entries
                .iter()
                .filter(|(_, v)| is_scalar(v) || is_scalar_list(v))
                .collect();
            for (k, v) in scalars {
                b.add_row(
                    name,
                    vec![
                        ("field".into(), Cell::text(k.clone())),
                        ("value".into(), Cell::of(v)),
                    ],
                );
            }
            for (k, v) in entries
                .iter()
                .filter(|(_, v)| !(is_scalar(v) || is_scalar_list(v)))
            {
                b.value(k, v, None);
            }
        }
        other => b.value(name, other, None),
    }
    b.tables
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    fn render(tables: &[Table]) -> String {
        let mut out = Vec::new();
        write_tables(&mut out, tables).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn nested_maps_become_child_tables_with_the_parent_column() {
        let v = val(
            r#"{"queues":{"support":{"queue":"support","waiting":1,"agents":{"tom1":{"name":"Tom","paused":false},"ann2":{"name":"Ann","paused":true}},"calls_waiting":[{"number":"815","priority":1}]},"sales":{"queue":"sales","waiting":10,"agents":{},"calls_waiting":[]}}}"#,
        );
        let t = tables_of("queues", &v);
        let titles: Vec<&str> = t.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["queues", "queues.agents", "queues.calls_waiting"]);
        assert_eq!(t[0].headers, ["queue", "waiting"]);
        assert_eq!(t[1].headers, ["queue", "agent", "name", "paused"]);
        assert_eq!(t[1].rows.len(), 2);
        assert_eq!(t[2].headers, ["queue", "number", "priority"]);
        let text = render(&t);
        assert!(
            text.contains("queues (2)\nqueue    waiting\nsupport        1\nsales         10\n"),
            "{text}"
        );
        assert!(text.contains("support  tom1   Tom   false"), "{text}");
    }

    #[test]
    fn records_and_scalars() {
        let v = val(r#"{"faxes":{"queued_faxes":[],"fax_stats":{"success":3,"failed":1}}}"#);
        let t = tables_of("faxes", &v);
        // An empty list cannot be told from an empty list of scalars: it is an empty cell.
        assert_eq!(
            t.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(),
            ["faxes", "faxes.fax_stats"]
        );
        let text = render(&t);
        assert!(
            text.contains("faxes (1)\nfield         value\nqueued_faxes\n"),
            "{text}"
        );
        assert!(
            text.contains("field    value\nsuccess      3\nfailed       1\n"),
            "{text}"
        );

        let v = val(r#"{"id":42}"#);
        assert_eq!(
            render(&tables_of("add_contact", &v)),
            "field  value\nid        42\n"
        );
    }

    #[test]
    fn fitting_shrinks_the_widest_columns_and_truncates_with_an_ellipsis() {
        let mut w = vec![8, 40, 3];
        fit(&mut w, 30);
        assert_eq!(w, [8, 15, 3]);
        let mut w = vec![20, 20];
        fit(&mut w, 12);
        assert_eq!(w, [5, 5]);
        let mut w = vec![1, 1, 1];
        fit(&mut w, 2);
        assert_eq!(w, [1, 1, 1], "never below one character");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abcd", 4), "abcd");
        assert_eq!(truncate("ab", 0), "");
    }

    #[test]
    fn a_list_cell_takes_one_line_per_item() {
        let v = val(r#"{"logs":[{"campaign":"C","output":["one","two, three"]}]}"#);
        assert_eq!(
            render(&tables_of("dialerlogs", &v)),
            "campaign  output\nC         one\n          two, three\n"
        );
        let v = val(r#"{"queues":{}}"#);
        assert_eq!(render(&tables_of("queues", &v)), "no results\n");
    }

    #[test]
    fn singular_names() {
        assert_eq!(singular("queues"), "queue");
        assert_eq!(singular("queues.agents"), "agent");
        assert_eq!(singular("entries"), "entry");
        assert_eq!(singular("dialer"), "dialer");
    }
}
