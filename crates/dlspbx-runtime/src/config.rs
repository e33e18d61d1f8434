//! Client configuration, shared by the blocking client and `dlspbx-async`.
//!
//! Settings come from three places, applied in the order the builder methods are called
//! (a later setting overrides an earlier one):
//!
//! - the builder's setters ([`ClientBuilder::base_url`], [`ClientBuilder::api_key`], ...),
//! - a TOML file ([`ClientBuilder::config_file`], [`ClientBuilder::default_config_file`];
//!   feature `config-file`, which the `dlspbx` CLI has and the libraries leave off by default),
//! - the environment ([`ClientBuilder::env`]).
//!
//! `Client::from_env()` is `builder().default_config_file().env().build()`.
//!
//! # Config file
//!
//! ```toml
//! url = "https://pbx.example.com"   # the server's base URL
//! api_user = "100@tenant"           # extension, auth ID or extension@tenant
//! api_key_file = "api_key"          # or: api_key = "..."; a relative path is relative to this file
//! format = "json"                   # json, xml, yaml, csv, plain
//! encoding = "form"                 # form, json, xml (request bodies)
//! connect_timeout = 10              # seconds
//! timeout = 60                      # seconds, for a whole call
//! max_attempts = 3                  # 1 disables retries
//! max_body_size = 268435456         # bytes
//! ```
//!
//! Unknown keys are an error (a typo must not silently fall back to a default). The default
//! file is `$DLSPBX_CONFIG`, else `$XDG_CONFIG_HOME/dlspbx/config.toml`, else
//! `~/.config/dlspbx/config.toml`. A file holding `api_key` that others can read is accepted
//! with a warning (`tracing`); prefer `api_key_file` or the environment.
//!
//! # Environment
//!
//! `DLSPBX_URL`, `DLSPBX_API_USER`, `DLSPBX_API_KEY` (or `DLSPBX_API_KEY_FILE`), and the
//! optional `DLSPBX_FORMAT` and `DLSPBX_ENCODING`.
//!
//! # Security
//!
//! The base URL must be `https://`, except for loopback hosts (`localhost`, `127.0.0.0/8`,
//! `[::1]`), which may use `http://` (a local simulator or an SSH tunnel). It may not hold a
//! user name, password, query or fragment. The API key is only ever put in request bodies;
//! every `Debug` print shows it as `REDACTED`.

use crate::retry::RetryPolicy;
use dlspbx_core::error::{ConfigError, ConfigKind, Setting};
use dlspbx_core::http::{ApiKey, Credentials, RequestOptions};
use dlspbx_core::request::form::{FormLimits, Oversize};
use dlspbx_core::{Encoding, Error, Format, Result};
#[cfg(feature = "config-file")]
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default time allowed to establish a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for one whole HTTP exchange, body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default largest response body read into memory (256 MiB).
pub const DEFAULT_MAX_BODY_SIZE: u64 = 256 * 1024 * 1024;
/// The `User-Agent` of both clients.
pub const USER_AGENT: &str = concat!("dlspbx/", env!("CARGO_PKG_VERSION"));

/// A complete, validated client configuration. Built by [`ClientBuilder`]; both clients are
/// made from one with `Client::from_config`.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The server's base URL, without a trailing `/` or `/api/v1` (`https://pbx.example.com`).
    pub base_url: String,
    /// `api_user` and `api_key`, sent in every request body.
    pub credentials: Credentials,
    /// Response format, request encoding and form limits of every call (overridable per call
    /// with `with_format` / `with_encoding`).
    pub options: RequestOptions,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one HTTP exchange, from connecting to the end of the body.
    pub timeout: Duration,
    /// Largest response body read into memory; a larger one fails with [`Error::Transport`].
    pub max_body_size: u64,
    /// When and how failed calls are retried.
    pub retry: RetryPolicy,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_user", &self.credentials.api_user)
            .field("api_key", &Redacted)
            .field("format", &self.options.format)
            .field("encoding", &self.options.encoding)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_body_size", &self.max_body_size)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// `Ok` unless the base URL is `https://` and the client `crate_name` was built without
    /// TLS (`has_tls` false): then the [`Error::Config`] naming the features that add it.
    pub fn require_tls(&self, crate_name: &str, has_tls: bool) -> Result<()> {
        if has_tls || !self.base_url.starts_with("https://") {
            return Ok(());
        }
        Err(Error::Config(ConfigError::new(
            ConfigKind::Unsupported,
            format!(
                "this build of {crate_name} has no TLS support, so it cannot reach an https:// \
                 URL; enable the `rustls` (default) or `native-tls` feature"
            ),
        )))
    }
}

impl ClientConfig {
    /// The `host:port` of the base URL (the port the scheme implies when none is given), as
    /// transport errors name the server.
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// let config = Client::builder()
    ///     .base_url("https://pbx.example.com/pbx")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .into_config()?;
    /// assert_eq!(config.address(), "pbx.example.com:443");
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn address(&self) -> String {
        let (scheme, rest) = self
            .base_url
            .split_once("://")
            .unwrap_or(("https", &self.base_url));
        let authority = rest.split('/').next().unwrap_or(rest);
        match split_host_port(authority) {
            Some((_, Some(_))) | None => authority.to_owned(),
            Some((_, None)) if scheme.eq_ignore_ascii_case("http") => format!("{authority}:80"),
            Some((_, None)) => format!("{authority}:443"),
        }
    }
}

/// Prints `REDACTED` in place of a secret.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("REDACTED")
    }
}

/// A client that can be built from a [`ClientConfig`]: `dlspbx::Client` and
/// `dlspbx_async::Client`.
pub trait FromConfig: Sized {
    /// Builds the client (its connection pool, TLS and timeouts).
    fn from_config(config: ClientConfig) -> Result<Self>;
}

/// Where the API key comes from.
#[derive(Clone)]
enum KeySource {
    Value(ApiKey),
    File(PathBuf),
}

/// Builds a client of type `C` (use `dlspbx::ClientBuilder` or `dlspbx_async::ClientBuilder`).
///
/// Setters never fail; a problem (an unreadable config file, a bad value in the environment)
/// is reported by [`build`](Self::build).
#[must_use]
pub struct ClientBuilder<C> {
    base_url: Option<String>,
    api_user: Option<String>,
    api_key: Option<KeySource>,
    format: Option<Format>,
    encoding: Option<Encoding>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    max_body_size: Option<u64>,
    retry: RetryPolicy,
    form_limits: FormLimits,
    oversize: Oversize,
    user_agent: Option<String>,
    /// `[profiles.NAME]` to read from config files, and whether one was read.
    profile: Option<(String, bool)>,
    error: Option<ConfigError>,
    client: PhantomData<fn() -> C>,
}

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        ClientBuilder {
            base_url: self.base_url.clone(),
            api_user: self.api_user.clone(),
            api_key: self.api_key.clone(),
            user_agent: self.user_agent.clone(),
            profile: self.profile.clone(),
            error: self.error.clone(),
            ..*self
        }
    }
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder {
            base_url: None,
            api_user: None,
            api_key: None,
            format: None,
            encoding: None,
            connect_timeout: None,
            timeout: None,
            max_body_size: None,
            retry: RetryPolicy::default(),
            form_limits: FormLimits::default(),
            oversize: Oversize::default(),
            user_agent: None,
            profile: None,
            error: None,
            client: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = match &self.api_key {
            None => "None",
            Some(KeySource::Value(_)) => "REDACTED",
            Some(KeySource::File(_)) => "REDACTED (from file)",
        };
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_user", &self.api_user)
            .field("api_key", &format_args!("{key}"))
            .field("format", &self.format)
            .field("encoding", &self.encoding)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_body_size", &self.max_body_size)
            .field("retry", &self.retry)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<C> ClientBuilder<C> {
    /// An empty builder: every setting unset, defaults for the optional ones.
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// use dlspbx::config::ClientBuilder;
    /// // The same as `Client::builder()`.
    /// let builder = ClientBuilder::<Client>::new();
    /// // `base_url`, `api_user` and `api_key` have no default.
    /// assert!(builder.build().is_err());
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The server's base URL, such as `https://pbx.example.com` (the API lives under
    /// `/api/v1/`, which may be given too: a trailing `/api/v1/` is dropped). Must be
    /// `https://` unless the host is loopback.
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .build()?;
    /// assert_eq!(client.config().base_url, "https://pbx.example.com");
    /// // Plain http only for loopback hosts (a local simulator).
    /// assert!(Client::builder().base_url("http://pbx.example.com").api_user("100").api_key("k").build().is_err());
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API user: extension, auth ID or `extension@tenant`.
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .build()?;
    /// assert_eq!(client.config().credentials.api_user, "100@tenant");
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn api_user(mut self, user: impl Into<String>) -> Self {
        self.api_user = Some(user.into());
        self
    }

    /// The API key (Users - Preferences in the PBX).
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .build()?;
    /// // The key is never printed.
    /// assert!(!format!("{client:?}").contains("your-api-key"));
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(KeySource::Value(ApiKey::new(key)));
        self
    }

    /// Reads the API key from a file when the client is built (surrounding whitespace is
    /// trimmed).
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// let path = std::env::temp_dir().join("dlspbx-doc-api-key");
    /// std::fs::write(&path, "your-api-key\n").unwrap();
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key_file(&path)
    ///     .build()?;
    /// assert!(!format!("{client:?}").contains("your-api-key"));
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn api_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.api_key = Some(KeySource::File(path.into()));
        self
    }

    /// The response format asked for (default JSON).
    ///
    /// ```
    /// # #[cfg(feature = "xml")] {
    /// use dlspbx::{Client, ClientExt};
    /// use dlspbx::Format;
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .format(Format::Xml)
    ///     .build()?;
    /// assert_eq!(client.format(), Format::Xml);
    /// # }
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// The request body encoding (default form).
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// use dlspbx::Encoding;
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .encoding(Encoding::Json)
    ///     .build()?;
    /// assert_eq!(client.encoding(), Encoding::Json);
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = Some(encoding);
        self
    }

    /// Time allowed to establish a connection (default 10 s).
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// use std::time::Duration;
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .connect_timeout(Duration::from_secs(3))
    ///     .build()?;
    /// assert_eq!(client.config().connect_timeout, Duration::from_secs(3));
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for one HTTP exchange, body included (default 60 s). Retries each get
    /// this much again.
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// use std::time::Duration;
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .timeout(Duration::from_secs(300))
    ///     .build()?;
    /// assert_eq!(client.config().timeout, Duration::from_secs(300));
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Largest response body read into memory (default 256 MiB). A larger body fails the call
    /// with [`Error::Transport`] instead of exhausting memory.
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .max_body_size(1 << 30)
    ///     .build()?;
    /// assert_eq!(client.config().max_body_size, 1 << 30);
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// The retry policy (default: 3 attempts, 200 ms base, 5 s cap).
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// use dlspbx::RetryPolicy;
    /// use std::time::Duration;
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .retry(RetryPolicy::attempts(5).backoff(Duration::from_millis(100), Duration::from_secs(2)))
    ///     .build()?;
    /// assert_eq!(client.config().retry.max_attempts, 5);
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Shorthand for changing only the number of attempts of the retry policy (1 disables
    /// retries).
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .max_attempts(1) // no retries
    ///     .build()?;
    /// assert_eq!(client.config().retry.max_attempts, 1);
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry.max_attempts = attempts;
        self
    }

    /// PHP's input limits, checked before a form body is sent.
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// use dlspbx::FormLimits;
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .form_limits(FormLimits { max_input_vars: 5000, ..FormLimits::PHP_DEFAULTS })
    ///     .build()?;
    /// assert_eq!(client.config().options.form_limits.max_input_vars, 5000);
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn form_limits(mut self, limits: FormLimits) -> Self {
        self.form_limits = limits;
        self
    }

    /// What to do with a form body the server would truncate.
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// use dlspbx::Oversize;
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .oversize(Oversize::Fail)
    ///     .build()?;
    /// assert_eq!(client.config().options.oversize, Oversize::Fail);
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn oversize(mut self, oversize: Oversize) -> Self {
        self.oversize = oversize;
        self
    }

    /// The `User-Agent` header (default `dlspbx/<version>`).
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .user_agent("my-app/1.0")
    ///     .build()?;
    /// assert_eq!(client.config().user_agent, "my-app/1.0");
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Applies the settings of a TOML config file (see the [module docs](self)). A missing
    /// or malformed file is reported by [`build`](Self::build), and so is a build without the
    /// `config-file` feature.
    ///
    /// ```
    /// # #[cfg(feature = "config-file")] {
    /// use dlspbx::{Client, ClientExt};
    /// let path = std::env::temp_dir().join("dlspbx-doc-config.toml");
    /// std::fs::write(
    ///     &path,
    ///     "url = \"https://pbx.example.com\"\napi_user = \"100@tenant\"\napi_key = \"your-api-key\"\nencoding = \"json\"\n",
    /// )
    /// .unwrap();
    /// let client = Client::builder().config_file(&path).build()?;
    /// assert_eq!(client.config().options.encoding, dlspbx::Encoding::Json);
    /// # }
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn config_file(self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        if !cfg!(feature = "config-file") {
            return self.fail(ConfigError::new(
                ConfigKind::Unsupported,
                format!(
                    "cannot read config file {}: this build of dlspbx has no config file \
                     support; enable the `config-file` feature",
                    path.display()
                ),
            ));
        }
        match std::fs::read_to_string(path) {
            Ok(text) => self.apply_toml(&text, path),
            Err(e) => self.fail(ConfigError::context(
                ConfigKind::Io,
                &format!("cannot read config file {}", path.display()),
                e,
            )),
        }
    }

    /// Applies the default config file, if there is one: `$DLSPBX_CONFIG`, else
    /// [`default_config_path`]. A missing default file is not an error (a missing
    /// `$DLSPBX_CONFIG` is). Without the `config-file` feature this does nothing.
    ///
    /// ``` no_run
    /// use dlspbx::{Client, ClientExt};
    /// // What `Client::from_env()` does.
    /// let client = Client::builder().default_config_file().env().build()?;
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn default_config_file(self) -> Self {
        if !cfg!(feature = "config-file") {
            return self;
        }
        match config_file_in_effect() {
            Some(path) => self.config_file(path),
            None => self,
        }
    }

    /// Applies the `DLSPBX_*` environment variables that are set (see the
    /// [module docs](self)).
    ///
    /// ``` no_run
    /// use dlspbx::{Client, ClientExt};
    /// // DLSPBX_URL, DLSPBX_API_USER and DLSPBX_API_KEY, over an explicit format.
    /// let client = Client::builder().format(dlspbx::Format::Csv).env().build()?;
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn env(self) -> Self {
        self.env_from(|name| std::env::var(name).ok())
    }

    /// Applies `DLSPBX_*` variables looked up with `lookup` instead of the process
    /// environment (for tests and embedding).
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// let vars = std::collections::HashMap::from([
    ///     ("DLSPBX_URL", "https://pbx.example.com"),
    ///     ("DLSPBX_API_USER", "100@tenant"),
    ///     ("DLSPBX_API_KEY", "your-api-key"),
    /// ]);
    /// let client = Client::builder()
    ///     .env_from(|name| vars.get(name).map(|v| v.to_string()))
    ///     .build()?;
    /// assert_eq!(client.config().base_url, "https://pbx.example.com");
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn env_from(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        if let Some(url) = get("DLSPBX_URL") {
            self.base_url = Some(url);
        }
        if let Some(user) = get("DLSPBX_API_USER") {
            self.api_user = Some(user);
        }
        if let Some(path) = get("DLSPBX_API_KEY_FILE") {
            self.api_key = Some(KeySource::File(expand_home(&path)));
        }
        if let Some(key) = get("DLSPBX_API_KEY") {
            self.api_key = Some(KeySource::Value(ApiKey::new(key)));
        }
        if let Some(format) = get("DLSPBX_FORMAT") {
            match format.parse() {
                Ok(f) => self.format = Some(f),
                Err(e) => self = self.fail(invalid(format!("DLSPBX_FORMAT: {e}"))),
            }
        }
        if let Some(encoding) = get("DLSPBX_ENCODING") {
            match encoding.parse() {
                Ok(e) => self.encoding = Some(e),
                Err(e) => self = self.fail(invalid(format!("DLSPBX_ENCODING: {e}"))),
            }
        }
        self
    }

    /// Validates the settings into a [`ClientConfig`] without building a client.
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// let config = Client::builder()
    ///     .base_url("https://pbx.example.com/")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .into_config()?;
    /// assert_eq!(config.base_url, "https://pbx.example.com");
    /// let client = Client::from_config(config)?;
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn into_config(self) -> Result<ClientConfig> {
        if let Some(e) = self.error {
            return Err(Error::Config(e));
        }
        if let Some((name, false)) = &self.profile {
            return Err(invalid(format!(
                "profile `{name}`: no config file was read (give one with a [profiles.{name}] table)"
            ))
            .into());
        }
        let base_url = self.base_url.ok_or_else(|| missing(Setting::BaseUrl))?;
        let base_url = validate_base_url(&base_url).map_err(invalid)?;
        let api_user = self.api_user.ok_or_else(|| missing(Setting::ApiUser))?;
        if api_user.trim().is_empty() {
            return Err(invalid("the API user is empty").into());
        }
        let api_key = match self.api_key.ok_or_else(|| missing(Setting::ApiKey))? {
            KeySource::Value(key) => key,
            KeySource::File(path) => read_key_file(&path)?,
        };
        if api_key.expose().trim().is_empty() {
            return Err(invalid("the API key is empty").into());
        }
        let format = self.format.unwrap_or_default().require()?;
        let encoding = self.encoding.unwrap_or_default().require()?;
        let retry = self.retry;
        if retry.max_attempts == 0 {
            return Err(invalid("max_attempts must be at least 1").into());
        }
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        if timeout.is_zero() || connect_timeout.is_zero() {
            return Err(invalid("timeouts must be greater than zero").into());
        }
        Ok(ClientConfig {
            base_url,
            credentials: Credentials { api_user, api_key },
            options: RequestOptions {
                format,
                encoding,
                form_limits: self.form_limits,
                oversize: self.oversize,
            },
            connect_timeout,
            timeout,
            max_body_size: self.max_body_size.unwrap_or(DEFAULT_MAX_BODY_SIZE),
            retry,
            user_agent: self.user_agent.unwrap_or_else(|| USER_AGENT.to_owned()),
        })
    }

    /// Validates the settings and builds the client.
    ///
    /// ```
    /// use dlspbx::{Client, ClientExt};
    /// let client = Client::builder()
    ///     .base_url("https://pbx.example.com")
    ///     .api_user("100@tenant")
    ///     .api_key("your-api-key")
    ///     .build()?;
    /// assert_eq!(client.config().base_url, "https://pbx.example.com");
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn build(self) -> Result<C>
    where
        C: FromConfig,
    {
        C::from_config(self.into_config()?)
    }

    /// Records the first problem; [`build`](Self::build) reports it.
    fn fail(mut self, error: ConfigError) -> Self {
        self.error.get_or_insert(error);
        self
    }

    #[cfg(not(feature = "config-file"))]
    fn apply_toml(self, _text: &str, _path: &Path) -> Self {
        self
    }

    /// Reads `[profiles.NAME]` of the config files applied after this call over their
    /// top-level keys (`--profile` in the CLI). A file without that profile, or no file at
    /// all, is an error naming the profiles there are.
    ///
    /// ```
    /// # #[cfg(feature = "config-file")] {
    /// use dlspbx::{Client, ClientExt};
    /// let dir = std::env::temp_dir().join(format!("dlspbx-doc-profile-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("config.toml");
    /// std::fs::write(
    ///     &path,
    ///     "api_user = \"100@tenant\"\napi_key = \"k\"\nurl = \"https://pbx.example.com\"\n\
    ///      [profiles.staging]\nurl = \"https://staging.example.com\"\n",
    /// )
    /// .unwrap();
    /// let client = Client::builder().profile("staging").config_file(&path).build()?;
    /// assert_eq!(client.config().base_url, "https://staging.example.com");
    /// # }
    /// # Ok::<(), dlspbx::Error>(())
    /// ```
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some((name.into(), false));
        self
    }

    #[cfg(feature = "config-file")]
    fn apply_toml(mut self, text: &str, path: &Path) -> Self {
        let mut file: FileConfig = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                let line = e.span().map_or(String::new(), |span| {
                    let start = span.start.min(text.len());
                    let line = text.as_bytes()[..start]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count();
                    format!(" line {}:", line + 1)
                });
                let message = format!(
                    "config file {}:{line} {}",
                    path.display(),
                    e.message().trim_end()
                );
                return self.fail(invalid(message));
            }
        };
        let profiles = file.profiles.take().unwrap_or_default();
        if let Some(nested) = profiles.iter().find(|(_, p)| p.profiles.is_some()) {
            return self.fail(invalid(format!(
                "config file {}: profile `{}` holds profiles of its own; profiles are only at the top",
                path.display(),
                nested.0
            )));
        }
        let chosen = match self.profile.clone() {
            None => None,
            Some((name, _)) => match profiles.get(&name) {
                Some(p) => Some(p.clone()),
                None => {
                    let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
                    return self.fail(invalid(format!(
                        "config file {}: no profile `{name}`; it has {}",
                        path.display(),
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    )));
                }
            },
        };
        self = self.apply_settings(file, path);
        if let Some(p) = chosen {
            if let Some((_, found)) = &mut self.profile {
                *found = true;
            }
            self = self.apply_settings(p, path);
        }
        self
    }

    /// The settings of one table of a config file (the top level or a profile).
    #[cfg(feature = "config-file")]
    fn apply_settings(mut self, file: FileConfig, path: &Path) -> Self {
        if self.error.is_some() {
            return self;
        }
        let at =
            |key: &str, e: String| invalid(format!("config file {}: `{key}`: {e}", path.display()));
        if file.api_key.is_some() && file.api_key_file.is_some() {
            return self.fail(at(
                "api_key",
                "give either api_key or api_key_file, not both".into(),
            ));
        }
        if file.api_key.is_some() {
            warn_if_readable(path);
        }
        if let Some(url) = file.url {
            self.base_url = Some(url);
        }
        if let Some(user) = file.api_user {
            self.api_user = Some(user);
        }
        if let Some(key) = file.api_key {
            self.api_key = Some(KeySource::Value(ApiKey::new(key)));
        }
        if let Some(key_file) = file.api_key_file {
            let key_file = expand_home(&key_file);
            let key_file = match path.parent() {
                Some(dir) if key_file.is_relative() => dir.join(key_file),
                _ => key_file,
            };
            self.api_key = Some(KeySource::File(key_file));
        }
        if let Some(format) = file.format {
            match format.parse() {
                Ok(f) => self.format = Some(f),
                Err(e) => return self.fail(at("format", e)),
            }
        }
        if let Some(encoding) = file.encoding {
            match encoding.parse() {
                Ok(e) => self.encoding = Some(e),
                Err(e) => return self.fail(at("encoding", e)),
            }
        }
        let seconds = |key: &str, value: Option<f64>| match value.map(Duration::try_from_secs_f64) {
            None => Ok(None),
            Some(Ok(d)) if !d.is_zero() => Ok(Some(d)),
            Some(_) => Err(at(
                key,
                format!(
                    "expected a positive number of seconds, found {}",
                    value.unwrap_or_default()
                ),
            )),
        };
        match (
            seconds("connect_timeout", file.connect_timeout),
            seconds("timeout", file.timeout),
        ) {
            (Ok(connect), Ok(total)) => {
                self.connect_timeout = connect.or(self.connect_timeout);
                self.timeout = total.or(self.timeout);
            }
            (Err(e), _) | (_, Err(e)) => return self.fail(e),
        }
        if let Some(attempts) = file.max_attempts {
            self.retry.max_attempts = attempts;
        }
        if let Some(bytes) = file.max_body_size {
            self.max_body_size = Some(bytes);
        }
        self
    }
}

/// The config file's keys; a profile (`[profiles.NAME]`) has the same ones.
#[cfg(feature = "config-file")]
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    profiles: Option<std::collections::BTreeMap<String, FileConfig>>,
    url: Option<String>,
    api_user: Option<String>,
    api_key: Option<String>,
    api_key_file: Option<String>,
    format: Option<String>,
    encoding: Option<String>,
    connect_timeout: Option<f64>,
    timeout: Option<f64>,
    max_attempts: Option<u32>,
    max_body_size: Option<u64>,
}

/// A required setting that is not set ([`ConfigKind::Missing`]), in the SDK's words.
fn missing(setting: Setting) -> Error {
    let (what, setter, file_key, var) = match setting {
        Setting::BaseUrl => ("the base URL", "base_url", "url", "DLSPBX_URL"),
        Setting::ApiUser => ("the API user", "api_user", "api_user", "DLSPBX_API_USER"),
        _ => ("the API key", "api_key", "api_key", "DLSPBX_API_KEY"),
    };
    Error::Config(ConfigError::new(
        ConfigKind::Missing(setting),
        format!(
            "{what} is not set: use ClientBuilder::{setter}, `{file_key}` in the config file, or {var}"
        ),
    ))
}

/// A setting that is missing or wrong.
fn invalid(message: impl Into<std::borrow::Cow<'static, str>>) -> ConfigError {
    ConfigError::new(ConfigKind::Invalid, message)
}

fn read_key_file(path: &Path) -> Result<ApiKey> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::context(
            ConfigKind::Io,
            &format!("cannot read API key file {}", path.display()),
            e,
        )
    })?;
    Ok(ApiKey::new(text.trim()))
}

/// `~/x` to `$HOME/x`.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(all(unix, feature = "config-file"))]
fn warn_if_readable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o044 != 0
    {
        tracing::warn!(
            path = %path.display(),
            "config file holds api_key and is readable by other users; use api_key_file or chmod 600"
        );
    }
}

#[cfg(all(not(unix), feature = "config-file"))]
fn warn_if_readable(_path: &Path) {}

/// The config file [`ClientBuilder::default_config_file`] reads: `$DLSPBX_CONFIG` when set
/// (whether or not it exists: a missing one is then an error), else
/// [`default_config_path`] when that file exists, else none.
pub fn config_file_in_effect() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DLSPBX_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    default_config_path().filter(|p| p.is_file())
}

/// `$XDG_CONFIG_HOME/dlspbx/config.toml`, else `~/.config/dlspbx/config.toml` (`None` when
/// neither variable is set).
pub fn default_config_path() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".config"))
    })?;
    Some(base.join("dlspbx").join("config.toml"))
}

/// Checks a base URL and returns it without a trailing `/`, and without a trailing `/api/v1`
/// (the API's own path, which every call adds: `https://pbx.example.com/api/v1/`, as the
/// API's docs write it, is `https://pbx.example.com`).
///
/// Allowed: `https://host[:port][/path]`, and `http://` for loopback hosts only
/// (`localhost`, `127.0.0.0/8`, `[::1]`). Refused: other schemes, user info (credentials
/// belong in the body, never in a URL), queries and fragments.
pub fn validate_base_url(url: &str) -> std::result::Result<String, String> {
    let url = url.trim();
    // Error messages show the URL without what may hold credentials: user info, query and
    // fragment.
    let shown = shown_url(url);
    let bad = |why: &str| Err(format!("invalid base URL `{shown}`: {why}"));
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it contains whitespace");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return bad("expected https://host");
    };
    let https = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return bad("the scheme must be https (or http for a loopback host)"),
    };
    // User info before the query, wherever the first `/` is (a password may hold one).
    let before_query = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    if before_query.contains('@') {
        return bad("it may not hold a user name or password; use api_user and api_key");
    }
    if rest.contains(['?', '#']) {
        return bad("it may not have a query or fragment");
    }
    let authority = rest.split('/').next().unwrap_or("");
    let (host, port) = split_host_port(authority)
        .ok_or_else(|| format!("invalid base URL `{shown}`: bad host or port"))?;
    if host.is_empty() {
        return bad("the host is missing");
    }
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return bad("the port must be a number from 0 to 65535");
    }
    if !https && !is_loopback(host) {
        return bad(
            "plain http is only allowed for loopback hosts (localhost, 127.0.0.0/8, [::1]); use https",
        );
    }
    let url = url.trim_end_matches('/');
    let url = match url.strip_suffix(API_PATH) {
        Some(root) if root.len() > scheme.len() + 3 => root.trim_end_matches('/'),
        _ => url,
    };
    Ok(url.to_owned())
}

/// The path under which the API lives, added to the base URL by every call.
const API_PATH: &str = "/api/v1";

/// `url` as error messages show it: without a query or fragment, and with any user info
/// replaced by `REDACTED` (a user may paste a URL that holds the key).
fn shown_url(url: &str) -> String {
    let url = &url[..url.find(['?', '#']).unwrap_or(url.len())];
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rfind('@') {
            Some(at) => format!("{scheme}://REDACTED@{}", &rest[at + 1..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// The host of a URL (`https://user@pbx.example.com:8443/api` → `pbx.example.com`, `[::1]` →
/// `::1`); `None` when it has no `scheme://` or no host.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    split_host_port(authority)
        .map(|(host, _)| host)
        .filter(|h| !h.is_empty())
}

/// `host:port`, `[v6]:port`, `host` or `[v6]`.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        host.parse::<Ipv6Addr>().ok()?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    match authority.split_once(':') {
        Some((host, port)) => Some((host, Some(port))),
        None => Some((authority, None)),
    }
}

/// `localhost`, `127.0.0.0/8` or `::1`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_of_a_url() {
        assert_eq!(
            url_host("https://pbx.example.com:8443/api"),
            Some("pbx.example.com")
        );
        assert_eq!(url_host("http://u@127.0.0.1:8080"), Some("127.0.0.1"));
        assert_eq!(url_host("http://[::1]:80/"), Some("::1"));
        assert_eq!(url_host("pbx.example.com"), None);
    }

    #[derive(Debug)]
    struct Dummy;

    impl FromConfig for Dummy {
        fn from_config(_: ClientConfig) -> Result<Self> {
            Ok(Dummy)
        }
    }

    fn builder() -> ClientBuilder<Dummy> {
        ClientBuilder::new()
            .base_url("https://pbx.example.com/")
            .api_user("100@t")
            .api_key("sekrit-key")
    }

    #[test]
    fn url_rules() {
        for ok in [
            "https://pbx.example.com",
            "https://pbx.example.com:8443/pbx/",
            "http://localhost:8080",
            "http://127.0.0.1",
            "http://127.9.9.9:1",
            "http://[::1]:80",
            "HTTP://LOCALHOST",
        ] {
            assert!(validate_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://pbx.example.com",
            "http://10.0.0.1",
            "http://[::2]",
            "ftp://localhost",
            "pbx.example.com",
            "https://user:pw@pbx.example.com",
            "https://pbx.example.com/?a=1",
            "https://pbx.example.com/#x",
            "https://",
            "https://host:99999",
            "https://[zz]/",
            "http://localhost.evil.com",
        ] {
            assert!(validate_base_url(bad).is_err(), "{bad}");
        }
        for url in [
            "https://pbx.example.com/",
            "https://pbx.example.com//",
            "https://pbx.example.com/api/v1",
            "https://pbx.example.com/api/v1/",
        ] {
            assert_eq!(
                validate_base_url(url).unwrap(),
                "https://pbx.example.com",
                "{url}"
            );
        }
        assert_eq!(
            validate_base_url("https://pbx.example.com:8443/pbx/api/v1/").unwrap(),
            "https://pbx.example.com:8443/pbx"
        );
        assert_eq!(
            validate_base_url("https://pbx.example.com/x/api/v10").unwrap(),
            "https://pbx.example.com/x/api/v10"
        );
    }

    #[test]
    fn defaults() {
        let c = builder().into_config().unwrap();
        assert_eq!(c.base_url, "https://pbx.example.com");
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        assert_eq!(c.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(c.max_body_size, DEFAULT_MAX_BODY_SIZE);
        assert_eq!(c.retry, RetryPolicy::default());
        assert_eq!(c.options.format, Format::Json);
        assert_eq!(c.options.encoding, Encoding::Form);
    }

    #[test]
    fn debug_hides_key() {
        let b = builder();
        assert!(!format!("{b:?}").contains("sekrit"));
        let c = b.into_config().unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("sekrit") && s.contains("REDACTED"), "{s}");
    }

    #[test]
    fn missing_settings() {
        let e = ClientBuilder::<Dummy>::new().into_config().unwrap_err();
        assert!(
            matches!(e, Error::Config(ref m) if m.message().contains("DLSPBX_URL")
                && m.kind() == ConfigKind::Missing(Setting::BaseUrl)),
            "{e}"
        );
        let e = ClientBuilder::<Dummy>::new()
            .base_url("https://pbx.example.com")
            .api_user("100")
            .into_config()
            .unwrap_err();
        assert!(
            matches!(e, Error::Config(ref m) if m.kind() == ConfigKind::Missing(Setting::ApiKey)),
            "{e}"
        );
        let e = builder().max_attempts(0).into_config().unwrap_err();
        assert!(matches!(e, Error::Config(_)));
        let e = builder()
            .base_url("http://pbx.example.com")
            .build()
            .unwrap_err();
        assert!(
            matches!(e, Error::Config(ref m) if m.message().contains("https")),
            "{e}"
        );
    }

    #[test]
    fn env_overrides() {
        let vars = |name: &str| {
            match name {
                "DLSPBX_URL" => Some("http://127.0.0.1:9"),
                "DLSPBX_API_USER" => Some("200@x"),
                "DLSPBX_API_KEY" => Some("k2"),
                "DLSPBX_FORMAT" => Some("plain"),
                "DLSPBX_ENCODING" => Some(""),
                _ => None,
            }
            .map(str::to_owned)
        };
        let c = builder().env_from(vars).into_config().unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:9");
        assert_eq!(c.credentials.api_user, "200@x");
        assert_eq!(c.credentials.api_key.expose(), "k2");
        assert_eq!(c.options.format, Format::Plain);
        assert_eq!(c.options.encoding, Encoding::Form);
        let bad = builder().env_from(|n| (n == "DLSPBX_FORMAT").then(|| "html".to_owned()));
        assert!(
            matches!(bad.into_config(), Err(Error::Config(m)) if m.message().contains("DLSPBX_FORMAT"))
        );
    }

    #[test]
    fn formats_compiled_out_fail_at_build() {
        for format in Format::ALL {
            let result = builder().format(format).into_config();
            if format.is_supported() {
                assert_eq!(result.unwrap().options.format, format);
            } else {
                let feature = format.feature().unwrap();
                assert!(
                    matches!(&result, Err(Error::Config(m)) if m.message().contains(&format!("enable the `{feature}` feature"))),
                    "{result:?}"
                );
            }
        }
    }

    #[cfg(not(feature = "config-file"))]
    #[test]
    fn config_files_need_the_feature() {
        let e = builder().config_file("any.toml").into_config().unwrap_err();
        assert!(
            matches!(e, Error::Config(ref m) if m.message().contains("`config-file` feature")),
            "{e}"
        );
    }

    #[cfg(feature = "config-file")]
    #[test]
    fn config_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("key"), "file-key\n").unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "url = \"https://pbx.example.net\"\napi_user = \"300@y\"\napi_key_file = \"key\"\nformat = \"plain\"\n\
             encoding = \"json\"\nconnect_timeout = 2.5\ntimeout = 30\nmax_attempts = 5\nmax_body_size = 1024\n",
        )
        .unwrap();
        let c = ClientBuilder::<Dummy>::new()
            .config_file(&path)
            .into_config()
            .unwrap();
        assert_eq!(c.base_url, "https://pbx.example.net");
        assert_eq!(c.credentials.api_key.expose(), "file-key");
        assert_eq!(c.options.format, Format::Plain);
        assert_eq!(c.options.encoding, Encoding::Json);
        assert_eq!(c.connect_timeout, Duration::from_millis(2500));
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert_eq!(c.retry.max_attempts, 5);
        assert_eq!(c.max_body_size, 1024);
        // Later settings win.
        let c = ClientBuilder::<Dummy>::new()
            .config_file(&path)
            .encoding(Encoding::Form)
            .into_config()
            .unwrap();
        assert_eq!(c.options.encoding, Encoding::Form);

        std::fs::write(&path, "url = \"https://x\"\nurl_typo = 1\n").unwrap();
        let e = ClientBuilder::<Dummy>::new()
            .config_file(&path)
            .into_config()
            .unwrap_err();
        assert!(
            matches!(e, Error::Config(ref m) if m.message().contains("url_typo")),
            "{e}"
        );
        for (text, line) in [("url = \"https://x\"\nurl = \n", 2), ("[[[\n", 1)] {
            std::fs::write(&path, text).unwrap();
            let e = ClientBuilder::<Dummy>::new()
                .config_file(&path)
                .into_config()
                .unwrap_err();
            assert!(
                matches!(e, Error::Config(ref m) if m.message().contains(&format!("config.toml: line {line}:"))),
                "{e}"
            );
        }
        std::fs::write(&path, "api_key = \"a\"\napi_key_file = \"b\"\n").unwrap();
        assert!(
            ClientBuilder::<Dummy>::new()
                .config_file(&path)
                .into_config()
                .is_err()
        );
        let e = ClientBuilder::<Dummy>::new()
            .config_file(dir.path().join("nope.toml"))
            .into_config()
            .unwrap_err();
        assert!(
            matches!(e, Error::Config(ref m) if m.message().contains("nope.toml")),
            "{e}"
        );
    }
}
