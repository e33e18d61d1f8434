//! CSV: key-path rows or a table (see `spec/README.md`).
//!
//! # Reading
//!
//! Fields are read the way PHP's `fgetcsv` reads them (delimiter `,`, enclosure `"`, escape
//! `\`), with a zero-copy scanner: unquoted fields, and quoted fields without doubled quotes,
//! borrow from the body. The scanner finds where a field ends from bit masks of 64 bytes at a
//! time (the private `Cursor`).
//! - Records end in `\n` or `\r\n` (the final one may have no line end); blank lines are skipped.
//! - A quoted field ends at a `"` that is not doubled; `""` inside is one `"`. A backslash
//!   makes the next character literal and both are kept: `"bs\"q"` is `bs\"q` (PHP keeps the
//!   backslash), `"a\\"` is `a\\`. Text after the closing quote up to the next delimiter is
//!   appended (`"ab"cd` is `abcd`), and spaces before an opening quote are skipped, like PHP.
//! - An unterminated quoted field is an error (with the line and column where it starts).
//!
//! Key-path layout: each record is a path of keys then a value; the paths build nested maps
//! (integer keys stay keys: [`super::de`] reads a map with integer keys as a list when a list is
//! expected); `key,` is an empty string. A path used both for a value and a map, or a value
//! given twice, is an error. Table layout: a header record then one record per row, giving
//! `{result: success, columns: [header] (list rows only), <rows>: [rows]}`, each row a list of
//! cells ([`RowKind::List`]) or a map from the header's names ([`RowKind::Map`], where a row
//! with a different number of cells than the header is an error). A body whose first record is
//! `result,error` is read as key paths (the error shape). An empty body is an error; a body of
//! blank lines is a table without header and rows.
//!
//! # Writing
//!
//! Like `fputcsv`: a field containing a space, `,`, `"`, `\`, tab, `\r` or `\n` is quoted,
//! with `"` doubled except right after an escaping backslash; lines end in `\n`. Two deviations
//! keep every value readable (PHP writes both cases in a way that `fgetcsv` misreads): after
//! `\\` (an escaped backslash) a quote is doubled, and a value ending in an odd number of
//! backslashes is written unquoted when it holds no `,`, `\r` or `\n` and does not start with
//! spaces then `"`. A value ending in an odd number of backslashes that does hold one of those
//! or starts that way cannot be represented (PHP has the same problem) and does not read back
//! unchanged; [`representable`] tells.
//!
//! Key-path layout: depth-first paths, list items keyed by their index, an empty map or list
//! (or null) as `path,` (reads back as `""`), booleans as `1`/`0`. Table layout: the header
//! from `columns` ([`RowKind::List`]) or from the first row's keys ([`RowKind::Map`]), then the
//! rows; a record of one empty cell is written `""` (a blank line would be skipped); the error
//! shape is always written as key paths.
use super::{CsvLayout, Node, RowKind, Str};
use crate::error::{DecodeError, Error, Position, Result};
use crate::format::Format;
use crate::report::scan::{Cursor, find2, find3};
use std::borrow::Cow;
use std::collections::HashMap;

/// The longest key path accepted (keys before the value).
pub const MAX_DEPTH: usize = 128;

fn err(line: usize, column: usize, message: impl Into<String>) -> Error {
    Error::Decode(DecodeError::new(
        Format::Csv,
        Position::LineColumn { line, column },
        message,
    ))
}

/// Where [`Reader`] puts the fields of a record.
pub(crate) trait PushCell<'a> {
    fn push_cell(&mut self, cell: Cow<'a, str>);
}

impl<'a> PushCell<'a> for Vec<Cow<'a, str>> {
    #[inline]
    fn push_cell(&mut self, cell: Cow<'a, str>) {
        self.push(cell);
    }
}

impl<'a> PushCell<'a> for Vec<Str<'a>> {
    #[inline]
    fn push_cell(&mut self, cell: Cow<'a, str>) {
        self.push(Str(cell));
    }
}

/// A zero-copy reader of `fgetcsv`-style records.
#[derive(Debug, Clone)]
struct Reader<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    line_start: usize,
    /// Answers the fast paths' searches from 64-byte bit masks.
    cursor: Cursor,
}

impl<'a> Reader<'a> {
    fn new(src: &'a str) -> Self {
        Reader {
            src,
            pos: 0,
            line: 1,
            line_start: 0,
            cursor: Cursor::default(),
        }
    }

    /// The one-based column (in characters) of byte `at` on the line starting at `line_start`.
    fn column_from(&self, line_start: usize, at: usize) -> usize {
        self.src
            .get(line_start..at)
            .map_or(1, |s| s.chars().count() + 1)
    }

    fn newline_at(&mut self, at: usize) {
        self.line += 1;
        self.line_start = at + 1;
    }

    /// Skips blank lines; `false` at the end of the text.
    fn skip_blank_lines(&mut self) -> bool {
        let bytes = self.src.as_bytes();
        loop {
            match bytes.get(self.pos) {
                None => return false,
                Some(b'\n') => {
                    self.newline_at(self.pos);
                    self.pos += 1;
                }
                Some(b'\r') if bytes.get(self.pos + 1) == Some(&b'\n') => {
                    self.newline_at(self.pos + 1);
                    self.pos += 2;
                }
                Some(b'\r') if self.pos + 1 == bytes.len() => {
                    self.pos += 1;
                }
                _ => return true,
            }
        }
    }

    /// Reads the next non-blank record into `out`; returns its line, or `None` at the end.
    fn next_record(&mut self, out: &mut Vec<Cow<'a, str>>) -> Result<Option<usize>> {
        out.clear();
        self.append_record(out)
    }

    /// Reads the next non-blank record, appending its fields to `out`; returns its line, or
    /// `None` at the end.
    fn append_record<O: PushCell<'a>>(&mut self, out: &mut O) -> Result<Option<usize>> {
        if !self.skip_blank_lines() {
            return Ok(None);
        }
        let bytes = self.src.as_bytes();
        let line = self.line;
        let src = self.src;
        loop {
            // Fast paths for the fields that PHP writes most (a plain field, a quoted field
            // without escapes, not last on its line); everything else takes `field`.
            let start = self.pos;
            let first = bytes.get(start).copied().unwrap_or(b' ');
            // (An empty field takes the unquoted path: its delimiter is found at `start`.)
            if first == b'"' {
                if let Some((cell, next)) = self.quoted_to_comma(start + 1) {
                    out.push_cell(cell);
                    self.pos = next;
                    continue;
                }
            } else if first != b' ' && first != b'\t' {
                match self.cursor.find(bytes, start, |b| b.delim) {
                    Some(at) if bytes[at] == b',' => {
                        out.push_cell(Cow::Borrowed(&src[start..at]));
                        self.pos = at + 1;
                        continue;
                    }
                    Some(at) => {
                        self.pos = at + 1;
                        self.newline_at(at);
                        let field = &src[start..at];
                        out.push_cell(Cow::Borrowed(field.strip_suffix('\r').unwrap_or(field)));
                        return Ok(Some(line));
                    }
                    None => {
                        self.pos = bytes.len();
                        let field = &src[start..];
                        out.push_cell(Cow::Borrowed(field.strip_suffix('\r').unwrap_or(field)));
                        return Ok(Some(line));
                    }
                }
            }
            let (field, end) = self.field()?;
            out.push_cell(field);
            if end {
                return Ok(Some(line));
            }
        }
    }

    /// The fast path for a quoted field whose content starts at `content` and that is followed
    /// by `,`, on one line: its text and where the next field starts. `None` for anything
    /// else ([`Reader::quoted`] reads it).
    #[inline(always)]
    fn quoted_to_comma(&mut self, content: usize) -> Option<(Cow<'a, str>, usize)> {
        let bytes = self.src.as_bytes();
        let mut i = content;
        let mut doubled = false;
        loop {
            let at = self.cursor.find(bytes, i, |m| m.quoted)?;
            match bytes[at] {
                // The next character is literal (both are kept), unless it ends the line.
                b'\\' if !matches!(bytes.get(at + 1), Some(b'\n') | None) => i = at + 2,
                b'"' => match bytes.get(at + 1) {
                    Some(b'"') => {
                        doubled = true;
                        i = at + 2;
                    }
                    Some(b',') => {
                        let raw = &self.src[content..at];
                        let text = if doubled {
                            Cow::Owned(undouble(raw))
                        } else {
                            Cow::Borrowed(raw)
                        };
                        return Some((text, at + 2));
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    /// Reads one field; the flag is true when it ended its record.
    fn field(&mut self) -> Result<(Cow<'a, str>, bool)> {
        let bytes = self.src.as_bytes();
        let start = self.pos;
        // PHP skips spaces before an opening quote.
        let mut q = start;
        while matches!(bytes.get(q), Some(b' ' | b'\t')) {
            q += 1;
        }
        if bytes.get(q) == Some(&b'"') {
            return self.quoted(q);
        }
        match find2(bytes, start, b',', b'\n') {
            Some(at) => {
                self.pos = at + 1;
                if bytes[at] == b',' {
                    Ok((Cow::Borrowed(&self.src[start..at]), false))
                } else {
                    self.newline_at(at);
                    let field = &self.src[start..at];
                    Ok((
                        Cow::Borrowed(field.strip_suffix('\r').unwrap_or(field)),
                        true,
                    ))
                }
            }
            None => {
                self.pos = bytes.len();
                let field = &self.src[start..];
                Ok((
                    Cow::Borrowed(field.strip_suffix('\r').unwrap_or(field)),
                    true,
                ))
            }
        }
    }

    /// Reads a quoted field whose opening quote is at `open`.
    fn quoted(&mut self, open: usize) -> Result<(Cow<'a, str>, bool)> {
        let bytes = self.src.as_bytes();
        // Where the field starts, for the error message (the column is counted only then).
        let (start_line, start_line_start) = (self.line, self.line_start);
        let unterminated = |r: &Self| {
            err(
                start_line,
                r.column_from(start_line_start, open),
                "unterminated quoted field",
            )
        };
        let content_start = open + 1;
        let mut i = content_start;
        let mut doubled = false;
        let close = loop {
            let Some(at) = find3(bytes, i, b'"', b'\\', b'\n') else {
                return Err(unterminated(self));
            };
            match bytes[at] {
                b'\n' => {
                    self.newline_at(at);
                    i = at + 1;
                }
                b'\\' => {
                    // The next character is literal (and the backslash is kept).
                    match bytes.get(at + 1) {
                        Some(b'\n') => {
                            self.newline_at(at + 1);
                            i = at + 2;
                        }
                        Some(_) => i = at + 2,
                        None => return Err(unterminated(self)),
                    }
                }
                _ => {
                    if bytes.get(at + 1) == Some(&b'"') {
                        doubled = true;
                        i = at + 2;
                    } else {
                        break at;
                    }
                }
            }
        };
        let raw = &self.src[content_start..close];
        let mut field: Cow<'a, str> = if doubled {
            Cow::Owned(undouble(raw))
        } else {
            Cow::Borrowed(raw)
        };
        // After the closing quote: the delimiter, a line end, the end, or text PHP appends.
        let mut j = close + 1;
        if !matches!(bytes.get(j), Some(b',' | b'\n') | None) {
            let tail_end = find2(bytes, j, b',', b'\n').unwrap_or(bytes.len());
            let tail = &self.src[j..tail_end];
            let tail = if bytes.get(tail_end) != Some(&b',') {
                tail.strip_suffix('\r').unwrap_or(tail)
            } else {
                tail
            };
            if !tail.is_empty() {
                field.to_mut().push_str(tail);
            }
            j = tail_end;
        }
        match bytes.get(j) {
            Some(b',') => {
                self.pos = j + 1;
                Ok((field, false))
            }
            Some(_) => {
                self.newline_at(j);
                self.pos = j + 1;
                Ok((field, true))
            }
            None => {
                self.pos = j;
                Ok((field, true))
            }
        }
    }
}

/// The content of a quoted field with doubled quotes made single (escaped quotes are kept).
/// Runs without quotes or backslashes are copied whole.
fn undouble(raw: &str) -> String {
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let (mut run, mut i) = (0, 0);
    while let Some(at) = find2(b, i, b'"', b'\\') {
        if b[at] == b'\\' {
            // The next character is literal, and both are kept.
            i = (at + 2).min(b.len());
            continue;
        }
        // The scanner only lets doubled quotes through here: keep one.
        out.push_str(&raw[run..=at]);
        i = (at + 2).min(b.len());
        run = i;
    }
    out.push_str(&raw[run..]);
    out
}

/// The body as text, or the error `parse` reports for it (invalid UTF-8, empty).
fn text(body: &[u8]) -> Result<&str> {
    let src = std::str::from_utf8(body).map_err(|e| {
        let at = e.valid_up_to();
        crate::request::body::decode_err(Format::Csv, body, at, "the body is not valid UTF-8")
    })?;
    if src.is_empty() {
        return Err(err(1, 1, "empty body (expected CSV)"));
    }
    Ok(src)
}

/// Where the rows of a table start, for [`ListRows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RowsAt {
    pos: usize,
    line: usize,
    line_start: usize,
}

/// A table of list rows (the report's layout) whose rows are left in the body: the body as
/// text, its header, and where the rows start.
#[derive(Debug)]
pub(crate) struct ListTable<'a> {
    pub(crate) src: &'a str,
    pub(crate) header: Vec<Cow<'a, str>>,
    pub(crate) at: RowsAt,
}

/// Reads the header of a body of the [`RowKind::List`] table layout; the rows are left for
/// [`ListRows`], which reads them exactly as [`parse`] does (and reports what [`parse`] would
/// report, at the row where it is). `None` for the error shape (`result,error`), which
/// [`parse`] reads as key paths.
pub(crate) fn read_list_table(body: &[u8]) -> Result<Option<ListTable<'_>>> {
    let src = text(body)?;
    let mut reader = Reader::new(src);
    let mut header = Vec::new();
    let pos = match reader.next_record(&mut header)? {
        None => src.len(),
        Some(_) if header.len() == 2 && header[0] == "result" && header[1] == "error" => {
            return Ok(None);
        }
        Some(_) => reader.pos,
    };
    let (line, line_start) = (reader.line, reader.line_start);
    let at = RowsAt {
        pos,
        line,
        line_start,
    };
    Ok(Some(ListTable { src, header, at }))
}

/// The rows of a [`ListTable`], read from the body one at a time.
#[derive(Debug, Clone)]
pub(crate) struct ListRows<'a> {
    reader: Reader<'a>,
    width: usize,
}

impl<'a> ListRows<'a> {
    /// The rows of `src` (the body the table was read from) from `at`.
    pub(crate) fn new(src: &'a str, at: RowsAt, width: usize) -> Self {
        let reader = Reader {
            src,
            pos: at.pos,
            line: at.line,
            line_start: at.line_start,
            cursor: Cursor::default(),
        };
        ListRows { reader, width }
    }

    /// The next row's cells.
    pub(crate) fn next_row(&mut self) -> Option<Result<Vec<Str<'a>>>> {
        let mut cells = Vec::with_capacity(self.width);
        match self.reader.append_record(&mut cells) {
            Ok(Some(_)) => {
                self.width = cells.len();
                Some(Ok(cells))
            }
            Ok(None) => None,
            Err(e) => {
                self.reader.pos = self.reader.src.len();
                Some(Err(e))
            }
        }
    }
}

/// Parses a CSV response body laid out as `layout`.
pub fn parse(body: &[u8], layout: CsvLayout) -> Result<Node<'_>> {
    let src = text(body)?;
    match layout {
        CsvLayout::Keys => parse_keys(Reader::new(src), None),
        CsvLayout::Table { rows, row } => parse_table(src, rows, row),
    }
}

enum Slot<'a> {
    Leaf(Cow<'a, str>),
    Map(usize),
}

/// Builds the nested maps of the key-path layout.
struct Tree<'a> {
    maps: Vec<Vec<(Cow<'a, str>, Slot<'a>)>>,
    index: HashMap<(usize, Cow<'a, str>), usize>,
}

impl<'a> Tree<'a> {
    fn insert(&mut self, mut record: Vec<Cow<'a, str>>, line: usize) -> Result<()> {
        let Some(value) = record.pop() else {
            return Ok(());
        };
        if record.is_empty() {
            return Err(err(
                line,
                1,
                "expected a key path and a value (at least two fields)",
            ));
        }
        if record.len() > MAX_DEPTH {
            return Err(err(
                line,
                1,
                format!("key paths deeper than {MAX_DEPTH} keys are not accepted"),
            ));
        }
        let last = record.len() - 1;
        let mut map = 0;
        for (depth, key) in record.into_iter().enumerate() {
            let found = self.lookup(map, &key);
            if depth == last {
                if found.is_some() {
                    return Err(err(
                        line,
                        1,
                        format!("the key path ending in {key:?} is given twice"),
                    ));
                }
                self.push(map, key, Slot::Leaf(value));
                return Ok(());
            }
            map = match found {
                Some(i) => match &self.maps[map][i].1 {
                    Slot::Map(child) => *child,
                    Slot::Leaf(v) if v.is_empty() => {
                        // `key,` (an empty map) followed by entries of the same map.
                        let child = self.new_map();
                        self.maps[map][i].1 = Slot::Map(child);
                        child
                    }
                    Slot::Leaf(_) => {
                        return Err(err(
                            line,
                            1,
                            format!("the key {key:?} holds both a value and other keys"),
                        ));
                    }
                },
                None => {
                    let child = self.new_map();
                    self.push(map, key, Slot::Map(child));
                    child
                }
            };
        }
        Ok(())
    }

    fn lookup(&self, map: usize, key: &str) -> Option<usize> {
        // Records of one map are usually consecutive: try its last entry first.
        match self.maps[map].last() {
            Some((k, _)) if k == key => Some(self.maps[map].len() - 1),
            _ => {
                let index: &HashMap<(usize, Cow<'_, str>), usize> = &self.index;
                index.get(&(map, Cow::Borrowed(key))).copied()
            }
        }
    }

    fn push(&mut self, map: usize, key: Cow<'a, str>, slot: Slot<'a>) {
        let entries = &mut self.maps[map];
        self.index.insert((map, key.clone()), entries.len());
        entries.push((key, slot));
    }

    fn new_map(&mut self) -> usize {
        self.maps.push(Vec::new());
        self.maps.len() - 1
    }

    fn build(&mut self, map: usize) -> Node<'a> {
        let entries = std::mem::take(&mut self.maps[map]);
        Node::Map(
            entries
                .into_iter()
                .map(|(k, slot)| {
                    let node = match slot {
                        Slot::Leaf(v) => Node::Str(v),
                        Slot::Map(child) => self.build(child),
                    };
                    (k, node)
                })
                .collect(),
        )
    }
}

fn parse_keys<'a>(
    mut reader: Reader<'a>,
    first: Option<(Vec<Cow<'a, str>>, usize)>,
) -> Result<Node<'a>> {
    let mut tree = Tree {
        maps: vec![Vec::new()],
        index: HashMap::new(),
    };
    if let Some((record, line)) = first {
        tree.insert(record, line)?;
    }
    let mut record = Vec::new();
    while let Some(line) = reader.next_record(&mut record)? {
        tree.insert(std::mem::take(&mut record), line)?;
    }
    Ok(tree.build(0))
}

fn parse_table<'a>(src: &'a str, rows_key: &'static str, kind: RowKind) -> Result<Node<'a>> {
    // The table: `columns` (list rows only) and the rows.
    let table = |columns: Vec<Cow<'a, str>>, rows: Vec<Node<'a>>| {
        let mut out = vec![(Cow::Borrowed("result"), Node::Str(Cow::Borrowed("success")))];
        if kind == RowKind::List {
            let columns = Node::Seq(columns.into_iter().map(Node::Str).collect());
            out.push((Cow::Borrowed("columns"), columns));
        }
        out.push((Cow::Borrowed(rows_key), Node::Seq(rows)));
        Node::Map(out)
    };
    let mut reader = Reader::new(src);
    let mut header = Vec::new();
    let Some(header_line) = reader.next_record(&mut header)? else {
        return Ok(table(header, Vec::new()));
    };
    if header.len() == 2 && header[0] == "result" && header[1] == "error" {
        return parse_keys(reader, Some((header, header_line)));
    }
    let mut rows = Vec::new();
    let mut record = Vec::new();
    while let Some(line) = reader.next_record(&mut record)? {
        let row = match kind {
            RowKind::List => Node::Seq(record.drain(..).map(Node::Str).collect()),
            RowKind::Map => {
                if record.len() != header.len() {
                    return Err(err(
                        line,
                        1,
                        format!(
                            "this row has {} cells, the header has {}",
                            record.len(),
                            header.len()
                        ),
                    ));
                }
                Node::Map(
                    header
                        .iter()
                        .cloned()
                        .zip(record.drain(..).map(Node::Str))
                        .collect(),
                )
            }
        };
        rows.push(row);
    }
    Ok(table(header, rows))
}

/// Writes `node` in `layout` like PHP's `fputcsv`.
pub fn write(node: &Node<'_>, layout: CsvLayout) -> Vec<u8> {
    let mut out = String::with_capacity(256);
    let is_error = node.get("result").and_then(Node::as_str) == Some("error");
    match layout {
        CsvLayout::Table { rows, row } if !is_error => write_table(&mut out, node, rows, row),
        _ => {
            let mut path = Vec::new();
            write_keys(&mut out, node, &mut path);
        }
    }
    out.into_bytes()
}

fn write_keys<'n>(out: &mut String, node: &'n Node<'_>, path: &mut Vec<Cow<'n, str>>) {
    super::tree::for_each_leaf(node, path, &mut |path, leaf| {
        for key in path {
            write_field(out, key);
            out.push(',');
        }
        write_field(out, &cell_text(leaf));
        out.push('\n');
    });
}

fn cell_text<'n>(node: &'n Node<'_>) -> Cow<'n, str> {
    match node {
        Node::Str(s) => Cow::Borrowed(s),
        Node::Bool(b) => Cow::Borrowed(if *b { "1" } else { "0" }),
        Node::Null | Node::Seq(_) | Node::Map(_) => Cow::Borrowed(""),
    }
}

fn write_table(out: &mut String, node: &Node<'_>, rows_key: &str, kind: RowKind) {
    let rows: &[Node<'_>] = match node.get(rows_key) {
        Some(Node::Seq(rows)) => rows,
        _ => &[],
    };
    let header: Vec<Cow<'_, str>> = match kind {
        RowKind::List => match node.get("columns") {
            Some(Node::Seq(cols)) => cols.iter().map(cell_text).collect(),
            _ => Vec::new(),
        },
        RowKind::Map => super::tree::record_header(rows)
            .into_iter()
            .map(Cow::Borrowed)
            .collect(),
    };
    if header.is_empty() {
        // No header known (no columns, or no rows to take the names from).
        out.push('\n');
    } else {
        write_record(out, header.iter().map(|h| h.as_ref()));
    }
    for row in rows {
        match (kind, row) {
            (RowKind::List, Node::Seq(cells)) => {
                let cells: Vec<Cow<'_, str>> = cells.iter().map(cell_text).collect();
                write_record(out, cells.iter().map(|c| c.as_ref()));
            }
            (RowKind::Map, Node::Map(_)) => {
                let cells: Vec<Cow<'_, str>> = header
                    .iter()
                    .map(|h| row.get(h).map_or(Cow::Borrowed(""), cell_text))
                    .collect();
                write_record(out, cells.iter().map(|c| c.as_ref()));
            }
            (_, other) => write_record(out, std::iter::once(cell_text(other).as_ref())),
        }
    }
}

fn write_record<'s>(out: &mut String, fields: impl Iterator<Item = &'s str>) {
    let start = out.len();
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_field(out, f);
    }
    if out.len() == start {
        // One empty cell: a blank line would be skipped by readers.
        out.push_str("\"\"");
    }
    out.push('\n');
}

/// Whether the value ends in an escaping backslash (an odd run of trailing backslashes).
fn ends_escaping(s: &str) -> bool {
    s.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Whether a value that must stay unquoted for [`ends_escaping`] can be.
fn can_stay_unquoted(s: &str) -> bool {
    !s.bytes().any(|b| matches!(b, b',' | b'\r' | b'\n'))
        && !s.trim_start_matches([' ', '\t']).starts_with('"')
}

/// Whether `s` can be written as a CSV field that reads back unchanged (see the module
/// documentation: only some values ending in a backslash cannot).
pub fn representable(s: &str) -> bool {
    !ends_escaping(s) || can_stay_unquoted(s)
}

fn write_field(out: &mut String, s: &str) {
    let needs_quotes = s
        .bytes()
        .any(|b| matches!(b, b' ' | b',' | b'"' | b'\\' | b'\t' | b'\r' | b'\n'));
    if !needs_quotes {
        out.push_str(s);
        return;
    }
    if ends_escaping(s) && can_stay_unquoted(s) {
        // Quoting would let the final backslash escape the closing quote.
        out.push_str(s);
        return;
    }
    out.push('"');
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::json::tests::arb_text;
    use crate::wire::{KeyedList, Str, decode, scalar};
    use proptest::prelude::*;
    use serde::Deserialize;

    const KEYS: CsvLayout = CsvLayout::Keys;
    const REPORT: CsvLayout = CsvLayout::Table {
        rows: "results",
        row: RowKind::List,
    };
    const SMS: CsvLayout = CsvLayout::Table {
        rows: "results",
        row: RowKind::Map,
    };

    use crate::wire::arb::{m, s};

    #[test]
    fn reference_sample() {
        let n = parse(
            b"result,success\nerror,\nexample,result,1\nexample,result2,2\n",
            KEYS,
        )
        .unwrap();
        assert_eq!(
            n,
            m(vec![
                ("result", s("success")),
                ("error", s("")),
                ("example", m(vec![("result", s("1")), ("result2", s("2"))])),
            ])
        );
    }

    #[derive(Debug, Deserialize)]
    struct Queues<'a> {
        #[serde(borrow)]
        queues: KeyedList<'a, Queue<'a>>,
    }

    #[derive(Debug, Deserialize)]
    struct Queue<'a> {
        #[serde(borrow)]
        agents: KeyedList<'a, KeyedList<'a, Str<'a>>>,
        #[serde(borrow, default, deserialize_with = "scalar::list")]
        calls_waiting: Vec<KeyedList<'a, Str<'a>>>,
        #[serde(deserialize_with = "scalar::int")]
        waiting: i64,
    }

    #[test]
    fn key_paths_into_types() {
        let body = "result,success\r\nqueues,support_queue,waiting,0\r\nqueues,support_queue,agents,beaucrn6,name,Tom\r\nqueues,support_queue,agents,beaucrn6,otherdata,\" (ringinuse disabled) (dynamic)\"\r\nqueues,support_queue,calls_waiting,0,number,815\r\nqueues,support_queue,calls_waiting,1,number,816\r\nqueues,testqueue,waiting,3\r\nqueues,testqueue,agents,\r\nqueues,testqueue,calls_waiting,";
        let q: Queues = decode(Format::Csv, KEYS, body.as_bytes()).unwrap();
        let support = q.queues.get("support_queue").unwrap();
        let tom = support.agents.get("beaucrn6").unwrap();
        assert_eq!(tom.get("name").unwrap(), "Tom");
        assert!(tom.get("name").unwrap().is_borrowed());
        assert_eq!(
            tom.get("otherdata").unwrap(),
            " (ringinuse disabled) (dynamic)"
        );
        assert!(tom.get("otherdata").unwrap().is_borrowed());
        assert_eq!(support.calls_waiting.len(), 2);
        assert_eq!(support.calls_waiting[1].get("number").unwrap(), "816");
        let test = q.queues.get("testqueue").unwrap();
        assert_eq!(test.waiting, 3);
        assert!(test.agents.is_empty() && test.calls_waiting.is_empty());
    }

    #[test]
    fn users_list_by_index() {
        #[derive(Deserialize)]
        struct Users<'a> {
            #[serde(borrow)]
            users: Vec<KeyedList<'a, Str<'a>>>,
        }
        let body = "result,success\nusers,0,ext,630\nusers,0,user,Tom\nusers,1,ext,69\nusers,1,status,\"OK (3 ms)\"\n";
        let u: Users = decode(Format::Csv, KEYS, body.as_bytes()).unwrap();
        assert_eq!(u.users.len(), 2);
        assert_eq!(u.users[1].get("status").unwrap(), "OK (3 ms)");
    }

    #[test]
    fn undoubling_keeps_escapes() {
        for (raw, expected) in [
            ("", ""),
            ("plain", "plain"),
            ("a\"\"b", "a\"b"),
            ("\"\"x\"\"", "\"x\""),
            ("bs\\\"q\"\"", "bs\\\"q\""),
            ("é\\é\"\"ü", "é\\é\"ü"),
            ("end\\", "end\\"),
        ] {
            assert_eq!(undouble(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn php_quoting_rules() {
        let body = "a,\"x \"\"q\"\" y\"\nb,\"bs\\\"q\"\nc,\"two\nlines\"\nd,\"ab\"cd\ne,  \"lead\"\nf,\"a\\\\\"\ng,\"comma, here\"\nh,plain\"quote\n";
        let n = parse(body.as_bytes(), KEYS).unwrap();
        assert_eq!(
            n,
            m(vec![
                ("a", s("x \"q\" y")),
                ("b", s("bs\\\"q")),
                ("c", s("two\nlines")),
                ("d", s("abcd")),
                ("e", s("lead")),
                ("f", s("a\\\\")),
                ("g", s("comma, here")),
                ("h", s("plain\"quote")),
            ])
        );
        assert!(matches!(n.get("b"), Some(Node::Str(Cow::Borrowed(_)))));
        assert!(matches!(n.get("c"), Some(Node::Str(Cow::Borrowed(_)))));
        // Writing: fputcsv's quoting.
        let mut out = String::new();
        for v in [
            "plain",
            "",
            "a b",
            "x,y",
            "q\"q",
            "bs\\\"q",
            "tab\there",
            "C:\\dir\\",
            "a,\\",
        ] {
            write_field(&mut out, v);
            out.push('|');
        }
        assert_eq!(
            out,
            "plain||\"a b\"|\"x,y\"|\"q\"\"q\"|\"bs\\\"q\"|\"tab\there\"|C:\\dir\\|\"a,\\\"|"
        );
    }

    #[test]
    fn error_shape_in_both_layouts() {
        let body = b"result,error\nerror,\"Invalid API key\"\n";
        for layout in [KEYS, REPORT, SMS] {
            let err = decode::<Node>(Format::Csv, layout, body).unwrap_err();
            assert!(
                matches!(err, Error::Server { ref message } if message == "Invalid API key"),
                "{err:?}"
            );
        }
        let written = crate::wire::encode_error(Format::Csv, "bad, \"very\" bad");
        assert_eq!(written, b"result,error\nerror,\"bad, \"\"very\"\" bad\"\n");
        let err = decode::<Node>(Format::Csv, REPORT, &written).unwrap_err();
        assert!(
            matches!(err, Error::Server { ref message } if message == "bad, \"very\" bad"),
            "{err:?}"
        );
        assert_eq!(write(&parse(body, KEYS).unwrap(), REPORT), body);
    }

    #[test]
    fn report_table() {
        let body = "unique_id,date,callerid,billable_duration\n1476370446.2,\"2016-10-13 09:54:06\",\"\"\"Example User 1\"\" <123>\",85\n1476370384.0,\"2016-10-13 09:53:04\",\"\"\"DLS\"\" <8478544799>\",41";
        let n = parse(body.as_bytes(), REPORT).unwrap();
        assert_eq!(n.get("result"), Some(&s("success")));
        assert_eq!(
            n.get("columns"),
            Some(&Node::Seq(vec![
                s("unique_id"),
                s("date"),
                s("callerid"),
                s("billable_duration")
            ]))
        );
        let Some(Node::Seq(rows)) = n.get("results") else {
            panic!()
        };
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            Node::Seq(vec![
                s("1476370446.2"),
                s("2016-10-13 09:54:06"),
                s("\"Example User 1\" <123>"),
                s("85")
            ])
        );
        assert_eq!(write(&n, REPORT), format!("{body}\n").into_bytes());
    }

    #[test]
    fn sms_table() {
        #[derive(Deserialize)]
        struct Sms<'a> {
            #[serde(borrow)]
            results: Vec<Row<'a>>,
        }
        #[derive(Deserialize)]
        struct Row<'a> {
            #[serde(deserialize_with = "scalar::int")]
            id: i64,
            #[serde(borrow)]
            message: Str<'a>,
            #[serde(borrow)]
            account_code: Str<'a>,
        }
        let body = b"id,timestamp,message,account_code\r\n3131,\"2017-06-22 15:36:41\",\"Test Message\",213985\r\n3121,\"2017-06-22 13:57:51\",\"Test Message\",\r\n";
        let with_bom = [&b"\xEF\xBB\xBF"[..], body].concat();
        let sms: Sms = decode(Format::Csv, SMS, &with_bom).unwrap();
        assert_eq!(sms.results[0].id, 3131);
        let sms: Sms = decode(Format::Csv, SMS, body).unwrap();
        assert_eq!(sms.results.len(), 2);
        assert_eq!(
            (sms.results[0].id, sms.results[0].message.as_str()),
            (3131, "Test Message")
        );
        assert_eq!(sms.results[1].account_code, "");
        let Err(Error::Decode(e)) = parse(b"a,b\n1,2,3\n", SMS) else {
            panic!()
        };
        assert_eq!(e.position, Position::LineColumn { line: 2, column: 1 });
        let empty = parse(b"\n", SMS).unwrap();
        assert_eq!(
            empty,
            m(vec![
                ("result", s("success")),
                ("results", Node::Seq(vec![]))
            ])
        );
    }

    #[test]
    fn malformed_has_positions() {
        for (body, line, column) in [
            (&b""[..], 1, 1),
            (b"a,\"open\nb,c\n", 1, 3),
            (b"result,success\njustakey\n", 2, 1),
            (b"a,1\na,2\n", 2, 1),
            (b"a,1\na,b,2\n", 2, 1),
            (b"ok,1\nbad,\xff\n", 2, 5),
        ] {
            let err = parse(body, KEYS).unwrap_err();
            let Error::Decode(e) = err else {
                panic!("{err:?}")
            };
            assert_eq!(e.format, Format::Csv);
            assert_eq!(e.position, Position::LineColumn { line, column }, "{e}");
        }
        let deep = "k,".repeat(200) + "v\n";
        assert!(parse(deep.as_bytes(), KEYS).is_err());
    }

    #[test]
    fn empty_map_then_entries_merge() {
        let n = parse(b"a,\na,b,1\n", KEYS).unwrap();
        assert_eq!(n, m(vec![("a", m(vec![("b", s("1"))]))]));
        let n = parse(b"a,b,1\nc,2\na,d,3\n", KEYS).unwrap();
        assert_eq!(
            n,
            m(vec![
                ("a", m(vec![("b", s("1")), ("d", s("3"))])),
                ("c", s("2"))
            ])
        );
    }

    /// The key-path layout keys list items by index and has no empty containers or null.
    fn keys_normal(node: Node<'static>) -> Node<'static> {
        match node {
            Node::Map(e) if e.is_empty() => s(""),
            Node::Seq(e) if e.is_empty() => s(""),
            Node::Null => s(""),
            Node::Map(e) => Node::Map(e.into_iter().map(|(k, v)| (k, keys_normal(v))).collect()),
            Node::Seq(items) => Node::Map(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (Cow::Owned(i.to_string()), keys_normal(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    /// Every record of `body`, read with the fast paths or (`slow`) field by field.
    fn records(body: &str, slow: bool) -> Result<Vec<Vec<String>>> {
        let mut reader = Reader::new(body);
        let mut out = Vec::new();
        if slow {
            while reader.skip_blank_lines() {
                let mut record = Vec::new();
                loop {
                    let (field, end) = reader.field()?;
                    record.push(field.into_owned());
                    if end {
                        break;
                    }
                }
                out.push(record);
            }
        } else {
            let mut record = Vec::new();
            while reader.next_record(&mut record)?.is_some() {
                out.push(record.drain(..).map(Cow::into_owned).collect());
            }
        }
        Ok(out)
    }

    fn arb_csv_text() -> impl Strategy<Value = String> {
        prop_oneof![arb_text(), "[a\\\\\", \\r\\n]{0,8}"]
            .prop_filter("representable in PHP's CSV", |s| representable(s))
    }

    fn arb_keys_node() -> impl Strategy<Value = Node<'static>> {
        let leaf = arb_csv_text().prop_map(|t| Node::Str(Cow::Owned(t)));
        let key = prop_oneof![4 => "[a-z_][a-z0-9_]{0,8}", 1 => arb_csv_text().prop_filter("a key", |k| !k.is_empty())];
        crate::wire::arb::arb_tree(leaf, key, 0)
    }

    proptest! {
        #[test]
        fn keys_round_trip(entries in prop::collection::btree_map("[a-z_][a-z0-9_]{0,8}", arb_keys_node(), 1..5)) {
            let node = Node::Map(entries.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect());
            let out = write(&node, KEYS);
            let back = parse(&out, KEYS).unwrap().into_owned();
            prop_assert_eq!(back, keys_normal(node));
        }

        #[test]
        fn report_round_trip(
            columns in prop::collection::vec(arb_csv_text(), 1..5),
            cells in prop::collection::vec(prop::collection::vec(arb_csv_text(), 1..5), 0..5),
        ) {
            let strs = |v: Vec<String>| Node::Seq(v.into_iter().map(|c| Node::Str(Cow::Owned(c))).collect());
            let node = Node::Map(vec![
                (Cow::Borrowed("result"), s("success")),
                (Cow::Borrowed("columns"), strs(columns)),
                (Cow::Borrowed("results"), Node::Seq(cells.into_iter().map(strs).collect())),
            ]);
            let back = parse(&write(&node, REPORT), REPORT).unwrap().into_owned();
            prop_assert_eq!(back, node);
        }

        #[test]
        fn map_table_round_trip(
            header in prop::collection::btree_set("[a-z_][a-z0-9_]{0,8}", 1..5),
            values in prop::collection::vec(prop::collection::vec(arb_csv_text(), 5), 0..5),
        ) {
            let header: Vec<String> = header.into_iter().collect();
            let rows: Vec<Node<'static>> = values
                .into_iter()
                .map(|r| Node::Map(header.iter().cloned().map(Cow::Owned).zip(r.into_iter().map(|c| Node::Str(Cow::Owned(c)))).collect()))
                .collect();
            let node = Node::Map(vec![(Cow::Borrowed("result"), s("success")), (Cow::Borrowed("results"), Node::Seq(rows))]);
            let back = parse(&write(&node, SMS), SMS).unwrap().into_owned();
            prop_assert_eq!(back, node);
        }

        #[test]
        fn long_bodies_read_like_the_byte_reader(body in "[a,\"\\\\\r\n \t]{0,400}") {
            // The fast paths (64-byte masks) against `field` alone, across block boundaries.
            let (fast, slow) = (records(&body, false), records(&body, true));
            prop_assert_eq!(fast.map_err(|e| e.to_string()), slow.map_err(|e| e.to_string()), "{:?}", body);
        }

        #[test]
        fn long_written_tables_read_back(
            rows in prop::collection::vec(prop::collection::vec(arb_csv_text(), 1..12), 1..12),
        ) {
            let mut body = String::new();
            for row in &rows {
                write_record(&mut body, row.iter().map(String::as_str));
            }
            let back = records(&body, false).unwrap();
            let expected: Vec<Vec<String>> = rows
                .iter()
                .map(|r| if r.len() == 1 && r[0].is_empty() { vec![String::new()] } else { r.clone() })
                .collect();
            prop_assert_eq!(&back, &expected);
        }

        #[test]
        fn never_panics(body in "[a,\"\\\\\\r\\n ]{0,40}") {
            let _ = parse(body.as_bytes(), KEYS);
            let _ = parse(body.as_bytes(), REPORT);
            let _ = parse(body.as_bytes(), SMS);
        }
    }
}
