//! `dlspbx-sim`: a reference server for the DLS Hosted PBX HTTP API (in the spirit of
//! stripe-mock), backed by SQLite and seeded with deterministic demo data.
//!
//! It parses every request with the same generated code as the clients
//! (`dlspbx_core::generated::server::dispatch`), applies the spec's validation rules, runs the
//! business logic against the database and writes the answer in the asked format with the
//! generated encoders. Only the business logic lives here.
//!
//! # Quick start
//!
//! ```no_run
//! let sim = dlspbx_sim::Sim::start()?; // in-memory, seeded, on 127.0.0.1:<free port>
//! println!("{} {} {}", sim.url(), sim.api_user(), sim.api_key());
//! # Ok::<(), dlspbx_sim::SimError>(())
//! ```
//!
//! From the command line: `dlspbx-sim serve [--db PATH] [--listen 127.0.0.1:8080] [--cdrs N]
//! [--seed S] [--read-timeout 30s]` prints one line, `dlspbx-sim listening on http://127.0.0.1:8080
//! (api_user=100@default api_key=...)`, and serves until Ctrl-C; `dlspbx-sim seed --db PATH
//! --cdrs N --seed S` (re)creates a database file and prints every user's credentials.
//!
//! # Endpoints
//!
//! `POST /api/v1/{module}.php?api_action=ACTION[&api_format=FORMAT]` for the modules
//! `example`, `dialer`, `reports`, `status`, `sms` and `subscribers` (the `.php` may be left
//! out). Any other method, `GET` included, is answered 405 with `Allow: POST`: a GET's fields
//! (the credentials among them) would have to be in the URL, so it could never succeed.
//!
//! - **Response format**: `api_format` in the query string (`json`, `xml`, `yaml`, `csv`,
//!   `plain`), else the `Accept` header by its weights (RFC 9110, see
//!   [`Format::from_accept`](dlspbx_core::Format::from_accept); `*/*` is JSON), else JSON. `Content-Type` is the format's media type.
//! - **Request body**, by `Content-Type`: `application/x-www-form-urlencoded` (the default
//!   when the header is missing) or `multipart/form-data` (what PHP's curl sends for
//!   `CURLOPT_POSTFIELDS` with an array), both read the way PHP fills `$_POST` with the same
//!   names and limits ([`server::parse_multipart`] hands each part to the core's form
//!   builder), `application/json` or `application/xml`. Fields other than
//!   `api_action`/`api_format` are read from the body only; `api_action` may also be in the
//!   body. A multipart part with a `filename` (a file upload) is refused with 400 naming the
//!   part: no action takes a file, and PHP would put it in `$_FILES`, out of the API's sight.
//! - **Text is UTF-8**, in every kind of body and in the query string: a name or value that is not UTF-8 is refused
//!   with 400 naming the field (`Form field `name` is not UTF-8 text; ...`), and an XML body
//!   that declares another encoding is refused naming it. This is a deliberate divergence:
//!   PHP passes the bytes through, but the typed layer holds text (see `spec/README.md`).
//! - **Credentials**: `api_user` (extension `100`, auth ID `z64xxx2n`, or `100@default`) and
//!   `api_key` in the body, the key compared in constant time. Every query and write is
//!   scoped to the user's tenant. A bare extension that exists in several tenants is the one
//!   whose key matches.
//! - **Quirks accepted**, by the generated parser and the core's
//!   [`Params`](dlspbx_core::params::Params), so the server knows no field: `filters[]`,
//!   `columns[]`, `options[]` (any key with PHP's array suffix) as literal JSON or XML keys,
//!   `filters[][src]=..` form lists (a record as a list of maps), `columns` and `options` as
//!   one comma-delimited value, `dst` as a list or a comma-delimited value; the spec's server
//!   defaults (`report_type=detail_table`, `country=US`) fill missing fields.
//!
//! # Status codes
//!
//! The rule: **a request that was read is answered with HTTP 200**, like the PHP server,
//! whatever the outcome: bad credentials, unknown `api_action`, a field failing validation
//! (the message names the field, the value and the rule) and business errors (unknown
//! contact list, number not on a list...) are all the error shape
//! (`{"result":"error","error":"..."}`, `-1` in plain) with status 200. **A request that
//! cannot be read as an API request gets a 4xx**, also with the error shape in the asked
//! format:
//!
//! | status | when |
//! |---|---|
//! | 400 | credentials in the query string ("api_user and api_key must be sent in the POST body, never in the URL"); a malformed JSON, XML or multipart body (`Malformed JSON body at line 1, column 14: ...`); a multipart file part; text that is not UTF-8, or an XML body declaring another encoding; a form or multipart body over PHP's `max_input_vars` (1000) or `max_input_nesting_level` (64) — PHP would drop variables silently, we refuse and say how many |
//! | 404 | an unknown module file or path |
//! | 405 | a method other than POST (`Allow: POST`) |
//! | 408 | a body not complete within the read timeout ([`SimConfig::read_timeout`], 30 s by default; headers not complete in time close the connection) |
//! | 413 | a body over 8 MB (PHP's `post_max_size`) |
//! | 415 | a `Content-Type` other than form, multipart, JSON or XML |
//!
//! An unknown `api_format` is answered in JSON with status 200.
//!
//! # Behaviour of the actions
//!
//! - `add_contact_list` returns the existing list's ID for a name the tenant already has.
//! - `add_contact` finds the list by numeric ID first, then by name ("Unknown contact list"
//!   otherwise); the phone number is stored as its 10 digits and is unique per list, so adding
//!   the same number again returns the same ID and leaves the contact unchanged. Custom fields
//!   are stored as JSON.
//! - `send_sms` stores one record per destination (status `success`, or `failure` for a
//!   number on the tenant's opt-out list), normalises 10-digit numbers to E.164, and answers
//!   with a PHP `uniqid()`-style `message_id`. Extensions must exist in the tenant.
//! - `query_sms` applies every filter (lists mean "any of"), orders by timestamp (`desc` by
//!   default), pages with `results_limit`/`results_offset` (echoed when given). A party
//!   filter matches the number, extension or auth ID; `2223334444` also matches
//!   `+12223334444`. `from`/`to` take `YYYY-MM-DD HH:MM:SS`, a Unix time or
//!   `MM/DD/YYYY HH:MM am`; stored times are UTC.
//! - Subscribers: adding a number already on a list succeeds and changes nothing; removing a
//!   number that is not on the list is an error (`... is not on the opt-in list of campaign
//!   ...`). Campaigns and tenants of other tenants are "Unknown".
//! - Status actions read snapshot tables seeded with the reference's samples.
//! - `report`: see [`report`] for how each filter type and operator is evaluated. Options:
//!   `from`/`to` (inclusive, default: all dates), `timezone` (default `America/Chicago`, the
//!   server's zone; an unknown zone is refused; stored dates are UTC, shown and `from`/`to`
//!   read in the zone, the title names the zone and its offset at the start of the range:
//!   `America/Chicago UTC-5:00 (DST)`, `UTC-6:00` outside DST),
//!   `order_by` (any column, default `date`) with `order_direction` (default `DESCENDING`),
//!   `per_page` (default 50), `page` (default 0, `ALL` for everything) or `page_offset`
//!   (not both), `count_only` (empty `columns` and `results`), `formatted_columns_names`
//!   (the spec's labels), `formatted_dates` (`MM/DD/YY HH:MM am`), `formatted_durations`
//!   (`00:02:45`), `formatted_tns` (`(847)854-4799` in `src`, `dst`, `dst_original`) and
//!   `map_mirrors` (accepted, no effect: the simulator has no mirrored extensions).
//!
//! # Storage
//!
//! SQLite (bundled), one connection behind a mutex, WAL and `synchronous=NORMAL` for files,
//! writes in transactions, schema versioned in a `migrations` table ([`db`]). Requests are
//! served one at a time on that connection (no `SQLITE_BUSY`); a write is committed before
//! its answer is sent, so an answered write survives the process being killed (WAL).
//!
//! A report of every row (`page=ALL`, not `count_only`) in JSON or CSV is written to the
//! client as the rows are read ([`report::stream`]), so the server's memory does not grow with
//! the report: from a database file it reads through its own read-only connection (a
//! consistent snapshot while other requests go on); from an in-memory database it holds the
//! shared connection until the last row is sent. XML and YAML reports are built in memory. `cdrs` has one
//! column per report column with SQL types (dates as text, durations as integer seconds,
//! yes/no as 0/1) and hidden columns for the filters.

#![warn(missing_docs)]

pub mod api;
pub mod cdr;
pub mod cli;
pub mod db;
pub mod extra;
pub mod phone;
pub mod php;
pub mod report;
pub mod seed;
pub mod server;
pub mod time;
pub mod world;

use rusqlite::Connection;
use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use extra::Extras;
pub use seed::SeedConfig;

/// Why the simulator could not start or seed.
#[derive(Debug)]
pub enum SimError {
    /// The database failed.
    Db(rusqlite::Error),
    /// Binding the socket or starting the runtime failed.
    Io(std::io::Error),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Db(e) => write!(f, "database error: {e}"),
            SimError::Io(e) => write!(f, "I/O error: {e}"),
        }
    }
}

impl std::error::Error for SimError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SimError::Db(e) => Some(e),
            SimError::Io(e) => Some(e),
        }
    }
}

impl From<rusqlite::Error> for SimError {
    fn from(e: rusqlite::Error) -> Self {
        SimError::Db(e)
    }
}

impl From<std::io::Error> for SimError {
    fn from(e: std::io::Error) -> Self {
        SimError::Io(e)
    }
}

/// Why a [`Handler`](dlspbx_core::generated::server::Handler) method of the simulator did not
/// answer: what the PHP server writes in its error shape (status 200, `result: error`).
#[derive(Debug)]
pub enum ApiError {
    /// The server refuses the request (an unknown list, a value it does not take): the message
    /// is written as it is.
    Refused(String),
    /// A database query failed: written as `database error: <the error>`.
    Db(rusqlite::Error),
}

impl ApiError {
    /// A refusal with `message`.
    pub fn refused(message: impl Into<String>) -> Self {
        ApiError::Refused(message.into())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Refused(message) => f.write_str(message),
            ApiError::Db(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiError::Refused(_) => None,
            ApiError::Db(e) => Some(e),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::Db(e)
    }
}

/// For handlers that never fail (`type Error = Infallible`).
impl From<std::convert::Infallible> for ApiError {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}

/// How to start a [`Sim`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// A database file (created and seeded when empty, reused as is otherwise), or `None` for
    /// a private in-memory database.
    pub db: Option<PathBuf>,
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The seed of the demo data.
    pub seed: u64,
    /// How many CDRs to generate when seeding.
    pub cdrs: usize,
    /// How long a client may take to send a request's headers, and then its body (default
    /// [`DEFAULT_READ_TIMEOUT`], 30 s, as PHP's web server front ends allow): a connection
    /// whose headers are not complete in time is closed, a body not complete in time is
    /// answered 408 and the connection closed.
    pub read_timeout: Duration,
    /// A PHP habit to show on every answer (a diagnostic before the body, a fatal error, a
    /// proxy's error page; see [`php`]); `None` for clean answers. One request can ask for
    /// one with the `X-Sim-Php` header.
    pub php_diagnostics: Option<php::PhpHabit>,
}

/// The default [`SimConfig::read_timeout`]: 30 seconds.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            db: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 42,
            cdrs: 500,
            read_timeout: DEFAULT_READ_TIMEOUT,
            php_diagnostics: None,
        }
    }
}

/// A running simulator: an HTTP server on a background thread with its own tokio runtime.
/// Dropping it stops the server.
pub struct Sim {
    addr: SocketAddr,
    api_user: String,
    api_key: String,
    shared: Arc<server::Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sim")
            .field("url", &self.url())
            .field("api_user", &self.api_user)
            .finish_non_exhaustive()
    }
}

impl Sim {
    /// Starts an in-memory simulator seeded with the demo data and 500 CDRs, on a free port
    /// of 127.0.0.1.
    pub fn start() -> Result<Sim, SimError> {
        Sim::start_with(SimConfig::default())
    }

    /// Starts a simulator as `config` says.
    pub fn start_with(config: SimConfig) -> Result<Sim, SimError> {
        Sim::start_with_extras(config, Extras::new())
    }

    /// Starts a simulator as `config` says that also answers the actions of `extras`
    /// (`include_spec!` extensions: `Extras::new().with(users::Server(MyUsers))`), with the
    /// same authentication, formats and error shape as the spec's actions.
    pub fn start_with_extras(config: SimConfig, extras: Extras) -> Result<Sim, SimError> {
        Sim::start_reporting(config, extras, &mut |_, _| {})
    }

    /// [`start_with_extras`](Self::start_with_extras), calling `progress(done, total)` while
    /// a new database is seeded with CDRs (every [`seed::PROGRESS_STEP`] CDRs and at the end;
    /// not at all for a database that is already seeded).
    pub fn start_reporting(
        config: SimConfig,
        extras: Extras,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Sim, SimError> {
        let conn = db::open(config.db.as_deref())?;
        if !db::is_seeded(&conn)? {
            let total = config.cdrs;
            seed::seed_reporting(
                &conn,
                &SeedConfig {
                    seed: config.seed,
                    cdrs: config.cdrs,
                },
                &mut |done| progress(done, total),
            )?;
        }
        let api_user = world::DEMO_USER.to_owned();
        let api_key: String = conn
            .query_row(
                "SELECT u.api_key FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.ext = '100' AND t.name = 'default'",
                [],
                |r| r.get(0),
            )
            .unwrap_or_default();
        let mut shared = server::Shared::new(conn).with_db_path(config.db.clone());
        shared.extras = extras;
        shared.read_timeout = config.read_timeout;
        let shared = Arc::new(shared);
        let listener = TcpListener::bind(config.listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("dlspbx-sim-worker")
            .enable_all()
            .build()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let read_timeout = config.read_timeout;
        let habit = config.php_diagnostics;
        let app = server::router(shared.clone()).layer(axum::middleware::from_fn(
            move |request, next| php::apply(habit, request, next),
        ));
        let thread = std::thread::Builder::new()
            .name("dlspbx-sim".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!("cannot listen: {e}");
                            return;
                        }
                    };
                    tokio::select! {
                        () = server::serve(listener, app, read_timeout) => {}
                        _ = rx => {}
                    }
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok(Sim {
            addr,
            api_user,
            api_key,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The demo user, `100@default`.
    pub fn api_user(&self) -> &str {
        &self.api_user
    }

    /// The demo user's API key.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The API key of any seeded user, by `ext@tenant` or auth ID (`100@acme`, `beaucrn6`).
    pub fn key_of(&self, api_user: &str) -> Option<String> {
        self.with_db(|conn| {
            let sql = "SELECT u.api_key FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.authid = ?1 OR (u.ext || '@' || t.name) = ?1";
            conn.query_row(sql, [api_user], |r| r.get(0)).ok()
        })
    }

    /// Runs `f` with the simulator's database (locked while `f` runs).
    pub fn with_db<R>(&self, f: impl FnOnce(&Connection) -> R) -> R {
        self.shared.with_conn(f)
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
