//! JSON and XML request bodies, in the style of the reference's request samples, and their
//! parsers (the simulator's readers).
//!
//! # JSON
//!
//! [`encode_json`] writes a [`Node`] as compact JSON: `Seq` → array, `Map` → object (in order),
//! `Str` → string, `Bool` → `true`/`false`, `Null` → `null`. [`parse_json`] is a strict
//! RFC 8259 reader that gives each scalar the text the PHP server reads, its `json_decode`
//! followed by a `(string)` cast: a number as [`crate::scalar::php_json_number`] writes it
//! (`5256`, `1.50` → `1.5`, `1e3` → `1000`, `100000000000000000000` → `1.0E+20`), `true` as
//! `"1"` and `false` as `""`; `null` stays [`Node::Null`] (its cast is `""`, and PHP's `isset`
//! says it is not given, which is how the parsers read a null field). Keys are kept as
//! written (`"filters[]"` stays `filters[]`: aliases are the caller's business). Like PHP's
//! `json_decode`, a repeated key
//! keeps the last value (at the first one's position), nesting deeper than 512 arrays/objects
//! is refused, and typographic quotes, trailing commas, comments and a byte-order mark are
//! errors.
//!
//! # XML
//!
//! [`encode_xml`], [`try_encode_xml`] and [`parse_xml`] are the one XML writer and reader
//! ([`crate::wire::xml`]) in the request body's dialect: the reference's request style (a
//! `<request>` root, one element a line, a list as repeated elements, `Null` and empty lists
//! and maps left out), names as written, exactly one root element, no mixed content, nesting
//! limited to [`XML_MAX_DEPTH`]. The XML style cannot tell a one-item list from a single value
//! (`<dst>100</dst>`), as in the reference; the response types accept both.

use crate::error::{DecodeError, Error, Position};
use crate::format::Format;
use crate::wire::Node;
use crate::wire::json_scan::{self, ErrorKind, JsonStr, ScanError, Scanner, Token};
#[cfg(feature = "xml")]
use crate::wire::xml;
use std::borrow::Cow;
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/// Writes `params` as a compact JSON document.
pub fn encode_json(params: &Node<'_>) -> Vec<u8> {
    serde_json::to_vec(&JsonNode(params)).unwrap_or_default()
}

struct JsonNode<'n, 'a>(&'n Node<'a>);

impl serde::Serialize for JsonNode<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self.0 {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Str(v) => s.serialize_str(v),
            Node::Seq(items) => s.collect_seq(items.iter().map(JsonNode)),
            Node::Map(entries) => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k.as_ref(), &JsonNode(v))?;
                }
                m.end()
            }
        }
    }
}

/// The deepest nesting of arrays and objects [`parse_json`] accepts (PHP's `json_decode` default).
pub const JSON_MAX_DEPTH: usize = json_scan::MAX_DEPTH;

/// Parses a JSON request body into a [`Node`], each scalar as the text PHP's `(string)` cast
/// gives it (see the module documentation).
///
/// Errors are [`Error::Decode`] with the line and column.
pub fn parse_json(body: &[u8]) -> Result<Node<'static>, Error> {
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => return Err(not_utf8(Format::Json, body, e.valid_up_to(), parse_json)),
    };
    let mut scan = Scanner::new(text, true);
    let node = scan
        .expect_token("a JSON value")
        .and_then(|first| json_value(&mut scan, first))
        .map_err(|e| decode_err(Format::Json, body, e.offset, json_message(text, e)))?;
    if scan.peek().is_some() {
        let at = scan.pos();
        return Err(decode_err(
            Format::Json,
            body,
            at,
            "unexpected text after the JSON value",
        ));
    }
    Ok(node)
}

/// A scanner error as a message: what was found where something else was expected.
fn json_message(text: &str, e: ScanError) -> String {
    let ErrorKind::Expected(expected) = e.kind else {
        return e.kind.to_string();
    };
    match text.get(e.offset..).and_then(|r| r.chars().next()) {
        None => format!("unexpected end of input, expected {expected}"),
        Some(c @ ('\u{201C}' | '\u{201D}')) => format!(
            "typographic quote `{c}` where {expected} was expected; JSON needs straight quotes"
        ),
        Some(c) => format!("unexpected {}, expected {expected}", shown_char(c)),
    }
}

/// A character named in a message: `` `x` ``, or its code point (`U+0001`) when it does not
/// print.
fn shown_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

/// The next token (see [`Scanner::expect_token`]), out of line: [`json_value`] recurses, and
/// its frames stay small.
#[inline(never)]
fn next<'a>(scan: &mut Scanner<'a>, what: &'static str) -> Result<Token<'a>, ScanError> {
    scan.expect_token(what)
}

/// A string's value, refusing unescaped control characters.
fn json_string(s: JsonStr<'_>) -> Result<String, ScanError> {
    s.check_controls()?;
    s.decode().map(Cow::into_owned)
}

/// The `,` after an item, or the `close` of its array or object (`true`); a comma before
/// the close is an error.
#[inline]
fn json_next(scan: &mut Scanner<'_>, close: u8, what: &'static str) -> Result<bool, ScanError> {
    if scan.eat(b',') {
        if scan.peek() == Some(close) {
            return Err(scan.error(scan.token_start(), ErrorKind::TrailingComma));
        }
        Ok(false)
    } else if scan.eat(close) {
        Ok(true)
    } else {
        Err(scan.unexpected(what))
    }
}

/// The value that starts with `token`.
fn json_value(scan: &mut Scanner<'_>, token: Token<'_>) -> Result<Node<'static>, ScanError> {
    Ok(match token {
        Token::Str(s) => Node::Str(Cow::Owned(json_string(s)?)),
        // PHP's `(string)json_decode(...)`: the number's text as PHP prints it, `"1"`/`""`.
        Token::Number(n) => Node::Str(Cow::Owned(crate::scalar::php_json_number(n).into_owned())),
        Token::Bool(b) => Node::Str(Cow::Borrowed(if b { "1" } else { "" })),
        Token::Null => Node::Null,
        Token::ArrayStart => json_array(scan)?,
        Token::ObjectStart => json_object(scan)?,
        _ => return Err(scan.expected("a JSON value")),
    })
}

/// An array, after its `[`.
fn json_array(scan: &mut Scanner<'_>) -> Result<Node<'static>, ScanError> {
    let mut items = Vec::new();
    if !scan.eat(b']') {
        loop {
            let first = next(scan, "a JSON value")?;
            items.push(json_value(scan, first)?);
            if json_next(scan, b']', "`,` or `]`")? {
                break;
            }
        }
    }
    Ok(Node::Seq(items))
}

/// An object, after its `{`: a repeated key keeps the last value.
fn json_object(scan: &mut Scanner<'_>) -> Result<Node<'static>, ScanError> {
    let mut entries = Vec::new();
    let mut index = None;
    if !scan.eat(b'}') {
        loop {
            let Token::Str(key) = next(scan, "a string key")? else {
                return Err(scan.expected("a string key"));
            };
            let key = json_string(key)?;
            if !scan.eat(b':') {
                return Err(scan.unexpected("`:`"));
            }
            let first = next(scan, "a JSON value")?;
            let value = json_value(scan, first)?;
            insert_last_wins(&mut entries, &mut index, key, value);
            if json_next(scan, b'}', "`,` or `}`")? {
                break;
            }
        }
    }
    Ok(Node::Map(entries))
}

/// PHP array semantics for a repeated key: the last value, at the first key's position.
fn insert_last_wins(
    entries: &mut Vec<(Cow<'static, str>, Node<'static>)>,
    index: &mut Option<HashMap<String, usize>>,
    key: String,
    value: Node<'static>,
) {
    const LINEAR: usize = 16;
    let found = match index {
        Some(ix) => ix.get(&key).copied(),
        None => entries.iter().position(|(k, _)| *k == key),
    };
    if let Some(i) = found {
        entries[i].1 = value;
        return;
    }
    if let Some(ix) = index {
        ix.insert(key.clone(), entries.len());
    } else if entries.len() >= LINEAR {
        let mut ix: HashMap<String, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.to_string(), i))
            .collect();
        ix.insert(key.clone(), entries.len());
        *index = Some(ix);
    }
    entries.push((Cow::Owned(key), value));
}

// ---------------------------------------------------------------------------------------------
// XML (feature `xml`)
// ---------------------------------------------------------------------------------------------

/// The deepest element nesting [`parse_xml`] accepts, the root included.
pub const XML_MAX_DEPTH: usize = 64;

/// Writes `params` (a [`Node::Map`]) as an XML request body in the reference's style.
///
/// Never fails: names that are not XML names get their other characters replaced with `_`,
/// each character XML 1.0 cannot carry becomes U+FFFD, and a `params` that is not a map is
/// written as a single `<value>` entry. Use [`try_encode_xml`] to refuse those instead.
#[cfg(feature = "xml")]
pub fn encode_xml(params: &Node<'_>) -> Vec<u8> {
    xml::write_as(params, xml::REQUEST, false).unwrap_or_default()
}

/// Like [`encode_xml`], but fails with [`Error::Encode`] when `params` is not a map, a name is
/// not an XML name, or a text holds a character XML 1.0 cannot carry (C0 controls other than
/// tab, line feed and carriage return; U+FFFE, U+FFFF). The error's source is the
/// [`crate::error::XmlRefusal`], naming the parameter's path and the problem.
#[cfg(feature = "xml")]
pub fn try_encode_xml(params: &Node<'_>) -> Result<Vec<u8>, Error> {
    xml::write_as(params, xml::REQUEST, true).map_err(|refusal| {
        Error::Encode(crate::error::EncodeError::caused_by(
            crate::error::EncodeKind::Unrepresentable,
            refusal,
        ))
    })
}

/// Parses an XML request body (`<request>` root, or any single root element) into a
/// [`Node::Map`]. Errors are [`Error::Decode`] with the line and column.
///
/// Only UTF-8 is read: a body whose declaration names another encoding
/// (`<?xml version="1.0" encoding="ISO-8859-1"?>`) is refused, naming it, and a body that is not
/// UTF-8 is refused naming the element that holds the first invalid byte ([`Error::Invalid`],
/// rule `utf8`), as for JSON and form bodies.
#[cfg(feature = "xml")]
pub fn parse_xml(body: &[u8]) -> Result<Node<'static>, Error> {
    let body = crate::wire::strip_bom(body);
    if let Some(declared) = declared_encoding(body)
        && !declared.eq_ignore_ascii_case("utf-8")
        && !declared.eq_ignore_ascii_case("utf8")
    {
        return Err(decode_err(
            Format::Xml,
            body,
            0,
            format!("the body declares encoding \"{declared}\"; only UTF-8 is accepted"),
        ));
    }
    xml::read(body, xml::REQUEST)
        .map(Node::into_owned)
        .map_err(|e| {
            // The reader checks UTF-8 first; only a failed body is checked again, to name the
            // field.
            if let Err(bad) = std::str::from_utf8(body) {
                return not_utf8(Format::Xml, body, bad.valid_up_to(), parse_xml);
            }
            match e {
                Error::Decode(DecodeError {
                    position: Position::Offset(at),
                    message,
                    ..
                }) => decode_err(Format::Xml, body, at, message),
                other => other,
            }
        })
}

/// The `encoding` of the XML declaration that starts `body`, if it has one (quick-xml reads
/// the declaration).
#[cfg(feature = "xml")]
fn declared_encoding(body: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    match reader.read_event() {
        Ok(quick_xml::events::Event::Decl(decl)) => {
            let encoding = decl.encoding()?.ok()?;
            Some(encoding.into_owned())
        }
        _ => None,
    }
}

/// Writes nothing: this build has no XML support (feature `xml`); [`try_encode_xml`] says so.
#[cfg(not(feature = "xml"))]
pub fn encode_xml(_params: &Node<'_>) -> Vec<u8> {
    Vec::new()
}

/// Fails with [`Error::Config`]: this build has no XML support (feature `xml`).
#[cfg(not(feature = "xml"))]
pub fn try_encode_xml(_params: &Node<'_>) -> Result<Vec<u8>, Error> {
    Err(crate::Encoding::Xml.require().unwrap_err())
}

/// Fails with [`Error::Config`]: this build has no XML support (feature `xml`).
#[cfg(not(feature = "xml"))]
pub fn parse_xml(_body: &[u8]) -> Result<Node<'static>, Error> {
    Err(crate::Encoding::Xml.require().unwrap_err())
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// The error for a body that is not UTF-8 from byte `valid_up_to` on: the field whose name or
/// text holds the first invalid byte ([`Error::Invalid`], rule `utf8`), found by reading the
/// body again with the invalid bytes replaced by U+FFFD; the position when that does not read
/// (the invalid byte is outside any name or text).
fn not_utf8(
    format: Format,
    body: &[u8],
    valid_up_to: usize,
    read: fn(&[u8]) -> Result<Node<'static>, Error>,
) -> Error {
    // U+FFFD already in the body before the invalid byte, to be skipped.
    let before =
        std::str::from_utf8(&body[..valid_up_to]).map_or(0, |t| t.matches('\u{FFFD}').count());
    let lossy = String::from_utf8_lossy(body);
    if let Ok(node) = read(lossy.as_bytes()) {
        let mut seen = 0;
        if let Some((field, in_name)) = replacement_at(&node, "", before, &mut seen) {
            return super::form::not_utf8(&field, in_name);
        }
    }
    decode_err(format, body, valid_up_to, "invalid UTF-8")
}

/// The path (`filters.src`, `dst[1]`) of the name or text holding the U+FFFD numbered `nth`
/// (from 0) in document order, and whether it is a name; `seen` counts those passed.
fn replacement_at(
    node: &Node<'_>,
    path: &str,
    nth: usize,
    seen: &mut usize,
) -> Option<(String, bool)> {
    fn hit(text: &str, nth: usize, seen: &mut usize) -> bool {
        *seen += text.matches('\u{FFFD}').count();
        *seen > nth
    }
    match node {
        Node::Str(s) => hit(s, nth, seen).then(|| (path.to_owned(), false)),
        Node::Seq(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| replacement_at(item, &format!("{path}[{i}]"), nth, seen)),
        Node::Map(entries) => entries.iter().find_map(|(k, v)| {
            let inner = if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}.{k}")
            };
            if hit(k, nth, seen) {
                return Some((inner, true));
            }
            replacement_at(v, &inner, nth, seen)
        }),
        Node::Null | Node::Bool(_) => None,
    }
}

/// A decode error at byte `offset` of `body`, reported as a line and column (column counted in
/// characters, both from 1).
pub(crate) fn decode_err(
    format: Format,
    body: &[u8],
    offset: usize,
    msg: impl Into<String>,
) -> Error {
    Error::Decode(DecodeError::new(format, line_column(body, offset), msg))
}

pub(crate) fn line_column(body: &[u8], offset: usize) -> Position {
    let offset = offset.min(body.len());
    let before = &body[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    Position::LineColumn { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::arb::{m as map, s};
    use proptest::prelude::*;

    fn seq(items: Vec<Node<'static>>) -> Node<'static> {
        Node::Seq(items)
    }
    fn creds() -> Vec<(&'static str, Node<'static>)> {
        vec![
            ("api_user", s("100@default")),
            ("api_key", s("XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX")),
        ]
    }
    fn with_creds(rest: Vec<(&'static str, Node<'static>)>) -> Node<'static> {
        let mut v = creds();
        v.extend(rest);
        map(v)
    }
    fn decode_error(r: Result<Node<'static>, Error>) -> DecodeError {
        match r {
            Err(Error::Decode(d)) => d,
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    fn invalid_field(r: Result<Node<'static>, Error>) -> String {
        match r {
            Err(Error::Invalid(e)) => {
                assert_eq!(e.rule, "utf8");
                e.to_string()
            }
            other => panic!("expected a utf8 refusal, got {other:?}"),
        }
    }

    #[test]
    fn json_not_utf8_names_the_field() {
        assert_eq!(
            invalid_field(parse_json(
                b"{\"a\":\"ok\",\"filters\":{\"src\":\"x\xff\"}}"
            )),
            "invalid `filters.src`: is not UTF-8 text; the API reads UTF-8 only"
        );
        assert_eq!(
            invalid_field(parse_json(b"{\"dst\":[\"1\",\"\xe9\"]}")),
            "invalid `dst[1]`: is not UTF-8 text; the API reads UTF-8 only"
        );
        // A U+FFFD sent on purpose before it is not the culprit.
        assert_eq!(
            invalid_field(parse_json(
                "{\"a\":\"\u{FFFD}\",\"b\":\""
                    .as_bytes()
                    .iter()
                    .chain(b"\xff\"}")
                    .copied()
                    .collect::<Vec<u8>>()
                    .as_slice()
            )),
            "invalid `b`: is not UTF-8 text; the API reads UTF-8 only"
        );
        assert_eq!(
            invalid_field(parse_json(b"{\"k\xff\":\"1\"}")),
            "invalid `k\u{FFFD}`: has a name that is not UTF-8 text; the API reads UTF-8 only"
        );
        // Outside any text: the position.
        let d = decode_error(parse_json(b"{\"a\":1}\xff"));
        assert_eq!(d.message, "invalid UTF-8");
    }

    #[cfg(feature = "xml")]
    #[test]
    fn xml_only_utf8() {
        let d = decode_error(parse_xml(
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<request><name>caf\xe9</name></request>",
        ));
        assert_eq!(
            d.message,
            "the body declares encoding \"ISO-8859-1\"; only UTF-8 is accepted"
        );
        assert!(
            parse_xml(b"<?xml version=\"1.0\" encoding=\"utf-8\"?><request><a>1</a></request>")
                .is_ok()
        );
        assert!(parse_xml(b"<?xml version=\"1.0\"?><request><a>1</a></request>").is_ok());
        assert_eq!(
            invalid_field(parse_xml(
                b"<request><filters><src>caf\xe9</src></filters></request>"
            )),
            "invalid `filters.src`: is not UTF-8 text; the API reads UTF-8 only"
        );
    }

    // ---- the reference's samples (typographic quotes fixed) ---------------------------------

    #[test]
    fn reference_json_send_sms() {
        let a = br#"{
	"api_user":"100@default",
	"api_key":"XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX",
	"dst":"100,2223334444",
	"account_code":"505",
	"body":"This is a successful message."
}"#;
        let want_a = with_creds(vec![
            ("dst", s("100,2223334444")),
            ("account_code", s("505")),
            ("body", s("This is a successful message.")),
        ]);
        assert_eq!(parse_json(a).unwrap(), want_a);
        let b = br#"{
	"api_user":"100@default",
	"api_key":"XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX",
	"dst":[
				"100",
				"200"
			],
	"account_code":"505",
	"body":"This is a successful message."
}"#;
        let want_b = with_creds(vec![
            ("dst", seq(vec![s("100"), s("200")])),
            ("account_code", s("505")),
            ("body", s("This is a successful message.")),
        ]);
        assert_eq!(parse_json(b).unwrap(), want_b);
        assert_eq!(parse_json(&encode_json(&want_b)).unwrap(), want_b);
    }

    fn query_sms_expected(xml_style: bool) -> Node<'static> {
        let mut filters = vec![
            ("from", s("05/01/2017 10:58 am")),
            (
                "to",
                s(if xml_style {
                    "07/30/2017 10:58am"
                } else {
                    "07/30/2017 10:58 am"
                }),
            ),
            ("src", seq(vec![s("100"), s("z64xxx2n"), s("+12223334456")])),
        ];
        if xml_style {
            filters.extend([
                ("dst_original", s("+12223334456")),
                ("start_cdr_id", s("5256")),
                ("end_cdr_id", s("5356")),
                ("dst", s("100")),
            ]);
        } else {
            filters.extend([
                (
                    "dst_original",
                    seq(vec![s("+12223334456"), s("+12223334459")]),
                ),
                ("dst", s("100")),
                ("start_cdr_id", s("5256")),
                ("end_cdr_id", s("5356")),
            ]);
        }
        filters.extend([
            ("status", s("success")),
            ("direction", s("inbound")),
            ("message_id", s("XXX.XXX")),
            ("account_code", s("XXX")),
        ]);
        with_creds(vec![
            ("filters[]", map(filters)),
            ("results_limit", s("10")),
            ("results_offset", s("0")),
            ("order_by", s("desc")),
        ])
    }

    #[test]
    fn reference_json_query_sms() {
        let body = r#"{
	"api_user":"100@default",
	"api_key":"XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX",
	"filters[]":{
		"from":"05/01/2017 10:58 am",
		"to":"07/30/2017 10:58 am",
		"src":[
				"100",
				"z64xxx2n",
				"+12223334456"
				],
		"dst_original":[
				"+12223334456",
				"+12223334459"
						],
		"dst":"100",
		"start_cdr_id": 5256,
		"end_cdr_id": 5356,
		"status":"success",
		"direction":"inbound",
		"message_id":"XXX.XXX",
		"account_code":"XXX"
		},
	"results_limit":10,
	"results_offset":0,
	"order_by":"desc"
}"#;
        assert_eq!(
            parse_json(body.as_bytes()).unwrap(),
            query_sms_expected(false)
        );
    }

    #[test]
    fn reference_json_add_subscriber() {
        let body = br#"{
	"api_user":"100@default",
	"api_key":"XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX",
	"phone_number": 1112224444,
	"campaign_id": "XXXXXXX"
}"#;
        let want = with_creds(vec![
            ("phone_number", s("1112224444")),
            ("campaign_id", s("XXXXXXX")),
        ]);
        assert_eq!(parse_json(body).unwrap(), want);
    }

    #[test]
    fn reference_json_samples_as_printed_are_refused() {
        // typographic quotes and trailing commas, as the reference prints them
        let d = decode_error(parse_json(
            "{\n\t\u{201C}api_user\u{201D}:\u{201C}100@default\u{201D}\n}".as_bytes(),
        ));
        assert_eq!(d.position, Position::LineColumn { line: 2, column: 2 });
        assert!(d.message.contains("typographic quote"), "{}", d.message);
        let d = decode_error(parse_json(b"{\n\t\"api_user\":\"100@default\",\n}"));
        assert!(d.message.contains("trailing comma"), "{}", d.message);
        assert_eq!(d.position, Position::LineColumn { line: 3, column: 1 });
    }

    #[cfg(feature = "xml")]
    #[test]
    fn reference_xml_send_sms() {
        let a = br#"<?xml version="1.0" standalone="yes"?>
<request>
	<api_user>100@default</api_user>
	<api_key>XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX</api_key>
	<dst>100</dst>
	<dst>200</dst>
	<account_code>505</account_code>
	<body>This is a successful message.</body>
</request>"#;
        let want_a = with_creds(vec![
            ("dst", seq(vec![s("100"), s("200")])),
            ("account_code", s("505")),
            ("body", s("This is a successful message.")),
        ]);
        assert_eq!(parse_xml(a).unwrap(), want_a);
        let b = br#"<?xml version="1.0" standalone="yes"?>
<request>
	<api_user>100@default</api_user>
	<api_key>XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX</api_key>
	<dst>100,100</dst>
	<account_code>505</account_code>
	<body>This is a successful message.</body>
</request>"#;
        let want_b = with_creds(vec![
            ("dst", s("100,100")),
            ("account_code", s("505")),
            ("body", s("This is a successful message.")),
        ]);
        assert_eq!(parse_xml(b).unwrap(), want_b);
        // our writer produces the reference's layout exactly
        assert_eq!(
            String::from_utf8(encode_xml(&want_a)).unwrap(),
            String::from_utf8(a.to_vec()).unwrap() + "\n"
        );
        assert_eq!(try_encode_xml(&want_a).unwrap(), encode_xml(&want_a));
    }

    #[cfg(feature = "xml")]
    #[test]
    fn reference_xml_query_sms_with_filters_brackets() {
        let body = br#"<?xml version="1.0" standalone="yes" ?>
<request>
	<api_user>100@default</api_user>
	<api_key>XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX</api_key>
	<filters[]>
		<from>05/01/2017 10:58 am</from>
		<to>07/30/2017 10:58am</to>
		<src>100</src>
		<src>z64xxx2n</src>
		<src>+12223334456</src>
		<dst_original>+12223334456</dst_original>
		<start_cdr_id>5256</start_cdr_id>
		<end_cdr_id>5356</end_cdr_id>
		<dst>100</dst>
		<status>success</status>
		<direction>inbound</direction>
		<message_id>XXX.XXX</message_id>
		<account_code>XXX</account_code>
	</filters[]>
	<results_limit>10</results_limit>
	<results_offset>0</results_offset>
	<order_by>desc</order_by>
</request>"#;
        let want = query_sms_expected(true);
        assert_eq!(parse_xml(body).unwrap(), want);
        // and it is written back the same way
        assert_eq!(parse_xml(&encode_xml(&want)).unwrap(), want);
        assert!(
            String::from_utf8(encode_xml(&want))
                .unwrap()
                .contains("\t<filters[]>\n\t\t<from>")
        );
    }

    #[cfg(feature = "xml")]
    #[test]
    fn reference_xml_add_subscriber() {
        let body = br#"<?xml version="1.0" standalone="yes" ?>
<request>
	<api_user>100@default</api_user>
	<api_key>XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX</api_key>
	<phone_number>1112224444</phone_number>
	<campaign_id>XXXXXXX</campaign_id>
</request>"#;
        let want = with_creds(vec![
            ("phone_number", s("1112224444")),
            ("campaign_id", s("XXXXXXX")),
        ]);
        assert_eq!(parse_xml(body).unwrap(), want);
    }

    // ---- JSON details -----------------------------------------------------------------------

    #[test]
    fn json_scalars_are_php_strings() {
        // PHP 8.2: `(string)json_decode($text)` (the php cross-check in `scalar.rs` checks many
        // more).
        let n = parse_json(
            br#"[0, -0, 1.50, 1e3, -2.5E-7, 12345678901234567890123, 9223372036854775807, true, false, null]"#,
        )
        .unwrap();
        let mut want: Vec<Node<'static>> = [
            "0",
            "0",
            "1.5",
            "1000",
            "-2.5E-7",
            "1.2345678901235E+22",
            "9223372036854775807",
            "1",
            "",
        ]
        .map(s)
        .to_vec();
        want.push(Node::Null);
        assert_eq!(n, seq(want));
        for bad in ["01", "1.", ".5", "+1", "1e", "-", "0x10", "NaN", "Infinity"] {
            assert!(parse_json(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn json_strings_and_duplicates() {
        let n =
            parse_json(br#"{"a":"\u00e9\ud83d\ude00\n\/\"","b":1,"a":"last","c":null,"d":true}"#)
                .unwrap();
        assert_eq!(
            n,
            map(vec![
                ("a", s("last")),
                ("b", s("1")),
                ("c", Node::Null),
                ("d", s("1"))
            ])
        );
        let n = parse_json(br#""\u00e9\ud83d\ude00\n\/\"""#).unwrap();
        assert_eq!(n, s("é😀\n/\""));
        for bad in [
            r#""\ud83d""#,
            r#""\ude00x""#,
            r#""\x""#,
            "\"a\tb\"",
            r#""abc"#,
            r#""\u12""#,
        ] {
            assert!(parse_json(bad.as_bytes()).is_err(), "{bad}");
        }
        // many keys (hash index path) with a late duplicate
        let mut body = String::from("{");
        for i in 0..40 {
            body.push_str(&format!("\"k{i}\":\"{i}\","));
        }
        body.push_str("\"k3\":\"x\"}");
        let n = parse_json(body.as_bytes()).unwrap();
        let Node::Map(e) = &n else { panic!() };
        assert_eq!(e.len(), 40);
        assert_eq!(n.get("k3"), Some(&s("x")));
        assert_eq!(e[3].0, "k3");
    }

    #[test]
    fn json_errors_have_positions() {
        let d = decode_error(parse_json(b"{\"a\": [1, 2,, 3]}"));
        assert_eq!(
            d.position,
            Position::LineColumn {
                line: 1,
                column: 13
            }
        );
        assert_eq!(d.format, Format::Json);
        let d = decode_error(parse_json(b""));
        assert!(d.message.contains("end of input"));
        let d = decode_error(parse_json(b"{} x"));
        assert!(d.message.contains("after the JSON value"));
        let d = decode_error(parse_json(b"\xEF\xBB\xBF{}"));
        assert_eq!(d.position, Position::LineColumn { line: 1, column: 1 });
        // Invalid UTF-8 in a string names its field (issue 16).
        let e = invalid_field(parse_json(b"{\"a\":\"\xff\"}"));
        assert!(e.contains("`a`") && e.contains("UTF-8"), "{e}");
    }

    #[test]
    fn json_depth_limit() {
        let ok = "[".repeat(JSON_MAX_DEPTH) + &"]".repeat(JSON_MAX_DEPTH);
        assert!(parse_json(ok.as_bytes()).is_ok());
        let deep = "[".repeat(JSON_MAX_DEPTH + 1) + &"]".repeat(JSON_MAX_DEPTH + 1);
        assert!(
            decode_error(parse_json(deep.as_bytes()))
                .message
                .contains("nesting deeper")
        );
        let hostile = "[".repeat(1_000_000);
        assert!(parse_json(hostile.as_bytes()).is_err());
    }

    #[test]
    fn json_writer() {
        let n = map(vec![
            ("z", s("1")),
            ("a", seq(vec![Node::Bool(false), Node::Null, s("é\"/")])),
            ("m", map(vec![])),
        ]);
        assert_eq!(
            String::from_utf8(encode_json(&n)).unwrap(),
            r#"{"z":"1","a":[false,null,"é\"/"],"m":{}}"#
        );
    }

    // ---- XML details ------------------------------------------------------------------------

    #[cfg(feature = "xml")]
    #[test]
    fn xml_writer_layout() {
        let n = map(vec![
            ("report_type", s("detail_table")),
            ("columns", seq(vec![s("a"), s("b")])),
            (
                "filter_groups",
                seq(vec![
                    map(vec![
                        ("exclusivity", s("include")),
                        ("rules", seq(vec![map(vec![("type", s("bridged"))])])),
                    ]),
                    map(vec![("exclusivity", s("exclude"))]),
                ]),
            ),
            ("flag", Node::Bool(true)),
            ("none", Node::Null),
            ("empty", seq(vec![])),
            ("nested", seq(vec![seq(vec![s("1"), s("2")]), seq(vec![])])),
            ("text", s("a<b & c>d\r\n\u{1}")),
        ]);
        let got = String::from_utf8(encode_xml(&n)).unwrap();
        let want = "<?xml version=\"1.0\" standalone=\"yes\"?>\n<request>\n\
            \t<report_type>detail_table</report_type>\n\
            \t<columns>a</columns>\n\t<columns>b</columns>\n\
            \t<filter_groups>\n\t\t<exclusivity>include</exclusivity>\n\t\t<rules>\n\t\t\t<type>bridged</type>\n\t\t</rules>\n\t</filter_groups>\n\
            \t<filter_groups>\n\t\t<exclusivity>exclude</exclusivity>\n\t</filter_groups>\n\
            \t<flag>1</flag>\n\
            \t<nested>\n\t\t<value>1</value>\n\t\t<value>2</value>\n\t</nested>\n\
            \t<text>a&lt;b &amp; c&gt;d&#13;\n\u{FFFD}</text>\n\
            </request>\n";
        assert_eq!(got, want);
        let back = parse_xml(got.as_bytes()).unwrap();
        assert_eq!(back.get("text"), Some(&s("a<b & c>d\r\n\u{FFFD}")));
        assert_eq!(
            back.get("nested"),
            Some(&map(vec![("value", seq(vec![s("1"), s("2")]))]))
        );
        // strict mode refuses what XML cannot carry, naming the field
        let Err(Error::Encode(e)) = try_encode_xml(&n) else {
            panic!("U+0001 must be refused")
        };
        assert_eq!(e.kind(), crate::error::EncodeKind::Unrepresentable);
        assert_eq!(
            e.to_string(),
            "`text`: the character U+0001 cannot be sent in an XML body (XML 1.0 forbids it)"
        );
        let refusal = std::error::Error::source(&e)
            .and_then(|s| s.downcast_ref::<crate::error::XmlRefusal>())
            .expect("the refusal is the source");
        assert_eq!(refusal.field, "text");
        assert_eq!(
            refusal.problem,
            crate::error::XmlProblem::Character('\u{1}')
        );
        assert!(try_encode_xml(&map(vec![("1abc", s("x"))])).is_err());
        assert!(try_encode_xml(&map(vec![("a b", s("x"))])).is_err());
        assert!(try_encode_xml(&s("x")).is_err());
        assert!(try_encode_xml(&map(vec![("ok", s("tab\tnl\ncr\r"))])).is_ok());
        // lenient mode repairs names
        let fixed = String::from_utf8(encode_xml(&map(vec![
            ("1a b", s("x")),
            ("", s("y")),
            ("custom:f-1.x", s("z")),
        ])))
        .unwrap();
        assert!(
            fixed.contains("<_1a_b>x</_1a_b>")
                && fixed.contains("<_>y</_>")
                && fixed.contains("<custom:f-1.x>z</custom:f-1.x>"),
            "{fixed}"
        );
        assert_eq!(
            String::from_utf8(encode_xml(&Node::Null)).unwrap(),
            "<?xml version=\"1.0\" standalone=\"yes\"?>\n<request>\n</request>\n"
        );
    }

    #[cfg(feature = "xml")]
    #[test]
    fn xml_reader_details() {
        // empty elements, CDATA, entities, comments, attributes ignored, whitespace kept in leaves
        let body = br#"<?xml version="1.0"?><!-- c --><request a="1"><e/><f></f><g> sp </g><h><![CDATA[<x>&]]></h><i>&lt;&#65;&#x42;&amp;</i><?pi x?></request>"#;
        let want = map(vec![
            ("e", s("")),
            ("f", s("")),
            ("g", s(" sp ")),
            ("h", s("<x>&")),
            ("i", s("<AB&")),
        ]);
        assert_eq!(parse_xml(body).unwrap(), want);
        assert_eq!(parse_xml(b"<request/>").unwrap(), map(vec![]));
        assert_eq!(
            parse_xml(b"\xEF\xBB\xBF<request>\n</request>").unwrap(),
            map(vec![])
        );
        assert_eq!(
            parse_xml(b"<anything><a>1</a></anything>").unwrap(),
            map(vec![("a", s("1"))])
        );
        // repeated siblings keep the first one's position
        assert_eq!(
            parse_xml(b"<r><d>1</d><x>y</x><d>2</d><d>3</d></r>").unwrap(),
            map(vec![
                ("d", seq(vec![s("1"), s("2"), s("3")])),
                ("x", s("y"))
            ])
        );
        // CRLF in raw text is normalised to LF
        assert_eq!(
            parse_xml(b"<r><a>1\r\n2</a></r>").unwrap(),
            map(vec![("a", s("1\n2"))])
        );
    }

    #[cfg(feature = "xml")]
    #[test]
    fn xml_reader_errors() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"<!DOCTYPE r [<!ENTITY x \"y\">]><r><a>&x;</a></r>",
                "DOCTYPE",
            ),
            (b"<r><a>&x;</a></r>", "unknown entity"),
            (b"<r><a>1</b></r>", ""),
            (b"<r><a>1</a>", "end of document"),
            (b"<r/><s/>", "second root"),
            (b"<r>text<a>1</a></r>", "text directly inside the root"),
            (b"<r><a>x<b>1</b></a></r>", "mixed"),
            (b"", "no root"),
            (b"   ", "no root"),
            (b"hello", "outside the root"),
            // Invalid UTF-8 outside any text keeps its position.
            (b"<r><a>1</a>\xff</r>", "UTF-8"),
            (b"<r><a>&#0;</a></r>", ""),
        ];
        for (body, want) in cases {
            let d = decode_error(parse_xml(body));
            assert_eq!(d.format, Format::Xml);
            assert!(
                d.message.contains(want),
                "{:?}: {}",
                String::from_utf8_lossy(body),
                d.message
            );
        }
        // Inside a text it names the element (issue 16).
        let e = invalid_field(parse_xml(b"<r><a>\xff</a></r>"));
        assert!(e.contains("`a`") && e.contains("UTF-8"), "{e}");
        let d = decode_error(parse_xml(b"<r>\n  <a>1</a>\n  <!DOCTYPE x>\n</r>"));
        assert!(
            matches!(d.position, Position::LineColumn { line: 3, .. }),
            "{:?}",
            d.position
        );
    }

    #[cfg(feature = "xml")]
    #[test]
    fn xml_depth_limit() {
        let nest = |n: usize| "<a>".repeat(n) + "x" + &"</a>".repeat(n);
        assert!(parse_xml(nest(XML_MAX_DEPTH).as_bytes()).is_ok());
        assert!(
            decode_error(parse_xml(nest(XML_MAX_DEPTH + 1).as_bytes()))
                .message
                .contains("deeper than 64")
        );
        assert!(parse_xml("<a>".repeat(1_000_000).as_bytes()).is_err());
    }

    // ---- properties -------------------------------------------------------------------------

    fn ident() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9_]{0,6}"
    }

    fn dedupe(v: Vec<(String, Node<'static>)>) -> Vec<(Cow<'static, str>, Node<'static>)> {
        let mut out: Vec<(Cow<'static, str>, Node<'static>)> = Vec::new();
        for (k, n) in v {
            if !out.iter().any(|(e, _)| *e == k) {
                out.push((Cow::Owned(k), n));
            }
        }
        out
    }

    /// Trees; `nested_lists` allows a list directly inside a list.
    fn arb_node(nested_lists: bool) -> impl Strategy<Value = Node<'static>> {
        let leaf = prop_oneof![
            1 => Just(Node::Null),
            1 => any::<bool>().prop_map(Node::Bool),
            6 => any::<String>().prop_map(|t| Node::Str(Cow::Owned(t))),
        ];
        leaf.prop_recursive(4, 48, 5, move |inner| {
            let map = prop::collection::vec((ident(), inner.clone()), 0..5)
                .prop_map(|v| Node::Map(dedupe(v)));
            let items = if nested_lists {
                inner.boxed()
            } else {
                inner
                    .prop_filter("no list in a list", |n| !matches!(n, Node::Seq(_)))
                    .boxed()
            };
            prop_oneof![prop::collection::vec(items, 0..5).prop_map(Node::Seq), map]
        })
    }

    fn arb_params(nested_lists: bool) -> impl Strategy<Value = Node<'static>> {
        prop::collection::vec((ident(), arb_node(nested_lists)), 0..6)
            .prop_map(|v| Node::Map(dedupe(v)))
    }

    /// What a JSON body gives the server: booleans as PHP's `(string)` cast has them.
    fn php_bools(n: &Node<'_>) -> Node<'static> {
        match n {
            Node::Bool(b) => s(if *b { "1" } else { "" }),
            Node::Seq(items) => Node::Seq(items.iter().map(php_bools).collect()),
            Node::Map(entries) => Node::Map(
                entries
                    .iter()
                    .map(|(k, v)| (Cow::Owned(k.to_string()), php_bools(v)))
                    .collect(),
            ),
            other => other.clone().into_owned(),
        }
    }

    /// What an XML body keeps: no nulls or empty containers, booleans as 1/0, each character
    /// XML 1.0 forbids as U+FFFD, and a one-item list is a single element.
    #[cfg(feature = "xml")]
    fn xml_norm(n: &Node<'_>) -> Option<Node<'static>> {
        match n {
            Node::Null => None,
            Node::Bool(b) => Some(s(if *b { "1" } else { "0" })),
            Node::Str(v) => Some(s(&v
                .chars()
                .map(|c| if xml::is_forbidden(c) { '\u{FFFD}' } else { c })
                .collect::<String>())),
            Node::Seq(items) => {
                let mut v: Vec<_> = items.iter().filter_map(xml_norm).collect();
                match v.len() {
                    0 => None,
                    1 => v.pop(),
                    _ => Some(Node::Seq(v)),
                }
            }
            Node::Map(entries) => {
                let v: Vec<_> = entries
                    .iter()
                    .filter_map(|(k, v)| xml_norm(v).map(|v| (Cow::Owned(k.to_string()), v)))
                    .collect();
                (!v.is_empty()).then_some(Node::Map(v))
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn json_round_trip(params in arb_params(true)) {
            let body = encode_json(&params);
            prop_assert_eq!(parse_json(&body).unwrap(), php_bools(&params));
        }

        #[cfg(feature = "xml")]
        #[test]
        fn xml_round_trip(params in arb_params(false)) {
            let body = encode_xml(&params);
            let back = parse_xml(&body);
            prop_assert!(back.is_ok(), "{:?}\n{}", back, String::from_utf8_lossy(&body));
            let want = xml_norm(&params).unwrap_or(Node::Map(vec![]));
            prop_assert_eq!(back.unwrap(), want);
        }

        #[test]
        fn parsers_never_panic(body in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_json(&body);
            let _ = parse_xml(&body);
        }

        #[test]
        fn json_parser_never_panics_on_near_json(body in "[\\[\\]{}\":,0-9a-z\\\\ .eE+\\-\u{e9}\u{201C}]{0,80}") {
            let _ = parse_json(body.as_bytes());
        }

        #[cfg(feature = "xml")]
        #[test]
        fn xml_parser_never_panics_on_near_xml(body in "[<>/a-c &;#x0-9\"=!?\\[\\]\\-\u{e9}]{0,80}") {
            let _ = parse_xml(body.as_bytes());
        }
    }
}
