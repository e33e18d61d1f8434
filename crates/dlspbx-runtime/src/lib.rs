//! The client runtime: what the blocking client (`dlspbx`, over ureq) and the async client
//! (`dlspbx-async`, over reqwest) share, so that neither depends on the other and nothing is
//! written twice. Each client adds only its transport.
//!
//! - [`config`]: the builder, the `DLSPBX_*` environment and the config file;
//! - [`retry`]: the retry policy and the state of one call's attempts;
//! - [`pages`]: pagination of reports and SMS queries;
//! - [`export`]: the streaming report export's request and incremental decoder;
//! - [`RawResponse`]: a status and body, decoded on demand;
//! - here: the state every client holds ([`ClientCore`], with what both clients do around
//!   their transport: one call's span and retries ([`Call`]), decoding and scrubbing, the
//!   export's request and decoder, the next page) and the accessors on it ([`ClientExt`]),
//!   the transport errors both raise, and reading a size-capped body.
//!
//! Programs use it through `dlspbx` or `dlspbx-async`, which re-export it ([`facade`]).

#![warn(missing_docs)]

pub mod config;
pub mod export;
pub mod facade;
pub mod pages;
mod raw;
pub mod retry;

pub use config::{ClientConfig, FromConfig};
pub use raw::RawResponse;

use dlspbx_core::error::{TransportError, TransportKind};
use dlspbx_core::http::{self, HttpRequest, RequestOptions};
use dlspbx_core::reports::ReportRequest;
use dlspbx_core::{Encoding, Endpoint, Error, Format, Result};
use export::{ExportDecoder, export_format};
use pages::Pager;
use retry::{Retries, RetryPolicy};
use std::fmt;
use std::sync::Arc;
use std::time::Instant;
use tracing::field::Empty;

/// One call's bookkeeping, shared by both clients' `execute` and `report_export`: its
/// tracing span, its attempts under the retry policy and when it started.
#[derive(Debug)]
pub struct Call {
    /// The span `dlspbx.call` with `module`, `action`, `format`, `url` (recorded by
    /// [`ClientCore::start_call`]; no credentials), and, recorded by [`finish`](Self::finish),
    /// `status`, `bytes` (the body's size, by [`finish_raw`](Self::finish_raw)), `attempts`
    /// and `elapsed_ms`. It never holds the
    /// request body or the credentials. The transport runs the call in it.
    pub span: tracing::Span,
    /// The attempts so far (see [`Retries::judge`]).
    pub retries: Retries,
    started: Instant,
}

impl Call {
    /// Starts a call of `request` under `policy`.
    pub fn start(request: &HttpRequest, policy: RetryPolicy) -> Self {
        let span = tracing::debug_span!(
            "dlspbx.call",
            module = request.module,
            action = request.action,
            format = request.format.as_str(),
            url = Empty,
            status = Empty,
            bytes = Empty,
            attempts = Empty,
            elapsed_ms = Empty,
        );
        Call {
            span,
            retries: Retries::new(policy, request.idempotent),
            started: Instant::now(),
        }
    }

    /// [`finish`](Self::finish) of a call whose body was read: its size is recorded too
    /// (`bytes`).
    pub fn finish_raw(&self, result: &Result<RawResponse>) {
        if let Ok(raw) = result {
            self.span.record("bytes", raw.body.len() as u64);
            for warning in &raw.server_warnings {
                tracing::warn!(parent: &self.span, %warning, "server warning");
            }
        }
        self.finish(result.as_ref().map(|r| r.status));
    }

    /// Records how the call ended (the response's status, or the error) on its span, and
    /// logs a failure in it. It records on the span itself, not `Span::current()`: a
    /// subscriber need not track the current span.
    pub fn finish(&self, outcome: Result<u16, &Error>) {
        let span = &self.span;
        span.record("attempts", self.retries.attempts());
        span.record("elapsed_ms", self.started.elapsed().as_millis() as u64);
        match outcome {
            Ok(status) => {
                span.record("status", status);
            }
            Err(error) => tracing::debug!(parent: span, %error, "call failed"),
        }
    }
}

/// The error for a body over the configured cap.
pub fn body_too_large(cap: u64) -> Error {
    Error::Transport(TransportError::new(
        TransportKind::BodyTooLarge,
        format!("response body larger than {cap} bytes (the client's max_body_size)"),
    ))
}

/// The error for an answer, or data, that did not come within a timeout (`message` says which).
pub fn timed_out(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::Transport(TransportError::new(TransportKind::Timeout, message))
}

/// Appends `chunk` to `body` unless that would pass `cap`.
pub fn push_capped(body: &mut Vec<u8>, chunk: &[u8], cap: u64) -> Result<()> {
    if body.len() as u64 + chunk.len() as u64 > cap {
        return Err(body_too_large(cap));
    }
    body.extend_from_slice(chunk);
    Ok(())
}

/// What both clients hold: the transport's connection pool `T` and the configuration, shared
/// by every clone, and the options of this handle (format and encoding, changed by
/// `with_format` and `with_encoding`).
pub struct ClientCore<T> {
    shared: Arc<Shared<T>>,
    options: RequestOptions,
}

struct Shared<T> {
    transport: T,
    config: ClientConfig,
}

impl<T> Clone for ClientCore<T> {
    fn clone(&self) -> Self {
        ClientCore {
            shared: Arc::clone(&self.shared),
            options: self.options,
        }
    }
}

impl<T> fmt::Debug for ClientCore<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.shared.config;
        f.debug_struct("ClientCore")
            .field("base_url", &config.base_url)
            .field("api_user", &config.credentials.api_user)
            .field("api_key", &format_args!("REDACTED"))
            .field("format", &self.options.format)
            .field("encoding", &self.options.encoding)
            .finish_non_exhaustive()
    }
}

impl<T> ClientCore<T> {
    /// Wraps a transport built from `config`.
    pub fn new(transport: T, config: ClientConfig) -> Self {
        let options = config.options;
        ClientCore {
            shared: Arc::new(Shared { transport, config }),
            options,
        }
    }

    /// The transport (connection pool).
    pub fn transport(&self) -> &T {
        &self.shared.transport
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    /// This handle's request options.
    pub fn options(&self) -> RequestOptions {
        self.options
    }

    /// The same pool and configuration with another response format.
    pub fn with_format(&self, format: Format) -> Self {
        ClientCore {
            shared: Arc::clone(&self.shared),
            options: RequestOptions {
                format,
                ..self.options
            },
        }
    }

    /// The same pool and configuration with another request encoding.
    pub fn with_encoding(&self, encoding: Encoding) -> Self {
        ClientCore {
            shared: Arc::clone(&self.shared),
            options: RequestOptions {
                encoding,
                ..self.options
            },
        }
    }

    /// Validates and encodes `request` with this handle's credentials and options.
    pub fn prepare<A: Endpoint>(&self, request: &A) -> Result<HttpRequest> {
        http::build(request, &self.shared.config.credentials, &self.options)
    }

    /// Starts a call of `request` under the configured retry policy.
    pub fn start_call(&self, request: &HttpRequest) -> Call {
        let call = Call::start(request, self.shared.config.retry);
        // The URL holds no credentials: they go in the body only.
        call.span
            .record("url", request.url(&self.shared.config.base_url).as_str());
        call
    }

    /// The owned response to a call (`raw`), with the API key scrubbed from any error.
    pub fn decode_owned<A: Endpoint>(
        &self,
        raw: Result<RawResponse>,
    ) -> Result<A::Response<'static>> {
        self.scrub(raw.and_then(|raw| raw.decode_owned::<A>()))
    }

    /// The page `pager` takes from the response to its last request (`raw`), with the API key
    /// scrubbed from any error; an error ends the pages.
    pub fn finish_page<P: Pager>(
        &self,
        pager: &mut P,
        raw: Result<RawResponse>,
    ) -> Result<P::Page> {
        let page = raw.and_then(|raw| pager.take_page(&raw));
        if page.is_err() {
            pager.stop();
        }
        self.scrub(page)
    }

    fn scrub<V>(&self, result: Result<V>) -> Result<V> {
        result.map_err(|e| self.shared.config.credentials.api_key.scrub_error(e))
    }

    /// The request of a streamed report: `request` as it is (its `page`, `per_page` and
    /// `page_offset` kept), in the streaming format for this handle's format
    /// ([`export_format`]). An export streams [`export_request`](export::export_request) of the report.
    pub fn prepare_stream(&self, request: &ReportRequest) -> Result<HttpRequest> {
        self.with_format(export_format(self.options.format))
            .prepare(request)
    }

    /// The decoder of an export's body in `format`, each row limited to `max_body_size`.
    pub fn export_decoder(&self, format: Format) -> ExportDecoder {
        let max_row = usize::try_from(self.shared.config.max_body_size).unwrap_or(usize::MAX);
        ExportDecoder::new(format).max_row_size(max_row)
    }
}

/// What both clients share beyond their transport: the configuration they were built with
/// and this handle's response format and request encoding. `dlspbx::Client` and
/// `dlspbx_async::Client` implement it; it is in both preludes.
///
/// ```
/// use dlspbx::prelude::*;
/// use dlspbx::dialer::AddContactRequest;
///
/// let client = Client::builder()
///     .base_url("https://pbx.example.com/")
///     .api_user("100@tenant")
///     .api_key("your-api-key")
///     .build()?;
/// assert_eq!(client.config().base_url, "https://pbx.example.com");
/// assert_eq!((client.format(), client.encoding()), (Format::Json, Encoding::Form));
/// let xml = client.with_format(Format::Xml).with_encoding(Encoding::Json);
/// assert_eq!((xml.format(), xml.encoding()), (Format::Xml, Encoding::Json));
///
/// // A dry run: the request as it would be sent, without the key.
/// let request = client.prepare(&AddContactRequest::new("Leads", "8155551234"))?;
/// let shown = request.to_redacted_string(&client.config().base_url);
/// assert!(shown.contains("api_action=add_contact") && !shown.contains("your-api-key"));
/// // Requests are validated before anything is sent.
/// assert!(client.prepare(&AddContactRequest::new("Leads", "not a number")).is_err());
/// # Ok::<(), Error>(())
/// ```
pub trait ClientExt: Sized {
    /// The transport's connection pool.
    type Transport;

    /// The state this handle holds (shared by its clones).
    fn core(&self) -> &ClientCore<Self::Transport>;

    /// This client type around `core`.
    fn from_core(core: ClientCore<Self::Transport>) -> Self;

    /// The configuration the client was built with.
    fn config(&self) -> &ClientConfig {
        self.core().config()
    }

    /// The response format of this client's calls.
    fn format(&self) -> Format {
        self.core().options().format
    }

    /// The request encoding of this client's calls.
    fn encoding(&self) -> Encoding {
        self.core().options().encoding
    }

    /// The same client asking for `format`, as in
    /// `client.with_format(Format::Xml).status().queues()`. Shares the connection pool.
    #[must_use]
    fn with_format(&self, format: Format) -> Self {
        Self::from_core(self.core().with_format(format))
    }

    /// The same client encoding request bodies as `encoding`. Shares the connection pool.
    #[must_use]
    fn with_encoding(&self, encoding: Encoding) -> Self {
        Self::from_core(self.core().with_encoding(encoding))
    }

    /// Validates and encodes `request` as this client would send it, without sending it
    /// (for a dry run: [`HttpRequest::to_redacted_string`]).
    fn prepare<A: Endpoint>(&self, request: &A) -> Result<HttpRequest> {
        self.core().prepare(request)
    }
}
