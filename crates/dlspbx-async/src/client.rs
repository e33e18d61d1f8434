//! The async [`Client`] over reqwest.

use dlspbx_core::error::{ConfigError, ConfigKind, TransportError, TransportKind};
use dlspbx_core::http::HttpRequest;
use dlspbx_core::reports::ReportRequest;
use dlspbx_core::sms::QuerySmsRequest;
use dlspbx_core::{Caller, Endpoint, Error, Result};
use dlspbx_runtime::RawResponse;
use dlspbx_runtime::config::{ClientConfig, FromConfig};
use dlspbx_runtime::export::{ExportRow, ExportSummary, status_error};
use dlspbx_runtime::pages::{Pager, ReportPager, SmsPager};
use dlspbx_runtime::retry::{Failure, Next, Retries};
use dlspbx_runtime::{ClientCore, ClientExt, body_too_large, push_capped, timed_out};
use futures_core::Stream;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tracing::Instrument;

/// Builds an async [`Client`]; see [`config`](crate::config) for every setting.
pub type ClientBuilder = dlspbx_runtime::config::ClientBuilder<Client>;

/// An async client for the DLS Hosted PBX API, for the tokio runtime.
///
/// Every action is a method through [`Modules`](crate::Modules)
/// (`client.status().queues().await`), or [`Caller::call`] with a request value; each returns
/// a [`ResponseFuture`] that owns what it needs (it does not borrow the client), so it can be
/// spawned. Calls return owned responses; [`call_raw`](Self::call_raw) returns the bytes for
/// zero-copy decoding.
///
/// Cloning is cheap and clones share one connection pool; so do the clients returned by
/// [`with_format`](Self::with_format) and [`with_encoding`](Self::with_encoding).
#[derive(Clone, Debug)]
pub struct Client {
    core: ClientCore<reqwest::Client>,
}

/// rustls with ring and the webpki roots: the blocking client's TLS (ureq's `rustls`), so a
/// program with both clients compiles one crypto library. HTTP/2 is offered by ALPN.
#[cfg(feature = "rustls")]
fn rustls_config() -> Result<rustls::ClientConfig> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(ConfigError::context(ConfigKind::Transport, "TLS", e)))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

impl FromConfig for Client {
    fn from_config(config: ClientConfig) -> Result<Self> {
        let has_tls = cfg!(any(feature = "rustls", feature = "native-tls"));
        config.require_tls("dlspbx-async", has_tls)?;
        let builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            // Never follow a redirect: the body holds the credentials.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(config.user_agent.as_str());
        #[cfg(feature = "rustls")]
        let builder = builder.tls_backend_preconfigured(rustls_config()?);
        let http = builder
            .build()
            .map_err(|e| Error::Config(ConfigError::caused_by(ConfigKind::Transport, e)))?;
        Ok(Client {
            core: ClientCore::new(http, config),
        })
    }
}

impl ClientExt for Client {
    type Transport = reqwest::Client;

    fn core(&self) -> &ClientCore<reqwest::Client> {
        &self.core
    }

    fn from_core(core: ClientCore<reqwest::Client>) -> Self {
        Client { core }
    }
}

impl Client {
    /// A builder with nothing set; see [`config`](crate::config) for every setting.
    ///
    /// ```
    /// use dlspbx_async::prelude::*;
    ///
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .format(Format::Json)
    ///     .build()?;
    /// assert_eq!(client.config().base_url, "https://pbx.example.com");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client from the default config file (if any) and the `DLSPBX_*` environment
    /// variables, which override it: `builder().default_config_file().env().build()`.
    ///
    /// ```no_run
    /// // DLSPBX_URL, DLSPBX_API_USER and DLSPBX_API_KEY (or the config file).
    /// let client = dlspbx_async::Client::from_env()?;
    /// # Ok::<(), dlspbx_async::Error>(())
    /// ```
    pub fn from_env() -> Result<Self> {
        Self::builder().default_config_file().env().build()
    }

    /// A client from a validated configuration (see [`ClientBuilder::into_config`](crate::config::ClientBuilder::into_config)).
    ///
    /// ```
    /// let config = dlspbx_async::Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .into_config()?;
    /// let client = dlspbx_async::Client::from_config(config)?;
    /// # Ok::<(), dlspbx_async::Error>(())
    /// ```
    pub fn from_config(config: ClientConfig) -> Result<Self> {
        <Self as FromConfig>::from_config(config)
    }

    /// Sends `request` and returns the status and body undecoded, for zero-copy decoding with
    /// [`RawResponse::decode`]. A non-2xx status is not an error here (decoding reports it).
    ///
    /// ```no_run
    /// use dlspbx_async::prelude::*;
    /// use dlspbx_async::status::QueuesRequest;
    ///
    /// # async fn run() -> Result<(), Error> {
    /// let client = Client::from_env()?;
    /// let raw = client.call_raw(QueuesRequest::new()).await?;
    /// // The queues borrow their strings from `raw.body`.
    /// let queues = raw.decode::<QueuesRequest>()?;
    /// println!("{} bytes: {queues:?}", raw.body.len());
    /// # Ok(()) }
    /// ```
    pub async fn call_raw<A: Endpoint>(&self, request: A) -> Result<RawResponse> {
        let request = self.prepare(&request)?;
        self.execute(&request).await
    }

    /// Sends a prepared request (see [`prepare`](Self::prepare)), with retries, and reads its
    /// body (at most `max_body_size` bytes).
    ///
    /// ```no_run
    /// use dlspbx_async::prelude::*;
    /// use dlspbx_async::status::QueuesRequest;
    ///
    /// # async fn run() -> Result<(), Error> {
    /// let client = Client::from_env()?;
    /// // Show the request (without the key), then send it as it is.
    /// let request = client.prepare(&QueuesRequest::new())?;
    /// eprintln!("{}", request.to_redacted_string(&client.config().base_url));
    /// let raw = client.execute(&request).await?;
    /// assert!(raw.is_success());
    /// # Ok(()) }
    /// ```
    pub async fn execute(&self, request: &HttpRequest) -> Result<RawResponse> {
        let mut call = self.core.start_call(request);
        let span = call.span.clone();
        async {
            let result = async {
                let response = self
                    .exchange(request, BodyMode::Buffered, &mut call.retries)
                    .await?;
                Ok(RawResponse::new(
                    response.status().as_u16(),
                    request.format,
                    self.read_body(response).await?,
                ))
            }
            .await;
            call.finish_raw(&result);
            result
        }
        .instrument(span)
        .await
    }

    /// Every page of a CDR report, decoded and owned, as a [`Stream`]; see [`ReportPager`] for
    /// how pages are requested and when the stream ends.
    ///
    /// ```no_run
    /// use dlspbx_async::prelude::*;
    /// use dlspbx_async::reports::{Column, ReportOption, ReportRequest};
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    ///
    /// # async fn run() -> Result<(), Error> {
    /// let client = Client::from_env()?;
    /// let request = ReportRequest::new([Column::UniqueId, Column::Date])
    ///     .option(ReportOption::PerPage(500));
    /// let mut pages = client.report_pages(request);
    /// // With futures-util: `while let Some(page) = pages.next().await`.
    /// while let Some(page) = std::future::poll_fn(|cx| Pin::new(&mut pages).poll_next(cx)).await {
    ///     for row in page?.rows() {
    ///         println!("{:?}", row?.cells);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn report_pages(&self, request: ReportRequest) -> ReportPages {
        Pages::new(self.clone(), ReportPager::new(request))
    }

    /// Every page of an SMS record query, decoded and owned, as a [`Stream`]; see
    /// [`SmsPager`].
    ///
    /// ```no_run
    /// use dlspbx_async::prelude::*;
    /// use dlspbx_async::sms::QuerySmsRequest;
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    ///
    /// # async fn run() -> Result<(), Error> {
    /// let client = Client::from_env()?;
    /// let mut pages = client.sms_pages(QuerySmsRequest::new().results_limit(200));
    /// while let Some(page) = std::future::poll_fn(|cx| Pin::new(&mut pages).poll_next(cx)).await {
    ///     for sms in page?.results {
    ///         println!("{} -> {}: {}", sms.src_label, sms.dst_label, sms.message);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn sms_pages(&self, request: QuerySmsRequest) -> SmsPages {
        Pages::new(self.clone(), SmsPager::new(request))
    }

    /// Streams every row of a CDR report to `on_row` as the body arrives, with memory use
    /// independent of the report's size.
    ///
    /// The async twin of the blocking `report_export`, with the same decoder
    /// ([`ExportDecoder`](crate::export::ExportDecoder)): the request is sent once with
    /// `page=ALL` (any `page`, `per_page` and `page_offset` are dropped), in CSV when the
    /// client's format is CSV and in JSON otherwise; each chunk of the body is decoded as soon as it arrives and every complete
    /// row is handed to `on_row`, so no more than one row is held in memory. Consequently:
    ///
    /// - `max_body_size` limits each row instead of the whole body;
    /// - the client's `timeout` limits each read instead of the whole exchange (a large report
    ///   may take longer than the timeout to arrive, but a stalled server is still detected);
    /// - retries cover failures before the rows start; a failure mid-body ends the export
    ///   with an error after the rows already delivered.
    ///
    /// `on_row` is a plain (synchronous) callback; it may stop the export by returning an
    /// error, which is returned as is. Errors of the SDK are converted with `E: From<Error>`
    /// (use `E = dlspbx_async::Error` when `on_row` cannot fail).
    ///
    /// ```no_run
    /// # use dlspbx_async::prelude::*;
    /// # use dlspbx_async::reports::{Column, ReportRequest};
    /// # async fn run() -> Result<(), Error> {
    /// let client = Client::from_env()?.with_format(Format::Csv);
    /// let request = ReportRequest::new([Column::UniqueId, Column::Date]);
    /// let summary = client
    ///     .report_export(request, |row| {
    ///         println!("{:?}", row.row.cells);
    ///         Ok::<(), Error>(())
    ///     })
    ///     .await?;
    /// eprintln!("{} rows", summary.rows);
    /// # Ok(()) }
    /// ```
    pub async fn report_export<F, E>(
        &self,
        request: ReportRequest,
        on_row: F,
    ) -> std::result::Result<ExportSummary, E>
    where
        F: FnMut(ExportRow<'_>) -> std::result::Result<(), E>,
        E: From<Error>,
    {
        self.report_stream(&crate::export::export_request(request), on_row)
            .await
    }

    /// Streams the rows of one report request as it is (its `page`, `per_page` and
    /// `page_offset` kept: one page, however large) to `on_row`, as
    /// [`report_export`](Self::report_export) streams every row: in CSV when the client's
    /// format is CSV and in JSON otherwise, one row in memory at a time, with the same
    /// limits and errors.
    ///
    /// ```no_run
    /// # use dlspbx_async::prelude::*;
    /// # use dlspbx_async::reports::{Column, ReportOption, ReportRequest};
    /// # async fn run() -> Result<(), Error> {
    /// let client = Client::from_env()?;
    /// let page = ReportRequest::new([Column::UniqueId]).option(ReportOption::PerPage(100_000));
    /// client
    ///     .report_stream(&page, |row| {
    ///         println!("{:?}", row.row.cells);
    ///         Ok::<(), Error>(())
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn report_stream<F, E>(
        &self,
        request: &ReportRequest,
        mut on_row: F,
    ) -> std::result::Result<ExportSummary, E>
    where
        F: FnMut(ExportRow<'_>) -> std::result::Result<(), E>,
        E: From<Error>,
    {
        let request = self.core.prepare_stream(request)?;
        let mut call = self.core.start_call(&request);
        let span = call.span.clone();
        let head = async {
            let result = self
                .exchange(&request, BodyMode::Streamed, &mut call.retries)
                .await;
            call.finish(result.as_ref().map(|r| r.status().as_u16()));
            result
        };
        let mut response = head.instrument(span.clone()).await?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let body = self.read_body(response).instrument(span).await?;
            return Err(status_error(request.format, status, &body).into());
        }
        let mut decoder = self.core.export_decoder(request.format);
        let per_read = self.config().timeout;
        loop {
            let chunk = match tokio::time::timeout(per_read, response.chunk()).await {
                Ok(Ok(Some(chunk))) => chunk,
                Ok(Ok(None)) => break,
                Ok(Err(e)) => {
                    let address = self.config().address();
                    return Err(classify(e, &address).into_error().into());
                }
                Err(_) => {
                    return Err(timed_out(format!(
                        "{}: timed out: no data received within the timeout",
                        self.config().address()
                    ))
                    .into());
                }
            };
            decoder.feed(&chunk, &mut on_row)?;
        }
        decoder.finish(&mut on_row)
    }

    /// Sends the request until the retry policy is satisfied and returns the response head
    /// with its body unread.
    async fn exchange(
        &self,
        request: &HttpRequest,
        mode: BodyMode,
        retries: &mut Retries,
    ) -> Result<reqwest::Response> {
        let url = request.url(&self.config().base_url);
        let address = self.config().address();
        loop {
            let mut builder = self.core.transport().post(&url).body(request.body.clone());
            if mode == BodyMode::Streamed {
                // The client-wide timeout covers a whole exchange; a streamed body is limited
                // per read instead (see `report_export`), so only the head is timed here.
                builder = builder.timeout(STREAMED_EXCHANGE_TIMEOUT);
            }
            for (name, value) in &request.headers {
                builder = builder.header(*name, value.as_str());
            }
            let sent = match mode {
                BodyMode::Buffered => builder.send().await.map_err(|e| classify(e, &address)),
                // The head of a streamed exchange gets the client's timeout.
                BodyMode::Streamed => {
                    match tokio::time::timeout(self.config().timeout, builder.send()).await {
                        Ok(sent) => sent.map_err(|e| classify(e, &address)),
                        Err(_) => Err(Failure::Timeout(timed_out(format!(
                            "{address}: timed out: no complete answer within the timeout"
                        )))),
                    }
                }
            };
            match retries.judge(sent, head) {
                Next::Done(result) => return result,
                Next::Retry(delay, _) => tokio::time::sleep(delay).await,
            }
        }
    }

    /// Reads a whole body chunk by chunk, failing as soon as it passes `max_body_size`.
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>> {
        let cap = self.config().max_body_size;
        let announced = response.content_length();
        if announced.is_some_and(|n| n > cap) {
            return Err(body_too_large(cap));
        }
        let mut body = Vec::with_capacity(announced.unwrap_or(0).min(1 << 20) as usize);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| classify(e, &self.config().address()).into_error())?
        {
            push_capped(&mut body, &chunk, cap)?;
        }
        Ok(body)
    }
}

/// Whether an exchange's body is read into memory (the client's timeout covers the whole
/// exchange) or streamed (the timeout covers each read).
#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyMode {
    Buffered,
    Streamed,
}

/// The overall limit of a streamed exchange (a week: in practice none; each read is limited
/// by the client's timeout).
const STREAMED_EXCHANGE_TIMEOUT: std::time::Duration =
    std::time::Duration::from_secs(7 * 24 * 3600);

/// A response's status and `Retry-After` header, for the retry policy.
fn head(response: &reqwest::Response) -> (u16, Option<&str>) {
    let retry_after = response.headers().get("retry-after");
    (
        response.status().as_u16(),
        retry_after.and_then(|v| v.to_str().ok()),
    )
}

/// Sorts a reqwest error for the retry policy. The URL is left out of the message; the
/// server's `host:port` (`address`, [`ClientConfig::address`](dlspbx_runtime::ClientConfig::address)) is named instead.
fn classify(error: reqwest::Error, address: &str) -> Failure {
    let error = error.without_url();
    let (kind, failure): (_, fn(Error) -> Failure) = if error.is_timeout() {
        (TransportKind::Timeout, Failure::Timeout)
    } else if error.is_connect() {
        (TransportKind::Connect, Failure::NotSent)
    } else if error.is_request() || error.is_body() {
        (TransportKind::Io, Failure::MaybeSent)
    } else {
        (TransportKind::Io, Failure::Fatal)
    };
    let context = if kind == TransportKind::Connect {
        format!("cannot connect to {address}")
    } else {
        address.to_owned()
    };
    failure(Error::Transport(TransportError::context(
        kind, &context, error,
    )))
}

/// The future of one call: resolves to the owned response. It owns a clone of the client, so
/// it is `Send + 'static` and can be spawned.
#[must_use = "futures do nothing unless awaited"]
pub struct ResponseFuture<A: Endpoint> {
    inner: Pin<Box<dyn Future<Output = Result<A::Response<'static>>> + Send>>,
}

impl<A: Endpoint> fmt::Debug for ResponseFuture<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("action", &A::INFO.name)
            .finish_non_exhaustive()
    }
}

impl<A: Endpoint> Future for ResponseFuture<A> {
    type Output = Result<A::Response<'static>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl Caller for Client {
    type Output<A: Endpoint> = ResponseFuture<A>;

    fn call<A: Endpoint>(&self, request: A) -> ResponseFuture<A> {
        let client = self.clone();
        ResponseFuture {
            inner: Box::pin(async move {
                let raw = client.call_raw(request).await;
                client.core.decode_owned::<A>(raw)
            }),
        }
    }
}

type RawFuture = Pin<Box<dyn Future<Output = Result<RawResponse>> + Send>>;

/// The pages of a paginated query as a [`Stream`], one call each: see
/// [`Client::report_pages`] and [`Client::sms_pages`]. The first error ends the stream.
pub struct Pages<P> {
    client: Client,
    pager: P,
    pending: Option<RawFuture>,
}

/// The pages of a CDR report.
pub type ReportPages = Pages<ReportPager>;
/// The pages of an SMS record query.
pub type SmsPages = Pages<SmsPager>;

impl<P> Pages<P> {
    fn new(client: Client, pager: P) -> Self {
        Pages {
            client,
            pager,
            pending: None,
        }
    }
}

impl<P: fmt::Debug> fmt::Debug for Pages<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("client", &self.client)
            .field("pager", &self.pager)
            .field("in_flight", &self.pending.is_some())
            .finish()
    }
}

impl<P: Pager + Unpin> Stream for Pages<P> {
    type Item = Result<P::Page>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let pending = match &mut this.pending {
            Some(pending) => pending,
            None => {
                let Some(request) = this.pager.next_request() else {
                    return Poll::Ready(None);
                };
                let client = this.client.clone();
                this.pending
                    .insert(Box::pin(async move { client.call_raw(request).await }))
            }
        };
        let raw = ready!(pending.as_mut().poll(cx));
        this.pending = None;
        Poll::Ready(Some(this.client.core.finish_page(&mut this.pager, raw)))
    }
}
