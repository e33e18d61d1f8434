//! The CDR report: a purpose-built decoder whose rows are read lazily, and typed cells.
//!
//! A report can run to millions of rows, so [`ReportTable`] does not materialise them: the
//! header fields are decoded up front, and [`ReportTable::rows`] walks the `results` part of
//! the body one row at a time, borrowing every cell that the wire did not escape.

mod cell;
pub mod de;
#[cfg_attr(not(feature = "xml"), allow(dead_code))]
pub(crate) mod flat;
#[cfg_attr(not(feature = "json"), allow(dead_code))]
mod json_rows;
#[cfg_attr(
    not(all(feature = "csv", feature = "xml", feature = "json")),
    allow(dead_code)
)]
pub(crate) mod scan;
mod typed;

pub use cell::{Cell, CellType};
pub use json_rows::{decode_json_cell, decode_json_row, json_cell, read_json_row};
pub use typed::{ColumnIndex, FromCell};

use crate::action::{ActionInfo, IntoOwned, ResponseBody};
use crate::error::{DecodeError, Error, Position, Result};
use crate::format::Format;
use crate::generated::reports::Column;
use crate::wire::{self, CsvLayout, Node, RowKind, Str};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// The CSV layout of a report: a header row of column names, one line per call.
pub const CSV_LAYOUT: CsvLayout = CsvLayout::Table {
    rows: "results",
    row: RowKind::List,
};

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
        t.parse()
            .map(Page::Number)
            .map_err(|_| "must be a page number from 0, or ALL".to_owned())
    }
}

/// A decoded report: header fields plus lazily decoded rows.
#[derive(Debug, Clone)]
pub struct ReportTable<'a> {
    /// Total number of matching calls (all pages), from the body's `total_results`; `None`
    /// when the body does not say it (a CSV body never does).
    total: Option<i64>,
    /// The report's title (describes the date range and timezone), when the server sent one.
    pub title: Option<Str<'a>>,
    /// Column names (or labels, with `formatted_columns_names=true`), in cell order.
    pub columns: Vec<Str<'a>>,
    rows: Rows<'a>,
}

/// Equal when the totals, titles, columns and rows are.
impl PartialEq for ReportTable<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.total == other.total
            && self.title == other.title
            && self.columns == other.columns
            && self.rows == other.rows
    }
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
    /// CSV rows left in the body (its text, and where the rows start), read on demand.
    #[cfg(feature = "csv")]
    Csv(Cow<'a, str>, wire::csv::RowsAt),
    /// Rows read up front by a purpose-built reader (XML), handed out borrowing the cells,
    /// never copying them.
    Flat(flat::FlatRows<'a>),
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
        Row {
            cells: self.cells.into_iter().map(Str::into_owned).collect(),
        }
    }
}

impl<'a> ReportTable<'a> {
    /// A report built in memory (the simulator's side). `total_results` is `None` when it is
    /// not known (a table read from a CSV body).
    pub fn new(
        total_results: Option<i64>,
        title: Option<Str<'a>>,
        columns: Vec<Str<'a>>,
        rows: Vec<Vec<Str<'a>>>,
    ) -> Self {
        ReportTable {
            total: total_results,
            title,
            columns,
            rows: Rows::Cells(rows),
        }
    }

    /// Total number of matching calls (all pages), as the body's `total_results` says it.
    /// `None` when the body does not say it: a CSV body never does (its rows are one page,
    /// not the total), and a JSON, XML or YAML body without the field. Never guessed from the
    /// rows.
    pub fn total_results(&self) -> Option<i64> {
        self.total
    }

    /// The rows, decoded one at a time. A malformed row ends the iteration with an error.
    pub fn rows(&self) -> RowIter<'_> {
        RowIter {
            inner: match &self.rows {
                Rows::Json(raw, base, tail) => {
                    RowIterInner::Json(json_rows::JsonRows::with_tail(raw, *base, *tail))
                }
                Rows::Nodes(nodes) => RowIterInner::Nodes(nodes.iter()),
                Rows::Cells(rows) => RowIterInner::Cells(rows.iter()),
                Rows::Flat(rows) => RowIterInner::Flat(rows.iter()),
                #[cfg(feature = "csv")]
                Rows::Csv(src, at) => {
                    RowIterInner::Csv(wire::csv::ListRows::new(src, *at, self.columns.len()))
                }
            },
        }
    }

    /// The spec column of each header entry (by name, or by label for formatted names).
    pub fn typed_columns(&self) -> Vec<Option<Column>> {
        self.columns
            .iter()
            .map(|c| Column::from_name_or_label(c))
            .collect()
    }

    /// The position of `column` in the header, by name or label.
    pub fn column_index(&self, column: Column) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| Column::from_name_or_label(c) == Some(column))
    }

    /// The header read once, to look cells up by [`Column`] ([`Row::read`]).
    ///
    /// ```
    /// use dlspbx_core::{Format, report, reports::Column};
    ///
    /// let body = br#"{"columns":["unique_id","Billable Duration"],"results":[["1.2","00:02:45"]]}"#;
    /// let table = report::decode(Format::Json, body)?;
    /// let index = table.index();
    /// for row in table.rows() {
    ///     assert_eq!(row?.read::<u64>(&index, Column::BillableDuration)?, Some(165));
    /// }
    /// # Ok::<(), dlspbx_core::Error>(())
    /// ```
    pub fn index(&self) -> ColumnIndex {
        ColumnIndex::new(&self.columns)
    }

    /// The rows, each deserialized into `T` by column name ([`de`]): the caller's own
    /// `#[derive(Deserialize)]` struct, or the generated [`Cdr`](crate::reports::Cdr).
    /// Text fields borrow the body wherever the wire did not escape them. A malformed row ends
    /// the iteration with [`Error::Decode`], a cell that is not its field's type with
    /// [`Error::Cell`].
    ///
    /// ```
    /// use dlspbx_core::{Format, Str, report};
    /// use serde::Deserialize;
    ///
    /// #[derive(Deserialize)]
    /// struct Call<'a> {
    ///     #[serde(borrow)]
    ///     unique_id: Str<'a>,
    ///     billable_duration: u64,
    ///     bridged: Option<bool>,
    /// }
    ///
    /// let body = br#"{"columns":["unique_id","billable_duration","bridged"],"results":[["1.2","85","Yes"],["1.3","41",""]]}"#;
    /// let table = report::decode(Format::Json, body)?;
    /// let calls: Vec<Call> = table.rows_as().collect::<Result<_, _>>()?;
    /// assert_eq!(calls[0].billable_duration + calls[1].billable_duration, 126);
    /// assert_eq!((calls[0].bridged, calls[1].bridged), (Some(true), None));
    /// # Ok::<(), dlspbx_core::Error>(())
    /// ```
    pub fn rows_as<'t, T: serde::Deserialize<'t>>(&'t self) -> RowsAs<'t, T> {
        RowsAs {
            rows: self.rows(),
            index: self.index(),
            _to: std::marker::PhantomData,
        }
    }
}

/// Iterator over the rows of a [`ReportTable`], each deserialized into `T`
/// ([`ReportTable::rows_as`]).
#[derive(Debug)]
pub struct RowsAs<'t, T> {
    rows: RowIter<'t>,
    index: ColumnIndex,
    _to: std::marker::PhantomData<fn() -> T>,
}

impl<'t, T: serde::Deserialize<'t>> Iterator for RowsAs<'t, T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        let row = self.rows.next()?;
        Some(row.and_then(|row| de::from_row(row, &self.index).map_err(Error::from)))
    }
}

impl IntoOwned for ReportTable<'_> {
    type Owned = ReportTable<'static>;
    /// Detaches the table from the body. Rows are not decoded here: a JSON body's rows are
    /// copied as text and still decoded lazily, so a malformed row is reported by [`rows`]
    /// exactly as before, never silently dropped.
    ///
    /// [`rows`]: ReportTable::rows
    fn into_owned(self) -> ReportTable<'static> {
        ReportTable {
            total: self.total,
            title: self.title.map(Str::into_owned),
            columns: self.columns.into_iter().map(Str::into_owned).collect(),
            rows: match self.rows {
                Rows::Json(raw, base, tail) => Rows::Json(Cow::Owned(raw.into_owned()), base, tail),
                Rows::Nodes(nodes) => {
                    Rows::Nodes(nodes.into_iter().map(Node::into_owned).collect())
                }
                Rows::Cells(rows) => Rows::Cells(
                    rows.into_iter()
                        .map(|r| r.into_iter().map(Str::into_owned).collect())
                        .collect(),
                ),
                Rows::Flat(rows) => Rows::Flat(rows.into_owned()),
                #[cfg(feature = "csv")]
                Rows::Csv(src, at) => Rows::Csv(Cow::Owned(src.into_owned()), at),
            },
        }
    }
}

impl<'a> ResponseBody<'a> for ReportTable<'a> {
    #[inline]
    fn decode(format: Format, _: &ActionInfo, body: &'a [u8]) -> Result<Self> {
        decode(format, body)
    }
    #[inline]
    fn encode(&self, format: Format, _: &ActionInfo) -> Result<Vec<u8>> {
        encode(format, self)
    }
    #[inline]
    fn to_json(&self) -> Result<serde_json::Value> {
        to_json(self)
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
    Flat(flat::FlatIter<'t>),
    /// CSV rows, read from the body as they are asked for.
    #[cfg(feature = "csv")]
    Csv(wire::csv::ListRows<'t>),
}

impl<'t> Iterator for RowIter<'t> {
    type Item = Result<Row<'t>>;
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            RowIterInner::Json(rows) => rows
                .next()
                .map(|r| r.map(|cells| Row { cells }).map_err(Error::from)),
            RowIterInner::Nodes(nodes) => nodes.next().map(|n| node_row(n).map_err(Error::from)),
            RowIterInner::Cells(rows) => rows.next().map(|r| Ok(Row { cells: r.clone() })),
            RowIterInner::Flat(rows) => rows.next().map(|cells| Ok(Row { cells })),
            #[cfg(feature = "csv")]
            RowIterInner::Csv(rows) => rows.next_row().map(|row| row.map(|cells| Row { cells })),
        }
    }
}

fn node_row<'a>(node: &Node<'a>) -> std::result::Result<Row<'a>, DecodeError> {
    let cell = |n: &Node<'a>| match n {
        Node::Str(s) => Ok(Str(s.clone())),
        Node::Null => Ok(Str::default()),
        Node::Bool(b) => Ok(Str::from(if *b { "1" } else { "0" })),
        _ => Err(DecodeError::new(
            Format::Xml,
            Position::Unknown,
            "a report cell must be a scalar",
        )),
    };
    match node {
        Node::Seq(items) => items
            .iter()
            .map(cell)
            .collect::<std::result::Result<_, _>>()
            .map(|cells| Row { cells }),
        // XML list items (`<value>`) fold into a map of repeated keys, or a single cell.
        Node::Map(entries) => entries
            .iter()
            .map(|(_, v)| cell(v))
            .collect::<std::result::Result<_, _>>()
            .map(|cells| Row { cells }),
        other => cell(other).map(|c| Row { cells: vec![c] }),
    }
}

/// Decodes a report body in any format. JSON rows stay in the body until iterated.
pub fn decode(format: Format, body: &[u8]) -> Result<ReportTable<'_>> {
    format.require()?;
    let body = wire::strip_bom(body);
    match format {
        #[cfg(feature = "json")]
        Format::Json => json_rows::decode(body),
        Format::Plain => {
            let node = wire::plain::parse(body)?;
            let total = node
                .get("id")
                .and_then(Node::as_str)
                .and_then(|s| s.parse().ok());
            Ok(ReportTable::new(total, None, Vec::new(), Vec::new()))
        }
        // An empty body: what a server that writes no CSV for `count_only` sends; no rows,
        // the total unknown.
        #[cfg(feature = "csv")]
        Format::Csv if body.iter().all(|b| matches!(b, b'\n' | b'\r')) => {
            Ok(ReportTable::new(None, None, Vec::new(), Vec::new()))
        }
        #[cfg(feature = "csv")]
        Format::Csv => match wire::csv::read_list_table(body)? {
            // A `count_only` report: the total alone (see `encode`).
            Some(t) if t.header.len() == 1 && t.header[0] == CSV_COUNT_HEADER => {
                let mut rows = wire::csv::ListRows::new(t.src, t.at, 1);
                let total = match rows.next_row().transpose()? {
                    Some(cells) => {
                        let text = cells.first().map_or("", Str::as_str);
                        Some(text.trim().parse::<i64>().map_err(|_| {
                            DecodeError::new(
                                format,
                                Position::Unknown,
                                format!("total_results: expected an integer, found {text:?}"),
                            )
                        })?)
                    }
                    None => None,
                };
                Ok(ReportTable::new(total, None, Vec::new(), Vec::new()))
            }
            Some(t) => Ok(ReportTable {
                total: None,
                title: None,
                columns: t.header.into_iter().map(Str).collect(),
                rows: Rows::Csv(Cow::Borrowed(t.src), t.at),
            }),
            // The error shape.
            None => from_tree(format, wire::csv::parse(body, CSV_LAYOUT)?),
        },
        #[cfg(feature = "xml")]
        Format::Xml => match wire::xml::read_report(body).and_then(from_flat_xml) {
            Some(table) => table,
            None => from_tree(format, wire::xml::parse(body)?),
        },
        _ => {
            let node = match format {
                Format::Xml => wire::xml::parse(body)?,
                Format::Yaml => wire::yaml::parse(body)?,
                Format::Csv => wire::csv::parse(body, CSV_LAYOUT)?,
                _ => wire::json::parse(body)?,
            };
            from_tree(format, node)
        }
    }
}

fn from_tree(format: Format, node: Node<'_>) -> Result<ReportTable<'_>> {
    wire::check_error_shape(&node)?;
    from_node(format, node)
}

/// The table of an XML report read without a tree; `None` when the general reader must decide
/// (a `total_results` that is not an integer is its error to report).
#[cfg(feature = "xml")]
fn from_flat_xml(r: wire::xml::FlatReport<'_>) -> Option<Result<ReportTable<'_>>> {
    if r.result.as_deref() == Some("error") {
        return Some(Err(Error::Server {
            message: r.error.map(Cow::into_owned).unwrap_or_default(),
        }));
    }
    let total = match &r.total_results {
        Some(t) => Some(t.trim().parse::<i64>().ok()?),
        None => None,
    };
    Some(Ok(ReportTable {
        total,
        title: r.title.map(Str),
        columns: r.columns.into_iter().map(Str).collect(),
        rows: Rows::Flat(r.rows),
    }))
}

fn from_node(format: Format, node: Node<'_>) -> Result<ReportTable<'_>> {
    let Node::Map(entries) = node else {
        return Err(DecodeError::new(
            format,
            Position::Unknown,
            "expected a report (a map with columns and results)",
        )
        .into());
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
                    DecodeError::new(
                        format,
                        Position::Unknown,
                        format!("total_results: expected an integer, found {s:?}"),
                    )
                })?);
            }
            "title" => {
                title = v.as_str().map(|s| Str::from(s.to_owned())).or(match v {
                    Node::Str(s) => Some(Str(s)),
                    _ => None,
                })
            }
            "columns" => {
                columns = list_items(v)
                    .into_iter()
                    .filter_map(|n| match n {
                        Node::Str(s) => Some(Str(s)),
                        _ => None,
                    })
                    .collect()
            }
            "results" => rows = list_items(v),
            _ => {}
        }
    }
    Ok(ReportTable {
        total,
        title,
        columns,
        rows: Rows::Nodes(rows),
    })
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

/// The report as canonical JSON: `total_results` (`null` when the body did not say it, as a
/// CSV body never does), `title` (when present), `columns` and `results` (rows of cells); a
/// row that fails to decode is the error.
pub fn to_json(table: &ReportTable<'_>) -> Result<serde_json::Value> {
    use serde_json::{Map, Value, json};
    let mut out = Map::new();
    out.insert("total_results".into(), json!(table.total_results()));
    if let Some(t) = &table.title {
        out.insert("title".into(), json!(t.as_str()));
    }
    out.insert(
        "columns".into(),
        Value::Array(table.columns.iter().map(|c| json!(c.as_str())).collect()),
    );
    let mut rows = Vec::new();
    for row in table.rows() {
        let r = row?;
        rows.push(Value::Array(
            r.cells.iter().map(|c| json!(c.as_str())).collect(),
        ));
    }
    out.insert("results".into(), Value::Array(rows));
    Ok(Value::Object(out))
}

/// The report's fields the PHP server holds as integers: JSON writes them as numbers
/// (`"total_results": 3`, as the reference's sample shows).
const INTEGER_FIELDS: &[&str] = &["total_results"];

/// The CSV header of a `count_only` report: one line `total_results`, then one with the
/// number (see [`encode`]).
pub const CSV_COUNT_HEADER: &str = "total_results";

/// Writes a report document (`result`, `error`, `total_results`, `title`, `columns`,
/// `results`, as [`encode`] builds it, or a head whose rows follow) in `format`, in the
/// server's style: in JSON, `total_results` is a number, as the reference's sample shows (the
/// SMS query's `total_results` is a string in its sample, and stays one). The one writer of a
/// report's head, for [`encode`] and the simulator's streamed reports.
pub fn write_document(format: Format, node: &Node<'_>) -> Vec<u8> {
    match format {
        #[cfg(feature = "json")]
        Format::Json => wire::json::write_with_numbers(node, INTEGER_FIELDS),
        _ => wire::write_node(format, CSV_LAYOUT, node),
    }
}

/// Writes a report in `format`, in the server's style (without `total_results` when the table
/// does not know it).
///
/// A `count_only` report (a known total, no columns) in CSV is the total alone, a header
/// `total_results` ([`CSV_COUNT_HEADER`]) and one line with the number, since a table of no
/// columns would lose it:
///
/// ```text
/// total_results
/// 173
/// ```
pub fn encode(format: Format, table: &ReportTable<'_>) -> Result<Vec<u8>> {
    if format == Format::Csv
        && table.columns.is_empty()
        && let Some(total) = table.total
    {
        let node = Node::Map(vec![
            (
                "columns".into(),
                Node::Seq(vec![Node::str(CSV_COUNT_HEADER)]),
            ),
            (
                "results".into(),
                Node::Seq(vec![Node::Seq(vec![Node::from(total.to_string())])]),
            ),
        ]);
        return Ok(wire::write_node(format, CSV_LAYOUT, &node));
    }
    let mut rows = Vec::new();
    for row in table.rows() {
        let row = row?;
        rows.push(Node::Seq(
            row.cells.into_iter().map(|c| Node::Str(c.0)).collect(),
        ));
    }
    let mut entries = vec![
        ("result".into(), Node::str("success")),
        ("error".into(), Node::str("")),
    ];
    if let Some(total) = table.total {
        entries.push(("total_results".into(), Node::from(total.to_string())));
    }
    if let Some(t) = &table.title {
        entries.push(("title".into(), Node::str(t.as_str().to_owned())));
    }
    entries.push((
        "columns".into(),
        Node::Seq(
            table
                .columns
                .iter()
                .map(|c| Node::str(c.as_str().to_owned()))
                .collect(),
        ),
    ));
    entries.push(("results".into(), Node::Seq(rows)));
    let node = Node::Map(entries);
    Ok(write_document(format, &node))
}

#[cfg(all(test, feature = "json"))]
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
        assert_eq!(
            row.typed(i, Column::BillableDuration.cell()),
            Some(Cell::Seconds(165))
        );
    }

    #[test]
    fn formatted_column_names_map_back_to_columns() {
        let label = Column::BillableDuration.label();
        let body = format!(
            r#"{{"result":"success","total_results":0,"columns":["{label}"],"results":[]}}"#
        );
        let table = decode(Format::Json, body.as_bytes()).unwrap();
        assert_eq!(table.typed_columns(), vec![Some(Column::BillableDuration)]);
    }

    /// Cells that every format has to escape or that readers treat specially.
    #[cfg(any(feature = "xml", feature = "csv"))]
    fn arb_cell() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            "\\PC{0,10}",
            "[a <>&\"',\\\\\r\n\t]{0,6}",
            Just(String::new()),
            Just("\"John\" <8881234567>".to_owned()),
            Just("https://pbx/rec/1.wav".to_owned()),
        ]
    }

    #[cfg(any(feature = "xml", feature = "csv"))]
    fn table_json(t: &Result<ReportTable<'_>>) -> String {
        match t {
            Ok(t) => match to_json(t) {
                Ok(v) => v.to_string(),
                Err(e) => format!("error: {e}"),
            },
            Err(e) => format!("error: {e}"),
        }
    }

    #[cfg(feature = "xml")]
    #[test]
    fn xml_fast_path_reads_like_the_tree() {
        fn general(b: &str) -> Result<ReportTable<'_>> {
            from_tree(Format::Xml, wire::xml::parse(b.as_bytes()).unwrap())
        }
        fn fast(b: &str) -> Option<Result<ReportTable<'_>>> {
            wire::xml::read_report(b.as_bytes()).and_then(from_flat_xml)
        }
        let fixture = "<?xml version=\"1.0\"?>\n<response>\n\t<result>success</result>\n\t<error></error>\n\t<total_results>2</total_results>\n\t<title>a &amp; b</title>\n\t<columns>\n\t\t<value>unique_id</value>\n\t\t<value>callerid</value>\n\t</columns>\n\t<results>\n\t\t<array>\n\t\t\t<value>1.1</value>\n\t\t\t<value>\"x\" &lt;1&gt; &#233;&#x1F600;</value>\n\t\t</array>\n\t\t<value><value/><value></value></value>\n\t</results>\n</response>\n";
        let taken = [
            fixture,
            "<response><columns/><results/></response>",
            "<response><other>x</other><results><value>one</value><value/><value>  </value></results></response>",
            "<response><result>error</result><error>Bad &quot;key&quot;</error></response>",
            "<response><result>error</result></response>",
            "<response><total_results>7</total_results><results></results></response>",
            "<response><title>&#1;</title></response>",
        ];
        for body in taken {
            let f = fast(body).unwrap_or_else(|| panic!("the fast path declined {body}"));
            assert_eq!(table_json(&f), table_json(&general(body)), "{body}");
        }
        let declined = [
            "<response><results>\n</results></response>",
            "<response><columns>x</columns></response>",
            "<response><title>a</title><title>b</title></response>",
            "<response><total_results>x</total_results></response>",
            "<response><results><row><a>1</a></row></results></response>",
            "<response><results><value><value><value>1</value></value></value></results></response>",
            "<response><title>a\r\nb</title></response>",
            "<response><title><![CDATA[x]]></title></response>",
            "<response><!-- c --><title>t</title></response>",
            "<response a=\"1\"><title>t</title></response>",
            "<response><title>&nbsp;</title></response>",
            "<response><title>&#+65;</title></response>",
            "<response></response>",
            "<response><title>t</title></response><x/>",
            "<value><value>1</value></value>",
            "<response><results><value>1</value><value><a>1</a></value></results></response>",
            "<response><results>x<value>1</value></results></response>",
            "<response><results/><results/></response>",
        ];
        for body in declined {
            assert!(fast(body).is_none(), "{body}");
        }
    }

    #[cfg(feature = "xml")]
    proptest::proptest! {
        #[test]
        fn xml_fast_path_agrees_on_written_reports(
            columns in proptest::collection::vec(arb_cell(), 0..4),
            rows in proptest::collection::vec(proptest::collection::vec(arb_cell(), 0..4), 0..4),
            title in proptest::option::of(arb_cell()),
        ) {
            let table = ReportTable::new(
                Some(rows.len() as i64),
                title.map(Str::from),
                columns.into_iter().map(Str::from).collect(),
                rows.into_iter().map(|r| r.into_iter().map(Str::from).collect()).collect(),
            );
            let body = encode(Format::Xml, &table).unwrap();
            let text = std::str::from_utf8(&body).unwrap();
            let general = from_tree(Format::Xml, wire::xml::parse(&body).unwrap());
            // The fast path takes every report the writer writes (references included).
            let fast = wire::xml::read_report(&body).and_then(from_flat_xml);
            proptest::prop_assert!(fast.is_some(), "declined {}", text);
            if let Some(fast) = fast {
                proptest::prop_assert_eq!(table_json(&fast), table_json(&general), "{}", text);
            }
        }
    }

    #[cfg(feature = "csv")]
    #[test]
    fn csv_count_only_carries_the_total() {
        let count = ReportTable::new(Some(173), Some(Str::from("t")), Vec::new(), Vec::new());
        let body = encode(Format::Csv, &count).unwrap();
        assert_eq!(body, b"total_results\n173\n");
        let back = decode(Format::Csv, &body).unwrap();
        assert_eq!(back.total_results(), Some(173));
        assert!(back.columns.is_empty());
        assert_eq!(back.rows().count(), 0);
        // An empty body (what a server may send): no rows, the total unknown.
        for empty in [&b""[..], b"\n", b"\xEF\xBB\xBF"] {
            let t = decode(Format::Csv, empty).unwrap();
            assert_eq!(
                (t.total_results(), t.rows().count()),
                (None, 0),
                "{empty:?}"
            );
        }
        // The total line alone, or with CRLF, spaces or a quoted cell.
        for body in [
            "total_results\n",
            "total_results\r\n0\r\n",
            "total_results\n\"42\"",
        ] {
            let t = decode(Format::Csv, body.as_bytes()).unwrap();
            assert_eq!(t.rows().count(), 0, "{body:?}");
            assert!(
                t.total_results().is_none_or(|n| n == 0 || n == 42),
                "{body:?}"
            );
        }
        let e = decode(Format::Csv, b"total_results\nmany\n").unwrap_err();
        assert!(e.to_string().contains("total_results"), "{e}");
        // A table with columns keeps the rows-only shape, and an unknown total writes no count.
        let none = ReportTable::new(None, None, Vec::new(), Vec::new());
        assert_eq!(encode(Format::Csv, &none).unwrap(), b"\n");
    }

    #[test]
    fn json_total_results_is_a_number() {
        let t = ReportTable::new(
            Some(3),
            Some(Str::from("t")),
            vec![Str::from("a")],
            vec![vec![Str::from("1")]],
        );
        let body = String::from_utf8(encode(Format::Json, &t).unwrap()).unwrap();
        assert_eq!(
            body,
            r#"{"result":"success","error":"","total_results":3,"title":"t","columns":["a"],"results":[["1"]]}"#
        );
        assert_eq!(
            decode(Format::Json, body.as_bytes())
                .unwrap()
                .total_results(),
            Some(3)
        );
        // Negative and zero are numbers too; other formats keep the text.
        let zero = ReportTable::new(Some(0), None, Vec::new(), Vec::new());
        assert!(
            String::from_utf8(encode(Format::Json, &zero).unwrap())
                .unwrap()
                .contains(r#""total_results":0,"#)
        );
    }

    #[cfg(feature = "csv")]
    #[test]
    fn csv_total_is_unknown_never_the_row_count() {
        let body = "a,b\n1,\"x\"\"y\"\n\n2,\"p,\nq\"\n3,z";
        let t = decode(Format::Csv, body.as_bytes()).unwrap();
        assert_eq!(t.total_results(), None);
        assert_eq!(t.rows().count(), 3);
        assert_eq!(
            t.total_results(),
            None,
            "reading the rows does not make a total"
        );
        assert_eq!(t.clone().into_owned().total_results(), None);
        let v = to_json(&t).unwrap();
        assert_eq!(v["total_results"], serde_json::Value::Null);
        // Written back, the unknown total is left out rather than invented.
        let json = encode(Format::Json, &t).unwrap();
        assert!(!String::from_utf8_lossy(&json).contains("total_results"));
        // A malformed row is reported by the rows.
        let bad = "a,b\n1,2\n3,\"open\n";
        let t = decode(Format::Csv, bad.as_bytes()).unwrap();
        let rows: Vec<_> = t.rows().collect();
        assert_eq!(rows.len(), 2);
        let e = rows[1].as_ref().unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("unterminated"), "{e}");
    }

    #[test]
    fn a_missing_total_is_unknown_in_every_format() {
        let body = r#"{"result":"success","columns":["a"],"results":[["1"],["2"]]}"#;
        let t = decode(Format::Json, body.as_bytes()).unwrap();
        assert_eq!((t.total_results(), t.rows().count()), (None, 2));
        let body =
            r#"{"result":"success","total_results":"169883","columns":["a"],"results":[["1"]]}"#;
        assert_eq!(
            decode(Format::Json, body.as_bytes())
                .unwrap()
                .total_results(),
            Some(169883)
        );
        #[cfg(feature = "xml")]
        {
            let xml = "<response><columns><value>a</value></columns><results><value><value>1</value></value></results></response>";
            assert_eq!(
                decode(Format::Xml, xml.as_bytes()).unwrap().total_results(),
                None
            );
        }
    }

    #[cfg(feature = "csv")]
    proptest::proptest! {
        #[test]
        fn csv_flat_reader_agrees_with_the_tree(
            columns in proptest::collection::vec(arb_cell(), 1..4),
            rows in proptest::collection::vec(proptest::collection::vec(arb_cell(), 1..4), 0..4),
            noise in "[a,\"\\\\\r\n ]{0,30}",
        ) {
            let table = ReportTable::new(
                None,
                None,
                columns.into_iter().map(Str::from).collect(),
                rows.into_iter().map(|r| r.into_iter().map(Str::from).collect()).collect(),
            );
            let body = encode(Format::Csv, &table).unwrap();
            for body in [body, noise.into_bytes()] {
                let tree = wire::csv::parse(&body, CSV_LAYOUT).and_then(|n| from_tree(Format::Csv, n));
                // The lazy reader reports a malformed row when the rows reach it, the tree when
                // the body is parsed: the same error either way, and the same table without one.
                let lazy = decode(Format::Csv, &body).and_then(|t| {
                    t.rows().collect::<Result<Vec<_>>>()?;
                    Ok(t)
                });
                if body.iter().all(|b| matches!(b, b'\n' | b'\r')) {
                    // An empty body is a report without rows or a total (a server's answer to
                    // `count_only`), which the general CSV reader refuses.
                    let empty = ReportTable::new(None, None, Vec::new(), Vec::new());
                    proptest::prop_assert_eq!(table_json(&lazy), table_json(&Ok(empty)));
                    continue;
                }
                proptest::prop_assert_eq!(table_json(&lazy), table_json(&tree));
            }
        }
    }
}
