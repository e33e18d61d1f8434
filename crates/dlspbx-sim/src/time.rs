//! Times in the simulator: stored as `YYYY-MM-DD HH:MM:SS` text read as UTC wall-clock time;
//! a report shows them, and reads its `from`/`to`, in its time zone (the `_in` functions).
//! Reading and the wire's `YYYY-MM-DD HH:MM:SS` and `HH:MM:SS` are the core's scalar vocabulary
//! (`dlspbx_core::scalar`, time zones too); what is here is the clock and the server's display
//! styles.

use dlspbx_core::scalar::{self, TimeZone};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch of a time in any form the vocabulary reads
/// (`YYYY-MM-DD HH:MM:SS`, a date, `MM/DD/YYYY HH:MM am`, a Unix timestamp, RFC 3339), a
/// wall-clock time read as UTC.
pub fn parse(s: &str) -> Option<i64> {
    parse_in(s, &TimeZone::UTC)
}

/// [`parse`], reading a wall-clock time in `tz` (an instant is the same in every zone).
pub fn parse_in(s: &str, tz: &TimeZone) -> Option<i64> {
    scalar::read_datetime(s.trim(), true)
        .ok()
        .map(|w| w.unix_in(tz))
}

/// `YYYY-MM-DD HH:MM:SS`.
pub fn format_datetime(secs: i64) -> String {
    format_datetime_in(secs, &TimeZone::UTC)
}

/// `YYYY-MM-DD HH:MM:SS` in `tz`.
pub fn format_datetime_in(secs: i64, tz: &TimeZone) -> String {
    scalar::write_datetime(scalar::zoned_datetime(secs, tz))
}

fn strftime(secs: i64, tz: &TimeZone, format: &str) -> String {
    scalar::zoned_datetime(secs, tz)
        .strftime(format)
        .to_string()
}

/// `MM/DD/YY HH:MM am` (the report's `formatted_dates`), in UTC.
pub fn format_us(secs: i64) -> String {
    format_us_in(secs, &TimeZone::UTC)
}

/// `MM/DD/YY HH:MM am` in `tz`.
pub fn format_us_in(secs: i64, tz: &TimeZone) -> String {
    strftime(secs, tz, "%m/%d/%y %I:%M %P")
}

/// `Mon, Oct 1, 2016 12:39 pm` (the report title's style), in UTC.
pub fn format_title(secs: i64) -> String {
    format_title_in(secs, &TimeZone::UTC)
}

/// `Mon, Oct 1, 2016 12:39 pm` in `tz`.
pub fn format_title_in(secs: i64, tz: &TimeZone) -> String {
    strftime(secs, tz, "%a, %b %-d, %Y %-I:%M %P")
}

/// The report title's offset of `tz` at `secs`, as the reference writes it: `UTC-5:00 (DST)`
/// while daylight saving time is in effect, `UTC-6:00` outside it, `UTC+0:00` for UTC,
/// `UTC+5:30` for half hours (hours unpadded, minutes always two digits, the sign always).
pub fn format_offset(secs: i64, tz: &TimeZone) -> String {
    let (offset, dst) = scalar::utc_offset(secs, tz);
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.unsigned_abs() / 60;
    let dst = if dst { " (DST)" } else { "" };
    format!("UTC{sign}{}:{:02}{dst}", minutes / 60, minutes % 60)
}

/// `Dec 29 17:32:12` (dialer log lines).
pub fn format_log(secs: i64) -> String {
    strftime(secs, &TimeZone::UTC, "%b %-d %H:%M:%S")
}

/// Seconds and microseconds since the epoch, now.
pub fn now() -> (i64, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as i64, d.subsec_micros())
}

/// `HH:MM:SS` of a duration in seconds (hours may exceed 24).
pub fn format_duration(secs: i64) -> String {
    scalar::write_duration(secs.max(0).unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let t = parse("2016-10-13 09:54:06").unwrap();
        assert_eq!(t, 1_476_352_446);
        assert_eq!(format_datetime(t), "2016-10-13 09:54:06");
        assert_eq!(format_us(t), "10/13/16 09:54 am");
        assert_eq!(
            format_title(parse("2016-10-01 12:39:00").unwrap()),
            "Sat, Oct 1, 2016 12:39 pm"
        );
        assert_eq!(parse("05/01/2017 10:58 am"), parse("2017-05-01 10:58:00"));
        assert_eq!(parse("07/30/2017 10:58pm"), parse("2017-07-30 22:58:00"));
        assert_eq!(parse("07/30/2017 12:05 am"), parse("2017-07-30 00:05:00"));
        assert_eq!(parse("1476352446"), Some(1_476_352_446));
        assert_eq!(parse("2023-02-29 00:00:00"), None);
        assert_eq!(
            parse("2024-02-29 00:00:00").map(format_datetime).as_deref(),
            Some("2024-02-29 00:00:00")
        );
        assert_eq!(format_duration(165), "00:02:45");
        assert_eq!(format_duration(146 * 3600 + 42 * 60 + 8), "146:42:08");
        assert_eq!(
            format_log(parse("2023-12-29 17:32:12").unwrap()),
            "Dec 29 17:32:12"
        );
    }

    #[test]
    fn zones_and_offsets() {
        let tz = |n| scalar::time_zone(n).unwrap();
        let (chicago, auckland) = (tz("America/Chicago"), tz("Pacific/Auckland"));
        let t = parse("2016-10-13 14:54:06").unwrap();
        assert_eq!(format_datetime_in(t, &chicago), "2016-10-13 09:54:06");
        assert_eq!(format_datetime_in(t, &auckland), "2016-10-14 03:54:06");
        assert_eq!(parse_in("2016-10-13 09:54:06", &chicago), Some(t));
        assert_eq!(format_us_in(t, &chicago), "10/13/16 09:54 am");
        assert_eq!(format_title_in(t, &chicago), "Thu, Oct 13, 2016 9:54 am");
        assert_eq!(format_offset(t, &chicago), "UTC-5:00 (DST)");
        assert_eq!(format_offset(t, &auckland), "UTC+13:00 (DST)");
        let winter = parse("2024-01-15 12:00:00").unwrap();
        assert_eq!(format_offset(winter, &chicago), "UTC-6:00");
        assert_eq!(format_offset(winter, &TimeZone::UTC), "UTC+0:00");
        assert_eq!(format_offset(winter, &tz("Asia/Kolkata")), "UTC+5:30");
        assert_eq!(format_offset(winter, &tz("America/St_Johns")), "UTC-3:30");
    }
}
