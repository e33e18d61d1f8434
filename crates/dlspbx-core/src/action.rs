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
    /// Spec type (`string`, `list<enum:Column>`...).
    pub ty: &'static str,
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
    /// Module name (`dialer`).
    const MODULE: &'static str;
    /// Module file on the server (`dialer.php`).
    const FILE: &'static str;
    /// The `api_action` value.
    const NAME: &'static str;
    /// Whether a failed call may be retried automatically.
    const IDEMPOTENT: bool;
    /// What the plain-text format carries.
    const PLAIN: PlainKind;
    /// The CSV layout of the response.
    const CSV: CsvLayout;
    /// The spec's description of this action.
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
    /// numbers, booleans as booleans, absent optional fields left out.
    fn to_json(response: &Self::Response<'_>) -> serde_json::Value;
    /// Detaches a response from its body.
    fn into_owned(response: Self::Response<'_>) -> Self::Response<'static>;
}
