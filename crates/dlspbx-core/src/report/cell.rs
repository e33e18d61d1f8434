//! Typed report cells.

use crate::scalar;
use std::fmt;

/// How a report column's cells are typed (the `cell` of a `[[column]]` in the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellType {
    /// Free text.
    Text,
    /// A whole number.
    Int,
    /// A duration: seconds (`165`) or, with `formatted_durations=true`, `00:02:45`.
    Duration,
    /// `Yes` or `No`.
    YesNo,
    /// A date and time (`2016-10-13 09:54:06`, or `10/13/16 09:54 am` when formatted).
    Datetime,
    /// A phone number or extension.
    Phone,
    /// A URL.
    Url,
    /// A comma-delimited list.
    List,
}

/// A typed cell value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    /// An empty cell.
    Empty,
    /// Text, phone numbers, URLs and dates (kept verbatim).
    Text(&'a str),
    /// A whole number.
    Int(i64),
    /// A duration in seconds.
    Seconds(u64),
    /// A yes/no flag.
    Bool(bool),
    /// A comma-delimited list, split.
    List(Vec<&'a str>),
    /// A cell that does not parse as its column's type, kept verbatim.
    Invalid(&'a str),
}

impl<'a> Cell<'a> {
    /// Types the text of a cell as `cell`.
    pub fn parse(text: &'a str, cell: CellType) -> Cell<'a> {
        let t = text.trim();
        if t.is_empty() {
            return Cell::Empty;
        }
        match cell {
            CellType::Text | CellType::Phone | CellType::Url | CellType::Datetime => {
                Cell::Text(text)
            }
            CellType::Int => scalar::read_int(t).map_or(Cell::Invalid(text), Cell::Int),
            CellType::Duration => {
                scalar::read_duration(t).map_or(Cell::Invalid(text), Cell::Seconds)
            }
            CellType::YesNo => scalar::as_flag(t).map_or(Cell::Invalid(text), Cell::Bool),
            CellType::List => Cell::List(
                t.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
        }
    }
}

impl fmt::Display for Cell<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Empty => Ok(()),
            Cell::Text(s) | Cell::Invalid(s) => f.write_str(s),
            Cell::Int(n) => write!(f, "{n}"),
            Cell::Seconds(s) => write!(f, "{s}"),
            Cell::Bool(b) => f.write_str(scalar::yes_no(*b)),
            Cell::List(items) => f.write_str(&items.join(",")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_typed_by_column() {
        assert_eq!(Cell::parse("Yes", CellType::YesNo), Cell::Bool(true));
        assert_eq!(Cell::parse("No", CellType::YesNo), Cell::Bool(false));
        assert_eq!(
            Cell::parse("00:02:45", CellType::Duration),
            Cell::Seconds(165)
        );
        assert_eq!(Cell::parse("", CellType::Int), Cell::Empty);
        assert_eq!(Cell::parse("x", CellType::Int), Cell::Invalid("x"));
        assert_eq!(
            Cell::parse("a, b", CellType::List),
            Cell::List(vec!["a", "b"])
        );
    }
}
