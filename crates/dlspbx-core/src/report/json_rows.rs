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
    src: &'a str,
    /// The offset of `src` in the body, for error positions.
    base: usize,
    pos: usize,
    started: bool,
    done: bool,
    /// Cells per row seen so far, to pre-size the next row.
    width: usize,
    tail: Tail,
    /// What errors are about (`report results`).
    context: &'static str,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

impl<'a> JsonRows<'a> {
    #[cfg(test)]
    pub(crate) fn new(src: &'a str) -> Self {
        Self::with_tail(src, 0, Tail::Exact)
    }

    pub(crate) fn with_tail(src: &'a str, base: usize, tail: Tail) -> Self {
        JsonRows {
            src,
            base,
            pos: 0,
            started: false,
            done: false,
            width: 0,
            tail,
            context: "report results",
        }
    }

    #[cold]
    fn err(&mut self, msg: &str) -> DecodeError {
        self.done = true;
        DecodeError::new(
            Format::Json,
            Position::Offset(self.base + self.pos),
            format!("{}: {msg}", self.context),
        )
    }

    #[inline]
    fn skip_ws(&mut self) {
        let b = self.src.as_bytes();
        while self.pos < b.len() && is_ws(b[self.pos]) {
            self.pos += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    /// Reads the row at `[` into `cells` (cleared first). With `decode` false, escaped
    /// strings are pushed as empty cells instead of being decoded (for skipping).
    fn row(&mut self, cells: &mut Vec<Str<'a>>, decode: bool) -> Result<(), DecodeError> {
        // At '['.
        self.pos += 1;
        cells.clear();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let src = self.src;
        let b = src.as_bytes();
        loop {
            // The PHP server writes `"cell","cell"`: the unescaped string is the hot path.
            if b.get(self.pos) == Some(&b'"') {
                let start = self.pos + 1;
                match find_quote_or_backslash(b, start) {
                    Some(end) if b[end] == b'"' => {
                        cells.push(Str(Cow::Borrowed(&src[start..end])));
                        self.pos = end + 1;
                    }
                    _ => cells.push(self.string(decode)?),
                }
            } else {
                self.skip_ws();
                cells.push(self.scalar(decode)?);
            }
            match b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.width = cells.len();
                    return Ok(());
                }
                _ => {
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            self.width = cells.len();
                            return Ok(());
                        }
                        _ => return Err(self.err("expected `,` or `]` after a cell")),
                    }
                }
            }
        }
    }

    /// A string cell, at its opening quote (the general case: escapes, errors): the end and
    /// the escapes are found first, so that a decoded string is allocated once and its runs
    /// copied without a second search.
    #[inline(never)]
    fn string(&mut self, decode: bool) -> Result<Str<'a>, DecodeError> {
        const KEPT: usize = 16;
        let src = self.src;
        let b = src.as_bytes();
        let start = self.pos + 1;
        let mut i = start;
        let mut escapes = [0usize; KEPT];
        let mut count = 0;
        let end = loop {
            let Some(at) = find_quote_or_backslash(b, i) else {
                self.pos = b.len();
                return Err(self.err("unterminated string"));
            };
            if b[at] == b'"' {
                break at;
            }
            if count < KEPT {
                escapes[count] = at;
            }
            count += 1;
            i = at + 2;
            if i > b.len() {
                self.pos = b.len();
                return Err(self.err("unterminated escape"));
            }
        };
        self.pos = end + 1;
        if count == 0 {
            return Ok(Str(Cow::Borrowed(&src[start..end])));
        }
        if !decode {
            return Ok(Str::default());
        }
        let decoded = if count <= KEPT {
            // Escapes only shrink the text: its length is enough room.
            let mut out = String::with_capacity(end - start);
            let mut run = start;
            let mut failed = None;
            for &at in &escapes[..count] {
                if at < run {
                    // The second half of a surrogate pair, decoded with the first.
                    continue;
                }
                out.push_str(&src[run..at]);
                match decode_escape(b, at) {
                    Ok((ch, next)) => {
                        out.push(ch);
                        run = next;
                    }
                    Err(why) => {
                        failed = Some((at - start, why));
                        break;
                    }
                }
            }
            match failed {
                None => {
                    out.push_str(&src[run..end]);
                    Ok(out)
                }
                Some(e) => Err(e),
            }
        } else {
            unescape(&src[start..end])
        };
        match decoded {
            Ok(s) => Ok(Str(Cow::Owned(s))),
            Err((at, why)) => {
                self.pos = start + at;
                Err(self.err(&format!("invalid string: {why}")))
            }
        }
    }

    fn scalar(&mut self, decode: bool) -> Result<Str<'a>, DecodeError> {
        let src = self.src;
        let b = src.as_bytes();
        match self.peek() {
            Some(b'"') => self.string(decode),
            Some(b'n') if src[self.pos..].starts_with("null") => {
                self.pos += 4;
                Ok(Str::default())
            }
            Some(b't') if src[self.pos..].starts_with("true") => {
                self.pos += 4;
                Ok(Str::from("1"))
            }
            Some(b'f') if src[self.pos..].starts_with("false") => {
                self.pos += 5;
                Ok(Str::from("0"))
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let start = self.pos;
                while self.pos < b.len()
                    && matches!(b[self.pos], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    self.pos += 1;
                }
                Ok(Str(Cow::Borrowed(&src[start..self.pos])))
            }
            _ => Err(self.err("expected a string, number, boolean or null cell")),
        }
    }

    /// After the closing `]` of `results`: checks what follows, per [`Tail`].
    fn finish(&mut self) -> Result<(), DecodeError> {
        self.done = true;
        match self.tail {
            Tail::Exact => {
                self.skip_ws();
                if self.pos == self.src.len() {
                    Ok(())
                } else {
                    Err(self.err("unexpected text after the rows"))
                }
            }
            Tail::Document => {
                let mut top = Top {
                    src: self.src,
                    base: self.base,
                    pos: self.pos,
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
        self.advance(cells, true)
    }

    fn advance(
        &mut self,
        cells: &mut Vec<Str<'a>>,
        decode: bool,
    ) -> Option<Result<(), DecodeError>> {
        if self.done {
            return None;
        }
        self.skip_ws();
        if !self.started {
            self.started = true;
            match self.peek() {
                Some(b'[') => self.pos += 1,
                // PHP writes a list with holes as an object; rows are then `"n": [...]`.
                Some(b'{') => {
                    return Some(Err(
                        self.err("results as an object are not supported; expected an array")
                    ));
                }
                _ => return Some(Err(self.err("expected an array of rows"))),
            }
            self.skip_ws();
            if self.peek() == Some(b']') {
                self.pos += 1;
                return self.finish().err().map(Err);
            }
        } else {
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    return self.finish().err().map(Err);
                }
                _ => return Some(Err(self.err("expected `,` or `]` after a row"))),
            }
        }
        match self.peek() {
            Some(b'[') => Some(self.row(cells, decode)),
            _ => Some(Err(self.err("expected a row (an array of cells)"))),
        }
    }

    /// Scans to the end of the `results` array (not its tail) without decoding escaped
    /// cells: the length of the array's text, or `None` when it is not an array of rows of
    /// scalars.
    fn skip_array(mut self) -> Option<usize> {
        let mut cells = Vec::new();
        self.skip_ws();
        if self.peek() != Some(b'[') {
            return None;
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            return Some(self.pos + 1);
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'[') {
                return None;
            }
            self.row(&mut cells, false).ok()?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => return Some(self.pos + 1),
                _ => return None,
            }
        }
    }
}

/// The position of the first `"` or `\\` in `b` from `from`.
#[inline(always)]
fn find_quote_or_backslash(b: &[u8], from: usize) -> Option<usize> {
    super::scan::find2(b, from, b'"', b'\\')
}

/// Four hex digits at `at`.
fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at + 4)?;
    digits
        .iter()
        .try_fold(0u32, |acc, &d| Some(acc * 16 + char::from(d).to_digit(16)?))
}

/// Decodes the escape at `at` (a backslash): the character and the offset after the escape.
fn decode_escape(b: &[u8], at: usize) -> Result<(char, usize), &'static str> {
    let Some(&c) = b.get(at + 1) else {
        return Err("unterminated escape");
    };
    let ch = match c {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hi = hex4(b, at + 2).ok_or("expected four hex digits after \\u")?;
            let code = match hi {
                0xD800..=0xDBFF => {
                    let lo = (b.get(at + 6..at + 8) == Some(b"\\u"))
                        .then(|| hex4(b, at + 8))
                        .flatten();
                    match lo {
                        Some(lo @ 0xDC00..=0xDFFF) => {
                            let ch =
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
                            return ch
                                .map(|ch| (ch, at + 12))
                                .ok_or("invalid unicode code point");
                        }
                        _ => return Err("lone leading surrogate in hex escape"),
                    }
                }
                0xDC00..=0xDFFF => return Err("lone trailing surrogate in hex escape"),
                code => code,
            };
            return char::from_u32(code)
                .map(|ch| (ch, at + 6))
                .ok_or("invalid unicode code point");
        }
        _ => return Err("invalid escape"),
    };
    Ok((ch, at + 2))
}

/// Decodes the text of a JSON string (between its quotes) that holds escapes; on failure, the
/// offset of the bad escape and why. Cells are short: a byte loop beats `memchr`'s set-up.
fn unescape(raw: &str) -> Result<String, (usize, &'static str)> {
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| c == b'\\') {
        let at = i + off;
        out.push_str(&raw[i..at]);
        let (ch, next) = decode_escape(b, at).map_err(|why| (at, why))?;
        out.push(ch);
        i = next;
    }
    out.push_str(&raw[i..]);
    Ok(out)
}

/// Decodes one report row written as a JSON array of scalars (`["a",1,null,true]`) exactly as
/// [`ReportTable::rows`] decodes each row of a JSON report: strings borrowed from `text`
/// unless escaped, numbers as written, `null` as `""`, booleans as `1`/`0`. For decoders that
/// find the rows themselves (the clients' streaming export); errors are at byte offsets in
/// `text`.
pub fn decode_json_row(text: &str) -> std::result::Result<Vec<Str<'_>>, DecodeError> {
    let mut scan = JsonRows::with_tail(text, 0, Tail::Exact);
    scan.context = "row";
    scan.skip_ws();
    if scan.peek() != Some(b'[') {
        return Err(scan.err("expected an array of cells"));
    }
    let mut cells = Vec::new();
    scan.row(&mut cells, true)?;
    scan.skip_ws();
    if scan.pos != text.len() {
        return Err(scan.err("unexpected text after the row"));
    }
    Ok(cells)
}

/// Decodes one JSON scalar as a report cell, like the cells of [`decode_json_row`].
pub fn decode_json_cell(text: &str) -> std::result::Result<Str<'_>, DecodeError> {
    let mut scan = JsonRows::with_tail(text, 0, Tail::Exact);
    scan.context = "value";
    scan.skip_ws();
    let cell = scan.scalar(true)?;
    scan.skip_ws();
    if scan.pos != text.len() {
        return Err(scan.err("expected a single string, number, boolean or null"));
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
        while self.pos < b.len() && is_ws(b[self.pos]) {
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
        total: std::sync::OnceLock::from(total.flatten().unwrap_or(0)),
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
            assert_eq!(t.total_results(), 2, "{body}");
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
