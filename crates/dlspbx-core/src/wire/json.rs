//! JSON: decoded straight into the types by `serde_json`; written like PHP's `json_encode`.
//!
//! Decoding borrows every string that the body did not escape. Before the full decode, a cheap
//! look at the start of the document checks for the error shape (`"result": "error"`): the
//! look stops as soon as `result` is seen with another value, which for the PHP server (that
//! writes `result` first) is after a few bytes.
//!
//! Writing follows `json_encode` without flags: no spaces, `/` as `\/`, non-ASCII as `\u00e9`
//! (astral characters as surrogate pairs, lowercase hex), control characters escaped, strings
//! stay strings (`"42"`), an empty map is `[]` (PHP cannot tell an empty map from an empty list).
use super::{Node, Str};
use crate::error::{DecodeError, Error, Position, Result};
use crate::format::Format;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::fmt;

/// Decodes a JSON body into `T` (error shape checked first).
pub fn decode<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T> {
    if let Ok(Sniff::Error(message)) = serde_json::from_slice::<Sniff>(body) {
        return Err(Error::Server { message });
    }
    serde_json::from_slice(body).map_err(|e| Error::Decode(decode_error(&e)))
}

/// Parses a JSON document into a [`Node`] tree (request bodies, tests). Numbers keep their
/// text as `serde_json` prints them (`42`, `1.5`); unescaped strings borrow from `body`.
pub fn parse(body: &[u8]) -> Result<Node<'_>> {
    serde_json::from_slice(body).map_err(|e| Error::Decode(decode_error(&e)))
}

fn decode_error(e: &serde_json::Error) -> DecodeError {
    let (line, column) = (e.line(), e.column());
    let full = e.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    let position = if line == 0 {
        Position::Unknown
    } else {
        Position::LineColumn {
            line,
            column: column.max(1),
        }
    };
    DecodeError::new(Format::Json, position, message)
}

/// The outcome of the error-shape check.
enum Sniff {
    /// `result` is `error`; the message (empty when absent).
    Error(String),
    /// No `result` key at all.
    NoResult,
}

const NOT_AN_ERROR: &str = "\u{0}not the error shape";

impl<'de> Deserialize<'de> for Sniff {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_map(SniffVisitor)
    }
}

struct SniffVisitor;

impl<'de> Visitor<'de> for SniffVisitor {
    type Value = Sniff;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Sniff, A::Error> {
        let mut is_error = false;
        let mut message: Option<String> = None;
        while let Some(key) = map.next_key::<Str<'de>>()? {
            match key.as_str() {
                "result" => {
                    let value = map.next_value::<Option<Str<'de>>>()?;
                    if value.as_deref() != Some("error") {
                        // Stop reading: the rest of the body is for the real decoder.
                        return Err(de::Error::custom(NOT_AN_ERROR));
                    }
                    is_error = true;
                }
                "error" => {
                    let value = map.next_value::<Option<Str<'de>>>()?;
                    message = Some(value.map(|v| v.0.into_owned()).unwrap_or_default());
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(if is_error {
            Sniff::Error(message.unwrap_or_default())
        } else {
            Sniff::NoResult
        })
    }
}

/// Writes `node` like PHP's `json_encode`.
pub fn write(node: &Node<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_node(&mut out, node);
    out
}

/// [`write`], except that the top-level entries named in `numbers` whose text is an integer
/// are written as JSON numbers, as `json_encode` writes a PHP `int` (a [`Node`] holds every
/// scalar as text, so the caller says which fields the server holds as integers).
pub(crate) fn write_with_numbers(node: &Node<'_>, numbers: &[&str]) -> Vec<u8> {
    let Node::Map(entries) = node else {
        return write(node);
    };
    if entries.is_empty() {
        return write(node);
    }
    let mut out = Vec::with_capacity(256);
    out.push(b'{');
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(&mut out, k);
        out.push(b':');
        match v {
            Node::Str(s) if numbers.contains(&k.as_ref()) && is_integer(s) => {
                out.extend_from_slice(s.as_bytes());
            }
            _ => write_node(&mut out, v),
        }
    }
    out.push(b'}');
    out
}

/// An integer as `json_encode` writes one: `0`, `-42`, no leading zeros or `+`.
fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && s != "-0"
}

fn write_node(out: &mut Vec<u8>, node: &Node<'_>) {
    match node {
        Node::Null => out.extend_from_slice(b"null"),
        Node::Bool(true) => out.extend_from_slice(b"true"),
        Node::Bool(false) => out.extend_from_slice(b"false"),
        Node::Str(s) => write_str(out, s),
        Node::Seq(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_node(out, item);
            }
            out.push(b']');
        }
        Node::Map(entries) if entries.is_empty() => out.extend_from_slice(b"[]"),
        Node::Map(entries) => {
            out.push(b'{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, k);
                out.push(b':');
                write_node(out, v);
            }
            out.push(b'}');
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_u16_escape(out: &mut Vec<u8>, unit: u16) {
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from((unit >> shift) & 0xF)]);
    }
}

/// Writes a JSON string the way `json_encode` does.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape: Option<&[u8]> = match c {
            '"' => Some(b"\\\""),
            '\\' => Some(b"\\\\"),
            '/' => Some(b"\\/"),
            '\u{8}' => Some(b"\\b"),
            '\u{c}' => Some(b"\\f"),
            '\n' => Some(b"\\n"),
            '\r' => Some(b"\\r"),
            '\t' => Some(b"\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        start = i + c.len_utf8();
        match escape {
            Some(e) => out.extend_from_slice(e),
            None => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_u16_escape(out, *unit);
                }
            }
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::wire::arb::s;
    pub(crate) use crate::wire::arb::{arb_node, arb_text, normalize_empty};
    use crate::wire::{CsvLayout, KeyedList, scalar};
    use proptest::prelude::*;
    use std::borrow::Cow;

    const USERS: &str = r#"{
	"result": "success",
	"users": [
				{
					"ext": "630",
					"user": "Tom",
					"tenant": "default",
					"authid": "beaucrn6",
					"vmail": "6/6",
					"status": "OK (3 ms)",
					"host": "209.242.9.134",
					"port": "12447"
				},
				{
					"ext": "69",
					"user": "Jerry",
					"tenant": "default",
					"authid": "cpirg16m",
					"vmail": "0/0",
					"status": "Unmonitored",
					"host": "N/A",
					"port": "0"
				}
 			]
}"#;

    #[derive(Debug, Deserialize)]
    struct Users<'a> {
        #[serde(borrow, deserialize_with = "scalar::list")]
        users: Vec<User<'a>>,
    }

    #[derive(Debug, Deserialize)]
    struct User<'a> {
        #[serde(borrow)]
        ext: Str<'a>,
        #[serde(borrow)]
        user: Str<'a>,
        #[serde(deserialize_with = "scalar::int")]
        port: i64,
    }

    #[test]
    fn users_sample() {
        let u: Users = decode(USERS.as_bytes()).unwrap();
        assert_eq!(u.users.len(), 2);
        assert_eq!(u.users[0].ext, "630");
        assert_eq!(u.users[1].user, "Jerry");
        assert_eq!(u.users[0].port, 12447);
        assert!(u.users[0].user.is_borrowed());
    }

    const QUEUES: &str = r#"{
	"result": "success",
	"queues": {
		"support_queue": {
			"queue": "support_queue",
			"holdtime": "4s",
			"waiting": "0",
			"agents": {
				"beaucrn6": {
					"name": "Tom",
					"tid": "0",
					"avail": "1",
					"otherdata": " (ringinuse disabled) (dynamic)",
					"paused": "0",
					"connected_to": "XXXXXXXXXX"
				}
			},
			"calls_waiting": [ { "number": "XXXXXXXXXX", "priority": "1", "wait_time": "0:04" } ]
		},
		"testqueue": { "queue": "testqueue", "holdtime": "0s", "waiting": 0, "agents": [] }
	}
}"#;

    #[derive(Debug, Deserialize)]
    struct Queues<'a> {
        #[serde(borrow)]
        queues: KeyedList<'a, Queue<'a>>,
    }

    #[derive(Debug, Deserialize)]
    struct Queue<'a> {
        #[serde(deserialize_with = "scalar::int")]
        waiting: i64,
        #[serde(borrow)]
        agents: KeyedList<'a, Agent<'a>>,
        #[serde(borrow, default, deserialize_with = "scalar::list")]
        calls_waiting: Vec<KeyedList<'a, Str<'a>>>,
    }

    #[derive(Debug, Deserialize)]
    struct Agent<'a> {
        #[serde(borrow)]
        name: Str<'a>,
        #[serde(deserialize_with = "scalar::flag")]
        avail: bool,
        #[serde(default, borrow)]
        missing: Option<Str<'a>>,
    }

    #[test]
    fn queues_sample_with_empty_array_for_map() {
        let q: Queues = decode(QUEUES.as_bytes()).unwrap();
        assert_eq!(
            q.queues.keys().collect::<Vec<_>>(),
            ["support_queue", "testqueue"]
        );
        let support = q.queues.get("support_queue").unwrap();
        let tom = support.agents.get("beaucrn6").unwrap();
        assert_eq!(
            (tom.name.as_str(), tom.avail, tom.missing.is_none()),
            ("Tom", true, true)
        );
        assert_eq!(support.calls_waiting[0].get("wait_time").unwrap(), "0:04");
        let test = q.queues.get("testqueue").unwrap();
        assert!(test.agents.is_empty());
        assert_eq!(test.waiting, 0);
    }

    #[test]
    fn report_and_query_sms_samples() {
        #[derive(Debug, Deserialize)]
        struct Report<'a> {
            #[serde(borrow)]
            error: Str<'a>,
            #[serde(deserialize_with = "scalar::int")]
            total_results: i64,
            #[serde(borrow)]
            columns: Vec<Str<'a>>,
            #[serde(borrow)]
            results: Vec<Vec<Str<'a>>>,
        }
        let body = r#"{
	"result": "success",
	"error": "",
	"total_results": 3,
	"title": "Restrict inclusive by date range 'Mon, Oct 1, 2016 12:39 pm' - America\/Chicago",
	"columns": ["unique_id", "date", "callerid", "billable_duration"],
	"results": [
		["1476370446.2", "2016-10-13 09:54:06", "\"Example User 1\" <123>", "85"],
		["1476370384.0", "2016-10-13 09:53:04", "\"DLS Internet Services\" <8478544799>", "41"]
	]
}"#;
        let r: Report = decode(body.as_bytes()).unwrap();
        assert_eq!(
            (r.error.as_str(), r.total_results, r.columns.len()),
            ("", 3, 4)
        );
        assert_eq!(r.results[0][2], "\"Example User 1\" <123>");
        assert!(r.results[0][0].is_borrowed() && !r.results[0][2].is_borrowed());

        #[derive(Debug, Deserialize)]
        struct Sms<'a> {
            #[serde(deserialize_with = "scalar::int")]
            total_results: i64,
            #[serde(borrow, deserialize_with = "scalar::list")]
            results: Vec<KeyedList<'a, Str<'a>>>,
        }
        let body = r#"{"result":"success","total_results":"171","results_limit":"10","results_offset":"0","results":[{"id":"3131","timestamp":"2017-06-22 15:36:41","dst_original_label":"","account_code":"213985"},{"id":"3121","account_code":""}]}"#;
        let q: Sms = decode(body.as_bytes()).unwrap();
        assert_eq!((q.total_results, q.results.len()), (171, 2));
        assert_eq!(q.results[1].get("account_code").unwrap(), "");
    }

    #[test]
    fn error_shape() {
        let err = decode::<Users>(br#"{"result":"error","error":"Invalid API key"}"#).unwrap_err();
        assert!(
            matches!(err, Error::Server { ref message } if message == "Invalid API key"),
            "{err:?}"
        );
        let err = decode::<Users>(br#"{"error":"first","result":"error","x":[1,2]}"#).unwrap_err();
        assert!(
            matches!(err, Error::Server { ref message } if message == "first"),
            "{err:?}"
        );
        let err = decode::<Users>(br#"{"result":"error"}"#).unwrap_err();
        assert!(
            matches!(err, Error::Server { ref message } if message.is_empty()),
            "{err:?}"
        );
        let err = decode::<Users>(crate::wire::encode_error(Format::Json, "a/b é").as_slice())
            .unwrap_err();
        assert!(
            matches!(err, Error::Server { ref message } if message == "a/b é"),
            "{err:?}"
        );
        // Not an error: the decode proceeds (and fails on the missing field).
        let err = decode::<Users>(br#"{"result":"success"}"#).unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
    }

    #[test]
    fn malformed_bodies_have_positions() {
        for (body, line) in [
            (&b""[..], 1usize),
            (b"{\"result\": \xe2\x80\x9csuccess\xe2\x80\x9d}", 1),
            (b"{\n\"result\":\"success\",\n}", 3),
            (b"<html>", 1),
            (b"{\"users\": 5}", 1),
        ] {
            let err = decode::<Users>(body).unwrap_err();
            let Error::Decode(e) = err else {
                panic!("{err:?}")
            };
            assert_eq!(e.format, Format::Json);
            assert!(
                matches!(e.position, Position::LineColumn { line: l, .. } if l == line),
                "{e:?}"
            );
            assert!(!e.message.contains(" at line "), "{}", e.message);
        }
    }

    #[test]
    fn escapes_decode() {
        let n = parse(
            br#"{"url":"http:\/\/x\/y","name":"caf\u00e9","emoji":"\ud83d\ude00","plain":"abc"}"#,
        )
        .unwrap();
        assert_eq!(n.get("url").and_then(Node::as_str), Some("http://x/y"));
        assert_eq!(n.get("name").and_then(Node::as_str), Some("café"));
        assert_eq!(n.get("emoji").and_then(Node::as_str), Some("😀"));
        assert!(matches!(n.get("plain"), Some(Node::Str(Cow::Borrowed(_)))));
    }

    #[test]
    fn php_style_writing() {
        let n = Node::Map(vec![
            ("result".into(), s("success")),
            ("url".into(), s("http://x/\"q\"\\")),
            ("name".into(), s("café 😀\u{1}\n\t")),
            ("id".into(), s("0123")),
            ("empty_map".into(), Node::Map(vec![])),
            ("empty_list".into(), Node::Seq(vec![])),
            (
                "flags".into(),
                Node::Seq(vec![Node::Bool(true), Node::Bool(false), Node::Null]),
            ),
        ]);
        let out = String::from_utf8(write(&n)).unwrap();
        assert_eq!(
            out,
            r#"{"result":"success","url":"http:\/\/x\/\"q\"\\","name":"caf\u00e9 \ud83d\ude00\u0001\n\t","id":"0123","empty_map":[],"empty_list":[],"flags":[true,false,null]}"#
        );
        let back = parse(out.as_bytes()).unwrap();
        let mut expected = n.clone();
        if let Node::Map(entries) = &mut expected {
            entries[4].1 = Node::Seq(vec![]);
        }
        assert_eq!(back, expected);
    }

    #[test]
    fn encode_puts_result_first() {
        #[derive(serde::Serialize)]
        struct R {
            #[serde(serialize_with = "scalar::ser_int")]
            id: i64,
        }
        let out = crate::wire::encode(Format::Json, CsvLayout::Keys, &R { id: 42 }).unwrap();
        assert_eq!(out, br#"{"result":"success","id":"42"}"#);
    }

    #[test]
    fn bom_is_stripped_by_decode() {
        let body = b"\xEF\xBB\xBF{\"result\":\"success\",\"users\":[]}";
        let u: Users = crate::wire::decode(Format::Json, CsvLayout::Keys, body).unwrap();
        assert!(u.users.is_empty());
    }

    proptest! {
        #[test]
        fn round_trip(node in arb_node()) {
            let out = write(&node);
            let back = parse(&out).unwrap().into_owned();
            prop_assert_eq!(back, normalize_empty(node));
        }

        #[test]
        fn never_panics(body in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse(&body);
            let _ = decode::<Users>(&body);
        }
    }
}
