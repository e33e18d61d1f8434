//! The [`Action`] trait: what every generated request type knows about its endpoint.

use crate::error::{InvalidRequest, Result};
use crate::format::Format;
use crate::wire::{CsvLayout, Node};
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
    /// Request: must be given.
    pub required: bool,
    /// Response: may be absent.
    pub optional: bool,
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
    /// wire name: not required, not optional, with no default, rule, enum values or record
    /// fields (the other methods add them). The generated metadata is written with these.
    pub const fn new(name: &'static str, ty: FieldType, doc: &'static str) -> FieldInfo {
        FieldInfo {
            name,
            rust: name,
            ty,
            required: false,
            optional: false,
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

    /// The same field, required (requests).
    pub const fn required(mut self) -> FieldInfo {
        self.required = true;
        self
    }

    /// The same field, optional (responses).
    pub const fn optional(mut self) -> FieldInfo {
        self.optional = true;
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

/// A request for one API action. Implemented by the generated `*Request` types; everything a
/// transport needs to send it and to decode the answer, with no I/O.
pub trait Action:
    Clone + Debug + PartialEq + Send + Sync + Sized + crate::params::VisitParams + 'static
{
    /// The spec's description of this action: its module, file, `api_action` name, whether
    /// a failed call may be retried, what the plain-text format carries, the CSV layout and
    /// the fields.
    const INFO: &'static ActionInfo;
    /// The decoded success response, borrowing from the body.
    type Response<'a>: Debug;
    /// Checks every field against its rule; nothing is sent when this fails.
    fn validate(&self) -> std::result::Result<(), InvalidRequest>;
    /// The request fields as a parameter tree (credentials are added by [`crate::http`]).
    fn to_params(&self) -> Node<'_>;
    /// Parses request parameters (the simulator's side).
    fn from_params(params: &Node<'_>) -> std::result::Result<Self, InvalidRequest>;
    /// Decodes a response body.
    fn decode(format: Format, body: &[u8]) -> Result<Self::Response<'_>>;
    /// Writes a response body in the server's style.
    fn encode(format: Format, response: &Self::Response<'_>) -> Result<Vec<u8>>;
    /// The response as canonical JSON: the spec's field names in spec order, numbers as
    /// numbers, booleans as booleans, absent optional fields left out. A report whose rows
    /// fail to decode part-way is that row's [`crate::Error::Decode`], not a shorter result.
    fn to_json(response: &Self::Response<'_>) -> Result<serde_json::Value>;
    /// Detaches a response from its body.
    fn into_owned(response: Self::Response<'_>) -> Self::Response<'static>;
}
