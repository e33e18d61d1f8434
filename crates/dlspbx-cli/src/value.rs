//! [`Val`]: an ordered JSON-like tree of a typed response, for the table, YAML and CSV views.
//!
//! `serde_json::Value` sorts object keys unless serde_json's `preserve_order` feature is on,
//! and turning that on here would change it for every crate of the workspace. The typed
//! response is serialized with serde_json (so the numbers, booleans and field order are the
//! ones of the JSON output) and read back into this small tree, which keeps the order.

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// An ordered JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, in serde_json's text form.
    Num(String),
    /// A string.
    Str(String),
    /// A list.
    Arr(Vec<Val>),
    /// An object, in field order.
    Obj(Vec<(String, Val)>),
}

impl Val {
    /// The ordered tree of anything serializable.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Val> {
        let text = serde_json::to_string(value)?;
        serde_json::from_str(&text)
    }

    /// True for null, strings, numbers and booleans.
    pub fn is_scalar(&self) -> bool {
        matches!(self, Val::Null | Val::Bool(_) | Val::Num(_) | Val::Str(_))
    }

    /// True for a list whose items are all scalars (including an empty list).
    pub fn is_scalar_list(&self) -> bool {
        matches!(self, Val::Arr(items) if items.iter().all(Val::is_scalar))
    }

    /// The text of a scalar or of a list of scalars (joined with `, `), for a table cell.
    pub fn cell_text(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => n.clone(),
            Val::Str(s) => s
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect(),
            Val::Arr(items) => items
                .iter()
                .map(Val::cell_text)
                .collect::<Vec<_>>()
                .join(", "),
            Val::Obj(_) => String::from("{…}"),
        }
    }

    /// The value under `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Val {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Val;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Val, E> {
                Ok(Val::Null)
            }
            fn visit_none<E>(self) -> Result<Val, E> {
                Ok(Val::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Val, D::Error> {
                Val::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Val, E> {
                Ok(Val::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Val, E> {
                Ok(Val::Num(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Val, E> {
                Ok(Val::Num(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Val, E> {
                Ok(Val::Num(
                    serde_json::Number::from_f64(v)
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| v.to_string()),
                ))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Val, E> {
                Ok(Val::Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Val, E> {
                Ok(Val::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = seq.next_element()? {
                    items.push(v);
                }
                Ok(Val::Arr(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Val>()? {
                    entries.push((k, v));
                }
                Ok(Val::Obj(entries))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Val {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Val::Null => s.serialize_unit(),
            Val::Bool(b) => s.serialize_bool(*b),
            Val::Num(n) => match n.parse::<serde_json::Number>() {
                Ok(num) => num.serialize(s),
                Err(_) => s.serialize_str(n),
            },
            Val::Str(v) => s.serialize_str(v),
            Val::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Val::Obj(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Converts a JSON document (such as `--filter-json`) into a request parameter tree; numbers
/// keep their text, as on the wire.
pub fn to_node(v: &Val) -> dlspbx_core::Node<'static> {
    use dlspbx_core::Node;
    match v {
        Val::Null => Node::Null,
        Val::Bool(b) => Node::Bool(*b),
        Val::Num(n) => Node::from(n.clone()),
        Val::Str(s) => Node::from(s.clone()),
        Val::Arr(items) => Node::Seq(items.iter().map(to_node).collect()),
        Val::Obj(entries) => Node::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone().into(), to_node(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_field_order_and_types() {
        let v: Val =
            serde_json::from_str(r#"{"z":1,"a":[true,null,"x"],"m":{"b":1.5,"a":2}}"#).unwrap();
        let Val::Obj(e) = &v else { panic!() };
        assert_eq!(
            e.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["z", "a", "m"]
        );
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"z":1,"a":[true,null,"x"],"m":{"b":1.5,"a":2}}"#
        );
    }
}
