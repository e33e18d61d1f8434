//! Plain text: one integer.
use super::Node;
use crate::error::Result;

/// Parses a plain body: `-1` is the error shape, `N >= 0` becomes `{result: success, id: N}`.
pub fn parse(_body: &[u8]) -> Result<Node<'_>> {
    todo!()
}

/// Writes the `id` of `node` (or `0`, or `-1` for the error shape).
pub fn write(_node: &Node<'_>) -> Vec<u8> {
    todo!()
}
