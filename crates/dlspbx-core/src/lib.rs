//! Sans-IO core of the dlspbx SDK for the DLS Hosted PBX HTTP API.
//!
//! Building a request and decoding a response are pure functions here; the transports
//! (`dlspbx` blocking, `dlspbx-async`) only move bytes. See `ARCHITECTURE.md`.

pub mod error;
pub mod format;
pub mod http;
pub mod request;
pub mod rules;
pub mod wire;

pub use error::{DecodeError, Error, InvalidRequest, Position, Result};
pub use format::{Encoding, Format};
pub use wire::{Map, Node, Str};
pub mod action;
pub mod checks;
#[allow(missing_docs)]
#[rustfmt::skip]
pub mod generated;
pub mod params;
pub mod report;

pub use action::{Action, ActionInfo, FieldInfo, ModuleInfo, PlainKind};
pub use generated::client::{Caller, Modules};
pub use generated::{dialer, example, reports, sms, status, subscribers};

/// Re-exports for the code `include_spec!` (crate `dlspbx-macros`) generates in downstream
/// crates, so that they need neither serde nor serde_json as a dependency. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
