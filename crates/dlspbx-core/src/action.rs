//! The [`Endpoint`] trait: what every generated request type knows about its endpoint.

use crate::error::{InvalidRequest, Result};
use crate::format::Format;
use crate::params::{FromParam, Validate, VisitParams};
use crate::wire::{CsvLayout, Node};
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

/// What the plain-text format carries for an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainKind {
    /// The ID of the created or found resource.
    Id,
    /// Only success (`0`) or failure (`-1`).
    Status,
}

/// Static description of an action, from the spec (for the CLI, docs and the simulator).
#[derive(Debug, Clone, Copy)]
pub struct ActionInfo {
    /// Module name (`dialer`).
    pub module: &'static str,
    /// Module file (`dialer.php`).
    pub file: &'static str,
    /// `api_action` value.
    pub name: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Longer documentation (may be empty).
    pub doc: &'static str,
    /// Safe to retry automatically.
    pub idempotent: bool,
    /// What the plain-text format carries.
    pub plain: PlainKind,
    /// The CSV layout of the response.
    pub csv: CsvLayout,
    /// For an action a user should confirm (it undoes a consent choice, say): the question a
    /// tool asks before sending it, where `{field}` stands for a request field's value as sent
    /// (spec `confirm`).
    pub confirm: Option<&'static str>,
    /// Request fields.
    pub request: &'static [FieldInfo],
    /// Response fields.
    pub response: &'static [FieldInfo],
}

/// Static description of a field, from the spec.
#[derive(Debug, Clone, Copy)]
pub struct FieldInfo {
    /// Wire name.
    pub name: &'static str,
    /// Rust identifier.
    pub rust: &'static str,
    /// The field's type, from the spec (its [`Display`](std::fmt::Display) is the spec's
    /// spelling: `string`, `list<enum:Column>`...).
    pub ty: FieldType,
    /// Whether every message has the field (a request must give it, a response always has it).
    pub presence: Presence,
    /// The server's default.
    pub default: Option<&'static str>,
    /// Validation rule.
    pub rule: Option<&'static str>,
    /// Documentation.
    pub doc: &'static str,
    /// The allowed wire values, for `enum:` types (and lists of them).
    pub values: &'static [&'static str],
    /// The fields of a record type (`[[type]]`), for record-typed fields.
    pub fields: &'static [FieldInfo],
}

impl FieldInfo {
    /// A field with its wire name, spec type and documentation, whose Rust identifier is its
    /// wire name: [`Presence::Required`], with no default, rule, enum values or record fields
    /// (the other methods add them). The generated metadata is written with these.
    pub const fn new(name: &'static str, ty: FieldType, doc: &'static str) -> FieldInfo {
        FieldInfo {
            name,
            rust: name,
            ty,
            presence: Presence::Required,
            default: None,
            rule: None,
            doc,
            values: &[],
            fields: &[],
        }
    }

    /// A `string` field (see [`new`](Self::new)).
    pub const fn string(name: &'static str, doc: &'static str) -> FieldInfo {
        FieldInfo::new(name, FieldType::String, doc)
    }

    /// An `int` field (see [`new`](Self::new)).
    pub const fn int(name: &'static str, doc: &'static str) -> FieldInfo {
        FieldInfo::new(name, FieldType::Int, doc)
    }

    /// A `bool` field (see [`new`](Self::new)).
    pub const fn bool(name: &'static str, doc: &'static str) -> FieldInfo {
        FieldInfo::new(name, FieldType::Bool, doc)
    }

    /// The same field with a Rust identifier other than its wire name (`dial_on_date` for
    /// `dialOnDate`).
    pub const fn rust(mut self, rust: &'static str) -> FieldInfo {
        self.rust = rust;
        self
    }

    /// The same field, [`Presence::Optional`]: a request may leave it out, a response may
    /// lack it.
    pub const fn optional(mut self) -> FieldInfo {
        self.presence = Presence::Optional;
        self
    }

    /// The same field with the server's default.
    pub const fn with_default(mut self, default: &'static str) -> FieldInfo {
        self.default = Some(default);
        self
    }

    /// The same field with a validation rule.
    pub const fn with_rule(mut self, rule: &'static str) -> FieldInfo {
        self.rule = Some(rule);
        self
    }

    /// The same field with its allowed wire values.
    pub const fn with_values(mut self, values: &'static [&'static str]) -> FieldInfo {
        self.values = values;
        self
    }

    /// The same field with the fields of its record type.
    pub const fn with_fields(mut self, fields: &'static [FieldInfo]) -> FieldInfo {
        self.fields = fields;
        self
    }
}

/// Whether a field is in every message, in either direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// In every message: a request must give it (or it has a [default](FieldInfo::default)),
    /// a response always has it.
    Required,
    /// A request may leave it out; a response may lack it.
    Optional,
}

/// The type of a field, from the spec.
///
/// ```
/// use dlspbx_core::FieldType;
/// let columns = FieldType::List(&FieldType::Enum("Column"));
/// assert_eq!(columns.to_string(), "list<enum:Column>");
/// assert_eq!(columns.element(), &FieldType::Enum("Column"));
/// assert!(!columns.is_scalar() && columns.element().is_scalar());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldType {
    /// `string`.
    String,
    /// `int`.
    Int,
    /// `decimal`.
    Decimal,
    /// `bool`.
    Bool,
    /// `date`.
    Date,
    /// `datetime`.
    DateTime,
    /// `enum:Name`: one of the wire values in [`FieldInfo::values`].
    Enum(&'static str),
    /// A record type of the spec (`[[type]]`), whose fields are [`FieldInfo::fields`].
    Record(&'static str),
    /// `list<T>`.
    List(&'static FieldType),
    /// `map<T>`: values of type `T` under keys of the server's choosing.
    Map(&'static FieldType),
    /// `custom_fields`: name–value pairs of the caller's choosing.
    CustomFields,
    /// `options`: the report options.
    Options,
    /// `report_rows`: the rows of a CDR report.
    ReportRows,
}

impl FieldType {
    /// One value (a string, number, boolean, date or enum), not a list, map or record.
    pub const fn is_scalar(&self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::Int
                | FieldType::Decimal
                | FieldType::Bool
                | FieldType::Date
                | FieldType::DateTime
                | FieldType::Enum(_)
        )
    }

    /// The type of the items of a `list<T>` or `map<T>`; any other type itself.
    pub const fn element(&self) -> &FieldType {
        match self {
            FieldType::List(inner) | FieldType::Map(inner) => inner,
            other => other,
        }
    }
}

impl std::fmt::Display for FieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldType::String => f.write_str("string"),
            FieldType::Int => f.write_str("int"),
            FieldType::Decimal => f.write_str("decimal"),
            FieldType::Bool => f.write_str("bool"),
            FieldType::Date => f.write_str("date"),
            FieldType::DateTime => f.write_str("datetime"),
            FieldType::Enum(name) => write!(f, "enum:{name}"),
            FieldType::Record(name) => f.write_str(name),
            FieldType::List(inner) => write!(f, "list<{inner}>"),
            FieldType::Map(inner) => write!(f, "map<{inner}>"),
            FieldType::CustomFields => f.write_str("custom_fields"),
            FieldType::Options => f.write_str("options"),
            FieldType::ReportRows => f.write_str("report_rows"),
        }
    }
}

/// Static description of a module, from the spec.
#[derive(Debug, Clone, Copy)]
pub struct ModuleInfo {
    /// Module name (`dialer`).
    pub name: &'static str,
    /// Module file (`dialer.php`).
    pub file: &'static str,
    /// Documentation.
    pub doc: &'static str,
}

/// A value that can be detached from the body it borrows from: every generated response type
/// and record, and the report table.
pub trait IntoOwned {
    /// The same type, borrowing nothing (`Self` with `'static`).
    type Owned: 'static;
    /// Copies every borrowed string, detaching the value from the response body.
    fn into_owned(self) -> Self::Owned;
}

/// How an action's response is read from a body and written back: through serde for the
/// generated response types (any `Deserialize + Serialize` value), by [`crate::report`] for
/// the report table.
pub trait ResponseBody<'a>: Debug + Sized + IntoOwned {
    /// Decodes a response body of the action described by `info`.
    fn decode(format: Format, info: &ActionInfo, body: &'a [u8]) -> Result<Self>;
    /// Writes the response in the server's style.
    fn encode(&self, format: Format, info: &ActionInfo) -> Result<Vec<u8>>;
    /// The response as canonical JSON (see [`Endpoint::to_json`]).
    fn to_json(&self) -> Result<serde_json::Value>;
}

impl<'a, T: Debug + Deserialize<'a> + Serialize + IntoOwned> ResponseBody<'a> for T {
    #[inline]
    fn decode(format: Format, info: &ActionInfo, body: &'a [u8]) -> Result<Self> {
        crate::wire::decode_action(format, info.csv, info.plain, info.carries_data(), body)
    }
    #[inline]
    fn encode(&self, format: Format, info: &ActionInfo) -> Result<Vec<u8>> {
        crate::wire::encode(format, info.csv, self)
    }
    #[inline]
    fn to_json(&self) -> Result<serde_json::Value> {
        crate::wire::canonical_json(self)
    }
}

impl ActionInfo {
    /// Whether the response carries data that a plain-text status cannot hold: a field that
    /// is always present, or a list or map.
    fn carries_data(&self) -> bool {
        self.response.iter().any(|f| {
            f.presence == Presence::Required
                || matches!(f.ty, FieldType::List(_) | FieldType::Map(_))
        })
    }
}

/// A request for one API action. Implemented by the generated `*Request` types, which give
/// only [`INFO`](Self::INFO) and [`Response`](Self::Response): everything a transport needs to
/// send it and to decode the answer, with no I/O, comes from the supertraits (the request's
/// parameters, their parsing and their checks) and the response's [`ResponseBody`].
///
/// Every method is `#[inline]`: each one instantiates serde's generic code for its types (a
/// decoder per format, the writer, canonical JSON), and an inline or generic function is
/// compiled only in the crates that call it, so a program that makes two calls does not
/// compile every action's decoders (issue 9: the core's build time halves).
pub trait Endpoint:
    Clone + Debug + PartialEq + Send + Sync + Sized + VisitParams + FromParam + Validate + 'static
{
    /// The spec's description of this action: its module, file, `api_action` name, whether
    /// a failed call may be retried, what the plain-text format carries, the CSV layout and
    /// the fields.
    const INFO: &'static ActionInfo;
    /// The decoded success response, borrowing from the body.
    type Response<'a>: ResponseBody<'a> + IntoOwned<Owned = Self::Response<'static>>;
    /// The request fields as a parameter tree (credentials are added by [`crate::http`]).
    #[inline]
    fn to_params(&self) -> Node<'_> {
        crate::params::ToParam::to_param(self)
    }
    /// Parses request parameters (the simulator's side).
    #[inline]
    fn from_params(params: &Node<'_>) -> std::result::Result<Self, InvalidRequest> {
        FromParam::from_param(params, "")
    }
    /// Decodes a response body. What a PHP server prints before it is skipped first (a byte
    /// order mark, blank lines, `display_errors` diagnostics); a PHP fatal error is
    /// [`Error::PhpFatal`](crate::Error::PhpFatal) and an HTML page
    /// [`Error::HtmlPage`](crate::Error::HtmlPage) (see [`crate::wire::preamble`]).
    #[inline]
    fn decode(format: Format, body: &[u8]) -> Result<Self::Response<'_>> {
        let body = crate::wire::preamble::split(format, body)?.body;
        ResponseBody::decode(format, Self::INFO, body)
    }
    /// Writes a response body in the server's style.
    #[inline]
    fn encode(format: Format, response: &Self::Response<'_>) -> Result<Vec<u8>> {
        response.encode(format, Self::INFO)
    }
    /// The response as canonical JSON: the spec's field names in spec order, numbers as
    /// numbers, booleans as booleans, absent optional fields left out. A report whose rows
    /// fail to decode part-way is that row's [`crate::Error::Decode`], not a shorter result.
    #[inline]
    fn to_json(response: &Self::Response<'_>) -> Result<serde_json::Value> {
        response.to_json()
    }
    /// Detaches a response from its body.
    #[inline]
    fn into_owned(response: Self::Response<'_>) -> Self::Response<'static> {
        response.into_owned()
    }
}
