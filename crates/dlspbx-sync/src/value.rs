//! A report cell typed for a database column, by its spec column's [`CellType`].

use dlspbx::CellType;
use dlspbx::sans_io::scalar::{self, When};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// One cell as the sinks store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// An empty cell.
    Null,
    /// Text, phone numbers and URLs, borrowed from the body.
    Text(&'a str),
    /// Counts, and durations in seconds.
    Int(i64),
    /// A `Yes`/`No` flag.
    Bool(bool),
    /// A date and time (the report runs in UTC).
    Time(Timestamp),
    /// A comma-delimited list, split.
    List(Vec<&'a str>),
}

impl<'a> Value<'a> {
    /// Types `text` as a cell of `cell`. The error says what the cell should have been.
    pub fn of(cell: CellType, text: &'a str) -> Result<Value<'a>, &'static str> {
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        Ok(match dlspbx::Cell::parse(text, cell) {
            dlspbx::Cell::Empty => Value::Null,
            dlspbx::Cell::Text(t) if cell == CellType::Datetime => Value::Time(date(t)?),
            dlspbx::Cell::Text(t) => Value::Text(t),
            dlspbx::Cell::Int(n) => Value::Int(n),
            dlspbx::Cell::Seconds(s) => {
                Value::Int(i64::try_from(s).map_err(|_| "a duration in seconds")?)
            }
            dlspbx::Cell::Bool(b) => Value::Bool(b),
            dlspbx::Cell::List(items) => Value::List(items),
            dlspbx::Cell::Invalid(_) => {
                return Err(match cell {
                    CellType::Int => "a whole number",
                    CellType::Duration => "a duration (seconds, or HH:MM:SS)",
                    CellType::YesNo => "Yes or No",
                    _ => "a valid cell",
                });
            }
        })
    }
}

/// A report date (`YYYY-MM-DD HH:MM:SS`, in the report's zone: UTC) as an instant.
pub(crate) fn date(text: &str) -> Result<Timestamp, &'static str> {
    const EXPECTED: &str = "a date and time (YYYY-MM-DD HH:MM:SS)";
    match scalar::read_datetime(text.trim(), false) {
        Ok(When::Civil(dt)) => TimeZone::UTC.to_timestamp(dt).map_err(|_| EXPECTED),
        Ok(When::Unix(secs)) => Timestamp::from_second(secs).map_err(|_| EXPECTED),
        Err(_) => Err(EXPECTED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_typed_by_their_column() {
        assert_eq!(Value::of(CellType::Int, "3"), Ok(Value::Int(3)));
        assert_eq!(
            Value::of(CellType::Duration, "00:02:45"),
            Ok(Value::Int(165))
        );
        assert_eq!(Value::of(CellType::YesNo, "No"), Ok(Value::Bool(false)));
        assert_eq!(
            Value::of(CellType::List, "a,b"),
            Ok(Value::List(vec!["a", "b"]))
        );
        assert_eq!(Value::of(CellType::Text, ""), Ok(Value::Null));
        assert_eq!(
            Value::of(CellType::Datetime, "2024-03-10 02:30:00"),
            Ok(Value::Time("2024-03-10T02:30:00Z".parse().unwrap()))
        );
        assert_eq!(Value::of(CellType::Int, "x"), Err("a whole number"));
        assert!(Value::of(CellType::Datetime, "yesterday").is_err());
    }
}
