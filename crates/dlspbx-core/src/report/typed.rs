//! Typed report cells: [`FromCell`] (one cell as a Rust type) and [`ColumnIndex`] (a header
//! read once, so that a row is looked up by [`Column`]).
//!
//! Every reading goes through [`Cell::parse`] and the scalar vocabulary ([`crate::scalar`]):
//! the same text means the same thing here as in the CLI and the simulator.

use super::{Cell, CellType, Row};
use crate::error::CellError;
use crate::generated::reports::Column;
use crate::scalar::{self, DateTime};
use crate::wire::Str;
use std::fmt;

const INT: &str = "a whole number";
const DURATION: &str = "a duration in seconds (165 or 00:02:45)";
const YES_NO: &str = "Yes or No";

/// A type that one report cell reads as: text borrowed from the row (`&str`, [`Str`]),
/// `String`, numbers (`i64` counts; `u64` counts and durations in seconds, `165` or the
/// `formatted_durations` form `00:02:45`), `bool` (`Yes`/`No`), `Vec<&str>` (a
/// comma-delimited list), [`DateTime`] (the wall clock of the report's time zone, plain or
/// `formatted_dates`), [`Cell`], and `Option<T>` of any of these (an empty cell is `None`).
///
/// The Rust type says what is read; the column's [`CellType`] says in which form where both
/// are possible (an `i64` in a duration column reads `00:02:45` as `165`).
///
/// ```
/// use dlspbx_core::report::{CellType, FromCell};
///
/// assert_eq!(u64::from_cell("00:02:45", CellType::Duration).unwrap(), 165);
/// assert_eq!(bool::from_cell("Yes", CellType::YesNo).unwrap(), true);
/// assert_eq!(<Vec<&str>>::from_cell("a, b", CellType::List).unwrap(), ["a", "b"]);
/// assert_eq!(<Option<i64>>::from_cell("", CellType::Int).unwrap(), None);
/// assert!(i64::from_cell("many", CellType::Int).is_err());
/// ```
pub trait FromCell<'a>: Sized {
    /// Reads the whole text of one cell of a column typed `cell` ([`CellType::Text`] when
    /// the column is not a spec column). An empty cell is an error for every type but text,
    /// lists (an empty list) and `Option` (`None`).
    fn from_cell(text: &'a str, cell: CellType) -> Result<Self, CellError>;
}

impl<'a> FromCell<'a> for &'a str {
    /// The text, verbatim.
    fn from_cell(text: &'a str, _: CellType) -> Result<Self, CellError> {
        Ok(text)
    }
}

impl<'a> FromCell<'a> for Str<'a> {
    /// The text, borrowed.
    fn from_cell(text: &'a str, _: CellType) -> Result<Self, CellError> {
        Ok(Str::from(text))
    }
}

impl FromCell<'_> for String {
    /// The text, copied.
    fn from_cell(text: &str, _: CellType) -> Result<Self, CellError> {
        Ok(text.to_owned())
    }
}

impl<'a> FromCell<'a> for Cell<'a> {
    /// [`Cell::parse`].
    fn from_cell(text: &'a str, cell: CellType) -> Result<Self, CellError> {
        Ok(Cell::parse(text, cell))
    }
}

/// Seconds of a duration column, or the number of any other column.
fn number(text: &str, cell: CellType) -> Result<Number, CellError> {
    let (as_type, expected) = match cell {
        CellType::Duration => (CellType::Duration, DURATION),
        _ => (CellType::Int, INT),
    };
    match Cell::parse(text, as_type) {
        Cell::Int(n) => Ok(Number::Signed(n)),
        Cell::Seconds(s) => Ok(Number::Unsigned(s, expected)),
        _ => Err(CellError::new(text, expected)),
    }
}

enum Number {
    Signed(i64),
    Unsigned(u64, &'static str),
}

impl FromCell<'_> for i64 {
    /// A whole number (`42`, `+42`, `42.0`); in a duration column, seconds (`165` or
    /// `00:02:45`).
    fn from_cell(text: &str, cell: CellType) -> Result<Self, CellError> {
        match number(text, cell)? {
            Number::Signed(n) => Ok(n),
            Number::Unsigned(s, expected) => {
                i64::try_from(s).map_err(|e| CellError::new(text, expected).caused_by(e))
            }
        }
    }
}

impl FromCell<'_> for u64 {
    /// Seconds of a duration (`165` or `00:02:45`); in an int column, a count from 0.
    fn from_cell(text: &str, cell: CellType) -> Result<Self, CellError> {
        let cell = match cell {
            CellType::Int => CellType::Int,
            _ => CellType::Duration,
        };
        match number(text, cell)? {
            Number::Unsigned(s, _) => Ok(s),
            Number::Signed(n) => u64::try_from(n)
                .map_err(|e| CellError::new(text, "a whole number from 0").caused_by(e)),
        }
    }
}

impl FromCell<'_> for bool {
    /// `Yes` or `No` (and the other words of [`scalar::as_flag`]); an empty cell is an error,
    /// never `false`.
    fn from_cell(text: &str, _: CellType) -> Result<Self, CellError> {
        match Cell::parse(text, CellType::YesNo) {
            Cell::Bool(b) => Ok(b),
            _ => Err(CellError::new(text, YES_NO)),
        }
    }
}

impl<'a> FromCell<'a> for Vec<&'a str> {
    /// The items of a comma-delimited list, trimmed, borrowed; an empty cell is an empty list.
    fn from_cell(text: &'a str, _: CellType) -> Result<Self, CellError> {
        match Cell::parse(text, CellType::List) {
            Cell::List(items) => Ok(items),
            _ => Ok(Vec::new()),
        }
    }
}

impl FromCell<'_> for DateTime {
    /// A wall-clock date and time in the report's time zone, `2016-10-13 09:54:06` or
    /// `formatted_dates`' `10/13/16 09:54 am` (seconds 0): [`scalar::read_report_datetime`].
    fn from_cell(text: &str, _: CellType) -> Result<Self, CellError> {
        scalar::read_report_datetime(text).map_err(|why| {
            CellError::new(
                text,
                format!("a date and time ({})", scalar::REPORT_DATETIME_FORMS),
            )
            .caused_by(Reason(why))
        })
    }
}

impl<'a, T: FromCell<'a>> FromCell<'a> for Option<T> {
    /// `None` for an empty (or blank) cell, else `T`.
    fn from_cell(text: &'a str, cell: CellType) -> Result<Self, CellError> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            T::from_cell(text, cell).map(Some)
        }
    }
}

/// The scalar vocabulary's reason, as the cause of a [`CellError`].
#[derive(Debug)]
struct Reason(String);

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Reason {}

/// Where each column of a report is: a header (names, or labels with
/// `formatted_columns_names=true`) read once, then used for every row ([`Row::read`],
/// [`Row::deserialize`]).
///
/// ```
/// use dlspbx_core::reports::Column;
/// use dlspbx_core::report::ColumnIndex;
///
/// let index = ColumnIndex::new(&["unique_id", "Billable Duration", "my_extra"]);
/// assert_eq!(index.position(Column::BillableDuration), Some(1));
/// assert_eq!(index.position(Column::Date), None);
/// assert_eq!(index.name(1), Some("billable_duration"));
/// assert_eq!(index.name(2), Some("my_extra"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnIndex {
    /// For each spec column (by its place in [`Column::ALL`]), its position in the header.
    at: Vec<Option<usize>>,
    /// For each header position, the spec column, or the header's own text.
    header: Vec<Key>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Spec(Column),
    Other(String),
}

impl ColumnIndex {
    /// Reads a header: each entry a column name or label ([`Column::from_name_or_label`]);
    /// an entry that is neither is kept under its own text. A column given twice is found
    /// at its first place.
    pub fn new<S: AsRef<str>>(header: &[S]) -> Self {
        let mut at = vec![None; Column::ALL.len()];
        let header = header
            .iter()
            .enumerate()
            .map(|(i, h)| match Column::from_name_or_label(h.as_ref()) {
                Some(c) => {
                    at[c as usize].get_or_insert(i);
                    Key::Spec(c)
                }
                None => Key::Other(h.as_ref().to_owned()),
            })
            .collect();
        ColumnIndex { at, header }
    }

    /// The position of `column`'s cells, if the report has it.
    pub fn position(&self, column: Column) -> Option<usize> {
        self.at.get(column as usize).copied().flatten()
    }

    /// The spec column at `position`, if it is one.
    pub fn column(&self, position: usize) -> Option<Column> {
        match self.header.get(position)? {
            Key::Spec(c) => Some(*c),
            Key::Other(_) => None,
        }
    }

    /// The name a row's cell at `position` is deserialized under: the column's wire name
    /// (whether the header gave the name or the label), or the header's own text.
    pub fn name(&self, position: usize) -> Option<&str> {
        Some(match self.header.get(position)? {
            Key::Spec(c) => c.as_str(),
            Key::Other(s) => s,
        })
    }

    /// How the cells at `position` are typed ([`CellType::Text`] for a column the spec does
    /// not know).
    pub fn cell_type(&self, position: usize) -> CellType {
        self.column(position).map_or(CellType::Text, Column::cell)
    }

    /// The number of header entries.
    pub fn len(&self) -> usize {
        self.header.len()
    }

    /// Whether the header is empty.
    pub fn is_empty(&self) -> bool {
        self.header.is_empty()
    }

    /// The `'static` wire name at `position`, when it is a spec column (map keys that
    /// borrow).
    pub(crate) fn static_name(&self, position: usize) -> Option<&'static str> {
        self.column(position).map(Column::as_str)
    }
}

impl<'a> Row<'a> {
    /// The cell of `column` read as `T` ([`FromCell`]), borrowing the row: `Ok(None)` when
    /// the report has no such column or the cell is empty; an error naming the column when
    /// the text is not a `T`.
    ///
    /// (`Row::get` is the cell at a position, as text; `read` is the typed lookup by column.)
    ///
    /// ```
    /// use dlspbx_core::reports::Column;
    /// use dlspbx_core::report::{ColumnIndex, Row};
    ///
    /// let index = ColumnIndex::new(&["unique_id", "Billable Duration", "Bridged"]);
    /// let row = Row { cells: vec!["1476370446.2".into(), "00:02:45".into(), "Yes".into()] };
    /// assert_eq!(row.read::<&str>(&index, Column::UniqueId)?, Some("1476370446.2"));
    /// assert_eq!(row.read::<u64>(&index, Column::BillableDuration)?, Some(165));
    /// assert_eq!(row.read::<bool>(&index, Column::Bridged)?, Some(true));
    /// assert_eq!(row.read::<bool>(&index, Column::Parked)?, None);
    /// # Ok::<(), dlspbx_core::CellError>(())
    /// ```
    pub fn read<'r, T: FromCell<'r>>(
        &'r self,
        index: &ColumnIndex,
        column: Column,
    ) -> Result<Option<T>, CellError> {
        let Some(text) = index.position(column).and_then(|i| self.get(i)) else {
            return Ok(None);
        };
        if text.trim().is_empty() {
            return Ok(None);
        }
        T::from_cell(text, column.cell())
            .map(Some)
            .map_err(|e| e.in_column(column.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn text_borrows_and_copies() {
        let s = String::from(" a b ");
        let b: &str = FromCell::from_cell(&s, CellType::Text).unwrap();
        assert!(std::ptr::eq(b, s.as_str()));
        let st: Str<'_> = FromCell::from_cell(&s, CellType::Phone).unwrap();
        assert!(matches!(st.0, std::borrow::Cow::Borrowed(_)));
        assert_eq!(String::from_cell(&s, CellType::Url).unwrap(), " a b ");
        assert_eq!(
            Cell::from_cell("Yes", CellType::YesNo).unwrap(),
            Cell::Bool(true)
        );
    }

    #[test]
    fn integers() {
        assert_eq!(i64::from_cell("42", CellType::Int).unwrap(), 42);
        assert_eq!(i64::from_cell(" -3 ", CellType::Int).unwrap(), -3);
        assert_eq!(i64::from_cell("00:02:45", CellType::Duration).unwrap(), 165);
        let e = i64::from_cell("00:02:45", CellType::Int).unwrap_err();
        assert_eq!(e.expected(), "a whole number");
        assert_eq!(e.text(), Some("00:02:45"));
        let e = i64::from_cell("", CellType::Int).unwrap_err();
        assert_eq!(
            e.to_string(),
            "report row: expected a whole number, found an empty cell"
        );
        assert_eq!(
            i64::from_cell("9999:00:00", CellType::Duration).unwrap(),
            35_996_400
        );
        let e = i64::from_cell(&u64::MAX.to_string(), CellType::Duration).unwrap_err();
        assert!(e.source().is_some(), "the conversion is the cause");
    }

    #[test]
    fn durations_and_counts() {
        assert_eq!(u64::from_cell("165", CellType::Duration).unwrap(), 165);
        assert_eq!(u64::from_cell("00:02:45", CellType::Duration).unwrap(), 165);
        assert_eq!(
            u64::from_cell("146:42:08", CellType::Duration).unwrap(),
            528_128
        );
        assert_eq!(u64::from_cell("2", CellType::Int).unwrap(), 2);
        // A column the spec does not know: seconds or HH:MM:SS.
        assert_eq!(u64::from_cell("00:01:00", CellType::Text).unwrap(), 60);
        let e = u64::from_cell("-1", CellType::Int).unwrap_err();
        assert_eq!(e.expected(), "a whole number from 0");
        assert!(e.source().is_some());
        let e = u64::from_cell("00:99:00", CellType::Duration).unwrap_err();
        assert_eq!(
            e.in_column("billable_duration").to_string(),
            "report column `billable_duration`: expected a duration in seconds (165 or 00:02:45), found \"00:99:00\""
        );
    }

    #[test]
    fn flags() {
        assert!(bool::from_cell("Yes", CellType::YesNo).unwrap());
        assert!(!bool::from_cell("No", CellType::YesNo).unwrap());
        assert!(bool::from_cell("yes", CellType::Text).unwrap());
        // Never a silent `false`.
        assert_eq!(
            bool::from_cell("", CellType::YesNo).unwrap_err().expected(),
            "Yes or No"
        );
        assert!(bool::from_cell("Maybe", CellType::YesNo).is_err());
    }

    #[test]
    fn lists() {
        let s = String::from("s7pk2m4q, beaucrn6,");
        let items = <Vec<&str>>::from_cell(&s, CellType::List).unwrap();
        assert_eq!(items, ["s7pk2m4q", "beaucrn6"]);
        assert!(items.iter().all(|i| s.as_ptr() <= i.as_ptr()), "borrowed");
        assert!(
            <Vec<&str>>::from_cell("", CellType::List)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            <Option<Vec<&str>>>::from_cell(" ", CellType::List).unwrap(),
            None
        );
    }

    #[test]
    fn datetimes() {
        let dt = |s| DateTime::from_cell(s, CellType::Datetime);
        assert_eq!(
            dt("2016-10-13 09:54:06").unwrap(),
            jiff::civil::date(2016, 10, 13).at(9, 54, 6, 0)
        );
        assert_eq!(
            dt("10/13/16 09:54 pm").unwrap(),
            jiff::civil::date(2016, 10, 13).at(21, 54, 0, 0)
        );
        assert_eq!(
            dt("06/30/24 12:12 am").unwrap(),
            jiff::civil::date(2024, 6, 30).at(0, 12, 0, 0)
        );
        assert_eq!(
            dt("01/01/99 12:00 pm").unwrap(),
            jiff::civil::date(1999, 1, 1).at(12, 0, 0, 0)
        );
        let e = dt("13/45/16 09:54 am").unwrap_err();
        assert!(e.expected().starts_with("a date and time"), "{e}");
        let cause = e.source().expect("the scalar reason").to_string();
        assert!(cause.contains("month 13"), "{cause}");
        assert!(
            dt("1476370446").is_err(),
            "a Unix time is not a report date"
        );
        assert!(dt("").is_err());
        assert_eq!(
            <Option<DateTime>>::from_cell("", CellType::Datetime).unwrap(),
            None
        );
    }

    #[test]
    fn options() {
        assert_eq!(
            <Option<u64>>::from_cell("00:00:05", CellType::Duration).unwrap(),
            Some(5)
        );
        assert_eq!(<Option<&str>>::from_cell("", CellType::Text).unwrap(), None);
        assert!(<Option<bool>>::from_cell("x", CellType::YesNo).is_err());
    }

    #[test]
    fn index_and_read() {
        let index = ColumnIndex::new(&["Unique ID", "date", "x", "date"]);
        assert_eq!(index.len(), 4);
        assert_eq!(index.position(Column::Date), Some(1), "the first place");
        assert_eq!(index.position(Column::UniqueId), Some(0));
        assert_eq!(index.column(2), None);
        assert_eq!(index.cell_type(1), CellType::Datetime);
        assert_eq!(index.cell_type(2), CellType::Text);
        let row = Row {
            cells: vec!["1.2".into(), "bad".into()],
        };
        let e = row.read::<DateTime>(&index, Column::Date).unwrap_err();
        assert_eq!(e.column(), Some("date"));
        assert_eq!(row.read::<&str>(&index, Column::Src).unwrap(), None);
        // A short row: the cell is missing.
        let index = ColumnIndex::new(&["unique_id", "src"]);
        assert_eq!(row.read::<&str>(&index, Column::Src).unwrap(), Some("bad"));
        let short = Row {
            cells: vec!["1.2".into()],
        };
        assert_eq!(short.read::<&str>(&index, Column::Src).unwrap(), None);
    }

    #[test]
    fn column_discriminants_follow_all() {
        for (i, c) in Column::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
        }
    }
}
