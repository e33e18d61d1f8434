//! The tolerant serde deserializer over [`Node`].
use super::Node;
use crate::error::Result;
use crate::format::Format;
use serde::Deserialize;

/// Deserializes `T` from a parsed tree; errors name `format` and the field path.
pub fn from_node<'a, T: Deserialize<'a>>(_format: Format, _node: Node<'a>) -> Result<T> {
    todo!()
}
