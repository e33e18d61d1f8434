//! The blocking [`Client`] over ureq.

use crate::transport::{BodyMode, classify};
use dlspbx_core::generated::client::Caller;
use dlspbx_core::http::HttpRequest;
use dlspbx_core::reports::ReportRequest;
use dlspbx_core::sms::QuerySmsRequest;
use dlspbx_core::{Endpoint, Error, Result};
use dlspbx_runtime::RawResponse;
use dlspbx_runtime::config::{ClientConfig, FromConfig};
use dlspbx_runtime::export::{ExportRow, ExportSummary, status_error};
use dlspbx_runtime::pages::{Pager, ReportPager, SmsPager};
use dlspbx_runtime::{ClientCore, ClientExt};
use std::io::Read;
use std::iter::FusedIterator;

/// Builds a blocking [`Client`]; see [`crate::config`] for every setting.
pub type ClientBuilder = dlspbx_runtime::config::ClientBuilder<Client>;

/// A blocking client for the DLS Hosted PBX API.
///
/// Every action is a method through [`Modules`](dlspbx_core::generated::client::Modules)
/// (`client.status().queues()`), or [`Caller::call`] with a request value. Calls return owned
/// responses; [`call_raw`](Self::call_raw) returns the bytes for zero-copy decoding.
///
/// Cloning is cheap and clones share one connection pool; so do the clients returned by
/// [`with_format`](Self::with_format) and [`with_encoding`](Self::with_encoding). A `Client`
/// is `Send + Sync`.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) core: ClientCore<ureq::Agent>,
}

impl ClientExt for Client {
    type Transport = ureq::Agent;

    fn core(&self) -> &ClientCore<ureq::Agent> {
        &self.core
    }

    fn from_core(core: ClientCore<ureq::Agent>) -> Self {
        Client { core }
    }
}

impl Client {
    /// A builder with nothing set; see [`config`](crate::config) for every setting.
    ///
    /// ```
    /// use dlspbx::prelude::*;
    ///
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .format(Format::Json)
    ///     .build()?;
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
    /// let client = dlspbx::Client::from_env()?;
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn from_env() -> Result<Self> {
        Self::builder().default_config_file().env().build()
    }

    /// A client from a validated configuration (see [`ClientBuilder::into_config`](dlspbx_runtime::config::ClientBuilder::into_config)).
    ///
    /// ```
    /// let config = dlspbx::Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .into_config()?;
    /// let client = dlspbx::Client::from_config(config)?;
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn from_config(config: ClientConfig) -> Result<Self> {
        <Self as FromConfig>::from_config(config)
    }

    /// Sends `request` and returns the status and body undecoded, for zero-copy decoding with
    /// [`RawResponse::decode`]. A non-2xx status is not an error here (decoding reports it).
    ///
    /// ```no_run
    /// use dlspbx::prelude::*;
    /// use dlspbx::status::QueuesRequest;
    ///
    /// let client = Client::from_env()?;
    /// let raw = client.call_raw(QueuesRequest::new())?;
    /// // The queues borrow their strings from `raw.body`.
    /// let queues = raw.decode::<QueuesRequest>()?;
    /// println!("{} bytes: {queues:?}", raw.body.len());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn call_raw<A: Endpoint>(&self, request: A) -> Result<RawResponse> {
        let request = self.prepare(&request)?;
        self.execute(&request)
    }

    /// Sends a prepared request (see [`prepare`](Self::prepare)), with retries, and reads its
    /// body (at most `max_body_size` bytes).
    ///
    /// ```no_run
    /// use dlspbx::prelude::*;
    /// use dlspbx::status::QueuesRequest;
    ///
    /// let client = Client::from_env()?;
    /// // Show the request (without the key), then send it as it is.
    /// let request = client.prepare(&QueuesRequest::new())?;
    /// eprintln!("{}", request.to_redacted_string(&client.config().base_url));
    /// let raw = client.execute(&request)?;
    /// assert!(raw.is_success());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn execute(&self, request: &HttpRequest) -> Result<RawResponse> {
        let mut call = self.core.start_call(request);
        let _entered = call.span.enter();
        let result = self
            .exchange(request, BodyMode::Buffered, &mut call.retries)
            .and_then(|mut response| {
                Ok(RawResponse::new(
                    response.status().as_u16(),
                    request.format,
                    self.read_body(&mut response)?,
                ))
            });
        call.finish_raw(&result);
        result
    }

    /// Every page of a CDR report, decoded and owned; see [`ReportPager`] for how pages are
    /// requested and when the iteration stops.
    ///
    /// ```no_run
    /// use dlspbx::prelude::*;
    /// use dlspbx::reports::{Column, ReportOption, ReportRequest};
    ///
    /// let client = Client::from_env()?;
    /// let request = ReportRequest::new([Column::UniqueId, Column::Date])
    ///     .option(ReportOption::PerPage(500));
    /// for page in client.report_pages(request) {
    ///     for row in page?.rows() {
    ///         println!("{:?}", row?.cells);
    ///     }
    /// }
    /// # Ok::<(), Error>(())
    /// ```
    pub fn report_pages(&self, request: ReportRequest) -> ReportPages {
        Pages {
            client: self.clone(),
            pager: ReportPager::new(request),
        }
    }

    /// Every page of an SMS record query, decoded and owned; see [`SmsPager`].
    ///
    /// ```no_run
    /// use dlspbx::prelude::*;
    /// use dlspbx::sms::QuerySmsRequest;
    ///
    /// let client = Client::from_env()?;
    /// for page in client.sms_pages(QuerySmsRequest::new().results_limit(200)) {
    ///     for sms in page?.results {
    ///         println!("{} -> {}: {}", sms.src_label, sms.dst_label, sms.message);
    ///     }
    /// }
    /// # Ok::<(), Error>(())
    /// ```
    pub fn sms_pages(&self, request: QuerySmsRequest) -> SmsPages {
        Pages {
            client: self.clone(),
            pager: SmsPager::new(request),
        }
    }

    /// Streams every row of a CDR report to `on_row`, with memory use independent of the
    /// report's size.
    ///
    /// The request is sent once with `page=ALL` (any `page`, `per_page` and `page_offset` are
    /// dropped), in CSV when the client's format is CSV and in JSON otherwise. The body is
    /// read in chunks as it arrives and fed to an
    /// [`ExportDecoder`](crate::export::ExportDecoder), which hands each row to `on_row` as
    /// soon as it is complete and keeps no more than one row, so a report of
    /// millions of calls needs no more memory than one row. Consequently:
    ///
    /// - `max_body_size` limits each row instead of the whole body;
    /// - the client's `timeout` limits each read instead of the whole exchange (a large report
    ///   may take longer than the timeout to arrive, but a stalled server is still detected);
    /// - retries cover failures before the rows start; a failure mid-body ends the export
    ///   with an error after the rows already delivered.
    ///
    /// `on_row` may stop the export by returning an error, which is returned as is. Errors of
    /// the SDK are converted with `E: From<Error>` (use `E = dlspbx::Error` when `on_row`
    /// cannot fail).
    ///
    /// ```no_run
    /// # use dlspbx::prelude::*;
    /// # use dlspbx::reports::{Column, ReportRequest};
    /// # fn main() -> Result<(), Error> {
    /// let client = Client::from_env()?.with_format(Format::Csv);
    /// let request = ReportRequest::new([Column::UniqueId, Column::Date]);
    /// let summary = client.report_export(request, |row| {
    ///     println!("{:?}", row.row.cells);
    ///     Ok::<(), Error>(())
    /// })?;
    /// eprintln!("{} rows", summary.rows);
    /// # Ok(()) }
    /// ```
    pub fn report_export<F, E>(&self, request: ReportRequest, on_row: F) -> Result<ExportSummary, E>
    where
        F: FnMut(ExportRow<'_>) -> Result<(), E>,
        E: From<Error>,
    {
        self.report_stream(&crate::export::export_request(request), on_row)
    }

    /// Streams the rows of one report request as it is (its `page`, `per_page` and
    /// `page_offset` kept: one page, however large) to `on_row`, as
    /// [`report_export`](Self::report_export) streams every row: in CSV when the client's
    /// format is CSV and in JSON otherwise, one row in memory at a time, with the same
    /// limits and errors.
    ///
    /// ```no_run
    /// # use dlspbx::prelude::*;
    /// # use dlspbx::reports::{Column, ReportOption, ReportRequest};
    /// # fn main() -> Result<(), Error> {
    /// let client = Client::from_env()?;
    /// let page = ReportRequest::new([Column::UniqueId]).option(ReportOption::PerPage(100_000));
    /// client.report_stream(&page, |row| {
    ///     println!("{:?}", row.row.cells);
    ///     Ok::<(), Error>(())
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn report_stream<F, E>(
        &self,
        request: &ReportRequest,
        mut on_row: F,
    ) -> Result<ExportSummary, E>
    where
        F: FnMut(ExportRow<'_>) -> Result<(), E>,
        E: From<Error>,
    {
        let request = self.core.prepare_stream(request)?;
        let mut call = self.core.start_call(&request);
        let _entered = call.span.enter();
        let response = self.exchange(&request, BodyMode::Streamed, &mut call.retries);
        call.finish(response.as_ref().map(|r| r.status().as_u16()));
        let mut response = response?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let body = self.read_body(&mut response)?;
            return Err(status_error(request.format, status, &body).into());
        }
        let mut decoder = self.core.export_decoder(request.format);
        let mut reader = response.into_body().into_reader();
        let mut chunk = vec![0; 64 * 1024];
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // The reader wraps ureq's own errors (a read timeout) in io::Error.
                Err(e) => {
                    let address = self.config().address();
                    return Err(classify(ureq::Error::from(e), &address).into_error().into());
                }
            };
            decoder.feed(&chunk[..n], &mut on_row)?;
        }
        decoder.finish(&mut on_row)
    }
}

impl Caller for Client {
    type Output<A: Endpoint> = Result<A::Response<'static>>;

    fn call<A: Endpoint>(&self, request: A) -> Self::Output<A> {
        self.core.decode_owned::<A>(self.call_raw(request))
    }
}

/// The pages of a paginated query, one call each: see [`Client::report_pages`] and
/// [`Client::sms_pages`]. The first error ends the iteration.
#[derive(Debug)]
pub struct Pages<P> {
    client: Client,
    pager: P,
}

/// The pages of a CDR report.
pub type ReportPages = Pages<ReportPager>;
/// The pages of an SMS record query.
pub type SmsPages = Pages<SmsPager>;

impl<P: Pager> Iterator for Pages<P> {
    type Item = Result<P::Page>;

    fn next(&mut self) -> Option<Self::Item> {
        let request = self.pager.next_request()?;
        let raw = self.client.call_raw(request);
        Some(self.client.core.finish_page(&mut self.pager, raw))
    }
}

impl<P: Pager> FusedIterator for Pages<P> {}
