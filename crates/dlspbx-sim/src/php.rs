//! PHP server habits the simulator reproduces on request, for client tests (issue 16): a
//! diagnostic printed before the body (`display_errors` on), in the HTML or the text form, a
//! fatal error instead of the body, a proxy's HTML error page, a byte order mark and blank
//! lines before the body.
//!
//! For every request with `dlspbx sim serve --php-diagnostics HABIT` (or
//! [`SimConfig::php_diagnostics`](crate::SimConfig::php_diagnostics)), or for one request with
//! the header `X-Sim-Php: HABIT`. The body after a prefix is the ordinary answer, streamed
//! reports too.

use axum::body::{Body, BodyDataStream, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The request header that asks for a habit for one request.
pub const HEADER: &str = "x-sim-php";

/// A PHP habit (the values of `--php-diagnostics` and of [`HEADER`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PhpHabit {
    /// A `Notice` in the HTML form (`html_errors` on) before the body.
    Notice,
    /// A `Deprecated` in the text form (`html_errors` off) before the body.
    Deprecated,
    /// A `Fatal error` (an uncaught exception, HTML form) instead of the body.
    Fatal,
    /// A proxy's `502 Bad Gateway` HTML page instead of the answer.
    BadGateway,
    /// A UTF-8 byte order mark and blank lines before the body.
    Bom,
}

impl PhpHabit {
    /// The habit named `name` (`notice`, `deprecated`, `fatal`, `bad-gateway`, `bom`).
    pub fn from_name(name: &str) -> Option<PhpHabit> {
        clap::ValueEnum::from_str(name.trim(), true).ok()
    }
}

/// What PHP prints before the body for `habit` (nothing for the habits that replace it).
pub fn prefix(habit: PhpHabit, path: &str) -> Vec<u8> {
    match habit {
        PhpHabit::Notice => format!(
            "<br />\n<b>Notice</b>:  Undefined index: country in <b>/var/www{path}</b> on line <b>42</b><br />\n"
        )
        .into_bytes(),
        PhpHabit::Deprecated => format!(
            "\nDeprecated: Creation of dynamic property Api::$format is deprecated in /var/www{path} on line 3\n"
        )
        .into_bytes(),
        PhpHabit::Bom => b"\xEF\xBB\xBF\n\r\n".to_vec(),
        PhpHabit::Fatal | PhpHabit::BadGateway => Vec::new(),
    }
}

/// The body of the fatal error habit.
pub fn fatal_body(path: &str) -> String {
    format!(
        "<br />\n<b>Fatal error</b>:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in /var/www{path}:12\nStack trace:\n#0 {{main}}\n  thrown in <b>/var/www{path}</b> on line <b>12</b><br />\n"
    )
}

/// The page of the bad gateway habit (nginx's).
pub const BAD_GATEWAY: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The middleware: applies the request's habit ([`HEADER`]), else `default`.
pub async fn apply(default: Option<PhpHabit>, request: Request, next: Next) -> Response {
    let asked = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(PhpHabit::from_name);
    let Some(habit) = asked.or(default) else {
        return next.run(request).await;
    };
    let path = request.uri().path().to_owned();
    let html = |status: StatusCode, body: String| {
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
            body,
        )
            .into_response()
    };
    match habit {
        PhpHabit::Fatal => html(StatusCode::OK, fatal_body(&path)),
        PhpHabit::BadGateway => html(StatusCode::BAD_GATEWAY, BAD_GATEWAY.to_owned()),
        _ => {
            let response = next.run(request).await;
            let (mut parts, body) = response.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            // PHP sends what it printed as HTML whatever the body is.
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=UTF-8"),
            );
            let body = Body::from_stream(Prefixed {
                prefix: Some(Bytes::from(prefix(habit, &path))),
                inner: body.into_data_stream(),
            });
            Response::from_parts(parts, body)
        }
    }
}

/// A body stream with `prefix` first.
struct Prefixed {
    prefix: Option<Bytes>,
    inner: BodyDataStream,
}

impl futures_core::Stream for Prefixed {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(p) = self.prefix.take() {
            return Poll::Ready(Some(Ok(p)));
        }
        Pin::new(&mut self.inner).poll_next(cx)
    }
}
