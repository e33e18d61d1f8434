//! The JSON report, read in one pass: a scanner over the top-level object whose small header
//! fields are decoded by `serde_json`, and a purpose-built scanner over `results` (an array of
//! arrays of scalars) that yields one row at a time. Unescaped strings are borrowed from the
//! body; escaped ones are decoded by `serde_json`.
//!
//! # Why `results` is usually read once
//!
//! The PHP server writes `results` last, after `result`, `error`, `total_results`, `title` and
//! `columns`. When all five were seen before `results` and the body ends like an array closing
//! an object (`]}`), the header is complete: anything after `results` can only be an unknown
//! key (ignored) or a duplicate of a header key (an error, as in any other position). The
//! header is then returned without looking at the rows, and the row scanner checks the rest of
//! the document when it reaches the end of `results`, so a malformed tail is reported by the
//! row iterator, like a malformed row. In any other layout `results` is skipped first (by the
//! row scanner without decoding cells, or by `serde_json` when the rows are not plain scalars)
//! and the header read on.

use super::{ReportTable, Rows};
use crate::error::{DecodeError, Error, Position, Result};
use crate::format::Format;
use crate::wire::json_scan::{ScanError, Scanner, Token};
use crate::wire::{Str, scalar};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;

/// What follows the `results` array in the text a [`JsonRows`] scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tail {
    /// Nothing but whitespace: the text is exactly the `results` value.
    Exact,
    /// The rest of the top-level object, whose header keys were all read before `results`:
    /// it must be unknown keys only, then `}`.
    Document,
}

/// Yields one row (a list of cells) at a time from a raw JSON array of arrays.
#[derive(Debug, Clone)]
pub(crate) struct JsonRows<'a> {
    scan: Scanner<'a>,
    /// The offset of the scanned text in the body, for error positions.
    base: usize,
    started: bool,
    done: bool,
    /// Cells per row seen so far, to pre-size the next row.
    width: usize,
    tail: Tail,
    /// What errors are about (`report results`).
    context: &'static str,
}

const CELL: &str = "a string, number, boolean or null cell";

/// A scalar token as a report cell: strings as they are (borrowed unless escaped; escaped ones
/// left empty unless `decode`), numbers as written, `null` as `""`, booleans as `1`/`0`.
/// `None` for a token that is not a scalar.
#[inline]
fn cell(token: Token<'_>, decode: bool) -> Option<Result<Str<'_>, ScanError>> {
    Some(Ok(Str(Cow::Borrowed(match token {
        Token::Str(s) if decode || !s.is_escaped() => return Some(s.decode().map(Str)),
        Token::Number(n) => n,
        Token::Bool(true) => "1",
        Token::Bool(false) => "0",
        Token::Str(_) | Token::Null => "",
        _ => return None,
    }))))
}

/// A cell that is not a plain string.
#[inline(never)]
fn other_cell<'a>(scan: &mut Scanner<'a>, decode: bool) -> Result<Str<'a>, ScanError> {
    let token = scan.expect_token(CELL)?;
    cell(token, decode).ok_or_else(|| scan.expected(CELL))?
}

/// Reads the row at the scanner (`[`, cells, `]`) into `cells` (cleared first); anything
/// else there is "expected `what`".
#[inline]
fn row<'a>(
    scan: &mut Scanner<'a>,
    cells: &mut Vec<Str<'a>>,
    decode: bool,
    what: &'static str,
) -> Result<(), ScanError> {
    if scan.expect_token(what)? != Token::ArrayStart {
        return Err(scan.expected(what));
    }
    cells.clear();
    if scan.eat(b']') {
        return Ok(());
    }
    loop {
        // The PHP server writes `"cell","cell"`: the unescaped string is the hot path.
        match scan.plain_str() {
            Some(s) => cells.push(Str(Cow::Borrowed(s))),
            None => cells.push(other_cell(scan, decode)?),
        }
        if !scan.eat(b',') {
            if scan.eat(b']') {
                return Ok(());
            }
            return Err(scan.unexpected("`,` or `]` after a cell"));
        }
    }
}

/// Reads one report row (`["a",1,null,true]`) at `scan` into `cells` (cleared first), exactly
/// as [`ReportTable::rows`] decodes each row of a JSON report: strings borrowed from the text
/// unless escaped, numbers as written, `null` as `""`, booleans as `1`/`0`. For decoders that
/// find the rows themselves (the clients' streaming export, which feeds the text in chunks).
pub fn read_json_row<'a>(
    scan: &mut Scanner<'a>,
    cells: &mut Vec<Str<'a>>,
) -> Result<(), ScanError> {
    row(scan, cells, true, "a row (an array of cells)")
}

/// A scalar token as a report cell, like the cells of [`read_json_row`]; `None` for a token
/// that is not a scalar.
pub fn json_cell(token: Token<'_>) -> Option<Result<Str<'_>, ScanError>> {
    cell(token, true)
}

impl<'a> JsonRows<'a> {
    #[cfg(test)]
    pub(crate) fn new(src: &'a str) -> Self {
        Self::with_tail(src, 0, Tail::Exact)
    }

    pub(crate) fn with_tail(src: &'a str, base: usize, tail: Tail) -> Self {
        JsonRows {
            scan: Scanner::new(src, true),
            base,
            started: false,
            done: false,
            width: 0,
            tail,
            context: "report results",
        }
    }

    #[cold]
    fn err(&mut self, e: ScanError) -> DecodeError {
        self.done = true;
        DecodeError::new(
            Format::Json,
            Position::Offset(self.base + e.offset),
            format!("{}: {}", self.context, e.kind),
        )
    }

    /// `message` at the start of the last token.
    #[cold]
    fn err_msg(&mut self, message: &str) -> DecodeError {
        self.done = true;
        DecodeError::new(
            Format::Json,
            Position::Offset(self.base + self.scan.token_start()),
            format!("{}: {message}", self.context),
        )
    }

    /// After the closing `]` of `results`: checks what follows, per [`Tail`].
    fn finish(&mut self) -> Result<(), DecodeError> {
        self.done = true;
        match self.tail {
            Tail::Exact if self.scan.peek().is_none() => Ok(()),
            Tail::Exact => Err(self.err_msg("unexpected text after the rows")),
            Tail::Document => {
                let mut top = Top {
                    src: self.scan.src(),
                    base: self.base,
                    pos: self.scan.pos(),
                };
                top.rest_after_results().map_err(|e| match e {
                    Error::Decode(d) => d,
                    other => DecodeError::new(Format::Json, Position::Unknown, other.to_string()),
                })
            }
        }
    }

    /// The next row into `cells` (cleared first), reusing its capacity.
    pub(crate) fn next_into(
        &mut self,
        cells: &mut Vec<Str<'a>>,
    ) -> Option<Result<(), DecodeError>> {
        if self.done {
            return None;
        }
        let more = if self.started {
            if self.scan.eat(b',') {
                true
            } else if self.scan.eat(b']') {
                false
            } else {
                return Some(Err(self.err_msg("expected `,` or `]` after a row")));
            }
        } else {
            self.started = true;
            // PHP writes a list with holes as an object; rows are then `"n": [...]`.
            if self.scan.peek() == Some(b'{') {
                let why = "results as an object are not supported; expected an array";
                return Some(Err(self.err_msg(why)));
            }
            match self.scan.expect_token("an array of rows") {
                Ok(Token::ArrayStart) => !self.scan.eat(b']'),
                Ok(_) => return Some(Err(self.err_msg("expected an array of rows"))),
                Err(e) => return Some(Err(self.err(e))),
            }
        };
        if !more {
            return self.finish().err().map(Err);
        }
        let result = row(&mut self.scan, cells, true, "a row (an array of cells)");
        self.width = cells.len();
        Some(result.map_err(|e| self.err(e)))
    }

    /// Scans to the end of the `results` array (not its tail) without decoding escaped
    /// cells: the length of the array's text, or `None` when it is not an array of rows of
    /// scalars.
    fn skip_array(mut self) -> Option<usize> {
        let mut cells = Vec::new();
        let scan = &mut self.scan;
        if scan.peek() != Some(b'[') || scan.next_token().ok()? != Some(Token::ArrayStart) {
            return None;
        }
        if scan.eat(b']') {
            return Some(scan.pos());
        }
        loop {
            row(scan, &mut cells, false, CELL).ok()?;
            match scan.next_token().ok()?? {
                Token::Comma => {}
                Token::ArrayEnd => return Some(scan.pos()),
                _ => return None,
            }
        }
    }
}

/// Decodes one report row written as a JSON array of scalars (`["a",1,null,true]`) as
/// [`read_json_row`] does, from a complete text; errors are at byte offsets in `text`.
pub fn decode_json_row(text: &str) -> std::result::Result<Vec<Str<'_>>, DecodeError> {
    let mut rows = JsonRows::with_tail(text, 0, Tail::Exact);
    rows.context = "row";
    let mut cells = Vec::new();
    row(&mut rows.scan, &mut cells, true, "an array of cells").map_err(|e| rows.err(e))?;
    if rows.scan.peek().is_some() {
        return Err(rows.err_msg("unexpected text after the row"));
    }
    Ok(cells)
}

/// Decodes one JSON scalar as a report cell, like the cells of [`decode_json_row`].
pub fn decode_json_cell(text: &str) -> std::result::Result<Str<'_>, DecodeError> {
    let mut rows = JsonRows::with_tail(text, 0, Tail::Exact);
    rows.context = "value";
    let scan = &mut rows.scan;
    let cell = scan
        .expect_token(CELL)
        .and_then(|t| json_cell(t).ok_or_else(|| scan.expected(CELL))?);
    let cell = cell.map_err(|e| rows.err(e))?;
    if rows.scan.peek().is_some() {
        return Err(rows.err_msg("expected a single string, number, boolean or null"));
    }
    Ok(cell)
}

impl<'a> Iterator for JsonRows<'a> {
    type Item = Result<Vec<Str<'a>>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut cells = Vec::with_capacity(self.width);
        self.next_into(&mut cells).map(|r| r.map(|()| cells))
    }
}

// ---------------------------------------------------------------------------------------------
// The top-level object
// ---------------------------------------------------------------------------------------------

/// The header keys of a report, in the PHP server's order.
const HEADER_KEYS: [&str; 5] = ["result", "error", "total_results", "title", "columns"];

#[derive(Deserialize)]
struct OptInt(#[serde(deserialize_with = "scalar::opt_int")] Option<i64>);

#[derive(Deserialize)]
struct StrList<'a>(#[serde(borrow, deserialize_with = "scalar::list")] Vec<Str<'a>>);

/// One-based line and column of byte `offset` in `src` (columns count bytes, like serde_json).
fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let before = &src.as_bytes()[..offset.min(src.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
    (line, before.len() - line_start + 1)
}

/// A scanner over the top-level object of a report body.
struct Top<'a> {
    /// The text from `base` in the body to its end.
    src: &'a str,
    base: usize,
    pos: usize,
}

impl<'a> Top<'a> {
    fn err(&self, message: impl Into<String>) -> Error {
        self.err_at(self.pos, message)
    }

    fn err_at(&self, pos: usize, message: impl Into<String>) -> Error {
        // Positions are reported as serde_json does, in lines and columns of the body; the
        // body before `base` holds only `[` `]`-balanced text, so count in `src` from its start
        // only when `base` is 0 (the whole body); otherwise give the byte offset.
        let position = if self.base == 0 {
            let (line, column) = line_column(self.src, pos);
            Position::LineColumn { line, column }
        } else {
            Position::Offset(self.base + pos)
        };
        Error::Decode(DecodeError::new(Format::Json, position, message))
    }

    fn skip_ws(&mut self) {
        let b = self.src.as_bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\n' | b'\r' | b'\t') {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<()> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else if self.pos >= self.src.len() {
            Err(self.err(format!("EOF while parsing {what}")))
        } else {
            Err(self.err(format!("expected {what}")))
        }
    }

    /// One JSON value decoded by serde_json, borrowing from the body.
    fn value<T: Deserialize<'a>>(&mut self) -> Result<T> {
        let rest = &self.src[self.pos..];
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<T>();
        match stream.next() {
            Some(Ok(v)) => {
                self.pos += stream.byte_offset();
                Ok(v)
            }
            Some(Err(e)) => {
                // serde_json counts from `rest`: translate to the body.
                let (line, column) = (e.line(), e.column());
                let full = e.to_string();
                let suffix = format!(" at line {line} column {column}");
                let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
                let offset = if line == 0 {
                    self.src.len()
                } else {
                    // The start of line `line` of `rest`, then the column in it.
                    let line_start = if line == 1 {
                        Some(0)
                    } else {
                        memchr::memchr_iter(b'\n', rest.as_bytes())
                            .nth(line - 2)
                            .map(|p| p + 1)
                    };
                    line_start.map_or(self.src.len(), |ls| {
                        self.pos + ls + column.saturating_sub(1)
                    })
                };
                Err(self.err_at(offset.min(self.src.len()), message))
            }
            None => Err(self.err("EOF while parsing a value")),
        }
    }

    /// A member's key, at its opening quote.
    fn key(&mut self) -> Result<Cow<'a, str>> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return Err(if self.pos >= self.src.len() {
                self.err("EOF while parsing an object")
            } else {
                self.err("key must be a string")
            });
        }
        let b = self.src.as_bytes();
        let start = self.pos + 1;
        match memchr::memchr2(b'"', b'\\', &b[start..]) {
            Some(off) if b[start + off] == b'"' => {
                self.pos = start + off + 1;
                Ok(Cow::Borrowed(&self.src[start..start + off]))
            }
            _ => self.value::<String>().map(Cow::Owned),
        }
    }

    /// After `results` and its value, in a document whose header keys were all read: unknown
    /// members only, then `}` and the end.
    fn rest_after_results(&mut self) -> Result<()> {
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    self.skip_ws();
                    return if self.pos == self.src.len() {
                        Ok(())
                    } else {
                        Err(self.err("trailing characters"))
                    };
                }
                Some(b',') => {
                    self.pos += 1;
                    let key = self.key()?;
                    if HEADER_KEYS.contains(&key.as_ref()) || key == "results" {
                        return Err(self.err(format!("duplicate field `{key}`")));
                    }
                    self.expect(b':', "`:`")?;
                    self.value::<IgnoredAny>()?;
                }
                None => return Err(self.err("EOF while parsing an object")),
                Some(_) => return Err(self.err("expected `,` or `}`")),
            }
        }
    }
}

/// Decodes a JSON report body (BOM already stripped).
pub(crate) fn decode(body: &[u8]) -> Result<ReportTable<'_>> {
    let src = std::str::from_utf8(body).map_err(|e| {
        let (line, column) = line_column(
            &String::from_utf8_lossy(&body[..e.valid_up_to()]),
            e.valid_up_to(),
        );
        DecodeError::new(
            Format::Json,
            Position::LineColumn { line, column },
            "invalid UTF-8 in the body",
        )
    })?;
    let mut top = Top {
        src,
        base: 0,
        pos: 0,
    };
    let mut result: Option<Option<Str<'_>>> = None;
    let mut error: Option<Option<Str<'_>>> = None;
    let mut total: Option<Option<i64>> = None;
    let mut title: Option<Option<Str<'_>>> = None;
    let mut columns: Option<Vec<Str<'_>>> = None;
    let mut rows: Option<Rows<'_>> = None;
    top.skip_ws();
    match top.peek() {
        Some(b'{') => top.pos += 1,
        None => return Err(top.err("EOF while parsing a value")),
        Some(_) => return Err(top.err("invalid type: expected a report (a JSON object)")),
    }
    top.skip_ws();
    let mut first = true;
    loop {
        top.skip_ws();
        match top.peek() {
            Some(b'}') => {
                top.pos += 1;
                break;
            }
            Some(b',') if !first => top.pos += 1,
            None => return Err(top.err("EOF while parsing an object")),
            Some(_) if !first => return Err(top.err("expected `,` or `}`")),
            Some(_) => {}
        }
        first = false;
        let key = top.key()?;
        top.expect(b':', "`:`")?;
        top.skip_ws();
        let dup = |top: &Top<'_>, k: &str| top.err(format!("duplicate field `{k}`"));
        match key.as_ref() {
            "result" if result.is_some() => return Err(dup(&top, "result")),
            "result" => result = Some(top.value()?),
            "error" if error.is_some() => return Err(dup(&top, "error")),
            "error" => error = Some(top.value()?),
            "total_results" if total.is_some() => return Err(dup(&top, "total_results")),
            "total_results" => total = Some(top.value::<OptInt>()?.0),
            "title" if title.is_some() => return Err(dup(&top, "title")),
            "title" => title = Some(top.value()?),
            "columns" if columns.is_some() => return Err(dup(&top, "columns")),
            "columns" => columns = Some(top.value::<StrList<'_>>()?.0),
            "results" if rows.is_some() => return Err(dup(&top, "results")),
            "results" => {
                let start = top.pos;
                let header_complete = result.is_some()
                    && error.is_some()
                    && total.is_some()
                    && title.is_some()
                    && columns.is_some();
                let closes_like_rows = src
                    .trim_end()
                    .strip_suffix('}')
                    .is_some_and(|s| s.trim_end().ends_with(']'));
                if header_complete && closes_like_rows && top.peek() == Some(b'[') {
                    // The rows and the rest of the document are checked as the rows are read.
                    rows = Some(Rows::Json(
                        Cow::Borrowed(&src[start..]),
                        start,
                        Tail::Document,
                    ));
                    break;
                }
                let len = match JsonRows::with_tail(&src[start..], start, Tail::Exact).skip_array()
                {
                    Some(len) => len,
                    None => {
                        top.value::<IgnoredAny>()?;
                        top.pos - start
                    }
                };
                top.pos = start + len;
                rows = Some(Rows::Json(
                    Cow::Borrowed(&src[start..top.pos]),
                    start,
                    Tail::Exact,
                ));
            }
            _ => {
                top.value::<IgnoredAny>()?;
            }
        }
    }
    if matches!(rows, Some(Rows::Json(_, _, Tail::Exact)) | None) {
        top.skip_ws();
        if top.pos != src.len() {
            return Err(top.err("trailing characters"));
        }
    }
    if result.flatten().as_deref() == Some("error") {
        return Err(Error::Server {
            message: error
                .flatten()
                .map(|e| e.0.into_owned())
                .unwrap_or_default(),
        });
    }
    Ok(ReportTable {
        total: total.flatten(),
        title: title.flatten(),
        columns: columns.unwrap_or_default(),
        rows: rows.unwrap_or(Rows::Json(Cow::Borrowed("[]"), 0, Tail::Exact)),
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn one_row_decodes_like_the_rows_of_a_report() {
        let row = r#" ["a", "\u00e9\"", 12.5, -3, null, true, false, ""] "#;
        let cells = decode_json_row(row).unwrap();
        let texts: Vec<&str> = cells.iter().map(Str::as_str).collect();
        assert_eq!(texts, ["a", "\u{e9}\"", "12.5", "-3", "", "1", "0", ""]);
        assert!(matches!(cells[0].0, Cow::Borrowed(_)));
        let table = format!("[{row},{row}]");
        for r in JsonRows::new(&table) {
            assert_eq!(r.unwrap(), cells);
        }
        assert_eq!(decode_json_row("[]").unwrap(), Vec::<Str<'_>>::new());
        for (bad, at) in [
            ("[1,]", 3),
            ("[x]", 1),
            ("1", 0),
            ("[1] 2", 4),
            ("[\"\\q\"]", 2),
        ] {
            let e = decode_json_row(bad).unwrap_err();
            assert_eq!(e.position, Position::Offset(at), "{bad}: {e}");
            assert!(e.message.starts_with("row: "), "{e}");
        }
        assert_eq!(decode_json_cell(" \"x\" ").unwrap().as_str(), "x");
        assert_eq!(decode_json_cell("null").unwrap().as_str(), "");
        assert!(decode_json_cell("1 2").is_err());
        assert!(decode_json_cell("[1]").is_err());
    }

    use super::*;

    /// The text of a JSON string (between its quotes), decoded by the scanner.
    fn unescape(raw: &str) -> Result<String, ScanError> {
        let quoted = format!("\"{raw}\"");
        match Scanner::new(&quoted, true).next_token()? {
            Some(Token::Str(s)) => s.decode().map(Cow::into_owned),
            other => panic!("{other:?}"),
        }
    }

    fn find_quote_or_backslash(b: &[u8], from: usize) -> Option<usize> {
        crate::report::scan::find2(b, from, b'"', b'\\')
    }

    #[test]
    fn rows_borrow_unescaped_cells() {
        let src =
            r#"[["1476370446.2","2016-10-13 09:54:06","\"Example User 1\" <123>",85,null],[]]"#;
        let rows: Vec<_> = JsonRows::new(src).collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows[0][0].is_borrowed());
        assert_eq!(rows[0][2].as_str(), "\"Example User 1\" <123>");
        assert!(!rows[0][2].is_borrowed());
        assert_eq!(rows[0][3].as_str(), "85");
        assert_eq!(rows[0][4].as_str(), "");
        assert!(rows[1].is_empty());
    }

    #[test]
    fn malformed_rows_end_with_an_error_not_a_panic() {
        for src in [
            "",
            "[",
            "[[",
            "[[\"a\"",
            "[[\"a\",]",
            "[1]",
            "[[\"\\",
            "{}",
            "[[\"a\"]x]",
            "[[\"a\"]] x",
        ] {
            let out: Vec<_> = JsonRows::new(src).collect();
            assert!(out.last().is_some_and(|r| r.is_err()), "{src:?} -> {out:?}");
        }
        assert_eq!(JsonRows::new("[]").count(), 0);
        assert_eq!(JsonRows::new(" [ ] ").count(), 0);
    }

    #[test]
    fn strings_decode_like_serde_json() {
        for raw in [
            r#"plain"#,
            r#"a\"b"#,
            r#"https:\/\/x\/y"#,
            r#"\\\\\"\b\f\n\r\t"#,
            r#"Jos\u00e9 \u00E9\ud83d\ude00!"#,
            r#"\u0000x"#,
        ] {
            let expected: String = serde_json::from_str(&format!("\"{raw}\"")).unwrap();
            assert_eq!(unescape(raw).unwrap(), expected, "{raw}");
            let row = format!("[[\"{raw}\",\"{}\"]]", raw.repeat(20));
            let rows: Vec<_> = JsonRows::new(&row).collect::<Result<_, _>>().unwrap();
            assert_eq!(rows[0][0].as_str(), expected, "{raw}");
            assert_eq!(rows[0][1].as_str(), expected.repeat(20), "{raw}");
        }
        for raw in [
            r#"\x"#,
            r#"\u12"#,
            r#"\ud83d"#,
            r#"\ud83dx\ude00"#,
            r#"\ude00"#,
            r#"a\"#,
            r#"\u00g0"#,
        ] {
            assert!(unescape(raw).is_err(), "{raw}");
            let row = format!("[[\"{raw}\"]]");
            assert!(JsonRows::new(&row).next().unwrap().is_err(), "{raw}");
            assert!(
                serde_json::from_str::<String>(&format!("\"{raw}\"")).is_err(),
                "{raw}"
            );
        }
        let text = "0123456789abcdef0123456789abcdef0123456789\"";
        for from in 0..text.len() {
            let b = text.as_bytes();
            let expected = b[from..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\')
                .map(|p| from + p);
            assert_eq!(find_quote_or_backslash(b, from), expected, "{from}");
            assert_eq!(
                find_quote_or_backslash(&b[..b.len() - 1], from),
                None,
                "{from}"
            );
        }
    }

    #[test]
    fn skipping_finds_the_end_of_the_rows() {
        for (src, len) in [
            ("[]", 2),
            ("[ ] ,", 3),
            ("[[\"a\\\"]\",1],[]],\"x\":1}", 15),
            ("[[\"a\"]]}", 7),
        ] {
            assert_eq!(JsonRows::new(src).skip_array(), Some(len), "{src}");
        }
        for src in ["[[{\"a\":1}]]", "{}", "[1]", "[[\"a\""] {
            assert_eq!(JsonRows::new(src).skip_array(), None, "{src}");
        }
    }

    fn cells(table: &ReportTable<'_>) -> Result<Vec<Vec<String>>> {
        table
            .rows()
            .map(|r| r.map(|r| r.cells.iter().map(|c| c.to_string()).collect()))
            .collect()
    }

    #[test]
    fn header_in_any_order_and_the_fast_path_agree() {
        let php = r#"{"result":"success","error":"","total_results":"2","title":"t","columns":["a","b"],"results":[["1","x"],["2","y\"z"]]}"#;
        let reordered = r#" { "results" : [ ["1", "x"] , ["2","y\"z"] ] , "columns":["a","b"], "total_results":2, "title":"t", "extra": {"k":[1,2]}, "result":"success"} "#;
        let no_title = r#"{"result":"success","error":"","total_results":2,"columns":["a","b"],"results":[["1","x"],["2","y\"z"]],"more":[1]}"#;
        for body in [php, reordered, no_title] {
            let t = decode(body.as_bytes()).unwrap();
            assert_eq!(t.total_results(), Some(2), "{body}");
            assert_eq!(t.columns, ["a", "b"], "{body}");
            assert_eq!(cells(&t).unwrap(), [["1", "x"], ["2", "y\"z"]], "{body}");
        }
        assert_eq!(decode(no_title.as_bytes()).unwrap().title, None);
        assert!(matches!(
            decode(php.as_bytes()).unwrap().rows,
            Rows::Json(_, _, Tail::Document)
        ));
        assert!(matches!(
            decode(reordered.as_bytes()).unwrap().rows,
            Rows::Json(_, _, Tail::Exact)
        ));
    }

    #[test]
    fn malformed_documents() {
        let head = r#"{"result":"success","error":"","total_results":1,"title":"t","columns":["a"],"results":"#;
        // Caught while decoding.
        for body in [
            "",
            "[]",
            "{",
            r#"{"result":"success","result":"success"}"#,
            r#"{"results":[["a"]],"results":[]}"#,
            r#"{"total_results":"x"}"#,
            r#"{"a":1}x"#,
            r#"{"a":1,}"#,
            r#"{"results":[["a"],]}"#,
        ] {
            assert!(
                matches!(decode(body.as_bytes()), Err(Error::Decode(_))),
                "{body}"
            );
        }
        // The fast path checks the tail as the rows are read.
        for tail in [
            r#"[["a"]],"title":["again"]}"#,
            r#"[["a"]],"x":[1,]}"#,
            r#"[["a"]] "x"]}"#,
            r#"[["a"]]]}"#,
        ] {
            let body = format!("{head}{tail}");
            let t = decode(body.as_bytes()).unwrap();
            assert!(cells(&t).is_err(), "{body}");
        }
        // Other endings take the slow path, which reads the whole document first.
        for tail in [
            r#"[["a"]],"title":"again"}"#,
            r#"[["a"]],"x":}"#,
            r#"[["a"]"#,
        ] {
            let body = format!("{head}{tail}");
            assert!(
                matches!(decode(body.as_bytes()), Err(Error::Decode(_))),
                "{body}"
            );
        }
        let ok = format!("{head}[[\"a\"]],\"unknown\":[[1]]}}\n");
        assert_eq!(cells(&decode(ok.as_bytes()).unwrap()).unwrap(), [["a"]]);
        let Err(Error::Decode(e)) = decode(b"{\"result\":\"success\",\n\"title\": x}") else {
            panic!()
        };
        assert_eq!(
            e.position,
            Position::LineColumn {
                line: 2,
                column: 10
            }
        );
    }

    #[test]
    fn server_errors() {
        let e = decode(br#"{"result":"error","error":"Invalid API key"}"#).unwrap_err();
        assert!(
            matches!(e, Error::Server { ref message } if message == "Invalid API key"),
            "{e:?}"
        );
    }
}
