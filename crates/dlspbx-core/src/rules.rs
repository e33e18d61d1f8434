//! Validation rules named in `spec/rules.toml`.
//!
//! One function per rule, `fn rule(value: &str) -> Result<(), String>` (and
//! [`max_chars`]`(value, n)`), where the error is a short reason a user can act on. It reads
//! after the value in [`crate::InvalidRequest`]'s message
//! (`invalid `phone_number`: "911" must be ...`). The definitions are the `note`s of
//! `spec/rules.toml`, exactly; the rule functions never panic and run in time linear in the
//! value's length.
//!
//! Rules that send a canonical form of the value (`nanp_phone`, `sms_destination`, `us_state`,
//! `country_alpha2`, `datetime_or_unix`) have a `canonical_*` function (and [`normalize_nanp`]);
//! [`canonical`] and [`check`] dispatch by the rule's spec name for the simulator and the
//! generated code.

use std::fmt::Write as _;

// ---------------------------------------------------------------------------------------------
// Dispatch by name
// ---------------------------------------------------------------------------------------------

/// Every rule of `spec/rules.toml`, by name (`max_chars` takes an argument).
pub const RULE_NAMES: &[&str] = &[
    "non_empty",
    "digits",
    "nanp_phone",
    "sms_destination",
    "sms_party",
    "phone_digits",
    "us_state",
    "zip_code",
    "country_alpha2",
    "date",
    "datetime",
    "datetime_or_unix",
    "max_chars",
    "timezone",
    "custom_field_name",
];

/// Applies the rule written as in the spec (`"nanp_phone"`, `"max_chars(200)"`) to `value`;
/// `None` when the rule is unknown or its argument is missing or malformed.
pub fn check(rule: &str, value: &str) -> Option<Result<(), String>> {
    let (name, arg) = split_rule(rule)?;
    let f: fn(&str) -> Result<(), String> = match (name, arg) {
        ("max_chars", Some(n)) => return Some(max_chars(value, n)),
        (_, Some(_)) | ("max_chars", None) => return None,
        ("non_empty", None) => non_empty,
        ("digits", None) => digits,
        ("nanp_phone", None) => nanp_phone,
        ("sms_destination", None) => sms_destination,
        ("sms_party", None) => sms_party,
        ("phone_digits", None) => phone_digits,
        ("us_state", None) => us_state,
        ("zip_code", None) => zip_code,
        ("country_alpha2", None) => country_alpha2,
        ("date", None) => date,
        ("datetime", None) => datetime,
        ("datetime_or_unix", None) => datetime_or_unix,
        ("timezone", None) => timezone,
        ("custom_field_name", None) => custom_field_name,
        _ => return None,
    };
    Some(f(value))
}

/// The value the rule sends on the wire for a valid `value`, when the rule rewrites values
/// (`nanp_phone` → 10 digits, `sms_destination` → E.164, `us_state` / `country_alpha2` →
/// upper case, `datetime_or_unix` → `YYYY-MM-DD HH:MM:SS`). `None` when the value is invalid
/// or the rule sends values unchanged (then send `value` as it is).
pub fn canonical(rule: &str, value: &str) -> Option<String> {
    let (name, _) = split_rule(rule)?;
    match name {
        "nanp_phone" => normalize_nanp(value),
        "sms_destination" => canonical_sms_destination(value),
        "us_state" => canonical_us_state(value),
        "country_alpha2" => canonical_country_alpha2(value),
        "datetime_or_unix" => canonical_datetime_or_unix(value),
        _ => None,
    }
}

fn split_rule(rule: &str) -> Option<(&str, Option<usize>)> {
    match rule.split_once('(') {
        None => Some((rule.trim(), None)),
        Some((name, rest)) => {
            let arg = rest.strip_suffix(')')?.trim();
            Some((name.trim(), Some(arg.parse().ok()?)))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/// `non_empty`: not empty and not only whitespace. The value is sent as given (not trimmed).
pub fn non_empty(value: &str) -> Result<(), String> {
    if value.is_empty() {
        Err("must not be empty".into())
    } else if value.chars().all(char::is_whitespace) {
        Err("must not be only whitespace".into())
    } else {
        Ok(())
    }
}

/// `max_chars(n)`: at most `n` characters, counted as Unicode scalar values.
pub fn max_chars(value: &str, n: usize) -> Result<(), String> {
    // Quick accept: a string of at most n bytes has at most n characters.
    if value.len() <= n {
        return Ok(());
    }
    let count = value.chars().count();
    if count <= n {
        Ok(())
    } else {
        Err(format!(
            "must be at most {n} characters long (it has {count}); shorten it"
        ))
    }
}

/// `digits`: one or more ASCII digits (`0`-`9`); leading zeros are kept.
pub fn digits(value: &str) -> Result<(), String> {
    if value.is_empty() {
        Err("must be one or more digits 0-9, e.g. 0".into())
    } else if value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("must contain only the digits 0-9, e.g. 0".into())
    }
}

/// `custom_field_name`: 1 to 64 ASCII letters, digits, `_` and `-` (PHP would change `.`,
/// spaces and `[` in a POST name).
pub fn custom_field_name(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must be a custom field name of 1 to 64 letters, digits, `_` or `-`".into());
    }
    if let Some(c) = value
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        return Err(format!(
            "must use only letters, digits, `_` and `-` (found {}); PHP would change the name on the way",
            describe(c)
        ));
    }
    if value.len() > 64 {
        return Err(format!(
            "must be at most 64 characters long (it has {})",
            value.len()
        ));
    }
    Ok(())
}

/// `timezone`: `UTC`, or two or more `/`-separated parts (`America/Chicago`,
/// `America/Argentina/Buenos_Aires`), each starting with an ASCII letter and made of ASCII
/// letters, digits, `_`, `-` and `+`. Not checked against the time zone database.
pub fn timezone(value: &str) -> Result<(), String> {
    const HINT: &str = "must be an IANA time zone name such as America/Chicago, or UTC";
    if value == "UTC" {
        return Ok(());
    }
    if !value.contains('/') {
        return Err(format!("{HINT} (an Area/City name with a `/`)"));
    }
    for part in value.split('/') {
        let mut chars = part.chars();
        match chars.next() {
            None => return Err(format!("{HINT}; it has an empty part")),
            Some(c) if !c.is_ascii_alphabetic() => {
                return Err(format!(
                    "{HINT}; each part must start with a letter (found {})",
                    describe(c)
                ));
            }
            Some(_) => {}
        }
        if let Some(c) =
            chars.find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+')))
        {
            return Err(format!("{HINT}; found {}", describe(c)));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------------

const NANP_HINT: &str =
    "must be a 10-digit North American number with area code, e.g. 8155551234 or (815) 555-1234";

/// Why a NANP number is invalid, or its 10 digits.
fn nanp_digits(value: &str) -> Result<[u8; 10], String> {
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
            Some(b'1') => {
                return Err(format!(
                    "{NANP_HINT}; +1 must be followed by exactly 10 digits (it has {})",
                    n - 1
                ));
            }
            Some(_) => {
                return Err(format!(
                    "{NANP_HINT}; international numbers (+ and a country code other than 1) are not accepted"
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

/// `nanp_phone`: a North American number with area code. Spaces, `(`, `)`, `-` and `.` are
/// removed, then a leading `+1`, or a leading `1` before 10 more digits; the rest must be 10
/// ASCII digits NPA-NXX-XXXX with NPA and NXX starting with 2-9 and neither an N11 code.
/// Sent as its 10 digits ([`normalize_nanp`]).
pub fn nanp_phone(value: &str) -> Result<(), String> {
    nanp_digits(value).map(|_| ())
}

/// The 10 digits of a number [`nanp_phone`] accepts (`"+1 (815) 555-1234"` →
/// `"8155551234"`); `None` when it does not.
pub fn normalize_nanp(value: &str) -> Option<String> {
    nanp_digits(value)
        .ok()
        .map(|d| d.iter().map(|&b| char::from(b)).collect())
}

/// E.164: `+`, then 1 to 15 ASCII digits, the first 1-9. The error reads after "it".
fn e164(value: &str) -> Result<(), String> {
    let Some(d) = value.strip_prefix('+') else {
        return Err("does not start with `+`".into());
    };
    if d.is_empty() {
        return Err("has no digits after `+`".into());
    }
    if let Some(c) = d.chars().find(|c| !c.is_ascii_digit()) {
        return Err(format!(
            "contains {}; only digits may follow `+`, without spaces or punctuation",
            describe(c)
        ));
    }
    if d.starts_with('0') {
        return Err("has 0 right after `+`; country codes start with 1-9".into());
    }
    if d.len() > 15 {
        return Err(format!("has {} digits; E.164 allows at most 15", d.len()));
    }
    Ok(())
}

const E164_HINT: &str = "must be a phone number in E.164 format such as +18155551234";

/// `sms_destination`, tried in order: E.164 (`+`, 1 to 15 digits, the first 1-9; after `+1`
/// the 10 digits must pass [`nanp_phone`]), sent unchanged; a value [`nanp_phone`] accepts,
/// sent as `+1` and the 10 digits; an extension of 1 to 8 ASCII digits, sent unchanged.
pub fn sms_destination(value: &str) -> Result<(), String> {
    sms_destination_canon(value).map(|_| ())
}

/// The value [`sms_destination`] sends for `value` (`8155551234` → `+18155551234`), `None`
/// when it is invalid.
pub fn canonical_sms_destination(value: &str) -> Option<String> {
    sms_destination_canon(value).ok()
}

fn sms_destination_canon(value: &str) -> Result<String, String> {
    const HINT: &str = "must be a phone number in E.164 format (e.g. +18155551234), a 10-digit North American number, or an extension of 1 to 8 digits";
    if value.starts_with('+') {
        e164(value).map_err(|why| format!("{E164_HINT}; it {why}"))?;
        if let Some(rest) = value.strip_prefix("+1") {
            if rest.len() != 10 {
                return Err(format!(
                    "{E164_HINT}; a +1 (North American) number must have exactly 10 digits after +1 (it has {})",
                    rest.len()
                ));
            }
            nanp_digits(rest)?;
        }
        return Ok(value.to_owned());
    }
    if value.is_empty() {
        return Err(HINT.into());
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return match value.len() {
            1..=8 => Ok(value.to_owned()),
            10 | 11 => nanp_digits(value).map(|d| nanp_e164(&d)),
            n => Err(format!("{HINT}; it has {n} digits")),
        };
    }
    // Formatted North American numbers, e.g. (815) 555-1234.
    if value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-' | '.'))
    {
        return nanp_digits(value).map(|d| nanp_e164(&d));
    }
    let bad = value
        .chars()
        .find(|c| !c.is_ascii_digit())
        .map_or(String::new(), describe);
    Err(format!(
        "{HINT} (found {bad}); user auth IDs cannot be sent to"
    ))
}

fn nanp_e164(d: &[u8; 10]) -> String {
    let mut s = String::with_capacity(12);
    s.push_str("+1");
    s.extend(d.iter().map(|&b| char::from(b)));
    s
}

/// `sms_party`: E.164 (`+`, 1 to 15 digits, the first 1-9), or 1 to 64 ASCII letters and
/// digits (an extension, number or user auth ID). Sent unchanged.
pub fn sms_party(value: &str) -> Result<(), String> {
    const HINT: &str = "must be a phone number in E.164 format (e.g. +12223334456), or an extension, number or auth ID of letters and digits (e.g. 100, z64xxx2n)";
    if value.starts_with('+') {
        return e164(value).map_err(|why| format!("{E164_HINT}; it {why}"));
    }
    if value.is_empty() {
        return Err(HINT.into());
    }
    if let Some(c) = value.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(format!("{HINT}; found {}", describe(c)));
    }
    if value.len() > 64 {
        return Err(format!(
            "{HINT}; at most 64 characters (it has {})",
            value.len()
        ));
    }
    Ok(())
}

/// `phone_digits`: exactly 10 ASCII digits, or E.164 (`+`, 1 to 15 digits, the first 1-9);
/// no punctuation; sent unchanged.
pub fn phone_digits(value: &str) -> Result<(), String> {
    const HINT: &str = "must be 10 digits (e.g. 8155551234) or a number in E.164 format (e.g. +18155551234), without spaces or punctuation";
    if value.starts_with('+') {
        return e164(value).map_err(|why| format!("{E164_HINT}; it {why}"));
    }
    if let Some(c) = value.chars().find(|c| !c.is_ascii_digit()) {
        return Err(format!("{HINT}; found {}", describe(c)));
    }
    if value.len() != 10 {
        return Err(format!("{HINT}; it has {} digits", value.len()));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Places
// ---------------------------------------------------------------------------------------------

/// The 50 states, DC and the territories AS GU MP PR UM VI (ISO 3166-2:US), sorted.
pub const US_STATES: [&str; 57] = [
    "AK", "AL", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "GU", "HI", "IA", "ID",
    "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MP", "MS", "MT", "NC", "ND",
    "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX",
    "UM", "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY",
];

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, sorted.
pub const COUNTRY_ALPHA2: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Upper-cases a two-letter ASCII code and looks it up in a sorted table.
fn lookup_code(value: &str, table: &[&str]) -> Result<String, Option<String>> {
    if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(None);
    }
    let upper = value.to_ascii_uppercase();
    match table.binary_search(&upper.as_str()) {
        Ok(_) => Ok(upper),
        Err(_) => Err(Some(upper)),
    }
}

/// `us_state`: a two-letter code of a US state, DC, or the territories AS GU MP PR UM VI;
/// case-insensitive; sent in upper case ([`canonical_us_state`]).
pub fn us_state(value: &str) -> Result<(), String> {
    match lookup_code(value, &US_STATES) {
        Ok(_) => Ok(()),
        Err(None) => Err(
            "must be a two-letter US state code such as IL (or DC, AS, GU, MP, PR, UM, VI)".into(),
        ),
        Err(Some(code)) => Err(format!(
            "must be a US state code such as IL; {code} is not one (Canadian provinces and military codes are not accepted)"
        )),
    }
}

/// The upper-case code for a valid [`us_state`] value.
pub fn canonical_us_state(value: &str) -> Option<String> {
    lookup_code(value, &US_STATES).ok()
}

/// `country_alpha2`: an officially assigned ISO 3166-1 alpha-2 code; case-insensitive; sent
/// in upper case ([`canonical_country_alpha2`]).
pub fn country_alpha2(value: &str) -> Result<(), String> {
    match lookup_code(value, &COUNTRY_ALPHA2) {
        Ok(_) => Ok(()),
        Err(None) => Err("must be a two-letter ISO 3166-1 country code such as US or CA".into()),
        Err(Some(code)) if code == "UK" => {
            Err("must be an ISO 3166-1 country code: the United Kingdom is GB, not UK".into())
        }
        Err(Some(code)) => Err(format!(
            "must be an ISO 3166-1 country code such as US or CA; {code} is not assigned"
        )),
    }
}

/// The upper-case code for a valid [`country_alpha2`] value.
pub fn canonical_country_alpha2(value: &str) -> Option<String> {
    lookup_code(value, &COUNTRY_ALPHA2).ok()
}

/// `zip_code`: 5 ASCII digits, optionally `-` and 4 more (ZIP+4).
pub fn zip_code(value: &str) -> Result<(), String> {
    let b = value.as_bytes();
    let ok = match b.len() {
        5 => b.iter().all(u8::is_ascii_digit),
        10 => {
            b[..5].iter().all(u8::is_ascii_digit)
                && b[5] == b'-'
                && b[6..].iter().all(u8::is_ascii_digit)
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err("must be a US ZIP code: 5 digits or ZIP+4, e.g. 60601 or 60601-1234".into())
    }
}

// ---------------------------------------------------------------------------------------------
// Dates and times
// ---------------------------------------------------------------------------------------------

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

fn check_ymd(year: u32, month: u32, day: u32) -> Result<(), String> {
    if year == 0 {
        return Err("has year 0000; years run from 0001 to 9999".into());
    }
    if !(1..=12).contains(&month) {
        return Err(format!("has month {month:02}; months run from 01 to 12"));
    }
    let last = days_in_month(year, month);
    if day == 0 || day > last {
        return Err(format!(
            "has day {day:02}, but {year:04}-{month:02} has days 01 to {last:02}"
        ));
    }
    Ok(())
}

fn parse_date(b: &[u8]) -> Result<(), String> {
    const HINT: &str = "must be a date as YYYY-MM-DD, e.g. 2024-02-29";
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(HINT.into());
    }
    let (Some(y), Some(m), Some(d)) = (num(&b[0..4]), num(&b[5..7]), num(&b[8..10])) else {
        return Err(HINT.into());
    };
    check_ymd(y, m, d).map_err(|why| format!("{HINT}; it {why}"))
}

/// `date`: `YYYY-MM-DD`, zero-padded, a real Gregorian date (leap years included), year
/// 0001-9999.
pub fn date(value: &str) -> Result<(), String> {
    parse_date(value.as_bytes())
}

fn parse_time(b: &[u8]) -> Result<(), String> {
    const HINT: &str =
        "must be a date and time as YYYY-MM-DD HH:MM:SS (24-hour clock), e.g. 2024-02-29 13:45:00";
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return Err(HINT.into());
    }
    let (Some(h), Some(m), Some(s)) = (num(&b[0..2]), num(&b[3..5]), num(&b[6..8])) else {
        return Err(HINT.into());
    };
    if h > 23 {
        return Err(format!("{HINT}; hours run from 00 to 23"));
    }
    if m > 59 || s > 59 {
        return Err(format!("{HINT}; minutes and seconds run from 00 to 59"));
    }
    Ok(())
}

/// `datetime`: a [`date`], one space, `HH:MM:SS` zero-padded (00-23, 00-59, 00-59).
pub fn datetime(value: &str) -> Result<(), String> {
    const HINT: &str =
        "must be a date and time as YYYY-MM-DD HH:MM:SS (24-hour clock), e.g. 2024-02-29 13:45:00";
    let b = value.as_bytes();
    if b.len() != 19 || b[10] != b' ' {
        return Err(HINT.into());
    }
    parse_date(&b[..10]).map_err(|why| match why.split_once("; it ") {
        Some((_, detail)) => format!("{HINT}; it {detail}"),
        None => HINT.to_owned(),
    })?;
    parse_time(&b[11..])
}

/// `datetime_or_unix`, tried in order: a [`datetime`] (sent unchanged); 1 to 10 ASCII digits,
/// a Unix timestamp (sent unchanged); the US form of the reference's samples
/// (`05/01/2017 10:58 am`, `07/30/2017 10:58am`), sent as `YYYY-MM-DD HH:MM:00`
/// ([`canonical_datetime_or_unix`]).
pub fn datetime_or_unix(value: &str) -> Result<(), String> {
    datetime_or_unix_canon(value).map(|_| ())
}

/// The value [`datetime_or_unix`] sends (`07/30/2017 10:58am` → `2017-07-30 10:58:00`), `None`
/// when it is invalid.
pub fn canonical_datetime_or_unix(value: &str) -> Option<String> {
    datetime_or_unix_canon(value).ok()
}

fn datetime_or_unix_canon(value: &str) -> Result<String, String> {
    const HINT: &str = "must be a date and time as YYYY-MM-DD HH:MM:SS (e.g. 2017-05-01 10:58:00), a Unix timestamp in seconds, or MM/DD/YYYY HH:MM am";
    let b = value.as_bytes();
    if b.len() == 19 && b[4] == b'-' {
        return datetime(value).map(|()| value.to_owned());
    }
    if !b.is_empty() && b.iter().all(u8::is_ascii_digit) {
        return if b.len() <= 10 {
            Ok(value.to_owned())
        } else {
            Err(format!("{HINT}; a Unix timestamp has at most 10 digits"))
        };
    }
    if b.contains(&b'/') {
        return us_datetime(b).map_err(|why| format!("{HINT}; {why}"));
    }
    Err(HINT.into())
}

/// `M/D/YYYY H:MM[ ]am|pm` → `YYYY-MM-DD HH:MM:00`.
fn us_datetime(b: &[u8]) -> Result<String, String> {
    const FORM: &str = "the US form is MM/DD/YYYY HH:MM am, e.g. 05/01/2017 10:58 am";
    // Split into fields by position, never slicing inside a multi-byte character (all
    // separators are ASCII and every field must be ASCII digits or letters).
    let mut rest = b;
    let mut take_until = |sep: u8, min: usize, max: usize| -> Result<u32, String> {
        let i = rest
            .iter()
            .position(|&c| c == sep)
            .ok_or_else(|| FORM.to_owned())?;
        let field = &rest[..i];
        rest = &rest[i + 1..];
        if field.len() < min || field.len() > max {
            return Err(FORM.to_owned());
        }
        num(field).ok_or_else(|| FORM.to_owned())
    };
    let month = take_until(b'/', 1, 2)?;
    let day = take_until(b'/', 1, 2)?;
    let year = take_until(b' ', 4, 4)?;
    let hour = take_until(b':', 1, 2)?;
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
    let mut s = String::with_capacity(19);
    let _ = write!(
        s,
        "{year:04}-{month:02}-{day:02} {hour24:02}:{minute:02}:00"
    );
    Ok(s)
}

// ---------------------------------------------------------------------------------------------

/// A character named for an error message: printable ones quoted, others by code point.
fn describe(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("{c:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values every rule must reject: empty, control characters, a 1 MB string, Unicode
    /// digits and letters that look like ASCII.
    fn hostile() -> Vec<String> {
        vec![
            String::new(),
            "\0".into(),
            "\u{7}".into(),
            "12\n34".into(),
            "٣".into(),
            "８１５５５５１２３４".into(),
            "x".repeat(1 << 20),
            "1".repeat(1 << 20) + "x",
        ]
    }

    fn table(
        name: &str,
        f: impl Fn(&str) -> Result<(), String>,
        valid: &[&str],
        invalid: &[&str],
        hostile_too: bool,
    ) {
        for v in valid {
            assert_eq!(f(v), Ok(()), "{name}: {v:?} should be valid");
            assert_eq!(check(name, v), Some(Ok(())), "{name} via check: {v:?}");
        }
        let mut all: Vec<String> = invalid.iter().map(|s| (*s).to_owned()).collect();
        if hostile_too {
            all.extend(hostile());
        }
        assert!(all.len() >= 8, "{name}: at least 8 invalid values");
        for v in &all {
            let shown: String = v.chars().take(40).collect();
            match f(v) {
                Ok(()) => panic!("{name}: {shown:?} should be invalid"),
                Err(reason) => {
                    assert!(
                        !reason.is_empty() && reason.len() < 300,
                        "{name}: {shown:?} reason {reason:?}"
                    );
                    assert!(
                        !reason.contains(&"x".repeat(100)),
                        "reasons do not echo huge values"
                    );
                }
            }
            assert!(
                matches!(check(name, v), Some(Err(_))),
                "{name} via check: {shown:?}"
            );
        }
    }

    #[test]
    fn non_empty_rule() {
        table(
            "non_empty",
            non_empty,
            &[
                "a",
                " a ",
                "Sales list",
                "٣",
                "\u{1F600}",
                "0",
                "a\tb",
                "x".repeat(1 << 20).as_str(),
            ],
            &[
                "", " ", "\t", "\n", "\r\n", "   \t  ", "\u{A0}", "\u{2003}", "\u{3000}", "\u{85}",
            ],
            false,
        );
    }

    #[test]
    fn digits_rule() {
        table(
            "digits",
            digits,
            &["0", "00", "42", "0123", "18446744073709551616"],
            &["-1", "+1", "1.0", "1 2", "a", "1e3", " 1", "1 "],
            true,
        );
    }

    #[test]
    fn nanp_phone_rule() {
        table(
            "nanp_phone",
            nanp_phone,
            &[
                "8155551234",
                "(815) 555-1234",
                "815.555.1234",
                "815-555-1234",
                "+1 815 555 1234",
                "+18155551234",
                "18155551234",
                "1 (815) 555-1234",
                "2125550000",
                "9999999999",
            ],
            &[
                "911",
                "9115551234",
                "2115551234",
                "8155111234",
                "8151551234",
                "8150551234",
                "1155551234",
                "0155551234",
                "815555123",
                "81555512345",
                "28155551234",
                "+448155551234",
                "+44 20 7946 0958",
                "+1815555123",
                "+",
                "1-800-FLOWERS",
                "815555123x",
                "815/555/1234",
                "815_555_1234",
                "++18155551234",
                "1+8155551234",
                "١٢٣٤٥٦٧٨٩٠",
            ],
            true,
        );
        assert_eq!(
            normalize_nanp("+1 (815) 555-1234").as_deref(),
            Some("8155551234")
        );
        assert_eq!(normalize_nanp("18155551234").as_deref(), Some("8155551234"));
        assert_eq!(normalize_nanp("911"), None);
        assert_eq!(
            canonical("nanp_phone", "815.555.1234").as_deref(),
            Some("8155551234")
        );
        let why = nanp_phone("9115551234").unwrap_err();
        assert!(why.contains("N11") && why.contains("8155551234"), "{why}");
        assert!(
            nanp_phone("+442079460958")
                .unwrap_err()
                .contains("international")
        );
    }

    #[test]
    fn sms_destination_rule() {
        table(
            "sms_destination",
            sms_destination,
            &[
                "+18155551234",
                "+442079460958",
                "+4",
                "+491234567890123",
                "8155551234",
                "(815) 555-1234",
                "18155551234",
                "100",
                "1",
                "12345678",
            ],
            &[
                "123456789",
                "1234567890",
                "9115551234",
                "+19115551234",
                "+1815555123",
                "+0123",
                "+",
                "+1234567890123456",
                "+1 815 555 1234",
                "z64xxx2n",
                "l00",
                "100@default",
                "+44-20",
                "815555123456",
            ],
            true,
        );
        assert_eq!(
            canonical_sms_destination("8155551234").as_deref(),
            Some("+18155551234")
        );
        assert_eq!(
            canonical_sms_destination("(815) 555-1234").as_deref(),
            Some("+18155551234")
        );
        assert_eq!(
            canonical_sms_destination("18155551234").as_deref(),
            Some("+18155551234")
        );
        assert_eq!(
            canonical_sms_destination("+442079460958").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(canonical_sms_destination("100").as_deref(), Some("100"));
        assert_eq!(canonical_sms_destination("123456789"), None);
        assert_eq!(
            canonical("sms_destination", "8155551234").as_deref(),
            Some("+18155551234")
        );
        assert!(
            sms_destination("123456789")
                .unwrap_err()
                .contains("9 digits")
        );
    }

    #[test]
    fn sms_party_rule() {
        table(
            "sms_party",
            sms_party,
            &[
                "+12223334456",
                "+4",
                "100",
                "z64xxx2n",
                "Z",
                "a".repeat(64).as_str(),
                "0",
            ],
            &[
                "+",
                "+0",
                "+1 222",
                "+1234567890123456",
                "a b",
                "100@default",
                "a-b",
                "a_b",
                "a".repeat(65).as_str(),
                "+12a",
            ],
            true,
        );
    }

    #[test]
    fn phone_digits_rule() {
        table(
            "phone_digits",
            phone_digits,
            &[
                "1112224444",
                "8155551234",
                "0000000000",
                "+18155551234",
                "+4",
                "+123456789012345",
            ],
            &[
                "111222444",
                "11122244445",
                "111-222-4444",
                "(111) 2224444",
                "+",
                "+0111",
                "+1234567890123456",
                "1112224444 ",
                "+1 1112224444",
            ],
            true,
        );
    }

    #[test]
    fn us_state_rule() {
        table(
            "us_state",
            us_state,
            &[
                "IL", "il", "Il", "DC", "PR", "VI", "AS", "GU", "MP", "UM", "WY", "AK",
            ],
            &[
                "ON", "BC", "AA", "AE", "AP", "XX", "ILL", "I", "I1", "İL", "ＩＬ", " IL",
            ],
            true,
        );
        assert_eq!(canonical_us_state("il").as_deref(), Some("IL"));
        assert_eq!(canonical("us_state", "pr").as_deref(), Some("PR"));
        assert_eq!(US_STATES.len(), 57);
        assert!(US_STATES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn country_alpha2_rule() {
        table(
            "country_alpha2",
            country_alpha2,
            &["US", "us", "CA", "GB", "gb", "DE", "AX", "ZW", "SS", "BQ"],
            &[
                "UK", "XK", "EU", "USA", "U", "ZZ", "AA", "U1", "ＵＳ", " US",
            ],
            true,
        );
        assert!(country_alpha2("UK").unwrap_err().contains("GB"));
        assert_eq!(canonical_country_alpha2("ca").as_deref(), Some("CA"));
        assert_eq!(COUNTRY_ALPHA2.len(), 249);
        assert!(COUNTRY_ALPHA2.windows(2).all(|w| w[0] < w[1]));
        assert!(
            COUNTRY_ALPHA2
                .iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn zip_code_rule() {
        table(
            "zip_code",
            zip_code,
            &["60601", "00501", "60601-1234", "99950"],
            &[
                "6060",
                "606011",
                "60601-123",
                "60601-12345",
                "60601 1234",
                "6060a",
                "60601-",
                "-1234",
                "60601–1234",
                "６０６０１",
            ],
            true,
        );
    }

    #[test]
    fn date_rule() {
        table(
            "date",
            date,
            &[
                "2024-02-29",
                "2000-02-29",
                "2023-12-31",
                "0001-01-01",
                "9999-12-31",
                "2024-04-30",
            ],
            &[
                "2023-02-29",
                "1900-02-29",
                "2024-04-31",
                "2024-13-01",
                "2024-00-10",
                "2024-01-00",
                "0000-01-01",
                "2024-1-01",
                "24-01-01",
                "2024/01/01",
                "2024-01-01 ",
                "2024-01-01 00:00:00",
                "２０２４-01-01",
            ],
            true,
        );
        assert!(
            date("2023-02-29")
                .unwrap_err()
                .contains("2023-02 has days 01 to 28")
        );
    }

    #[test]
    fn datetime_rule() {
        table(
            "datetime",
            datetime,
            &[
                "2024-02-29 13:45:00",
                "2024-01-01 00:00:00",
                "2024-12-31 23:59:59",
            ],
            &[
                "2024-01-01 24:00:00",
                "2024-01-01 23:60:00",
                "2024-01-01 23:59:60",
                "2024-01-01T00:00:00",
                "2024-01-01 0:00:00",
                "2024-01-01",
                "2023-02-29 00:00:00",
                "2024-01-01 00:00",
                "2024-01-01  00:00:00",
                "2024-01-01 00:00:00Z",
            ],
            true,
        );
    }

    #[test]
    fn datetime_or_unix_rule() {
        table(
            "datetime_or_unix",
            datetime_or_unix,
            &[
                "2024-02-29 13:45:00",
                "0",
                "1525443917",
                "9999999999",
                "05/01/2017 10:58 am",
                "07/30/2017 10:58am",
                "7/4/2024 12:00 PM",
                "12/31/2024 12:59 am",
                "2/29/2024 1:05pm",
            ],
            &[
                "15254439170",
                "-1",
                "2024-02-30 00:00:00",
                "13/01/2017 10:58 am",
                "02/30/2017 10:58 am",
                "05/01/2017 13:58 am",
                "05/01/2017 0:58 am",
                "05/01/2017 10:60 am",
                "05/01/2017 10:58",
                "05/01/17 10:58 am",
                "05/01/2017 10:58 xm",
                "05/01/2017  10:58 am",
                "05/01/2017 10:58  am",
                "2017-05-01",
                "1525443917.5",
                "05/01/2017 10:5 am",
            ],
            true,
        );
        assert_eq!(
            canonical_datetime_or_unix("05/01/2017 10:58 am").as_deref(),
            Some("2017-05-01 10:58:00")
        );
        assert_eq!(
            canonical_datetime_or_unix("07/30/2017 10:58am").as_deref(),
            Some("2017-07-30 10:58:00")
        );
        assert_eq!(
            canonical_datetime_or_unix("12/31/2024 12:59 am").as_deref(),
            Some("2024-12-31 00:59:00")
        );
        assert_eq!(
            canonical_datetime_or_unix("7/4/2024 12:00 PM").as_deref(),
            Some("2024-07-04 12:00:00")
        );
        assert_eq!(
            canonical_datetime_or_unix("2/29/2024 1:05pm").as_deref(),
            Some("2024-02-29 13:05:00")
        );
        assert_eq!(
            canonical_datetime_or_unix("1525443917").as_deref(),
            Some("1525443917")
        );
        assert_eq!(
            canonical_datetime_or_unix("2024-02-29 13:45:00").as_deref(),
            Some("2024-02-29 13:45:00")
        );
        assert_eq!(
            canonical("datetime_or_unix", "05/01/2017 10:58 am").as_deref(),
            Some("2017-05-01 10:58:00")
        );
    }

    #[test]
    fn max_chars_rule() {
        assert_eq!(max_chars("", 0), Ok(()));
        assert_eq!(max_chars(&"é".repeat(200), 200), Ok(()));
        assert_eq!(max_chars(&"\u{1F600}".repeat(200), 200), Ok(()));
        let invalid = [
            "x".repeat(201),
            "é".repeat(201),
            "\u{1F600}".repeat(201),
            "\0".repeat(201),
            "٣".repeat(201),
            "x".repeat(1 << 20),
            " ".repeat(201),
            "a\u{301}".repeat(101),
        ];
        for v in &invalid {
            let why = max_chars(v, 200).unwrap_err();
            assert!(why.contains("at most 200"), "{why}");
            assert!(matches!(check("max_chars(200)", v), Some(Err(_))));
        }
        assert!(max_chars("ab", 1).unwrap_err().contains("(it has 2)"));
        assert_eq!(check("max_chars( 3 )", "abc"), Some(Ok(())));
        assert_eq!(check("max_chars", "abc"), None);
        assert_eq!(check("max_chars(x)", "abc"), None);
        assert_eq!(check("max_chars(3", "abc"), None);
    }

    #[test]
    fn timezone_rule() {
        table(
            "timezone",
            timezone,
            &[
                "UTC",
                "America/Chicago",
                "America/Argentina/Buenos_Aires",
                "Etc/GMT+5",
                "Etc/GMT-14",
                "America/Port-au-Prince",
                "US/Central",
            ],
            &[
                "utc",
                "Chicago",
                "America/",
                "/Chicago",
                "America//Chicago",
                "America/Chicago ",
                "America/1Chicago",
                "Америка/Чикаго",
                "America/Chi cago",
                "GMT",
            ],
            true,
        );
    }

    #[test]
    fn custom_field_name_rule() {
        table(
            "custom_field_name",
            custom_field_name,
            &["a", "Account_ID", "x-1", "0", "_", "a".repeat(64).as_str()],
            &[
                "a.b",
                "a b",
                "a[b]",
                "a:b",
                "é",
                "a".repeat(65).as_str(),
                "custom:x",
                "a/b",
                "a+b",
                "a%5Bb",
            ],
            true,
        );
    }

    #[test]
    fn dispatch_knows_every_rule() {
        for name in RULE_NAMES {
            let rule = if *name == "max_chars" {
                "max_chars(5)".to_owned()
            } else {
                (*name).to_owned()
            };
            assert!(check(&rule, "x").is_some(), "{name}");
        }
        assert_eq!(check("no_such_rule", "x"), None);
        assert_eq!(check("digits(3)", "1"), None);
        assert_eq!(canonical("digits", "1"), None);
        assert_eq!(canonical("nanp_phone", "911"), None);
    }

    #[test]
    fn rules_match_spec_names() {
        // spec/rules.toml is the source of the names; keep RULE_NAMES in step with it.
        let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/rules.toml");
        let Ok(text) = std::fs::read_to_string(&spec) else {
            eprintln!("SKIPPED: {} not found", spec.display());
            return;
        };
        let names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("name = \""))
            .filter_map(|l| l.strip_suffix('"'))
            .collect();
        let mut a: Vec<&str> = names.clone();
        let mut b: Vec<&str> = RULE_NAMES.to_vec();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }

    #[test]
    fn rules_never_panic_on_odd_input() {
        let odd = [
            "\u{FEFF}",
            "+",
            "+1",
            "1/",
            "1/1/",
            "1/1/2024 ",
            "1/1/2024 1:",
            "1/1/2024 1:00",
            "é/é/éééé é:éé am",
            "/",
            "-",
            "٣/٣/٣٣٣٣ ٣:٣٣ am",
        ];
        for v in odd {
            for name in RULE_NAMES {
                let rule = if *name == "max_chars" {
                    "max_chars(1)".to_owned()
                } else {
                    (*name).to_owned()
                };
                let _ = check(&rule, v);
                let _ = canonical(&rule, v);
            }
        }
    }
}
