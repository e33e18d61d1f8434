//! Wire formats: parsing response bodies into typed values and writing them in the server's style.
//!
//! Every format maps onto the same generated types:
//! - JSON is decoded straight into the types with `serde_json` (borrowing unescaped strings);
//! - XML, YAML and CSV are parsed into a borrowed [`Node`] tree, then deserialized from it by the
//!   tolerant [`de::NodeDeserializer`];
//! - plain text carries only a status integer.
//!
//! Tolerance for what the real PHP server does lives in two places. JSON goes through the
//! `deserialize_with` helpers of [`scalar`] on the generated fields: numbers as strings or
//! numbers, `[]` where a map is expected, a single item where a list is expected, maps with
//! numeric keys where a list is expected. The trees of the other formats go through
//! [`de::NodeDeserializer`], which reads scalars with [`scalar`]'s parsers and lists and maps
//! by its own rules (see [`de`]).
//!
//! JSON, XML, YAML and CSV are each behind the crate feature of the same name. A format that
//! is compiled out keeps its module with the same entry points (`parse`, `write`), which fail
//! with [`Error::Config`] naming the feature (see [`Format::require`]).

/// A visitor's `visit_i64`, `visit_u64`, `visit_i128` and `visit_u128`: the number's text,
/// owned, wrapped in `$wrap` (`Str`, `Node::Str`).
macro_rules! visit_text {
    ($wrap:path) => {
        visit_text!($wrap; visit_i64: i64, visit_u64: u64, visit_i128: i128, visit_u128: u128);
    };
    ($wrap:path; $($method:ident: $ty:ty),*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            Ok($wrap(Cow::Owned(v.to_string())))
        }
    )*};
}

#[cfg(feature = "csv")]
pub mod csv;
pub mod de;
#[cfg(feature = "json")]
pub mod json;
pub mod json_scan;
pub mod node;
pub mod plain;
pub mod preamble;
pub mod scalar;
pub mod ser;
pub mod tree;
#[cfg(feature = "xml")]
pub mod xml;
#[cfg(feature = "yaml")]
pub mod yaml;

#[cfg(test)]
pub(crate) mod arb;

/// Stand-ins for a format compiled out of this build: the same entry points, failing with
/// [`Error::Config`] (the writer, which cannot fail, writes nothing).
#[allow(unused_macros)]
macro_rules! disabled_format {
    ($format:expr) => {
        use crate::error::Result;
        use crate::wire::Node;

        /// Always fails: this build has no support for the format (see [`Format::require`](crate::Format::require)).
        pub fn parse(_body: &[u8]) -> Result<Node<'_>> {
            Err($format.require().unwrap_err())
        }

        /// Writes nothing: this build has no support for the format. [`encode`](crate::wire::encode)
        /// reports it as an error instead.
        pub fn write(_node: &Node<'_>) -> Vec<u8> {
            Vec::new()
        }
    };
}

/// JSON is compiled out of this build (feature `json`).
#[cfg(not(feature = "json"))]
pub mod json {
    disabled_format!(crate::Format::Json);

    /// Always fails: this build has no JSON support.
    pub fn decode<'a, T: serde::Deserialize<'a>>(_body: &'a [u8]) -> Result<T> {
        Err(crate::Format::Json.require().unwrap_err())
    }

    #[cfg(test)]
    pub(crate) mod tests {
        pub(crate) use crate::wire::arb::*;
    }
}

/// XML is compiled out of this build (feature `xml`).
#[cfg(not(feature = "xml"))]
pub mod xml {
    disabled_format!(crate::Format::Xml);
}

/// YAML is compiled out of this build (feature `yaml`).
#[cfg(not(feature = "yaml"))]
pub mod yaml {
    disabled_format!(crate::Format::Yaml);
}

/// CSV is compiled out of this build (feature `csv`).
#[cfg(not(feature = "csv"))]
pub mod csv {
    use super::CsvLayout;
    use crate::error::Result;
    use crate::wire::Node;

    /// Always fails: this build has no CSV support (see [`Format::require`](crate::Format::require)).
    pub fn parse(_body: &[u8], _layout: CsvLayout) -> Result<Node<'_>> {
        Err(crate::Format::Csv.require().unwrap_err())
    }

    /// Writes nothing: this build has no CSV support. [`encode`](crate::wire::encode) reports
    /// it as an error instead.
    pub fn write(_node: &Node<'_>, _layout: CsvLayout) -> Vec<u8> {
        Vec::new()
    }
}

pub use node::Node;
pub use scalar::{KeyedList, Str};

use crate::error::{Error, Result};
use crate::format::Format;
use serde::{Deserialize, Serialize};

/// How an action's response is laid out in CSV (see `spec/README.md`, "CSV convention").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvLayout {
    /// Key-path rows: every line is the path of keys to a scalar, then the scalar
    /// (`result,success`; `queues,support_queue,agents,beaucrn6,name,Tom`; list items use
    /// their index as the key).
    Keys,
    /// A table: a header row, then one row per item of the response field `rows`.
    Table {
        /// The response field that holds the rows (`results`).
        rows: &'static str,
        /// Whether each row is a list of cells (the report) or a map keyed by the header (SMS).
        row: RowKind,
    },
}

/// The shape of one row of a CSV table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A row is a list of cells; the header is put in the response field `columns`.
    List,
    /// A row is a map from the header's names to cells.
    Map,
}

/// Decodes a response body in `format` into `T`, borrowing from `body` where possible.
///
/// Strips a UTF-8 BOM, turns the server's error shape (`result: error` in any format, `-1` in
/// plain text) into [`Error::Server`], and reports undecodable bodies as
/// [`Error::Decode`] with the format, the position and what was expected. Never panics.
///
/// A format compiled out of this build fails with [`Error::Config`] naming its feature.
pub fn decode<'a, T: Deserialize<'a>>(
    format: Format,
    layout: CsvLayout,
    body: &'a [u8],
) -> Result<T> {
    format.require()?;
    let body = strip_bom(body);
    match format {
        Format::Json => json::decode(body),
        Format::Plain => {
            let node = plain::parse(body)?;
            de::from_node(format, node)
        }
        Format::Xml => from_tree(format, xml::parse(body)?),
        Format::Yaml => from_tree(format, yaml::parse(body)?),
        Format::Csv => from_tree(format, csv::parse(body, layout)?),
    }
}

fn from_tree<'a, T: Deserialize<'a>>(format: Format, node: Node<'a>) -> Result<T> {
    check_error_shape(&node)?;
    de::from_node(format, node)
}

/// Returns [`Error::Server`] when `node` is the server's error shape.
pub fn check_error_shape(node: &Node<'_>) -> Result<()> {
    if node.get("result").and_then(Node::as_str) == Some("error") {
        let message = node
            .get("error")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned();
        return Err(Error::Server { message });
    }
    Ok(())
}

/// Writes `value` in `format` the way the PHP server does (the simulator's writer).
/// Scalars are written in their wire text (`"42"`, `"Yes"`), `result: success` comes first.
/// A format compiled out of this build fails with [`Error::Config`] naming its feature.
pub fn encode<T: Serialize>(format: Format, layout: CsvLayout, value: &T) -> Result<Vec<u8>> {
    format.require()?;
    let mut node = ser::to_node(value)?;
    if let Node::Map(entries) = &mut node
        && !entries.iter().any(|(k, _)| k == "result")
    {
        entries.insert(0, ("result".into(), Node::str("success")));
    }
    Ok(write_node(format, layout, &node))
}

/// The canonical JSON of a typed response (what [`crate::Endpoint::to_json`] returns): the
/// spec's field names in spec order. A value that cannot be written as JSON is
/// [`Error::Encode`], as for the wire writers.
pub fn canonical_json<T: Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| {
        Error::Encode(crate::error::EncodeError::context(
            crate::error::EncodeKind::Unrepresentable,
            "cannot write JSON",
            e,
        ))
    })
}

/// Writes an already built tree in `format`. A format compiled out of this build (see
/// [`Format::is_supported`]) writes nothing; check with [`Format::require`] first.
pub fn write_node(format: Format, layout: CsvLayout, node: &Node<'_>) -> Vec<u8> {
    match format {
        Format::Json => json::write(node),
        Format::Xml => xml::write(node),
        Format::Yaml => yaml::write(node),
        Format::Csv => csv::write(node, layout),
        Format::Plain => plain::write(node),
    }
}

/// The server's error shape in `format`, carrying `message`.
pub fn encode_error(format: Format, message: &str) -> Vec<u8> {
    let node = Node::Map(vec![
        ("result".into(), Node::str("error")),
        ("error".into(), Node::str(message.to_owned())),
    ]);
    write_node(format, CsvLayout::Keys, &node)
}

/// Removes a leading UTF-8 byte-order mark.
pub fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// [`decode`] for a generated action. Plain text carries only a status (`0`/`-1`) or an ID:
/// for an action whose response `carries_data` (a required field, a list or a map), a plain
/// success fails with a message that says the call succeeded and names the formats that carry
/// its data, instead of inventing an empty response.
pub fn decode_action<'a, T: Deserialize<'a>>(
    format: Format,
    layout: CsvLayout,
    plain: crate::action::PlainKind,
    carries_data: bool,
    body: &'a [u8],
) -> Result<T> {
    if format != Format::Plain {
        return decode(format, layout, body);
    }
    let node = plain::parse(strip_bom(body))?;
    if plain == crate::action::PlainKind::Status && carries_data {
        return Err(Error::Decode(crate::error::DecodeError::new(
            Format::Plain,
            crate::error::Position::Offset(0),
            "the server answered 0 (success), but a plain response carries only the status, not \
             this action's data; ask for json, xml, yaml or csv",
        )));
    }
    de::from_node(format, node).map_err(|e| match e {
        Error::Decode(d) => Error::Decode(crate::error::DecodeError::new(
            Format::Plain,
            d.position,
            format!(
                "a plain response carries only the resource ID: {}",
                d.message
            ),
        )),
        other => other,
    })
}
