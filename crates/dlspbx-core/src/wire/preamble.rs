//! What a PHP server prints before the body: the one place that finds it, on the path of every
//! decode ([`crate::Endpoint::decode`], [`crate::http::decode`] and the clients' streaming
//! export decoder).
//!
//! - A UTF-8 byte order mark and blank lines are skipped.
//! - A PHP diagnostic printed with `display_errors` on (`Notice`, `Warning`, `Deprecated`,
//!   `Fatal error`, `Parse error`; the HTML form `<br />\n<b>Notice</b>:  ... on line
//!   <b>42</b><br />` or the text form `\nNotice: ... on line 42\n`) is read and skipped, so the
//!   body after it decodes; the caller surfaces it as a warning ([`Preamble::diagnostics`]).
//!   A fatal error (or parse error) is [`Error::PhpFatal`]: nothing useful follows it.
//! - An HTML page where the format was expected (a proxy's `502 Bad Gateway`) is
//!   [`Error::HtmlPage`], naming its title.
//!
//! Detection reads the body, not the Content-Type (PHP sends JSON as `text/html`). A normal body
//! costs one look at its first byte: only a byte order mark, whitespace, `<` or the first
//! letter of a diagnostic's level is looked at further.
//!
//! ```
//! use dlspbx_core::wire::preamble::{PhpLevel, split};
//! use dlspbx_core::{Error, Format};
//!
//! let body = b"<br />\n<b>Notice</b>:  Undefined index: country in <b>/var/www/api.php</b> \
//!     on line <b>42</b><br />\n{\"result\":\"success\",\"id\":42}";
//! let p = split(Format::Json, body)?;
//! assert_eq!(p.body, b"{\"result\":\"success\",\"id\":42}");
//! assert_eq!(p.diagnostics[0].level, PhpLevel::Notice);
//! assert_eq!(
//!     p.diagnostics[0].to_string(),
//!     "PHP Notice: Undefined index: country in /var/www/api.php on line 42"
//! );
//!
//! let page = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n</html>\r\n";
//! let e = split(Format::Json, page).unwrap_err();
//! assert_eq!(
//!     e.to_string(),
//!     "the server answered an HTML page (title: 502 Bad Gateway) instead of JSON"
//! );
//! # Ok::<(), Error>(())
//! ```

use crate::error::{Error, Result};
use crate::format::Format;
use std::fmt;

/// The level of a [`PhpDiagnostic`], as PHP prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PhpLevel {
    /// `Notice` (`E_NOTICE`).
    Notice,
    /// `Warning` (`E_WARNING`).
    Warning,
    /// `Deprecated` (`E_DEPRECATED`).
    Deprecated,
    /// `Fatal error` (`E_ERROR`, an uncaught exception): the script stopped.
    FatalError,
    /// `Parse error` (`E_PARSE`): the script did not run.
    ParseError,
}

impl PhpLevel {
    const ALL: [PhpLevel; 5] = [
        PhpLevel::Notice,
        PhpLevel::Warning,
        PhpLevel::Deprecated,
        PhpLevel::FatalError,
        PhpLevel::ParseError,
    ];

    /// The level as PHP prints it (`Notice`, `Fatal error`).
    pub fn as_str(self) -> &'static str {
        match self {
            PhpLevel::Notice => "Notice",
            PhpLevel::Warning => "Warning",
            PhpLevel::Deprecated => "Deprecated",
            PhpLevel::FatalError => "Fatal error",
            PhpLevel::ParseError => "Parse error",
        }
    }

    /// Whether the script stopped (a fatal or parse error): no body follows.
    pub fn is_fatal(self) -> bool {
        matches!(self, PhpLevel::FatalError | PhpLevel::ParseError)
    }
}

impl fmt::Display for PhpLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A diagnostic PHP printed into the body (`display_errors` on): its level and its message,
/// with the HTML tags removed and white space collapsed (`Undefined index: country in
/// /var/www/api.php on line 42`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhpDiagnostic {
    /// The level (`Notice`, `Fatal error`, ...).
    pub level: PhpLevel,
    /// The message after the level, as one line.
    pub message: String,
}

impl fmt::Display for PhpDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PHP {}: {}", self.level, self.message)
    }
}

impl std::error::Error for PhpDiagnostic {}

/// The body after what came before it, and the PHP diagnostics found there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preamble<'a> {
    /// The body to decode: after a byte order mark, blank lines and diagnostics.
    pub body: &'a [u8],
    /// The non-fatal diagnostics before the body, in order (empty for a normal body).
    pub diagnostics: Vec<PhpDiagnostic>,
}

/// How far [`scan`] got on a body's first bytes.
#[derive(Debug)]
pub enum Scan<'a> {
    /// The bytes so far may still be the start of a diagnostic or an HTML page: more are
    /// needed to decide.
    NeedMore,
    /// Decided: the body (with what was skipped) or the error.
    Done(Result<Preamble<'a>>),
}

/// The most bytes a diagnostic or an HTML page's head is looked for in; past it, what is there
/// is left to the format's decoder.
const LIMIT: usize = 64 * 1024;

/// Skips what a PHP server may print before a complete `body` in `format` (see the module).
///
/// A fatal error is [`Error::PhpFatal`]; an HTML page is [`Error::HtmlPage`].
#[inline]
pub fn split(format: Format, body: &[u8]) -> Result<Preamble<'_>> {
    match scan(format, body, true) {
        Scan::Done(r) => r,
        // A complete body is always decided.
        Scan::NeedMore => Ok(Preamble {
            body,
            diagnostics: Vec::new(),
        }),
    }
}

/// [`split`] on the first bytes of a body that may not be complete (`complete` false): a
/// streaming decoder calls it until it is [`Scan::Done`], then decodes from
/// [`Preamble::body`] on.
#[inline]
pub fn scan(format: Format, body: &[u8], complete: bool) -> Scan<'_> {
    // The fast path: a body that starts like a body.
    match body.first() {
        Some(b) if !suspect(*b) => Scan::Done(Ok(Preamble {
            body,
            diagnostics: Vec::new(),
        })),
        _ => scan_slow(format, body, complete),
    }
}

/// A first byte that a byte order mark, a blank line, a diagnostic or an HTML page starts with.
fn suspect(b: u8) -> bool {
    matches!(
        b,
        0xEF | b'\n' | b'\r' | b' ' | b'\t' | b'<' | b'N' | b'W' | b'D' | b'F' | b'P'
    )
}

#[cold]
fn scan_slow(format: Format, body: &[u8], complete: bool) -> Scan<'_> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if !complete && body.len() < BOM.len() && BOM.starts_with(body) {
        return Scan::NeedMore;
    }
    let mut rest = body.strip_prefix(BOM).unwrap_or(body);
    let mut diagnostics = Vec::new();
    loop {
        let text = skip_blank_lines(rest, complete);
        match diagnostic(text, complete) {
            Found::Yes(d, after) => {
                if d.level.is_fatal() {
                    return Scan::Done(Err(Error::PhpFatal(d)));
                }
                diagnostics.push(d);
                rest = after;
            }
            Found::NeedMore => return Scan::NeedMore,
            Found::No => {
                // Blank lines with nothing after them are the body (in CSV, an empty table).
                if !text.is_empty() || !complete {
                    rest = text;
                }
                break;
            }
        }
    }
    match html_page(rest, complete) {
        Found::Yes(title, _) => Scan::Done(Err(Error::HtmlPage { format, title })),
        Found::NeedMore => Scan::NeedMore,
        Found::No if !complete && rest.trim_ascii().is_empty() => Scan::NeedMore,
        Found::No => Scan::Done(Ok(Preamble {
            body: rest,
            diagnostics,
        })),
    }
}

enum Found<'a, T> {
    Yes(T, &'a [u8]),
    No,
    NeedMore,
}

/// Skips lines holding only spaces and tabs. A last line without its end is kept unless the
/// body is complete.
fn skip_blank_lines(mut b: &[u8], complete: bool) -> &[u8] {
    loop {
        let blank = b.iter().take_while(|c| matches!(c, b' ' | b'\t')).count();
        match b.get(blank) {
            Some(b'\n') => b = &b[blank + 1..],
            Some(b'\r') => {
                let n = if b.get(blank + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                b = &b[blank + n..];
            }
            None if complete => return &b[blank..],
            _ => return b,
        }
    }
}

fn starts_with_ignore_case(b: &[u8], prefix: &[u8]) -> bool {
    b.len() >= prefix.len() && b[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Whether `b`, shorter than `prefix`, may still become it.
fn may_become(b: &[u8], prefix: &[u8]) -> bool {
    b.len() < prefix.len() && prefix[..b.len()].eq_ignore_ascii_case(b)
}

fn find_ignore_case(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// One diagnostic at the start of `b`, in the HTML or the text form.
fn diagnostic(b: &[u8], complete: bool) -> Found<'_, PhpDiagnostic> {
    // The HTML form: an optional `<br />`, then `<b>Level</b>:`.
    let mut html = b;
    if starts_with_ignore_case(html, b"<br") {
        let Some(end) = html.iter().position(|&c| c == b'>') else {
            return more_or_no(complete, html.len());
        };
        html = skip_blank_lines(&html[end + 1..], complete);
        if html.is_empty() && !complete {
            return Found::NeedMore;
        }
    } else if !complete && may_become(html, b"<br") {
        return Found::NeedMore;
    }
    if html.first() == Some(&b'<') {
        if !starts_with_ignore_case(html, b"<b>") {
            return if !complete && may_become(html, b"<b>") {
                Found::NeedMore
            } else {
                Found::No
            };
        }
        let bold = &html[3..];
        for level in PhpLevel::ALL {
            let name = level.as_str().as_bytes();
            let head_len = name.len() + b"</b>:".len();
            let head_matches = starts_with_ignore_case(bold, name)
                && starts_with_ignore_case(&bold[name.len()..], b"</b>:");
            if head_matches {
                let text = &bold[head_len..];
                // The message ends at the `<br />` PHP closes it with.
                let Some(end) = find_ignore_case(text, b"<br") else {
                    return more_or_no(complete, text.len());
                };
                let close = text[end..].iter().position(|&c| c == b'>');
                let after = close.map_or(&text[text.len()..], |c| &text[end + c + 1..]);
                return Found::Yes(
                    PhpDiagnostic {
                        level,
                        message: one_line(&text[..end]),
                    },
                    after,
                );
            }
            if !complete {
                let partial = bold.len() < head_len
                    && (may_become(bold, name)
                        || (starts_with_ignore_case(bold, name)
                            && may_become(&bold[name.len()..], b"</b>:")));
                if partial {
                    return Found::NeedMore;
                }
            }
        }
        return Found::No;
    }
    // The text form: `Level: message` on a line of its own (`PHP Level:` when logged).
    let line = b.strip_prefix(b"PHP ").unwrap_or(b);
    for level in PhpLevel::ALL {
        let name = level.as_str().as_bytes();
        if line.starts_with(name) && line.get(name.len()) == Some(&b':') {
            let text = &line[name.len() + 1..];
            if level.is_fatal() {
                // The rest is the message and its stack trace: the script stopped.
                if !complete && text.len() < LIMIT {
                    return Found::NeedMore;
                }
                let message = one_line(&text[..text.len().min(LIMIT)]);
                return Found::Yes(PhpDiagnostic { level, message }, &[]);
            }
            let Some(end) = memchr::memchr(b'\n', text) else {
                return more_or_no(complete, text.len());
            };
            return Found::Yes(
                PhpDiagnostic {
                    level,
                    message: one_line(&text[..end]),
                },
                &text[end + 1..],
            );
        }
        if !complete && may_become(line, name) {
            return Found::NeedMore;
        }
    }
    if !complete && may_become(b, b"PHP ") {
        return Found::NeedMore;
    }
    Found::No
}

/// An unfinished diagnostic: wait for more bytes, unless the body is complete or the
/// diagnostic would be longer than [`LIMIT`] (then it is not one).
fn more_or_no<T>(complete: bool, len: usize) -> Found<'static, T> {
    if complete || len >= LIMIT {
        Found::No
    } else {
        Found::NeedMore
    }
}

/// An HTML page at the start of `b`, with its title.
fn html_page(b: &[u8], complete: bool) -> Found<'_, Option<String>> {
    const STARTS: [&[u8]; 2] = [b"<!doctype html", b"<html"];
    if !STARTS.iter().any(|s| starts_with_ignore_case(b, s)) {
        let maybe = STARTS.iter().any(|s| may_become(b, s));
        return if maybe && !complete {
            Found::NeedMore
        } else {
            Found::No
        };
    }
    let head = &b[..b.len().min(LIMIT)];
    let title = find_ignore_case(head, b"<title").and_then(|start| {
        let open = start + head[start..].iter().position(|&c| c == b'>')? + 1;
        let len = find_ignore_case(&head[open..], b"</title").or_else(|| {
            // An unclosed title in a complete body: the rest of the head.
            complete.then_some(head.len() - open)
        })?;
        Some(one_line(&head[open..open + len]))
    });
    if title.is_none()
        && !complete
        && b.len() < LIMIT
        && find_ignore_case(head, b"</head").is_none()
    {
        return Found::NeedMore;
    }
    Found::Yes(title.filter(|t| !t.is_empty()), &[])
}

/// Text without its HTML tags, white space collapsed to single spaces, trimmed.
fn one_line(b: &[u8]) -> String {
    let text = String::from_utf8_lossy(b);
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    let mut space = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            c if c.is_whitespace() => space = true,
            c => {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.push(c);
            }
        }
    }
    decode_entities(&out)
}

/// The entities PHP's `htmlspecialchars` writes into an HTML diagnostic.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The format's name in a sentence (`JSON`, `plain text`).
pub(crate) fn format_name(format: Format) -> &'static str {
    match format {
        Format::Json => "JSON",
        Format::Xml => "XML",
        Format::Yaml => "YAML",
        Format::Csv => "CSV",
        Format::Plain => "plain text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTICE_HTML: &[u8] = b"<br />\n<b>Notice</b>:  Undefined index: country in <b>/var/www/api/v1/dialer.php</b> on line <b>42</b><br />\n";
    const DEPRECATED_TEXT: &[u8] =
        b"\nDeprecated: Function strftime() is deprecated in /var/www/x.php on line 3\n";
    const FATAL_HTML: &[u8] = b"<br />\n<b>Fatal error</b>:  Uncaught Exception: boom in /tmp/f.php:2\nStack trace:\n#0 {main}\n  thrown in <b>/tmp/f.php</b> on line <b>2</b><br />\n";
    const FATAL_TEXT: &[u8] = b"\nFatal error: Uncaught Exception: boom in /tmp/f.php:2\nStack trace:\n#0 {main}\n  thrown in /tmp/f.php on line 2\n";
    const PAGE: &[u8] = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

    fn with(prefix: &[u8], body: &[u8]) -> Vec<u8> {
        [prefix, body].concat()
    }

    #[test]
    fn normal_bodies_pass_untouched() {
        for body in [
            &b"{\"result\":\"success\"}"[..],
            b"<response><result>success</result></response>",
            b"<?xml version=\"1.0\"?><response/>",
            b"---\nresult: success\n...\n",
            b"result,success\n",
            b"0",
            b"-1",
            b"",
            b"Name,Phone\n",
            b"<b>bold</b>",
        ] {
            let p = split(Format::Json, body).unwrap();
            assert_eq!(p.body, body);
            assert!(p.diagnostics.is_empty());
        }
    }

    #[test]
    fn diagnostics_are_skipped_in_both_forms() {
        let body = b"{\"result\":\"success\"}";
        let noticed = with(NOTICE_HTML, body);
        let p = split(Format::Json, &noticed).unwrap();
        assert_eq!(p.body, body);
        assert_eq!(
            p.diagnostics,
            [PhpDiagnostic {
                level: PhpLevel::Notice,
                message: "Undefined index: country in /var/www/api/v1/dialer.php on line 42".into()
            }]
        );
        let two = [DEPRECATED_TEXT, NOTICE_HTML, b"\r\n\r\n", body].concat();
        let p = split(Format::Json, &two).unwrap();
        assert_eq!(p.body, body);
        assert_eq!(p.diagnostics.len(), 2);
        assert_eq!(
            p.diagnostics[0].to_string(),
            "PHP Deprecated: Function strftime() is deprecated in /var/www/x.php on line 3"
        );
        let logged = b"PHP Warning:  Undefined variable $x in /p.php on line 1\n0";
        let p = split(Format::Plain, logged).unwrap();
        assert_eq!(
            (p.body, p.diagnostics[0].level),
            (&b"0"[..], PhpLevel::Warning)
        );
        let bom = with(b"\xEF\xBB\xBF\n\n  \n", body);
        assert_eq!(split(Format::Json, &bom).unwrap().body, body);
        // Blank lines alone are the body: a CSV table without header and rows.
        assert_eq!(
            split(Format::Csv, b"\xEF\xBB\xBF\n\n").unwrap().body,
            b"\n\n"
        );
    }

    #[test]
    fn fatal_errors_and_html_pages_are_errors() {
        for fatal in [FATAL_HTML, FATAL_TEXT] {
            match split(Format::Xml, &with(fatal, b"<response/>")) {
                Err(Error::PhpFatal(d)) => {
                    assert_eq!(d.level, PhpLevel::FatalError);
                    assert!(d.message.starts_with("Uncaught Exception: boom in /tmp/f.php:2 Stack trace: #0 {main} thrown in /tmp/f.php on line 2"), "{}", d.message);
                }
                other => panic!("{other:?}"),
            }
        }
        let e = split(Format::Yaml, &with(NOTICE_HTML, PAGE)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the server answered an HTML page (title: 502 Bad Gateway) instead of YAML"
        );
        let e = split(Format::Csv, b"<!DOCTYPE html><html><body>x</body></html>").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the server answered an HTML page instead of CSV"
        );
    }

    #[test]
    fn a_prefix_waits_for_more_until_it_can_decide() {
        let body = [NOTICE_HTML, b"{\"a\":1}"].concat();
        for n in 0..NOTICE_HTML.len() {
            assert!(
                matches!(scan(Format::Json, &body[..n], false), Scan::NeedMore),
                "{n}: {:?}",
                String::from_utf8_lossy(&body[..n])
            );
        }
        match scan(Format::Json, &body[..NOTICE_HTML.len() + 1], false) {
            Scan::Done(Ok(p)) => assert_eq!(p.body, b"{"),
            other => panic!("{other:?}"),
        }
        for n in 1..PAGE.len() {
            if let Scan::Done(r) = scan(Format::Json, &PAGE[..n], false) {
                assert!(
                    matches!(r, Err(Error::HtmlPage { title: Some(_), .. })),
                    "{n}"
                );
            }
        }
        assert!(matches!(scan(Format::Json, b"{", false), Scan::Done(Ok(_))));
        assert!(matches!(
            scan(Format::Csv, b"unique", false),
            Scan::Done(Ok(_))
        ));
    }

    #[test]
    fn never_panics_on_odd_prefixes() {
        for body in [
            &b"<br"[..],
            b"<br />",
            b"<b>Notice</b>:",
            b"Notice:",
            b"PHP ",
            b"<html",
            b"<html><title>",
            b"\xEF\xBB",
            b"\r",
            b"Fatal error:",
        ] {
            let _ = split(Format::Json, body);
            let _ = scan(Format::Json, body, false);
        }
    }
}
