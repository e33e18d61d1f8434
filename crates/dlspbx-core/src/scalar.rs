//! The scalar vocabulary: what a boolean, a number, a duration, a date and time, a NANP phone
//! number and a time zone are, in one place, with both of its sides kept together.
//!
//! - **Reading**, tolerant: [`as_flag`] / [`read_flag`], [`read_int`], [`read_decimal`], [`read_duration`],
//!   [`read_time_span`], [`read_datetime`], [`nanp_digits`], [`time_zone`]. The decoders (the serde helpers of
//!   [`crate::wire::scalar`], the tolerant deserializer, report cells), the request parsers
//!   ([`crate::params`], the generated report options), the simulator and the CLI all read
//!   through these, so the same text means the same thing everywhere.
//! - **Writing**, PHP-exact, and strict checking: [`yes_no`], [`write_decimal`],
//!   [`php_float_string`] and [`php_json_number`] (PHP's `(string)` cast of a float and of a
//!   `json_decode`d number), [`write_fixed`] (a SQL `DECIMAL` column's text), [`write_duration`], [`When::to_wire`], [`write_datetime`]; the rules of
//!   [`crate::rules`] check request values with the readers above and send what these write.
//!
//! The core reads no clock: relative dates (`now`, `today`) are the caller's to resolve (the
//! CLI does), and it hands absolute times in one of the forms of [`DATETIME_FORMS`].
//! Time zones come from jiff's bundled copy of the IANA database, so no system database is
//! needed.

pub use jiff::civil::DateTime;
pub use jiff::tz::TimeZone;

use std::borrow::Cow;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Booleans
// ---------------------------------------------------------------------------------------------

/// The words [`read_flag`] accepts, for messages.
pub const FLAG_WORDS: &str = "1/0, true/false, yes/no, on/off or y/n (any case)";

/// Reads a flag: `1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off`, `y`/`n` in any case,
/// surrounding whitespace ignored; the empty string is `false` (PHP's string cast of `false`).
/// `None` for anything else, without allocating (the decoders' path); [`read_flag`] says why.
pub fn as_flag(s: &str) -> Option<bool> {
    let t = s.trim();
    let yes = ["1", "true", "yes", "on", "y"];
    let no = ["0", "false", "no", "off", "n", ""];
    if yes.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(true)
    } else if no.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(false)
    } else {
        None
    }
}

/// [`as_flag`], with a reason a user can act on when `s` is not a flag (request values).
pub fn read_flag(s: &str) -> Result<bool, String> {
    as_flag(s).ok_or_else(|| format!("`{}` is not a boolean; expected {FLAG_WORDS}", shorten(s)))
}

/// The PHP server's text for a flag in responses: `Yes` or `No`.
pub fn yes_no(v: bool) -> &'static str {
    if v { "Yes" } else { "No" }
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

/// Reads an integer (`"42"`, `" 42 "`, `"+42"`, `"42.0"`, `"4.2e1"`).
pub fn read_int(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    float_to_int(read_decimal(t)?)
}

/// Reads a whole number in a request value (`"42"`, `" 42 "`, `"-3"` for an `i64`), with the
/// reason a user can act on when `s` is not one of `T` (`u64`: "from 0").
pub fn read_whole<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    let t = s.trim();
    t.parse().map_err(|_| {
        if t.parse::<i64>().is_ok() {
            "must be a whole number from 0".to_owned()
        } else {
            "must be a whole number".to_owned()
        }
    })
}

/// An integral float as an `i64`, when it is one and fits.
pub(crate) fn float_to_int(f: f64) -> Option<i64> {
    // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
    if f.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

/// Reads a finite decimal (`"1.00"`, `"-3"`, `"1e3"`); never `inf` or `NaN`, which PHP never
/// writes as numbers.
pub fn read_decimal(s: &str) -> Option<f64> {
    let t = s.trim();
    if !t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Writes a float the way PHP prints it: integral values without a fraction (`1` for `1.0`),
/// others in their shortest round-tripping form.
pub fn write_decimal(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        // Exact: |v| < 1e15 fits i64 without loss.
        format!("{}", v as i64)
    } else if v.is_finite() && (v.abs() >= 1e15 || (v != 0.0 && v.abs() < 1e-4)) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// A decimal with exactly `places` fraction digits, as the server reads a SQL `DECIMAL(n,2)`
/// column (`1.00`, `0.50`, `12.35`); rounded half to even on the float's exact value.
///
/// ```
/// assert_eq!(dlspbx_core::scalar::write_fixed(1.0, 2), "1.00");
/// assert_eq!(dlspbx_core::scalar::write_fixed(2.5, 0), "2");
/// ```
pub fn write_fixed(v: f64, places: usize) -> String {
    let text = format!("{v:.places$}");
    // `-0.00` is `0.00` in SQL.
    if text.starts_with('-') && text[1..].bytes().all(|b| b == b'0' || b == b'.') {
        text[1..].to_owned()
    } else {
        text
    }
}

/// PHP's `(string)` cast of a float, as PHP 8 prints it with its default `precision` of 14
/// (`echo`, string interpolation and `(string)` use `precision`; only `var_export` and
/// `json_encode` use `serialize_precision`): the value rounded to 14 significant digits
/// (half to even, as PHP's `zend_dtoa`), trailing zeros dropped, in fixed notation when its
/// decimal exponent is from -5 to 14 and otherwise as `d.dddE+X` with at least one fraction
/// digit: `1.5`, `1000`, `0.0001`, `1.0E-5`, `1.0E+14`, `1.2345678901234E+14`, `-0`, `INF`.
///
/// ```
/// use dlspbx_core::scalar::php_float_string;
/// assert_eq!(php_float_string(1.5), "1.5");
/// assert_eq!(php_float_string(1e20), "1.0E+20");
/// assert_eq!(php_float_string(99_999_999_999_999.0), "99999999999999");
/// assert_eq!(php_float_string(0.1 + 0.2), "0.3");
/// ```
pub fn php_float_string(v: f64) -> String {
    if v.is_nan() {
        return "NAN".into();
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v.is_infinite() {
        return format!("{sign}INF");
    }
    if v == 0.0 {
        return format!("{sign}0");
    }
    // 14 significant digits, correctly rounded: `d.ddddddddddddde<exp>`.
    let sci = format!("{:.13e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    // PHP's `decpt`: where the decimal point goes, counted from the first digit.
    let decpt = exp + 1;
    let mut out = String::with_capacity(24);
    out.push_str(sign);
    if if decpt < 0 { decpt < -3 } else { decpt > 14 } {
        out.push_str(&digits[..1]);
        out.push('.');
        out.push_str(if digits.len() > 1 { &digits[1..] } else { "0" });
        out.push('E');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&exp.unsigned_abs().to_string());
    } else if decpt <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', decpt.unsigned_abs() as usize));
        out.push_str(digits);
    } else {
        let whole = decpt as usize;
        if digits.len() > whole {
            out.push_str(&digits[..whole]);
            out.push('.');
            out.push_str(&digits[whole..]);
        } else {
            out.push_str(digits);
            out.extend(std::iter::repeat_n('0', whole - digits.len()));
        }
    }
    out
}

/// The text PHP gives a JSON number after `json_decode` and a `(string)` cast: an integer
/// that fits PHP's `int` (`i64`) as its digits (`-0` is `0`); any other number (a fraction, an
/// exponent, an integer beyond `i64`) as a float, written by [`php_float_string`]: `1.50` →
/// `1.5`, `1e3` → `1000`, `100000000000000000000` → `1.0E+20`, `1e400` → `INF`. `text` is a
/// number as JSON writes it (the JSON scanner's token); anything else is returned as it is.
pub fn php_json_number(text: &str) -> Cow<'_, str> {
    let integer = !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'));
    if integer && let Ok(i) = text.parse::<i64>() {
        return if i.to_string() == text {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(i.to_string())
        };
    }
    match text.parse::<f64>() {
        Ok(f) => Cow::Owned(php_float_string(f)),
        Err(_) => Cow::Borrowed(text),
    }
}

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

/// Reads a duration in seconds from `165`, `02:45` or `00:02:45` (hours may exceed 24:
/// `146:42:08`).
pub fn read_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    if !s.contains(':') {
        return s.parse().ok();
    }
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 3 || parts.iter().any(|p| num(p.as_bytes()).is_none()) {
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

/// Writes a duration as the server's `formatted_durations` do: `HH:MM:SS` (hours may exceed
/// 24).
pub fn write_duration(secs: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// Reads a time span given on a command line (`--timeout`, `--read-timeout`, `cdr sync
/// --window`): `30s`, `2m`, `500ms`, `1h`, `1d` (24 hours), `1w`, or a bare number of seconds
/// (`1.5`); greater than zero. The error lists the
/// accepted forms (clap names the flag).
pub fn read_time_span(text: &str) -> Result<std::time::Duration, String> {
    let bad = || {
        format!(
            "`{text}`: expected a duration greater than zero such as 30s, 2m, 500ms, 1h, 1d, 1w or a number of seconds"
        )
    };
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else if let Some(n) = t.strip_suffix('d') {
        (n, 86_400.0)
    } else if let Some(n) = t.strip_suffix('w') {
        (n, 604_800.0)
    } else {
        (t, 1.0)
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(bad());
    }
    let value: f64 = number.parse().map_err(|_| bad())?;
    match std::time::Duration::try_from_secs_f64(value * scale) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(bad()),
    }
}

// ---------------------------------------------------------------------------------------------
// Dates and times
// ---------------------------------------------------------------------------------------------

/// The wall-clock forms [`read_datetime`] accepts, for messages.
pub const DATETIME_FORMS: &str = "YYYY-MM-DD HH:MM:SS, YYYY-MM-DD HH:MM (a `T` may replace the space), YYYY-MM-DD, or MM/DD/YYYY HH:MM am";

/// The instant forms [`read_datetime`] accepts where a field allows them, for messages.
pub const INSTANT_FORMS: &str = "a Unix timestamp, or RFC 3339 (2024-06-01T10:00:00Z)";

/// A date and time read by [`read_datetime`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// A wall-clock date and time, without a zone: the server reads it in its own or the
    /// report's time zone.
    Civil(DateTime),
    /// An instant, in seconds since the Unix epoch.
    Unix(i64),
}

impl When {
    /// The text sent on the wire: `YYYY-MM-DD HH:MM:SS` for a wall-clock time, the seconds
    /// for an instant.
    pub fn to_wire(&self) -> String {
        match self {
            When::Civil(dt) => write_datetime(*dt),
            When::Unix(secs) => secs.to_string(),
        }
    }

    /// Seconds since the epoch, reading a wall-clock time as UTC.
    pub fn unix_utc(&self) -> i64 {
        self.unix_in(&TimeZone::UTC)
    }

    /// Seconds since the epoch, reading a wall-clock time in `tz`. A time that the zone skips
    /// or repeats (a DST change) is read as jiff's "compatible" choice, as PHP and most
    /// databases do: a skipped time moves forward by the gap, a repeated one is the earlier.
    pub fn unix_in(&self, tz: &TimeZone) -> i64 {
        match self {
            When::Civil(dt) => tz.to_timestamp(*dt).map_or(0, |t| t.as_second()),
            When::Unix(secs) => *secs,
        }
    }
}

/// Reads a date and time in one of [`DATETIME_FORMS`] (a date alone is midnight), and, when
/// `instants` is set, one of [`INSTANT_FORMS`] too (1 to 10 digits, or a time with `Z` or an
/// offset). The error is a reason that reads after the value (`must be a date and time: ...`).
pub fn read_datetime(value: &str, instants: bool) -> Result<When, String> {
    let hint = |why: &str| {
        let also = if instants { "; or " } else { "" };
        let inst = if instants { INSTANT_FORMS } else { "" };
        let sep = if why.is_empty() { "" } else { "; " };
        format!("must be a date and time: {DATETIME_FORMS}{also}{inst}{sep}{why}")
    };
    let b = value.as_bytes();
    if !b.is_empty() && b.iter().all(u8::is_ascii_digit) {
        return match (instants, b.len()) {
            (false, _) => Err(hint("a Unix timestamp is not accepted here")),
            (true, 1..=10) => Ok(When::Unix(value.parse().unwrap_or(0))),
            (true, _) => Err(hint("a Unix timestamp has at most 10 digits")),
        };
    }
    if b.contains(&b'/') {
        return us_datetime(b, false).map_err(|why| hint(&why));
    }
    let Some((y, m, d)) = iso_date(b) else {
        return Err(hint(""));
    };
    check_ymd(y, m, d).map_err(|why| hint(&format!("it {why}")))?;
    let rest = &b[10..];
    if rest.is_empty() {
        return civil(y, m, d, 0, 0, 0);
    }
    let t = &rest[1..];
    if !matches!(rest[0], b' ' | b'T') || t.len() < 5 || t[2] != b':' {
        return Err(hint(""));
    }
    let (Some(h), Some(mi)) = (num(&t[..2]), num(&t[3..5])) else {
        return Err(hint(""));
    };
    let (s, tail) = match t.get(5) {
        Some(b':') => match t.get(6..8).and_then(num) {
            Some(s) => (s, &t[8..]),
            None => return Err(hint("")),
        },
        _ => (0, &t[5..]),
    };
    if h > 23 {
        return Err(hint("hours run from 00 to 23"));
    }
    if mi > 59 || s > 59 {
        return Err(hint("minutes and seconds run from 00 to 59"));
    }
    if tail.is_empty() {
        return civil(y, m, d, h, mi, s);
    }
    if !instants {
        return Err(hint(
            "a time with `Z` or an offset is not accepted here; give the wall-clock time",
        ));
    }
    value
        .parse::<jiff::Timestamp>()
        .map(|ts| When::Unix(ts.as_second()))
        .map_err(|_| hint("RFC 3339 ends in `Z` or an offset such as -05:00"))
}

/// Writes a wall-clock time as the server does: `YYYY-MM-DD HH:MM:SS`.
pub fn write_datetime(dt: DateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// The UTC wall-clock time of `secs` seconds since the epoch (the epoch when out of range).
pub fn utc_datetime(secs: i64) -> DateTime {
    zoned_datetime(secs, &TimeZone::UTC)
}

fn timestamp(secs: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// The wall-clock time in `tz` of `secs` seconds since the epoch (the epoch when out of
/// range).
pub fn zoned_datetime(secs: i64, tz: &TimeZone) -> DateTime {
    tz.to_datetime(timestamp(secs))
}

/// The offset from UTC of `tz` at `secs` seconds since the epoch, in seconds east of UTC
/// (Chicago in summer: `-18000`), and whether daylight saving time is in effect then.
pub fn utc_offset(secs: i64, tz: &TimeZone) -> (i32, bool) {
    let info = tz.to_offset_info(timestamp(secs));
    (info.offset().seconds(), info.dst().is_dst())
}

/// Checks a date as `YYYY-MM-DD` (zero-padded, a real Gregorian date, year 0001-9999); the
/// error reads after "it" (`has month 13; ...`), or is empty when the shape is wrong.
pub(crate) fn read_date(b: &[u8]) -> Result<(), String> {
    match iso_date(b) {
        Some((y, m, d)) if b.len() == 10 => check_ymd(y, m, d),
        _ => Err(String::new()),
    }
}

fn iso_date(b: &[u8]) -> Option<(u32, u32, u32)> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some((num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?))
}

fn civil(y: u32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> Result<When, String> {
    // The callers checked every range, so these conversions and `new` cannot fail.
    let n = |v: u32| i8::try_from(v).unwrap_or(0);
    DateTime::new(
        i16::try_from(y).unwrap_or(1),
        n(m),
        n(d),
        n(h),
        n(mi),
        n(s),
        0,
    )
    .map(When::Civil)
    .map_err(|e| e.to_string())
}

pub(crate) fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')))
}

fn check_ymd(year: u32, month: u32, day: u32) -> Result<(), String> {
    if year == 0 {
        return Err("has year 0000; years run from 0001 to 9999".into());
    }
    if !(1..=12).contains(&month) {
        return Err(format!("has month {month:02}; months run from 01 to 12"));
    }
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let last = match month {
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 31,
    };
    if day == 0 || day > last {
        return Err(format!(
            "has day {day:02}, but {year:04}-{month:02} has days 01 to {last:02}"
        ));
    }
    Ok(())
}

/// The forms [`read_report_datetime`] accepts, for messages.
pub const REPORT_DATETIME_FORMS: &str =
    "YYYY-MM-DD HH:MM:SS, or MM/DD/YY HH:MM am (`formatted_dates`)";

/// Reads a date and time cell of a report, a wall-clock time in the report's time zone:
/// `2016-10-13 09:54:06` (or another of [`DATETIME_FORMS`]), or the `formatted_dates` form
/// `10/13/16 09:54 am`, which drops the seconds (read as `:00`). A two-digit year is read as
/// POSIX `strptime`'s `%y` does: `69`-`99` are 1969-1999, `00`-`68` are 2000-2068. The error
/// is a reason that reads after the value (`must be ...`).
///
/// ```
/// use dlspbx_core::scalar::{read_report_datetime, write_datetime};
/// let formatted = read_report_datetime("10/13/16 09:54 pm").unwrap();
/// assert_eq!(write_datetime(formatted), "2016-10-13 21:54:00");
/// let plain = read_report_datetime("2016-10-13 09:54:06").unwrap();
/// assert_eq!(write_datetime(plain), "2016-10-13 09:54:06");
/// assert!(read_report_datetime("1476370446").is_err());
/// ```
pub fn read_report_datetime(value: &str) -> Result<DateTime, String> {
    let t = value.trim();
    let forms = || format!("must be a date and time: {REPORT_DATETIME_FORMS}");
    let read = if t.contains('/') {
        us_datetime(t.as_bytes(), true)
    } else {
        read_datetime(t, false).map_err(|_| String::new())
    };
    match read {
        Ok(When::Civil(dt)) => Ok(dt),
        Ok(When::Unix(_)) => Err(forms()),
        Err(why) if why.is_empty() => Err(forms()),
        Err(why) => Err(format!("{}; {why}", forms())),
    }
}

/// `M/D/YYYY H:MM[ ]am|pm`, the reference's query_sms samples; with `short_year`, the year
/// may also be two digits (`M/D/YY`, the report's `formatted_dates`).
fn us_datetime(b: &[u8], short_year: bool) -> Result<When, String> {
    const FORM: &str = "the US form is MM/DD/YYYY HH:MM am, e.g. 05/01/2017 10:58 am";
    // Split into fields by position, never slicing inside a multi-byte character (all
    // separators are ASCII and every field must be ASCII digits or letters).
    let mut rest = b;
    let mut take_until = |sep: u8, min: usize, max: usize| -> Result<(u32, usize), String> {
        let i = rest
            .iter()
            .position(|&c| c == sep)
            .ok_or_else(|| FORM.to_owned())?;
        let field = &rest[..i];
        rest = &rest[i + 1..];
        if field.len() < min || field.len() > max {
            return Err(FORM.to_owned());
        }
        Ok((num(field).ok_or_else(|| FORM.to_owned())?, field.len()))
    };
    let (month, _) = take_until(b'/', 1, 2)?;
    let (day, _) = take_until(b'/', 1, 2)?;
    let year = match take_until(b' ', if short_year { 2 } else { 4 }, 4)? {
        // POSIX `%y`: 69-99 are the 1900s, 00-68 the 2000s.
        (yy, 2) => yy + if yy < 69 { 2000 } else { 1900 },
        (yyyy, 4) => yyyy,
        _ => return Err(FORM.into()),
    };
    let (hour, _) = take_until(b':', 1, 2)?;
    if rest.len() < 4 {
        return Err(FORM.into());
    }
    let minute = num(&rest[..2]).ok_or_else(|| FORM.to_owned())?;
    let mut ampm = &rest[2..];
    if ampm.first() == Some(&b' ') {
        ampm = &ampm[1..];
    }
    let pm = if ampm.eq_ignore_ascii_case(b"am") {
        false
    } else if ampm.eq_ignore_ascii_case(b"pm") {
        true
    } else {
        return Err(format!("{FORM} (am or pm at the end)"));
    };
    check_ymd(year, month, day).map_err(|why| format!("the date {why}"))?;
    if !(1..=12).contains(&hour) {
        return Err("the hour must be 1 to 12 before am/pm".into());
    }
    if minute > 59 {
        return Err("minutes run from 00 to 59".into());
    }
    let hour24 = match (hour, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, false) => h,
        (h, true) => h + 12,
    };
    civil(year, month, day, hour24, minute, 0)
}

// ---------------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------------

/// What a North American number looks like, for messages.
pub const NANP_HINT: &str =
    "must be a 10-digit North American number with area code, e.g. 8155551234 or (815) 555-1234";

/// The 10 digits of a North American number (`"+1 (815) 555-1234"` → `8155551234`): spaces,
/// `(`, `)`, `-` and `.` are removed, then a leading `+1`, or a leading `1` before 10 more
/// digits; the rest must be NPA-NXX-XXXX with NPA and NXX starting with 2-9 and neither an
/// N11 code. The error is a reason that reads after the value.
pub fn nanp_digits(value: &str) -> Result<[u8; 10], String> {
    // Strip formatting; anything else that is not a digit (or a leading `+`) is wrong.
    let mut digits = [0u8; 11];
    let mut n = 0usize;
    let mut plus = false;
    for (i, c) in value.char_indices() {
        match c {
            ' ' | '(' | ')' | '-' | '.' => {}
            '+' if n == 0 && !plus && value[..i].chars().all(|c| c == ' ') => plus = true,
            '0'..='9' => {
                if plus && n == 0 && c != '1' {
                    return Err(format!(
                        "{NANP_HINT}; international numbers (+ and a country code other than 1) are not accepted"
                    ));
                }
                if n == digits.len() {
                    return Err(format!("{NANP_HINT}; it has too many digits"));
                }
                digits[n] = c as u8;
                n += 1;
            }
            c if c.is_alphabetic() => {
                return Err(format!(
                    "{NANP_HINT}; letters such as {c:?} are not allowed (dial 1-800-FLOWERS as 8003569377)"
                ));
            }
            c => return Err(format!("{NANP_HINT}; {} is not allowed", describe(c))),
        }
    }
    let d: &[u8] = &digits[..n];
    let ten = if plus {
        match d.first() {
            None => return Err(format!("{NANP_HINT}; `+` must be followed by digits")),
            Some(b'1') if n == 11 => &d[1..],
            Some(_) => {
                return Err(format!(
                    "{NANP_HINT}; +1 must be followed by exactly 10 digits (it has {})",
                    n - 1
                ));
            }
        }
    } else if n == 11 && d[0] == b'1' {
        &d[1..]
    } else if n == 10 {
        d
    } else if n == 0 {
        return Err(NANP_HINT.into());
    } else {
        return Err(format!("{NANP_HINT}; it has {n} digits"));
    };
    let mut out = [0u8; 10];
    out.copy_from_slice(ten);
    check_npa_nxx(&out)?;
    Ok(out)
}

fn check_npa_nxx(d: &[u8; 10]) -> Result<(), String> {
    let code = |r: std::ops::Range<usize>| String::from_utf8_lossy(&d[r]).into_owned();
    if d[0] < b'2' {
        return Err(format!(
            "{NANP_HINT}; the area code {} must start with 2-9",
            code(0..3)
        ));
    }
    if d[1] == b'1' && d[2] == b'1' {
        return Err(format!(
            "{NANP_HINT}; {} is a service code (N11), not an area code",
            code(0..3)
        ));
    }
    if d[3] < b'2' {
        return Err(format!(
            "{NANP_HINT}; the exchange {} (digits 4-6) must start with 2-9",
            code(3..6)
        ));
    }
    if d[4] == b'1' && d[5] == b'1' {
        return Err(format!(
            "{NANP_HINT}; the exchange {} (digits 4-6) cannot be an N11 code",
            code(3..6)
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------

/// A time zone name that is not in the IANA database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTimeZone {
    name: String,
}

impl UnknownTimeZone {
    /// The name that was asked for (shortened when very long).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for UnknownTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown time zone `{}`: expected an IANA name such as America/Chicago or UTC",
            self.name
        )
    }
}

impl std::error::Error for UnknownTimeZone {}

/// The time zone named `name` in the bundled IANA database (`America/Chicago`, `UTC`; the
/// lookup ignores case, and [`TimeZone::iana_name`] gives the name as the database spells it).
pub fn time_zone(name: &str) -> Result<TimeZone, UnknownTimeZone> {
    // A name is ASCII and short; anything else cannot be in the database.
    let plausible = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'));
    plausible
        .then(|| jiff::tz::db().get(name).ok())
        .flatten()
        .ok_or_else(|| UnknownTimeZone {
            name: shorten(name),
        })
}

// ---------------------------------------------------------------------------------------------

/// A character named for an error message: printable ones quoted, others by code point.
pub(crate) fn describe(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("{c:?}")
    }
}

/// A value cut to 40 characters for an error message.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn flags_share_one_word_list() {
        for w in ["1", "true", "YES", "On", "y", " Y "] {
            assert_eq!(read_flag(w), Ok(true), "{w}");
        }
        for w in ["0", "False", "no", "OFF", "n", ""] {
            assert_eq!(read_flag(w), Ok(false), "{w}");
        }
        let why = read_flag("maybe").unwrap_err();
        assert!(why.contains("y/n") && why.contains("`maybe`"), "{why}");
    }

    #[test]
    fn durations_in_both_forms() {
        assert_eq!(read_duration("165"), Some(165));
        assert_eq!(read_duration("00:02:45"), Some(165));
        assert_eq!(read_duration("02:45"), Some(165));
        assert_eq!(read_duration("146:42:08"), Some(146 * 3600 + 42 * 60 + 8));
        assert_eq!(read_duration("00:61:00"), None);
        assert_eq!(read_duration("1::2"), None);
        assert_eq!(read_duration("abc"), None);
        assert_eq!(write_duration(165), "00:02:45");
        assert_eq!(write_duration(146 * 3600 + 42 * 60 + 8), "146:42:08");
    }

    #[test]
    fn datetimes_in_every_form() {
        let wire = |s: &str, i: bool| read_datetime(s, i).map(|w| w.to_wire());
        let noon = Ok("2024-06-01 12:00:00".to_owned());
        for s in [
            "2024-06-01 12:00:00",
            "2024-06-01 12:00",
            "2024-06-01T12:00:00",
            "2024-06-01T12:00",
            "06/01/2024 12:00 pm",
            "6/1/2024 12:00PM",
        ] {
            assert_eq!(wire(s, false), noon, "{s}");
            assert_eq!(wire(s, true), noon, "{s}");
        }
        assert_eq!(
            wire("2024-06-01", false),
            Ok("2024-06-01 00:00:00".to_owned())
        );
        assert_eq!(wire("1717243200", true), Ok("1717243200".to_owned()));
        assert_eq!(
            wire("2024-06-01T12:00:00Z", true),
            Ok("1717243200".to_owned())
        );
        assert_eq!(
            wire("2024-06-01T07:00:00-05:00", true),
            Ok("1717243200".to_owned())
        );
        assert_eq!(
            read_datetime("2024-06-01 12:00:00", true).map(|w| w.unix_utc()),
            Ok(1_717_243_200)
        );
        for bad in ["1717243200", "2024-06-01T12:00:00Z", "2024-06-01 24:00"] {
            let why = read_datetime(bad, false).unwrap_err();
            assert!(why.contains(DATETIME_FORMS), "{why}");
            assert!(!why.contains("Unix timestamp,"), "{why}");
        }
        for bad in [
            "2024-06-31",
            "2024-06-01 1:00",
            "2024-06-01  10:00",
            "2024-06-01 10:00:0",
            "2024-06-01T10:00:00+5",
            "",
            "12345678901",
        ] {
            let why = read_datetime(bad, true).unwrap_err();
            assert!(why.contains(INSTANT_FORMS), "{bad}: {why}");
        }
    }

    #[test]
    fn nanp_numbers() {
        let ten = |s: &str| nanp_digits(s).map(|d| String::from_utf8_lossy(&d).into_owned());
        for s in [
            "8155551234",
            "(815) 555-1234",
            "+1 815.555.1234",
            "1-815-555-1234",
        ] {
            assert_eq!(ten(s), Ok("8155551234".to_owned()), "{s}");
        }
        for s in ["1112224444", "+44 20 7946 0958", "815555123", "911"] {
            assert!(ten(s).is_err(), "{s}");
        }
    }

    #[test]
    fn wall_clock_times_in_a_zone() {
        let chicago = time_zone("America/Chicago").unwrap();
        let summer = read_datetime("2024-07-01 12:00:00", false).unwrap();
        assert_eq!(summer.unix_in(&chicago) - summer.unix_utc(), 5 * 3600);
        let t = summer.unix_in(&chicago);
        assert_eq!(
            write_datetime(zoned_datetime(t, &chicago)),
            "2024-07-01 12:00:00"
        );
        assert_eq!(utc_offset(t, &chicago), (-5 * 3600, true));
        let winter = read_datetime("2024-01-15 12:00:00", false).unwrap();
        assert_eq!(utc_offset(winter.unix_utc(), &chicago), (-6 * 3600, false));
        // A skipped time moves forward; an instant is the same in every zone.
        let gap = read_datetime("2024-03-10 02:30:00", false).unwrap();
        let t = gap.unix_in(&chicago);
        assert_eq!(
            write_datetime(zoned_datetime(t, &chicago)),
            "2024-03-10 03:30:00"
        );
        assert_eq!(When::Unix(7).unix_in(&chicago), 7);
    }

    #[test]
    fn time_zones_from_the_bundled_database() {
        assert_eq!(
            time_zone("america/chicago").unwrap().iana_name(),
            Some("America/Chicago")
        );
        assert!(time_zone("UTC").is_ok());
        let e = time_zone("Mars/Base").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown time zone `Mars/Base`: expected an IANA name such as America/Chicago or UTC"
        );
        assert!(
            time_zone(&"x".repeat(1 << 20))
                .unwrap_err()
                .to_string()
                .len()
                < 200
        );
    }

    proptest! {
        #[test]
        fn flag_round_trip(v: bool) {
            prop_assert_eq!(read_flag(yes_no(v)), Ok(v));
            prop_assert_eq!(read_flag(if v { "1" } else { "0" }), Ok(v));
        }

        #[test]
        fn int_round_trip(v: i64) {
            prop_assert_eq!(read_int(&v.to_string()), Some(v));
        }

        #[test]
        fn decimal_round_trip(v in -1e300f64..1e300) {
            prop_assert_eq!(read_decimal(&write_decimal(v)), Some(v));
        }

        #[test]
        fn duration_round_trip(v in 0u64..10_000_000) {
            prop_assert_eq!(read_duration(&write_duration(v)), Some(v));
        }

        #[test]
        fn datetime_round_trip(secs in -62_135_596_800i64..253_402_300_799) {
            let dt = utc_datetime(secs);
            let text = write_datetime(dt);
            prop_assert_eq!(read_datetime(&text, false), Ok(When::Civil(dt)));
            prop_assert_eq!(read_datetime(&text, false).map(|w| w.unix_utc()), Ok(secs));
            prop_assert_eq!(read_report_datetime(&text), Ok(dt));
        }

        /// The report's `formatted_dates` form (`%m/%d/%y %I:%M %P`, as the simulator and
        /// PHP's `strftime` write it) reads back to the same minute, for the years a
        /// two-digit year names (1969-2068).
        #[test]
        fn formatted_report_datetime_round_trip(secs in -31_536_000i64..3_124_137_599) {
            let dt = utc_datetime(secs);
            let text = jiff::fmt::strtime::format("%m/%d/%y %I:%M %P", dt).unwrap();
            let minute = dt.with().second(0).subsec_nanosecond(0).build().unwrap();
            prop_assert_eq!(read_report_datetime(&text), Ok(minute), "{}", text);
        }
    }

    #[test]
    fn php_float_strings() {
        for (v, want) in [
            (1.5, "1.5"),
            (1e3, "1000"),
            (1e20, "1.0E+20"),
            (1e15, "1.0E+15"),
            (1e14, "1.0E+14"),
            (99_999_999_999_999.0, "99999999999999"),
            (123_456_789_012_345.0, "1.2345678901234E+14"),
            (123_456_789_012_325.0, "1.2345678901232E+14"),
            (0.0001, "0.0001"),
            (0.00001, "1.0E-5"),
            (-0.0, "-0"),
            (0.0, "0"),
            (0.5, "0.5"),
            (0.1 + 0.2, "0.3"),
            (-1e15, "-1.0E+15"),
            (f64::MAX, "1.7976931348623E+308"),
            (5e-324, "4.9406564584125E-324"),
            (f64::INFINITY, "INF"),
            (f64::NEG_INFINITY, "-INF"),
        ] {
            assert_eq!(php_float_string(v), want, "{v:e}");
        }
        assert_eq!(php_json_number("-0"), "0");
        assert_eq!(php_json_number("42"), "42");
        assert!(matches!(php_json_number("42"), Cow::Borrowed(_)));
        assert_eq!(
            php_json_number("9223372036854775808"),
            "9.2233720368548E+18"
        );
        assert_eq!(
            php_json_number("-9223372036854775808"),
            "-9223372036854775808"
        );
        assert_eq!(php_json_number("1e400"), "INF");
    }

    /// Number texts for the PHP cross-check: the edge cases, then random integers, decimals
    /// and exponents (a small deterministic xorshift, so a failure can be replayed).
    fn json_number_cases() -> Vec<String> {
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "-1",
            "1.50",
            "1e3",
            "1E+2",
            "1e-7",
            "0.1",
            "0.0001",
            "0.00001",
            "1e14",
            "1e15",
            "-1e15",
            "1.5e15",
            "999999999999999.9",
            "99999999999999.5",
            "123456789012345.0",
            "123456789012325.0",
            "0.30000000000000004",
            "1e22",
            "1e400",
            "-1e400",
            "5e-324",
            "1e-400",
            "1.7976931348623157e308",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "100000000000000000000",
            "12345678901234567890",
            "123456789012345678",
            "0.000123456789012345",
            "1234.5678",
            "2.5",
            "0.05",
            "1e0",
            "10e-1",
        ]
        .map(str::to_owned)
        .to_vec();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..400 {
            let sign = if next() % 3 == 0 { "-" } else { "" };
            let int_len = 1 + (next() % 22) as usize;
            let mut int: String = (0..int_len)
                .map(|_| char::from(b'0' + (next() % 10) as u8))
                .collect();
            if int_len > 1 && int.starts_with('0') {
                int.replace_range(..1, "1");
            }
            let text = match next() % 4 {
                0 => format!("{sign}{int}"),
                1 => {
                    let frac: String = (0..1 + next() % 18)
                        .map(|_| char::from(b'0' + (next() % 10) as u8))
                        .collect();
                    format!("{sign}{int}.{frac}")
                }
                2 => format!("{sign}{}e{}", &int[..1], (next() % 660) as i64 - 330),
                _ => {
                    let frac: String = (0..1 + next() % 6)
                        .map(|_| char::from(b'0' + (next() % 10) as u8))
                        .collect();
                    format!("{sign}{}.{frac}E{}", &int[..1], (next() % 40) as i64 - 20)
                }
            };
            cases.push(text);
        }
        cases
    }

    /// The PHP cross-check: every case through our JSON body reader (`parse_json`, which
    /// converts with [`php_json_number`]) against PHP 8's `(string)json_decode($text)`, with
    /// `true`, `false` and `null` besides. Prints `SKIPPED` without php.
    #[test]
    fn json_scalars_match_php() {
        use std::io::Write as _;
        use std::process::{Command, Stdio};
        let php = Command::new("php")
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !php {
            eprintln!("SKIPPED: php not installed (apt-get install php-cli)");
            return;
        }
        let mut cases = json_number_cases();
        cases.extend(["true", "false", "null"].map(str::to_owned));
        let script = r#"$out = [];
            foreach (json_decode(file_get_contents("php://stdin"), true) as $t) {
                $out[] = (string)json_decode($t);
            }
            echo json_encode($out);"#;
        // `-n`: PHP's built-in defaults (`precision` 14), as a stock php.ini has them.
        let mut child = Command::new("php")
            .args(["-n", "-r", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("php runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&serde_json::to_vec(&cases).unwrap())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "php failed");
        let php: Vec<String> = serde_json::from_slice(&out.stdout).expect("php prints a list");
        assert_eq!(php.len(), cases.len());
        let mut failures = Vec::new();
        for (text, want) in cases.iter().zip(&php) {
            let ours = match crate::request::body::parse_json(text.as_bytes()) {
                Ok(crate::wire::Node::Str(s)) => s.into_owned(),
                Ok(crate::wire::Node::Null) => String::new(),
                other => format!("{other:?}"),
            };
            if &ours != want {
                failures.push(format!("{text}: php {want:?}, ours {ours:?}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} differ:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }
}
