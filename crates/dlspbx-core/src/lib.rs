//! Sans-IO core of the dlspbx SDK for the DLS Hosted PBX HTTP API.
//!
//! Building a request and decoding a response are pure functions here; the transports
//! (`dlspbx` blocking, `dlspbx-async`) only move bytes. Most programs want one of those
//! clients; this crate is for other transports, servers and tools.
//!
//! ```
//! use dlspbx_core::http::{self, Credentials, RequestOptions};
//! use dlspbx_core::status::QueuesRequest;
//! use dlspbx_core::Format;
//!
//! // A request: method POST, path and query, headers, body (credentials only in the body).
//! let creds = Credentials::new("100@default", "secret");
//! let request = http::build(&QueuesRequest::new(), &creds, &RequestOptions::default())?;
//! assert_eq!(request.path_and_query, "/api/v1/status.php?api_action=queues&api_format=json");
//!
//! // Whatever moved the bytes, decoding is a pure function of status and body.
//! # #[cfg(feature = "json")] {
//! let body = br#"{"result":"success","queues":{"support":{"queue":"support","holdtime":"0s",
//!     "waiting":"2","complete":"10","lost":"0","hunt":"ringall","agents":[]}}}"#;
//! let queues = http::decode::<QueuesRequest>(Format::Json, 200, body)?;
//! assert_eq!(queues.queues.get("support").map(|q| q.waiting), Some(2));
//! # }
//! # Ok::<(), dlspbx_core::Error>(())
//! ```
//!
//! # Features
//!
//! One per response format: `json` (default), `xml`, `yaml`, `csv`. Plain text is always
//! there. A format that is compiled out is still a [`Format`] variant: asking for it fails with
//! [`Error::Config`] ("this build of dlspbx has no XML support; enable the `xml` feature"),
//! before anything is sent. XML request bodies ([`Encoding::Xml`]) need `xml` too.
//!
//! See `ARCHITECTURE.md` for the data flow.

#![warn(missing_docs)]
// A build without some formats leaves helpers that only those formats use.
#![cfg_attr(
    not(all(feature = "json", feature = "xml", feature = "yaml", feature = "csv")),
    allow(dead_code, unused_imports)
)]

pub mod error;
pub mod format;
pub mod http;
pub mod request;
pub mod rules;
pub mod scalar;
pub mod wire;

pub use error::{
    CellError, ConfigError, DecodeError, EncodeError, Error, InvalidRequest, Position, Result,
    StateError, TransportError,
};
pub use format::{Encoding, Format};
pub use wire::{KeyedList, Node, Str};
pub mod action;
pub mod checks;
#[allow(missing_docs)]
#[rustfmt::skip]
pub mod generated;
pub mod params;
pub mod report;

pub use action::{
    ActionInfo, Endpoint, FieldInfo, FieldType, IntoOwned, ModuleInfo, PlainKind, Presence,
    ResponseBody,
};
pub use generated::client::{Caller, Modules};
pub use generated::{dialer, example, reports, sms, status, subscribers};

/// Re-exports for the code `include_spec!` (crate `dlspbx-macros`) generates in downstream
/// crates, so that they need neither serde nor serde_json as a dependency. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
