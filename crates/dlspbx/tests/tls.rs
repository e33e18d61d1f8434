//! TLS as each feature set builds it: an `https://` URL to a loopback listener that answers in
//! plain HTTP fails with a typed transport error (the TLS handshake fails), never a panic, a
//! hang or a decoded response; a build without TLS refuses `https://` when the client is built.

#![cfg(feature = "blocking")]

use dlspbx::status::QueuesRequest;
use dlspbx::{Caller, Client, Error, Format};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// A listener on 127.0.0.1 that reads what comes (a TLS ClientHello) and answers in plain
/// HTTP, for a bounded number of connections.
fn plain_http_listener() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        }
    });
    port
}

#[test]
fn https_to_a_plain_http_listener_is_a_transport_error() {
    let port = plain_http_listener();
    let built = Client::builder()
        .base_url(format!("https://127.0.0.1:{port}"))
        .api_user("100@default")
        .api_key("k")
        // Plain text is in every build; the call fails before anything is decoded.
        .format(Format::Plain)
        .max_attempts(1)
        .timeout(Duration::from_secs(20))
        .build();
    if !cfg!(any(feature = "rustls", feature = "native-tls")) {
        let err = built.unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.message().contains("no TLS support")),
            "{err}"
        );
        return;
    }
    let err = built.unwrap().call(QueuesRequest::new()).unwrap_err();
    match &err {
        Error::Transport(message) => {
            let m = message.message().to_ascii_lowercase();
            assert!(
                [
                    "tls",
                    "ssl",
                    "handshake",
                    "corrupt",
                    "record",
                    "certificate"
                ]
                .iter()
                .any(|w| m.contains(w)),
                "not a TLS failure: {message}"
            );
        }
        other => panic!("expected a transport (TLS) error, got {other:?}"),
    }
}
