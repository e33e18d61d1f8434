//! The one error type of the SDK.

use crate::format::Format;
use std::fmt;

/// Why a call failed. Transports add their own failures through [`Error::Transport`] and
/// [`Error::Status`]; everything else is produced by the sans-IO core.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request was rejected before anything was sent.
    Invalid(InvalidRequest),
    /// The server answered with its error shape (`result: error`, or plain `-1`).
    Server {
        /// The server's message, verbatim (empty for a plain `-1`).
        message: String,
    },
    /// The body could not be decoded.
    Decode(DecodeError),
    /// The request could not be encoded without loss (for example PHP's `max_input_vars`).
    Encode(String),
    /// The server answered with a non-success HTTP status.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The start of the body, for diagnosis (never contains request credentials).
        body_excerpt: String,
    },
    /// Connecting, sending or receiving failed.
    Transport(String),
    /// Client configuration is incomplete or wrong, or it asks for a format or encoding this
    /// build was compiled without (see [`Format::is_supported`]).
    Config(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(e) => fmt::Display::fmt(e, f),
            Error::Server { message } => write!(f, "server error: {message}"),
            Error::Decode(e) => fmt::Display::fmt(e, f),
            Error::Encode(m) => write!(f, "cannot encode request: {m}"),
            Error::Status {
                status,
                body_excerpt,
            } if body_excerpt.is_empty() => write!(f, "HTTP status {status}"),
            Error::Status {
                status,
                body_excerpt,
            } => write!(f, "HTTP status {status}: {body_excerpt}"),
            Error::Transport(m) => write!(f, "transport error: {m}"),
            Error::Config(m) => write!(f, "configuration error: {m}"),
        }
    }
}

impl std::error::Error for Error {
    // `Invalid` and `Decode` are transparent: their text is already this error's text, so
    // they are not repeated as a source.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Invalid(e) => e.source(),
            Error::Decode(e) => e.source(),
            _ => None,
        }
    }
}

impl From<InvalidRequest> for Error {
    fn from(e: InvalidRequest) -> Self {
        Error::Invalid(e)
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}

/// A request field failed validation: which field, what value, which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRequest {
    /// The field's wire name (for nested fields a path such as `filter_groups[0].rules[1].value`).
    pub field: String,
    /// The offending value (truncated to 64 characters; empty when the field is missing).
    pub value: String,
    /// The rule that failed, by its spec name (e.g. `nanp_phone`, `required`).
    pub rule: &'static str,
    /// What is allowed, in words.
    pub reason: String,
    value_shown: String,
}

impl InvalidRequest {
    /// A new validation failure for `field` holding `value`.
    pub fn new(
        field: impl Into<String>,
        value: &str,
        rule: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        let mut value_trunc: String = value.chars().take(64).collect();
        if value.chars().count() > 64 {
            value_trunc.push('…');
        }
        let value_shown = if value.is_empty() {
            String::new()
        } else {
            format!("{value_trunc:?}")
        };
        InvalidRequest {
            field: field.into(),
            value: value_trunc,
            rule,
            reason: reason.into(),
            value_shown,
        }
    }

    /// A required field that is missing or empty.
    pub fn missing(field: impl Into<String>) -> Self {
        Self::new(field, "", "required", "is required")
    }

    /// Prefixes the field path with a parent (`parent[i].field`).
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value_shown.is_empty() {
            write!(f, "invalid `{}`: {}", self.field, self.reason)
        } else {
            write!(
                f,
                "invalid `{}`: {} {}",
                self.field, self.value_shown, self.reason
            )
        }
    }
}

impl std::error::Error for InvalidRequest {}

/// Where in a body decoding failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// One-based line and column.
    LineColumn {
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
    },
    /// Zero-based byte offset.
    Offset(usize),
    /// Unknown (for example a missing field noticed after the whole body was read).
    Unknown,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::LineColumn { line, column } => write!(f, "line {line}, column {column}"),
            Position::Offset(o) => write!(f, "byte {o}"),
            Position::Unknown => f.write_str("end of document"),
        }
    }
}

/// A body that could not be decoded: the format, where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The format being decoded.
    pub format: Format,
    /// Where decoding stopped.
    pub position: Position,
    /// What was expected or what went wrong.
    pub message: String,
}

impl DecodeError {
    /// A new decode error.
    pub fn new(format: Format, position: Position, message: impl Into<String>) -> Self {
        DecodeError {
            format,
            position,
            message: message.into(),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decode {} response at {}: {}",
            self.format, self.position, self.message
        )
    }
}

impl std::error::Error for DecodeError {}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
