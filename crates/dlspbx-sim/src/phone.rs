//! Phone number helpers: the canonical forms the simulator stores and matches on.

use dlspbx_core::rules::normalize_nanp;

/// The 10 digits of a North American number, by the core's one NANP rule
/// ([`normalize_nanp`]: punctuation, a leading `1` or `+1`, NPA and NXX checked); `None` for
/// anything else.
pub fn nanp10(s: &str) -> Option<String> {
    normalize_nanp(s.trim())
}

/// The form a number is stored and matched in: 10 digits for North American numbers, `+` and
/// the digits for other E.164 numbers, the trimmed text otherwise (extensions, auth IDs).
pub fn canonical(s: &str) -> String {
    let t = s.trim();
    if let Some(n) = nanp10(t) {
        return n;
    }
    if let Some(rest) = t.strip_prefix('+')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        return t.to_owned();
    }
    t.to_owned()
}

/// True for 10 ASCII digits.
pub fn is_10_digits(s: &str) -> bool {
    s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `(847)854-4799`: the report's `formatted_tns` form of a 10-digit number; other text unchanged.
pub fn format_tn(s: &str) -> String {
    if is_10_digits(s) {
        format!("({}){}-{}", &s[..3], &s[3..6], &s[6..])
    } else {
        s.to_owned()
    }
}

/// `(847) 854-4799`: how labels show a 10-digit number (the reference's sample labels).
pub fn label(s: &str) -> String {
    if is_10_digits(s) {
        format!("({}) {}-{}", &s[..3], &s[3..6], &s[6..])
    } else {
        s.to_owned()
    }
}

/// NPA, NXX and subscriber number of a 10-digit number; empty parts otherwise.
pub fn parts(s: &str) -> (String, String, String) {
    if is_10_digits(s) {
        (s[..3].to_owned(), s[3..6].to_owned(), s[6..].to_owned())
    } else {
        (String::new(), String::new(), String::new())
    }
}

/// Toll-free NPAs of the NANP.
pub fn is_tollfree(s: &str) -> bool {
    is_10_digits(s)
        && matches!(
            &s[..3],
            "800" | "833" | "844" | "855" | "866" | "877" | "888"
        )
}

/// True for an E.164 number outside country code 1.
pub fn is_international(s: &str) -> bool {
    s.starts_with('+') && !s.starts_with("+1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(nanp10("(847) 854-4799").as_deref(), Some("8478544799"));
        assert_eq!(nanp10("+18478544799").as_deref(), Some("8478544799"));
        assert_eq!(nanp10("18478544799").as_deref(), Some("8478544799"));
        assert_eq!(nanp10("100"), None);
        assert_eq!(canonical("+442071234567"), "+442071234567");
        assert_eq!(canonical("100"), "100");
        assert_eq!(format_tn("8478544799"), "(847)854-4799");
        assert_eq!(label("8478544799"), "(847) 854-4799");
        assert!(is_tollfree("8005551234"));
    }
}
