//! [`RawResponse`]: a response's status and bytes, for zero-copy decoding.

use dlspbx_core::wire::preamble::{self, PhpDiagnostic};
use dlspbx_core::{Endpoint, Format, Result, http};

/// The status and body of a response, as returned by `call_raw`: decode it with
/// [`decode`](Self::decode) to get a response that borrows from [`body`](Self::body) instead
/// of copying every string.
///
/// The status may be anything the server answered (after retries); [`decode`](Self::decode)
/// turns a non-2xx status into [`Error::Server`](dlspbx_core::Error::Server) or
/// [`Error::Status`](dlspbx_core::Error::Status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The format that was asked for (and that the body is decoded as).
    pub format: Format,
    /// The response body.
    pub body: Vec<u8>,
    /// The PHP diagnostics (`Notice`, `Warning`, `Deprecated`) the server printed before the
    /// body with `display_errors` on, which decoding skips (see
    /// [`dlspbx_core::wire::preamble`]); empty for a normal body. [`new`](Self::new) fills it,
    /// and the clients log each as a `tracing` warning.
    pub server_warnings: Vec<PhpDiagnostic>,
}

impl RawResponse {
    /// A response of `status` with `body` in `format`, with its
    /// [`server_warnings`](Self::server_warnings) read from the body.
    ///
    /// ```
    /// use dlspbx::{Format, RawResponse};
    ///
    /// let body = b"\nDeprecated: Creation of dynamic property in /var/www/a.php on line 7\n{\"result\":\"success\",\"id\":42}";
    /// let raw = RawResponse::new(200, Format::Json, body.to_vec());
    /// assert_eq!(
    ///     raw.server_warnings[0].to_string(),
    ///     "PHP Deprecated: Creation of dynamic property in /var/www/a.php on line 7"
    /// );
    /// assert_eq!(raw.decode::<dlspbx::dialer::AddContactRequest>()?.id, 42);
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn new(status: u16, format: Format, body: Vec<u8>) -> Self {
        let server_warnings = preamble::split(format, &body)
            .map(|p| p.diagnostics)
            .unwrap_or_default();
        RawResponse {
            status,
            format,
            body,
            server_warnings,
        }
    }

    /// Decodes the body as the response of action `A`, borrowing from it.
    ///
    /// ```
    /// use dlspbx::{Format, RawResponse};
    /// use dlspbx::dialer::AddContactRequest;
    ///
    /// let raw = RawResponse::new(200, Format::Json, br#"{"result":"success","id":"42"}"#.to_vec());
    /// assert_eq!(raw.decode::<AddContactRequest>()?.id, 42);
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn decode<A: Endpoint>(&self) -> Result<A::Response<'_>> {
        http::decode::<A>(self.format, self.status, &self.body)
    }

    /// Decodes the body as the response of action `A`, detached from it.
    ///
    /// ```
    /// use dlspbx::{Error, Format, RawResponse};
    /// use dlspbx::example::TestRequest;
    ///
    /// let body = br#"{"result":"error","error":"Invalid API credentials"}"#;
    /// let raw = RawResponse::new(200, Format::Json, body.to_vec());
    /// let error = raw.decode_owned::<TestRequest>().unwrap_err();
    /// assert!(matches!(error, Error::Server { message } if message == "Invalid API credentials"));
    /// ```
    pub fn decode_owned<A: Endpoint>(&self) -> Result<A::Response<'static>> {
        self.decode::<A>().map(A::into_owned)
    }

    /// Whether the status is 2xx.
    ///
    /// ```
    /// use dlspbx::{Format, RawResponse};
    ///
    /// let raw = RawResponse::new(503, Format::Json, Vec::new());
    /// assert!(!raw.is_success());
    /// ```
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
