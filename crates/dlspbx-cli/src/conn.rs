//! Global options and the connection: flags, environment, config file, or the embedded simulator.

use crate::error::{CliError, CliResult};
use crate::output::Output;
use crate::params::given;
use clap::ArgMatches;
use dlspbx::Client;
use dlspbx_core::http::{Credentials, RequestOptions};
use dlspbx_core::{Encoding, Format};
use std::path::PathBuf;

/// The options every command accepts.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// `--url`.
    pub url: Option<String>,
    /// `--api-user`.
    pub api_user: Option<String>,
    /// `--api-key`.
    pub api_key: Option<String>,
    /// `--api-key-file`.
    pub api_key_file: Option<PathBuf>,
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--sim`.
    pub sim: bool,
    /// `--format`.
    pub format: Option<Format>,
    /// `--encoding`.
    pub encoding: Option<Encoding>,
    /// `--output` (None: table on a terminal, json otherwise).
    pub output: Option<Output>,
    /// `--raw`.
    pub raw: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--sim-cdrs` (or `DLSPBX_SIM_CDRS`): how many CDRs the embedded simulator generates.
    pub sim_cdrs: Option<usize>,
}

fn string(m: &ArgMatches, id: &str) -> Option<String> {
    m.try_get_one::<String>(id).ok().flatten().cloned()
}

fn flag(m: &ArgMatches, id: &str) -> bool {
    m.try_get_one::<bool>(id)
        .ok()
        .flatten()
        .copied()
        .unwrap_or(false)
}

impl Globals {
    /// Reads the global options from the matches of the leaf subcommand.
    pub fn from_matches(m: &ArgMatches) -> CliResult<Globals> {
        let parse = |id: &str| string(m, id).filter(|_| given(m, id));
        Ok(Globals {
            url: parse("url"),
            api_user: parse("api_user"),
            api_key: parse("api_key"),
            api_key_file: parse("api_key_file").map(PathBuf::from),
            config: parse("config").map(PathBuf::from),
            sim: flag(m, "sim"),
            format: parse("format")
                .map(|s| s.parse().map_err(CliError::usage))
                .transpose()?,
            encoding: parse("encoding")
                .map(|s| s.parse().map_err(CliError::usage))
                .transpose()?,
            output: parse("output")
                .map(|s| s.parse().map_err(CliError::usage))
                .transpose()?,
            raw: flag(m, "raw"),
            dry_run: flag(m, "dry_run"),
            sim_cdrs: m.try_get_one::<usize>("sim_cdrs").ok().flatten().copied(),
        })
    }

    /// The output to use.
    pub fn output(&self) -> Output {
        self.output.unwrap_or_else(Output::default_for_stdout)
    }

    /// The config file in effect, if any: `--config`, `$DLSPBX_CONFIG`, or the default path if it exists.
    fn config_file(&self) -> Option<PathBuf> {
        if let Some(p) = &self.config {
            return Some(p.clone());
        }
        if let Some(p) = std::env::var_os("DLSPBX_CONFIG").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        dlspbx::config::default_config_path().filter(|p| p.is_file())
    }

    /// Whether a server URL is given anywhere (flag, environment, config file).
    fn url_configured(&self) -> bool {
        if self.url.is_some() || std::env::var("DLSPBX_URL").is_ok_and(|v| !v.is_empty()) {
            return true;
        }
        let Some(path) = self.config_file() else {
            return false;
        };
        std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .is_some_and(|t| {
                t.get("url")
                    .and_then(|u| u.as_str())
                    .is_some_and(|u| !u.is_empty())
            })
    }
}

/// A client ready to call, and what it was built from.
pub struct Conn {
    /// The client.
    pub client: Client,
    /// The server's base URL.
    pub base_url: String,
    /// The credentials (for `--dry-run`).
    pub credentials: Credentials,
    /// Format, encoding and limits of every call.
    pub options: RequestOptions,
    /// The embedded simulator, kept running while the client is used.
    _sim: Option<dlspbx_sim::Sim>,
}

impl Conn {
    /// Connects as the options say: flags, then environment, then config file; with no URL
    /// anywhere (or `--sim`), starts the embedded simulator and says so on stderr.
    pub fn open(g: &Globals) -> CliResult<Conn> {
        let mut sim = None;
        let mut b = Client::builder();
        if g.sim || !g.url_configured() {
            let config = dlspbx_sim::SimConfig {
                cdrs: g.sim_cdrs.unwrap_or(dlspbx_sim::SimConfig::default().cdrs),
                ..Default::default()
            };
            let s = dlspbx_sim::Sim::start_with(config).map_err(|e| {
                CliError::decode(format!("cannot start the embedded simulator: {e}"))
            })?;
            if g.sim {
                eprintln!(
                    "dlspbx: using the embedded simulator at {} (demo data)",
                    s.url()
                );
            } else {
                eprintln!(
                    "dlspbx: no --url/DLSPBX_URL given; using the embedded simulator at {} (demo data)",
                    s.url()
                );
            }
            b = b
                .base_url(s.url())
                .api_user(s.api_user())
                .api_key(s.api_key());
            sim = Some(s);
        } else {
            b = match &g.config {
                Some(p) => b.config_file(p),
                None => b.default_config_file(),
            };
            b = b.env();
            if let Some(u) = &g.url {
                b = b.base_url(u.clone());
            }
            if let Some(u) = &g.api_user {
                b = b.api_user(u.clone());
            }
            if let Some(k) = &g.api_key {
                b = b.api_key(k.clone());
            }
            if let Some(p) = &g.api_key_file {
                b = b.api_key_file(p.clone());
            }
        }
        if let Some(f) = g.format {
            b = b.format(f);
        }
        if let Some(e) = g.encoding {
            b = b.encoding(e);
        }
        let config = b.clone().into_config().map_err(CliError::from)?;
        let client = b.build().map_err(CliError::from)?;
        Ok(Conn {
            client,
            base_url: config.base_url.clone(),
            credentials: config.credentials.clone(),
            options: config.options,
            _sim: sim,
        })
    }
}
