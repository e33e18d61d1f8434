//! Sans-IO core of the dlspbx SDK for the DLS Hosted PBX HTTP API.
//!
//! Building a request and decoding a response are pure functions here; the transports
//! (`dlspbx` blocking, `dlspbx-async`) only move bytes. See `ARCHITECTURE.md`.

pub mod error;
pub mod format;
pub mod request;
pub mod rules;
pub mod wire;

pub use error::{DecodeError, Error, InvalidRequest, Position, Result};
pub use format::{Encoding, Format};
pub use wire::{Map, Node, Str};
