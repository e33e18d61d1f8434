//! XML in the PHP server's style.
use super::Node;
use crate::error::Result;

/// Parses an XML response body.
pub fn parse(_body: &[u8]) -> Result<Node<'_>> {
    todo!()
}

/// Writes a `<response>` document.
pub fn write(_node: &Node<'_>) -> Vec<u8> {
    todo!()
}
