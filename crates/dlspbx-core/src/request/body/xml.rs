//! XML request bodies: the writer in the reference's style and the simulator's reader (see the
//! parent module). Compiled with the `xml` feature.

use super::{XML_MAX_DEPTH, decode_err};
use crate::error::{EncodeError, EncodeKind, Error};
use crate::format::Format;
use crate::wire::Node;
use crate::wire::xml::{is_name_char, is_name_start};
use quick_xml::events::Event;
use std::borrow::Cow;
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// XML: writing
// ---------------------------------------------------------------------------------------------

pub(super) const XML_DECL: &str = "<?xml version=\"1.0\" standalone=\"yes\"?>\n";

/// Writes `params` (a [`Node::Map`]) as an XML request body in the reference's style.
///
/// Never fails: names that are not XML names get their other characters replaced with `_`,
/// a NUL character (which XML cannot carry) becomes U+FFFD, and a `params` that is not a map is
/// written as a single `<value>` entry. Use [`try_encode_xml`] to refuse those instead.
pub fn encode_xml(params: &Node<'_>) -> Vec<u8> {
    let mut w = XmlWriter {
        out: String::with_capacity(256),
        strict: false,
        problem: None,
    };
    w.document(params);
    w.out.into_bytes()
}

/// Like [`encode_xml`], but fails with [`Error::Encode`] when `params` is not a map, a name is
/// not an XML name, or a text holds a character XML 1.0 cannot carry (C0 controls other than
/// tab, line feed and carriage return; U+FFFE, U+FFFF).
pub fn try_encode_xml(params: &Node<'_>) -> Result<Vec<u8>, Error> {
    if !matches!(params, Node::Map(_) | Node::Null) {
        return Err(Error::Encode(EncodeError::new(
            EncodeKind::Unrepresentable,
            "XML request parameters must be a map of names to values",
        )));
    }
    let mut w = XmlWriter {
        out: String::with_capacity(256),
        strict: true,
        problem: None,
    };
    w.document(params);
    match w.problem {
        Some(p) => Err(Error::Encode(EncodeError::new(
            EncodeKind::Unrepresentable,
            p,
        ))),
        None => Ok(w.out.into_bytes()),
    }
}

struct XmlWriter {
    out: String,
    strict: bool,
    problem: Option<String>,
}

impl XmlWriter {
    fn document(&mut self, params: &Node<'_>) {
        self.out.push_str(XML_DECL);
        self.out.push_str("<request>\n");
        match params {
            Node::Map(entries) => {
                for (k, v) in entries {
                    self.entry(k, v, 1);
                }
            }
            Node::Null => {}
            other => self.entry("value", other, 1),
        }
        self.out.push_str("</request>\n");
    }

    fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.out.push('\t');
        }
    }

    fn open(&mut self, name: &str, level: usize) {
        self.indent(level);
        self.out.push('<');
        self.name(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.name(name);
        self.out.push_str(">\n");
    }

    /// One map entry: nothing, a leaf element, repeated elements for a list, or an element
    /// with children for a map.
    fn entry(&mut self, name: &str, node: &Node<'_>, level: usize) {
        match node {
            Node::Null => {}
            Node::Bool(b) => self.leaf(name, if *b { "1" } else { "0" }, level),
            Node::Str(s) => self.leaf(name, s, level),
            Node::Seq(items) => {
                for item in items {
                    match item {
                        Node::Seq(inner) => self.list_element(name, inner, level),
                        other => self.entry(name, other, level),
                    }
                }
            }
            Node::Map(entries) => {
                let mark = self.out.len();
                self.open(name, level);
                self.out.push('\n');
                let inner = self.out.len();
                for (k, v) in entries {
                    self.entry(k, v, level + 1);
                }
                if self.out.len() == inner {
                    self.out.truncate(mark);
                } else {
                    self.indent(level);
                    self.close(name);
                }
            }
        }
    }

    /// A list inside a list: one element holding `<value>` items.
    fn list_element(&mut self, name: &str, items: &[Node<'_>], level: usize) {
        let mark = self.out.len();
        self.open(name, level);
        self.out.push('\n');
        let inner = self.out.len();
        for item in items {
            match item {
                Node::Seq(deeper) => self.list_element("value", deeper, level + 1),
                other => self.entry("value", other, level + 1),
            }
        }
        if self.out.len() == inner {
            self.out.truncate(mark);
        } else {
            self.indent(level);
            self.close(name);
        }
    }

    fn leaf(&mut self, name: &str, text: &str, level: usize) {
        self.open(name, level);
        self.text(text);
        self.close(name);
    }

    fn name(&mut self, name: &str) {
        let (base, suffix) = match name.strip_suffix("[]") {
            Some(b) if !b.is_empty() => (b, "[]"),
            _ => (name, ""),
        };
        if is_xml_name(base) {
            self.out.push_str(base);
        } else {
            if self.strict && self.problem.is_none() {
                self.problem = Some(format!("{name:?} is not an XML element name"));
            }
            let mut chars = base.chars();
            match chars.next() {
                None => self.out.push('_'),
                Some(c) if is_name_start(c) => self.out.push(c),
                Some(c) => {
                    self.out.push('_');
                    self.out.push(if is_name_char(c) { c } else { '_' });
                }
            }
            for c in chars {
                self.out.push(if is_name_char(c) { c } else { '_' });
            }
        }
        self.out.push_str(suffix);
    }

    fn text(&mut self, s: &str) {
        let mut run = 0;
        for (i, c) in s.char_indices() {
            let rep: Option<Cow<'static, str>> = match c {
                '&' => Some("&amp;".into()),
                '<' => Some("&lt;".into()),
                '>' => Some("&gt;".into()),
                '\r' => Some("&#13;".into()),
                '\t' | '\n' => None,
                '\0' => {
                    self.note_bad_char(c);
                    Some("\u{FFFD}".into())
                }
                c if c < '\u{20}' || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                    self.note_bad_char(c);
                    Some(format!("&#{};", u32::from(c)).into())
                }
                _ => None,
            };
            if let Some(rep) = rep {
                self.out.push_str(&s[run..i]);
                self.out.push_str(&rep);
                run = i + c.len_utf8();
            }
        }
        self.out.push_str(&s[run..]);
    }

    fn note_bad_char(&mut self, c: char) {
        if self.strict && self.problem.is_none() {
            self.problem = Some(format!(
                "the character U+{:04X} cannot be sent in an XML body",
                u32::from(c)
            ));
        }
    }
}

/// Whether `s` is an XML element name (XML 1.0's `Name`; `custom:<column>` keeps its colon,
/// as PHP's reader takes it).
fn is_xml_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if is_name_start(c) => chars.all(is_name_char),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// XML: reading
// ---------------------------------------------------------------------------------------------

struct Frame {
    name: String,
    entries: Vec<(Cow<'static, str>, Node<'static>)>,
    /// The position in `entries` of each child name, so that adding a child is O(1) (a linear
    /// search made a body of many distinct siblings quadratic).
    index: HashMap<String, usize>,
    text: String,
    /// Offset of the first non-whitespace text, to report mixed content.
    text_at: Option<usize>,
}

impl Frame {
    fn new(name: String) -> Self {
        Frame {
            name,
            entries: Vec::new(),
            index: HashMap::new(),
            text: String::new(),
            text_at: None,
        }
    }

    fn add_text(&mut self, t: &str, at: usize) {
        if self.text_at.is_none() && !t.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
            self.text_at = Some(at);
        }
        self.text.push_str(t);
    }

    /// A repeated name turns the entry into a list (a single element never yields a `Seq`,
    /// so a `Seq` value here always comes from repetition).
    fn add_child(&mut self, name: String, node: Node<'static>) {
        if let Some(&i) = self.index.get(&name) {
            match &mut self.entries[i].1 {
                Node::Seq(items) => items.push(node),
                other => {
                    let first = std::mem::take(other);
                    *other = Node::Seq(vec![first, node]);
                }
            }
        } else {
            self.index.insert(name.clone(), self.entries.len());
            self.entries.push((Cow::Owned(name), node));
        }
    }
}

/// Parses an XML request body (`<request>` root, or any single root element) into a
/// [`Node::Map`]. Errors are [`Error::Decode`] with the line and column.
pub fn parse_xml(body: &[u8]) -> Result<Node<'static>, Error> {
    let body = crate::wire::strip_bom(body);
    if let Err(e) = std::str::from_utf8(body) {
        return Err(decode_err(
            Format::Xml,
            body,
            e.valid_up_to(),
            "invalid UTF-8",
        ));
    }
    let mut reader = quick_xml::Reader::from_reader(body);
    {
        let cfg = reader.config_mut();
        cfg.trim_text(false);
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
    }
    let err = |at: usize, msg: String| decode_err(Format::Xml, body, at, msg);
    let offset = |p: u64| usize::try_from(p).unwrap_or(usize::MAX);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node<'static>> = None;
    loop {
        let at = offset(reader.buffer_position());
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => return Err(err(offset(reader.error_position()), e.to_string())),
        };
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() && stack.is_empty() => {
                return Err(err(
                    at,
                    "a second root element; the body must have one root, such as <request>".into(),
                ));
            }
            Event::Start(start) => {
                if stack.len() >= XML_MAX_DEPTH {
                    return Err(err(
                        at,
                        format!("elements nest deeper than {XML_MAX_DEPTH} levels"),
                    ));
                }
                let name = element_name(start.name().as_ref()).map_err(|m| err(at, m))?;
                stack.push(Frame::new(name));
            }
            Event::Empty(start) => {
                let name = element_name(start.name().as_ref()).map_err(|m| err(at, m))?;
                match stack.last_mut() {
                    Some(parent) => parent.add_child(name, Node::Str(Cow::Borrowed(""))),
                    None => root = Some(Node::Map(Vec::new())),
                }
            }
            Event::End(_) => {
                let Some(frame) = stack.pop() else {
                    return Err(err(at, "closing tag without an opening tag".into()));
                };
                let is_root = stack.is_empty();
                let node = if !frame.entries.is_empty() || is_root {
                    if let Some(t) = frame.text_at {
                        let msg = if is_root {
                            format!(
                                "text directly inside the root element <{}>; parameters must be elements",
                                frame.name
                            )
                        } else {
                            format!("text mixed with child elements in <{}>", frame.name)
                        };
                        return Err(err(t, msg));
                    }
                    Node::Map(frame.entries)
                } else {
                    Node::Str(Cow::Owned(frame.text))
                };
                match stack.last_mut() {
                    Some(parent) => parent.add_child(frame.name, node),
                    None => root = Some(node),
                }
            }
            Event::Text(t) => {
                let text = t.xml10_content();
                match stack.last_mut() {
                    Some(frame) => frame.add_text(&text, at),
                    None => {
                        if !text
                            .bytes()
                            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                        {
                            return Err(err(at, "text outside the root element".into()));
                        }
                    }
                }
            }
            Event::CData(c) => {
                let text = c.xml10_content();
                match stack.last_mut() {
                    Some(frame) => frame.add_text(&text, at),
                    None => return Err(err(at, "CDATA outside the root element".into())),
                }
            }
            Event::GeneralRef(r) => {
                let resolved: String = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = &*r;
                        match quick_xml::escape::resolve_predefined_entity(name) {
                            Some(s) => s.to_owned(),
                            None => return Err(err(at, format!("unknown entity &{name};"))),
                        }
                    }
                    Err(e) => return Err(err(at, e.to_string())),
                };
                match stack.last_mut() {
                    Some(frame) => frame.add_text(&resolved, at),
                    None => {
                        return Err(err(at, "entity reference outside the root element".into()));
                    }
                }
            }
            Event::DocType(_) => {
                return Err(err(at, "DOCTYPE is not allowed in a request body".into()));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(err(
                        at,
                        format!("unexpected end of document inside <{}>", open.name),
                    ));
                }
                return match root {
                    Some(node) => Ok(node),
                    None => Err(err(at, "no root element (expected <request>)".into())),
                };
            }
        }
    }
}

fn element_name(raw: &str) -> Result<String, String> {
    if raw.is_empty() {
        return Err("empty element name".into());
    }
    Ok(raw.to_owned())
}
