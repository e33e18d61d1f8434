//! Async client for the DLS Hosted PBX HTTP API, on tokio and reqwest: CDR reports, the
//! predictive dialer, SMS, SMS consent lists and live status, in every format the API speaks
//! (JSON, XML, YAML, CSV, plain text).
//!
//! The async twin of the blocking `dlspbx` crate: the same configuration, retry policy,
//! pagination and method surface (both come from `dlspbx-runtime`, so neither client
//! depends on the other), with futures and streams.
//!
//! # Quick start
//!
//! ```no_run
//! use dlspbx_async::prelude::*;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     let client = Client::builder()
//!         .base_url("https://pbx.example.com")
//!         .api_user("100@tenant")
//!         .api_key("your-api-key")
//!         .format(Format::Json)
//!         .encoding(Encoding::Form)
//!         .build()?;
//!
//!     let queues = client.status().queues().await?;
//!     println!("{queues:#?}");
//!
//!     // Ask one call for another format; the clone shares the connection pool.
//!     let users = client.with_format(Format::Xml).status().users().await?;
//!     println!("{users:#?}");
//!     Ok(())
//! }
//! ```
//!
//! `Client::from_env()` reads `DLSPBX_URL`, `DLSPBX_API_USER`, `DLSPBX_API_KEY` (and the
//! optional `DLSPBX_FORMAT`), over the default config file with the `config-file` feature;
//! see [`config`] for the file and every setting.
//!
//! # Calls
//!
//! [`Modules`] gives each API module as a method group and [`Caller::call`] sends any request
//! value; both return a [`ResponseFuture`] resolving to an owned response. For zero-copy
//! decoding use [`Client::call_raw`] and [`RawResponse::decode`]. [`Client::report_pages`] and
//! [`Client::sms_pages`] are [`Stream`](futures_core::Stream)s of pages;
//! [`Client::report_export`] streams a whole CDR report row by row in flat memory, decoding
//! each chunk of the body as it arrives (with the blocking client's [`export`] decoder).
//!
//! # Transport
//!
//! Needs a tokio runtime (reqwest's and tokio's timers). One connection pool per client; TLS
//! by rustls with ring and the webpki roots, as the blocking client (or the platform's library
//! with the `native-tls` feature); `https://` required except for loopback hosts; redirects never followed (a 3xx
//! is [`Error::Status`]); 10 s connect and 60 s per-exchange timeouts by default; bodies over
//! 256 MiB (configurable) fail with [`Error::Transport`] as soon as they pass the cap.
//! Idempotent actions are retried with exponential backoff and full jitter on connection
//! failures, 429 and 5xx; see [`retry`] for the exact rules.
//!
//! # Logging and secrets
//!
//! Each call runs in a `tracing` span `dlspbx.call` (module, action, format, status,
//! attempts, elapsed_ms). The API key is sent only in request bodies: it is never part of a
//! URL, span, log line, error or `Debug` print (those show `REDACTED`).

//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `json` | yes | JSON responses (the server's default format) |
//! | `xml`, `yaml`, `csv` | no | the other response formats (`xml` also XML request bodies) |
//! | `rustls` | yes | TLS by rustls with ring and the webpki roots (reqwest's `rustls-no-provider` with a ring config, so no aws-lc-rs) |
//! | `native-tls` | no | TLS by the platform's library (OpenSSL on Linux) instead |
//! | `config-file` | no | [`ClientBuilder::config_file`](crate::config::ClientBuilder::config_file) and the default config file of `from_env` (TOML) |
//!
//! A format that is compiled out is still a [`Format`] variant: choosing it fails with
//! [`Error::Config`] naming the feature, before anything is sent; so does an `https://` URL in
//! a build with neither TLS feature.

#![warn(missing_docs)]

mod client;

pub use client::{Client, ClientBuilder, Pages, ReportPages, ResponseFuture, SmsPages};

pub use dlspbx_runtime::facade::*;

/// What most programs need: `use dlspbx_async::prelude::*;`.
pub mod prelude {
    pub use crate::{Client, ClientBuilder};
    pub use dlspbx_runtime::facade::prelude::*;
}
