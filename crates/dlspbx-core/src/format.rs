//! Response formats and request encodings.

use std::fmt;
use std::str::FromStr;

/// A response format the server can write (`api_format` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// `application/json` (the server's default).
    #[default]
    Json,
    /// `application/xml`, PHP style: a `<response>` root, lists as `<array>`/`<value>` items.
    Xml,
    /// `application/x-yaml`, as written by php-yaml's `yaml_emit`.
    Yaml,
    /// `text/csv`: key-path rows, or a table with a header row for tabular results.
    Csv,
    /// `text/plain`: a single integer, the related resource's ID (or `0`), `-1` on error.
    Plain,
}

impl Format {
    /// Every format, in the reference's order.
    pub const ALL: [Format; 5] = [
        Format::Json,
        Format::Xml,
        Format::Yaml,
        Format::Csv,
        Format::Plain,
    ];

    /// The value of the `api_format` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
            Format::Yaml => "yaml",
            Format::Csv => "csv",
            Format::Plain => "plain",
        }
    }

    /// The media type sent in `Accept` and expected in `Content-Type`.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "application/xml",
            Format::Yaml => "application/x-yaml",
            Format::Csv => "text/csv",
            Format::Plain => "text/plain",
        }
    }

    /// Whether this build can decode and write the format: JSON, XML, YAML and CSV each need
    /// the crate feature of the same name (`json` is on by default); plain text is always there.
    /// A request for a format that is not supported fails with [`Error::Config`](crate::Error)
    /// before anything is sent.
    ///
    /// ```
    /// use dlspbx_core::Format;
    ///
    /// assert!(Format::Plain.is_supported());
    /// assert_eq!(Format::Xml.is_supported(), cfg!(feature = "xml"));
    /// ```
    pub const fn is_supported(self) -> bool {
        match self {
            Format::Json => cfg!(feature = "json"),
            Format::Xml => cfg!(feature = "xml"),
            Format::Yaml => cfg!(feature = "yaml"),
            Format::Csv => cfg!(feature = "csv"),
            Format::Plain => true,
        }
    }

    /// The crate feature that compiles this format in (`None` for plain text, always there).
    pub const fn feature(self) -> Option<&'static str> {
        match self {
            Format::Json => Some("json"),
            Format::Xml => Some("xml"),
            Format::Yaml => Some("yaml"),
            Format::Csv => Some("csv"),
            Format::Plain => None,
        }
    }

    /// `Ok(self)` when [`is_supported`](Self::is_supported), else the [`Error::Config`](crate::Error)
    /// that names the missing feature: "this build of dlspbx has no XML support; enable the
    /// `xml` feature".
    pub fn require(self) -> crate::Result<Format> {
        if self.is_supported() {
            return Ok(self);
        }
        Err(unsupported(
            &self.as_str().to_ascii_uppercase(),
            self.feature().unwrap_or(""),
        ))
    }

    /// The format an `Accept` header asks for, by RFC 9110's content negotiation (section
    /// 12.5.1), or `None` when it accepts none of the formats.
    ///
    /// Each format takes the weight (`q`, 1 when not given) of the most specific range that
    /// matches it: its media type (or an alias: `text/json`, `text/xml`, `application/yaml`,
    /// `text/yaml`, `text/x-yaml`), then `type/*`, then `*/*`. `q=0` means "not acceptable".
    /// The format with the highest weight wins; between equal weights the one whose range comes
    /// first in the header, and between formats matched by the same wildcard the first of
    /// [`Format::ALL`], so `*/*` means JSON, `application/*` JSON and `text/*` CSV. An element
    /// with an unreadable weight is ignored.
    ///
    /// ```
    /// use dlspbx_core::Format;
    ///
    /// assert_eq!(Format::from_accept("application/xml;q=0.9, text/csv"), Some(Format::Csv));
    /// assert_eq!(Format::from_accept("text/csv;q=0.5, */*;q=0.5"), Some(Format::Csv));
    /// assert_eq!(Format::from_accept("*/*"), Some(Format::Json));
    /// assert_eq!(Format::from_accept("application/json;q=0, */*"), Some(Format::Xml));
    /// assert_eq!(Format::from_accept("text/html"), None);
    /// ```
    pub fn from_accept(accept: &str) -> Option<Format> {
        /// How a range matched a format: the most specific first.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        enum Match {
            Any,
            Type,
            Exact,
        }
        // Per format: (specificity, weight in thousandths, position in the header).
        let mut best: [Option<(Match, u16, usize)>; 5] = [None; 5];
        for (position, element) in accept.split(',').enumerate() {
            let mut parts = element.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let Some((ty, sub)) = media.split_once('/') else {
                continue;
            };
            let mut weight = Some(1000);
            for param in parts {
                if let Some((name, value)) = param.split_once('=')
                    && name.trim().eq_ignore_ascii_case("q")
                {
                    weight = qvalue(value.trim());
                }
            }
            let Some(weight) = weight else {
                continue;
            };
            for (i, format) in Format::ALL.into_iter().enumerate() {
                let how = if sub == "*" && ty == "*" {
                    Match::Any
                } else if sub == "*" && format.media_type().split('/').next() == Some(ty) {
                    Match::Type
                } else if format.media_types().contains(&media.as_str()) {
                    Match::Exact
                } else {
                    continue;
                };
                if best[i].is_none_or(|(seen, ..)| how > seen) {
                    best[i] = Some((how, weight, position));
                }
            }
        }
        Format::ALL
            .into_iter()
            .zip(best)
            .filter_map(|(format, b)| b.map(|(_, w, pos)| (format, w, pos)))
            .filter(|&(_, w, _)| w > 0)
            // `min_by_key` keeps the first of equal keys: Format::ALL's order.
            .min_by_key(|&(_, w, pos)| (std::cmp::Reverse(w), pos))
            .map(|(format, ..)| format)
    }

    /// Every media type read as this format: [`media_type`](Self::media_type) first, then
    /// its aliases.
    fn media_types(self) -> &'static [&'static str] {
        match self {
            Format::Json => &["application/json", "text/json"],
            Format::Xml => &["application/xml", "text/xml"],
            Format::Yaml => &[
                "application/x-yaml",
                "application/yaml",
                "text/yaml",
                "text/x-yaml",
            ],
            Format::Csv => &["text/csv"],
            Format::Plain => &["text/plain"],
        }
    }
}

/// An RFC 9110 `qvalue` in thousandths: `0`, `0.5`, `0.125`, `1`, `1.000`; `None` otherwise.
fn qvalue(text: &str) -> Option<u16> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "xml" => Ok(Format::Xml),
            "yaml" | "yml" => Ok(Format::Yaml),
            "csv" => Ok(Format::Csv),
            "plain" | "text" => Ok(Format::Plain),
            _ => Err(format!(
                "unknown format `{s}`; expected one of json, xml, yaml, csv, plain"
            )),
        }
    }
}

/// How request fields are put in the POST body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// `application/x-www-form-urlencoded` with PHP-style nested keys (the default).
    #[default]
    Form,
    /// `application/json` body.
    Json,
    /// `application/xml` body with a `<request>` root.
    Xml,
}

impl Encoding {
    /// The `Content-Type` of a body in this encoding.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Form => "application/x-www-form-urlencoded",
            Encoding::Json => "application/json",
            Encoding::Xml => "application/xml",
        }
    }

    /// The encoding of a body with the given `Content-Type`.
    pub fn from_content_type(ct: &str) -> Option<Encoding> {
        let media = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/x-www-form-urlencoded" => Some(Encoding::Form),
            "application/json" | "text/json" => Some(Encoding::Json),
            "application/xml" | "text/xml" => Some(Encoding::Xml),
            _ => None,
        }
    }
}

impl Encoding {
    /// Whether this build can write (and parse) request bodies in this encoding: XML bodies
    /// need the `xml` feature; form and JSON bodies are always available (a form body over PHP's
    /// limits falls back to JSON).
    pub const fn is_supported(self) -> bool {
        match self {
            Encoding::Form | Encoding::Json => true,
            Encoding::Xml => cfg!(feature = "xml"),
        }
    }

    /// `Ok(self)` when [`is_supported`](Self::is_supported), else the
    /// [`Error::Config`](crate::Error) that names the missing feature.
    pub fn require(self) -> crate::Result<Encoding> {
        if self.is_supported() {
            return Ok(self);
        }
        Err(unsupported("XML request body", "xml"))
    }
}

/// The error for a format or encoding compiled out of this build.
fn unsupported(what: &str, feature: &str) -> crate::Error {
    crate::Error::Config(crate::error::ConfigError::new(
        crate::error::ConfigKind::Unsupported,
        format!(
            "this build of dlspbx has no {what} support; enable the `{feature}` feature of \
             dlspbx (or dlspbx-async, dlspbx-core)"
        ),
    ))
}

impl FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "form" => Ok(Encoding::Form),
            "json" => Ok(Encoding::Json),
            "xml" => Ok(Encoding::Xml),
            _ => Err(format!(
                "unknown request encoding `{s}`; expected one of form, json, xml"
            )),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Form => "form",
            Encoding::Json => "json",
            Encoding::Xml => "xml",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_follows_rfc_9110_weights() {
        let cases: &[(&str, Option<Format>)] = &[
            ("application/xml;q=0.9, text/csv", Some(Format::Csv)),
            ("application/xml, text/csv", Some(Format::Xml)),
            ("text/csv, application/xml", Some(Format::Csv)),
            ("text/csv;q=0.5, application/xml;q=0.5", Some(Format::Csv)),
            (
                "application/xml ; Q=0.2 , text/plain;q=0.3",
                Some(Format::Plain),
            ),
            ("*/*", Some(Format::Json)),
            ("*/*;q=0.1, application/x-yaml", Some(Format::Yaml)),
            ("application/*", Some(Format::Json)),
            ("text/*", Some(Format::Csv)),
            ("text/csv;q=0, text/*", Some(Format::Plain)),
            ("application/json;q=0, */*", Some(Format::Xml)),
            ("application/xml;q=0", None),
            ("text/html, image/png", None),
            ("text/html, */*;q=0.8", Some(Format::Json)),
            ("TEXT/XML", Some(Format::Xml)),
            ("application/yaml;charset=utf-8", Some(Format::Yaml)),
            // An unreadable weight drops its element.
            ("application/xml;q=2, text/csv;q=0.1", Some(Format::Csv)),
            (
                "application/xml;q=0.1234, text/csv;q=0.001",
                Some(Format::Csv),
            ),
            ("", None),
        ];
        for (accept, want) in cases {
            assert_eq!(Format::from_accept(accept), *want, "{accept:?}");
        }
    }

    #[test]
    fn qvalues() {
        assert_eq!(qvalue("1"), Some(1000));
        assert_eq!(qvalue("1.000"), Some(1000));
        assert_eq!(qvalue("0.5"), Some(500));
        assert_eq!(qvalue("0.125"), Some(125));
        assert_eq!(qvalue("0"), Some(0));
        assert_eq!(qvalue("0."), Some(0));
        for bad in ["1.5", "2", "-1", "0.1234", "x", "", ".5"] {
            assert_eq!(qvalue(bad), None, "{bad}");
        }
    }
}
