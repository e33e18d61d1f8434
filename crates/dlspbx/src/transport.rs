//! The blocking client's transport: building the ureq agent, one HTTP exchange with retries,
//! reading a capped body, and sorting ureq's errors for the retry policy. It moves bytes
//! only; requests are built and responses decoded by the sans-IO core.

use crate::client::Client;
use dlspbx_core::error::{TransportError, TransportKind};
use dlspbx_core::http::HttpRequest;
use dlspbx_core::{Error, Result};
use dlspbx_runtime::config::{ClientConfig, FromConfig};
use dlspbx_runtime::retry::{Failure, Next, Retries};
use dlspbx_runtime::{ClientCore, ClientExt, body_too_large, timed_out};
use ureq::Body;
use ureq::http::Response;

impl FromConfig for Client {
    fn from_config(config: ClientConfig) -> Result<Self> {
        config.require_tls(
            "dlspbx",
            cfg!(any(feature = "rustls", feature = "native-tls")),
        )?;
        let agent_config = ureq::config::Config::builder()
            // 4xx/5xx bodies carry the server's error message: decode them, do not fail early.
            .http_status_as_error(false)
            // Never follow a redirect: the body holds the credentials.
            .max_redirects(0)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.timeout))
            .user_agent(config.user_agent.as_str());
        // ureq picks rustls whenever it is compiled in; native-tls must be asked for.
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        let agent_config = agent_config.tls_config(
            ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::NativeTls)
                .build(),
        );
        let agent = ureq::Agent::new_with_config(agent_config.build());
        Ok(Client {
            core: ClientCore::new(agent, config),
        })
    }
}

/// Whether an exchange's body is read into memory (timeout for the whole exchange) or streamed
/// (timeout for each read).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyMode {
    Buffered,
    Streamed,
}

impl Client {
    /// Sends the request until the retry policy is satisfied and returns the response head
    /// (status and headers) with its body unread.
    pub(crate) fn exchange(
        &self,
        request: &HttpRequest,
        mode: BodyMode,
        retries: &mut Retries,
    ) -> Result<Response<Body>> {
        let config = self.config();
        let url = request.url(&config.base_url);
        loop {
            let mut builder = self.core.transport().post(&url);
            for (name, value) in &request.headers {
                builder = builder.header(*name, value);
            }
            if mode == BodyMode::Streamed {
                builder = builder
                    .config()
                    .timeout_global(None)
                    .timeout_per_read(Some(config.timeout))
                    .build();
            }
            let sent = builder
                .send(&request.body[..])
                .map_err(|e| classify(e, &config.address()));
            let (delay, response) = match retries.judge(sent, head) {
                Next::Done(result) => return result,
                Next::Retry(delay, response) => (delay, response),
            };
            if let Some(mut response) = response {
                // Drain a little so the connection can be reused; errors do not matter.
                let _ = response
                    .body_mut()
                    .with_config()
                    .limit(64 * 1024)
                    .read_to_vec();
            }
            std::thread::sleep(delay);
        }
    }

    /// Reads a whole body, failing past `max_body_size`.
    pub(crate) fn read_body(&self, response: &mut Response<Body>) -> Result<Vec<u8>> {
        let cap = self.config().max_body_size;
        response
            .body_mut()
            .with_config()
            .limit(cap)
            .read_to_vec()
            .map_err(|e| classify(e, &self.config().address()).into_error())
    }
}

/// A response's status and `Retry-After` header, for the retry policy.
fn head(response: &Response<Body>) -> (u16, Option<&str>) {
    let retry_after = response.headers().get("retry-after");
    (
        response.status().as_u16(),
        retry_after.and_then(|v| v.to_str().ok()),
    )
}

/// Sorts a ureq error for the retry policy; the error names `address`, the server's
/// `host:port` ([`ClientConfig::address`]).
pub(crate) fn classify(error: ureq::Error, address: &str) -> Failure {
    let transport = |kind, e| Error::Transport(TransportError::context(kind, address, e));
    let cannot_connect = |e| {
        Error::Transport(TransportError::context(
            TransportKind::Connect,
            &format!("cannot connect to {address}"),
            e,
        ))
    };
    match &error {
        ureq::Error::Timeout(which) => {
            Failure::Timeout(timed_out(format!("{address}: {}", timeout_message(*which))))
        }
        ureq::Error::ConnectionFailed => Failure::NotSent(cannot_connect(error)),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            Failure::NotSent(cannot_connect(error))
        }
        ureq::Error::Io(_) => Failure::MaybeSent(transport(TransportKind::Io, error)),
        ureq::Error::BodyExceedsLimit(cap) => Failure::Fatal(body_too_large(*cap)),
        _ => Failure::Fatal(transport(TransportKind::Io, error)),
    }
}

fn timeout_message(which: ureq::Timeout) -> String {
    match which {
        ureq::Timeout::Connect | ureq::Timeout::Resolve => {
            "timed out connecting (connect_timeout)".to_owned()
        }
        ureq::Timeout::Global | ureq::Timeout::PerCall => {
            "timed out: no complete answer within the timeout".to_owned()
        }
        ureq::Timeout::PerRead => "timed out: no data received within the timeout".to_owned(),
        other => format!("timed out ({other})"),
    }
}
