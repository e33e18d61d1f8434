//! The zero-copy reader for the block-style YAML that `yaml_emit` and our writer produce.
//!
//! The subset: optional `---` and `...` lines; block maps (`key: value`, `key:` then a more
//! indented block or a list at the same indentation) and block lists (`- value`, `- key: value`,
//! `- - a`); plain, single- and double-quoted scalars, folded over several lines or not; `[]` and
//! `{}`; comments; CRLF line ends; a leading BOM. Scalars borrow from the body unless an escape
//! or a folded line changed their text.
//!
//! Anything else (anchors, aliases, tags, block scalars, flow collections with content, explicit
//! keys, directives, more than one document, tabs, control characters, malformed input...) makes
//! [`parse`] return `None`, and the caller falls back to the full parser, so the result and the
//! errors (with their positions) stay those of the full parser. The rules here are stricter than
//! YAML's where that keeps the reader simple (a quoted key must be followed by `:` at once, a
//! folded line must be indented more than its parent block, a comment needs a space before it).

use super::{MAX_DEPTH, scalar_node};
use crate::wire::Node;
use memchr::{memchr, memchr2};
use saphyr_parser::ScalarStyle;
use std::borrow::Cow;

/// Parses `src` when it is in the subset, `None` otherwise.
pub(super) fn parse(src: &str) -> Option<Node<'_>> {
    let src = src.strip_prefix('\u{FEFF}').unwrap_or(src);
    if !clean(src.as_bytes()) {
        return None;
    }
    let mut reader = Reader {
        src,
        b: src.as_bytes(),
        pos: 0,
        depth: 0,
    };
    reader.document()
}

/// No tab, no control character but line breaks (a `\r` only before `\n`), no BOM inside.
fn clean(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {}
            b'\r' if b.get(i + 1) == Some(&b'\n') => i += 1,
            c if c < 0x20 => return false,
            0xEF if b.get(i + 1) == Some(&0xBB) && b.get(i + 2) == Some(&0xBF) => return false,
            _ => {}
        }
        i += 1;
    }
    true
}

/// One line of the body.
#[derive(Clone, Copy)]
struct Line {
    /// Where the line starts.
    start: usize,
    /// The number of leading spaces.
    indent: usize,
    /// The first character after the indentation (`end` when the line is blank).
    content: usize,
    /// The end of the line, before `\r\n` or `\n`.
    end: usize,
    /// Where the next line starts (the body's length after the last line).
    next: usize,
}

/// What ends the single-line part of a plain scalar.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// The end of the line.
    Eol,
    /// A comment (` #`).
    Comment,
    /// A mapping indicator (`: ` or `:` at the end of the line) at this offset.
    Colon(usize),
}

struct Reader<'a> {
    src: &'a str,
    b: &'a [u8],
    /// The start of the first line not yet consumed.
    pos: usize,
    /// The number of lists and maps being read.
    depth: usize,
}

impl<'a> Reader<'a> {
    fn line(&self, start: usize) -> Line {
        let b = self.b;
        let eol = memchr(b'\n', &b[start..]).map_or(b.len(), |k| start + k);
        let next = if eol < b.len() { eol + 1 } else { eol };
        let end = if eol > start && b[eol - 1] == b'\r' {
            eol - 1
        } else {
            eol
        };
        let mut content = start;
        while content < end && b[content] == b' ' {
            content += 1;
        }
        Line {
            start,
            indent: content - start,
            content,
            end,
            next,
        }
    }

    /// Consumes blank and comment lines; returns the next line with content, not consumed.
    fn skip_blank(&mut self) -> Option<Line> {
        while self.pos < self.b.len() {
            let l = self.line(self.pos);
            if l.content < l.end && self.b[l.content] != b'#' {
                return Some(l);
            }
            self.pos = l.next;
        }
        None
    }

    /// True when `l` is the document marker `---` or `...`.
    fn is_marker(&self, l: &Line, marker: &[u8; 3]) -> bool {
        l.indent == 0
            && self.b[l.content..l.end].starts_with(marker)
            && (l.content + 3 == l.end || self.b[l.content + 3] == b' ')
    }

    /// True when only spaces, then the end of the line or a comment, follow `from`.
    fn trailing_ok(&self, from: usize, end: usize) -> bool {
        let b = self.b;
        let mut i = from;
        while i < end && b[i] == b' ' {
            i += 1;
        }
        i >= end || (b[i] == b'#' && i > 0 && b[i - 1] == b' ')
    }

    /// True when a list entry (`-` then a space or the end of the line) starts at `at`.
    fn is_entry(&self, at: usize, end: usize) -> bool {
        self.b[at] == b'-' && (at + 1 == end || self.b[at + 1] == b' ')
    }

    /// True when a plain scalar may start at `at`.
    fn plain_start(&self, at: usize, end: usize) -> bool {
        match self.b[at] {
            b'-' | b'?' | b':' => at + 1 < end && self.b[at + 1] != b' ',
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' => false,
            _ => true,
        }
    }

    /// The end of the text of the plain scalar at `at` on this line (trailing spaces removed),
    /// and what stopped it.
    fn plain_line(&self, at: usize, end: usize) -> (usize, Stop) {
        let b = self.b;
        let mut i = at;
        let (stop_at, stop) = loop {
            let Some(k) = memchr2(b':', b'#', &b[i..end]) else {
                break (end, Stop::Eol);
            };
            let j = i + k;
            if b[j] == b':' {
                if j + 1 == end || b[j + 1] == b' ' {
                    break (j, Stop::Colon(j));
                }
            } else if j > at && b[j - 1] == b' ' {
                break (j, Stop::Comment);
            }
            i = j + 1;
        };
        let mut text_end = stop_at;
        while text_end > at && b[text_end - 1] == b' ' {
            text_end -= 1;
        }
        (text_end, stop)
    }

    fn enter(&mut self) -> Option<()> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        Some(())
    }

    fn document(&mut self) -> Option<Node<'a>> {
        let first = self.skip_blank()?;
        if self.b[first.content] == b'%' || self.is_marker(&first, b"...") {
            return None;
        }
        let root = if self.is_marker(&first, b"---") {
            self.pos = first.next;
            let mut at = first.content + 3;
            if self.trailing_ok(at, first.end) {
                let l = self.skip_blank()?;
                if self.is_marker(&l, b"---") || self.is_marker(&l, b"...") {
                    return None;
                }
                self.node(l, l.content, -1)?
            } else {
                while self.b[at] == b' ' {
                    at += 1;
                }
                self.inline_value(first, at, -1)?
            }
        } else {
            self.node(first, first.content, -1)?
        };
        match self.skip_blank() {
            None => Some(root),
            Some(l) if self.is_marker(&l, b"...") && self.trailing_ok(l.content + 3, l.end) => {
                self.pos = l.next;
                self.skip_blank().is_none().then_some(root)
            }
            Some(_) => None,
        }
    }

    /// A block node starting at `at` on line `l` (the start of its content or after `- `);
    /// `parent` is the indentation of the enclosing block (-1 at the root).
    fn node(&mut self, l: Line, at: usize, parent: isize) -> Option<Node<'a>> {
        self.pos = l.next;
        if self.is_entry(at, l.end) {
            return self.seq(l, at);
        }
        match self.key(at, l.end)? {
            Some(key) => self.map(l, at, key),
            None => self.inline_value(l, at, parent),
        }
    }

    /// A block list whose first `-` is at `at` on line `l`.
    fn seq(&mut self, mut l: Line, mut at: usize) -> Option<Node<'a>> {
        self.enter()?;
        let col = at - l.start;
        let mut items = Vec::new();
        loop {
            self.pos = l.next;
            let mut c = at + 1;
            while c < l.end && self.b[c] == b' ' {
                c += 1;
            }
            let item = if self.trailing_ok(c, l.end) {
                match self.skip_blank() {
                    Some(n) if n.indent > col => self.node(n, n.content, col as isize)?,
                    _ => Node::Null,
                }
            } else {
                self.node(l, c, col as isize)?
            };
            items.push(item);
            match self.skip_blank() {
                Some(n) if n.indent == col && self.is_entry(n.content, n.end) => {
                    l = n;
                    at = n.content;
                }
                Some(n) if n.indent > col => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        Some(Node::Seq(items))
    }

    /// A block map whose first key (already read, with the offset after its `:`) is at `at`.
    fn map(&mut self, mut l: Line, at: usize, first: (Cow<'a, str>, usize)) -> Option<Node<'a>> {
        self.enter()?;
        let col = at - l.start;
        let mut entries = Vec::new();
        let (mut key, mut after) = first;
        loop {
            self.pos = l.next;
            let mut c = after;
            while c < l.end && self.b[c] == b' ' {
                c += 1;
            }
            let value = if self.trailing_ok(c, l.end) {
                match self.skip_blank() {
                    Some(n) if n.indent > col => self.node(n, n.content, col as isize)?,
                    // `yaml_emit` does not indent a list under its key.
                    Some(n) if n.indent == col && self.is_entry(n.content, n.end) => {
                        self.seq(n, n.content)?
                    }
                    _ => Node::Null,
                }
            } else {
                self.inline_value(l, c, col as isize)?
            };
            entries.push((key, value));
            match self.skip_blank() {
                Some(n) if n.indent == col && !self.is_marker(&n, b"...") => {
                    if self.is_marker(&n, b"---") {
                        return None;
                    }
                    (key, after) = self.key(n.content, n.end)??;
                    l = n;
                }
                Some(n) if n.indent > col => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        Some(Node::Map(entries))
    }

    /// The key at `at`, with the offset after its `:`; `Some(None)` when there is no key there.
    fn key(&self, at: usize, end: usize) -> Option<Option<(Cow<'a, str>, usize)>> {
        let b = self.b;
        let q = b[at];
        if q != b'"' && q != b'\'' {
            if !self.plain_start(at, end) {
                return Some(None);
            }
            let (text_end, stop) = self.plain_line(at, end);
            let Stop::Colon(colon) = stop else {
                return Some(None);
            };
            if colon - at > 1000 {
                return None;
            }
            return Some(Some((
                Cow::Borrowed(self.src.get(at..text_end)?),
                colon + 1,
            )));
        }
        let mut i = at + 1;
        let mut escaped = false;
        loop {
            if i >= end {
                // Not closed on this line: a folded scalar, not a key.
                return Some(None);
            }
            if b[i] == q {
                if q == b'\'' && i + 1 < end && b[i + 1] == b'\'' {
                    escaped = true;
                    i += 2;
                    continue;
                }
                break;
            }
            if b[i] == b'\\' && q == b'"' {
                escaped = true;
                i += 2;
                continue;
            }
            i += 1;
        }
        let colon = i + 1;
        if colon >= end || b[colon] != b':' || (colon + 1 < end && b[colon + 1] != b' ') {
            return Some(None);
        }
        if colon - at > 1000 {
            return None;
        }
        let text = if escaped {
            let (s, after) = self.quoted_slow(at, q == b'\'', 1)?;
            if after != i + 1 {
                return None;
            }
            Cow::Owned(s)
        } else {
            Cow::Borrowed(self.src.get(at + 1..i)?)
        };
        Some(Some((text, colon + 1)))
    }

    /// A scalar, `[]` or `{}` at `at` on line `l`. Folded lines must be indented more than
    /// `parent` (and than 0).
    fn inline_value(&mut self, l: Line, at: usize, parent: isize) -> Option<Node<'a>> {
        self.pos = l.next;
        let b = self.b;
        let min = usize::try_from(parent).unwrap_or(0) + 1;
        match b[at] {
            open @ (b'[' | b'{') => {
                let close = if open == b'[' { b']' } else { b'}' };
                if b.get(at + 1) != Some(&close)
                    || !self.trailing_ok(at + 2, l.end)
                    || self.depth >= MAX_DEPTH
                {
                    return None;
                }
                Some(if open == b'[' {
                    Node::Seq(Vec::new())
                } else {
                    Node::Map(Vec::new())
                })
            }
            q @ (b'"' | b'\'') => {
                let (text, after) = self.quoted(l, at, q == b'\'', min)?;
                let rest = self.line(after);
                // `rest` starts mid-line: its `end` and `next` are those of the closing line.
                if !self.trailing_ok(after, rest.end) {
                    return None;
                }
                self.pos = rest.next;
                Some(Node::Str(text))
            }
            _ => self.plain(l, at, min),
        }
    }

    /// A plain scalar at `at` on line `l`, with its folded lines indented by `min` or more.
    fn plain(&mut self, l: Line, at: usize, min: usize) -> Option<Node<'a>> {
        if !self.plain_start(at, l.end) {
            return None;
        }
        let (text_end, stop) = self.plain_line(at, l.end);
        let first = self.src.get(at..text_end)?;
        let mut folded: Option<String> = None;
        match stop {
            Stop::Colon(_) => return None,
            Stop::Comment => {}
            Stop::Eol => loop {
                let mut p = self.pos;
                let mut breaks = 0;
                let next = loop {
                    if p >= self.b.len() {
                        break None;
                    }
                    let n = self.line(p);
                    if n.content < n.end {
                        break Some(n);
                    }
                    breaks += 1;
                    p = n.next;
                };
                let Some(n) = next else { break };
                if n.indent < min || self.b[n.content] == b'#' {
                    break;
                }
                let (end, stop) = self.plain_line(n.content, n.end);
                if matches!(stop, Stop::Colon(_)) {
                    return None;
                }
                let s = folded.get_or_insert_with(|| first.to_owned());
                if breaks == 0 {
                    s.push(' ');
                } else {
                    s.extend(std::iter::repeat_n('\n', breaks));
                }
                s.push_str(self.src.get(n.content..end)?);
                self.pos = n.next;
                if stop == Stop::Comment {
                    break;
                }
            },
        }
        let text = folded.map_or(Cow::Borrowed(first), Cow::Owned);
        Some(scalar_node(text, ScalarStyle::Plain, false))
    }

    /// A quoted scalar whose opening quote is at `at` on line `l`, and the offset after its
    /// closing quote.
    fn quoted(
        &self,
        l: Line,
        at: usize,
        single: bool,
        min: usize,
    ) -> Option<(Cow<'a, str>, usize)> {
        let b = self.b;
        let inner = &b[at + 1..l.end];
        if single {
            if let Some(k) = memchr(b'\'', inner) {
                let j = at + 1 + k;
                if b.get(j + 1) != Some(&b'\'') {
                    return Some((Cow::Borrowed(self.src.get(at + 1..j)?), j + 1));
                }
            }
        } else if let Some(k) = memchr2(b'"', b'\\', inner) {
            let j = at + 1 + k;
            if b[j] == b'"' {
                return Some((Cow::Borrowed(self.src.get(at + 1..j)?), j + 1));
            }
        }
        let (s, after) = self.quoted_slow(at, single, min)?;
        Some((Cow::Owned(s), after))
    }

    /// Decodes a quoted scalar with escapes or folded lines, as the full parser does; the lines
    /// after the first must be indented by `min` or more.
    fn quoted_slow(&self, at: usize, single: bool, min: usize) -> Option<(String, usize)> {
        let b = self.b;
        let q = if single { b'\'' } else { b'"' };
        let mut s = String::new();
        let mut i = at + 1;
        // The start of the current line once the scalar has left its first line.
        let mut line_start: Option<usize> = None;
        loop {
            if line_start.is_some_and(|ls| i - ls < min) {
                return None;
            }
            let mut leading_blanks = false;
            loop {
                match *b.get(i)? {
                    b' ' | b'\n' | b'\r' => break,
                    c if c == q => {
                        if single && b.get(i + 1) == Some(&b'\'') {
                            s.push('\'');
                            i += 2;
                        } else {
                            break;
                        }
                    }
                    b'\\' if !single => match *b.get(i + 1)? {
                        b'\n' | b'\r' => {
                            i += if b[i + 1] == b'\r' { 3 } else { 2 };
                            line_start = Some(i);
                            leading_blanks = true;
                            break;
                        }
                        _ => {
                            let (c, len) = escape(b, i)?;
                            s.push(c);
                            i += len;
                        }
                    },
                    _ => {
                        let start = i;
                        while i < b.len()
                            && !matches!(b[i], b' ' | b'\n' | b'\r')
                            && b[i] != q
                            && (single || b[i] != b'\\')
                        {
                            i += 1;
                        }
                        s.push_str(self.src.get(start..i)?);
                    }
                }
            }
            if b.get(i) == Some(&q) {
                if line_start.is_some_and(|ls| i - ls < min) {
                    return None;
                }
                return Some((s, i + 1));
            }
            let spaces = i;
            let mut leading_break = false;
            let mut trailing_breaks = 0usize;
            loop {
                match *b.get(i)? {
                    b' ' => i += 1,
                    c @ (b'\n' | b'\r') => {
                        i += if c == b'\r' { 2 } else { 1 };
                        line_start = Some(i);
                        if leading_blanks {
                            trailing_breaks += 1;
                        } else {
                            leading_break = true;
                            leading_blanks = true;
                        }
                    }
                    _ => break,
                }
            }
            if !leading_blanks {
                s.push_str(self.src.get(spaces..i)?);
            } else if leading_break && trailing_breaks == 0 {
                s.push(' ');
            } else {
                s.extend(std::iter::repeat_n('\n', trailing_breaks));
            }
        }
    }
}

/// The character of the escape sequence at `b[i]` (a backslash) and the sequence's length.
fn escape(b: &[u8], i: usize) -> Option<(char, usize)> {
    let c = match *b.get(i + 1)? {
        b'0' => '\0',
        b'a' => '\u{7}',
        b'b' => '\u{8}',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\u{b}',
        b'f' => '\u{c}',
        b'r' => '\r',
        b'e' => '\u{1b}',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        x @ (b'x' | b'u' | b'U') => {
            let digits = match x {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let hex = b.get(i + 2..i + 2 + digits)?;
            let mut value = 0u32;
            for &h in hex {
                value = (value << 4) | char::from(h).to_digit(16)?;
            }
            return Some((char::from_u32(value)?, 2 + digits));
        }
        _ => return None,
    };
    Some((c, 2))
}

#[cfg(test)]
mod tests {
    use super::super::tests::arb_yaml_node;
    use super::super::{parse_full, write};
    use super::parse as fast;
    use crate::wire::Node;
    use crate::wire::arb::{arb_node, normalize_empty, s};
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;
    use std::borrow::Cow;

    /// When the fast reader accepts `src`, the full parser must read the same tree.
    fn differential(src: &str) -> Result<Option<Node<'_>>, TestCaseError> {
        let Some(node) = fast(src) else {
            return Ok(None);
        };
        match parse_full(src) {
            Ok(full) => prop_assert_eq!(&node, &full, "{:?}", src),
            Err(e) => {
                return Err(TestCaseError::fail(format!(
                    "the fast reader accepted {src:?} as {node:?}; the full parser: {e}"
                )));
            }
        }
        Ok(Some(node))
    }

    /// Accepted by the fast reader, and read as the full parser reads it.
    fn accepted(src: &str) -> Node<'_> {
        match differential(src) {
            Ok(Some(node)) => node,
            Ok(None) => panic!("the fast reader refused {src:?}"),
            Err(e) => panic!("{e}"),
        }
    }

    fn is_borrowed(n: Option<&Node<'_>>) -> bool {
        matches!(n, Some(Node::Str(Cow::Borrowed(_))))
    }

    /// The YAML files of `tests/fixtures` (written by php-yaml's `yaml_emit`).
    fn fixtures() -> &'static [String] {
        static FILES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        FILES.get_or_init(|| {
            let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
            let mut files = Vec::new();
            for dir in std::fs::read_dir(root).unwrap() {
                let dir = dir.unwrap().path();
                if !dir.is_dir() {
                    continue;
                }
                for file in std::fs::read_dir(&dir).unwrap() {
                    let file = file.unwrap().path();
                    if file.extension().is_some_and(|e| e == "yaml") {
                        // The YAML after what a PHP server prints before it (issue 16's
                        // variants); a file that is a PHP fatal error or an HTML page has none.
                        let bytes = std::fs::read(&file).unwrap();
                        if let Ok(p) = crate::wire::preamble::split(crate::Format::Yaml, &bytes) {
                            files.push(String::from_utf8(p.body.to_vec()).unwrap());
                        }
                    }
                }
            }
            files.sort();
            files
        })
    }

    #[test]
    fn every_fixture_takes_the_fast_path() {
        assert!(fixtures().len() >= 20, "{} fixtures", fixtures().len());
        for src in fixtures() {
            accepted(src);
            accepted(&format!("\u{FEFF}{src}"));
        }
    }

    #[test]
    fn borrows_what_the_wire_did_not_change() {
        let src = "---\nresult: success\nn: \"0123\"\nq: 'x y'\ne: \"\"\nd: \"caf\\xE9\"\ni: 'it''s'\nt: Restrict inclusive,\n  folded\nk: v # comment\nl:\n- a\n- - b\n  - \"c\"\n...\n";
        let n = accepted(src);
        for key in ["result", "n", "q", "e", "k"] {
            assert!(is_borrowed(n.get(key)), "{key}: {:?}", n.get(key));
        }
        assert_eq!(n.get("d"), Some(&s("café")));
        assert_eq!(n.get("i"), Some(&s("it's")));
        assert_eq!(n.get("t"), Some(&s("Restrict inclusive, folded")));
        assert_eq!(
            n.get("l"),
            Some(&Node::Seq(vec![s("a"), Node::Seq(vec![s("b"), s("c")])]))
        );
        let Some(Node::Seq(items)) = n.get("l") else {
            panic!()
        };
        let Node::Seq(inner) = &items[1] else {
            panic!()
        };
        assert!(is_borrowed(items.first()) && is_borrowed(inner.get(1)));
    }

    #[test]
    fn folded_scalars_like_yaml_emit() {
        let src = concat!(
            "---\n",
            "a: \"first part of a long double-quoted string with an escape \\xE9 and\n",
            "  then more\"\n",
            "b: 'single quoted folded\n",
            "  over lines\n",
            "\n",
            "  with a blank line'\n",
            "c: plain folded\n",
            "  over two\n",
            "\n",
            "\n",
            "  and two blank lines\n",
            "d: \"escaped\\\n",
            "  \\ break and\\\n",
            "  joined\"\n",
            "e:\n",
            "- - \"a long cell\n",
            "    folded\"\n",
            "  - plain cell\n",
            "    folded\n",
            "- key: value\n",
            "    folded   \n",
            "  other: x\n",
            "...\n",
        );
        let n = accepted(src);
        assert_eq!(
            n.get("a"),
            Some(&s(
                "first part of a long double-quoted string with an escape é and then more"
            ))
        );
        assert_eq!(
            n.get("b"),
            Some(&s("single quoted folded over lines\nwith a blank line"))
        );
        assert_eq!(
            n.get("c"),
            Some(&s("plain folded over two\n\nand two blank lines"))
        );
        assert_eq!(n.get("d"), Some(&s("escaped break andjoined")));
        let crlf = src.replace('\n', "\r\n");
        assert_eq!(accepted(&crlf), n);
    }

    #[test]
    fn roots_and_documents() {
        assert_eq!(accepted("--- x\n...\n"), s("x"));
        assert_eq!(accepted("--- \"x\"\n"), s("x"));
        assert_eq!(accepted("--- []\n...\n"), Node::Seq(vec![]));
        assert_eq!(accepted("--- {}\n"), Node::Map(vec![]));
        assert_eq!(accepted("--- ~\n"), Node::Null);
        assert_eq!(accepted("hello world\n"), s("hello world"));
        assert_eq!(
            accepted("# c\n---\n# c\n- a\n# c\n...\n# c\n"),
            Node::Seq(vec![s("a")])
        );
        assert_eq!(
            accepted("a: 1\nb:\nc: # c\n  d: true\ne: [] # c\n"),
            Node::Map(vec![
                ("a".into(), s("1")),
                ("b".into(), Node::Null),
                ("c".into(), Node::Map(vec![("d".into(), Node::Bool(true))])),
                ("e".into(), Node::Seq(vec![])),
            ])
        );
    }

    #[test]
    fn edge_cases_agree_with_the_full_parser() {
        for src in [
            "a  : b\n",
            "-1: x\n",
            "?x: y\n",
            ":x: y\n",
            "a:: b\n",
            "-: x\n",
            "- -\n",
            "-\n- \n",
            "a:\n-\n  b: c\n",
            "a: b]\n",
            "a: x{y}\n",
            "a,b: c\n",
            "a: 'x'  # c\n",
            "'a': \"b\"\n",
            "\"\": x\n",
            "'': ''\n",
            "a: \"x\n\n  y\"\n",
            "a: \"x\\\n\n  y\"\n",
            "a: \"x \\\n  y\"\n",
            "- \"x\n  \"\n",
            "  a: 1\n  b: 2\n",
            "a:\n    b: 1\n    c: 2\nd: 3\n",
            "k: v\n\n\n",
            "--- # c\na: 1\n",
            "a: ---\n",
            "a: ...\n",
            "- ---\n",
            "a: x # y: z\n",
            "é: ü\n",
            "a: \"\\N\\_\\L\\P\\x85\\t\"\n",
            "a:\n  b\n  c\n",
            "a:\n  []\n",
            "hello\n  world\n",
            "a: 'x\n\n\n  y  \n  z'\n",
        ] {
            if let Err(e) = differential(src) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn outside_the_subset_falls_back() {
        for src in [
            "a: &x 1\nb: *x\n",
            "a: !!str true\n",
            "a: |\n  lit\n",
            "a: >\n  folded\n",
            "a: [1, 2]\n",
            "a: {b: c}\n",
            "? a\n: b\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n---\nb: 2\n",
            "a: 1\n...\nb: 2\n",
            "a:\n\tb: 1\n",
            "a: \"x\ty\"\n",
            "a: b\rc: d\n",
            "a: \"\\q\"\n",
            "a: \"\\uD800\"\n",
            "a: 'open\n",
            "a: b: c\n",
            "a: b\n c: d\n",
            "a: b # c\n  d\n",
            "- a\nb: c\n",
            "a:\n  - b\n  c: d\n",
            "\"a\" : b\n",
            "",
            "---\n...\n",
            "a: @x\n",
        ] {
            assert!(fast(src).is_none(), "{src:?}");
        }
        let long_key = format!("{}: v\n", "k".repeat(1001));
        assert!(fast(&long_key).is_none());
    }

    #[test]
    fn depth_limit_is_the_full_parsers() {
        let nested = |n: usize| format!("{}x\n", "- ".repeat(n));
        let ok = nested(super::MAX_DEPTH);
        assert!(fast(&ok).is_some());
        let deep = nested(super::MAX_DEPTH + 1);
        assert!(fast(&deep).is_none());
        let Err(crate::error::Error::Decode(e)) = super::super::parse(deep.as_bytes()) else {
            panic!()
        };
        assert!(e.message.contains("nested deeper"), "{e}");
        let flow = format!("{}[]\n", "- ".repeat(super::MAX_DEPTH));
        assert!(fast(&flow).is_none());
        assert!(super::super::parse(flow.as_bytes()).is_err());
    }

    /// Folds one scalar of each chosen line the way `yaml_emit` folds long ones.
    fn fold(out: &str, picks: &[(bool, usize, bool)]) -> String {
        let mut result = String::new();
        for (i, line) in out.lines().enumerate() {
            let (pick, at, escaped_break) = picks.get(i).copied().unwrap_or((false, 0, false));
            match value_start(line).filter(|_| pick) {
                Some(v) => result.push_str(&fold_value(line, v, at, escaped_break)),
                None => result.push_str(line),
            }
            result.push('\n');
        }
        result
    }

    /// Where the scalar value of a line written by `write` starts.
    fn value_start(line: &str) -> Option<usize> {
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        while line[i..].starts_with("- ") {
            i += 2;
        }
        if line[i..].starts_with("---") || line[i..].starts_with("...") || line.ends_with(':') {
            return None;
        }
        let start = i;
        if b.get(i) == Some(&b'"') {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            match line[i..].find(": ") {
                Some(k) => i += k,
                None => return Some(start),
            }
        }
        if line[i.min(line.len())..].starts_with(": ") {
            Some(i + 2)
        } else {
            Some(start)
        }
    }

    fn fold_value(line: &str, v: usize, at: usize, escaped_break: bool) -> String {
        let b = line.as_bytes();
        let indent = " ".repeat(v);
        if b.get(v) == Some(&b'"') {
            // Break points: between two characters of the quoted text, not inside an escape.
            let mut points = Vec::new();
            let mut i = v + 1;
            while i < b.len() && b[i] != b'"' {
                let len = if b[i] == b'\\' {
                    match b.get(i + 1) {
                        Some(b'x') => 4,
                        Some(b'u') => 6,
                        Some(b'U') => 10,
                        _ => 2,
                    }
                } else {
                    line[i..].chars().next().map_or(1, char::len_utf8)
                };
                i += len;
                if i < b.len() && b[i] != b'"' {
                    points.push(i);
                }
            }
            let usable: Vec<usize> = points
                .into_iter()
                .filter(|&p| {
                    if escaped_break {
                        b[p] != b' '
                    } else {
                        b[p] == b' '
                            && b[p - 1] != b' '
                            && b.get(p + 1).is_some_and(|&c| c != b' ' && c != b'"')
                    }
                })
                .collect();
            let Some(&p) = usable.get(at % usable.len().max(1)) else {
                return line.to_owned();
            };
            if escaped_break {
                format!("{}\\\n{indent}{}", &line[..p], &line[p..])
            } else {
                format!("{}\n{indent}{}", &line[..p], &line[p + 1..])
            }
        } else {
            // A plain scalar: break at a single space.
            let spaces: Vec<usize> = line[v..]
                .match_indices(' ')
                .map(|(k, _)| v + k)
                .filter(|&p| b[p - 1] != b' ' && b.get(p + 1).is_some_and(|&c| c != b' '))
                .collect();
            let Some(&p) = spaces.get(at % spaces.len().max(1)) else {
                return line.to_owned();
            };
            format!("{}\n{indent}{}", &line[..p], &line[p + 1..])
        }
    }

    const SNIPPETS: &[&str] = &[
        " ",
        "\n",
        "  ",
        "- ",
        ": ",
        "#",
        " #c",
        "'",
        "\"",
        "\\",
        "''",
        "[]",
        "{}",
        "\r\n",
        "---",
        "...",
        "\n\n",
        "\\n",
        "\\x4",
        "\\u00e9",
        "\\\n",
        "?",
        "&a ",
        "*a",
        "!!str ",
        "|",
        ">",
        ":",
        "-",
        "~",
        "\t",
        "\u{feff}",
        "é",
        "x",
        "\n  ",
        "\n- ",
        "null",
        "\\U0001F600",
        "%",
        "\\ ",
        "\"a\": ",
        "'b': ",
        "\\\"",
        ",",
        "@",
    ];

    /// Applies `edits` (kind, position, argument) to `src`.
    fn mutate(src: &str, edits: &[(u8, usize, usize)]) -> String {
        let mut s = src.to_owned();
        for &(kind, pos, arg) in edits {
            let mut p = pos % (s.len() + 1);
            while !s.is_char_boundary(p) {
                p -= 1;
            }
            match kind % 6 {
                0 => s.insert_str(p, SNIPPETS[arg % SNIPPETS.len()]),
                1 => {
                    let mut end = (p + 1 + arg % 3).min(s.len());
                    while !s.is_char_boundary(end) {
                        end += 1;
                    }
                    s.replace_range(p..end, "");
                }
                2 => {
                    if let Some(k) = s[p..].find(' ') {
                        s.replace_range(p + k..p + k + 1, &format!("\n{}", " ".repeat(arg % 8)));
                    }
                }
                3 => {
                    let start = s[..p].rfind('\n').map_or(0, |k| k + 1);
                    let end = s[p..].find('\n').map_or(s.len(), |k| p + k + 1);
                    let line = s[start..end].to_owned();
                    s.insert_str(start, &line);
                }
                4 => {
                    let start = s[..p].rfind('\n').map_or(0, |k| k + 1);
                    if arg % 2 == 0 {
                        s.insert_str(start, &" ".repeat(1 + arg % 3));
                    } else if s[start..].starts_with(' ') {
                        s.remove(start);
                    }
                }
                _ => s = s.replace('\n', "\r\n"),
            }
        }
        s
    }

    fn long_words() -> impl Strategy<Value = Node<'static>> {
        "[a-z]{1,8}( [a-z,.'\"#:]{1,8}){3,20}".prop_map(|t| Node::Str(Cow::Owned(t)))
    }

    fn arb_tree() -> impl Strategy<Value = Node<'static>> {
        prop_oneof![arb_yaml_node(), arb_node(), long_words(), wordy_tree()]
    }

    fn wordy_tree() -> impl Strategy<Value = Node<'static>> {
        let leaf = prop_oneof![
            long_words(),
            "[a-z]{1,5}( [a-zé\\\\]{1,5}){1,6}".prop_map(|t| Node::Str(Cow::Owned(t))),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..5).prop_map(Node::Seq),
                prop::collection::vec(("[a-z]{1,6}", inner), 1..5).prop_map(|m| Node::Map(
                    m.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect()
                )),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn writer_output_takes_the_fast_path(node in arb_tree(), crlf in any::<bool>()) {
            let mut out = String::from_utf8(write(&node)).unwrap();
            if crlf {
                out = out.replace('\n', "\r\n");
            }
            let Some(back) = differential(&out)? else {
                return Err(TestCaseError::fail(format!("refused {out:?}")));
            };
            prop_assert_eq!(back.into_owned(), normalize_empty(node));
        }

        #[test]
        fn folded_writer_output_takes_the_fast_path(
            node in prop_oneof![wordy_tree(), arb_yaml_node()],
            picks in prop::collection::vec((any::<bool>(), any::<usize>(), any::<bool>()), 0..40),
        ) {
            let out = fold(std::str::from_utf8(&write(&node)).unwrap(), &picks);
            let Some(back) = differential(&out)? else {
                return Err(TestCaseError::fail(format!("refused {out:?}")));
            };
            prop_assert_eq!(back.into_owned(), normalize_empty(node));
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn mutated_writer_output_agrees_with_the_full_parser(
            node in arb_tree(),
            edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..6),
        ) {
            let out = mutate(std::str::from_utf8(&write(&node)).unwrap(), &edits);
            differential(&out)?;
            let _ = super::super::parse(out.as_bytes());
        }

        #[test]
        fn mutated_fixtures_agree_with_the_full_parser(
            index in any::<usize>(),
            edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..6),
        ) {
            let files = fixtures();
            let out = mutate(&files[index % files.len()], &edits);
            differential(&out)?;
        }

        #[test]
        fn yaml_like_lines_agree_with_the_full_parser(
            start in prop_oneof![Just(""), Just("---\n"), Just("--- "), Just("\u{feff}")],
            lines in prop::collection::vec(
                ("[ ]{0,5}", "(- |[a-z]{1,3}: |\"[a-z \\\\]{0,4}\": |'[a-z']{0,3}': ){0,2}", "[-?:,\\[\\]{}&*!|>'\"%@#~. a-zé0-9\\\\]{0,10}"),
                0..10,
            ),
            end in prop_oneof![Just(""), Just("\n..."), Just("\n...\n# c\n")],
        ) {
            let mut src = start.to_owned();
            for (indent, head, tail) in &lines {
                src.push_str(indent);
                src.push_str(head);
                src.push_str(tail);
                src.push('\n');
            }
            src.push_str(end);
            differential(&src)?;
        }

        #[test]
        fn block_like_lines_agree_with_the_full_parser(
            start in prop_oneof![Just(""), Just("---\n"), Just("--- ")],
            lines in prop::collection::vec(
                (
                    prop_oneof![Just(""), Just("  "), Just("    "), Just(" "), Just("   ")],
                    prop_oneof![
                        Just(""), Just("- "), Just("-"), Just("- - "), Just("key: "), Just("key:"),
                        Just("- key: "), Just("- key:"), Just("\"k y\": "), Just("'k''y': "),
                        Just("\"\\x41\": "), Just("-1: "), Just("# c"), Just("... "), Just("---"),
                    ],
                    prop_oneof![
                        Just(""), Just("value"), Just("two words"), Just("~"), Just("null"),
                        Just("TRUE"), Just("False"), Just("yes"), Just("0123"), Just("[]"), Just("{}"),
                        Just("\"q\""), Just("\"a\\\"b\""), Just("\"open"), Just("close\""),
                        Just("'s''q'"), Just("'open"), Just("close'"), Just("x # c"), Just("x#y"),
                        Just("a:b"), Just("-x"), Just("?x"), Just(":x"), Just("\"\\"), Just("\\ y\""),
                        Just("\"\\u00e9\\U0001F600\\x41\\N\\_\\L\\P\\/\\e\\0\""),
                        Just("a, b] {c}"), Just("é ü"), Just("  "), Just("'' ''"),
                    ],
                    prop_oneof![Just("\n"), Just("\r\n"), Just("\n\n"), Just(" \n")],
                ),
                0..12,
            ),
        ) {
            let mut src = start.to_owned();
            for (indent, head, tail, eol) in &lines {
                src.push_str(indent);
                src.push_str(head);
                src.push_str(tail);
                src.push_str(eol);
            }
            differential(&src)?;
        }

        #[test]
        fn folded_scalars_agree_with_the_full_parser(
            context in prop_oneof![
                Just("k: "), Just("- "), Just("- - "), Just("- k: "), Just("k:\n  "), Just("k:\n- "),
                Just("--- "), Just(""), Just("a:\n  k: "), Just("a:\n  - "),
            ],
            quote in prop_oneof![Just(""), Just("\""), Just("'")],
            parts in prop::collection::vec(
                (
                    prop_oneof![
                        Just("w"), Just("word"), Just("x:y"), Just("a#b"), Just("\\x41"), Just("\\"),
                        Just("''"), Just("é"), Just("-"), Just("#"), Just(":"), Just("\\ "),
                    ],
                    prop_oneof![
                        Just(" "), Just("  "), Just("\n"), Just("\n\n"), Just(" \n"), Just("\\\n"),
                        Just("\n   \n"), Just("\r\n"), Just("\\\r\n"), Just(" \\\n"), Just(""),
                    ],
                    0..6usize,
                ),
                1..8,
            ),
            after in prop_oneof![Just("\n"), Just(" # c\n"), Just("\nnext: x\n"), Just("\n- y\n"), Just("\n  z\n")],
        ) {
            let mut src = format!("{context}{quote}");
            for (word, sep, indent) in &parts {
                src.push_str(word);
                src.push_str(sep);
                if sep.ends_with('\n') {
                    src.push_str(&" ".repeat(*indent));
                }
            }
            src.push_str(quote);
            src.push_str(after);
            differential(&src)?;
        }

        #[test]
        fn random_text_never_panics(body in "\\PC{0,64}") {
            differential(&body)?;
        }

        #[test]
        fn random_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(src) = std::str::from_utf8(&body) {
                differential(src)?;
            }
            let _ = super::super::parse(&body);
        }
    }
}
