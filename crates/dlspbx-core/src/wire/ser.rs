//! Serializing typed values into a [`Node`] in wire mode.
use super::Node;
use crate::error::Result;
use serde::Serialize;

/// Serializes `value` into a tree of wire text (`is_human_readable() == false`).
pub fn to_node<T: Serialize>(_value: &T) -> Result<Node<'static>> {
    todo!()
}
