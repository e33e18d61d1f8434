//! JSON: decoded straight into the types by `serde_json`; written like PHP's `json_encode`.
use super::Node;
use crate::error::Result;
use serde::Deserialize;

/// Decodes a JSON body into `T` (error shape checked first).
pub fn decode<'a, T: Deserialize<'a>>(_body: &'a [u8]) -> Result<T> {
    todo!()
}

/// Parses a JSON document into a [`Node`] tree (request bodies, tests).
pub fn parse(_body: &[u8]) -> Result<Node<'_>> {
    todo!()
}

/// Writes `node` like PHP's `json_encode`.
pub fn write(_node: &Node<'_>) -> Vec<u8> {
    todo!()
}
