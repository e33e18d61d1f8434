//! Tolerant scalar types and serde helpers used by the generated types.
//!
//! # Reading
//!
//! The words themselves (what text is a flag, an integer, a decimal) are the scalar
//! vocabulary's, [`crate::scalar`]; this module adapts them to serde.
//!
//! The PHP server is loose about types: a number may arrive as `42` or `"42"`, a flag as
//! `true`, `1`, `"1"` or `"Yes"`, an empty map as `[]`, a list as a single item or as a map
//! with integer keys. The helpers here accept all of these, in every format:
//!
//! | helper | Rust type | accepts |
//! |---|---|---|
//! | [`int`] / [`opt_int`] | `i64` / `Option<i64>` | a number or a numeric string (`"42"`, `" 42 "`, `"42.0"`) |
//! | [`decimal`] / [`opt_decimal`] | `f64` / `Option<f64>` | a number or a numeric string (`"1.00"`) |
//! | [`flag`] / [`opt_flag`] | `bool` / `Option<bool>` | `true`/`false`, `1`/`0`, `"1"`/`"0"`, and the words of [`crate::scalar::read_flag`]: `yes`/`no`, `true`/`false`, `on`/`off`, `y`/`n` (any case) |
//! | [`list`] | `Vec<T>` | a list; a single item; `[]`, `""` or null (empty); a map with integer keys (its values in key order) |
//!
//! The `opt_*` helpers read null, a missing field (with `#[serde(default)]`) and an empty or
//! blank string as `None`. [`flag`] reads an empty string as `false` (PHP's string cast of
//! `false`). Use them as `#[serde(deserialize_with = "int")]` or, for the optional ones,
//! `#[serde(default, deserialize_with = "opt_int")]`.
//!
//! [`Str`] accepts a string, a number or a boolean (as its text: `42`, `1.5`, `true`) and reads
//! null as the empty string; it borrows from the body whenever the wire did not escape the text
//! (fields of type `Str<'a>` need `#[serde(borrow)]`). [`KeyedList`] accepts a map, any list (its
//! indices become the keys, as PHP's `json_encode` writes an array with keys `0..n` as a list),
//! and `""`, null or `[]` as empty.
//!
//! # Writing: the `is_human_readable` convention
//!
//! The `ser_*` helpers write native values for human-readable serializers (`serde_json`,
//! YAML and TOML serializers...): `ser_int` writes an integer, `ser_flag` a boolean. When
//! [`Serializer::is_human_readable`] returns `false`, which is the case for this crate's wire
//! serializer ([`super::ser::to_node`]), they write the PHP server's wire text instead:
//! `ser_int` → `"42"`, `ser_decimal` → `"1.5"`, `ser_flag` → `"Yes"`/`"No"`,
//! `ser_flag01` → `"1"`/`"0"`. Note that other binary serializers (bincode...) also report
//! `false` and therefore get the wire text.
use serde::de::value::{
    BoolDeserializer, BorrowedStrDeserializer, F64Deserializer, I64Deserializer,
    MapAccessDeserializer, StrDeserializer, StringDeserializer, U64Deserializer,
};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::borrow::{Borrow, Cow};
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use crate::scalar::{
    as_flag as parse_flag, float_to_int, read_decimal as parse_decimal, read_int as parse_int,
    write_decimal as format_f64,
};

/// A string from a response body: borrowed when the wire did not escape it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Str<'a>(pub Cow<'a, str>);

impl<'a> Str<'a> {
    /// A string borrowing `s`.
    pub const fn borrowed(s: &'a str) -> Self {
        Str(Cow::Borrowed(s))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Detaches the string from the body it was read from.
    pub fn into_owned(self) -> Str<'static> {
        Str(Cow::Owned(self.0.into_owned()))
    }

    /// True when the text still points into the body it was read from (no copy was made).
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }

    /// The inner `Cow`.
    pub fn into_inner(self) -> Cow<'a, str> {
        self.0
    }
}

impl Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Str<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Str<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'a> From<&'a str> for Str<'a> {
    fn from(s: &'a str) -> Self {
        Str(Cow::Borrowed(s))
    }
}

impl From<String> for Str<'_> {
    fn from(s: String) -> Self {
        Str(Cow::Owned(s))
    }
}

impl<'a> From<Cow<'a, str>> for Str<'a> {
    fn from(s: Cow<'a, str>) -> Self {
        Str(s)
    }
}

impl<'a> From<Str<'a>> for Cow<'a, str> {
    fn from(s: Str<'a>) -> Self {
        s.0
    }
}

impl From<Str<'_>> for String {
    fn from(s: Str<'_>) -> Self {
        s.0.into_owned()
    }
}

impl PartialEq<str> for Str<'_> {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Str<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Str<'_> {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Str<'_>> for str {
    fn eq(&self, other: &Str<'_>) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Str<'_>> for &str {
    fn eq(&self, other: &Str<'_>) -> bool {
        **self == *other.0
    }
}

impl Serialize for Str<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Str<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Str(Cow::Owned(v)))
    }
    visit_text!(Str);
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Str(Cow::Owned(format_f64(v))))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Str(Cow::Borrowed(if v { "true" } else { "false" })))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Str(Cow::Borrowed("")))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Str(Cow::Borrowed("")))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        std::str::from_utf8(v)
            .map(|s| Str(Cow::Borrowed(s)))
            .map_err(|_| E::invalid_value(Unexpected::Bytes(v), &self))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        std::str::from_utf8(v)
            .map(|s| Str(Cow::Owned(s.to_owned())))
            .map_err(|_| E::invalid_value(Unexpected::Bytes(v), &self))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrVisitor)
    }
}

/// An ordered list of key–value pairs from a response body (a PHP associative array under keys
/// of the server's choosing, a spec `map<T>`), tolerant of PHP's `[]` for an empty one.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyedList<'a, V>(pub Vec<(Str<'a>, V)>);

impl<V> Default for KeyedList<'_, V> {
    fn default() -> Self {
        KeyedList(Vec::new())
    }
}

impl<V: Eq> Eq for KeyedList<'_, V> {}

impl<'a, V> KeyedList<'a, V> {
    /// An empty map.
    pub const fn new() -> Self {
        KeyedList(Vec::new())
    }

    /// The value under `key` (the first one if the wire repeated it).
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| *k.0 == *key).map(|(_, v)| v)
    }

    /// The value under `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.0
            .iter_mut()
            .find(|(k, _)| *k.0 == *key)
            .map(|(_, v)| v)
    }

    /// True when `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The entries in wire order.
    pub fn iter(&self) -> std::slice::Iter<'_, (Str<'a>, V)> {
        self.0.iter()
    }

    /// The keys in wire order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// The values in wire order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.0.iter().map(|(_, v)| v)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends an entry (keys are not deduplicated).
    pub fn push(&mut self, key: impl Into<Str<'a>>, value: V) {
        self.0.push((key.into(), value));
    }

    /// Converts every value, keeping keys and order.
    pub fn map_values<W>(self, mut f: impl FnMut(V) -> W) -> KeyedList<'a, W> {
        KeyedList(self.0.into_iter().map(|(k, v)| (k, f(v))).collect())
    }

    /// Detaches the keys from the body and converts every value with `f`
    /// (typically the value type's own `into_owned`).
    pub fn into_owned_with<W>(self, mut f: impl FnMut(V) -> W) -> KeyedList<'static, W> {
        KeyedList(
            self.0
                .into_iter()
                .map(|(k, v)| (k.into_owned(), f(v)))
                .collect(),
        )
    }
}

impl<'a, V> IntoIterator for KeyedList<'a, V> {
    type Item = (Str<'a>, V);
    type IntoIter = std::vec::IntoIter<(Str<'a>, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'m, 'a, V> IntoIterator for &'m KeyedList<'a, V> {
    type Item = &'m (Str<'a>, V);
    type IntoIter = std::slice::Iter<'m, (Str<'a>, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'a, K: Into<Str<'a>>, V> FromIterator<(K, V)> for KeyedList<'a, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        KeyedList(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl<V: Serialize> Serialize for KeyedList<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

struct MapVisitor<'a, V>(PhantomData<(Str<'a>, V)>);

impl<'de: 'a, 'a, V: Deserialize<'de>> Visitor<'de> for MapVisitor<'a, V> {
    type Value = KeyedList<'a, V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some((k, v)) = map.next_entry::<Str<'de>, V>()? {
            out.push((k, v));
        }
        Ok(KeyedList(out))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // PHP writes an array whose keys are 0..n as a list.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(v) = seq.next_element::<V>()? {
            out.push((Str(Cow::Owned(out.len().to_string())), v));
        }
        Ok(KeyedList(out))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.is_empty() {
            Ok(KeyedList::new())
        } else {
            Err(E::invalid_type(Unexpected::Str(v), &self))
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(KeyedList::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(KeyedList::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a, V: Deserialize<'de>> Deserialize<'de> for KeyedList<'a, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MapVisitor(PhantomData))
    }
}

// ---------------------------------------------------------------------------------------------
// Tolerant scalars: the words are the vocabulary's (`crate::scalar`); these adapt it to serde.

trait Tolerant: Sized {
    const EXPECTING: &'static str;
    fn from_text(s: &str) -> Option<Self>;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_u64(v: u64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
    fn from_bool(v: bool) -> Option<Self>;
}

impl Tolerant for i64 {
    const EXPECTING: &'static str = "an integer (a number or a numeric string)";
    fn from_text(s: &str) -> Option<Self> {
        parse_int(s)
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok()
    }
    fn from_f64(v: f64) -> Option<Self> {
        float_to_int(v)
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
}

impl Tolerant for f64 {
    const EXPECTING: &'static str = "a decimal number (a number or a numeric string)";
    fn from_text(s: &str) -> Option<Self> {
        parse_decimal(s)
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
}

impl Tolerant for bool {
    const EXPECTING: &'static str = "a flag (true/false, 1/0, Yes/No)";
    fn from_text(s: &str) -> Option<Self> {
        parse_flag(s)
    }
    fn from_i64(v: i64) -> Option<Self> {
        match v {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok().and_then(Self::from_i64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        if v == 0.0 {
            Some(false)
        } else if v == 1.0 {
            Some(true)
        } else {
            None
        }
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(v)
    }
}

struct TolerantVisitor<T> {
    optional: bool,
    _t: PhantomData<T>,
}

impl<T> TolerantVisitor<T> {
    fn new(optional: bool) -> Self {
        TolerantVisitor {
            optional,
            _t: PhantomData,
        }
    }
}

impl<'de, T: Tolerant> Visitor<'de> for TolerantVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if self.optional && v.trim().is_empty() {
            return Ok(None);
        }
        T::from_text(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        T::from_i64(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(Unexpected::Signed(v), &self))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        T::from_u64(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(Unexpected::Unsigned(v), &self))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        T::from_f64(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(Unexpected::Float(v), &self))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        T::from_bool(v)
            .map(Some)
            .ok_or_else(|| E::invalid_type(Unexpected::Bool(v), &self))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        if self.optional {
            Ok(None)
        } else {
            Err(E::invalid_type(Unexpected::Unit, &self))
        }
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn required<'de, D: Deserializer<'de>, T: Tolerant>(d: D) -> Result<T, D::Error> {
    match d.deserialize_any(TolerantVisitor::<T>::new(false))? {
        Some(v) => Ok(v),
        None => Err(de::Error::custom(format_args!("expected {}", T::EXPECTING))),
    }
}

/// An `i64` from a number or a numeric string.
pub fn int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    required(deserializer)
}

/// An optional `i64`: null, `""` or a missing field (with `#[serde(default)]`) is `None`.
pub fn opt_int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    deserializer.deserialize_option(TolerantVisitor::new(true))
}

/// An `f64` from a number or a numeric string (`"1.00"`).
pub fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    required(deserializer)
}

/// An optional `f64`: null, `""` or a missing field (with `#[serde(default)]`) is `None`.
pub fn opt_decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    deserializer.deserialize_option(TolerantVisitor::new(true))
}

/// A `bool` from `true`/`false`, `1`/`0`, `"1"`/`"0"`, `"Yes"`/`"No"` (any case), `"on"`/`"off"`;
/// `""` is `false`.
pub fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    required(deserializer)
}

/// An optional flag: null, `""` or a missing field (with `#[serde(default)]`) is `None`.
pub fn opt_flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    deserializer.deserialize_option(TolerantVisitor::new(true))
}

/// A tolerant list: a list; a single non-list item (a list of one); `[]`, `""` or null (empty);
/// a map whose keys are all integers (PHP's `json_encode` of a list with holes: its values in
/// key order). Items that are numbers, flags or strings are read tolerantly too
/// (`["1", 2]` is a fine `Vec<i64>`).
pub fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_any(ListVisitor(PhantomData))
}

struct ListVisitor<T>(PhantomData<T>);

/// Whether a key is an integer as PHP writes integer keys (`0`, `12`, `-3`; not `01` or `+1`).
pub(crate) fn int_key(k: &str) -> Option<i64> {
    let digits = k.strip_prefix('-').unwrap_or(k);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    if k == "-0" {
        return None;
    }
    k.parse().ok()
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(LenientSeed::<T>(PhantomData))? {
            out.push(v);
        }
        Ok(out)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some(first) = map.next_key::<Str<'de>>()? else {
            return Ok(Vec::new());
        };
        match int_key(&first) {
            Some(index) => {
                let mut items = vec![(index, map.next_value_seed(LenientSeed::<T>(PhantomData))?)];
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    let Some(index) = int_key(&key) else {
                        return Err(de::Error::custom(format_args!(
                            "expected a list (a map with integer keys), found the key {:?}",
                            key.as_str()
                        )));
                    };
                    items.push((index, map.next_value_seed(LenientSeed::<T>(PhantomData))?));
                }
                items.sort_by_key(|(i, _)| *i);
                Ok(items.into_iter().map(|(_, v)| v).collect())
            }
            None => {
                // A single record where a list of records was expected.
                let replay = ReplayMap {
                    first: Some(first),
                    rest: map,
                };
                Ok(vec![T::deserialize(MapAccessDeserializer::new(replay))?])
            }
        }
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        one_item(v.is_empty(), BorrowedStrDeserializer::new(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        one_item(v.is_empty(), StrDeserializer::new(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        one_item(v.is_empty(), StringDeserializer::new(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        one_item(false, I64Deserializer::new(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        one_item(false, U64Deserializer::new(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        one_item(false, F64Deserializer::new(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        one_item(false, BoolDeserializer::new(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// A single item where a list was expected: a list of one, read tolerantly from `d`; none
/// when the item is the empty string (`empty`).
fn one_item<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    empty: bool,
    d: D,
) -> Result<Vec<T>, D::Error> {
    if empty {
        return Ok(Vec::new());
    }
    Ok(vec![T::deserialize(Lenient(d))?])
}

/// A map access that first yields an already read key, then the rest of `rest`.
struct ReplayMap<'de, A> {
    first: Option<Str<'de>>,
    rest: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for ReplayMap<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.first.take() {
            Some(Str(Cow::Borrowed(k))) => {
                seed.deserialize(BorrowedStrDeserializer::new(k)).map(Some)
            }
            Some(Str(Cow::Owned(k))) => seed.deserialize(StringDeserializer::new(k)).map(Some),
            None => self.rest.next_key_seed(seed),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.rest.next_value_seed(seed)
    }
    fn size_hint(&self) -> Option<usize> {
        self.rest
            .size_hint()
            .map(|n| n + usize::from(self.first.is_some()))
    }
}

struct LenientSeed<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for LenientSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(Lenient(d))
    }
}

/// Wraps a deserializer so that numbers, flags and strings are read from each other's forms
/// (`"42"` as an `i64`, `1` as a `bool`, `42` as a `String`). Containers are passed through.
struct Lenient<D>(D);

#[derive(Clone, Copy)]
enum Want {
    Bool,
    Int,
    Float,
    Str,
}

macro_rules! lenient_scalar {
    ($($method:ident => $want:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.deserialize_any(Convert { inner: visitor, want: Want::$want })
        }
    )*};
}

macro_rules! forward {
    ($($method:ident $(($($arg:ident: $ty:ty),*))?),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($($arg: $ty,)*)? visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method($($($arg,)*)? visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Lenient<D> {
    type Error = D::Error;

    lenient_scalar! {
        deserialize_bool => Bool,
        deserialize_i8 => Int, deserialize_i16 => Int, deserialize_i32 => Int, deserialize_i64 => Int,
        deserialize_i128 => Int,
        deserialize_u8 => Int, deserialize_u16 => Int, deserialize_u32 => Int, deserialize_u64 => Int,
        deserialize_u128 => Int,
        deserialize_f32 => Float, deserialize_f64 => Float,
        deserialize_str => Str, deserialize_string => Str,
    }

    forward! {
        deserialize_any, deserialize_char, deserialize_bytes, deserialize_byte_buf, deserialize_unit,
        deserialize_seq, deserialize_map, deserialize_identifier, deserialize_ignored_any,
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_option(LenientOption(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

struct LenientOption<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for LenientOption<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Lenient(d))
    }
}

/// Converts what a self-describing deserializer found into what the visitor wants.
struct Convert<V> {
    inner: V,
    want: Want,
}

impl<V> Convert<V> {
    fn text<'de, E: de::Error>(self, v: &str) -> Result<V::Value, E>
    where
        V: Visitor<'de>,
    {
        match self.want {
            Want::Int => {
                let t = v.trim();
                if let Ok(i) = t.parse::<i64>() {
                    self.inner.visit_i64(i)
                } else if let Ok(u) = t.parse::<u64>() {
                    self.inner.visit_u64(u)
                } else if let Some(i) = parse_int(t) {
                    self.inner.visit_i64(i)
                } else {
                    Err(E::invalid_value(Unexpected::Str(v), &"an integer"))
                }
            }
            Want::Float => match parse_decimal(v) {
                Some(f) => self.inner.visit_f64(f),
                None => Err(E::invalid_value(Unexpected::Str(v), &"a decimal number")),
            },
            Want::Bool => match parse_flag(v) {
                Some(b) => self.inner.visit_bool(b),
                None => Err(E::invalid_value(
                    Unexpected::Str(v),
                    &"a flag (true/false, 1/0, Yes/No)",
                )),
            },
            Want::Str => self.inner.visit_str(v),
        }
    }
}

/// Visits passed to the inner visitor as they are.
macro_rules! pass_through {
    ($($method:ident($($arg:ident: $ty:ty)?)),* $(,)?) => {$(
        fn $method<E: de::Error>(self $(, $arg: $ty)?) -> Result<V::Value, E> {
            self.inner.$method($($arg)?)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Convert<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        match self.want {
            Want::Str => self.inner.visit_str(if v { "true" } else { "false" }),
            _ => self.inner.visit_bool(v),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        match self.want {
            Want::Str => self.inner.visit_string(v.to_string()),
            Want::Bool if v == 0 || v == 1 => self.inner.visit_bool(v == 1),
            _ => self.inner.visit_i64(v),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        match self.want {
            Want::Str => self.inner.visit_string(v.to_string()),
            Want::Bool if v == 0 || v == 1 => self.inner.visit_bool(v == 1),
            _ => self.inner.visit_u64(v),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        match self.want {
            Want::Str => self.inner.visit_string(format_f64(v)),
            Want::Int => match float_to_int(v) {
                Some(i) => self.inner.visit_i64(i),
                None => self.inner.visit_f64(v),
            },
            _ => self.inner.visit_f64(v),
        }
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        match self.want {
            Want::Str => self.inner.visit_borrowed_str(v),
            _ => self.text(v),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.text(v)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        match self.want {
            Want::Str => self.inner.visit_string(v),
            _ => self.text(&v),
        }
    }
    pass_through! {
        visit_bytes(v: &[u8]),
        visit_borrowed_bytes(v: &'de [u8]),
        visit_byte_buf(v: Vec<u8>),
        visit_none(),
        visit_unit(),
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(map)
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(data)
    }
}

// ---------------------------------------------------------------------------------------------
// Writing.

/// Writes `None` as null (omitted from structs by the wire serializer), a value with `ser`.
fn ser_opt<T, S: Serializer>(
    v: &Option<T>,
    serializer: S,
    ser: impl FnOnce(&T, S) -> Result<S::Ok, S::Error>,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => ser(v, serializer),
        None => serializer.serialize_none(),
    }
}

/// Writes an `i64`: a number, or its text (`"42"`) for the wire serializer.
pub fn ser_int<S: Serializer>(v: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.serialize_i64(*v)
    } else {
        serializer.serialize_str(&v.to_string())
    }
}

/// Writes an `Option<i64>`: `None` as null (omitted from structs by the wire serializer).
pub fn ser_opt_int<S: Serializer>(v: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
    ser_opt(v, serializer, ser_int)
}

/// Writes an `f64`: a number, or its shortest text (`"1.5"`, `"2"`) for the wire serializer.
pub fn ser_decimal<S: Serializer>(v: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.serialize_f64(*v)
    } else {
        serializer.serialize_str(&format_f64(*v))
    }
}

/// Writes an `Option<f64>`.
pub fn ser_opt_decimal<S: Serializer>(v: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    ser_opt(v, serializer, ser_decimal)
}

/// Writes an `f64` with `PLACES` fraction digits for the wire serializer (`"1.00"`, as the
/// server reads a SQL `DECIMAL(n,2)` column: [`crate::scalar::write_fixed`]), a number
/// otherwise (the spec's `decimals`).
pub fn ser_fixed<const PLACES: usize, S: Serializer>(
    v: &f64,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.serialize_f64(*v)
    } else {
        serializer.serialize_str(&crate::scalar::write_fixed(*v, PLACES))
    }
}

/// Writes an `Option<f64>` like [`ser_fixed`].
pub fn ser_opt_fixed<const PLACES: usize, S: Serializer>(
    v: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    ser_opt(v, serializer, ser_fixed::<PLACES, S>)
}

/// Writes a `bool`: a boolean, or `"Yes"`/`"No"` for the wire serializer.
pub fn ser_flag<S: Serializer>(v: &bool, serializer: S) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.serialize_bool(*v)
    } else {
        serializer.serialize_str(crate::scalar::yes_no(*v))
    }
}

/// Writes an `Option<bool>` like [`ser_flag`].
pub fn ser_opt_flag<S: Serializer>(v: &Option<bool>, serializer: S) -> Result<S::Ok, S::Error> {
    ser_opt(v, serializer, ser_flag)
}

/// Writes a `bool`: a boolean, or `"1"`/`"0"` for the wire serializer.
pub fn ser_flag01<S: Serializer>(v: &bool, serializer: S) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.serialize_bool(*v)
    } else {
        serializer.serialize_str(if *v { "1" } else { "0" })
    }
}

/// Writes an `Option<bool>` like [`ser_flag01`].
pub fn ser_opt_flag01<S: Serializer>(v: &Option<bool>, serializer: S) -> Result<S::Ok, S::Error> {
    ser_opt(v, serializer, ser_flag01)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Nums {
        #[serde(deserialize_with = "int")]
        a: i64,
        #[serde(default, deserialize_with = "opt_int")]
        b: Option<i64>,
        #[serde(deserialize_with = "decimal")]
        c: f64,
        #[serde(default, deserialize_with = "opt_decimal")]
        d: Option<f64>,
        #[serde(deserialize_with = "flag")]
        e: bool,
        #[serde(default, deserialize_with = "opt_flag")]
        f: Option<bool>,
    }

    #[test]
    fn tolerant_numbers_from_json() {
        let n: Nums =
            serde_json::from_str(r#"{"a":"42","b":"","c":"1.00","d":null,"e":"Yes","f":"0"}"#)
                .unwrap();
        assert_eq!(
            n,
            Nums {
                a: 42,
                b: None,
                c: 1.0,
                d: None,
                e: true,
                f: Some(false)
            }
        );
        let n: Nums =
            serde_json::from_str(r#"{"a":42,"b":7,"c":1.5,"d":"2","e":1,"f":true}"#).unwrap();
        assert_eq!(
            n,
            Nums {
                a: 42,
                b: Some(7),
                c: 1.5,
                d: Some(2.0),
                e: true,
                f: Some(true)
            }
        );
        let n: Nums = serde_json::from_str(r#"{"a":" 7 ","c":3,"e":"no"}"#).unwrap();
        assert_eq!(
            n,
            Nums {
                a: 7,
                b: None,
                c: 3.0,
                d: None,
                e: false,
                f: None
            }
        );
        let n: Nums = serde_json::from_str(r#"{"a":"7.0","c":"-1e3","e":""}"#).unwrap();
        assert_eq!((n.a, n.c, n.e), (7, -1000.0, false));
    }

    #[test]
    fn tolerant_numbers_reject_garbage() {
        for bad in [
            r#"{"a":"x","c":1,"e":1}"#,
            r#"{"a":1,"c":"inf","e":1}"#,
            r#"{"a":1,"c":1,"e":"maybe"}"#,
            r#"{"a":1.5,"c":1,"e":1}"#,
            r#"{"a":"","c":1,"e":1}"#,
            r#"{"a":null,"c":1,"e":1}"#,
            r#"{"a":1,"c":1,"e":2}"#,
        ] {
            assert!(serde_json::from_str::<Nums>(bad).is_err(), "{bad}");
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Lists<'a> {
        #[serde(borrow, deserialize_with = "list")]
        s: Vec<Str<'a>>,
        #[serde(deserialize_with = "list")]
        n: Vec<i64>,
        #[serde(default, deserialize_with = "list")]
        r: Vec<Rec>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Rec {
        x: String,
    }

    #[test]
    fn tolerant_lists_from_json() {
        let l: Lists =
            serde_json::from_str(r#"{"s":["a","b"],"n":["1",2,"3"],"r":[{"x":"1"}]}"#).unwrap();
        assert_eq!(l.s, vec![Str::from("a"), Str::from("b")]);
        assert_eq!(l.n, vec![1, 2, 3]);
        assert_eq!(l.r, vec![Rec { x: "1".into() }]);
        let l: Lists = serde_json::from_str(r#"{"s":"a","n":"5","r":{"x":"only"}}"#).unwrap();
        assert_eq!(l.s, vec![Str::from("a")]);
        assert_eq!(l.n, vec![5]);
        assert_eq!(l.r, vec![Rec { x: "only".into() }]);
        let l: Lists = serde_json::from_str(r#"{"s":[],"n":"","r":null}"#).unwrap();
        assert!(l.s.is_empty() && l.n.is_empty() && l.r.is_empty());
        let l: Lists =
            serde_json::from_str(r#"{"s":{"2":"z","0":"x"},"n":{"0":1,"5":"6"}}"#).unwrap();
        assert_eq!(l.s, vec![Str::from("x"), Str::from("z")]);
        assert_eq!(l.n, vec![1, 6]);
        assert!(serde_json::from_str::<Lists>(r#"{"s":{"0":"x","k":"y"},"n":[]}"#).is_err());
        assert!(l.s.iter().all(Str::is_borrowed));
    }

    #[test]
    fn str_tolerance_and_borrowing() {
        let v: Vec<Str> = serde_json::from_str(r#"["a", "b\n", 42, 1.5, true, null]"#).unwrap();
        assert_eq!(v, ["a", "b\n", "42", "1.5", "true", ""]);
        assert!(v[0].is_borrowed());
        assert!(!v[1].is_borrowed());
        let s = Str::from("x");
        assert_eq!(s, "x");
        assert_eq!("x", s);
        assert_eq!(s.to_string(), "x");
        assert_eq!(&*s.clone().into_owned(), "x");
    }

    #[test]
    fn map_tolerance() {
        let m: KeyedList<Str> = serde_json::from_str(r#"{"b":"1","a":"2"}"#).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(m.get("a").map(|s| s.as_str()), Some("2"));
        for empty in ["[]", "\"\"", "null"] {
            let m: KeyedList<Str> = serde_json::from_str(empty).unwrap();
            assert!(m.is_empty());
        }
        let m: KeyedList<Str> = serde_json::from_str(r#"["x","y"]"#).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["0", "1"]);
        assert!(serde_json::from_str::<KeyedList<Str>>("\"x\"").is_err());
        let m2 = m.clone().map_values(|v| v.len());
        assert_eq!(m2.get("1"), Some(&1));
        let owned: KeyedList<'static, String> = m.into_owned_with(String::from);
        assert_eq!(owned.len(), 2);
        let back = serde_json::to_string(&owned).unwrap();
        assert_eq!(back, r#"{"0":"x","1":"y"}"#);
    }

    #[derive(Serialize)]
    struct Out {
        #[serde(serialize_with = "ser_int")]
        a: i64,
        #[serde(serialize_with = "ser_decimal")]
        b: f64,
        #[serde(serialize_with = "ser_flag")]
        c: bool,
        #[serde(serialize_with = "ser_flag01")]
        d: bool,
        #[serde(serialize_with = "ser_opt_int")]
        e: Option<i64>,
    }

    #[test]
    fn serializers_human_readable() {
        let o = Out {
            a: 42,
            b: 1.5,
            c: true,
            d: false,
            e: None,
        };
        assert_eq!(
            serde_json::to_string(&o).unwrap(),
            r#"{"a":42,"b":1.5,"c":true,"d":false,"e":null}"#
        );
    }

    #[test]
    fn format_floats() {
        assert_eq!(format_f64(1.0), "1");
        assert_eq!(format_f64(-2.5), "-2.5");
        assert_eq!(format_f64(0.1), "0.1");
        assert_eq!(format_f64(1e300), "1e300");
    }
}
