//! The async [`Client`] over reqwest.

use dlspbx::config::{ClientConfig, FromConfig};
use dlspbx::pages::{Pager, ReportPager, SmsPager};
use dlspbx::retry::{Failure, Retries};
use dlspbx::transport::{
    ClientCore, body_too_large, call_span, error_chain, finish_span, push_capped,
};
use dlspbx::{Action, Caller, Error, HttpRequest, RawResponse, Result};
use dlspbx_core::reports::ReportRequest;
use dlspbx_core::sms::QuerySmsRequest;
use futures_core::Stream;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;
use tracing::Instrument;

/// Builds an async [`Client`]; see [`dlspbx::config`] for every setting.
pub type ClientBuilder = dlspbx::config::ClientBuilder<Client>;

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

impl FromConfig for Client {
    fn from_config(config: ClientConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            // Never follow a redirect: the body holds the credentials.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(config.user_agent.as_str())
            .build()
            .map_err(|e| Error::Config(error_chain(&e)))?;
        Ok(Client {
            core: ClientCore::new(http, config),
        })
    }
}

impl Client {
    dlspbx::__client_methods!();

    /// Sends `request` and returns the status and body undecoded, for zero-copy decoding with
    /// [`RawResponse::decode`]. A non-2xx status is not an error here (decoding reports it).
    pub async fn call_raw<A: Action>(&self, request: A) -> Result<RawResponse> {
        let request = self.prepare(&request)?;
        self.execute(&request).await
    }

    /// Sends a prepared request (see [`prepare`](Self::prepare)), with retries, and reads its
    /// body (at most `max_body_size` bytes).
    pub async fn execute(&self, request: &HttpRequest) -> Result<RawResponse> {
        let span = call_span(request);
        let call = async {
            let started = Instant::now();
            let mut retries = Retries::new(self.config().retry, request.idempotent);
            let result = async {
                let response = self.exchange(request, &mut retries).await?;
                let status = response.status().as_u16();
                let body = self.read_body(response).await?;
                Ok(RawResponse {
                    status,
                    format: request.format,
                    body,
                })
            }
            .await;
            finish_span(
                &tracing::Span::current(),
                result.as_ref().map(|r| r.status),
                retries.attempts(),
                started,
            );
            result
        };
        call.instrument(span).await
    }

    /// Every page of a CDR report, decoded and owned, as a [`Stream`]; see [`ReportPager`] for
    /// how pages are requested and when the stream ends.
    pub fn report_pages(&self, request: ReportRequest) -> ReportPages {
        Pages::new(self.clone(), ReportPager::new(request))
    }

    /// Every page of an SMS record query, decoded and owned, as a [`Stream`]; see
    /// [`SmsPager`].
    pub fn sms_pages(&self, request: QuerySmsRequest) -> SmsPages {
        Pages::new(self.clone(), SmsPager::new(request))
    }

    /// Sends the request until the retry policy is satisfied and returns the response head
    /// with its body unread.
    async fn exchange(
        &self,
        request: &HttpRequest,
        retries: &mut Retries,
    ) -> Result<reqwest::Response> {
        let url = request.url(&self.config().base_url);
        loop {
            retries.start_attempt();
            let mut builder = self.core.transport().post(&url).body(request.body.clone());
            for (name, value) in &request.headers {
                builder = builder.header(*name, value.as_str());
            }
            let delay = match builder.send().await {
                Ok(response) => {
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok());
                    match retries.after_status(response.status().as_u16(), retry_after) {
                        Some(delay) => delay,
                        None => return Ok(response),
                    }
                }
                Err(e) => {
                    let failure = classify(e);
                    match retries.after_failure(&failure) {
                        Some(delay) => delay,
                        None => return Err(failure.into_error()),
                    }
                }
            };
            tokio::time::sleep(delay).await;
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
            .map_err(|e| classify(e).into_error())?
        {
            push_capped(&mut body, &chunk, cap)?;
        }
        Ok(body)
    }
}

/// Sorts a reqwest error for the retry policy. The URL is left out of the message.
fn classify(error: reqwest::Error) -> Failure {
    let error = error.without_url();
    let transport = Error::Transport(error_chain(&error));
    if error.is_timeout() {
        Failure::Timeout(transport)
    } else if error.is_connect() {
        Failure::NotSent(transport)
    } else if error.is_request() || error.is_body() {
        Failure::MaybeSent(transport)
    } else {
        Failure::Fatal(transport)
    }
}

/// The future of one call: resolves to the owned response. It owns a clone of the client, so
/// it is `Send + 'static` and can be spawned.
#[must_use = "futures do nothing unless awaited"]
pub struct ResponseFuture<A: Action> {
    inner: Pin<Box<dyn Future<Output = Result<A::Response<'static>>> + Send>>,
}

impl<A: Action> fmt::Debug for ResponseFuture<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("action", &A::NAME)
            .finish_non_exhaustive()
    }
}

impl<A: Action> Future for ResponseFuture<A> {
    type Output = Result<A::Response<'static>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl Caller for Client {
    type Output<A: Action> = ResponseFuture<A>;

    fn call<A: Action>(&self, request: A) -> ResponseFuture<A> {
        let client = self.clone();
        ResponseFuture {
            inner: Box::pin(async move { client.call_raw(request).await?.decode_owned::<A>() }),
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
        let page = raw.and_then(|raw| this.pager.take_page(&raw));
        if page.is_err() {
            this.pager.stop();
        }
        Poll::Ready(Some(page))
    }
}
