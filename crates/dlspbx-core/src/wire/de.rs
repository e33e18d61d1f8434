//! The tolerant serde deserializer over [`Node`].
//!
//! [`NodeDeserializer`] hands out the tree's strings as they are: a borrowed string is given to
//! the visitor with `visit_borrowed_str`, so `Str<'a>` fields keep pointing into the body.
//!
//! Tolerance (what the PHP server's formats make necessary):
//! - a scalar is read as a number, a flag or a string on request (`"42"` as an `i64`,
//!   `"Yes"`/`"1"` as a `bool`, a boolean as the string `"true"`);
//! - an empty string, null or an empty list is an empty map or struct (PHP's empty array in
//!   XML, CSV and JSON), and a null or empty string is an empty list;
//! - a list is expected and a map comes: if all its keys are integers (CSV key paths, PHP lists
//!   with holes) or all are `array`/`value` (XML list items), its values are the list, in key
//!   order for integer keys; any other single value is a list of one;
//! - unknown fields are ignored; null is `None` (an empty string is `Some("")`).
//!
//! Errors name the path of the offending field (`queues.support_queue.agents: expected a map,
//! found "x"`, `users[1].port: ...`).
use super::Node;
use super::scalar::int_key;
use crate::error::{DecodeError, Error, Position, Result};
use crate::format::Format;
use crate::scalar::{read_decimal as parse_decimal, read_int as parse_int};
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde::{Deserialize, forward_to_deserialize_any};
use std::borrow::Cow;
use std::fmt;

/// Deserializes `T` from a parsed tree; errors name `format` and the field path.
pub fn from_node<'a, T: Deserialize<'a>>(format: Format, node: Node<'a>) -> Result<T> {
    T::deserialize(NodeDeserializer::new(node))
        .map_err(|e| Error::Decode(DecodeError::new(format, Position::Unknown, e.to_string())))
}

/// A deserialization failure inside a [`Node`] tree, with the path of the failing field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeError {
    /// Path segments, innermost first (they are added while the error travels outwards).
    path: Vec<Segment>,
    message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl NodeError {
    fn new(message: impl Into<String>) -> Self {
        NodeError {
            path: Vec::new(),
            message: message.into(),
        }
    }

    fn within(mut self, segment: Segment) -> Self {
        self.path.push(segment);
        self
    }

    /// The path of the failing field (`queues.support_queue.agents`, `users[1].port`),
    /// empty for the document itself.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in self.path.iter().rev() {
            match seg {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// What went wrong, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path(), self.message)
        }
    }
}

impl std::error::Error for NodeError {}

impl de::Error for NodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        NodeError::new(msg.to_string())
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        NodeError::new(format!(
            "expected {exp}, found {}",
            describe_unexpected(&unexp)
        ))
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        NodeError::new(format!(
            "expected {exp}, found {}",
            describe_unexpected(&unexp)
        ))
    }
}

fn describe_unexpected(unexp: &de::Unexpected<'_>) -> String {
    match unexp {
        de::Unexpected::Str(s) => quote_short(s),
        de::Unexpected::Unit => "null".to_owned(),
        de::Unexpected::Seq => "a list".to_owned(),
        de::Unexpected::Map => "a map".to_owned(),
        other => other.to_string(),
    }
}

fn quote_short(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() > MAX {
        let head: String = s.chars().take(MAX).collect();
        format!("{head:?}…")
    } else {
        format!("{s:?}")
    }
}

fn describe(node: &Node<'_>) -> String {
    match node {
        Node::Null => "null".to_owned(),
        Node::Bool(b) => format!("the boolean {b}"),
        Node::Str(s) => quote_short(s),
        Node::Seq(_) => "a list".to_owned(),
        Node::Map(_) => "a map".to_owned(),
    }
}

/// A serde deserializer reading a [`Node`] tree, tolerant of the PHP server's ways
/// (see the module documentation).
#[derive(Debug)]
pub struct NodeDeserializer<'a> {
    node: Node<'a>,
}

impl<'a> NodeDeserializer<'a> {
    /// A deserializer over `node`.
    pub fn new(node: Node<'a>) -> Self {
        NodeDeserializer { node }
    }
}

impl<'a> IntoDeserializer<'a, NodeError> for Node<'a> {
    type Deserializer = NodeDeserializer<'a>;
    fn into_deserializer(self) -> NodeDeserializer<'a> {
        NodeDeserializer::new(self)
    }
}

fn visit_cow<'a, V: Visitor<'a>>(s: Cow<'a, str>, visitor: V) -> Result<V::Value, NodeError> {
    match s {
        Cow::Borrowed(b) => visitor.visit_borrowed_str(b),
        Cow::Owned(o) => visitor.visit_string(o),
    }
}

/// The entries of a map, as a list when they are list items (all keys integers, or all
/// `array`/`value`); `Err` gives the entries back otherwise.
#[allow(clippy::type_complexity)]
fn map_as_list<'a>(
    entries: Vec<(Cow<'a, str>, Node<'a>)>,
) -> Result<Vec<Node<'a>>, Vec<(Cow<'a, str>, Node<'a>)>> {
    if entries.iter().all(|(k, _)| k == "array" || k == "value") {
        return Ok(entries.into_iter().map(|(_, v)| v).collect());
    }
    let mut keyed = Vec::with_capacity(entries.len());
    for (k, _) in &entries {
        match int_key(k) {
            Some(i) => keyed.push(i),
            None => return Err(entries),
        }
    }
    let mut items: Vec<(i64, Node<'a>)> = keyed
        .into_iter()
        .zip(entries.into_iter().map(|(_, v)| v))
        .collect();
    items.sort_by_key(|(i, _)| *i);
    Ok(items.into_iter().map(|(_, v)| v).collect())
}

macro_rules! deserialize_int {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, NodeError> {
            match self.node {
                Node::Str(s) => {
                    let t = s.trim();
                    if let Ok(i) = t.parse::<i64>() {
                        visitor.visit_i64(i)
                    } else if let Ok(u) = t.parse::<u64>() {
                        visitor.visit_u64(u)
                    } else if let Some(i) = parse_int(t) {
                        visitor.visit_i64(i)
                    } else {
                        Err(NodeError::new(format!("expected an integer, found {}", quote_short(&s))))
                    }
                }
                other => NodeDeserializer::new(other).deserialize_any(visitor),
            }
        }
    )*};
}

/// Methods that read the node as another one does (their other arguments unused).
macro_rules! read_as {
    ($($method:ident $(($($arg:ty),*))? => $as:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'a>>(self, $($(_: $arg,)*)? visitor: V) -> Result<V::Value, NodeError> {
            self.$as(visitor)
        }
    )*};
}

impl<'a> Deserializer<'a> for NodeDeserializer<'a> {
    type Error = NodeError;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, NodeError> {
        match self.node {
            Node::Null => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(b),
            Node::Str(s) => visit_cow(s, visitor),
            Node::Seq(items) => visitor.visit_seq(NodeSeq::new(items)),
            Node::Map(entries) => visitor.visit_map(NodeMap::new(entries)),
        }
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, NodeError> {
        match self.node {
            Node::Str(s) => match crate::scalar::as_flag(&s) {
                Some(b) => visitor.visit_bool(b),
                None => Err(NodeError::new(format!(
                    "expected a flag (true/false, 1/0, Yes/No), found {}",
                    quote_short(&s)
                ))),
            },
            other => NodeDeserializer::new(other).deserialize_any(visitor),
        }
    }

    deserialize_int!(
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128
    );

    read_as! {
        deserialize_f32 => deserialize_f64,
        deserialize_char => deserialize_any,
        deserialize_string => deserialize_str,
        deserialize_identifier => deserialize_str,
        deserialize_byte_buf => deserialize_bytes,
        deserialize_unit_struct(&'static str) => deserialize_unit,
        deserialize_tuple(usize) => deserialize_seq,
        deserialize_tuple_struct(&'static str, usize) => deserialize_seq,
    }

    fn deserialize_f64<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, NodeError> {
        match self.node {
            Node::Str(s) => match parse_decimal(&s) {
                Some(f) => visitor.visit_f64(f),
                None => Err(NodeError::new(format!(
                    "expected a decimal number, found {}",
                    quote_short(&s)
                ))),
            },
            other => NodeDeserializer::new(other).deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, NodeError> {
        match self.node {
            Node::Bool(b) => visitor.visit_borrowed_str(if b { "true" } else { "false" }),
            other => NodeDeserializer::new(other).deserialize_any(visitor),
        }
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, NodeError> {
        match self.node {
            Node::Str(Cow::Borrowed(b)) => visitor.visit_borrowed_bytes(b.as_bytes()),
            Node::Str(Cow::Owned(o)) => visitor.visit_byte_buf(o.into_bytes()),
            other => NodeDeserializer::new(other).deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, NodeError> {
        match self.node {
            Node::Null => visitor.visit_none(),
            other => visitor.visit_some(NodeDeserializer::new(other)),
        }
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, NodeError> {
        if self.node.is_empty() {
            visitor.visit_unit()
        } else {
            Err(NodeError::new(format!(
                "expected nothing, found {}",
                describe(&self.node)
            )))
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, NodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, NodeError> {
        match self.node {
            Node::Seq(items) => visitor.visit_seq(NodeSeq::new(items)),
            Node::Null => visitor.visit_seq(NodeSeq::new(Vec::new())),
            Node::Str(s) if s.is_empty() => visitor.visit_seq(NodeSeq::new(Vec::new())),
            Node::Map(entries) => match map_as_list(entries) {
                Ok(items) => visitor.visit_seq(NodeSeq::new(items)),
                Err(entries) => visitor.visit_seq(NodeSeq::new(vec![Node::Map(entries)])),
            },
            other => visitor.visit_seq(NodeSeq::new(vec![other])),
        }
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, NodeError> {
        match self.node {
            Node::Map(entries) => visitor.visit_map(NodeMap::new(entries)),
            Node::Seq(items) => {
                // PHP writes an array whose keys are 0..n as a list.
                let entries = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (Cow::Owned(i.to_string()), v))
                    .collect();
                visitor.visit_map(NodeMap::new(entries))
            }
            ref empty if empty.is_empty() => visitor.visit_map(NodeMap::new(Vec::new())),
            other => Err(NodeError::new(format!(
                "expected a map, found {}",
                describe(&other)
            ))),
        }
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, NodeError> {
        match self.node {
            Node::Map(entries) => visitor.visit_map(NodeMap::new(entries)),
            ref empty if empty.is_empty() => visitor.visit_map(NodeMap::new(Vec::new())),
            other => Err(NodeError::new(format!(
                "expected a map, found {}",
                describe(&other)
            ))),
        }
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, NodeError> {
        match self.node {
            Node::Str(s) => visitor.visit_enum(NodeEnum {
                variant: s,
                value: None,
            }),
            Node::Map(mut entries) if entries.len() == 1 => match entries.pop() {
                Some((k, v)) => visitor.visit_enum(NodeEnum {
                    variant: k,
                    value: Some(v),
                }),
                None => Err(NodeError::new("expected a variant")),
            },
            other => Err(NodeError::new(format!(
                "expected a variant name, found {}",
                describe(&other)
            ))),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, NodeError> {
        drop(self);
        visitor.visit_unit()
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

struct NodeSeq<'a> {
    iter: std::vec::IntoIter<Node<'a>>,
    index: usize,
}

impl<'a> NodeSeq<'a> {
    fn new(items: Vec<Node<'a>>) -> Self {
        NodeSeq {
            iter: items.into_iter(),
            index: 0,
        }
    }
}

impl<'a> SeqAccess<'a> for NodeSeq<'a> {
    type Error = NodeError;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, NodeError> {
        match self.iter.next() {
            Some(node) => {
                let index = self.index;
                self.index += 1;
                seed.deserialize(NodeDeserializer::new(node))
                    .map(Some)
                    .map_err(|e| e.within(Segment::Index(index)))
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct NodeMap<'a> {
    iter: std::vec::IntoIter<(Cow<'a, str>, Node<'a>)>,
    current: Option<(Cow<'a, str>, Node<'a>)>,
}

impl<'a> NodeMap<'a> {
    fn new(entries: Vec<(Cow<'a, str>, Node<'a>)>) -> Self {
        NodeMap {
            iter: entries.into_iter(),
            current: None,
        }
    }
}

impl<'a> MapAccess<'a> for NodeMap<'a> {
    type Error = NodeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, NodeError> {
        let Some(entry) = self.iter.next() else {
            return Ok(None);
        };
        let key = &self.current.insert(entry).0;
        seed.deserialize(KeyDeserializer { key })
            .map(Some)
            .map_err(|e| e.within(Segment::Key(key.to_string())))
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, NodeError> {
        match self.current.take() {
            Some((key, node)) => seed
                .deserialize(NodeDeserializer::new(node))
                .map_err(|e| e.within(Segment::Key(key.into_owned()))),
            None => Err(NodeError::new("a map value was requested before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// Deserializes a map key (borrowed when the key is).
struct KeyDeserializer<'k, 'a> {
    key: &'k Cow<'a, str>,
}

macro_rules! key_via_node {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NodeError> {
            NodeDeserializer::new(Node::Str(Cow::Owned(self.key.to_string()))).$method(visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for KeyDeserializer<'_, 'de> {
    type Error = NodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NodeError> {
        match self.key {
            Cow::Borrowed(b) => visitor.visit_borrowed_str(b),
            Cow::Owned(o) => visitor.visit_str(o),
        }
    }

    key_via_node!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64
    );

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, NodeError> {
        visitor.visit_enum(NodeEnum {
            variant: self.key.clone(),
            value: None,
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, NodeError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

struct NodeEnum<'a> {
    variant: Cow<'a, str>,
    value: Option<Node<'a>>,
}

impl<'a> EnumAccess<'a> for NodeEnum<'a> {
    type Error = NodeError;
    type Variant = NodeVariant<'a>;

    fn variant_seed<V: DeserializeSeed<'a>>(
        self,
        seed: V,
    ) -> Result<(V::Value, NodeVariant<'a>), NodeError> {
        let v = match &self.variant {
            Cow::Borrowed(b) => seed.deserialize(BorrowedStrDeserializer::<NodeError>::new(b))?,
            Cow::Owned(o) => seed.deserialize(o.as_str().into_deserializer())?,
        };
        Ok((
            v,
            NodeVariant {
                name: self.variant,
                value: self.value,
            },
        ))
    }
}

struct NodeVariant<'a> {
    name: Cow<'a, str>,
    value: Option<Node<'a>>,
}

impl<'a> VariantAccess<'a> for NodeVariant<'a> {
    type Error = NodeError;

    fn unit_variant(self) -> Result<(), NodeError> {
        match self.value {
            None => Ok(()),
            Some(v) if v.is_empty() => Ok(()),
            Some(v) => Err(
                NodeError::new(format!("expected nothing, found {}", describe(&v)))
                    .within(Segment::Key(self.name.into_owned())),
            ),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, seed: T) -> Result<T::Value, NodeError> {
        let name = self.name;
        seed.deserialize(NodeDeserializer::new(self.value.unwrap_or_default()))
            .map_err(|e| e.within(Segment::Key(name.into_owned())))
    }

    fn tuple_variant<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, NodeError> {
        let name = self.name;
        NodeDeserializer::new(self.value.unwrap_or_default())
            .deserialize_seq(visitor)
            .map_err(|e| e.within(Segment::Key(name.into_owned())))
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, NodeError> {
        let name = self.name;
        NodeDeserializer::new(self.value.unwrap_or_default())
            .deserialize_struct("", fields, visitor)
            .map_err(|e| e.within(Segment::Key(name.into_owned())))
    }
}

// ---------------------------------------------------------------------------------------------
// Node as a serde data type: any self-describing format can be read into a tree.

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }
    visit_text!(Node::Str);
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(crate::scalar::write_decimal(v))))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        Node::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some((k, v)) = map.next_entry::<super::Str<'de>, Node<'de>>()? {
            entries.push((k.0, v));
        }
        Ok(Node::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{KeyedList, Str, scalar};

    fn s(v: &str) -> Node<'_> {
        Node::Str(Cow::Borrowed(v))
    }
    fn m<'a>(entries: Vec<(&'a str, Node<'a>)>) -> Node<'a> {
        Node::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Cow::Borrowed(k), v))
                .collect(),
        )
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Agent<'a> {
        #[serde(borrow)]
        name: Str<'a>,
        #[serde(deserialize_with = "scalar::int")]
        tid: i64,
        #[serde(default, deserialize_with = "scalar::opt_flag")]
        paused: Option<bool>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Queue<'a> {
        #[serde(borrow)]
        queue: Str<'a>,
        #[serde(borrow)]
        agents: KeyedList<'a, Agent<'a>>,
        #[serde(borrow, default, deserialize_with = "scalar::list")]
        calls_waiting: Vec<Waiting<'a>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Waiting<'a> {
        #[serde(borrow)]
        number: Str<'a>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Queues<'a> {
        #[serde(borrow)]
        queues: KeyedList<'a, Queue<'a>>,
    }

    fn sample() -> Node<'static> {
        m(vec![
            ("result", s("success")),
            (
                "queues",
                m(vec![
                    (
                        "support_queue",
                        m(vec![
                            ("queue", s("support_queue")),
                            (
                                "agents",
                                m(vec![(
                                    "beaucrn6",
                                    m(vec![
                                        ("name", s("Tom")),
                                        ("tid", s("0")),
                                        ("paused", s("0")),
                                    ]),
                                )]),
                            ),
                            (
                                "calls_waiting",
                                m(vec![("number", s("815")), ("priority", s("1"))]),
                            ),
                        ]),
                    ),
                    (
                        "testqueue",
                        m(vec![("queue", s("testqueue")), ("agents", s(""))]),
                    ),
                ]),
            ),
        ])
    }

    #[test]
    fn tolerant_tree() {
        let q: Queues = from_node(Format::Xml, sample()).unwrap();
        let support = q.queues.get("support_queue").unwrap();
        assert_eq!(
            support.agents.get("beaucrn6").unwrap(),
            &Agent {
                name: "Tom".into(),
                tid: 0,
                paused: Some(false)
            }
        );
        assert_eq!(
            support.calls_waiting,
            vec![Waiting {
                number: "815".into()
            }]
        );
        assert!(support.agents.get("beaucrn6").unwrap().name.is_borrowed());
        let test = q.queues.get("testqueue").unwrap();
        assert!(test.agents.is_empty());
        assert!(test.calls_waiting.is_empty());
    }

    #[test]
    fn error_names_the_path() {
        let node = m(vec![(
            "queues",
            m(vec![(
                "support_queue",
                m(vec![("queue", s("q")), ("agents", s("x"))]),
            )]),
        )]);
        let err = from_node::<Queues>(Format::Yaml, node).unwrap_err();
        let Error::Decode(e) = err else {
            panic!("{err:?}")
        };
        assert_eq!(e.format, Format::Yaml);
        assert_eq!(
            e.message,
            r#"queues.support_queue.agents: expected a map, found "x""#
        );

        let node = m(vec![("list", Node::Seq(vec![s("1"), s("x")]))]);
        #[derive(Debug, Deserialize)]
        struct L {
            #[allow(dead_code)]
            list: Vec<i64>,
        }
        let err = from_node::<L>(Format::Csv, node).unwrap_err().to_string();
        assert!(
            err.contains(r#"list[1]: expected an integer, found "x""#),
            "{err}"
        );

        let err = from_node::<Queues>(Format::Xml, m(vec![("queues", m(vec![("q", m(vec![]))]))]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("queues.q: missing field `queue`"), "{err}");
    }

    #[test]
    fn seqs_from_maps_and_scalars() {
        let v: Vec<Str> = from_node(
            Format::Csv,
            m(vec![("1", s("b")), ("0", s("a")), ("10", s("c"))]),
        )
        .unwrap();
        assert_eq!(v, ["a", "b", "c"]);
        let v: Vec<Str> =
            from_node(Format::Xml, m(vec![("value", s("a")), ("value", s("b"))])).unwrap();
        assert_eq!(v, ["a", "b"]);
        let v: Vec<Str> = from_node(Format::Xml, s("only")).unwrap();
        assert_eq!(v, ["only"]);
        let v: Vec<Str> = from_node(Format::Xml, s("")).unwrap();
        assert!(v.is_empty());
        let v: Vec<Str> = from_node(Format::Xml, Node::Null).unwrap();
        assert!(v.is_empty());
        let v: Vec<Waiting> = from_node(Format::Xml, m(vec![("number", s("1"))])).unwrap();
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn scalars_and_options() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct T<'a> {
            a: i64,
            b: bool,
            c: f64,
            #[serde(borrow)]
            d: Option<Str<'a>>,
            #[serde(borrow)]
            e: Option<Str<'a>>,
            f: Option<u8>,
            g: String,
        }
        let node = m(vec![
            ("a", s("42")),
            ("b", s("Yes")),
            ("c", s("1.50")),
            ("d", s("")),
            ("e", Node::Null),
            ("g", Node::Bool(true)),
            ("unknown", m(vec![("x", s("y"))])),
        ]);
        let t: T = from_node(Format::Yaml, node).unwrap();
        assert_eq!(
            t,
            T {
                a: 42,
                b: true,
                c: 1.5,
                d: Some("".into()),
                e: None,
                f: None,
                g: "true".into()
            }
        );
        assert!(t.d.unwrap().is_borrowed());
    }

    #[test]
    fn enums() {
        #[derive(Debug, Deserialize, PartialEq)]
        #[serde(rename_all = "lowercase")]
        enum E {
            A,
            B(i64),
            C { x: String },
        }
        assert_eq!(from_node::<E>(Format::Json, s("a")).unwrap(), E::A);
        assert_eq!(
            from_node::<E>(Format::Json, m(vec![("b", s("3"))])).unwrap(),
            E::B(3)
        );
        assert_eq!(
            from_node::<E>(Format::Json, m(vec![("c", m(vec![("x", s("y"))]))])).unwrap(),
            E::C { x: "y".into() }
        );
        assert!(from_node::<E>(Format::Json, s("zzz")).is_err());
    }

    #[derive(Debug, Deserialize)]
    struct ZeroCopy<'a> {
        #[serde(borrow)]
        name: Str<'a>,
        #[serde(borrow, deserialize_with = "scalar::list")]
        tags: Vec<Str<'a>>,
        #[serde(borrow)]
        opt: Option<Str<'a>>,
        #[serde(borrow, default)]
        missing: Option<Str<'a>>,
    }

    #[test]
    fn zero_copy_in_every_format() {
        use crate::wire::{CsvLayout, decode};
        let bodies: [(Format, &[u8]); 4] = [
            (Format::Json, br#"{"result":"success","name":"Tom","tags":["a","b"],"opt":"x","extra":{"k":[1]}}"#),
            (
                Format::Xml,
                b"<?xml version=\"1.0\"?>\n<response><result>success</result><name>Tom</name><tags><value>a</value><value>b</value></tags><opt>x</opt><extra><k>1</k></extra></response>",
            ),
            (Format::Yaml, b"---\nresult: success\nname: Tom\ntags:\n- a\n- \"b\"\nopt: 'x'\nextra:\n  k: 1\n...\n"),
            (Format::Csv, b"result,success\nname,Tom\ntags,0,a\ntags,1,\"b\"\nopt,x\nextra,k,1\n"),
        ];
        for (format, body) in bodies {
            if !format.is_supported() {
                let err = decode::<ZeroCopy>(format, CsvLayout::Keys, body).unwrap_err();
                assert!(matches!(err, crate::Error::Config(_)), "{format}: {err}");
                continue;
            }
            let z: ZeroCopy = decode(format, CsvLayout::Keys, body).unwrap();
            assert_eq!(z.name, "Tom", "{format}");
            assert_eq!(z.tags, ["a", "b"], "{format}");
            assert_eq!(z.opt.as_deref(), Some("x"), "{format}");
            assert!(z.missing.is_none(), "{format}");
            assert!(z.name.is_borrowed(), "{format}");
            assert!(z.tags.iter().all(Str::is_borrowed), "{format}");
            assert!(z.opt.as_ref().is_some_and(Str::is_borrowed), "{format}");
        }
        // Escaped text is owned (and correct).
        if !Format::Json.is_supported() {
            return;
        }
        let z: ZeroCopy = decode(
            Format::Json,
            CsvLayout::Keys,
            br#"{"name":"T\u00f6m","tags":"a\/b"}"#,
        )
        .unwrap();
        assert_eq!((z.name.as_str(), z.tags[0].as_str()), ("Töm", "a/b"));
        assert!(!z.name.is_borrowed());
    }

    #[test]
    fn node_round_trips_through_json_deserialize() {
        let n: Node = serde_json::from_str(r#"{"a":[1,2.5,"x",true,null],"b":{}}"#).unwrap();
        assert_eq!(
            n,
            m(vec![
                (
                    "a",
                    Node::Seq(vec![s("1"), s("2.5"), s("x"), Node::Bool(true), Node::Null])
                ),
                ("b", m(vec![]))
            ])
        );
    }
}
