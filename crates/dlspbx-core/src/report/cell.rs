//! Typed report cells.

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
            CellType::Int => t.parse().map(Cell::Int).unwrap_or(Cell::Invalid(text)),
            CellType::Duration => parse_duration(t)
                .map(Cell::Seconds)
                .unwrap_or(Cell::Invalid(text)),
            CellType::YesNo => match t.to_ascii_lowercase().as_str() {
                "yes" | "1" | "true" => Cell::Bool(true),
                "no" | "0" | "false" => Cell::Bool(false),
                _ => Cell::Invalid(text),
            },
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
            Cell::Bool(b) => f.write_str(if *b { "Yes" } else { "No" }),
            Cell::List(items) => f.write_str(&items.join(",")),
        }
    }
}

/// Seconds from `165`, `02:45` or `00:02:45` (hours may exceed 24: `146:42:08`).
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    if !s.contains(':') {
        return s.parse().ok();
    }
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut total: u64 = 0;
    for (i, p) in parts.iter().enumerate() {
        let v: u64 = p.parse().ok()?;
        if i > 0 && v >= 60 {
            return None;
        }
        total = total.checked_mul(60)?.checked_add(v)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_both_forms() {
        assert_eq!(parse_duration("165"), Some(165));
        assert_eq!(parse_duration("00:02:45"), Some(165));
        assert_eq!(parse_duration("02:45"), Some(165));
        assert_eq!(parse_duration("146:42:08"), Some(146 * 3600 + 42 * 60 + 8));
        assert_eq!(parse_duration("00:61:00"), None);
        assert_eq!(parse_duration("1::2"), None);
        assert_eq!(parse_duration("abc"), None);
    }

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
