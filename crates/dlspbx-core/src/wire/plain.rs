//! Plain text: one integer.
//!
//! The server writes the related resource's ID (`42`), `0` for other successful calls and `-1`
//! on error. Whitespace and a BOM around the number are ignored.
use super::Node;
use crate::error::{DecodeError, Error, Position, Result};
use crate::format::Format;
use std::borrow::Cow;

const EXPECTED: &str = "expected an integer (the ID of the related resource, or -1 for an error)";

/// Parses a plain body: `-1` is the error shape, `N >= 0` becomes `{result: success, id: N}`.
pub fn parse(body: &[u8]) -> Result<Node<'_>> {
    let not_plain = || {
        Error::Decode(DecodeError::new(
            Format::Plain,
            Position::Offset(0),
            EXPECTED,
        ))
    };
    let body = super::strip_bom(body);
    let text = std::str::from_utf8(body).map_err(|_| not_plain())?;
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text == "-1" {
        return Err(Error::Server {
            message: String::new(),
        });
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Node::Map(vec![
            (Cow::Borrowed("result"), Node::Str(Cow::Borrowed("success"))),
            (Cow::Borrowed("id"), Node::Str(Cow::Borrowed(text))),
        ]));
    }
    Err(not_plain())
}

/// Writes the `id` of `node` (or `0`, or `-1` for the error shape).
pub fn write(node: &Node<'_>) -> Vec<u8> {
    let mut out = if node.get("result").and_then(Node::as_str) == Some("error") {
        b"-1".to_vec()
    } else {
        match node.get("id").and_then(Node::as_str) {
            Some(id) if !id.is_empty() => id.as_bytes().to_vec(),
            _ => b"0".to_vec(),
        }
    };
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{CsvLayout, Str, decode, scalar};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Created<'a> {
        #[serde(deserialize_with = "scalar::int")]
        id: i64,
        #[serde(borrow)]
        result: Str<'a>,
    }

    #[test]
    fn samples() {
        let c: Created = decode(Format::Plain, CsvLayout::Keys, b"42\n").unwrap();
        assert_eq!((c.id, c.result.as_str()), (42, "success"));
        let c: Created = decode(Format::Plain, CsvLayout::Keys, b"\xEF\xBB\xBF  7 \r\n").unwrap();
        assert_eq!(c.id, 7);
        let c: Created = decode(Format::Plain, CsvLayout::Keys, b"0").unwrap();
        assert_eq!(c.id, 0);
        let err = decode::<Created>(Format::Plain, CsvLayout::Keys, b"-1\n").unwrap_err();
        assert!(
            matches!(err, Error::Server { ref message } if message.is_empty()),
            "{err:?}"
        );
    }

    #[test]
    fn malformed() {
        for body in [
            &b""[..],
            b"abc",
            b"-2",
            b"1.5",
            b"\xff",
            b"{\"result\":\"success\"}",
            b"4 2",
        ] {
            let err = parse(body).unwrap_err();
            let Error::Decode(e) = err else {
                panic!("{err:?}")
            };
            assert_eq!((e.format, e.position), (Format::Plain, Position::Offset(0)));
            assert_eq!(e.message, EXPECTED);
        }
    }

    #[test]
    fn writing() {
        let ok = parse(b"42").unwrap();
        assert_eq!(write(&ok), b"42\n");
        assert_eq!(
            write(&Node::Map(vec![("result".into(), Node::str("success"))])),
            b"0\n"
        );
        assert_eq!(crate::wire::encode_error(Format::Plain, "nope"), b"-1\n");
    }
}
