//! The CLI's failures and their exit codes.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | usage: bad arguments, missing configuration, unreadable files |
//! | 2 | the response could not be decoded, or the server could not be reached |
//! | 3 | the server answered with its error shape or an HTTP error status |
//! | 4 | invalid input: a request field failed validation (nothing was sent) |
//! | 130 | interrupted (Ctrl-C) |

use dlspbx_core::error::{ConfigKind, Setting};
use dlspbx_core::{Error, InvalidRequest};
use std::fmt;
use std::process::ExitCode;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: usage error.
pub const EXIT_USAGE: u8 = 1;
/// Exit code: decoding or transport failure.
pub const EXIT_DECODE: u8 = 2;
/// Exit code: the server reported an error.
pub const EXIT_SERVER: u8 = 3;
/// Exit code: invalid input.
pub const EXIT_INVALID: u8 = 4;
/// Exit code: interrupted by Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A failure of a CLI command: what to print on stderr and which exit code to return.
#[derive(Debug)]
pub struct CliError {
    /// The exit code.
    pub code: u8,
    /// The message, printed on stderr as is (already prefixed where needed).
    pub message: String,
}

impl CliError {
    /// A usage error (exit 1).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_USAGE,
            message: format!("dlspbx: {}", message.into()),
        }
    }

    /// A decode or transport error (exit 2).
    pub fn decode(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_DECODE,
            message: format!("dlspbx: {}", message.into()),
        }
    }

    /// A server error (exit 3).
    pub fn server(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_SERVER,
            message: format!("dlspbx: {}", message.into()),
        }
    }

    /// Invalid input (exit 4).
    pub fn invalid(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_INVALID,
            message: format!("dlspbx: {}", message.into()),
        }
    }

    /// An error whose message was already printed (only the exit code matters).
    pub fn silent(code: u8) -> Self {
        CliError {
            code,
            message: String::new(),
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// `invalid <field>: <value> <reason>`, the one-line form of a validation failure.
pub fn invalid_line(e: &InvalidRequest) -> String {
    invalid_message(&e.field, &e.value, &e.reason)
}

/// `invalid <field>: "<value>" <reason>`: the value quoted as a JSON string (control
/// characters escaped, `"a\u0001b"`), or left out when empty.
pub fn invalid_message(field: &str, value: &str, reason: &str) -> String {
    if value.is_empty() {
        format!("invalid {field}: {reason}")
    } else {
        let quoted = serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""));
        format!("invalid {field}: {quoted} {reason}")
    }
}

impl From<InvalidRequest> for CliError {
    fn from(e: InvalidRequest) -> Self {
        CliError::invalid(invalid_line(&e))
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(inv) => inv.into(),
            Error::Server { message } => CliError::server(if message.is_empty() {
                "the server reported an error (no message)".to_owned()
            } else {
                format!("server error: {message}")
            }),
            Error::Status { .. } | Error::PhpFatal(_) => CliError::server(e.to_string()),
            Error::Decode(d) => CliError::decode(d.to_string()),
            Error::Encode(e) => {
                CliError::invalid(format!("invalid request: cannot encode it: {e}"))
            }
            Error::Transport(e) => CliError::decode(format!("transport error: {e}")),
            Error::Config(e) => CliError::usage(format!(
                "configuration error: {}",
                match e.kind() {
                    ConfigKind::Missing(setting) => missing(setting).unwrap_or(e.to_string()),
                    _ => e.to_string(),
                }
            )),
            other => CliError::decode(other.to_string()),
        }
    }
}

/// A required setting that is not set, in the CLI's terms: its flag, its variable and its
/// config file key (the SDK's message names `ClientBuilder` methods). `None` for a setting this
/// CLI does not know.
fn missing(setting: Setting) -> Option<String> {
    let (what, flag, var, key) = match setting {
        Setting::BaseUrl => ("the server's URL", "--url", "DLSPBX_URL", "url"),
        Setting::ApiUser => ("the API user", "--api-user", "DLSPBX_API_USER", "api_user"),
        Setting::ApiKey => (
            "the API key",
            "--api-key or --api-key-file",
            "DLSPBX_API_KEY or DLSPBX_API_KEY_FILE",
            "api_key or api_key_file",
        ),
        _ => return None,
    };
    Some(format!(
        "{what} is not set: give {flag}, set {var}, or put {key} in the config file"
    ))
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::usage(format!("I/O error: {e}"))
    }
}

/// Result of a CLI command.
pub type CliResult<T = ()> = Result<T, CliError>;
