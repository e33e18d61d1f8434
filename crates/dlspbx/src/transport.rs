//! Pieces both transports share: the state every client holds ([`ClientCore`]), the tracing
//! span of a call, error texts, and reading a size-capped body. Used by `dlspbx-async`; not
//! needed to make calls.

use crate::config::ClientConfig;
use dlspbx_core::error::{TransportError, TransportKind};
use dlspbx_core::http::{self, HttpRequest, RequestOptions};
use dlspbx_core::{Action, Encoding, Error, Format, Result};
use std::fmt;
use std::sync::Arc;
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
pub fn finish_span(
    span: &tracing::Span,
    outcome: Result<u16, &Error>,
    attempts: u32,
    started: Instant,
) {
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
    Error::Transport(TransportError::new(
        TransportKind::BodyTooLarge,
        format!("response body larger than {cap} bytes (the client's max_body_size)"),
    ))
}

/// The error for an answer, or data, that did not come within a timeout (`message` says which).
pub fn timed_out(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::Transport(TransportError::new(TransportKind::Timeout, message))
}

/// Appends `chunk` to `body` unless that would pass `cap`.
pub fn push_capped(body: &mut Vec<u8>, chunk: &[u8], cap: u64) -> Result<()> {
    if body.len() as u64 + chunk.len() as u64 > cap {
        return Err(body_too_large(cap));
    }
    body.extend_from_slice(chunk);
    Ok(())
}

/// What both clients hold: the transport's connection pool `T` and the configuration, shared
/// by every clone, and the options of this handle (format and encoding, changed by
/// `with_format` and `with_encoding`).
pub struct ClientCore<T> {
    shared: Arc<Shared<T>>,
    options: RequestOptions,
}

struct Shared<T> {
    transport: T,
    config: ClientConfig,
}

impl<T> Clone for ClientCore<T> {
    fn clone(&self) -> Self {
        ClientCore {
            shared: Arc::clone(&self.shared),
            options: self.options,
        }
    }
}

impl<T> fmt::Debug for ClientCore<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.shared.config;
        f.debug_struct("ClientCore")
            .field("base_url", &config.base_url)
            .field("api_user", &config.credentials.api_user)
            .field("api_key", &format_args!("REDACTED"))
            .field("format", &self.options.format)
            .field("encoding", &self.options.encoding)
            .finish_non_exhaustive()
    }
}

impl<T> ClientCore<T> {
    /// Wraps a transport built from `config`.
    pub fn new(transport: T, config: ClientConfig) -> Self {
        let options = config.options;
        ClientCore {
            shared: Arc::new(Shared { transport, config }),
            options,
        }
    }

    /// The transport (connection pool).
    pub fn transport(&self) -> &T {
        &self.shared.transport
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    /// This handle's request options.
    pub fn options(&self) -> RequestOptions {
        self.options
    }

    /// The same pool and configuration with another response format.
    pub fn with_format(&self, format: Format) -> Self {
        ClientCore {
            shared: Arc::clone(&self.shared),
            options: RequestOptions {
                format,
                ..self.options
            },
        }
    }

    /// The same pool and configuration with another request encoding.
    pub fn with_encoding(&self, encoding: Encoding) -> Self {
        ClientCore {
            shared: Arc::clone(&self.shared),
            options: RequestOptions {
                encoding,
                ..self.options
            },
        }
    }

    /// Validates and encodes `request` with this handle's credentials and options.
    pub fn prepare<A: Action>(&self, request: &A) -> Result<HttpRequest> {
        http::build(request, &self.shared.config.credentials, &self.options)
    }
}

/// The inherent methods both clients share, expanded inside `impl Client { .. }` of a type
/// `Client { core: ClientCore<_> }` that implements [`FromConfig`](crate::config::FromConfig),
/// in the crate named by the argument (`dlspbx` or `dlspbx_async`, for the doc examples).
#[doc(hidden)]
#[macro_export]
macro_rules! __client_methods {
    ($krate:ident) => {
        /// A builder with nothing set; see [`config`]($crate::config) for every setting.
        ///
        #[doc = concat!(
            "```\nuse ", stringify!($krate), "::prelude::*;\n\n",
            "let client = Client::builder()\n",
            "    .base_url(\"https://pbx.example.com\")\n",
            "    .api_user(\"100@tenant\")\n",
            "    .api_key(\"your-api-key\")\n",
            "    .format(Format::Json)\n",
            "    .build()?;\n",
            "# Ok::<(), Error>(())\n```"
        )]
        pub fn builder() -> $crate::config::ClientBuilder<Self> {
            $crate::config::ClientBuilder::new()
        }

        /// A client from the default config file (if any) and the `DLSPBX_*` environment
        /// variables, which override it: `builder().default_config_file().env().build()`.
        ///
        #[doc = concat!(
            "```no_run\nuse ", stringify!($krate), "::prelude::*;\n\n",
            "// DLSPBX_URL, DLSPBX_API_USER and DLSPBX_API_KEY (or the config file).\n",
            "let client = Client::from_env()?;\n",
            "# Ok::<(), Error>(())\n```"
        )]
        pub fn from_env() -> $crate::Result<Self> {
            Self::builder().default_config_file().env().build()
        }

        /// A client from a validated configuration.
        ///
        #[doc = concat!(
            "```\nuse ", stringify!($krate), "::prelude::*;\n\n",
            "let config = Client::builder()\n",
            "    .base_url(\"https://pbx.example.com\")\n",
            "    .api_user(\"100@tenant\")\n",
            "    .api_key(\"your-api-key\")\n",
            "    .into_config()?;\n",
            "let client = Client::from_config(config)?;\n",
            "# Ok::<(), Error>(())\n```"
        )]
        pub fn from_config(config: $crate::ClientConfig) -> $crate::Result<Self> {
            <Self as $crate::config::FromConfig>::from_config(config)
        }

        /// The configuration the client was built with.
        ///
        #[doc = concat!(
            "```\nuse ", stringify!($krate), "::prelude::*;\n\n",
            "let client = Client::builder()\n",
            "    .base_url(\"https://pbx.example.com/\")\n",
            "    .api_user(\"100@tenant\")\n",
            "    .api_key(\"your-api-key\")\n",
            "    .build()?;\n",
            "assert_eq!(client.config().base_url, \"https://pbx.example.com\");\n",
            "assert_eq!(client.config().credentials.api_user, \"100@tenant\");\n",
            "# Ok::<(), Error>(())\n```"
        )]
        pub fn config(&self) -> &$crate::ClientConfig {
            self.core.config()
        }

        /// The response format of this client's calls.
        ///
        #[doc = concat!(
            "```\nuse ", stringify!($krate), "::prelude::*;\n\n",
            "let client = Client::builder()\n",
            "    .base_url(\"https://pbx.example.com\")\n",
            "    .api_user(\"100@tenant\")\n",
            "    .api_key(\"your-api-key\")\n",
            "    .build()?;\n",
            "assert_eq!(client.format(), Format::Json); // the default\n",
            "# Ok::<(), Error>(())\n```"
        )]
        pub fn format(&self) -> $crate::Format {
            self.core.options().format
        }

        /// The request encoding of this client's calls.
        ///
        #[doc = concat!(
            "```\nuse ", stringify!($krate), "::prelude::*;\n\n",
            "let client = Client::builder()\n",
            "    .base_url(\"https://pbx.example.com\")\n",
            "    .api_user(\"100@tenant\")\n",
            "    .api_key(\"your-api-key\")\n",
            "    .build()?;\n",
            "assert_eq!(client.encoding(), Encoding::Form); // the default\n",
            "# Ok::<(), Error>(())\n```"
        )]
        pub fn encoding(&self) -> $crate::Encoding {
            self.core.options().encoding
        }

        /// The same client asking for `format`, as in
        /// `client.with_format(Format::Xml).status().queues()`. Shares the connection pool.
        ///
        #[doc = concat!(
            "```\nuse ", stringify!($krate), "::prelude::*;\n\n",
            "let client = Client::builder()\n",
            "    .base_url(\"https://pbx.example.com\")\n",
            "    .api_user(\"100@tenant\")\n",
            "    .api_key(\"your-api-key\")\n",
            "    .build()?;\n",
            "let xml = client.with_format(Format::Xml);\n",
            "assert_eq!((client.format(), xml.format()), (Format::Json, Format::Xml));\n",
            "# Ok::<(), Error>(())\n```"
        )]
        #[must_use]
        pub fn with_format(&self, format: $crate::Format) -> Self {
            Self {
                core: self.core.with_format(format),
            }
        }

        /// The same client encoding request bodies as `encoding`. Shares the connection pool.
        ///
        #[doc = concat!(
            "```\nuse ", stringify!($krate), "::prelude::*;\n\n",
            "let client = Client::builder()\n",
            "    .base_url(\"https://pbx.example.com\")\n",
            "    .api_user(\"100@tenant\")\n",
            "    .api_key(\"your-api-key\")\n",
            "    .build()?\n",
            "    .with_encoding(Encoding::Json);\n",
            "assert_eq!(client.encoding(), Encoding::Json);\n",
            "# Ok::<(), Error>(())\n```"
        )]
        #[must_use]
        pub fn with_encoding(&self, encoding: $crate::Encoding) -> Self {
            Self {
                core: self.core.with_encoding(encoding),
            }
        }

        /// Validates and encodes `request` as this client would send it, without sending it
        /// (for a dry run: [`HttpRequest::to_redacted_string`]($crate::HttpRequest::to_redacted_string)).
        ///
        #[doc = concat!(
            "```\nuse ", stringify!($krate), "::prelude::*;\n",
            "use ", stringify!($krate), "::dialer::AddContactRequest;\n\n",
            "let client = Client::builder()\n",
            "    .base_url(\"https://pbx.example.com\")\n",
            "    .api_user(\"100@tenant\")\n",
            "    .api_key(\"your-api-key\")\n",
            "    .build()?;\n",
            "let request = client.prepare(&AddContactRequest::new(\"Leads\", \"8155551234\"))?;\n",
            "let shown = request.to_redacted_string(&client.config().base_url);\n",
            "assert!(shown.contains(\"api_action=add_contact\") && !shown.contains(\"your-api-key\"));\n",
            "// Requests are validated before anything is sent.\n",
            "assert!(client.prepare(&AddContactRequest::new(\"Leads\", \"not a number\")).is_err());\n",
            "# Ok::<(), Error>(())\n```"
        )]
        pub fn prepare<A: $crate::Action>(
            &self,
            request: &A,
        ) -> $crate::Result<$crate::HttpRequest> {
            self.core.prepare(request)
        }
    };
}
