//! Request bodies: PHP-style form encoding, JSON and XML bodies, and their parsers.
//!
//! The request parameters are a [`Node`] map (every POST field; the generated builders produce
//! it). [`encode_body`] writes it in the chosen [`Encoding`], falling back from a form body to
//! JSON when PHP's silent form limits would lose variables (see [`form::Oversize`]);
//! [`parse_body`] is the server side of the same (the simulator's reader).

pub mod body;
pub mod form;

pub use form::{Dropped, FormLimits, Oversize};

use crate::error::{EncodeKind, Error};
use crate::format::Encoding;
use crate::wire::Node;

/// A request body ready to send: the bytes and the encoding they are in (which is the one asked
/// for, or JSON after a form fallback), whose `content_type()` goes in the `Content-Type` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBody {
    /// The encoding of `bytes`.
    pub encoding: Encoding,
    /// The body.
    pub bytes: Vec<u8>,
}

/// Encodes `params` in `encoding`.
///
/// A form body that would exceed `limits` is sent as JSON when `oversize` is
/// [`Oversize::FallbackToJson`] and refused with [`Error::Encode`] when it is
/// [`Oversize::Fail`]; a key that no form body can carry unchanged is always refused (see
/// [`form`]). XML bodies are written with [`body::try_encode_xml`] (names and characters that
/// XML cannot carry are refused).
pub fn encode_body(
    params: &Node<'_>,
    encoding: Encoding,
    limits: &FormLimits,
    oversize: Oversize,
) -> Result<EncodedBody, Error> {
    match encoding {
        Encoding::Form => match form::encode_checked(params, limits) {
            Ok(s) => Ok(EncodedBody {
                encoding: Encoding::Form,
                bytes: s.into_bytes(),
            }),
            Err(e) if e.kind() == EncodeKind::Limit && oversize == Oversize::FallbackToJson => {
                Ok(EncodedBody {
                    encoding: Encoding::Json,
                    bytes: body::encode_json(params),
                })
            }
            Err(e) => Err(Error::Encode(e)),
        },
        Encoding::Json => Ok(EncodedBody {
            encoding: Encoding::Json,
            bytes: body::encode_json(params),
        }),
        Encoding::Xml => Ok(EncodedBody {
            encoding: Encoding::Xml,
            bytes: body::try_encode_xml(params)?,
        }),
    }
}

/// Parses a request body the way the PHP server reads it: a form body as `$_POST` (with PHP's
/// silent `limits`, what was dropped reported in [`Dropped`]), a JSON or XML body with
/// [`body::parse_json`] / [`body::parse_xml`] (nothing is dropped from those).
pub fn parse_body(
    encoding: Encoding,
    body: &[u8],
    limits: &FormLimits,
) -> Result<(Node<'static>, Dropped), Error> {
    match encoding {
        Encoding::Form => form::parse_with_limits(body, limits),
        Encoding::Json => Ok((body::parse_json(body)?, Dropped::default())),
        Encoding::Xml => Ok((body::parse_xml(body)?, Dropped::default())),
    }
}
