//! A purpose-built scanner over the report's JSON `results`: an array of arrays of scalars.
//! Unescaped strings are borrowed from the body; escaped ones are decoded by `serde_json`.

use crate::error::{DecodeError, Position};
use crate::format::Format;
use crate::wire::Str;
use std::borrow::Cow;

/// Yields one row (a list of cells) at a time from a raw JSON array of arrays.
#[derive(Debug)]
pub(crate) struct JsonRows<'a> {
    src: &'a str,
    pos: usize,
    started: bool,
    done: bool,
    /// Cells per row seen so far, to pre-size the next row.
    width: usize,
}

impl<'a> JsonRows<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        JsonRows { src, pos: 0, started: false, done: false, width: 0 }
    }

    fn err(&mut self, msg: &str) -> DecodeError {
        self.done = true;
        DecodeError::new(Format::Json, Position::Offset(self.pos), format!("report results: {msg}"))
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

    fn row(&mut self) -> Result<Vec<Str<'a>>, DecodeError> {
        // At '['.
        self.pos += 1;
        let mut cells = Vec::with_capacity(self.width);
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(cells);
        }
        loop {
            self.skip_ws();
            cells.push(self.scalar()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.width = cells.len();
                    return Ok(cells);
                }
                _ => return Err(self.err("expected `,` or `]` after a cell")),
            }
        }
    }

    fn scalar(&mut self) -> Result<Str<'a>, DecodeError> {
        let src = self.src;
        let b = src.as_bytes();
        match self.peek() {
            Some(b'"') => {
                let start = self.pos + 1;
                let mut i = start;
                let mut escaped = false;
                loop {
                    match memchr::memchr2(b'"', b'\\', &b[i..]) {
                        None => return Err(self.err("unterminated string")),
                        Some(off) => {
                            let at = i + off;
                            if b[at] == b'\\' {
                                escaped = true;
                                i = at + 2;
                                if i > b.len() {
                                    return Err(self.err("unterminated escape"));
                                }
                            } else {
                                i = at;
                                break;
                            }
                        }
                    }
                }
                self.pos = i + 1;
                if escaped {
                    let s: String = serde_json::from_str(&src[start - 1..i + 1]).map_err(|e| {
                        self.pos = start;
                        self.err(&format!("invalid string: {e}"))
                    })?;
                    Ok(Str(Cow::Owned(s)))
                } else {
                    Ok(Str(Cow::Borrowed(&src[start..i])))
                }
            }
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
                while self.pos < b.len() && matches!(b[self.pos], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                    self.pos += 1;
                }
                Ok(Str(Cow::Borrowed(&src[start..self.pos])))
            }
            _ => Err(self.err("expected a string, number, boolean or null cell")),
        }
    }
}

impl<'a> Iterator for JsonRows<'a> {
    type Item = Result<Vec<Str<'a>>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.skip_ws();
        if !self.started {
            self.started = true;
            match self.peek() {
                Some(b'[') => self.pos += 1,
                // PHP writes a list with holes as an object; rows are then `"n": [...]`.
                Some(b'{') => return Some(Err(self.err("results as an object are not supported; expected an array"))),
                _ => return Some(Err(self.err("expected an array of rows"))),
            }
            self.skip_ws();
            if self.peek() == Some(b']') {
                self.done = true;
                return None;
            }
        } else {
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b']') => {
                    self.done = true;
                    return None;
                }
                _ => return Some(Err(self.err("expected `,` or `]` after a row"))),
            }
        }
        match self.peek() {
            Some(b'[') => Some(self.row()),
            _ => Some(Err(self.err("expected a row (an array of cells)"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_borrow_unescaped_cells() {
        let src = r#"[["1476370446.2","2016-10-13 09:54:06","\"Example User 1\" <123>",85,null],[]]"#;
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
        for src in ["", "[", "[[", "[[\"a\"", "[[\"a\",]", "[1]", "[[\"\\", "{}", "[[\"a\"]x]"] {
            let out: Vec<_> = JsonRows::new(src).collect();
            assert!(out.last().is_some_and(|r| r.is_err()), "{src:?} -> {out:?}");
        }
        assert_eq!(JsonRows::new("[]").count(), 0);
    }
}
