//! Blocking client for the DLS Hosted PBX HTTP API: CDR reports, the predictive dialer, SMS,
//! SMS consent lists and live status, in every format the API speaks (JSON, XML, YAML, CSV,
//! plain text).
//!
//! # Quick start
//!
//! ```no_run
//! # #[cfg(feature = "blocking")] {
//! use dlspbx::prelude::*;
//!
//! let client = Client::builder()
//!     .base_url("https://pbx.example.com")
//!     .api_user("100@tenant")
//!     .api_key("your-api-key")
//!     .format(Format::Json)
//!     .encoding(Encoding::Form)
//!     .build()?;
//!
//! let queues = client.status().queues()?;
//! println!("{queues:#?}");
//!
//! // Ask one call for another format; the clone shares the connection pool.
//! let users = client.with_format(Format::Xml).status().users()?;
//! println!("{users:#?}");
//! # }
//! # Ok::<(), dlspbx::Error>(())
//! ```
//!
//! `Client::from_env()` reads `DLSPBX_URL`, `DLSPBX_API_USER`, `DLSPBX_API_KEY` (and the
//! optional `DLSPBX_FORMAT`), over the default config file with the `config-file` feature;
//! see [`config`] for the file and every setting.
//!
//! # Calls
//!
//! The method surface is generated from the API spec: [`Modules`] gives each module as a group
//! (`client.dialer().add_contact(..)`, `client.reports().report(..)`), and [`Caller::call`]
//! sends any request value. Requests are validated before anything is sent
//! ([`Error::Invalid`]). Responses are owned (`'static`); for large bodies,
//! [`Client::call_raw`] returns the bytes and [`RawResponse::decode`] borrows from them.
//!
//! Paginated queries: [`Client::report_pages`] and [`Client::sms_pages`] iterate over pages;
//! [`Client::report_export`] streams a whole CDR report row by row in flat memory.
//!
//! # Transport
//!
//! One connection pool per client (cloned clients share it); TLS by rustls (or the
//! platform's library with the `native-tls` feature); `https://`
//! required except for loopback hosts; redirects are never followed (a 3xx is
//! [`Error::Status`]), because every request body holds the credentials. Timeouts: 10 s to
//! connect and 60 s per exchange by default. Bodies over 256 MiB (configurable) fail with
//! [`Error::Transport`] rather than exhaust memory. Idempotent actions are retried with
//! exponential backoff and full jitter on connection failures, 429 and 5xx; see [`retry`] for
//! the exact rules.
//!
//! # Logging and secrets
//!
//! Each call runs in a `tracing` span `dlspbx.call` (module, action, format, status,
//! attempts, elapsed_ms). The API key is sent only in request bodies: it is never part of a
//! URL, span, log line, error or `Debug` print (those show `REDACTED`).
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `blocking` | yes | the ureq [`Client`]; without it, this crate only re-exports the client runtime (`dlspbx-runtime`: [`config`], [`retry`], [`pages`], [`export`], [`RawResponse`]) |
//! | `json` | yes | JSON responses (the server's default format) |
//! | `xml`, `yaml`, `csv` | no | the other response formats (`xml` also XML request bodies) |
//! | `rustls` | yes | TLS by rustls with ring and the webpki roots |
//! | `native-tls` | no | TLS by the platform's library (OpenSSL on Linux) instead |
//! | `gzip` | yes | gzip-compressed responses |
//! | `config-file` | no | [`ClientBuilder::config_file`](config::ClientBuilder::config_file) and the default config file of `from_env` (TOML) |
//! | `macros` | no | `include_spec!`: typed endpoints from a spec file of your own |
//!
//! A format that is compiled out is still a [`Format`] variant: choosing it fails with
//! [`Error::Config`] ("this build of dlspbx has no XML support; enable the `xml` feature")
//! when the client is built or the call is made, before anything is sent. So does an
//! `https://` URL in a build with neither TLS feature. A program that only speaks JSON
//! compiles no XML, YAML or CSV code:
//!
//! ```toml
//! [dependencies]
//! dlspbx = "0.1"                                            # JSON over rustls
//! # dlspbx = { version = "0.1", features = ["xml", "csv"] } # more formats
//! ```

#![warn(missing_docs)]

pub use dlspbx_runtime::facade::*;

/// The client runtime both clients share (the `dlspbx-runtime` crate): [`ClientCore`],
/// [`ClientExt`], call spans and transport errors, for a transport of your own.
///
/// [`ClientCore`]: dlspbx_runtime::ClientCore
pub use dlspbx_runtime as runtime;

#[cfg(feature = "blocking")]
mod client;
#[cfg(feature = "blocking")]
mod transport;

#[cfg(feature = "blocking")]
pub use client::{Client, ClientBuilder, Pages, ReportPages, SmsPages};

#[cfg(feature = "macros")]
#[doc(hidden)]
pub use dlspbx_macros as __macros;

/// Typed endpoints for API actions our spec does not have yet, from a spec file of your own
/// in the same TOML language as `spec/` (see the `dlspbx-macros` crate and
/// `examples/extra-endpoint`). Needs the `macros` feature. The path is relative to your
/// crate's `Cargo.toml`:
///
/// ```ignore
/// dlspbx::include_spec!("specs/users.toml");
/// // -> mod users { ListUsersRequest, ListUsersResponse, UsersExt, Handler, Server, ... }
/// use users::UsersExt;
/// let users = client.users().list_users(users::ListUsersRequest::new())?;
/// ```
#[cfg(feature = "macros")]
#[macro_export]
macro_rules! include_spec {
    ($path:literal) => {
        $crate::__macros::include_spec!($path, core = $crate::sans_io);
    };
}

/// What most programs need: `use dlspbx::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "blocking")]
    pub use crate::{Client, ClientBuilder};
    pub use dlspbx_runtime::facade::prelude::*;
}
