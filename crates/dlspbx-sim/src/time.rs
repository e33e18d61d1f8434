//! Civil dates and times without a time zone database: the simulator stores wall-clock times
//! as `YYYY-MM-DD HH:MM:SS` text and converts with the proleptic Gregorian calendar.

use std::time::{SystemTime, UNIX_EPOCH};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn from_parts(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59
    {
        return None;
    }
    Some(
        days_from_civil(y, mo, d) * 86_400
            + i64::from(h) * 3600
            + i64::from(mi) * 60
            + i64::from(s),
    )
}

/// Seconds since the epoch of `YYYY-MM-DD HH:MM:SS` (read as UTC wall-clock time).
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = s.split_once(' ')?;
    let mut dp = date.split('-');
    let (y, mo, d) = (dp.next()?, dp.next()?, dp.next()?);
    if dp.next().is_some() || y.len() != 4 || mo.len() != 2 || d.len() != 2 {
        return None;
    }
    let mut tp = time.split(':');
    let (h, mi, se) = (tp.next()?, tp.next()?, tp.next()?);
    if tp.next().is_some() || h.len() != 2 || mi.len() != 2 || se.len() != 2 {
        return None;
    }
    from_parts(
        i64::from(num(y)?),
        num(mo)?,
        num(d)?,
        num(h)?,
        num(mi)?,
        num(se)?,
    )
}

/// Seconds since the epoch of `YYYY-MM-DD` at midnight.
pub fn parse_date(s: &str) -> Option<i64> {
    parse_datetime(&format!("{} 00:00:00", s.trim()))
}

/// `MM/DD/YYYY HH:MM am` (the reference's query_sms samples; the space before am/pm is optional).
pub fn parse_us(s: &str) -> Option<i64> {
    let s = s.trim().to_ascii_lowercase();
    let (rest, pm) = if let Some(r) = s.strip_suffix("am") {
        (r.trim_end(), false)
    } else if let Some(r) = s.strip_suffix("pm") {
        (r.trim_end(), true)
    } else {
        return None;
    };
    let (date, time) = rest.split_once(' ')?;
    let mut dp = date.split('/');
    let (mo, d, y) = (dp.next()?, dp.next()?, dp.next()?);
    if dp.next().is_some() || y.len() != 4 || mo.len() > 2 || d.len() > 2 {
        return None;
    }
    let (h, mi) = time.trim().split_once(':')?;
    if h.len() > 2 || mi.len() != 2 {
        return None;
    }
    let h = num(h)?;
    if !(1..=12).contains(&h) {
        return None;
    }
    let h24 = match (h, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, false) => h,
        (h, true) => h + 12,
    };
    from_parts(i64::from(num(y)?), num(mo)?, num(d)?, h24, num(mi)?, 0)
}

/// A query time: `YYYY-MM-DD HH:MM:SS`, a Unix timestamp, or `MM/DD/YYYY HH:MM am`.
pub fn parse_flexible(s: &str) -> Option<i64> {
    let t = s.trim();
    if !t.is_empty() && t.len() <= 10 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    parse_datetime(t).or_else(|| parse_us(t))
}

fn split(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

/// `YYYY-MM-DD HH:MM:SS`.
pub fn format_datetime(secs: i64) -> String {
    let (y, m, d, h, mi, s) = split(secs);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

fn twelve(h: u32) -> (u32, &'static str) {
    let ampm = if h < 12 { "am" } else { "pm" };
    let h12 = match h % 12 {
        0 => 12,
        x => x,
    };
    (h12, ampm)
}

/// `MM/DD/YY HH:MM am` (the report's `formatted_dates`).
pub fn format_us(secs: i64) -> String {
    let (y, m, d, h, mi, _) = split(secs);
    let (h12, ampm) = twelve(h);
    format!(
        "{m:02}/{d:02}/{:02} {h12:02}:{mi:02} {ampm}",
        y.rem_euclid(100)
    )
}

/// `Mon, Oct 1, 2016 12:39 pm` (the report title's style).
pub fn format_title(secs: i64) -> String {
    let (y, m, d, h, mi, _) = split(secs);
    let (h12, ampm) = twelve(h);
    let wd = WEEKDAYS[secs.div_euclid(86_400).rem_euclid(7) as usize];
    format!(
        "{wd}, {} {d}, {y} {h12}:{mi:02} {ampm}",
        MONTHS[(m - 1) as usize]
    )
}

/// `Dec 29 17:32:12` (dialer log lines).
pub fn format_log(secs: i64) -> String {
    let (_, m, d, h, mi, s) = split(secs);
    format!("{} {d} {h:02}:{mi:02}:{s:02}", MONTHS[(m - 1) as usize])
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
    let s = secs.max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let t = parse_datetime("2016-10-13 09:54:06").unwrap();
        assert_eq!(t, 1_476_352_446);
        assert_eq!(format_datetime(t), "2016-10-13 09:54:06");
        assert_eq!(format_us(t), "10/13/16 09:54 am");
        assert_eq!(
            format_title(parse_datetime("2016-10-01 12:39:00").unwrap()),
            "Sat, Oct 1, 2016 12:39 pm"
        );
        assert_eq!(
            parse_us("05/01/2017 10:58 am"),
            parse_datetime("2017-05-01 10:58:00")
        );
        assert_eq!(
            parse_us("07/30/2017 10:58pm"),
            parse_datetime("2017-07-30 22:58:00")
        );
        assert_eq!(
            parse_us("07/30/2017 12:05 am"),
            parse_datetime("2017-07-30 00:05:00")
        );
        assert_eq!(parse_flexible("1476352446"), Some(1_476_352_446));
        assert_eq!(parse_datetime("2023-02-29 00:00:00"), None);
        assert_eq!(
            parse_datetime("2024-02-29 00:00:00")
                .map(format_datetime)
                .as_deref(),
            Some("2024-02-29 00:00:00")
        );
        assert_eq!(format_duration(165), "00:02:45");
        assert_eq!(format_duration(146 * 3600 + 42 * 60 + 8), "146:42:08");
        assert_eq!(
            format_log(parse_datetime("2023-12-29 17:32:12").unwrap()),
            "Dec 29 17:32:12"
        );
    }
}
