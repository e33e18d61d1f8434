//! CSV: key-path rows or a table (see `spec/README.md`).
use super::{CsvLayout, Node};
use crate::error::Result;

/// Parses a CSV response body laid out as `layout`.
pub fn parse(_body: &[u8], _layout: CsvLayout) -> Result<Node<'_>> {
    todo!()
}

/// Writes `node` in `layout` like PHP's `fputcsv`.
pub fn write(_node: &Node<'_>, _layout: CsvLayout) -> Vec<u8> {
    todo!()
}
