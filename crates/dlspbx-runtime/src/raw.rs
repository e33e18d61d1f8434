//! [`RawResponse`]: a response's status and bytes, for zero-copy decoding.

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
}

impl RawResponse {
    /// Decodes the body as the response of action `A`, borrowing from it.
    ///
    /// ```
    /// use dlspbx::{Format, RawResponse};
    /// use dlspbx::dialer::AddContactRequest;
    ///
    /// let raw = RawResponse {
    ///     status: 200,
    ///     format: Format::Json,
    ///     body: br#"{"result":"success","id":"42"}"#.to_vec(),
    /// };
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
    /// let raw = RawResponse {
    ///     status: 200,
    ///     format: Format::Json,
    ///     body: br#"{"result":"error","error":"Invalid API credentials"}"#.to_vec(),
    /// };
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
    /// let raw = RawResponse { status: 503, format: Format::Json, body: Vec::new() };
    /// assert!(!raw.is_success());
    /// ```
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
