//! The CDR report: a purpose-built decoder whose rows are read lazily, and typed cells.
//!
//! A report can run to millions of rows, so [`ReportTable`] does not materialise them: the
//! header fields are decoded up front, and [`ReportTable::rows`] walks the `results` part of
//! the body one row at a time, borrowing every cell that the wire did not escape.

mod cell;
mod json_rows;

pub use cell::{parse_duration, Cell, CellType};

use crate::error::{DecodeError, Error, Position, Result};
use crate::format::Format;
use crate::generated::reports::Column;
use crate::wire::{self, CsvLayout, Node, RowKind, Str};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// The CSV layout of a report: a header row of column names, one line per call.
pub const CSV_LAYOUT: CsvLayout = CsvLayout::Table { rows: "results", row: RowKind::List };

/// What kind of value a filter type takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterKind {
    /// No value: the rule matches when the call has the property (`bridged`).
    Flag,
    /// A number compared with an operator (`duration between 30 60`).
    Numeric,
    /// One or more values matched exactly (`direction = inbound,outbound`).
    Values,
}

/// The `page` option: a page number from 0, or `ALL` for every row in one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    /// Page number, starting at 0.
    Number(u64),
    /// Every row, unpaginated.
    All,
}

impl fmt::Display for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Page::Number(n) => write!(f, "{n}"),
            Page::All => f.write_str("ALL"),
        }
    }
}

impl FromStr for Page {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("all") {
            return Ok(Page::All);
        }
        t.parse().map(Page::Number).map_err(|_| format!("`{s}` is not a page; expected a number from 0 or ALL"))
    }
}

/// A decoded report: header fields plus lazily decoded rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportTable<'a> {
    /// Total number of matching calls (all pages).
    pub total_results: i64,
    /// The report's title (describes the date range and timezone), when the server sent one.
    pub title: Option<Str<'a>>,
    /// Column names (or labels, with `formatted_columns_names=true`), in cell order.
    pub columns: Vec<Str<'a>>,
    rows: Rows<'a>,
}

#[derive(Debug, Clone, PartialEq)]
enum Rows<'a> {
    /// The raw JSON array of arrays, scanned on demand: its text (and, for
    /// [`json_rows::Tail::Document`], the rest of the document), and its offset in the body.
    Json(Cow<'a, str>, usize, json_rows::Tail),
    /// Rows already parsed into a tree (XML, YAML, CSV).
    Nodes(Vec<Node<'a>>),
    /// Rows built in memory (the simulator, `into_owned`).
    Cells(Vec<Vec<Str<'a>>>),
}

/// One report row: its cells in column order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row<'a> {
    /// The cells, as text.
    pub cells: Vec<Str<'a>>,
}

impl<'a> Row<'a> {
    /// The cell at `index` as text.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.cells.get(index).map(Str::as_str)
    }

    /// The cell at `index`, typed as `cell` (see [`Cell::parse`]).
    pub fn typed(&self, index: usize, cell: CellType) -> Option<Cell<'_>> {
        self.cells.get(index).map(|s| Cell::parse(s.as_str(), cell))
    }

    /// Copies every borrowed cell.
    pub fn into_owned(self) -> Row<'static> {
        Row { cells: self.cells.into_iter().map(Str::into_owned).collect() }
    }
}

impl<'a> ReportTable<'a> {
    /// A report built in memory (the simulator's side).
    pub fn new(total_results: i64, title: Option<Str<'a>>, columns: Vec<Str<'a>>, rows: Vec<Vec<Str<'a>>>) -> Self {
        ReportTable { total_results, title, columns, rows: Rows::Cells(rows) }
    }

    /// The rows, decoded one at a time. A malformed row ends the iteration with an error.
    pub fn rows(&self) -> RowIter<'_> {
        RowIter {
            inner: match &self.rows {
                Rows::Json(raw, base, tail) => RowIterInner::Json(json_rows::JsonRows::with_tail(raw, *base, *tail)),
                Rows::Nodes(nodes) => RowIterInner::Nodes(nodes.iter()),
                Rows::Cells(rows) => RowIterInner::Cells(rows.iter()),
            },
        }
    }

    /// The spec column of each header entry (by name, or by label for formatted names).
    pub fn typed_columns(&self) -> Vec<Option<Column>> {
        self.columns.iter().map(|c| Column::from_name_or_label(c)).collect()
    }

    /// The position of `column` in the header, by name or label.
    pub fn column_index(&self, column: Column) -> Option<usize> {
        self.columns.iter().position(|c| Column::from_name_or_label(c) == Some(column))
    }

    /// Detaches the table from the body. Rows are not decoded here: a JSON body's rows are
    /// copied as text and still decoded lazily, so a malformed row is reported by [`rows`]
    /// exactly as before, never silently dropped.
    ///
    /// [`rows`]: ReportTable::rows
    pub fn into_owned(self) -> ReportTable<'static> {
        ReportTable {
            total_results: self.total_results,
            title: self.title.map(Str::into_owned),
            columns: self.columns.into_iter().map(Str::into_owned).collect(),
            rows: match self.rows {
                Rows::Json(raw, base, tail) => Rows::Json(Cow::Owned(raw.into_owned()), base, tail),
                Rows::Nodes(nodes) => Rows::Nodes(nodes.into_iter().map(Node::into_owned).collect()),
                Rows::Cells(rows) => Rows::Cells(rows.into_iter().map(|r| r.into_iter().map(Str::into_owned).collect()).collect()),
            },
        }
    }
}

/// Iterator over the rows of a [`ReportTable`].
#[derive(Debug)]
pub struct RowIter<'t> {
    inner: RowIterInner<'t>,
}

#[derive(Debug)]
enum RowIterInner<'t> {
    Json(json_rows::JsonRows<'t>),
    Nodes(std::slice::Iter<'t, Node<'t>>),
    Cells(std::slice::Iter<'t, Vec<Str<'t>>>),
}

impl<'t> Iterator for RowIter<'t> {
    type Item = Result<Row<'t>>;
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            RowIterInner::Json(rows) => rows.next().map(|r| r.map(|cells| Row { cells }).map_err(Error::from)),
            RowIterInner::Nodes(nodes) => nodes.next().map(|n| node_row(n).map_err(Error::from)),
            RowIterInner::Cells(rows) => rows.next().map(|r| Ok(Row { cells: r.clone() })),
        }
    }
}

fn node_row<'a>(node: &Node<'a>) -> std::result::Result<Row<'a>, DecodeError> {
    let cell = |n: &Node<'a>| match n {
        Node::Str(s) => Ok(Str(s.clone())),
        Node::Null => Ok(Str::default()),
        Node::Bool(b) => Ok(Str::from(if *b { "1" } else { "0" })),
        _ => Err(DecodeError::new(Format::Xml, Position::Unknown, "a report cell must be a scalar")),
    };
    match node {
        Node::Seq(items) => items.iter().map(cell).collect::<std::result::Result<_, _>>().map(|cells| Row { cells }),
        // XML list items (`<value>`) fold into a map of repeated keys, or a single cell.
        Node::Map(entries) => entries.iter().map(|(_, v)| cell(v)).collect::<std::result::Result<_, _>>().map(|cells| Row { cells }),
        other => cell(other).map(|c| Row { cells: vec![c] }),
    }
}

/// Decodes a report body in any format. JSON rows stay in the body until iterated.
pub fn decode(format: Format, body: &[u8]) -> Result<ReportTable<'_>> {
    let body = wire::strip_bom(body);
    match format {
        Format::Json => json_rows::decode(body),
        Format::Plain => {
            let node = wire::plain::parse(body)?;
            let total = node.get("id").and_then(Node::as_str).and_then(|s| s.parse().ok()).unwrap_or(0);
            Ok(ReportTable::new(total, None, Vec::new(), Vec::new()))
        }
        Format::Xml | Format::Yaml | Format::Csv => {
            let node = match format {
                Format::Xml => wire::xml::parse(body)?,
                Format::Yaml => wire::yaml::parse(body)?,
                _ => wire::csv::parse(body, CSV_LAYOUT)?,
            };
            wire::check_error_shape(&node)?;
            from_node(format, node)
        }
    }
}

fn from_node(format: Format, node: Node<'_>) -> Result<ReportTable<'_>> {
    let Node::Map(entries) = node else {
        return Err(DecodeError::new(format, Position::Unknown, "expected a report (a map with columns and results)").into());
    };
    let mut total = None;
    let mut title = None;
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    for (k, v) in entries {
        match k.as_ref() {
            "total_results" => {
                let s = v.as_str().unwrap_or("");
                total = Some(s.trim().parse::<i64>().map_err(|_| {
                    DecodeError::new(format, Position::Unknown, format!("total_results: expected an integer, found {s:?}"))
                })?);
            }
            "title" => title = v.as_str().map(|s| Str::from(s.to_owned())).or(match v {
                Node::Str(s) => Some(Str(s)),
                _ => None,
            }),
            "columns" => columns = list_items(v).into_iter().filter_map(|n| match n {
                Node::Str(s) => Some(Str(s)),
                _ => None,
            }).collect(),
            "results" => rows = list_items(v),
            _ => {}
        }
    }
    let total = total.unwrap_or(rows.len() as i64);
    Ok(ReportTable { total_results: total, title, columns, rows: Rows::Nodes(rows) })
}

/// The items of a list node, whatever shape the format gave it.
fn list_items(node: Node<'_>) -> Vec<Node<'_>> {
    match node {
        Node::Seq(items) => items,
        Node::Map(entries) => entries.into_iter().map(|(_, v)| v).collect(),
        Node::Null => Vec::new(),
        Node::Str(s) if s.is_empty() => Vec::new(),
        other => vec![other],
    }
}

/// The report as canonical JSON: `total_results`, `title` (when present), `columns` and
/// `results` (rows of cells); a row that fails to decode ends the results with an `error`.
pub fn to_json(table: &ReportTable<'_>) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut out = Map::new();
    out.insert("total_results".into(), json!(table.total_results));
    if let Some(t) = &table.title {
        out.insert("title".into(), json!(t.as_str()));
    }
    out.insert("columns".into(), Value::Array(table.columns.iter().map(|c| json!(c.as_str())).collect()));
    let mut rows = Vec::new();
    for row in table.rows() {
        match row {
            Ok(r) => rows.push(Value::Array(r.cells.iter().map(|c| json!(c.as_str())).collect())),
            Err(e) => {
                out.insert("error".into(), json!(e.to_string()));
                break;
            }
        }
    }
    out.insert("results".into(), Value::Array(rows));
    Value::Object(out)
}

/// Writes a report in `format`, in the server's style.
pub fn encode(format: Format, table: &ReportTable<'_>) -> Result<Vec<u8>> {
    let mut rows = Vec::new();
    for row in table.rows() {
        let row = row?;
        rows.push(Node::Seq(row.cells.into_iter().map(|c| Node::Str(c.0)).collect()));
    }
    let mut entries = vec![
        ("result".into(), Node::str("success")),
        ("error".into(), Node::str("")),
        ("total_results".into(), Node::from(table.total_results.to_string())),
    ];
    if let Some(t) = &table.title {
        entries.push(("title".into(), Node::str(t.as_str().to_owned())));
    }
    entries.push(("columns".into(), Node::Seq(table.columns.iter().map(|c| Node::str(c.as_str().to_owned())).collect())));
    entries.push(("results".into(), Node::Seq(rows)));
    let node = Node::Map(entries);
    Ok(wire::write_node(format, CSV_LAYOUT, &node))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"result":"success","error":"","total_results":3,"title":"t","columns":["unique_id","billable_duration"],
        "results":[["1.1","00:02:45"],["1.2","85"],["1.3",{"cell":"not a scalar"}]]}"#;

    #[test]
    fn owned_tables_keep_a_malformed_row_as_an_error() {
        let table = decode(Format::Json, BODY.as_bytes()).unwrap().into_owned();
        let rows: Vec<_> = table.rows().collect();
        assert_eq!(rows.len(), 3);
        assert!(rows[0].is_ok() && rows[1].is_ok());
        assert!(matches!(&rows[2], Err(Error::Decode(_))), "{:?}", rows[2]);
    }

    #[test]
    fn cells_are_typed_by_their_column() {
        let table = decode(Format::Json, BODY.as_bytes()).unwrap();
        let i = table.column_index(Column::BillableDuration).unwrap();
        let row = table.rows().next().unwrap().unwrap();
        assert_eq!(row.typed(i, Column::BillableDuration.cell()), Some(Cell::Seconds(165)));
    }

    #[test]
    fn formatted_column_names_map_back_to_columns() {
        let label = Column::BillableDuration.label();
        let body = format!(r#"{{"result":"success","total_results":0,"columns":["{label}"],"results":[]}}"#);
        let table = decode(Format::Json, body.as_bytes()).unwrap();
        assert_eq!(table.typed_columns(), vec![Some(Column::BillableDuration)]);
    }
}
