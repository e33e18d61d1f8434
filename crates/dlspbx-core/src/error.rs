//! The one error type of the SDK.

use crate::format::Format;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

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
    Encode(EncodeError),
    /// The server answered with a non-success HTTP status.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The start of the body, for diagnosis (never contains request credentials).
        body_excerpt: String,
    },
    /// Connecting, sending or receiving failed.
    Transport(TransportError),
    /// Client configuration is incomplete or wrong, or it asks for a format or encoding this
    /// build was compiled without (see [`Format::is_supported`]).
    Config(ConfigError),
    /// An object was used in a state that does not allow the call.
    State(StateError),
    /// The server's PHP stopped with a fatal error (or a parse error) printed where the body
    /// should be (`display_errors` on): a server error, with PHP's message.
    PhpFatal(crate::wire::preamble::PhpDiagnostic),
    /// The server answered an HTML page (a proxy's `502 Bad Gateway`, a login page) where a
    /// body in `format` was expected.
    /// (With an error status, the answer is [`Error::Status`]: the status says more.)
    HtmlPage {
        /// The format that was expected.
        format: Format,
        /// The page's `<title>`, if it has one.
        title: Option<String>,
    },
    /// A report cell could not be read as the type asked for (typed rows, [`CellError`]).
    Cell(CellError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(e) => fmt::Display::fmt(e, f),
            Error::Server { message } => write!(f, "server error: {message}"),
            Error::Decode(e) => fmt::Display::fmt(e, f),
            Error::Encode(e) => write!(f, "cannot encode request: {e}"),
            Error::Status {
                status,
                body_excerpt,
            } if body_excerpt.is_empty() => write!(f, "HTTP status {status}"),
            Error::Status {
                status,
                body_excerpt,
            } => write!(f, "HTTP status {status}: {body_excerpt}"),
            Error::Transport(e) => write!(f, "transport error: {e}"),
            Error::Config(e) => write!(f, "configuration error: {e}"),
            Error::State(e) => fmt::Display::fmt(e, f),
            Error::PhpFatal(d) => write!(f, "server error: {d}"),
            Error::Cell(e) => fmt::Display::fmt(e, f),
            Error::HtmlPage { format, title } => {
                f.write_str("the server answered an HTML page")?;
                if let Some(title) = title {
                    write!(f, " (title: {title})")?;
                }
                write!(
                    f,
                    " instead of {}",
                    crate::wire::preamble::format_name(*format)
                )
            }
        }
    }
}

impl std::error::Error for Error {
    // `Invalid` and `Decode` are transparent: their text is already this error's text, so
    // they are not repeated as a source. The details chain to the error that caused them.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Invalid(e) => e.source(),
            Error::Decode(e) => e.source(),
            Error::Encode(e) => e.source(),
            Error::Transport(e) => e.source(),
            Error::Config(e) => e.source(),
            Error::Cell(e) => e.source(),
            _ => None,
        }
    }
}

impl From<CellError> for Error {
    fn from(e: CellError) -> Self {
        Error::Cell(e)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        Error::Encode(e)
    }
}

/// The cause an [`ErrorDetail`] keeps: any error that can cross threads, shared so that the
/// detail can be cloned.
pub type SharedError = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// A failure of kind `K`, in words, with the error that caused it (if any) as its
/// [`source`](std::error::Error::source): the shape of [`TransportError`], [`ConfigError`]
/// and [`EncodeError`].
///
/// The message is complete on its own (it already includes the cause's text, as one line
/// `a: b: c`), so printing the error alone loses nothing; `source()` gives the cause itself,
/// for example to downcast it to [`std::io::Error`].
///
/// ```
/// use dlspbx_core::error::{TransportError, TransportKind};
/// use std::error::Error as _;
///
/// let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
/// let e = TransportError::caused_by(TransportKind::Io, io);
/// assert_eq!(e.kind(), TransportKind::Io);
/// assert_eq!(e.to_string(), "reset by peer");
/// let cause = e.source().unwrap().downcast_ref::<std::io::Error>().unwrap();
/// assert_eq!(cause.kind(), std::io::ErrorKind::ConnectionReset);
/// ```
#[derive(Debug, Clone)]
pub struct ErrorDetail<K> {
    kind: K,
    message: Cow<'static, str>,
    source: Option<SharedError>,
}

impl<K: Copy> ErrorDetail<K> {
    /// A failure described by `message`, with no underlying error.
    pub fn new(kind: K, message: impl Into<Cow<'static, str>>) -> Self {
        ErrorDetail {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// A failure caused by `source`, described by its text and its sources' (see [`chain`]).
    pub fn caused_by<E: std::error::Error + Send + Sync + 'static>(kind: K, source: E) -> Self {
        ErrorDetail {
            kind,
            message: chain(&source).into(),
            source: Some(Arc::new(source)),
        }
    }

    /// A failure described by `context`, then the text of `source` (`context: source`).
    pub fn context<E: std::error::Error + Send + Sync + 'static>(
        kind: K,
        context: &str,
        source: E,
    ) -> Self {
        ErrorDetail {
            kind,
            message: format!("{context}: {}", chain(&source)).into(),
            source: Some(Arc::new(source)),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> K {
        self.kind
    }

    /// The failure in words (the same text as [`Display`](fmt::Display)).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl<K> fmt::Display for ErrorDetail<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<K: fmt::Debug> std::error::Error for ErrorDetail<K> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// An error and its sources as one line (`a: b: c`), leaving out a source whose text the
/// line already holds (many errors repeat their cause in their own text).
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out
}

/// Connecting, sending or receiving failed: see [`TransportKind`].
pub type TransportError = ErrorDetail<TransportKind>;

/// What kind of [`TransportError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection could be made (refused, unreachable, name not resolved).
    Connect,
    /// No answer, or no data, arrived within a timeout.
    Timeout,
    /// The response body was larger than the client's `max_body_size`.
    BodyTooLarge,
    /// Sending or receiving failed once connected (reset, truncated body, TLS, protocol).
    Io,
}

/// Client configuration is incomplete or wrong: see [`ConfigKind`].
pub type ConfigError = ErrorDetail<ConfigKind>;

/// What kind of [`ConfigError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigKind {
    /// A required setting is not set anywhere (a front end such as the CLI names it in its
    /// own terms: a flag, a variable, a config file key).
    Missing(Setting),
    /// A setting's value is not one of those allowed.
    Invalid,
    /// The setting asks for something this build was compiled without (a format, an
    /// encoding, TLS, the config file): the message names the feature to enable.
    Unsupported,
    /// A file the configuration names cannot be read.
    Io,
    /// The HTTP stack refused the configuration (for example its TLS set-up).
    Transport,
}

/// A required setting of the client: see [`ConfigKind::Missing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The server's base URL (`ClientBuilder::base_url`, `url`, `DLSPBX_URL`).
    BaseUrl,
    /// The API user (`ClientBuilder::api_user`, `api_user`, `DLSPBX_API_USER`).
    ApiUser,
    /// The API key (`ClientBuilder::api_key`, `api_key`, `DLSPBX_API_KEY`).
    ApiKey,
}

/// A request that cannot be encoded without loss: see [`EncodeKind`].
pub type EncodeError = ErrorDetail<EncodeKind>;

/// What kind of [`EncodeError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeKind {
    /// The form body would pass PHP's limits (`max_input_vars`, `max_input_nesting_level`);
    /// JSON can carry it.
    Limit,
    /// A name or a value that the encoding cannot carry.
    Unrepresentable,
}

/// Why a request cannot be sent as an XML body: the [`source`](std::error::Error::source)
/// of the [`EncodeError`] (kind [`EncodeKind::Unrepresentable`]) that
/// `request::body::try_encode_xml` (and so `http::build` with an XML body) fails with, so
/// that nothing is sent.
///
/// ```
/// # #[cfg(feature = "xml")] {
/// use dlspbx_core::error::{Error, XmlProblem, XmlRefusal};
/// use dlspbx_core::request::body::try_encode_xml;
/// use dlspbx_core::wire::Node;
///
/// let params = Node::Map(vec![("body".into(), Node::str("hi\u{1}"))]);
/// let Err(Error::Encode(e)) = try_encode_xml(&params) else { panic!() };
/// let refusal = std::error::Error::source(&e).unwrap().downcast_ref::<XmlRefusal>().unwrap();
/// assert_eq!(refusal.field, "body");
/// assert_eq!(refusal.problem, XmlProblem::Character('\u{1}'));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct XmlRefusal {
    /// The parameter's path, as in [`InvalidRequest::field`] (`body`,
    /// `filter_groups[0].rules[1].value`); `request` for the parameters as a whole.
    pub field: String,
    /// What XML cannot carry.
    pub problem: XmlProblem,
}

impl XmlRefusal {
    /// A refusal of the parameter at `field`.
    pub fn new(field: impl Into<String>, problem: XmlProblem) -> Self {
        XmlRefusal {
            field: field.into(),
            problem,
        }
    }
}

/// What an XML request body cannot carry: see [`XmlRefusal`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlProblem {
    /// The parameters are a single value or a list, not a map of names to values.
    NotAMap,
    /// This name (a parameter's key) is not an XML element name.
    Name(String),
    /// XML 1.0 forbids this character even as a character reference (C0 controls other than
    /// tab, line feed and carriage return; U+FFFE, U+FFFF).
    Character(char),
}

impl fmt::Display for XmlRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            XmlProblem::NotAMap => {
                f.write_str("XML request parameters must be a map of names to values")
            }
            XmlProblem::Name(name) => {
                write!(f, "`{}`: {name:?} is not an XML element name", self.field)
            }
            XmlProblem::Character(c) => write!(
                f,
                "`{}`: the character U+{:04X} cannot be sent in an XML body (XML 1.0 forbids it)",
                self.field,
                u32::from(*c)
            ),
        }
    }
}

impl std::error::Error for XmlRefusal {}

/// A call that the object's state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StateError {
    /// An export decoder was fed, or finished, after it had already failed.
    ExportFailed,
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::ExportFailed => f.write_str("the export already failed"),
        }
    }
}

impl std::error::Error for StateError {}

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
#[non_exhaustive]
pub struct InvalidRequest {
    /// The field's wire name (for nested fields a path such as `filter_groups[0].rules[1].value`).
    pub field: String,
    /// The offending value (truncated to 64 characters; empty when the field is missing).
    pub value: String,
    /// The rule that failed, by its spec name (e.g. `nanp_phone`, `required`).
    pub rule: &'static str,
    /// What is allowed, in words.
    pub reason: String,
    /// For a rule on two fields (`page` with `page_offset`): the other field's wire name, as
    /// [`field`](Self::field) is written. The reason names it in backticks (`` `page` ``), so a
    /// tool can show it as its own name for that field.
    pub other: Option<String>,
    /// The request's other failures, in field order (see [`others`](Self::others)); boxed so
    /// that the error stays small when there are none.
    #[allow(clippy::box_collection)]
    more: Option<Box<Vec<InvalidRequest>>>,
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
        InvalidRequest {
            field: field.into(),
            value: value_trunc,
            rule,
            reason: reason.into(),
            other: None,
            more: None,
        }
    }

    /// The request's other invalid fields, after this one (validation reports every invalid
    /// field of a request at once; this failure is the first).
    pub fn others(&self) -> &[InvalidRequest] {
        self.more.as_deref().map_or(&[], Vec::as_slice)
    }

    /// This failure and then [`others`](Self::others).
    pub fn all(&self) -> impl Iterator<Item = &InvalidRequest> {
        std::iter::once(self).chain(self.others())
    }

    /// Adds `e` (and its own others) after this failure's others.
    pub fn and(mut self, mut e: InvalidRequest) -> Self {
        let more = self.more.get_or_insert_with(Default::default);
        let theirs = e.more.take();
        more.push(e);
        if let Some(theirs) = theirs {
            more.extend(*theirs);
        }
        self
    }

    /// Records the other field of a rule on two fields (see [`other`](Self::other)).
    pub fn with_other(mut self, other: impl Into<String>) -> Self {
        self.other = Some(other.into());
        self
    }

    /// A required field that is missing or empty.
    pub fn missing(field: impl Into<String>) -> Self {
        Self::new(field, "", "required", "is required")
    }

    /// Prefixes the field path with a parent (`parent[i].field`).
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        if let Some(other) = &mut self.other {
            let inner = format!("{parent}.{other}");
            self.reason = self
                .reason
                .replace(&format!("`{other}`"), &format!("`{inner}`"));
            *other = inner;
        }
        if let Some(more) = self.more.take() {
            self.more = Some(Box::new(
                more.into_iter().map(|e| e.within(parent)).collect(),
            ));
        }
        self
    }
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.all().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            if e.value.is_empty() {
                write!(f, "invalid `{}`: {}", e.field, e.reason)?;
            } else {
                // JSON-quoted, as PHP's json_encode and the CLI write a value (`"a\u0001b"`),
                // never Rust's debug form.
                let quoted = serde_json::to_string(&e.value).unwrap_or_default();
                write!(f, "invalid `{}`: {quoted} {}", e.field, e.reason)?;
            }
        }
        Ok(())
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

/// A report cell that could not be read as the type asked for: which column, the cell's text,
/// and what was expected, with the cause as [`source`](std::error::Error::source) where
/// there is one (an integer out of the field's range, a serde error of the caller's type).
/// Made by the typed report rows ([`crate::report::FromCell`], [`crate::report::Row::read`],
/// [`crate::report::ReportTable::rows_as`]); never a panic, never a silent default.
///
/// ```
/// use dlspbx_core::reports::Column;
/// use dlspbx_core::report::{ColumnIndex, Row};
///
/// let index = ColumnIndex::new(&["billable_duration"]);
/// let row = Row { cells: vec!["a while".into()] };
/// let e = row.read::<u64>(&index, Column::BillableDuration).unwrap_err();
/// assert_eq!(e.column(), Some("billable_duration"));
/// assert_eq!(e.text(), Some("a while"));
/// assert_eq!(
///     e.to_string(),
///     "report column `billable_duration`: expected a duration in seconds (165 or 00:02:45), found \"a while\""
/// );
/// ```
#[derive(Debug, Clone)]
pub struct CellError {
    column: Option<String>,
    text: Option<String>,
    expected: String,
    /// `expected` is a whole message (a serde error), not what was expected.
    is_message: bool,
    source: Option<SharedError>,
}

impl CellError {
    /// `text` is not what was `expected` (`"a whole number"`); the column is added by the
    /// caller that knows it ([`in_column`](Self::in_column)).
    pub fn new(text: &str, expected: impl Into<String>) -> Self {
        CellError {
            column: None,
            text: Some(shorten_cell(text)),
            expected: expected.into(),
            is_message: false,
            source: None,
        }
    }

    /// A failure not tied to one cell's text (a serde error such as a missing field).
    pub fn message(message: impl Into<String>) -> Self {
        CellError {
            column: None,
            text: None,
            expected: message.into(),
            is_message: true,
            source: None,
        }
    }

    /// The same error, caused by `source`.
    pub fn caused_by(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// The same error in `column` (kept if a column is already named).
    pub fn in_column(mut self, column: &str) -> Self {
        if self.column.is_none() {
            self.column = Some(column.to_owned());
        }
        self
    }

    /// The same error with the cell's `text` (kept if a text is already there).
    pub fn with_text(mut self, text: &str) -> Self {
        if self.text.is_none() {
            self.text = Some(shorten_cell(text));
        }
        self
    }

    /// The column, as the report's header names it (its wire name when it is a spec column).
    pub fn column(&self) -> Option<&str> {
        self.column.as_deref()
    }

    /// The cell's text (cut after 80 characters), when the error is about one cell.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// What was expected (`"a whole number"`), or for an error of the caller's type (a
    /// serde message), what went wrong.
    pub fn expected(&self) -> &str {
        &self.expected
    }
}

fn shorten_cell(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_owned(),
    }
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "report column `{c}`: ")?,
            None => f.write_str("report row: ")?,
        }
        match (&self.text, self.is_message) {
            (None, _) => f.write_str(&self.expected),
            (Some(t), true) => write!(f, "{} (cell {t:?})", self.expected),
            (Some(t), false) if t.trim().is_empty() => {
                write!(f, "expected {}, found an empty cell", self.expected)
            }
            (Some(t), false) => write!(f, "expected {}, found {t:?}", self.expected),
        }
    }
}

impl std::error::Error for CellError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
