//! YAML as written by php-yaml's `yaml_emit`.
use super::Node;
use crate::error::Result;

/// Parses a YAML response body.
pub fn parse(_body: &[u8]) -> Result<Node<'_>> {
    todo!()
}

/// Writes a YAML document (`---` ... `...`).
pub fn write(_node: &Node<'_>) -> Vec<u8> {
    todo!()
}
