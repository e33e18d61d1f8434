//! Validation rules named in `spec/rules.toml`.
//!
//! One function per rule, `fn rule(value: &str) -> Result<(), String>` (and
//! [`max_chars`]`(value, n)`), where the error is a short reason a user can act on. It reads
//! after the value in [`crate::InvalidRequest`]'s message
//! (`invalid `phone_number`: "911" must be ...`). The definitions are the `note`s of
//! `spec/rules.toml`, exactly; the rule functions never panic and run in time linear in the
//! value's length.
//!
//! Rules that send a canonical form of the value (`nanp_phone`, `phone_digits`,
//! `sms_destination`, `us_state`, `country_alpha2`, `datetime`, `datetime_or_unix`,
//! `timezone`) have a `canonical_*` function (and [`normalize_nanp`]); [`canonical`] and
//! [`check`] dispatch by the rule's spec name for the simulator and the generated code. What a
//! phone number, a date and time or a time zone is comes from [`crate::scalar`], the one home
//! of the scalar vocabulary; the rules add what each field accepts of it.

use crate::scalar::{self, When, describe, nanp_digits};

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
/// (`nanp_phone` / `phone_digits` → 10 digits, `sms_destination` → E.164, `us_state` /
/// `country_alpha2` → upper case, `datetime` / `datetime_or_unix` → `YYYY-MM-DD HH:MM:SS`,
/// `timezone` → the database's spelling). `None` when the value is invalid
/// or the rule sends values unchanged (then send `value` as it is).
pub fn canonical(rule: &str, value: &str) -> Option<String> {
    let (name, _) = split_rule(rule)?;
    match name {
        "nanp_phone" => normalize_nanp(value),
        "sms_destination" => canonical_sms_destination(value),
        "us_state" => canonical_us_state(value),
        "country_alpha2" => canonical_country_alpha2(value),
        "datetime" => canonical_datetime(value),
        "datetime_or_unix" => canonical_datetime_or_unix(value),
        "phone_digits" => canonical_phone_digits(value),
        "timezone" => canonical_timezone(value),
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

/// `timezone`: a name in the IANA time zone database (jiff's bundled copy, see
/// [`scalar::time_zone`]) such as `America/Chicago` or `UTC`, in any case; sent as the
/// database spells it ([`canonical_timezone`]).
pub fn timezone(value: &str) -> Result<(), String> {
    scalar::time_zone(value).map(|_| ()).map_err(|e| {
        format!(
            "must be an IANA time zone name such as America/Chicago, or UTC (`{}` is not in the time zone database)",
            e.name()
        )
    })
}

/// The database's spelling of a valid [`timezone`] (`america/chicago` → `America/Chicago`).
pub fn canonical_timezone(value: &str) -> Option<String> {
    scalar::time_zone(value)
        .ok()?
        .iana_name()
        .map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------------

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

/// `phone_digits`: exactly 10 ASCII digits or E.164 (`+`, 1 to 15 digits, the first 1-9),
/// sent unchanged; or a formatted North American number that [`nanp_phone`] accepts
/// (`(815) 555-1234`), sent as its 10 digits ([`canonical_phone_digits`]).
pub fn phone_digits(value: &str) -> Result<(), String> {
    phone_digits_canon(value).map(|_| ())
}

/// The value [`phone_digits`] sends (`(815) 555-1234` → `8155551234`), `None` when it is
/// invalid.
pub fn canonical_phone_digits(value: &str) -> Option<String> {
    phone_digits_canon(value).ok()
}

fn phone_digits_canon(value: &str) -> Result<String, String> {
    const HINT: &str = "must be 10 digits (e.g. 8155551234), a number in E.164 format (e.g. +18155551234), or a North American number such as (815) 555-1234";
    let plain = e164(value).map(|()| value.starts_with('+'));
    if (value.len() == 10 && value.bytes().all(|b| b.is_ascii_digit())) || plain == Ok(true) {
        return Ok(value.to_owned());
    }
    match nanp_digits(value) {
        Ok(d) => Ok(d.iter().map(|&b| char::from(b)).collect()),
        Err(_) if value.starts_with('+') => Err(format!(
            "{E164_HINT}; it {}",
            plain.err().unwrap_or_default()
        )),
        Err(why) => Err(match why.split_once("; ") {
            Some((_, detail)) => format!("{HINT}; {detail}"),
            None => HINT.to_owned(),
        }),
    }
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

/// `date`: `YYYY-MM-DD`, zero-padded, a real Gregorian date (leap years included), year
/// 0001-9999.
pub fn date(value: &str) -> Result<(), String> {
    const HINT: &str = "must be a date as YYYY-MM-DD, e.g. 2024-02-29";
    scalar::read_date(value.as_bytes()).map_err(|why| match why.is_empty() {
        true => HINT.to_owned(),
        false => format!("{HINT}; it {why}"),
    })
}

/// `datetime`: a wall-clock date and time in one of [`scalar::DATETIME_FORMS`] (a date alone
/// is midnight), sent as `YYYY-MM-DD HH:MM:SS` ([`canonical_datetime`]).
pub fn datetime(value: &str) -> Result<(), String> {
    scalar::read_datetime(value, false).map(|_| ())
}

/// The value [`datetime`] sends (`2024-06-01` → `2024-06-01 00:00:00`), `None` when it is
/// invalid.
pub fn canonical_datetime(value: &str) -> Option<String> {
    scalar::read_datetime(value, false)
        .ok()
        .map(|w| w.to_wire())
}

/// `datetime_or_unix`: what [`datetime`] accepts (sent as `YYYY-MM-DD HH:MM:SS`), or an
/// instant: 1 to 10 ASCII digits, a Unix timestamp (sent unchanged), or RFC 3339 with `Z` or
/// an offset (sent as its Unix timestamp) ([`canonical_datetime_or_unix`]).
pub fn datetime_or_unix(value: &str) -> Result<(), String> {
    scalar::read_datetime(value, true).map(|_| ())
}

/// The value [`datetime_or_unix`] sends (`07/30/2017 10:58am` → `2017-07-30 10:58:00`), `None`
/// when it is invalid.
pub fn canonical_datetime_or_unix(value: &str) -> Option<String> {
    match scalar::read_datetime(value, true).ok()? {
        When::Unix(_) if value.bytes().all(|b| b.is_ascii_digit()) => Some(value.to_owned()),
        w => Some(w.to_wire()),
    }
}

// ---------------------------------------------------------------------------------------------

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
                "(911) 555-1234",
            ],
            true,
        );
        for (given, sent) in [
            ("(815) 555-1234", "8155551234"),
            ("+1 815 555 1234", "8155551234"),
            ("1112224444", "1112224444"),
            ("+18155551234", "+18155551234"),
        ] {
            assert_eq!(phone_digits(given), Ok(()), "{given}");
            assert_eq!(
                canonical("phone_digits", given).as_deref(),
                Some(sent),
                "{given}"
            );
        }
        assert!(phone_digits("(911) 555-1234").unwrap_err().contains("N11"));
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
                "2024-01-01T00:00:00",
                "2024-01-01",
                "2024-01-01 00:00",
                "05/01/2017 10:58 am",
            ],
            &[
                "2024-01-01 24:00:00",
                "2024-01-01 23:60:00",
                "2024-01-01 23:59:60",
                "2024-01-01 0:00:00",
                "2023-02-29 00:00:00",
                "2024-01-01  00:00:00",
                "2024-01-01 00:00:00Z",
                "2024-01-01 00:00:00 ",
                "1525443917",
            ],
            true,
        );
        for (given, sent) in [
            ("2024-01-01", "2024-01-01 00:00:00"),
            ("2024-01-01T08:30", "2024-01-01 08:30:00"),
            ("2024-02-29 13:45:00", "2024-02-29 13:45:00"),
            ("7/4/2024 12:00 PM", "2024-07-04 12:00:00"),
        ] {
            assert_eq!(
                canonical("datetime", given).as_deref(),
                Some(sent),
                "{given}"
            );
        }
        let why = datetime("2024-01-01 00:00:00Z").unwrap_err();
        assert!(why.contains(crate::scalar::DATETIME_FORMS), "{why}");
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
                "2017-05-01",
                "2017-05-01T10:58",
                "2017-05-01T10:58:00Z",
                "2017-05-01 10:58:00-05:00",
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
                "2017-05-01T10:58:00+5",
                "1525443917.5",
                "05/01/2017 10:5 am",
            ],
            true,
        );
        for (given, sent) in [
            ("05/01/2017 10:58 am", "2017-05-01 10:58:00"),
            ("07/30/2017 10:58am", "2017-07-30 10:58:00"),
            ("12/31/2024 12:59 am", "2024-12-31 00:59:00"),
            ("7/4/2024 12:00 PM", "2024-07-04 12:00:00"),
            ("2/29/2024 1:05pm", "2024-02-29 13:05:00"),
            ("1525443917", "1525443917"),
            ("2024-02-29 13:45:00", "2024-02-29 13:45:00"),
        ] {
            assert_eq!(
                canonical_datetime_or_unix(given).as_deref(),
                Some(sent),
                "{given}"
            );
        }
        for (given, sent) in [
            ("05/01/2017 10:58 am", "2017-05-01 10:58:00"),
            ("2017-05-01", "2017-05-01 00:00:00"),
            ("2017-05-01T10:58:00-05:00", "1493654280"),
        ] {
            let canon = canonical("datetime_or_unix", given);
            assert_eq!(canon.as_deref(), Some(sent), "{given}");
        }
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
                "utc",
                "GMT",
                "america/chicago",
            ],
            &[
                "Mars/Base",
                "Chicago",
                "America/",
                "/Chicago",
                "America//Chicago",
                "America/Chicago ",
                "America/1Chicago",
                "Америка/Чикаго",
                "America/Chi cago",
                "Etc/GMT+15",
            ],
            true,
        );
        assert_eq!(
            canonical("timezone", "america/chicago").as_deref(),
            Some("America/Chicago")
        );
        assert_eq!(canonical("timezone", "utc").as_deref(), Some("UTC"));
        assert!(timezone("Mars/Base").unwrap_err().contains("`Mars/Base`"));
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
