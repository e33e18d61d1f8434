//! XML: the one reader ([`parse`]) and the one writer ([`write()`]), for responses in the PHP
//! server's style and, through the same code, for request bodies in the reference's style
//! (`request::body::{encode_xml, try_encode_xml, parse_xml}`). Where the two differ, the
//! difference is a field of the dialect the reader and writer are given; escaping, element
//! names, references and the depth limit each have one implementation here.
//!
//! # Reading
//!
//! - An optional `<?xml ...?>` declaration, comments and processing instructions are skipped.
//!   A `<!DOCTYPE>` is rejected: entities are never declared nor expanded, only the five
//!   predefined ones (`&amp;` ...) and character references (`&#233;`) are decoded.
//! - The document is the content of the root element, whatever its name (`<response>`, or
//!   `<request>` for request bodies). When there are several top-level elements (the query_sms
//!   and subscriber samples), or a single one holding only text (`<result>error</result>`), the
//!   top-level elements themselves are the document's fields.
//! - An element with only text is a string (borrowed from the body unless it holds entities,
//!   CDATA next to other text, or `\r\n` line ends, which are normalised to `\n`); an empty
//!   element (`<x></x>`, `<x/>`) is `""`.
//! - An element with child elements is a map of them; text between child elements is ignored.
//!   Children repeating a name fold into one entry holding a list, at the first one's place.
//! - Children named `array` or `value` are list items: an element whose children are all list
//!   items is a list of their values, in document order.
//! - Attributes are ignored. Nesting deeper than 128 elements is rejected.
//!
//! Request bodies are read the same way, except that names are taken as written (no list
//! items, no `_xHHHH_` escapes), the body must have exactly one root element (its content is
//! the parameter map, `{}` when it holds no element), text directly inside the root or next to
//! child elements is an error, and nesting is limited to 64 elements, the root included.
//!
//! # Writing
//!
//! `<?xml version="1.0" encoding="UTF-8"?>` then a `<response>` root, without indentation;
//! map entries are elements, list items are `<array>` (maps) or `<value>` (anything else),
//! null is an empty element, booleans are `1`/`0`. Text is escaped: `&`, `<`, `>`, a carriage
//! return as `&#13;` (so that it survives end-of-line normalisation). The characters XML 1.0
//! cannot carry at all, not even as character references (C0 controls other than tab, line
//! feed and carriage return; U+FFFE, U+FFFF), are each replaced with U+FFFD (the Unicode
//! replacement character), so that every document written is well-formed XML 1.0 that any
//! reader (PHP's SimpleXML included) loads. The replacement loses the character, which no XML
//! document could carry.
//!
//! Keys that are not XML names are escaped in the style of .NET's `XmlConvert.EncodeName`:
//! every character that cannot appear at its place is written `_xHHHH_` (`_xHHHHHHHH_` beyond
//! U+FFFF, uppercase hex): `0` → `_x0030_`, `a b` → `a_x0020_b`. A `_` that would otherwise be
//! read as the start of such an escape is itself escaped (`_x005F_`), `:` is escaped (no
//! namespaces), and the empty key is written `_x_`. Map keys named `array` or `value` (which
//! would read back as list items) are escaped as `_x0061_rray`/`_x0076_alue`.
//! The reader decodes these escapes in every element name, so `parse(write(n)) == n` for
//! maps and lists of strings, except that empty lists and maps read back as `""`.
//!
//! Request bodies are written in the reference's style instead:
//!
//! ```xml
//! <?xml version="1.0" standalone="yes"?>
//! <request>
//!     <dst>100</dst>
//!     <dst>200</dst>
//!     <filter_groups>
//!         <exclusivity>include</exclusivity>
//!     </filter_groups>
//! </request>
//! ```
//!
//! one element a line, indented with tabs; a list is repeated elements with the list's name,
//! whether its items are scalars or maps; a list directly inside a list is an element holding
//! `<value>` items. `Null`, empty lists and empty maps are left out, as in a form body. Names
//! are written as they are when they are XML names (`:` included, as in `custom:<column>`, and
//! a trailing `[]`, as in the reference's `<filters[]>`); other characters are replaced with
//! `_`, or, by the strict writer, refused, as are the characters XML 1.0 cannot carry (which
//! the lenient writer replaces with U+FFFD, as in responses). A refusal is an
//! [`XmlRefusal`] naming the parameter's path.
use super::Node;
use crate::error::{DecodeError, Error, Position, Result, XmlProblem, XmlRefusal};
use crate::format::Format;
use crate::report::flat::{FlatCells, FlatRows};
use crate::report::scan::find3;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The deepest element nesting accepted in a response.
pub const MAX_DEPTH: usize = 128;

/// Where responses and request bodies differ, for the reader and the writer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    /// The writer's first line.
    declaration: &'static str,
    /// The writer's root element.
    root: &'static str,
    /// The deepest element nesting the reader accepts.
    max_depth: usize,
    /// The response's names: lists are containers of `<array>`/`<value>` items, and names
    /// that are not XML names are `_xHHHH_`-escaped (both ways). Otherwise names are taken as
    /// written and lists are repeated elements.
    items: bool,
    /// The request body's layout. Writing: one element a line, indented with tabs; null and
    /// empty lists and maps left out; parameters that are not a map written as `<value>`.
    /// Reading: exactly one root element holding the parameters, no text directly inside it
    /// nor next to child elements.
    body: bool,
}

/// Responses, in the PHP server's style.
pub(crate) const RESPONSE: Dialect = Dialect {
    declaration: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
    root: "response",
    max_depth: MAX_DEPTH,
    items: true,
    body: false,
};

/// Request bodies, in the reference's style.
pub(crate) const REQUEST: Dialect = Dialect {
    declaration: "<?xml version=\"1.0\" standalone=\"yes\"?>\n",
    root: "request",
    max_depth: crate::request::body::XML_MAX_DEPTH,
    items: false,
    body: true,
};

fn err(position: usize, message: impl Into<String>) -> Error {
    Error::Decode(DecodeError::new(
        Format::Xml,
        Position::Offset(position),
        message,
    ))
}

/// XML's white space (`S`: space, tab, line feed, carriage return).
fn is_space(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// Text content being collected: one piece stays borrowed, several are joined.
#[derive(Default)]
enum Text<'a> {
    #[default]
    Empty,
    One(Cow<'a, str>),
    Many(String),
}

impl<'a> Text<'a> {
    fn push(&mut self, piece: Cow<'a, str>) {
        if piece.is_empty() {
            return;
        }
        *self = match std::mem::take(self) {
            Text::Empty => Text::One(piece),
            Text::One(first) => {
                let mut s = String::with_capacity(first.len() + piece.len());
                s.push_str(&first);
                s.push_str(&piece);
                Text::Many(s)
            }
            Text::Many(mut s) => {
                s.push_str(&piece);
                Text::Many(s)
            }
        };
    }

    fn into_cow(self) -> Cow<'a, str> {
        match self {
            Text::Empty => Cow::Borrowed(""),
            Text::One(c) => c,
            Text::Many(s) => Cow::Owned(s),
        }
    }
}

struct Entry<'a> {
    key: Cow<'a, str>,
    node: Node<'a>,
    folded: bool,
}

/// An open element.
struct Frame<'a> {
    name: Cow<'a, str>,
    /// Named `array` or `value` on the wire: a list item.
    item: bool,
    start: usize,
    text: Text<'a>,
    entries: Vec<Entry<'a>>,
    /// Built once an element has many children. Boxed: most elements never need it, and a
    /// frame 40 bytes smaller is cheaper to push and pop (measured: 8% on `status.queues`).
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<Cow<'a, str>, usize>>>,
    items: Vec<(bool, Node<'a>)>,
}

impl<'a> Frame<'a> {
    fn new(name: Cow<'a, str>, item: bool, start: usize) -> Self {
        Frame {
            name,
            item,
            start,
            text: Text::Empty,
            entries: Vec::new(),
            index: None,
            items: Vec::new(),
        }
    }

    fn has_children(&self) -> bool {
        !self.entries.is_empty() || !self.items.is_empty()
    }

    fn add_child(&mut self, key: Cow<'a, str>, item: bool, node: Node<'a>) {
        if item {
            self.items.push((key == "array", node));
            return;
        }
        self.add_entry(key, node);
    }

    fn add_entry(&mut self, key: Cow<'a, str>, node: Node<'a>) {
        // Map lookup: linear for small elements, hashed beyond.
        const HASH_FROM: usize = 16;
        let found = match &self.index {
            Some(index) => index.get(&key).copied(),
            None => self.entries.iter().position(|e| e.key == key),
        };
        match found {
            Some(i) => {
                let entry = &mut self.entries[i];
                if entry.folded {
                    if let Node::Seq(items) = &mut entry.node {
                        items.push(node);
                    }
                } else {
                    let first = std::mem::take(&mut entry.node);
                    entry.node = Node::Seq(vec![first, node]);
                    entry.folded = true;
                }
            }
            None => {
                if let Some(index) = &mut self.index {
                    index.insert(key.clone(), self.entries.len());
                }
                self.entries.push(Entry {
                    key,
                    node,
                    folded: false,
                });
                if self.index.is_none() && self.entries.len() >= HASH_FROM {
                    self.index = Some(Box::new(
                        self.entries
                            .iter()
                            .enumerate()
                            .map(|(i, e)| (e.key.clone(), i))
                            .collect(),
                    ));
                }
            }
        }
    }

    /// The element's value.
    fn finish(mut self) -> Node<'a> {
        if !self.has_children() {
            return Node::Str(self.text.into_cow());
        }
        if self.entries.is_empty() {
            return Node::Seq(self.items.into_iter().map(|(_, n)| n).collect());
        }
        // Mixed list items and named children: keep the items as named entries.
        for (is_array, node) in std::mem::take(&mut self.items) {
            self.add_entry(
                Cow::Borrowed(if is_array { "array" } else { "value" }),
                node,
            );
        }
        Node::Map(self.entries.into_iter().map(|e| (e.key, e.node)).collect())
    }
}

/// Returns a slice of `input` at the same place as `part`, when `part` points into `input`.
fn borrow_from<'a>(input: &'a str, part: &str) -> Option<&'a str> {
    let start = (part.as_ptr() as usize).checked_sub(input.as_ptr() as usize)?;
    input.get(start..start.checked_add(part.len())?)
}

/// Parses an XML response body.
pub fn parse(body: &[u8]) -> Result<Node<'_>> {
    read(body, RESPONSE)
}

/// Parses `body` in `dialect` (see the module documentation). Errors are [`Error::Decode`]
/// at a byte offset.
pub(crate) fn read(body: &[u8], dialect: Dialect) -> Result<Node<'_>> {
    let input = std::str::from_utf8(body)
        .map_err(|e| err(e.valid_up_to(), "the body is not valid UTF-8"))?;
    let mut reader = Reader::from_str(input);
    let mut stack: Vec<Frame<'_>> = vec![Frame::new(Cow::Borrowed(""), false, 0)];
    // Request bodies: where the innermost open element's first text other than white space is,
    // so that a child element after it is reported as mixed content.
    let mut text_at: Option<usize> = None;
    loop {
        let position = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(position);
            err(at, format!("malformed XML: {e}"))
        })?;
        let text = match event {
            Event::Start(e) => {
                if stack.len() > dialect.max_depth {
                    return Err(err(
                        position,
                        format!(
                            "elements are nested deeper than {} levels",
                            dialect.max_depth
                        ),
                    ));
                }
                let (name, item) = element_name(input, e.name().as_ref(), &dialect, position)?;
                if dialect.body {
                    check_child(&stack, text_at, position)?;
                    text_at = None;
                }
                stack.push(Frame::new(name, item, position));
                continue;
            }
            Event::Empty(e) => {
                let (name, item) = element_name(input, e.name().as_ref(), &dialect, position)?;
                if dialect.body {
                    check_child(&stack, text_at, position)?;
                }
                if let Some(parent) = stack.last_mut() {
                    parent.add_child(name, item, Node::Str(Cow::Borrowed("")));
                }
                continue;
            }
            Event::End(_) => {
                // quick-xml checks that the end tag matches the open one.
                if stack.len() < 2 {
                    return Err(err(position, "unexpected end tag"));
                }
                text_at = None;
                if let Some(frame) = stack.pop() {
                    let (name, item) = (frame.name.clone(), frame.item);
                    let node = frame.finish();
                    if let Some(parent) = stack.last_mut() {
                        parent.add_child(name, item, node);
                    }
                }
                continue;
            }
            Event::Text(t) => {
                if stack.len() == 1 {
                    if is_space(&t) {
                        continue;
                    }
                    return Err(err(position, "text outside the root element"));
                }
                if !dialect.body && stack.last().is_some_and(Frame::has_children) {
                    continue;
                }
                // Text without `\r` is the body's own bytes (the reader reads from `input`):
                // borrow it without decoding it again. Otherwise line ends are normalised.
                match borrow_from(input, &t) {
                    Some(text) if !t.contains('\r') => Cow::Borrowed(text),
                    _ => t.xml10_content(),
                }
            }
            Event::CData(c) => {
                if stack.len() == 1 {
                    return Err(err(position, "CDATA outside the root element"));
                }
                if !dialect.body && stack.last().is_some_and(Frame::has_children) {
                    continue;
                }
                c.xml10_content()
            }
            Event::GeneralRef(r) => {
                let c = reference(&r).ok_or_else(|| {
                    err(
                        position,
                        if r.starts_with('#') {
                            format!("invalid character reference &{};", &*r)
                        } else {
                            format!(
                                "unknown entity &{}; (only the predefined XML entities are supported)",
                                &*r
                            )
                        },
                    )
                })?;
                if stack.len() == 1 {
                    return Err(err(position, "text outside the root element"));
                }
                Cow::Owned(c.to_string())
            }
            Event::DocType(_) => {
                return Err(err(
                    position,
                    "document type declarations (<!DOCTYPE>) are not accepted",
                ));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => continue,
            Event::Eof => break,
        };
        let depth = stack.len();
        let Some(frame) = stack.last_mut() else {
            continue;
        };
        if dialect.body && text_at.is_none() && !is_space(&text) {
            if depth == 2 {
                return Err(err(
                    position,
                    format!(
                        "text directly inside the root element <{}>; parameters must be elements",
                        frame.name
                    ),
                ));
            }
            if frame.has_children() {
                return Err(mixed(frame, position));
            }
            text_at = Some(position);
        }
        if !frame.has_children() {
            frame.text.push(text);
        }
    }
    let end = input.len();
    if stack.len() > 1 {
        let open = stack
            .last()
            .map(|f| (f.name.to_string(), f.start))
            .unwrap_or_default();
        return Err(err(
            end,
            format!(
                "unexpected end of document: <{}> (at byte {}) is not closed",
                open.0, open.1
            ),
        ));
    }
    let Some(mut top) = stack.pop().filter(Frame::has_children) else {
        return Err(err(end, "no root element found"));
    };
    if dialect.body {
        // One root (a second one was refused): its children, `{}` when it has none.
        return Ok(match top.entries.pop().map(|e| e.node) {
            Some(node @ Node::Map(_)) => node,
            _ => Node::Map(Vec::new()),
        });
    }
    // A single root element: its content is the document (unless it holds only text).
    if top.items.is_empty()
        && let [entry] = top.entries.as_slice()
    {
        let is_root_name = entry.key == "response" || entry.key == "request";
        match &entry.node {
            Node::Map(_) | Node::Seq(_) if !entry.folded => return Ok(top.entries.remove(0).node),
            Node::Str(s) if s.is_empty() && is_root_name => return Ok(Node::Map(Vec::new())),
            Node::Str(_) if is_root_name => return Ok(top.entries.remove(0).node),
            _ => {}
        }
    }
    Ok(top.finish())
}

/// Request bodies: a child element may not follow a root element, nor text.
fn check_child(stack: &[Frame<'_>], text_at: Option<usize>, position: usize) -> Result<()> {
    match (stack, text_at) {
        ([top], _) if top.has_children() => Err(err(
            position,
            "a second root element; the body must have one root, such as <request>",
        )),
        ([_, .., frame], Some(at)) => Err(mixed(frame, at)),
        _ => Ok(()),
    }
}

fn mixed(frame: &Frame<'_>, position: usize) -> Error {
    err(
        position,
        format!("text mixed with child elements in <{}>", frame.name),
    )
}

/// An element name, with `_xHHHH_` escapes decoded in the response dialect (see the module
/// documentation), and whether it names a list item (`array` or `value`, before decoding).
fn element_name<'a>(
    input: &'a str,
    raw: &str,
    dialect: &Dialect,
    position: usize,
) -> Result<(Cow<'a, str>, bool)> {
    if raw.is_empty() {
        return Err(err(position, "empty element name"));
    }
    let name: Cow<'a, str> = match borrow_from(input, raw) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(raw.to_owned()),
    };
    if !dialect.items {
        return Ok((name, false));
    }
    let item = raw == "array" || raw == "value";
    Ok((decode_name(name), item))
}

/// The character a reference stands for: one of the five predefined entities (`lt`, `gt`,
/// `amp`, `quot`, `apos`) or a character reference (`#233`, `#xE9`) to any character but
/// NUL, as quick-xml reads them; `None` for anything else. The one rule of both readers.
fn reference(name: &str) -> Option<char> {
    let code = match name {
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "amp" => return Some('&'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let (digits, radix) = match number.strip_prefix('x') {
                Some(hex) => (hex, 16),
                None => (number, 10),
            };
            if digits.starts_with(['+', '-']) {
                return None;
            }
            u32::from_str_radix(digits, radix).ok()?
        }
    };
    char::from_u32(code).filter(|&c| c != '\0')
}

/// A report read by [`read_report`]: the header fields' text and the rows.
#[derive(Debug, Default)]
pub(crate) struct FlatReport<'a> {
    pub(crate) result: Option<Cow<'a, str>>,
    pub(crate) error: Option<Cow<'a, str>>,
    pub(crate) total_results: Option<Cow<'a, str>>,
    pub(crate) title: Option<Cow<'a, str>>,
    pub(crate) columns: Vec<Cow<'a, str>>,
    pub(crate) rows: FlatRows<'a>,
}

/// A scanner for the report documents the server writes (see [`read_report`]).
struct Fast<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
}

impl<'a> Fast<'a> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn at(&self, lit: &[u8]) -> bool {
        self.b.get(self.pos..self.pos + lit.len()) == Some(lit)
    }

    /// A start tag without attributes, `<name>` or `<name/>`: the name and whether the
    /// element is empty.
    fn open(&mut self) -> Option<(&'a str, bool)> {
        // The cells of the report: `<value>` by the thousand.
        let rest = self.b.get(self.pos..)?;
        if rest.starts_with(b"<value>") {
            self.pos += 7;
            return Some(("value", false));
        }
        if rest.starts_with(b"<value/>") {
            self.pos += 8;
            return Some(("value", true));
        }
        if rest.first() != Some(&b'<') {
            return None;
        }
        let start = self.pos + 1;
        let mut i = start;
        while let Some(&c) = self.b.get(i) {
            if matches!(c, b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'<' | b'&') {
                break;
            }
            i += 1;
        }
        let name = self.s.get(start..i)?;
        let escaped = name.as_bytes().windows(2).any(|w| w == b"_x");
        if name.is_empty() || name.starts_with(['!', '?']) || escaped {
            return None;
        }
        match self.b.get(i..i + 2) {
            Some([b'>', _]) => {
                self.pos = i + 1;
                Some((name, false))
            }
            Some(b"/>") => {
                self.pos = i + 2;
                Some((name, true))
            }
            _ if self.b.get(i) == Some(&b'>') => {
                self.pos = i + 1;
                Some((name, false))
            }
            _ => None,
        }
    }

    /// The end tag `</name>`.
    fn close(&mut self, name: &str) -> Option<()> {
        if name == "value" {
            return self
                .b
                .get(self.pos..)?
                .starts_with(b"</value>")
                .then(|| self.pos += 8);
        }
        let end = self.pos + 2 + name.len();
        if self.b.get(self.pos..self.pos + 2) == Some(b"</")
            && self.b.get(self.pos + 2..end) == Some(name.as_bytes())
            && self.b.get(end) == Some(&b'>')
        {
            self.pos = end + 1;
            Some(())
        } else {
            None
        }
    }

    /// Text up to the next `<`: borrowed unless it holds entity or character references.
    /// `None` for what only the general parser reads (`\r`, which XML normalises, unusual
    /// references, the end of the body).
    fn text(&mut self) -> Option<Cow<'a, str>> {
        let start = self.pos;
        let at = find3(self.b, start, b'<', b'&', b'\r')?;
        match self.b[at] {
            b'<' => {
                self.pos = at;
                Some(Cow::Borrowed(&self.s[start..at]))
            }
            b'&' => {
                let mut out = String::with_capacity(at - start + 32);
                out.push_str(&self.s[start..at]);
                let mut i = at;
                loop {
                    // At `&`.
                    let semi = i
                        + 1
                        + self
                            .b
                            .get(i + 1..(i + 12).min(self.b.len()))?
                            .iter()
                            .position(|&c| c == b';')?;
                    out.push(reference(&self.s[i + 1..semi])?);
                    let next = find3(self.b, semi + 1, b'<', b'&', b'\r')?;
                    out.push_str(&self.s[semi + 1..next]);
                    match self.b[next] {
                        b'<' => {
                            self.pos = next;
                            return Some(Cow::Owned(out));
                        }
                        b'&' => i = next,
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }

    /// The text of a leaf element whose start tag was just read (`empty` for `<x/>`).
    fn leaf(&mut self, name: &str, empty: bool) -> Option<Cow<'a, str>> {
        if empty {
            return Some(Cow::Borrowed(""));
        }
        let text = self.text()?;
        self.close(name)?;
        Some(text)
    }

    /// The items of a list element (`<columns>`, a row) whose start tag was just read:
    /// `<value>`/`<array>` leaves, appended to `out`. A list element holding only text is one
    /// item (as the general reader has it); `None` for anything else.
    fn items(
        &mut self,
        name: &str,
        empty: bool,
        mut push: impl FnMut(Cow<'a, str>),
        text_is_item: bool,
    ) -> Option<()> {
        if empty {
            if text_is_item {
                push(Cow::Borrowed(""));
            }
            return Some(());
        }
        let text = self.text()?;
        if self.close(name).is_some() {
            if text_is_item || !text.is_empty() {
                if !text_is_item {
                    // `<columns>x</columns>`: rare; leave it to the general reader.
                    return None;
                }
                push(text);
            }
            return Some(());
        }
        if !text.bytes().all(|c| matches!(c, b' ' | b'\t' | b'\n')) {
            return None;
        }
        let in_value = name == "value";
        loop {
            if self
                .b
                .get(self.pos..)
                .is_some_and(|r| r.starts_with(b"<value>"))
            {
                // The hot path: `<value>text</value>`.
                self.pos += 7;
                let cell = self.text()?;
                if !self
                    .b
                    .get(self.pos..)
                    .is_some_and(|r| r.starts_with(b"</value>"))
                {
                    return None;
                }
                self.pos += 8;
                push(cell);
            } else {
                let (item, empty) = self.open()?;
                if item != "value" && item != "array" {
                    return None;
                }
                let cell = self.leaf(item, empty)?;
                push(cell);
            }
            self.ws();
            let closed = if in_value {
                self.b
                    .get(self.pos..)
                    .is_some_and(|r| r.starts_with(b"</value>"))
                    .then(|| self.pos += 8)
            } else {
                self.close(name)
            };
            if closed.is_some() {
                return Some(());
            }
        }
    }
}

/// Reads a report document of the shape the server writes (a root element holding leaf
/// elements, `<columns>` of `<value>` items and `<results>` of `<value>`/`<array>` rows of
/// leaves; whitespace between elements; the predefined entities and character references)
/// without building a tree. `None` for any other document, which [`parse`] then reads: the
/// result is the same either way, this is only faster.
pub(crate) fn read_report(body: &[u8]) -> Option<FlatReport<'_>> {
    let s = std::str::from_utf8(body).ok()?;
    let mut f = Fast { s, b: body, pos: 0 };
    f.ws();
    if f.at(b"<?xml") {
        f.pos += memchr::memmem::find(&body[f.pos..], b"?>")? + 2;
        f.ws();
    }
    let (root, empty) = f.open()?;
    if empty || root == "value" || root == "array" {
        return None;
    }
    let mut out = FlatReport::default();
    // Room for every element (each has two `<`) at most: never more than the body holds.
    let mut cells = FlatCells::new(s, memchr::memchr_iter(b'<', body).count() / 2);
    let (mut seen_columns, mut seen_results, mut children) = (false, false, false);
    loop {
        f.ws();
        if f.at(b"</") {
            f.close(root)?;
            f.ws();
            out.rows = cells.finish();
            return (f.pos == body.len() && children).then_some(out);
        }
        children = true;
        let (name, empty) = f.open()?;
        let slot = match name {
            "value" | "array" => return None,
            "result" => &mut out.result,
            "error" => &mut out.error,
            "total_results" => &mut out.total_results,
            "title" => &mut out.title,
            "columns" if !seen_columns => {
                seen_columns = true;
                f.items(name, empty, |c| out.columns.push(c), false)?;
                continue;
            }
            "results" if !seen_results => {
                seen_results = true;
                if empty {
                    continue;
                }
                let text = f.text()?;
                if f.close(name).is_some() {
                    if text.is_empty() {
                        continue;
                    }
                    return None;
                }
                if !text.bytes().all(|c| matches!(c, b' ' | b'\t' | b'\n')) {
                    return None;
                }
                loop {
                    let (row, empty) = f.open()?;
                    if row != "value" && row != "array" {
                        return None;
                    }
                    f.items(row, empty, |c| cells.push(c), true)?;
                    cells.end_row();
                    f.ws();
                    if f.close(name).is_some() {
                        break;
                    }
                }
                continue;
            }
            "columns" | "results" => return None,
            _ => {
                // Another field: read and ignored, like the general reader's caller does.
                f.leaf(name, empty)?;
                continue;
            }
        };
        if slot.is_some() {
            // A repeated field is a list to the general reader.
            return None;
        }
        *slot = Some(f.leaf(name, empty)?);
    }
}

fn decode_name(name: Cow<'_, str>) -> Cow<'_, str> {
    if !name.contains("_x") {
        return name;
    }
    if name == "_x_" {
        return Cow::Borrowed("");
    }
    let mut out = String::with_capacity(name.len());
    let mut rest: &str = &name;
    while let Some(i) = rest.find("_x") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match decode_escape(after) {
            Some((c, used)) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push_str("_x");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Decodes `HHHH_` or `HHHHHHHH_` at the start of `s`: the character and the bytes used.
fn decode_escape(s: &str) -> Option<(char, usize)> {
    for digits in [4, 8] {
        let hex = s.get(..digits)?;
        if s.as_bytes().get(digits) == Some(&b'_') && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)?;
            return Some((c, digits + 1));
        }
    }
    None
}

/// XML 1.0's `NameStartChar`: the one rule for element names, in responses and request
/// bodies. (The response writer escapes `:` besides, so that no name has a namespace prefix.)
#[inline]
fn is_name_start(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}'
        | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0's `NameChar`.
#[inline]
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

fn push_escape(out: &mut String, c: char) {
    let v = u32::from(c);
    let _ = if v > 0xFFFF {
        write!(out, "_x{v:08X}_")
    } else {
        write!(out, "_x{v:04X}_")
    };
}

/// The element name for `key` (see the module documentation).
fn encode_name(key: &str, list_item_names: bool) -> Cow<'_, str> {
    if key.is_empty() {
        return Cow::Borrowed("_x_");
    }
    let clean = !list_item_names && is_name(key, false) && !key.contains("_x");
    if clean {
        return Cow::Borrowed(key);
    }
    let mut out = String::with_capacity(key.len() + 8);
    for (i, (at, c)) in key.char_indices().enumerate() {
        let valid = c != ':'
            && if i == 0 {
                is_name_start(c) && !list_item_names
            } else {
                is_name_char(c)
            };
        let escapes_underscore =
            c == '_' && (decode_escape_after_x(&key[at + 1..]) || (i == 0 && key == "_x_"));
        if valid && !escapes_underscore {
            out.push(c);
        } else {
            push_escape(&mut out, c);
        }
    }
    Cow::Owned(out)
}

/// Whether `name` is an XML 1.0 `Name`, with `:` only when `colon` (the writer's hot path:
/// the server's keys are ASCII, checked a byte at a time).
fn is_name(name: &str, colon: bool) -> bool {
    if name.is_ascii() {
        let start = |b: u8| b.is_ascii_alphabetic() || b == b'_' || (colon && b == b':');
        return match name.as_bytes() {
            [first, rest @ ..] => {
                start(*first)
                    && rest
                        .iter()
                        .all(|&b| start(b) || b.is_ascii_digit() || b == b'-' || b == b'.')
            }
            [] => false,
        };
    }
    name.chars().enumerate().all(|(i, c)| {
        (colon || c != ':')
            && if i == 0 {
                is_name_start(c)
            } else {
                is_name_char(c)
            }
    })
}

/// True when `s` (what follows a `_`) would be read as an escape (`xHHHH_`).
fn decode_escape_after_x(s: &str) -> bool {
    s.strip_prefix('x').and_then(decode_escape).is_some()
}

/// Writes a `<response>` document.
pub fn write(node: &Node<'_>) -> Vec<u8> {
    let mut w = Writer::new(RESPONSE, false);
    w.document(node);
    w.out.into_bytes()
}

/// Writes `node` as a document in `dialect` (see the module documentation). With `strict`,
/// fails with what XML cannot carry (a name that is not an XML name, a character XML 1.0
/// forbids, request parameters that are not a map) instead of replacing it: the first such
/// problem, with the path of the parameter that holds it.
pub(crate) fn write_as(
    node: &Node<'_>,
    dialect: Dialect,
    strict: bool,
) -> std::result::Result<Vec<u8>, XmlRefusal> {
    if strict && dialect.body && !matches!(node, Node::Map(_) | Node::Null) {
        return Err(XmlRefusal::new("request", XmlProblem::NotAMap));
    }
    let mut w = Writer::new(dialect, strict);
    w.document(node);
    match w.problem {
        Some(problem) => Err(problem),
        None => Ok(w.out.into_bytes()),
    }
}

/// The characters XML 1.0 cannot carry, not even as character references: C0 controls other
/// than tab, line feed and carriage return; U+FFFE and U+FFFF.
pub(crate) const fn is_forbidden(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// The bytes at which text escaping looks closer: `&`, `<`, `>`, `\r`, the forbidden
/// characters, and 0xEF (the first byte of U+FFFE and U+FFFF).
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x80 {
        table[b] = is_forbidden(b as u8 as char) || matches!(b as u8, b'&' | b'<' | b'>' | b'\r');
        b += 1;
    }
    table[0xEF] = true;
    table
};

struct Writer {
    out: String,
    dialect: Dialect,
    strict: bool,
    /// What the strict writer refuses: the first problem.
    problem: Option<XmlRefusal>,
    /// The strict writer's path to the value being written (`filters.src[1]`), for
    /// [`XmlRefusal::field`]; empty when not strict.
    path: String,
}

impl Writer {
    fn new(dialect: Dialect, strict: bool) -> Self {
        Writer {
            out: String::with_capacity(256),
            dialect,
            strict,
            problem: None,
            path: String::new(),
        }
    }

    /// Enters the map entry `key` (strict writer only): where to [`Writer::leave`] it.
    #[inline]
    fn enter_key(&mut self, key: &str) -> usize {
        let mark = self.path.len();
        if self.strict {
            if mark > 0 {
                self.path.push('.');
            }
            self.path.push_str(key);
        }
        mark
    }

    /// Enters the list item `index` (strict writer only).
    #[inline]
    fn enter_index(&mut self, index: usize) -> usize {
        let mark = self.path.len();
        if self.strict {
            let _ = write!(self.path, "[{index}]");
        }
        mark
    }

    #[inline]
    fn leave(&mut self, mark: usize) {
        self.path.truncate(mark);
    }

    /// Records the strict writer's first problem, at the current path.
    fn refuse(&mut self, problem: XmlProblem) {
        if self.strict && self.problem.is_none() {
            let field = if self.path.is_empty() {
                "request".to_owned()
            } else {
                self.path.clone()
            };
            self.problem = Some(XmlRefusal::new(field, problem));
        }
    }

    fn document(&mut self, node: &Node<'_>) {
        let root = self.dialect.root;
        self.out.push_str(self.dialect.declaration);
        if !self.dialect.body {
            self.element(root, false, node, 0);
            self.out.push('\n');
            return;
        }
        // The request root is always written, and holds the parameters.
        self.out.push('<');
        self.out.push_str(root);
        self.out.push_str(">\n");
        match node {
            Node::Map(entries) => {
                for (k, v) in entries {
                    self.entry(k, v, 1);
                }
            }
            Node::Null => {}
            other => self.entry("value", other, 1),
        }
        self.out.push_str("</");
        self.out.push_str(root);
        self.out.push_str(">\n");
    }

    /// A map entry: in request bodies, a list is repeated elements named as the entry.
    fn entry(&mut self, key: &str, node: &Node<'_>, level: usize) {
        let mark = self.enter_key(key);
        match node {
            Node::Seq(items) if self.dialect.body => {
                for (i, item) in items.iter().enumerate() {
                    let at = self.enter_index(i);
                    self.element(key, true, item, level);
                    self.leave(at);
                }
            }
            _ => self.element(key, true, node, level),
        }
        self.leave(mark);
    }

    /// One element; `key` when `name` is a map key (rather than a list item's name).
    fn element(&mut self, name: &str, key: bool, node: &Node<'_>, level: usize) {
        let text = match node {
            Node::Null if self.dialect.body => return,
            Node::Null => "",
            Node::Bool(b) => {
                if *b {
                    "1"
                } else {
                    "0"
                }
            }
            Node::Str(s) => s,
            Node::Map(entries) => {
                let (name, mark) = self.open_container(name, key, level);
                for (k, v) in entries {
                    self.entry(k, v, level + 1);
                }
                return self.close_container(&name, mark, level);
            }
            Node::Seq(items) => {
                let (name, mark) = self.open_container(name, key, level);
                for (i, item) in items.iter().enumerate() {
                    let item_name = match item {
                        Node::Map(e) if self.dialect.items && !e.is_empty() => "array",
                        _ => "value",
                    };
                    let at = self.enter_index(i);
                    self.element(item_name, false, item, level + 1);
                    self.leave(at);
                }
                return self.close_container(&name, mark, level);
            }
        };
        let (name, _) = self.open(name, key, level);
        self.text(text);
        self.close(&name);
    }

    /// Writes the start tag (after its indentation): the name as written, and where the
    /// element starts.
    fn open<'n>(&mut self, name: &'n str, key: bool, level: usize) -> (Cow<'n, str>, usize) {
        let mark = self.out.len();
        self.indent(level);
        let name = self.name(name, key);
        self.out.push('<');
        self.out.push_str(&name);
        self.out.push('>');
        (name, mark)
    }

    /// [`Writer::open`] for an element with children: where they start, and where the
    /// element does (to leave it out when it has none).
    fn open_container<'n>(
        &mut self,
        name: &'n str,
        key: bool,
        level: usize,
    ) -> (Cow<'n, str>, (usize, usize)) {
        let (name, start) = self.open(name, key, level);
        if self.dialect.body {
            self.out.push('\n');
        }
        (name, (start, self.out.len()))
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        if self.dialect.body {
            self.out.push('\n');
        }
    }

    /// Closes an element with children; in request bodies one without any is left out.
    fn close_container(&mut self, name: &str, (start, inner): (usize, usize), level: usize) {
        if self.dialect.body && self.out.len() == inner {
            self.out.truncate(start);
            return;
        }
        self.indent(level);
        self.close(name);
    }

    /// In request bodies, the tabs before an element at `level`.
    fn indent(&mut self, level: usize) {
        if self.dialect.body {
            self.out.extend(std::iter::repeat_n('\t', level));
        }
    }

    /// The element name for `name`: `_xHHHH_`-escaped in responses (see the module
    /// documentation), as it is in request bodies when it is an XML name (a trailing `[]`
    /// allowed), with other characters replaced with `_` (refused when strict).
    fn name<'n>(&mut self, name: &'n str, key: bool) -> Cow<'n, str> {
        if self.dialect.items {
            return encode_name(name, key && (name == "array" || name == "value"));
        }
        let (base, suffix) = match name.strip_suffix("[]") {
            Some(b) if !b.is_empty() => (b, "[]"),
            _ => (name, ""),
        };
        if is_name(base, true) {
            return Cow::Borrowed(name);
        }
        self.refuse(XmlProblem::Name(name.to_owned()));
        let mut out = String::with_capacity(name.len() + 1);
        let mut chars = base.chars();
        match chars.next() {
            None => out.push('_'),
            Some(c) if is_name_start(c) => out.push(c),
            Some(c) => {
                out.push('_');
                out.push(if is_name_char(c) { c } else { '_' });
            }
        }
        out.extend(chars.map(|c| if is_name_char(c) { c } else { '_' }));
        out.push_str(suffix);
        Cow::Owned(out)
    }

    /// Escaped text (see the module documentation).
    fn text(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let (mut run, mut i) = (0, 0);
        while i < bytes.len() {
            if !SPECIAL[usize::from(bytes[i])] {
                i += 1;
                continue;
            }
            // At a special byte, which starts a character.
            let c = s[i..].chars().next().unwrap_or_default();
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\r' => "&#13;",
                c if is_forbidden(c) => {
                    self.refuse(XmlProblem::Character(c));
                    "\u{FFFD}"
                }
                _ => {
                    i += c.len_utf8();
                    continue;
                }
            };
            self.out.push_str(&s[run..i]);
            self.out.push_str(rep);
            i += c.len_utf8();
            run = i;
        }
        self.out.push_str(&s[run..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::json::tests::arb_text;
    use crate::wire::{CsvLayout, KeyedList, Str, decode, scalar};
    use proptest::prelude::*;
    use serde::Deserialize;

    use crate::wire::arb::{m, s};

    const USERS: &str = r#"
    <response>
        <result>success</result>
        <users>
        <array>
                <ext>630</ext>
                <user>Tom</user>
                <tenant>default</tenant>
                <authid>beaucrn6</authid>
                <vmail>6/6</vmail>
                <status>OK (3 ms)</status>
                <host>209.242.9.134</host>
                <port>12447</port>
            </array>
            <array>
                <ext>69</ext>
                <user>Jerry</user>
                <tenant>default</tenant>
                <authid>cpirg16m</authid>
                <vmail>0/0</vmail>
                <status>Unmonitored</status>
                <host>N/A</host>
                <port>0</port>
            </array>
        </users>
    </response>"#;

    #[derive(Debug, Deserialize)]
    struct Users<'a> {
        #[serde(borrow, deserialize_with = "scalar::list")]
        users: Vec<User<'a>>,
    }

    #[derive(Debug, Deserialize)]
    struct User<'a> {
        #[serde(borrow)]
        user: Str<'a>,
        #[serde(deserialize_with = "scalar::int")]
        port: i64,
        #[serde(borrow)]
        status: Str<'a>,
    }

    #[test]
    fn users_sample() {
        let u: Users = decode(Format::Xml, CsvLayout::Keys, USERS.as_bytes()).unwrap();
        assert_eq!(u.users.len(), 2);
        assert_eq!((u.users[0].user.as_str(), u.users[0].port), ("Tom", 12447));
        assert_eq!(u.users[0].status, "OK (3 ms)");
        assert!(u.users[1].user.is_borrowed());
    }

    const QUEUES: &str = r#"<response>
	<result>success</result>
	<queues>
		<support_queue>
			<queue>support_queue</queue>
			<agents>
				<beaucrn6>
					<name>Tom</name>
					<otherdata> (ringinuse disabled) (dynamic)</otherdata>
					<paused>0</paused>
				</beaucrn6>
			</agents>
			<calls_waiting>
				<array>
					<number>8153556261</number>
					<wait_time>1:17</wait_time>
				</array>
			</calls_waiting>
		</support_queue>
		<testqueue>
			<queue>testqueue</queue>
			<agents></agents>
		</testqueue>
	</queues>
</response>"#;

    #[derive(Debug, Deserialize)]
    struct Queues<'a> {
        #[serde(borrow)]
        queues: KeyedList<'a, Queue<'a>>,
    }

    #[derive(Debug, Deserialize)]
    struct Queue<'a> {
        #[serde(borrow)]
        agents: KeyedList<'a, KeyedList<'a, Str<'a>>>,
        #[serde(borrow, default, deserialize_with = "scalar::list")]
        calls_waiting: Vec<KeyedList<'a, Str<'a>>>,
    }

    #[test]
    fn queues_sample() {
        let q: Queues = decode(Format::Xml, CsvLayout::Keys, QUEUES.as_bytes()).unwrap();
        let support = q.queues.get("support_queue").unwrap();
        let tom = support.agents.get("beaucrn6").unwrap();
        assert_eq!(
            tom.get("otherdata").unwrap(),
            " (ringinuse disabled) (dynamic)"
        );
        assert_eq!(support.calls_waiting.len(), 1);
        assert_eq!(support.calls_waiting[0].get("wait_time").unwrap(), "1:17");
        let test = q.queues.get("testqueue").unwrap();
        assert!(test.agents.is_empty() && test.calls_waiting.is_empty());
    }

    #[test]
    fn calls_sample_single_records_and_value_lists() {
        let body = r#"<response><result>success</result><calls>
            <inbound><callerid>1234567890</callerid><status>Connected</status></inbound>
            <outbound><ext>985@default-Jerma</ext></outbound>
            </calls><dst><value>100</value><value>+2223334444</value></dst>
            <logs><array><campaign>My Campaign</campaign><output><value>[Dec 29] a</value></output></array></logs>
            <fax_stats><switched_to_t.38>0</switched_to_t.38></fax_stats></response>"#;
        let n = parse(body.as_bytes()).unwrap();
        assert_eq!(
            n.get("dst"),
            Some(&Node::Seq(vec![s("100"), s("+2223334444")]))
        );
        let logs = n.get("logs").unwrap();
        assert_eq!(
            logs,
            &Node::Seq(vec![m(vec![
                ("campaign", s("My Campaign")),
                ("output", Node::Seq(vec![s("[Dec 29] a")]))
            ])])
        );
        assert_eq!(
            n.get("fax_stats").unwrap().get("switched_to_t.38"),
            Some(&s("0"))
        );

        #[derive(Deserialize)]
        struct Calls<'a> {
            #[serde(borrow)]
            calls: CallList<'a>,
        }
        #[derive(Deserialize)]
        struct CallList<'a> {
            #[serde(borrow, deserialize_with = "scalar::list")]
            inbound: Vec<KeyedList<'a, Str<'a>>>,
            #[serde(borrow, default, deserialize_with = "scalar::list")]
            internal: Vec<KeyedList<'a, Str<'a>>>,
        }
        let c: Calls = decode(Format::Xml, CsvLayout::Keys, body.as_bytes()).unwrap();
        assert_eq!(c.calls.inbound.len(), 1);
        assert_eq!(c.calls.inbound[0].get("status").unwrap(), "Connected");
        assert!(c.calls.internal.is_empty());
    }

    #[test]
    fn query_sms_sample_without_root() {
        let body = r#"<?xml version="1.0" encoding="UTF-8" ?>
<result>success</result>
	<total_results>171</total_results>
<results>
	<id>3131</id>
	<dst_original_label></dst_original_label>
	<message>Test Message</message>
</results>
<results>
	<id>3121</id>
	<dst_original_label/>
	<message>Test &amp; Message</message>
</results>"#;
        let n = parse(body.as_bytes()).unwrap();
        assert_eq!(n.get("result"), Some(&s("success")));
        assert_eq!(n.get("total_results"), Some(&s("171")));
        let results = n.get("results").unwrap();
        assert_eq!(
            results,
            &Node::Seq(vec![
                m(vec![
                    ("id", s("3131")),
                    ("dst_original_label", s("")),
                    ("message", s("Test Message"))
                ]),
                m(vec![
                    ("id", s("3121")),
                    ("dst_original_label", s("")),
                    ("message", s("Test & Message"))
                ]),
            ])
        );
        // Subscriber samples: two top-level elements.
        let n = parse(b"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<result>success</result>\n<success>Sucessfully added a new subscriber</success>").unwrap();
        assert_eq!(
            n,
            m(vec![
                ("result", s("success")),
                ("success", s("Sucessfully added a new subscriber"))
            ])
        );
    }

    #[test]
    fn request_root_and_repeated_elements() {
        let body = "<?xml version=\"1.0\" standalone=\"yes\"?>\n<request>\n\t<api_user>100@default</api_user>\n\t<dst>100</dst>\n\t<dst>200</dst>\n\t<account_code>505</account_code>\n\t<filters[]><src>1</src></filters[]>\n</request>";
        let n = parse(body.as_bytes()).unwrap();
        assert_eq!(
            n,
            m(vec![
                ("api_user", s("100@default")),
                ("dst", Node::Seq(vec![s("100"), s("200")])),
                ("account_code", s("505")),
                ("filters[]", m(vec![("src", s("1"))])),
            ])
        );
    }

    #[test]
    fn error_shape() {
        let err = decode::<Users>(
            Format::Xml,
            CsvLayout::Keys,
            b"<response><result>error</result><error>Error details here</error></response>",
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Server { ref message } if message == "Error details here"),
            "{err:?}"
        );
        let err = decode::<Users>(
            Format::Xml,
            CsvLayout::Keys,
            b"<result>error</result><error>no root</error>",
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Server { ref message } if message == "no root"),
            "{err:?}"
        );
        let body = crate::wire::encode_error(Format::Xml, "a < b & c");
        let err = decode::<Users>(Format::Xml, CsvLayout::Keys, &body).unwrap_err();
        assert!(
            matches!(err, Error::Server { ref message } if message == "a < b & c"),
            "{err:?}"
        );
    }

    #[test]
    fn entities_cdata_crlf_and_borrowing() {
        let body = "<response><a>x &lt;&amp;&gt; &#233;&#x1F600;&quot;&apos;</a><b><![CDATA[<raw> & ]]></b><c>plain</c><d>one\r\ntwo</d><e>pre<![CDATA[mid]]>post</e><!-- c --><?pi x?><f a=\"1\">attr</f></response>";
        let n = parse(body.as_bytes()).unwrap();
        assert_eq!(n.get("a"), Some(&s("x <&> é😀\"'")));
        assert_eq!(n.get("b"), Some(&s("<raw> & ")));
        assert!(matches!(
            n.get("c"),
            Some(Node::Str(Cow::Borrowed("plain")))
        ));
        assert_eq!(n.get("d"), Some(&s("one\ntwo")));
        assert_eq!(n.get("e"), Some(&s("premidpost")));
        assert_eq!(n.get("f"), Some(&s("attr")));
        let with_bom: Node = crate::wire::decode(
            Format::Xml,
            CsvLayout::Keys,
            b"\xEF\xBB\xBF<response><a>1</a></response>",
        )
        .unwrap();
        assert_eq!(with_bom, m(vec![("a", s("1"))]));
    }

    #[test]
    fn rejects_doctype_and_unknown_entities() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><response><a>&lol2;</a></response>"#;
        let Err(Error::Decode(e)) = parse(bomb.as_bytes()) else {
            panic!()
        };
        assert!(e.message.contains("DOCTYPE"), "{e}");
        assert!(matches!(e.position, Position::Offset(21)), "{e:?}");
        let Err(Error::Decode(e)) = parse(b"<response><a>&ext;</a></response>") else {
            panic!()
        };
        assert!(e.message.contains("unknown entity &ext;"), "{e}");
    }

    #[test]
    fn malformed_has_positions() {
        let deep = "<a>".repeat(200) + &"</a>".repeat(200);
        for body in [
            &b""[..],
            b"   ",
            b"plain text",
            b"<response><a>1</b></response>",
            b"<response><a>1</a>",
            b"<response><a>1</a></response></extra>",
            b"<response>\xff</response>",
            b"<response><a>&#0;</a></response>",
            b"<response><a>&amp</a></response>",
            deep.as_bytes(),
            b"<response><a x='1></a></response>",
        ] {
            let err = parse(body).unwrap_err();
            let Error::Decode(e) = err else {
                panic!("{err:?}")
            };
            assert_eq!(e.format, Format::Xml);
            assert!(matches!(e.position, Position::Offset(_)), "{e:?}");
        }
    }

    #[test]
    fn name_escapes() {
        for (key, name) in [
            ("ok", "ok"),
            ("switched_to_t.38", "switched_to_t.38"),
            ("0", "_x0030_"),
            ("12", "_x0031_2"),
            ("a b", "a_x0020_b"),
            ("", "_x_"),
            ("_x_", "_x005F_x_"),
            ("_x0030_", "_x005F_x0030_"),
            ("a:b", "a_x003A_b"),
            ("é", "é"),
            ("😀x", "😀x"),
            ("-a", "_x002D_a"),
            ("filters[]", "filters_x005B__x005D_"),
        ] {
            assert_eq!(encode_name(key, false), name, "{key}");
            assert_eq!(decode_name(Cow::Borrowed(name)), key, "{name}");
        }
        assert_eq!(encode_name("value", true), "_x0076_alue");
        assert_eq!(decode_name(Cow::Borrowed("_x0076_alue")), "value");
    }

    #[test]
    fn writes_php_style() {
        let n = m(vec![
            ("result", s("success")),
            (
                "users",
                Node::Seq(vec![m(vec![("ext", s("630"))]), m(vec![("ext", s("69"))])]),
            ),
            ("dst", Node::Seq(vec![s("1"), s("2")])),
            ("empty", Node::Seq(vec![])),
            ("text", s("a<b & \"c\"\r")),
            ("0", s("zero")),
            ("flag", Node::Bool(true)),
            ("nothing", Node::Null),
        ]);
        let out = String::from_utf8(write(&n)).unwrap();
        assert_eq!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><result>success</result><users><array><ext>630</ext></array><array><ext>69</ext></array></users><dst><value>1</value><value>2</value></dst><empty></empty><text>a&lt;b &amp; \"c\"&#13;</text><_x0030_>zero</_x0030_><flag>1</flag><nothing></nothing></response>\n"
        );
        let back = parse(out.as_bytes()).unwrap();
        assert_eq!(back.get("users"), n.get("users"));
        assert_eq!(back.get("text"), n.get("text"));
        assert_eq!(back.get("0"), Some(&s("zero")));
        assert_eq!(back.get("empty"), Some(&s("")));
    }

    #[test]
    fn one_escaping_rule_in_both_dialects() {
        let n = m(vec![("t", s("a\r\0\u{1}\u{FFFE}\u{FFFF}&"))]);
        // What XML 1.0 forbids is never written, not even as a character reference.
        let want = "<t>a&#13;\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}&amp;</t>";
        let response = String::from_utf8(write(&n)).unwrap();
        assert!(response.contains(want), "{response}");
        let request = String::from_utf8(write_as(&n, REQUEST, false).unwrap()).unwrap();
        assert!(request.contains(want), "{request}");
        let refusal = write_as(&n, REQUEST, true).unwrap_err();
        assert_eq!(refusal, XmlRefusal::new("t", XmlProblem::Character('\0')));
        assert_eq!(
            refusal.to_string(),
            "`t`: the character U+0000 cannot be sent in an XML body (XML 1.0 forbids it)"
        );
        // The refusal names the parameter's path, through maps and lists.
        let nested = m(vec![
            ("ok", s("x")),
            (
                "filters",
                m(vec![("src", Node::Seq(vec![s("100"), s("a\u{FFFE}")]))]),
            ),
        ]);
        assert_eq!(
            write_as(&nested, REQUEST, true).unwrap_err(),
            XmlRefusal::new("filters.src[1]", XmlProblem::Character('\u{FFFE}'))
        );
        let deep = m(vec![(
            "filter_groups",
            Node::Seq(vec![
                m(vec![("exclusivity", s("include"))]),
                m(vec![(
                    "rules",
                    Node::Seq(vec![m(vec![("value", s("\u{B}"))])]),
                )]),
            ]),
        )]);
        assert_eq!(
            write_as(&deep, REQUEST, true).unwrap_err().field,
            "filter_groups[1].rules[0].value"
        );
        assert_eq!(
            write_as(&m(vec![("a b", s("x"))]), REQUEST, true).unwrap_err(),
            XmlRefusal::new("a b", XmlProblem::Name("a b".into()))
        );
        assert_eq!(
            write_as(&s("x"), REQUEST, true).unwrap_err(),
            XmlRefusal::new("request", XmlProblem::NotAMap)
        );
    }

    #[test]
    fn tricky_round_trips() {
        for n in [
            m(vec![("value", s("x"))]),
            m(vec![(
                "array",
                m(vec![("value", s("1")), ("array", s("2"))]),
            )]),
            m(vec![(
                "l",
                Node::Seq(vec![Node::Seq(vec![s("a"), s("b")]), s("c")]),
            )]),
            m(vec![("l", Node::Seq(vec![s("only")]))]),
            m(vec![("one", m(vec![("inner", s("x"))]))]),
            m(vec![("ws", s("  \n "))]),
        ] {
            assert_eq!(parse(&write(&n)).unwrap(), n);
        }
        // A top-level list and a top-level string.
        let l = Node::Seq(vec![s("a"), m(vec![("k", s("v"))])]);
        assert_eq!(parse(&write(&l)).unwrap(), l);
        assert_eq!(parse(&write(&s("t"))).unwrap(), s("t"));
        assert_eq!(parse(&write(&m(vec![]))).unwrap(), m(vec![]));
    }

    /// XML has no empty lists or maps (they read back as `""`) and no null or booleans.
    fn xml_normal(node: Node<'static>) -> Node<'static> {
        match node {
            Node::Map(e) if e.is_empty() => s(""),
            Node::Seq(e) if e.is_empty() => s(""),
            Node::Map(e) => Node::Map(e.into_iter().map(|(k, v)| (k, xml_normal(v))).collect()),
            Node::Seq(items) => Node::Seq(items.into_iter().map(xml_normal).collect()),
            other => other,
        }
    }

    fn arb_xml_text() -> impl Strategy<Value = String> {
        // XML 1.0 cannot carry what `is_forbidden` says (the writer replaces it with U+FFFD,
        // see `replaced`); everything else must survive.
        arb_text().prop_map(|t| replaced(&t))
    }

    /// `text` as the writer writes it: each character XML 1.0 forbids replaced with U+FFFD.
    fn replaced(text: &str) -> String {
        text.chars()
            .map(|c| if is_forbidden(c) { '\u{FFFD}' } else { c })
            .collect()
    }

    /// Any text, with the characters XML 1.0 forbids and those it escapes well represented.
    fn arb_any_text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => any::<char>(),
                2 => prop::char::range('\0', '\u{1F}'),
                1 => Just('\u{FFFE}'),
                1 => Just('\u{FFFF}'),
                1 => Just('\u{FFFD}'),
                1 => prop::sample::select(vec!['&', '<', '>', '\r', '\n', '\t', ']', ';', '#']),
            ],
            0..24,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    fn arb_node() -> impl Strategy<Value = Node<'static>> {
        let leaf = arb_xml_text().prop_map(|t| Node::Str(Cow::Owned(t)));
        let key = prop_oneof![4 => "[a-z_][a-z0-9_.]{0,8}", 1 => "\\PC{0,4}", 1 => Just("value".to_owned()), 1 => Just("array".to_owned())];
        crate::wire::arb::arb_tree(leaf, key, 1)
    }

    proptest! {
        #[test]
        fn round_trip(node in arb_node()) {
            let root = Node::Map(vec![(Cow::Borrowed("root"), node)]);
            let out = write(&root);
            let back = parse(&out).unwrap().into_owned();
            prop_assert_eq!(back, xml_normal(root));
        }

        /// Any string written in the response dialect is well-formed XML 1.0 that reads back
        /// as the string with each forbidden character replaced with U+FFFD (the PHP
        /// cross-check in the simulator's tests loads such answers with SimpleXML).
        #[test]
        fn any_text_is_well_formed(text in arb_any_text(), key in "\\PC{0,6}".prop_filter("not result", |k| k != "result")) {
            let doc = m(vec![("result", s("success")), (&key, Node::Str(Cow::Owned(text.clone())))]);
            let out = write(&doc);
            let body = std::str::from_utf8(&out).unwrap();
            prop_assert!(!body.chars().any(is_forbidden), "{body:?}");
            let back = parse(&out).unwrap().into_owned();
            prop_assert_eq!(back.get(&key), Some(&Node::Str(Cow::Owned(replaced(&text)))));
            // The only character reference written is the carriage return's.
            prop_assert!(!body.replace("&#13;", "").contains("&#"), "{body:?}");
        }

        #[test]
        fn never_panics(body in prop::collection::vec(prop_oneof![Just(b'<'), Just(b'>'), Just(b'/'), Just(b'a'), Just(b'&'), Just(b';'), Just(b'!'), Just(b'?'), any::<u8>()], 0..64)) {
            let _ = parse(&body);
        }
    }
}
