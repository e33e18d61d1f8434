//! YAML as written by php-yaml's `yaml_emit`.
//!
//! # Reading
//!
//! The block-style YAML that `yaml_emit` and [`write()`] produce is read by a small zero-copy
//! reader (`fast`): it allocates only the lists and maps, and the strings that escapes or folded
//! lines changed. Anything outside that subset (anchors, tags, block scalars, flow collections
//! with content, several documents, tabs, malformed input...) goes to `saphyr-parser`'s event
//! API, so results and errors (with their positions) are the full parser's; a differential test
//! holds the two to the same trees. Scalars: plain `~`, `null` (any usual case) and the empty
//! plain scalar are null; plain `true`/`false` (`True`, `TRUE`...) are booleans; everything else
//! is a string in its text (plain `42` is `"42"`, quoted `"42"` too, `yes` stays `"yes"`). A
//! `!!str` tag keeps a scalar a string. Plain and quoted scalars whose text equals their source
//! (no escapes, no folded lines) borrow from the body. Aliases are rejected (no alias bombs; the
//! PHP emitter does not write them for this API's data), as are complex (non-scalar) keys and
//! nesting deeper than 128. Only the first document of a stream is read.
//!
//! # Writing
//!
//! Like `yaml_emit` (libyaml's emitter): `---`, block maps and lists with 2-space indentation
//! (lists inside maps are not indented, `- ` items under the key), `key: value`, null as `~`,
//! booleans as `true`/`false`, empty lists and maps as `[]`, then `...`. A string is written
//! plain unless it would read back as something else or is not valid plain YAML; then it is
//! double-quoted: the empty string, look-alikes of null, booleans (YAML 1.1's `yes`/`no`/`on`/
//! `off`/`y`/`n` included) and numbers or dates (anything starting with a digit, `+`, `-` or
//! `.`), leading or trailing spaces, a leading indicator (`-?:,[]{}#&*!|>'"%@` and backtick),
//! `: ` or ` #` inside, a trailing `:`, and any character outside printable ASCII. Inside double
//! quotes `\` and `"` are escaped, control characters use their short escapes (`\n`, `\t`...)
//! or `\xHH`, and non-ASCII characters are escaped as php-yaml does without UTF-8 output
//! (`\xE9`, `\u20AC`, `\U0001F600`). `parse(write(n)) == n`, except that an empty map reads
//! back as an empty list.
//!
//! That is the wire dialect, [`YamlStyle::Php`]. The same writer ([`write_tree`]) has a
//! dialect for people, [`YamlStyle::Readable`] (the CLI's `--output yaml`), with the same
//! quoting rule; both walk any [`Tree`], so the CLI writes its `serde_json::Value` without a
//! copy of the walk.
mod fast;

use super::Node;
use super::tree::{Tree, View};
use crate::error::{DecodeError, Error, Position, Result};
use crate::format::Format;
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use std::borrow::Cow;
use std::fmt::Write as _;

/// The deepest nesting of lists and maps accepted.
pub const MAX_DEPTH: usize = 128;

fn err(position: Position, message: impl Into<String>) -> Error {
    Error::Decode(DecodeError::new(Format::Yaml, position, message))
}

fn pos(span: &Span) -> Position {
    Position::LineColumn {
        line: span.start.line().max(1),
        column: span.start.col() + 1,
    }
}

/// Converts the parser's character indices into byte offsets, moving forward through the text.
struct CharIndex<'a> {
    src: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'a> CharIndex<'a> {
    fn new(src: &'a str) -> Self {
        CharIndex {
            src,
            ascii: src.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    fn byte(&mut self, char_index: usize) -> Option<usize> {
        if self.ascii {
            return (char_index <= self.src.len()).then_some(char_index);
        }
        if char_index < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        let mut iter = self.src[self.bytes..].char_indices();
        while self.chars < char_index {
            let (_, c) = iter.next()?;
            self.chars += 1;
            self.bytes += c.len_utf8();
        }
        Some(self.bytes)
    }

    /// The source text of a scalar when it equals the parsed value.
    fn borrow(&mut self, span: &Span, style: ScalarStyle, value: &str) -> Option<&'a str> {
        let start = self.byte(span.start.index())?;
        let end = self.byte(span.end.index())?;
        let raw = self.src.get(start..end)?;
        let inner = match style {
            ScalarStyle::Plain => raw,
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                raw.get(1..raw.len().checked_sub(1)?)?
            }
            _ => return None,
        };
        (inner == value).then_some(inner)
    }
}

enum Building<'a> {
    Seq(Vec<Node<'a>>),
    Map(Vec<(Cow<'a, str>, Node<'a>)>, Option<Cow<'a, str>>),
}

fn is_str_tag(tag: &Option<Cow<'_, Tag>>) -> bool {
    tag.as_ref()
        .is_some_and(|t| t.suffix == "str" && (t.is_yaml_core_schema() || t.handle == "!!"))
}

fn scalar_node<'a>(value: Cow<'a, str>, style: ScalarStyle, str_tag: bool) -> Node<'a> {
    if style != ScalarStyle::Plain || str_tag {
        return Node::Str(value);
    }
    match &*value {
        "" | "~" | "null" | "Null" | "NULL" => Node::Null,
        "true" | "True" | "TRUE" => Node::Bool(true),
        "false" | "False" | "FALSE" => Node::Bool(false),
        _ => Node::Str(value),
    }
}

/// Parses a YAML response body.
pub fn parse(body: &[u8]) -> Result<Node<'_>> {
    let src = std::str::from_utf8(body).map_err(|e| {
        err(
            Position::Offset(e.valid_up_to()),
            "the body is not valid UTF-8",
        )
    })?;
    match fast::parse(src) {
        Some(node) => Ok(node),
        None => parse_full(src),
    }
}

/// The full parser, for what the zero-copy reader does not handle and for errors.
fn parse_full(src: &str) -> Result<Node<'_>> {
    let mut index = CharIndex::new(src);
    let mut parser = Parser::new_from_str(src);
    let mut stack: Vec<Building<'_>> = Vec::new();
    let mut last = Position::LineColumn { line: 1, column: 1 };
    loop {
        let Some(next) = parser.next_event() else {
            return Err(err(last, "empty document"));
        };
        let (event, span) = next.map_err(|e| {
            err(
                Position::LineColumn {
                    line: e.marker().line().max(1),
                    column: e.marker().col() + 1,
                },
                e.info().to_owned(),
            )
        })?;
        last = pos(&span);
        let done = match event {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => None,
            Event::StreamEnd | Event::DocumentEnd => return Err(err(last, "empty document")),
            Event::Alias(_) => return Err(err(last, "aliases (*name) are not accepted")),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if let Some(Building::Map(_, None)) = stack.last() {
                    return Err(err(
                        last,
                        "complex keys (a list or map used as a key) are not accepted",
                    ));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(err(
                        last,
                        format!("lists and maps are nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Building::Seq(Vec::new())
                } else {
                    Building::Map(Vec::new(), None)
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Building::Seq(items)) => Some(Node::Seq(items)),
                Some(Building::Map(entries, _)) => Some(Node::Map(entries)),
                None => return Err(err(last, "unbalanced end of a list or map")),
            },
            Event::Scalar(value, style, _anchor, tag) => {
                let value = match index.borrow(&span, style, &value) {
                    Some(b) => Cow::Borrowed(b),
                    None => Cow::Owned(value.into_owned()),
                };
                if let Some(Building::Map(_, key @ None)) = stack.last_mut() {
                    *key = Some(value);
                    None
                } else {
                    Some(scalar_node(value, style, is_str_tag(&tag)))
                }
            }
        };
        let Some(node) = done else { continue };
        match stack.last_mut() {
            None => return Ok(node),
            Some(Building::Seq(items)) => items.push(node),
            Some(Building::Map(entries, key)) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    return Err(err(
                        last,
                        "complex keys (a list or map used as a key) are not accepted",
                    ));
                }
            },
        }
    }
}

/// The two dialects of the one YAML writer ([`write_tree`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlStyle {
    /// php-yaml's `yaml_emit`, the wire (see the module documentation): `---` and `...`,
    /// null as `~`, an empty map as `[]`, lists under a key not indented, every character
    /// outside printable ASCII escaped.
    Php,
    /// For people (the CLI's `--output yaml`): no document markers, null as `null`, an empty
    /// map as `{}`, lists indented under their key, and text outside ASCII as is (only
    /// characters YAML cannot hold raw, such as controls, are escaped). The quoting rule is the
    /// same as [`YamlStyle::Php`]'s.
    Readable,
}

/// Writes `node` as `yaml_emit` does ([`YamlStyle::Php`]).
pub fn write(node: &Node<'_>) -> Vec<u8> {
    write_tree(node, YamlStyle::Php).into_bytes()
}

/// Writes `tree` (a [`Node`] or a `serde_json::Value`) as a YAML document in `style`. A
/// [`View::Number`] is written plain; a string that would read back as something else is
/// double-quoted.
pub fn write_tree<T: Tree>(tree: &T, style: YamlStyle) -> String {
    let mut w = Writer {
        out: String::with_capacity(256),
        style,
    };
    let php = style == YamlStyle::Php;
    if php {
        w.out.push_str("---");
    }
    let view = tree.view();
    if view.is_leaf() {
        if php {
            w.out.push(' ');
        }
        w.scalar(view);
        w.out.push('\n');
    } else {
        if php {
            w.out.push('\n');
        }
        w.block(view, 0, false);
    }
    if php {
        w.out.push_str("...\n");
    }
    w.out
}

struct Writer {
    out: String,
    style: YamlStyle,
}

impl Writer {
    fn pad(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    /// Writes a non-empty list or map at `indent`; with `inline`, its first line continues the
    /// current line (after `- `).
    fn block<T: Tree>(&mut self, view: View<'_, T>, indent: usize, inline: bool) {
        match view {
            View::Map(entries) => self.map(entries, indent, inline),
            View::Seq(items) => self.seq(items, indent, inline),
            leaf => {
                self.scalar(leaf);
                self.out.push('\n');
            }
        }
    }

    fn map<'t, T: Tree + 't>(
        &mut self,
        entries: impl Iterator<Item = (&'t str, &'t T)>,
        indent: usize,
        inline: bool,
    ) {
        for (i, (k, v)) in entries.enumerate() {
            if i > 0 || !inline {
                self.pad(indent);
            }
            let start = self.out.len();
            self.str(k);
            if self.out.len() - start > 1000 {
                // Simple keys are limited to 1024 characters: use an explicit key.
                self.out.insert_str(start, "? ");
                self.out.push('\n');
                self.pad(indent);
            }
            self.out.push(':');
            let view = v.view();
            if view.is_leaf() {
                self.out.push(' ');
                self.scalar(view);
                self.out.push('\n');
            } else {
                self.out.push('\n');
                let nested = match (&view, self.style) {
                    (View::Seq(_), YamlStyle::Php) => indent,
                    _ => indent + 2,
                };
                self.block(view, nested, false);
            }
        }
    }

    fn seq<T: Tree>(&mut self, items: &[T], indent: usize, inline: bool) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 || !inline {
                self.pad(indent);
            }
            self.out.push_str("- ");
            let view = item.view();
            if view.is_leaf() {
                self.scalar(view);
                self.out.push('\n');
            } else {
                self.block(view, indent + 2, true);
            }
        }
    }

    fn scalar<T: Tree>(&mut self, view: View<'_, T>) {
        let php = self.style == YamlStyle::Php;
        match view {
            View::Null if php => self.out.push('~'),
            View::Null => self.out.push_str("null"),
            View::Bool(true) => self.out.push_str("true"),
            View::Bool(false) => self.out.push_str("false"),
            View::Number(n) => self.out.push_str(&n),
            View::Str(s) => self.str(s),
            View::Map(_) if !php => self.out.push_str("{}"),
            View::Seq(_) | View::Map(_) => self.out.push_str("[]"),
        }
    }

    fn str(&mut self, s: &str) {
        let ascii_only = self.style == YamlStyle::Php;
        if plain_ok(s, ascii_only) {
            self.out.push_str(s);
        } else {
            write_quoted(&mut self.out, s, ascii_only);
        }
    }
}

/// True when `c` can stand raw in YAML text; with `ascii_only`, only printable ASCII can.
fn raw_ok(c: char, ascii_only: bool) -> bool {
    match c {
        ' '..='~' => true,
        _ if ascii_only => false,
        '\u{80}'..='\u{9F}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' => {
            false
        }
        c => !c.is_control(),
    }
}

/// True when `s` can be written as a plain scalar and reads back as the same string.
fn plain_ok(s: &str, ascii_only: bool) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    let printable = if bytes.is_ascii() {
        bytes.iter().all(|b| (0x20..=0x7E).contains(b))
    } else {
        !ascii_only && s.chars().all(|c| raw_ok(c, false))
    };
    if !printable {
        return false;
    }
    if first.is_ascii_digit()
        || b"-?:,[]{}#&*!|>'\"%@`+. ".contains(&first)
        || last == b' '
        || last == b':'
    {
        return false;
    }
    if s.contains(": ") || s.contains(" #") {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    !matches!(
        lower.as_str(),
        "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "<<" | "="
    )
}

/// Writes `s` double-quoted; with `ascii_only`, every character outside printable ASCII is
/// escaped, as php-yaml does without UTF-8 output.
fn write_quoted(out: &mut String, s: &str, ascii_only: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            c if raw_ok(c, ascii_only) => out.push(c),
            c if (c as u32) <= 0xFF => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::json::tests::{arb_node, normalize_empty};
    use crate::wire::{CsvLayout, KeyedList, Str, decode, scalar};
    use proptest::prelude::*;
    use serde::Deserialize;

    use crate::wire::arb::{m, s};

    #[test]
    fn readable_style_for_people() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"users":[{"ext":"630","name":"Zoë","port":0,"ok":true,"host":"203.0.113.10"}],
                "empty":[],"m":{},"s":"a: b","n":null,"bell":"a\u0007"}"#,
        )
        .unwrap();
        assert_eq!(
            write_tree(&v, YamlStyle::Readable),
            "users:\n  - ext: \"630\"\n    name: Zoë\n    port: 0\n    ok: true\n    host: \"203.0.113.10\"\n\
             empty: []\nm: {}\ns: \"a: b\"\n\"n\": null\nbell: \"a\\a\"\n"
        );
        assert_eq!(
            write_tree(&serde_json::json!("x"), YamlStyle::Readable),
            "x\n"
        );
        // The wire dialect of the same tree escapes what is not ASCII and writes null as `~`.
        let php = write_tree(&v, YamlStyle::Php);
        assert!(
            php.starts_with("---\nusers:\n- ext: \"630\"\n  name: \"Zo\\xEB\"\n"),
            "{php}"
        );
        assert!(php.ends_with("\"n\": ~\nbell: \"a\\a\"\n...\n"), "{php}");
    }

    #[test]
    fn reference_samples() {
        let n = parse(b"---\nresult: \"success\"\nexample_data: \"\"\n").unwrap();
        assert_eq!(
            n,
            m(vec![("result", s("success")), ("example_data", s(""))])
        );
        let err = decode::<Node>(
            Format::Yaml,
            CsvLayout::Keys,
            b"---\nresult: \"error\"\nerror: \"Error details here\"\n",
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Server { ref message } if message == "Error details here"),
            "{err:?}"
        );
        let body = crate::wire::encode_error(Format::Yaml, "no: such user");
        assert_eq!(body, b"---\nresult: error\nerror: \"no: such user\"\n...\n");
        let err = decode::<Node>(Format::Yaml, CsvLayout::Keys, &body).unwrap_err();
        assert!(
            matches!(err, Error::Server { ref message } if message == "no: such user"),
            "{err:?}"
        );
    }

    #[derive(Debug, Deserialize)]
    struct Users<'a> {
        #[serde(borrow, deserialize_with = "scalar::list")]
        users: Vec<User<'a>>,
        #[serde(borrow, default)]
        agents: KeyedList<'a, Str<'a>>,
    }

    #[derive(Debug, Deserialize)]
    struct User<'a> {
        #[serde(borrow)]
        ext: Str<'a>,
        #[serde(deserialize_with = "scalar::int")]
        port: i64,
        #[serde(deserialize_with = "scalar::flag")]
        vmail: bool,
    }

    #[test]
    fn php_yaml_style_document() {
        let body = "---\nresult: success\nusers:\n- ext: \"630\"\n  user: Tom\n  port: 12447\n  vmail: \"yes\"\n  extra: [1, 2]\n- ext: \"69\"\n  port: \"0\"\n  vmail: false\nagents: []\n...\n";
        let u: Users = decode(Format::Yaml, CsvLayout::Keys, body.as_bytes()).unwrap();
        assert_eq!(u.users.len(), 2);
        assert_eq!(
            (u.users[0].ext.as_str(), u.users[0].port, u.users[0].vmail),
            ("630", 12447, true)
        );
        assert_eq!((u.users[1].port, u.users[1].vmail), (0, false));
        assert!(u.users[0].ext.is_borrowed());
        assert!(u.agents.is_empty());
    }

    #[test]
    fn scalars() {
        let n = parse("a: ~\nb: null\nc:\nd: true\ne: \"true\"\nf: 0123\ng: yes\nh: !!str true\ni: 'it''s'\nj: \"caf\\xE9\"\nk: é\nl: |\n  lit\n".as_bytes()).unwrap();
        assert_eq!(
            n,
            m(vec![
                ("a", Node::Null),
                ("b", Node::Null),
                ("c", Node::Null),
                ("d", Node::Bool(true)),
                ("e", s("true")),
                ("f", s("0123")),
                ("g", s("yes")),
                ("h", s("true")),
                ("i", s("it's")),
                ("j", s("café")),
                ("k", s("é")),
                ("l", s("lit\n")),
            ])
        );
        assert!(matches!(n.get("f"), Some(Node::Str(Cow::Borrowed(_)))));
        assert!(matches!(n.get("k"), Some(Node::Str(Cow::Borrowed(_)))));
        assert!(matches!(n.get("i"), Some(Node::Str(Cow::Owned(_)))));
    }

    #[test]
    fn first_document_only_and_crlf() {
        let n = parse(b"---\r\na: 1\r\nb: x y\r\n...\r\n---\r\nc: 2\r\n").unwrap();
        assert_eq!(n, m(vec![("a", s("1")), ("b", s("x y"))]));
        let n: Node = decode(Format::Yaml, CsvLayout::Keys, b"\xEF\xBB\xBF---\na: 1\n").unwrap();
        assert_eq!(n, m(vec![("a", s("1"))]));
    }

    #[test]
    fn rejects_aliases_complex_keys_and_depth() {
        let bomb = b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n";
        let Err(Error::Decode(e)) = parse(bomb) else {
            panic!()
        };
        assert!(e.message.contains("aliases"), "{e}");
        assert_eq!(e.position, Position::LineColumn { line: 2, column: 8 });
        let Err(Error::Decode(e)) = parse(b"? [a]\n: b\n") else {
            panic!()
        };
        assert!(e.message.contains("complex keys"), "{e}");
        let deep = "[".repeat(200) + &"]".repeat(200);
        let Err(Error::Decode(e)) = parse(deep.as_bytes()) else {
            panic!()
        };
        assert!(e.message.contains("nested deeper"), "{e}");
    }

    #[test]
    fn malformed_has_positions() {
        for body in [
            &b""[..],
            b"a: [1, 2\n",
            b"a: 'x\n",
            b"\xff",
            b"a: b\n c: d\n- e",
            b"key: \"\\q\"\n",
        ] {
            let err = parse(body).unwrap_err();
            let Error::Decode(e) = err else {
                panic!("{err:?}")
            };
            assert_eq!(e.format, Format::Yaml);
            assert!(!matches!(e.position, Position::Unknown), "{e:?}");
        }
    }

    #[test]
    fn writes_like_yaml_emit() {
        let n = m(vec![
            ("result", s("success")),
            (
                "users",
                Node::Seq(vec![
                    m(vec![("ext", s("630")), ("user", s("Tom"))]),
                    m(vec![("ext", s("69"))]),
                ]),
            ),
            (
                "queues",
                m(vec![(
                    "q",
                    m(vec![("agents", Node::Seq(vec![])), ("hold", s("4s"))]),
                )]),
            ),
            (
                "nested",
                Node::Seq(vec![Node::Seq(vec![s("a"), s("b")]), s("c")]),
            ),
            (
                "odd",
                Node::Seq(vec![
                    s("yes"),
                    s("~"),
                    s(""),
                    s(" lead"),
                    s("a: b"),
                    s("café"),
                    s("2024-01-01"),
                    s("x\ny"),
                    s("-1"),
                    s("😀"),
                ]),
            ),
            ("none", Node::Null),
            ("flag", Node::Bool(false)),
        ]);
        let out = String::from_utf8(write(&n)).unwrap();
        assert_eq!(
            out,
            "---\nresult: success\nusers:\n- ext: \"630\"\n  user: Tom\n- ext: \"69\"\nqueues:\n  q:\n    agents: []\n    hold: \"4s\"\nnested:\n- - a\n  - b\n- c\nodd:\n- \"yes\"\n- \"~\"\n- \"\"\n- \" lead\"\n- \"a: b\"\n- \"caf\\xE9\"\n- \"2024-01-01\"\n- \"x\\ny\"\n- \"-1\"\n- \"\\U0001F600\"\nnone: ~\nflag: false\n...\n"
        );
        assert_eq!(parse(out.as_bytes()).unwrap(), n);
        assert_eq!(write(&s("x")), b"--- x\n...\n");
        assert_eq!(write(&m(vec![])), b"--- []\n...\n");
    }

    pub(super) fn arb_yaml_node() -> impl Strategy<Value = Node<'static>> {
        let leaf = prop_oneof![
            8 => crate::wire::json::tests::arb_text().prop_map(|t| Node::Str(Cow::Owned(t))),
            1 => Just(Node::Null),
            1 => any::<bool>().prop_map(Node::Bool),
            1 => "\\PC{0,6}".prop_map(|t| Node::Str(Cow::Owned(t))),
        ];
        let key = prop_oneof![4 => "[a-z_][a-z0-9_]{0,8}", 1 => "\\PC{0,5}", 1 => Just("yes".to_owned()), 1 => Just("0".to_owned())];
        crate::wire::arb::arb_tree(leaf, key, 0)
    }

    proptest! {
        #[test]
        fn round_trip(node in arb_yaml_node()) {
            let out = write(&node);
            let back = parse(&out).unwrap().into_owned();
            prop_assert_eq!(back, normalize_empty(node));
        }

        #[test]
        fn round_trip_json_style_trees(node in arb_node()) {
            let back = parse(&write(&node)).unwrap().into_owned();
            prop_assert_eq!(back, normalize_empty(node));
        }

        #[test]
        fn readable_round_trip(node in arb_yaml_node()) {
            let out = write_tree(&node, YamlStyle::Readable);
            let back = parse(out.as_bytes()).unwrap().into_owned();
            prop_assert_eq!(back, node, "{}", out);
        }

        #[test]
        fn never_panics(body in "[-:\\[\\]{}?&*!|>'\"%@#, \\n\\ta-z0-9~.]{0,48}") {
            let _ = parse(body.as_bytes());
        }
    }
}
