//! Times in the simulator: stored as `YYYY-MM-DD HH:MM:SS` text read as UTC wall-clock time.
//! Reading and the wire's `YYYY-MM-DD HH:MM:SS` and `HH:MM:SS` are the core's scalar vocabulary
//! (`dlspbx_core::scalar`); what is here is the clock and the server's display styles.

use dlspbx_core::scalar;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch of a time in any form the vocabulary reads
/// (`YYYY-MM-DD HH:MM:SS`, a date, `MM/DD/YYYY HH:MM am`, a Unix timestamp, RFC 3339), a
/// wall-clock time read as UTC.
pub fn parse(s: &str) -> Option<i64> {
    scalar::read_datetime(s.trim(), true)
        .ok()
        .map(|w| w.unix_utc())
}

/// `YYYY-MM-DD HH:MM:SS`.
pub fn format_datetime(secs: i64) -> String {
    scalar::write_datetime(scalar::utc_datetime(secs))
}

fn strftime(secs: i64, format: &str) -> String {
    scalar::utc_datetime(secs).strftime(format).to_string()
}

/// `MM/DD/YY HH:MM am` (the report's `formatted_dates`).
pub fn format_us(secs: i64) -> String {
    strftime(secs, "%m/%d/%y %I:%M %P")
}

/// `Mon, Oct 1, 2016 12:39 pm` (the report title's style).
pub fn format_title(secs: i64) -> String {
    strftime(secs, "%a, %b %-d, %Y %-I:%M %P")
}

/// `Dec 29 17:32:12` (dialer log lines).
pub fn format_log(secs: i64) -> String {
    strftime(secs, "%b %-d %H:%M:%S")
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
}
