//! Tolerant scalar types and serde helpers used by the generated types.
use std::borrow::Cow;

/// A string from a response body: borrowed when the wire did not escape it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Str<'a>(pub Cow<'a, str>);

/// An ordered map from a response body, tolerant of PHP's `[]` for an empty map.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map<'a, V>(pub Vec<(Str<'a>, V)>);
