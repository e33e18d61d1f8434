//! Serializing typed values into a [`Node`] in wire mode.
//!
//! The serializer reports `is_human_readable() == false`, which makes the `ser_*` helpers of
//! [`super::scalar`] write the PHP server's wire text (`"42"`, `"Yes"`). Without a helper:
//! - integers and floats become their text (`Node::Str("42")`, `Node::Str("1.5")`); a
//!   non-finite float is an error (PHP's `json_encode` refuses them too);
//! - a `bool` stays a [`Node::Bool`] (JSON and YAML write `true`/`false`; XML and CSV, which
//!   have no booleans, write `1`/`0`);
//! - `None` and `()` are [`Node::Null`]; struct fields whose value is `Null` are left out
//!   (entries of maps are kept);
//! - structs and maps are [`Node::Map`] in field order, sequences and tuples [`Node::Seq`];
//! - a unit enum variant is its name; other variants are a one-entry map `{variant: value}`;
//! - map keys must be strings, integers, booleans or chars.
use super::Node;
use crate::error::{EncodeError, EncodeKind, Error, Result};
use serde::ser::{self, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// Serializes `value` into a tree of wire text (`is_human_readable() == false`).
pub fn to_node<T: Serialize>(value: &T) -> Result<Node<'static>> {
    value
        .serialize(NodeSerializer)
        .map_err(|e| Error::Encode(EncodeError::new(EncodeKind::Unrepresentable, e.0)))
}

#[derive(Debug)]
struct SerError(String);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

type Out = std::result::Result<Node<'static>, SerError>;

fn text(s: String) -> Out {
    Ok(Node::Str(Cow::Owned(s)))
}

fn float(v: f64) -> Out {
    if v.is_finite() {
        text(crate::scalar::write_decimal(v))
    } else {
        Err(SerError(format!("cannot encode the non-finite number {v}")))
    }
}

/// Serializers of values written as their text (`v.to_string()`).
macro_rules! text_of {
    ($($method:ident: $ty:ty),* $(,)?) => {$(
        fn $method(self, v: $ty) -> Out {
            text(v.to_string())
        }
    )*};
}

struct NodeSerializer;

impl Serializer for NodeSerializer {
    type Ok = Node<'static>;
    type Error = SerError;
    type SerializeSeq = SeqSer;
    type SerializeTuple = SeqSer;
    type SerializeTupleStruct = SeqSer;
    type SerializeTupleVariant = VariantSer<SeqSer>;
    type SerializeMap = MapSer;
    type SerializeStruct = StructSer;
    type SerializeStructVariant = VariantSer<StructSer>;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, v: bool) -> Out {
        Ok(Node::Bool(v))
    }
    text_of! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128, serialize_char: char,
    }
    fn serialize_f32(self, v: f32) -> Out {
        float(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Out {
        float(v)
    }
    fn serialize_str(self, v: &str) -> Out {
        text(v.to_owned())
    }
    fn serialize_bytes(self, v: &[u8]) -> Out {
        match std::str::from_utf8(v) {
            Ok(s) => text(s.to_owned()),
            Err(_) => Err(SerError(
                "cannot encode bytes that are not UTF-8".to_owned(),
            )),
        }
    }
    fn serialize_none(self) -> Out {
        Ok(Node::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Out {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Out {
        Ok(Node::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Out {
        Ok(Node::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Out {
        Ok(Node::Str(Cow::Borrowed(variant)))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Out {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Out {
        Ok(Node::Map(vec![(
            Cow::Borrowed(variant),
            value.serialize(NodeSerializer)?,
        )]))
    }
    fn serialize_seq(self, len: Option<usize>) -> std::result::Result<SeqSer, SerError> {
        Ok(SeqSer(Vec::with_capacity(len.unwrap_or(0).min(4096))))
    }
    fn serialize_tuple(self, len: usize) -> std::result::Result<SeqSer, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> std::result::Result<SeqSer, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> std::result::Result<VariantSer<SeqSer>, SerError> {
        Ok(VariantSer {
            variant,
            inner: SeqSer(Vec::with_capacity(len)),
        })
    }
    fn serialize_map(self, len: Option<usize>) -> std::result::Result<MapSer, SerError> {
        Ok(MapSer {
            entries: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            key: None,
        })
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> std::result::Result<StructSer, SerError> {
        Ok(StructSer(Vec::with_capacity(len)))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> std::result::Result<VariantSer<StructSer>, SerError> {
        Ok(VariantSer {
            variant,
            inner: StructSer(Vec::with_capacity(len)),
        })
    }
}

struct SeqSer(Vec<Node<'static>>);

impl ser::SerializeSeq for SeqSer {
    type Ok = Node<'static>;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        self.0.push(value.serialize(NodeSerializer)?);
        Ok(())
    }
    fn end(self) -> Out {
        Ok(Node::Seq(self.0))
    }
}

/// Tuples are sequences.
macro_rules! seq_like {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for SeqSer {
            type Ok = Node<'static>;
            type Error = SerError;
            fn $method<T: Serialize + ?Sized>(
                &mut self,
                value: &T,
            ) -> std::result::Result<(), SerError> {
                ser::SerializeSeq::serialize_element(self, value)
            }
            fn end(self) -> Out {
                ser::SerializeSeq::end(self)
            }
        }
    )*};
}

seq_like!(
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

struct VariantSer<I> {
    variant: &'static str,
    inner: I,
}

impl ser::SerializeTupleVariant for VariantSer<SeqSer> {
    type Ok = Node<'static>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        ser::SerializeSeq::serialize_element(&mut self.inner, value)
    }
    fn end(self) -> Out {
        Ok(Node::Map(vec![(
            Cow::Borrowed(self.variant),
            Node::Seq(self.inner.0),
        )]))
    }
}

impl ser::SerializeStructVariant for VariantSer<StructSer> {
    type Ok = Node<'static>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
    }
    fn end(self) -> Out {
        Ok(Node::Map(vec![(
            Cow::Borrowed(self.variant),
            Node::Map(self.inner.0),
        )]))
    }
}

struct StructSer(Vec<(Cow<'static, str>, Node<'static>)>);

impl ser::SerializeStruct for StructSer {
    type Ok = Node<'static>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        let node = value.serialize(NodeSerializer)?;
        if node != Node::Null {
            self.0.push((Cow::Borrowed(key), node));
        }
        Ok(())
    }
    fn end(self) -> Out {
        Ok(Node::Map(self.0))
    }
}

struct MapSer {
    entries: Vec<(Cow<'static, str>, Node<'static>)>,
    key: Option<Cow<'static, str>>,
}

impl ser::SerializeMap for MapSer {
    type Ok = Node<'static>;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(
        &mut self,
        key: &T,
    ) -> std::result::Result<(), SerError> {
        let key = match key.serialize(NodeSerializer)? {
            Node::Str(s) => s,
            Node::Bool(b) => Cow::Borrowed(if b { "1" } else { "0" }),
            _ => return Err(SerError("map keys must be strings or numbers".to_owned())),
        };
        self.key = Some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        let Some(key) = self.key.take() else {
            return Err(SerError("a map value was given before its key".to_owned()));
        };
        self.entries.push((key, value.serialize(NodeSerializer)?));
        Ok(())
    }
    fn end(self) -> Out {
        Ok(Node::Map(self.entries))
    }
}

// ---------------------------------------------------------------------------------------------
// Node as a serde data type: a tree can be written by any serializer.

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use ser::{SerializeMap, SerializeSeq};
        match self {
            Node::Null => serializer.serialize_unit(),
            Node::Bool(b) => serializer.serialize_bool(*b),
            Node::Str(s) => serializer.serialize_str(s),
            Node::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k.as_ref(), v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::arb::s;
    use crate::wire::scalar::{ser_decimal, ser_flag, ser_flag01, ser_int, ser_opt_int};
    use crate::wire::{KeyedList, Str};
    use serde::Serialize;

    #[derive(Serialize)]
    struct Resp<'a> {
        id: i64,
        #[serde(serialize_with = "ser_int")]
        count: i64,
        #[serde(serialize_with = "ser_decimal")]
        ratio: f64,
        #[serde(serialize_with = "ser_flag")]
        provisioned: bool,
        #[serde(serialize_with = "ser_flag01")]
        avail: bool,
        #[serde(serialize_with = "ser_opt_int")]
        missing: Option<i64>,
        name: Str<'a>,
        raw: bool,
        tags: Vec<&'a str>,
        agents: KeyedList<'a, u8>,
        kind: Kind,
        none: Option<String>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Blaster,
    }

    #[test]
    fn wire_text() {
        let r = Resp {
            id: 7,
            count: 42,
            ratio: 1.5,
            provisioned: true,
            avail: false,
            missing: None,
            name: "Tom".into(),
            raw: true,
            tags: vec!["a", "b"],
            agents: [("x", 1u8)].into_iter().collect(),
            kind: Kind::Blaster,
            none: None,
        };
        let n = to_node(&r).unwrap();
        assert_eq!(
            n,
            Node::Map(vec![
                ("id".into(), s("7")),
                ("count".into(), s("42")),
                ("ratio".into(), s("1.5")),
                ("provisioned".into(), s("Yes")),
                ("avail".into(), s("0")),
                ("name".into(), s("Tom")),
                ("raw".into(), Node::Bool(true)),
                ("tags".into(), Node::Seq(vec![s("a"), s("b")])),
                ("agents".into(), Node::Map(vec![("x".into(), s("1"))])),
                ("kind".into(), s("blaster")),
            ])
        );
    }

    #[test]
    fn errors_and_keys() {
        assert!(matches!(to_node(&f64::NAN), Err(Error::Encode(_))));
        let mut m = std::collections::BTreeMap::new();
        m.insert(3, "x");
        assert_eq!(to_node(&m).unwrap(), Node::Map(vec![("3".into(), s("x"))]));
        let mut bad = std::collections::BTreeMap::new();
        bad.insert(vec![1], 1);
        assert!(to_node(&bad).is_err());
    }

    #[test]
    fn node_serializes() {
        let n = Node::Map(vec![(
            "a".into(),
            Node::Seq(vec![s("1"), Node::Bool(false), Node::Null]),
        )]);
        assert_eq!(
            serde_json::to_string(&n).unwrap(),
            r#"{"a":["1",false,null]}"#
        );
        assert_eq!(to_node(&n).unwrap(), n);
    }
}
