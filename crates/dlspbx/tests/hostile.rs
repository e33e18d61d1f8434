//! The blocking client against a hostile server: every failure ends in a typed error within
//! the configured timeout, in bounded memory, without the key (`support/hostile_cases.rs`).

#![cfg(feature = "blocking")]

#[path = "support/hostile_server.rs"]
mod hostile_server;

#[macro_use]
#[path = "support/hostile_cases.rs"]
mod hostile_cases;

use dlspbx::{Client, ClientExt, Modules};

hostile_tests!(#[test],);
