//! The blocking client against a fixture server.

#![cfg(feature = "blocking")]

#[macro_use]
mod support;

use dlspbx::{Caller, Client, ClientExt, Modules, RetryPolicy};

/// Every page of a pagination.
fn all<I: IntoIterator>(pages: I) -> Vec<I::Item> {
    pages.into_iter().collect()
}

client_tests!(#[test],);
