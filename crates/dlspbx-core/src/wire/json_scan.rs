//! The one hand-written JSON scanner: tokens over the text of a body, for the readers that
//! cannot go through `serde_json` (the report rows, the clients' streaming export, the
//! simulator's request bodies).
//!
//! A [`Scanner`] yields [`Token`]s and knows nothing of the grammar beyond nesting depth: its
//! callers know what they expect next and say so in their errors. Strings are borrowed from
//! the text, escapes and all ([`JsonStr`]), and decoded only when asked; numbers are kept as
//! the text they were written in (strict RFC 8259 syntax). The same code reads a whole body
//! or a prefix of one: fed a prefix ([`Scanner::new`] with `last` false), a token cut by the
//! end of the text is [`ErrorKind::NeedMore`], not an error, and the caller keeps the text
//! from the token's start and tries again when more has arrived.

use std::borrow::Cow;
use std::fmt;

/// The deepest nesting of arrays and objects a [`Scanner`] accepts (PHP's `json_decode`
/// default).
pub const MAX_DEPTH: usize = 512;

/// One JSON token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// `{`
    ObjectStart,
    /// `}`
    ObjectEnd,
    /// `[`
    ArrayStart,
    /// `]`
    ArrayEnd,
    /// `:`
    Colon,
    /// `,`
    Comma,
    /// A string, undecoded.
    Str(JsonStr<'a>),
    /// A number, as written.
    Number(&'a str),
    /// `true` or `false`.
    Bool(bool),
    /// `null`
    Null,
}

/// A string token: its text between the quotes, borrowed and still escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonStr<'a> {
    raw: &'a str,
    /// The offset of `raw` in the scanned text.
    offset: usize,
    escaped: bool,
}

/// Why a [`Scanner`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text ends inside a token and more may follow (a scanner with `last` false).
    NeedMore,
    /// A byte that starts no token; with [`ScanError::or_expected`], what the caller wanted.
    Expected(&'static str),
    /// The text ends inside a string.
    UnterminatedString,
    /// A malformed escape in a string, and why.
    Escape(&'static str),
    /// An unescaped control character in a string ([`JsonStr::check_controls`]).
    Control,
    /// A number with a leading zero (`01`).
    LeadingZero,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A `,` before the `]` or `}` that closes an array or object (for callers to report).
    TrailingComma,
}

/// A scanning error: what went wrong, at a byte offset in the scanned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanError {
    /// The byte offset in the scanned text.
    pub offset: usize,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl ScanError {
    /// Names what the caller expected where the text has a byte that starts no token.
    #[must_use]
    pub fn or_expected(mut self, what: &'static str) -> Self {
        if self.kind == ErrorKind::Expected("a JSON value") {
            self.kind = ErrorKind::Expected(what);
        }
        self
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::NeedMore => f.write_str("unexpected end of input"),
            ErrorKind::Expected(what) => write!(f, "expected {what}"),
            ErrorKind::UnterminatedString => f.write_str("unterminated string"),
            ErrorKind::Escape(why) => write!(f, "invalid string: {why}"),
            ErrorKind::Control => f.write_str("control character in string (escape it)"),
            ErrorKind::LeadingZero => f.write_str("a number must not have leading zeros"),
            ErrorKind::TooDeep => write!(f, "nesting deeper than {MAX_DEPTH} levels"),
            ErrorKind::TrailingComma => f.write_str("trailing comma"),
        }
    }
}

/// A tokenizer over JSON text (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Scanner<'a> {
    src: &'a str,
    pos: usize,
    /// Where the last token (or error) started.
    start: usize,
    depth: usize,
    /// `src` is the whole input: nothing follows it.
    last: bool,
}

impl<'a> Scanner<'a> {
    /// A scanner over `src`, the whole input when `last`, else a prefix of it.
    pub fn new(src: &'a str, last: bool) -> Self {
        Scanner {
            src,
            pos: 0,
            start: 0,
            depth: 0,
            last,
        }
    }

    /// Starts at nesting `depth` (a caller resuming in the middle of a value).
    #[must_use]
    pub fn at_depth(mut self, depth: usize) -> Self {
        self.depth = depth;
        self
    }

    /// The text scanned.
    pub fn src(&self) -> &'a str {
        self.src
    }

    /// The offset of the next byte to scan. After [`ErrorKind::NeedMore`] in a string, how far
    /// the string's text is complete (a caller skipping the string may drop the text up to
    /// there).
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Where the last token returned (or the last error) starts.
    pub fn token_start(&self) -> usize {
        self.start
    }

    /// The arrays and objects open.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Skips whitespace and returns the next byte without consuming it.
    #[inline(always)]
    pub fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.start = self.pos;
        self.src.as_bytes().get(self.pos).copied()
    }

    #[inline(always)]
    fn skip_ws(&mut self) {
        let b = self.src.as_bytes();
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(self.pos) {
            self.pos += 1;
        }
    }

    /// Whether the next byte (whitespace not skipped) is `c`.
    #[inline(always)]
    fn at(&self, c: u8) -> bool {
        self.src.as_bytes().get(self.pos) == Some(&c)
    }

    /// Consumes the next byte when it is `c` (a `,`, `:`, `]` or `}`), after whitespace: a
    /// shortcut for [`next_token`](Self::next_token) where one token is expected.
    #[inline(always)]
    pub fn eat(&mut self, c: u8) -> bool {
        if !self.at(c) {
            self.skip_ws();
            if !self.at(c) {
                self.start = self.pos;
                return false;
            }
        }
        self.pos += 1;
        if matches!(c, b']' | b'}') {
            self.depth = self.depth.saturating_sub(1);
        }
        true
    }

    /// The next token when it is a complete string without escapes (the hot case of report
    /// cells): its text. Otherwise `None`, and nothing is consumed but whitespace.
    #[inline(always)]
    pub fn plain_str(&mut self) -> Option<&'a str> {
        if !self.at(b'"') {
            self.skip_ws();
            if !self.at(b'"') {
                return None;
            }
        }
        let from = self.pos + 1;
        let b = self.src.as_bytes();
        let at = crate::report::scan::find2(b, from, b'"', b'\\')?;
        if b.get(at) != Some(&b'"') {
            return None;
        }
        self.pos = at + 1;
        Some(&self.src[from..at])
    }

    /// An error of `kind` at `offset`.
    pub fn error(&self, offset: usize, kind: ErrorKind) -> ScanError {
        ScanError { offset, kind }
    }

    /// "expected `what`" at the start of the last token.
    pub fn expected(&self, what: &'static str) -> ScanError {
        self.error(self.start, ErrorKind::Expected(what))
    }

    /// The error for text that is not `what` at the scanner (after a failed [`eat`](Self::eat)
    /// or [`peek`](Self::peek)): "expected `what`" at the next token, or
    /// [`ErrorKind::NeedMore`] where the text ends first.
    #[cold]
    pub fn unexpected(&mut self, what: &'static str) -> ScanError {
        match self.expect_token(what) {
            Ok(_) => self.expected(what),
            Err(e) => e,
        }
    }

    /// The next token, where the caller expects `what`: the end of the text and a byte that
    /// starts no token are "expected `what`".
    #[inline(always)]
    pub fn expect_token(&mut self, what: &'static str) -> Result<Token<'a>, ScanError> {
        match self.next_token() {
            Ok(Some(t)) => Ok(t),
            Ok(None) => Err(self.expected(what)),
            Err(e) => Err(e.or_expected(what)),
        }
    }

    /// The next token, or `None` at the end of the whole text (only whitespace left; the end
    /// of a prefix is [`ErrorKind::NeedMore`]).
    #[inline(always)]
    pub fn next_token(&mut self) -> Result<Option<Token<'a>>, ScanError> {
        let Some(c) = self.peek() else {
            return if self.last {
                Ok(None)
            } else {
                Err(self.error(self.pos, ErrorKind::NeedMore))
            };
        };
        let start = self.pos;
        self.pos += 1;
        Ok(Some(match c {
            b'"' => return self.string(start).map(Some),
            b',' => Token::Comma,
            b':' => Token::Colon,
            b'[' | b'{' => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    self.pos = start;
                    return Err(self.error(start, ErrorKind::TooDeep));
                }
                if c == b'[' {
                    Token::ArrayStart
                } else {
                    Token::ObjectStart
                }
            }
            b']' | b'}' => {
                self.depth = self.depth.saturating_sub(1);
                if c == b']' {
                    Token::ArrayEnd
                } else {
                    Token::ObjectEnd
                }
            }
            b'-' | b'0'..=b'9' => return self.number(start).map(Some),
            b't' => self.literal(start, "true", Token::Bool(true))?,
            b'f' => self.literal(start, "false", Token::Bool(false))?,
            b'n' => self.literal(start, "null", Token::Null)?,
            _ => {
                self.pos = start;
                return Err(self.expected("a JSON value"));
            }
        }))
    }

    /// The text ended inside the token at `start`.
    #[cold]
    fn cut(&mut self, start: usize, kind: ErrorKind) -> ScanError {
        if self.last {
            self.error(self.src.len(), kind)
        } else {
            self.error(start, ErrorKind::NeedMore)
        }
    }

    #[inline(always)]
    fn string(&mut self, start: usize) -> Result<Token<'a>, ScanError> {
        let b = self.src.as_bytes();
        let from = start + 1;
        let mut i = from;
        let mut escaped = false;
        loop {
            match crate::report::scan::find2(b, i, b'"', b'\\') {
                Some(at) if b[at] == b'"' => {
                    self.pos = at + 1;
                    return Ok(Token::Str(JsonStr {
                        raw: &self.src[from..at],
                        offset: from,
                        escaped,
                    }));
                }
                Some(at) if at + 1 < b.len() => {
                    escaped = true;
                    i = at + 2;
                }
                found => {
                    // Complete up to the backslash that ends the text, or to its end.
                    self.pos = found.unwrap_or(b.len());
                    return Err(self.cut(start, ErrorKind::UnterminatedString));
                }
            }
        }
    }

    #[inline(never)]
    fn number(&mut self, start: usize) -> Result<Token<'a>, ScanError> {
        let b = self.src.as_bytes();
        let mut i = start + usize::from(b[start] == b'-');
        let digits = |i: &mut usize| {
            let from = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - from
        };
        let expected = |s: &mut Self, i: usize, what| {
            if i == b.len() {
                s.cut(start, ErrorKind::Expected(what))
            } else {
                s.error(i, ErrorKind::Expected(what))
            }
        };
        match b.get(i) {
            Some(b'0') => {
                i += 1;
                if b.get(i).is_some_and(u8::is_ascii_digit) {
                    return Err(self.error(i, ErrorKind::LeadingZero));
                }
            }
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            _ => return Err(expected(self, i, "a digit")),
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                return Err(expected(self, i, "a digit after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return Err(expected(self, i, "a digit in the exponent"));
            }
        }
        if i == b.len() && !self.last {
            // More digits may follow.
            return Err(self.cut(start, ErrorKind::NeedMore));
        }
        self.pos = i;
        Ok(Token::Number(&self.src[start..i]))
    }

    #[inline(never)]
    fn literal(
        &mut self,
        start: usize,
        word: &str,
        token: Token<'a>,
    ) -> Result<Token<'a>, ScanError> {
        let rest = &self.src.as_bytes()[start..];
        if rest.starts_with(word.as_bytes()) {
            self.pos = start + word.len();
            return Ok(token);
        }
        self.pos = start;
        if word.as_bytes().starts_with(rest) && !self.last {
            return Err(self.error(start, ErrorKind::NeedMore));
        }
        Err(self.expected("a JSON value"))
    }
}

impl<'a> JsonStr<'a> {
    /// The text between the quotes, escapes as written.
    pub fn raw(self) -> &'a str {
        self.raw
    }

    /// Whether the text holds an escape (decoding it copies).
    pub fn is_escaped(self) -> bool {
        self.escaped
    }

    /// The string's value: borrowed when it has no escape.
    #[inline]
    pub fn decode(self) -> Result<Cow<'a, str>, ScanError> {
        if !self.escaped {
            return Ok(Cow::Borrowed(self.raw));
        }
        self.unescape().map(Cow::Owned)
    }

    #[inline(never)]
    fn unescape(self) -> Result<String, ScanError> {
        let b = self.raw.as_bytes();
        let mut out = String::with_capacity(b.len());
        let mut i = 0;
        while let Some(at) = crate::report::scan::find2(b, i, b'\\', b'\\') {
            out.push_str(&self.raw[i..at]);
            let (ch, next) = decode_escape(b, at).map_err(|why| ScanError {
                offset: self.offset + at,
                kind: ErrorKind::Escape(why),
            })?;
            out.push(ch);
            i = next;
        }
        out.push_str(&self.raw[i..]);
        Ok(out)
    }

    /// Refuses an unescaped control character (U+0000 to U+001F), as RFC 8259 does.
    pub fn check_controls(self) -> Result<(), ScanError> {
        match self.raw.bytes().position(|c| c < 0x20) {
            Some(at) => Err(ScanError {
                offset: self.offset + at,
                kind: ErrorKind::Control,
            }),
            None => Ok(()),
        }
    }
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
    let ch = match b.get(at + 1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => {
            let hi = hex4(b, at + 2).ok_or("expected four hex digits after \\u")?;
            let (code, next) = match hi {
                0xD800..=0xDBFF => {
                    let lo = (b.get(at + 6..at + 8) == Some(b"\\u"))
                        .then(|| hex4(b, at + 8))
                        .flatten();
                    match lo {
                        Some(lo @ 0xDC00..=0xDFFF) => {
                            (0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), at + 12)
                        }
                        _ => return Err("lone leading surrogate in hex escape"),
                    }
                }
                0xDC00..=0xDFFF => return Err("lone trailing surrogate in hex escape"),
                code => (code, at + 6),
            };
            return char::from_u32(code)
                .map(|ch| (ch, next))
                .ok_or("invalid unicode code point");
        }
        _ => return Err("invalid escape"),
    };
    Ok((ch, at + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(src: &str, last: bool) -> Result<Vec<Token<'_>>, ScanError> {
        let mut sc = Scanner::new(src, last);
        let mut out = Vec::new();
        loop {
            match sc.next_token() {
                Ok(Some(t)) => out.push(t),
                Ok(None) => return Ok(out),
                Err(e) if e.kind == ErrorKind::NeedMore && e.offset == src.len() => return Ok(out),
                Err(e) => return Err(e),
            }
        }
    }

    #[test]
    fn tokens_of_a_document() {
        let t = tokens(r#" {"a" : [1, -2.5e3, true, false, null, "x\ny"]} "#, true).unwrap();
        assert_eq!(t.len(), 17);
        assert_eq!(t[0], Token::ObjectStart);
        let Token::Str(key) = t[1] else { panic!() };
        assert_eq!((key.raw(), key.is_escaped()), ("a", false));
        assert_eq!(t[6], Token::Number("-2.5e3"));
        let Token::Str(s) = t[14] else { panic!() };
        assert_eq!(s.raw(), "x\\ny");
        assert_eq!(s.decode().unwrap(), "x\ny");
        assert_eq!(t[16], Token::ObjectEnd);
    }

    #[test]
    fn a_cut_token_needs_more_unless_the_text_is_last() {
        for src in ["\"ab", "\"ab\\", "12", "-", "1.", "1e+", "tr", "fals", "n"] {
            let e = tokens(src, false).unwrap_err();
            assert_eq!((e.kind, e.offset), (ErrorKind::NeedMore, 0), "{src}");
            assert_eq!(
                tokens(&format!("[{src}"), true).is_err(),
                src != "12",
                "{src}"
            );
        }
        assert_eq!(tokens("12", true).unwrap(), [Token::Number("12")]);
        assert_eq!(tokens("12 ", false).unwrap(), [Token::Number("12")]);
        // A skipped string may drop its text up to `pos`.
        let mut sc = Scanner::new("\"abc\\", false);
        assert!(sc.next_token().is_err());
        assert_eq!(sc.pos(), 4);
        for bad in ["01", "1.x", "+1", "1e", "-x", "trux", "x"] {
            let e = tokens(bad, true).unwrap_err();
            assert_ne!(e.kind, ErrorKind::NeedMore, "{bad}");
        }
    }

    #[test]
    fn depth_is_capped() {
        let ok = "[".repeat(MAX_DEPTH);
        assert!(tokens(&ok, true).is_ok());
        let e = tokens(&format!("{ok}["), true).unwrap_err();
        assert_eq!((e.kind, e.offset), (ErrorKind::TooDeep, MAX_DEPTH));
    }

    #[test]
    fn escapes_and_controls() {
        let s = |src: &'static str| match tokens(src, true).unwrap()[0] {
            Token::Str(s) => s,
            _ => panic!(),
        };
        assert_eq!(s(r#""\ud83d\ude00\u00e9""#).decode().unwrap(), "😀é");
        let e = s(r#""ab\q""#).decode().unwrap_err();
        assert_eq!((e.offset, e.kind), (3, ErrorKind::Escape("invalid escape")));
        let e = s("\"a\tb\"").check_controls().unwrap_err();
        assert_eq!((e.offset, e.kind), (2, ErrorKind::Control));
        assert!(matches!(s(r#""\"""#).decode(), Ok(Cow::Owned(_))));
        assert!(matches!(
            s(r#""plain""#).decode(),
            Ok(Cow::Borrowed("plain"))
        ));
    }
}
