//! The async client against the hostile server of the blocking client's tests: every failure
//! ends in a typed error within the configured timeout, in bounded memory, without the key.

#[path = "../../dlspbx/tests/support/hostile_server.rs"]
mod hostile_server;

#[macro_use]
#[path = "../../dlspbx/tests/support/hostile_cases.rs"]
mod hostile_cases;

use dlspbx_async::{Client, ClientExt, Modules};

hostile_tests!(#[tokio::test] async, .await);
