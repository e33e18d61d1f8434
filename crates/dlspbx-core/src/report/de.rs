//! A serde [`Deserializer`] over one report row, so that a row reads into the caller's own
//! `#[derive(Deserialize)]` struct by column name, like the csv crate's `deserialize`
//! ([`ReportTable::rows_as`](super::ReportTable::rows_as), [`Row::deserialize`]).
//!
//! A row is a map from each column's wire name (also when the header has labels, with
//! `formatted_columns_names=true`; a column the spec does not know keeps its header text) to
//! its cell. A cell's deserializer knows its column's [`CellType`] and reads through
//! [`FromCell`]: a `bool` field reads `Yes`, a `u64` field `165` or `00:02:45`, a `Vec` field a
//! comma-delimited list, an `Option` field is `None` for an empty cell, and `&str`, [`Str`] and
//! `Cow<str>` fields (with `#[serde(borrow)]`) borrow the body wherever the wire did not
//! escape the text. A date and time field takes `#[serde(deserialize_with =
//! "dlspbx_core::report::de::cell")]` (jiff's own serde form is ISO 8601, not the report's),
//! as does any other [`FromCell`] type serde does not know. `deserialize_any` gives typed
//! values (a number for an int or duration column, a boolean for a yes/no column, a list for a
//! list column), so a row also reads into a `serde_json::Value`.
//!
//! ```
//! use dlspbx_core::report::{ColumnIndex, Row};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Call<'a> {
//!     unique_id: &'a str,
//!     billable_duration: u64,
//!     bridged: bool,
//!     involved_agents: Vec<&'a str>,
//!     #[serde(default, deserialize_with = "dlspbx_core::report::de::cell")]
//!     date: Option<dlspbx_core::scalar::DateTime>,
//!     src: Option<&'a str>,
//! }
//!
//! let index = ColumnIndex::new(&["Unique ID", "Billable Duration", "Bridged", "Involved Agents", "Date"]);
//! let row = Row { cells: vec!["1.2".into(), "00:02:45".into(), "Yes".into(), "a,b".into(), "10/13/16 09:54 am".into()] };
//! let call: Call = row.deserialize(&index)?;
//! assert_eq!((call.unique_id, call.billable_duration, call.bridged), ("1.2", 165, true));
//! assert_eq!(call.involved_agents, ["a", "b"]);
//! assert_eq!(call.date.unwrap().to_string(), "2016-10-13T09:54:00");
//! assert_eq!(call.src, None);
//! # Ok::<(), dlspbx_core::CellError>(())
//! ```

use super::typed::ColumnIndex;
use super::{Cell, CellType, FromCell, Row};
use crate::error::CellError;
use crate::wire::Str;
use serde::de::value::{BorrowedStrDeserializer, SeqDeserializer, StrDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

impl de::Error for CellError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CellError::message(msg.to_string())
    }
}

/// Deserializes `T` from `row`, taking its cells: a cell the body lends is borrowed for
/// `'de`, one the wire escaped is moved (never copied) into a `String` or [`Str`] field.
///
/// ```
/// use dlspbx_core::report::{ColumnIndex, Row, de};
///
/// let index = ColumnIndex::new(&["unique_id", "involved_queue_count"]);
/// let row = Row { cells: vec!["1.2".into(), "3".into()] };
/// let (id, count): (String, i64) = de::from_row(row, &index)?;
/// assert_eq!((id.as_str(), count), ("1.2", 3));
/// # Ok::<(), dlspbx_core::CellError>(())
/// ```
pub fn from_row<'de, T: de::Deserialize<'de>>(
    row: Row<'de>,
    index: &ColumnIndex,
) -> Result<T, CellError> {
    T::deserialize(RowDeserializer::new(row, index))
}

impl<'a> Row<'a> {
    /// Deserializes `T` from this row by column name ([`de`](super::de)), borrowing the row's
    /// cells for the lifetime of `&self`.
    ///
    /// ```
    /// use dlspbx_core::report::{ColumnIndex, Row};
    /// use serde::Deserialize;
    ///
    /// #[derive(Deserialize)]
    /// struct Call<'a> { unique_id: &'a str, bridged: Option<bool> }
    ///
    /// let index = ColumnIndex::new(&["unique_id", "bridged"]);
    /// let row = Row { cells: vec!["1.2".into(), "".into()] };
    /// let call: Call = row.deserialize(&index)?;
    /// assert_eq!((call.unique_id, call.bridged), ("1.2", None));
    /// # Ok::<(), dlspbx_core::CellError>(())
    /// ```
    pub fn deserialize<'r, T: de::Deserialize<'r>>(
        &'r self,
        index: &ColumnIndex,
    ) -> Result<T, CellError> {
        let cells = self.cells.iter().map(|c| Str::from(c.as_str())).collect();
        from_row(Row { cells }, index)
    }
}

/// For `#[serde(deserialize_with = "dlspbx_core::report::de::cell")]`: reads a field through
/// [`FromCell`] from the cell's text, for types serde does not know in the report's form
/// (a [`DateTime`](crate::scalar::DateTime) field, plain or `formatted_dates`). Put
/// `#[serde(default)]` beside it on an `Option` field, so that a column the report does not
/// have is `None`. The column's type is not known here, so the text is read as
/// [`CellType::Text`].
///
/// ```
/// use dlspbx_core::report::{ColumnIndex, Row};
/// use dlspbx_core::scalar::DateTime;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Call {
///     #[serde(default, deserialize_with = "dlspbx_core::report::de::cell")]
///     date: Option<DateTime>,
/// }
/// let index = ColumnIndex::new(&["date"]);
/// let row = Row { cells: vec!["2016-10-13 09:54:06".into()] };
/// assert_eq!(row.deserialize::<Call>(&index)?.date.unwrap().second(), 6);
/// let bad = Row { cells: vec!["yesterday".into()] };
/// assert!(bad.deserialize::<Call>(&index).is_err());
/// # Ok::<(), dlspbx_core::CellError>(())
/// ```
pub fn cell<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: for<'x> FromCell<'x>,
{
    struct Text<T>(std::marker::PhantomData<T>);
    impl<'de, T: for<'x> FromCell<'x>> Visitor<'de> for Text<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a report cell")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            T::from_cell(v, CellType::Text)
                .map_err(|e| E::invalid_value(de::Unexpected::Str(v), &e.expected()))
        }
        fn visit_none<E: de::Error>(self) -> Result<T, E> {
            self.visit_str("")
        }
        fn visit_unit<E: de::Error>(self) -> Result<T, E> {
            self.visit_str("")
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
            d.deserialize_str(self)
        }
    }
    d.deserialize_str(Text(std::marker::PhantomData))
}

/// The deserializer of one row: a map from column names to cells (or, for a tuple or a
/// sequence, the cells in order).
#[derive(Debug)]
pub struct RowDeserializer<'de, 'i> {
    cells: std::iter::Take<std::vec::IntoIter<Str<'de>>>,
    index: &'i ColumnIndex,
    at: usize,
    value: Option<Str<'de>>,
}

impl<'de, 'i> RowDeserializer<'de, 'i> {
    /// The deserializer of `row`, whose header is `index` (cells beyond the header are not
    /// read).
    pub fn new(row: Row<'de>, index: &'i ColumnIndex) -> Self {
        RowDeserializer {
            cells: row.cells.into_iter().take(index.len()),
            index,
            at: 0,
            value: None,
        }
    }
}

impl<'de> Deserializer<'de> for RowDeserializer<'de, '_> {
    type Error = CellError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        v.visit_map(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        let index = self.index;
        let cells = self.cells.enumerate().map(|(i, text)| CellDeserializer {
            text,
            cell: index.cell_type(i),
        });
        let mut seq = SeqDeserializer::new(cells);
        let value = v.visit_seq(&mut seq)?;
        seq.end()?;
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, CellError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, CellError> {
        self.deserialize_seq(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, CellError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        v.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        v.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit_struct map struct enum identifier
    }
}

impl<'de> MapAccess<'de> for RowDeserializer<'de, '_> {
    type Error = CellError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, CellError> {
        let Some(text) = self.cells.next() else {
            return Ok(None);
        };
        self.value = Some(text);
        let at = self.at;
        match self.index.static_name(at) {
            Some(name) => seed.deserialize(BorrowedStrDeserializer::new(name)),
            None => seed.deserialize(StrDeserializer::new(self.index.name(at).unwrap_or(""))),
        }
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, CellError> {
        let at = self.at;
        self.at += 1;
        let text = self
            .value
            .take()
            .ok_or_else(|| CellError::message("a value was asked for before its key"))?;
        let cell = self.index.cell_type(at);
        seed.deserialize(CellDeserializer { text, cell })
            .map_err(|e| e.in_column(self.index.name(at).unwrap_or("")))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.cells.len())
    }
}

/// The deserializer of one cell, typed by its column's [`CellType`].
#[derive(Debug)]
pub struct CellDeserializer<'de> {
    text: Str<'de>,
    cell: CellType,
}

impl<'de> CellDeserializer<'de> {
    /// The deserializer of a cell of a column typed `cell`.
    ///
    /// ```
    /// use dlspbx_core::report::{CellType, de::CellDeserializer};
    /// use serde::Deserialize;
    ///
    /// let d = CellDeserializer::new("00:02:45".into(), CellType::Duration);
    /// assert_eq!(u32::deserialize(d)?, 165);
    /// # Ok::<(), dlspbx_core::CellError>(())
    /// ```
    pub fn new(text: Str<'de>, cell: CellType) -> Self {
        CellDeserializer { text, cell }
    }

    fn empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// The text as it is: borrowed when the body lends it, moved when it is owned.
    fn text<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        match self.text.0 {
            Cow::Borrowed(s) => v.visit_borrowed_str(s),
            Cow::Owned(s) => v.visit_string(s),
        }
    }

    fn read<T: for<'x> FromCell<'x>>(&self) -> Result<T, CellError> {
        T::from_cell(self.text.as_str(), self.cell)
    }

    fn with_text<T>(&self, r: Result<T, CellError>) -> Result<T, CellError> {
        r.map_err(|e| e.with_text(self.text.as_str()))
    }
}

impl<'de> IntoDeserializer<'de, CellError> for CellDeserializer<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for CellDeserializer<'de> {
    type Error = CellError;

    /// Typed by the column: a number, a boolean, a list, or the text; `None` when empty.
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        if self.empty() {
            return v.visit_none();
        }
        match self.cell {
            CellType::Int => self.deserialize_i64(v),
            CellType::Duration => self.deserialize_u64(v),
            CellType::YesNo => self.deserialize_bool(v),
            CellType::List => self.deserialize_seq(v),
            CellType::Text | CellType::Phone | CellType::Url | CellType::Datetime => self.text(v),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        let b = self.read::<bool>()?;
        self.with_text(v.visit_bool(b))
    }

    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        let n = self.read::<i64>()?;
        self.with_text(v.visit_i64(n))
    }

    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.deserialize_i64(v)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.deserialize_i64(v)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.deserialize_i64(v)
    }

    fn deserialize_i128<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.deserialize_i64(v)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        let n = self.read::<u64>()?;
        self.with_text(v.visit_u64(n))
    }

    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.deserialize_u64(v)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.deserialize_u64(v)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.deserialize_u64(v)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.deserialize_u64(v)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        let f = match self.cell {
            CellType::Duration => self.read::<u64>().map(|s| s as f64),
            _ => crate::scalar::read_decimal(&self.text)
                .ok_or_else(|| CellError::new(&self.text, "a number")),
        }?;
        self.with_text(v.visit_f64(f))
    }

    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.deserialize_f64(v)
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.text(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.text(v)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.text(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.text(v)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.text(v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.text(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        if self.empty() {
            v.visit_none()
        } else {
            v.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        if self.empty() {
            v.visit_unit()
        } else {
            Err(CellError::new(&self.text, "an empty cell"))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, CellError> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, CellError> {
        v.visit_newtype_struct(self)
    }

    /// The items of a comma-delimited list ([`Cell::parse`]), each read as text.
    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        let item = |text| CellDeserializer {
            text,
            cell: CellType::Text,
        };
        match self.text.0 {
            Cow::Borrowed(s) => {
                let items = match Cell::parse(s, CellType::List) {
                    Cell::List(items) => items,
                    _ => Vec::new(),
                };
                let mut seq = SeqDeserializer::new(items.into_iter().map(|i| item(Str::from(i))));
                let value = v.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Cow::Owned(s) => {
                let items = match Cell::parse(&s, CellType::List) {
                    Cell::List(items) => items,
                    _ => Vec::new(),
                };
                let mut seq =
                    SeqDeserializer::new(items.into_iter().map(|i| item(Str::from(i.to_owned()))));
                let value = v.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, CellError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, CellError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, CellError> {
        Err(CellError::new(
            &self.text,
            "a map, but a report cell is not one",
        ))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, CellError> {
        self.deserialize_map(v)
    }

    /// A unit variant named by the cell's text (trimmed): `ANSWERED`, `inbound`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, CellError> {
        let r = match &self.text.0 {
            Cow::Borrowed(s) => v.visit_enum(BorrowedStrDeserializer::new(s.trim())),
            Cow::Owned(s) => v.visit_enum(StrDeserializer::new(s.trim())),
        };
        self.with_text(r)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        v.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    fn row(cells: &[&str]) -> Row<'static> {
        Row {
            cells: cells.iter().map(|c| Str::from(c.to_string())).collect(),
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum Disposition {
        #[serde(rename = "ANSWERED")]
        Answered,
        #[serde(rename = "NO ANSWER")]
        NoAnswer,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Call<'a> {
        unique_id: &'a str,
        #[serde(borrow)]
        callerid: Cow<'a, str>,
        billable_duration: u32,
        involved_queue_count: Option<u8>,
        bridged: bool,
        parked: Option<bool>,
        involved_agents: Vec<&'a str>,
        disposition: Disposition,
        #[serde(default, deserialize_with = "cell")]
        date: Option<crate::scalar::DateTime>,
        my_extra: String,
        dst: Option<&'a str>,
    }

    #[test]
    fn a_row_reads_into_a_struct_by_name_and_borrows() {
        let index = ColumnIndex::new(&[
            "Unique ID",
            "callerid",
            "Billable Duration",
            "involved_queue_count",
            "bridged",
            "parked",
            "Involved Agents",
            "disposition",
            "date",
            "my_extra",
        ]);
        let r = Row {
            cells: [
                "1.2",
                "\"John\" <888>",
                "00:02:45",
                "",
                "Yes",
                " ",
                "a, b",
                "NO ANSWER",
                "06/30/24 04:37 pm",
                "x",
            ]
            .into_iter()
            .map(Str::from)
            .collect(),
        };
        let call: Call<'_> = r.deserialize(&index).unwrap();
        assert_eq!(
            call,
            Call {
                unique_id: "1.2",
                callerid: "\"John\" <888>".into(),
                billable_duration: 165,
                involved_queue_count: None,
                bridged: true,
                parked: None,
                involved_agents: vec!["a", "b"],
                disposition: Disposition::NoAnswer,
                date: Some(jiff::civil::date(2024, 6, 30).at(16, 37, 0, 0)),
                my_extra: "x".into(),
                dst: None,
            }
        );
        assert!(matches!(call.callerid, Cow::Borrowed(_)));
        // Taking the row: owned cells move into owned fields.
        #[derive(Deserialize)]
        struct Owned {
            unique_id: String,
            bridged: bool,
        }
        let o: Owned = from_row(
            row(&["1.2", "No"]),
            &ColumnIndex::new(&["unique_id", "bridged"]),
        )
        .unwrap();
        assert_eq!((o.unique_id.as_str(), o.bridged), ("1.2", false));
    }

    #[test]
    fn errors_name_the_column_and_the_text() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct C {
            involved_queue_count: u8,
            bridged: Option<bool>,
        }
        let index = ColumnIndex::new(&["involved_queue_count", "bridged"]);
        let e = row(&["300", "Yes"]).deserialize::<C>(&index).unwrap_err();
        assert_eq!(e.column(), Some("involved_queue_count"));
        assert_eq!(e.text(), Some("300"));
        assert!(e.to_string().contains("u8"), "{e}");
        let e = row(&["1", "Maybe"]).deserialize::<C>(&index).unwrap_err();
        assert_eq!(
            e.to_string(),
            "report column `bridged`: expected Yes or No, found \"Maybe\""
        );
        let e = row(&["", "No"]).deserialize::<C>(&index).unwrap_err();
        assert_eq!(e.column(), Some("involved_queue_count"));
        assert!(e.to_string().contains("empty cell"), "{e}");
        // A field the report lacks.
        let e = row(&["1"])
            .deserialize::<C>(&ColumnIndex::new(&["bridged"]))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("missing field `involved_queue_count`"),
            "{e}"
        );
        // A borrowed field from an owned (escaped) cell is refused, never copied silently.
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct B<'a> {
            unique_id: &'a str,
        }
        let e = from_row::<B<'_>>(row(&["1.2"]), &ColumnIndex::new(&["unique_id"])).unwrap_err();
        assert_eq!(e.column(), Some("unique_id"));
        // An enum value that is not a variant.
        let e = row(&["BUSY"])
            .deserialize::<BTreeMap<String, Disposition>>(&ColumnIndex::new(&["disposition"]))
            .unwrap_err();
        assert!(e.to_string().contains("unknown variant `BUSY`"), "{e}");
        assert_eq!(e.text(), Some("BUSY"));
        let e = row(&["soon"])
            .deserialize::<BTreeMap<String, f64>>(&ColumnIndex::new(&["x"]))
            .unwrap_err();
        assert_eq!(e.expected(), "a number");
    }

    #[test]
    fn any_is_typed_by_the_column() {
        let index = ColumnIndex::new(&[
            "unique_id",
            "billable_duration",
            "involved_queue_count",
            "bridged",
            "involved_queues",
            "src",
            "other",
        ]);
        let v: serde_json::Value = row(&["1.2", "00:01:00", "2", "No", "q1,q2", "", "o"])
            .deserialize(&index)
            .unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "unique_id": "1.2", "billable_duration": 60, "involved_queue_count": 2,
                "bridged": false, "involved_queues": ["q1", "q2"], "src": null, "other": "o"
            })
        );
        let t: (String, u64) = row(&["1.2", "00:01:00"]).deserialize(&index).unwrap();
        assert_eq!(t, ("1.2".to_owned(), 60));
        let s: Vec<String> = row(&["a", "b"])
            .deserialize(&ColumnIndex::new(&["x", "y"]))
            .unwrap();
        assert_eq!(s, ["a", "b"]);
        // Cells beyond the header are not read.
        let m: BTreeMap<String, String> = row(&["a", "b"])
            .deserialize(&ColumnIndex::new(&["x"]))
            .unwrap();
        assert_eq!(m.len(), 1);
    }
}
