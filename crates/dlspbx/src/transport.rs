//! Small pieces both transports share: the tracing span of a call, error texts, and reading a
//! size-capped body. Used by `dlspbx-async`; not needed to make calls.

use dlspbx_core::http::HttpRequest;
use dlspbx_core::Error;
use std::time::Instant;
use tracing::field::Empty;

/// The span of one call: `dlspbx.call` with `module`, `action`, `format`, and, recorded when
/// it ends, `status`, `attempts` and `elapsed_ms`. It never holds the request body or the
/// credentials.
pub fn call_span(request: &HttpRequest) -> tracing::Span {
    tracing::debug_span!(
        "dlspbx.call",
        module = request.module,
        action = request.action,
        format = request.format.as_str(),
        status = Empty,
        attempts = Empty,
        elapsed_ms = Empty,
    )
}

/// Records how a call ended on its span (see [`call_span`]), and logs a failure in it.
pub fn finish_span(span: &tracing::Span, outcome: Result<u16, &Error>, attempts: u32, started: Instant) {
    span.record("attempts", attempts);
    span.record("elapsed_ms", started.elapsed().as_millis() as u64);
    match outcome {
        Ok(status) => {
            span.record("status", status);
        }
        Err(error) => tracing::debug!(parent: span, %error, "call failed"),
    }
}

/// The error for a body over the configured cap.
pub fn body_too_large(cap: u64) -> Error {
    Error::Transport(format!("response body larger than {cap} bytes (the client's max_body_size)"))
}

/// An error and its sources as one line (`a: b: c`), skipping repeated texts.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out
}

/// Appends `chunk` to `body` unless that would pass `cap`.
pub fn push_capped(body: &mut Vec<u8>, chunk: &[u8], cap: u64) -> Result<(), Error> {
    if body.len() as u64 + chunk.len() as u64 > cap {
        return Err(body_too_large(cap));
    }
    body.extend_from_slice(chunk);
    Ok(())
}
