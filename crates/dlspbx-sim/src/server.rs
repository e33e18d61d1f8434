//! The HTTP layer: routing, credentials, formats and bodies. See the crate docs for the rules.

use crate::api::{self, Api, MessageIds};
use crate::extra::Extras;
use crate::{db, report};
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use dlspbx_core::generated::ACTIONS;
use dlspbx_core::generated::server::{DispatchError, dispatch};
use dlspbx_core::reports::ReportRequest;
use dlspbx_core::request::{FormLimits, body, form};
use dlspbx_core::wire::{Node, encode_error};
use dlspbx_core::{Encoding, Endpoint, Format};
use rusqlite::Connection;
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The largest request body accepted: PHP's default `post_max_size`, 8 MB.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// What every request handler shares: the database and the message ID generator.
#[derive(Debug)]
pub struct Shared {
    /// The one connection, used by one request at a time.
    pub conn: Mutex<Connection>,
    /// Message IDs for send_sms.
    pub ids: MessageIds,
    /// PHP's form limits (a form body over them is refused).
    pub limits: FormLimits,
    /// Actions served beyond the spec's (`include_spec!` extensions).
    pub extras: Extras,
    /// The database file, when there is one: a report streamed to the client (`page=ALL`)
    /// reads it through its own connection instead of holding `conn`.
    pub db_path: Option<PathBuf>,
    /// How long a request body may take to arrive (see
    /// [`SimConfig::read_timeout`](crate::SimConfig::read_timeout)).
    pub read_timeout: Duration,
}

impl Shared {
    /// Wraps an open connection.
    pub fn new(conn: Connection) -> Shared {
        Shared {
            conn: Mutex::new(conn),
            ids: MessageIds::default(),
            limits: FormLimits::PHP_DEFAULTS,
            extras: Extras::default(),
            db_path: None,
            read_timeout: crate::DEFAULT_READ_TIMEOUT,
        }
    }

    /// The same, reading streamed reports from the database file at `path` (see
    /// [`db_path`](Self::db_path)).
    pub fn with_db_path(mut self, path: Option<PathBuf>) -> Shared {
        self.db_path = path;
        self
    }

    /// Runs `f` with the connection locked.
    pub fn with_conn<R>(&self, f: impl FnOnce(&Connection) -> R) -> R {
        let guard = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }
}

/// The axum application: `/api/v1/{file}` for POST (any other method is answered 405).
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/{file}", any(handle))
        .fallback(not_found)
        .with_state(shared)
}

/// Serves `app` on `listener` until the future is dropped: HTTP/1.1 through hyper, with
/// `read_timeout` for each request's headers (a connection whose headers are not complete in
/// time is closed; the body's limit is applied by the handler, see [`Shared::read_timeout`]).
pub async fn serve(listener: tokio::net::TcpListener, app: Router, read_timeout: Duration) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(read_timeout);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // A streamed answer ends with a small chunk after a larger one; with Nagle's
        // algorithm that chunk waits for the client's delayed ACK (40 ms a response).
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
}

/// A response carrying the API's error shape in `format`.
fn error(status: StatusCode, format: Format, message: &str) -> Response {
    reply(status, format, encode_error(format, message))
}

fn reply(status: StatusCode, format: Format, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, format.media_type())], body).into_response()
}

async fn not_found(req: Request) -> Response {
    let query = query_params(req.uri().query()).unwrap_or_else(|_| Node::Map(Vec::new()));
    let format = response_format(&query, req.headers()).unwrap_or_default();
    error(
        StatusCode::NOT_FOUND,
        format,
        &format!(
            "Not found: {}; the API lives under /api/v1/<module>.php",
            req.uri().path()
        ),
    )
}

/// The query string's fields, read as PHP fills `$_GET`; the error is the 400 answer's message
/// (a field that is not UTF-8, as in a body).
fn query_params(query: Option<&str>) -> Result<Node<'static>, String> {
    form::parse(query.unwrap_or("").as_bytes()).map_err(|e| body_error("Query string", &e))
}

fn scalar<'n>(node: &'n Node<'_>, key: &str) -> Option<&'n str> {
    match node {
        Node::Map(entries) => entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_str()),
        _ => None,
    }
}

/// `api_format` from the query string, else the `Accept` header, else JSON. An unknown
/// `api_format` is an error (answered in JSON).
fn response_format(query: &Node<'_>, headers: &HeaderMap) -> Result<Format, String> {
    if let Some(f) = scalar(query, "api_format").filter(|f| !f.trim().is_empty()) {
        return f.trim().parse();
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(Format::from_accept(accept).unwrap_or_default())
}

/// The module file a path names: `status.php`, or `status` for short.
fn module_file(extras: &Extras, path: &str) -> Option<&'static str> {
    let want = if path.ends_with(".php") {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(format!("{path}.php"))
    };
    ACTIONS
        .iter()
        .map(|a| a.file)
        .chain(extras.actions().map(|(file, _)| file))
        .find(|f| *f == want.as_ref())
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    Path(path): Path<String>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let query = match query_params(parts.uri.query()) {
        Ok(query) => query,
        Err(message) => {
            let format = Format::from_accept(
                parts
                    .headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
            )
            .unwrap_or_default();
            return error(StatusCode::BAD_REQUEST, format, &message);
        }
    };
    let format = match response_format(&query, &parts.headers) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::OK, Format::Json, &e),
    };
    if scalar(&query, "api_user").is_some() || scalar(&query, "api_key").is_some() {
        return error(
            StatusCode::BAD_REQUEST,
            format,
            "api_user and api_key must be sent in the POST body, never in the URL",
        );
    }
    if parts.method != Method::POST {
        // GET included: its fields (the credentials among them) would have to be in the URL,
        // so it could never succeed.
        let mut r = error(
            StatusCode::METHOD_NOT_ALLOWED,
            format,
            &format!(
                "Method {} is not allowed; send a POST with the fields in the body",
                parts.method
            ),
        );
        r.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return r;
    }
    let Some(file) = module_file(&shared.extras, &path) else {
        let files: Vec<&str> = ACTIONS
            .iter()
            .map(|a| a.file)
            .chain(shared.extras.actions().map(|(file, _)| file))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        return error(
            StatusCode::NOT_FOUND,
            format,
            &format!(
                "Unknown API module `{path}`; expected one of {}",
                files.join(", ")
            ),
        );
    };
    let params = {
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > DRAIN_BYTES as u64) {
            return too_large(format);
        }
        let bytes = match tokio::time::timeout(shared.read_timeout, read_body(body)).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return too_large(format),
            Err(_) => {
                let mut r = error(
                    StatusCode::REQUEST_TIMEOUT,
                    format,
                    &format!(
                        "The request body did not arrive within {} s",
                        shared.read_timeout.as_secs_f64()
                    ),
                );
                r.headers_mut().insert(
                    header::CONNECTION,
                    header::HeaderValue::from_static("close"),
                );
                return r;
            }
        };
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let parsed = match multer::parse_boundary(content_type) {
            Ok(boundary) => parse_multipart(bytes, boundary, &shared.limits).await,
            Err(multer::Error::NoBoundary) => Err(
                "Malformed multipart body: the Content-Type has no boundary parameter".to_owned(),
            ),
            Err(_) => {
                let encoding = if content_type.trim().is_empty() {
                    Encoding::Form
                } else {
                    match Encoding::from_content_type(content_type) {
                        Some(e) => e,
                        None => {
                            return error(
                                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                                format,
                                &format!(
                                    "Unsupported Content-Type `{content_type}`; send application/x-www-form-urlencoded, multipart/form-data, application/json or application/xml"
                                ),
                            );
                        }
                    }
                };
                parse_body(encoding, &bytes, &shared.limits)
            }
        };
        match parsed {
            Ok(p) => p,
            Err(msg) => return error(StatusCode::BAD_REQUEST, format, &msg),
        }
    };
    let action = scalar(&query, "api_action")
        .or_else(|| scalar(&params, "api_action"))
        .map(str::to_owned);
    if let Some((request, api_user, api_key)) =
        streamed_report(&shared, file, action.as_deref(), &params, format)
    {
        return export_report(shared, request, api_user, api_key, format).await;
    }
    let shared2 = shared.clone();
    let result =
        tokio::task::spawn_blocking(move || process(&shared2, file, action, params, format)).await;
    match result {
        Ok((status, bytes)) => reply(status, format, bytes),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, format, "internal error"),
    }
}

/// How much of an oversized body is read (and thrown away) so that the client, still
/// sending, gets to see the 413 instead of a broken connection.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// The body, or `None` when it is over [`MAX_BODY_BYTES`] (what follows it is drained up to
/// [`DRAIN_BYTES`]).
async fn read_body(mut body: Body) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut seen = 0usize;
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => break,
            Some(Err(_)) => return None,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    seen = seen.saturating_add(data.len());
                    if seen > DRAIN_BYTES {
                        return None;
                    }
                    if seen <= MAX_BODY_BYTES {
                        out.extend_from_slice(&data);
                    }
                }
            }
        }
    }
    (seen <= MAX_BODY_BYTES).then_some(out)
}

fn too_large(format: Format) -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format,
        "The request body is larger than 8 MB (PHP's post_max_size)",
    )
}

/// Parses a body; the message says what was wrong, in words (no Rust in them).
fn parse_body(
    encoding: Encoding,
    bytes: &[u8],
    limits: &FormLimits,
) -> Result<Node<'static>, String> {
    let trimmed = bytes.iter().all(u8::is_ascii_whitespace);
    match encoding {
        Encoding::Form => {
            let (node, dropped) =
                form::parse_with_limits(bytes, limits).map_err(|e| body_error("Form", &e))?;
            within_limits(dropped, limits)?;
            Ok(node)
        }
        _ if trimmed => Ok(Node::Map(Vec::new())),
        Encoding::Json => body::parse_json(bytes).map_err(|e| body_error("JSON", &e)),
        Encoding::Xml => body::parse_xml(bytes).map_err(|e| body_error("XML", &e)),
    }
}

/// The message for a body that does not parse: `Malformed JSON body at line 1, column 2:
/// ...` (the position and the reason, not the client's "cannot decode" wording), or for a
/// field that is not UTF-8 `Form field `first_name` is not UTF-8 text; ...`.
fn body_error(kind: &str, e: &dlspbx_core::Error) -> String {
    match e {
        dlspbx_core::Error::Decode(d) => match d.position {
            dlspbx_core::error::Position::Unknown => {
                format!("Malformed {kind} body: {}", d.message)
            }
            at => format!("Malformed {kind} body at {at}: {}", d.message),
        },
        dlspbx_core::Error::Invalid(e) => format!("{kind} field `{}` {}", e.field, e.reason),
        other => format!("Malformed {kind} body: {other}"),
    }
}

/// Refuses a form body PHP would have cut down: what PHP drops silently, we refuse and count.
fn within_limits(dropped: form::Dropped, limits: &FormLimits) -> Result<(), String> {
    if dropped.is_empty() {
        return Ok(());
    }
    Err(format!(
        "The form body has more variables than PHP accepts (max_input_vars = {}, max_input_nesting_level = {}): \
         PHP would drop {} variable(s) over the count limit and {} nested too deeply. Send fewer fields, or send the \
         request as JSON",
        limits.max_input_vars, limits.max_nesting, dropped.vars, dropped.nesting
    ))
}

/// Parses a `multipart/form-data` body (what PHP's curl sends for `CURLOPT_POSTFIELDS` with
/// an array) into `$_POST`: multer splits the parts, and each part's name and content go
/// through the same builder as a urlencoded body ([`form::parse_parts`]: PHP's names, limits
/// and UTF-8 refusal). A part without a name is skipped, as PHP does; a file part (one with a
/// `filename`) is refused, naming it, since no action takes a file. The error is the
/// message of the 400 answer.
pub async fn parse_multipart(
    bytes: Vec<u8>,
    boundary: String,
    limits: &FormLimits,
) -> Result<Node<'static>, String> {
    let whole = futures_util::stream::once(async move {
        Ok::<Bytes, std::convert::Infallible>(Bytes::from(bytes))
    });
    let mut multipart = multer::Multipart::new(whole, boundary);
    let mut parts: Vec<(String, Bytes)> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(&e)),
        };
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        if let Some(file) = field.file_name() {
            return Err(format!(
                "Part `{name}` of the multipart body is a file (filename `{file}`); the API takes no files: send each field as text"
            ));
        }
        let value = field.bytes().await.map_err(|e| multipart_error(&e))?;
        parts.push((name, value));
    }
    let (node, dropped) = form::parse_parts(
        parts
            .iter()
            .map(|(name, value)| (name.as_bytes(), value.as_ref())),
        limits,
    )
    .map_err(|e| body_error("Multipart", &e))?;
    within_limits(dropped, limits)?;
    Ok(node)
}

/// multer's error in words of our own (its texts quote names Rust-style).
fn multipart_error(e: &multer::Error) -> String {
    let what = match e {
        multer::Error::IncompleteFieldData {
            field_name: Some(name),
        } => format!("part `{name}` ends before its closing boundary"),
        multer::Error::IncompleteStream | multer::Error::IncompleteFieldData { .. } => {
            "the body ends before its closing boundary".to_owned()
        }
        multer::Error::IncompleteHeaders | multer::Error::ReadHeaderFailed(_) => {
            "a part's headers are incomplete or malformed".to_owned()
        }
        multer::Error::DecodeHeaderName { .. } | multer::Error::DecodeHeaderValue { .. } => {
            "a part's header is not readable text".to_owned()
        }
        _ => "it is not a multipart/form-data body".to_owned(),
    };
    format!("Malformed multipart body: {what}")
}

/// Authenticates and dispatches one request; returns the status and the body.
pub fn process(
    shared: &Shared,
    file: &str,
    action: Option<String>,
    params: Node<'static>,
    format: Format,
) -> (StatusCode, Vec<u8>) {
    let fail = |msg: &str| (StatusCode::OK, encode_error(format, msg));
    let api_user = scalar(&params, "api_user").unwrap_or("").to_owned();
    let api_key = scalar(&params, "api_key").unwrap_or("").to_owned();
    shared.with_conn(|conn| {
        let user = match api::authenticate(conn, &api_user, &api_key) {
            Ok(Some(u)) => u,
            Ok(None) => return fail(api::INVALID_CREDENTIALS),
            Err(e) => return fail(&format!("database error: {e}")),
        };
        let Some(action) = action.filter(|a| !a.trim().is_empty()) else {
            return fail(&format!(
                "api_action is required; the actions of {file} are {}",
                actions_of(&shared.extras, file)
            ));
        };
        let action = action.trim().to_owned();
        let handler = Api {
            conn,
            ids: &shared.ids,
        };
        let answer = match shared.extras.find(file, &action) {
            Some(extra) => extra.dispatch(&user, file, &action, &params, format),
            None => dispatch(&handler, &user, file, &action, &params, format),
        };
        match answer {
            Ok(body) => {
                tracing::debug!(file, action, user = %user.authid, "ok");
                (StatusCode::OK, body)
            }
            Err(DispatchError::UnknownAction { file, action }) => fail(&format!(
                "Unknown api_action `{action}` for {file}; expected one of {}",
                actions_of(&shared.extras, &file)
            )),
            Err(DispatchError::Invalid(e)) => fail(&e.to_string()),
            Err(DispatchError::Handler(e)) => fail(&e.to_string()),
            Err(DispatchError::Encode(e)) => fail(&e.to_string()),
        }
    })
}

fn actions_of(extras: &Extras, file: &str) -> String {
    ACTIONS
        .iter()
        .map(|a| (a.file, a.name))
        .chain(extras.actions())
        .filter(|(f, _)| *f == file)
        .map(|(_, name)| name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report request of a call that [`export_report`] answers (see
/// [`report::is_streamed`]), with the credentials; `None` for any other call, and for a
/// report that does not parse or validate (the ordinary path then answers with the error).
fn streamed_report(
    shared: &Shared,
    file: &str,
    action: Option<&str>,
    params: &Node<'static>,
    format: Format,
) -> Option<(ReportRequest, String, String)> {
    let action = action?.trim();
    if file != "reports.php" || action != "report" || shared.extras.find(file, action).is_some() {
        return None;
    }
    let request = ReportRequest::from_params(params).ok()?;
    dlspbx_core::params::Validate::validate(&request).ok()?;
    if !report::is_streamed(&request, format) {
        return None;
    }
    let api_user = scalar(params, "api_user").unwrap_or("").to_owned();
    let api_key = scalar(params, "api_key").unwrap_or("").to_owned();
    Some((request, api_user, api_key))
}

/// How a streamed report begins: an ordinary answer (an error found before the first row),
/// or the body's chunks.
enum Head {
    Body(StatusCode, Vec<u8>),
    Stream(tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>),
}

/// A report's rows (every row, `page=ALL`, or one page) in JSON or CSV, written to the client as the rows are
/// read ([`report::stream`]) so that the server's memory does not grow with the report. It
/// reads through its own connection to a database file (a consistent WAL snapshot; other
/// requests go on), or holds the shared connection for an in-memory database.
async fn export_report(
    shared: Arc<Shared>,
    request: ReportRequest,
    api_user: String,
    api_key: String,
    format: Format,
) -> Response {
    let (head_tx, head_rx) = tokio::sync::oneshot::channel();
    tokio::task::spawn_blocking(move || {
        stream_report(&shared, &request, &api_user, &api_key, format, head_tx)
    });
    match head_rx.await {
        Ok(Head::Body(status, body)) => reply(status, format, body),
        Ok(Head::Stream(rx)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, format.media_type())],
            Body::from_stream(ChunkStream(rx)),
        )
            .into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, format, "internal error"),
    }
}

/// Runs on a blocking thread: authenticates, then streams the report into a bounded channel
/// (at most a few chunks in flight, whatever the client's speed).
fn stream_report(
    shared: &Shared,
    request: &ReportRequest,
    api_user: &str,
    api_key: &str,
    format: Format,
    head: tokio::sync::oneshot::Sender<Head>,
) {
    let fail = |head: tokio::sync::oneshot::Sender<Head>, message: &str| {
        let _ = head.send(Head::Body(StatusCode::OK, encode_error(format, message)));
    };
    let user = match shared.with_conn(|conn| api::authenticate(conn, api_user, api_key)) {
        Ok(Some(user)) => user,
        Ok(None) => return fail(head, api::INVALID_CREDENTIALS),
        Err(e) => return fail(head, &format!("database error: {e}")),
    };
    let mut head = Some(head);
    let mut body: Option<tokio::sync::mpsc::Sender<std::io::Result<Bytes>>> = None;
    let mut write = |chunk: Vec<u8>| -> bool {
        if let Some(head) = head.take() {
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            let _ = tx.try_send(Ok(Bytes::from(chunk)));
            body = Some(tx);
            return head.send(Head::Stream(rx)).is_ok();
        }
        body.as_ref()
            .is_some_and(|tx| tx.blocking_send(Ok(Bytes::from(chunk))).is_ok())
    };
    let result = match &shared.db_path {
        Some(path) => match db::open_reader(path) {
            Ok(conn) => report::stream(&conn, &user, request, format, &mut write),
            Err(e) => Err(e.into()),
        },
        None => shared.with_conn(|conn| report::stream(conn, &user, request, format, &mut write)),
    };
    match (result, head, body) {
        (Ok(()), ..) => tracing::debug!(user = %user.authid, "report streamed"),
        (Err(e), Some(head), _) => fail(head, &e.to_string()),
        // Past the first chunk the status is sent: end the body with an error so that the
        // client sees a broken response, not a short one.
        (Err(e), None, Some(tx)) => {
            let _ = tx.blocking_send(Err(std::io::Error::other(e)));
        }
        (Err(_), None, None) => {}
    }
}

/// The chunks of a streamed body, as the `Stream` axum's `Body::from_stream` takes.
struct ChunkStream(tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>);

impl futures_core::Stream for ChunkStream {
    type Item = std::io::Result<Bytes>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}
