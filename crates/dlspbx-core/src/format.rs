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

    /// The format named by an `Accept` header value, if any media type in it is known.
    pub fn from_accept(accept: &str) -> Option<Format> {
        accept.split(',').find_map(|part| {
            let media = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            match media.as_str() {
                "application/json" | "text/json" => Some(Format::Json),
                "application/xml" | "text/xml" => Some(Format::Xml),
                "application/x-yaml" | "application/yaml" | "text/yaml" | "text/x-yaml" => {
                    Some(Format::Yaml)
                }
                "text/csv" => Some(Format::Csv),
                "text/plain" => Some(Format::Plain),
                _ => None,
            }
        })
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
