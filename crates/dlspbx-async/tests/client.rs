//! The async client against the fixture server of the blocking client's tests.

#[macro_use]
#[path = "../../dlspbx/tests/support/mod.rs"]
mod support;

use dlspbx_async::{Caller, Client, ClientExt, Modules, RawResponse, RetryPolicy};
use futures_core::Stream;
use std::pin::Pin;

/// Every item of a stream (no futures-util needed).
async fn all<S: Stream + Unpin>(mut pages: S) -> Vec<S::Item> {
    let mut items = Vec::new();
    while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut pages).poll_next(cx)).await {
        items.push(item);
    }
    items
}

client_tests!(#[tokio::test] async, .await);

#[tokio::test]
async fn futures_are_send_and_static() {
    let server = Server::fixtures();
    let client = client(&server);
    let raw: RawResponse = client.call_raw(QueuesRequest::new()).await.unwrap();
    assert!(raw.decode::<QueuesRequest>().is_ok());
    // A call's future owns what it needs: it outlives the client and can be spawned.
    let call = client.with_format(Format::Yaml).status().queues();
    drop(client);
    tokio::spawn(call).await.unwrap().unwrap();
}
