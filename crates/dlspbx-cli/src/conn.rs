//! Global options and the connection: flags, environment, config file, or the embedded simulator.

use crate::error::{CliError, CliResult};
use crate::output::Output;
use crate::params::given;
use clap::ArgMatches;
use dlspbx::{Client, ClientBuilder};
use dlspbx_core::Error;
use dlspbx_core::error::{ConfigKind, Setting};
use dlspbx_core::http::{Credentials, RequestOptions};
use dlspbx_core::{Encoding, Format};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

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
    /// `--sim` (or `DLSPBX_SIM=1`).
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
    /// `--quiet`: no notices on stderr.
    pub quiet: bool,
    /// `--timeout` (or `DLSPBX_TIMEOUT`).
    pub timeout: Option<Duration>,
    /// `--connect-timeout` (or `DLSPBX_CONNECT_TIMEOUT`).
    pub connect_timeout: Option<Duration>,
    /// `--retries` (or `DLSPBX_RETRIES`): retries after the first attempt.
    pub retries: Option<u32>,
    /// `--sim-cdrs` (or `DLSPBX_SIM_CDRS`): how many CDRs the embedded simulator generates.
    pub sim_cdrs: Option<usize>,
    /// `--sim-db` (or `DLSPBX_SIM_DB`): the embedded simulator's database file, kept between
    /// commands (`None`: in memory, discarded when the command ends).
    pub sim_db: Option<PathBuf>,
    /// `--profile` (or `DLSPBX_PROFILE`): the config file's `[profiles.NAME]` to use.
    pub profile: Option<String>,
    /// `--jq EXPR`: a jq filter over the response's canonical JSON.
    pub jq: Option<String>,
    /// `--fields a,b`: the record fields to keep in the output.
    pub fields: Option<Vec<String>>,
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
        let g = Globals {
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
            quiet: flag(m, "quiet"),
            sim_cdrs: m.try_get_one::<usize>("sim_cdrs").ok().flatten().copied(),
            sim_db: m.try_get_one::<PathBuf>("sim_db").ok().flatten().cloned(),
            profile: parse("profile"),
            jq: parse("jq"),
            fields: m
                .try_get_many::<String>("fields")
                .ok()
                .flatten()
                .filter(|_| given(m, "fields"))
                .map(|v| v.map(|f| f.trim().to_owned()).collect()),
            timeout: m.try_get_one::<Duration>("timeout").ok().flatten().copied(),
            connect_timeout: m
                .try_get_one::<Duration>("connect_timeout")
                .ok()
                .flatten()
                .copied(),
            retries: m.try_get_one::<u32>("retries").ok().flatten().copied(),
        };
        if g.jq.is_some() && g.raw {
            // The raw body is written as it came: there is no JSON to filter.
            return Err(CliError::usage(
                "--jq filters the decoded response and --raw writes the body as it came; drop \
                 one of them",
            ));
        }
        if let (Some(_), Some(asked @ (Output::Csv | Output::Table | Output::Yaml))) =
            (&g.jq, g.output)
        {
            // The filter's results are lines of text or JSON: no other output can hold them.
            return Err(CliError::usage(format!(
                "--jq prints its own results, one per line, so --output {} cannot apply; use \
                 --output json (the filter sees the whole response) or jsonl (it sees each row)",
                asked.name()
            )));
        }
        Ok(g)
    }

    /// The output to use.
    pub fn output(&self) -> Output {
        self.output.unwrap_or_else(Output::default_for_stdout)
    }
}

/// The error of a command that needs a server when none is configured and stderr is not a
/// terminal (exit 1).
pub const NO_SERVER: &str = "no server configured; pass --sim (or set DLSPBX_SIM=1) to use the \
    embedded simulator, or give the server with --url, DLSPBX_URL or `url` in the config file";

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
    _sim: Option<EmbeddedSim>,
}

impl Conn {
    /// Connects as the options say: flags, then environment, then config file (read once, by
    /// the runtime's loader: a named file that is missing or broken, or a broken default
    /// file, is an error). With `--sim` (or `DLSPBX_SIM=1`), or with no URL anywhere while
    /// stderr is a terminal, starts the embedded simulator and says so on stderr (unless
    /// `--quiet`); with no URL anywhere in a script, fails with [`NO_SERVER`].
    pub fn open(g: &Globals) -> CliResult<Conn> {
        Conn::open_with(g, true)
    }

    /// [`open`](Conn::open) for a command that writes what it reads somewhere lasting (`cdr
    /// sync`): the embedded simulator only with `--sim` (or `DLSPBX_SIM=1`), never because
    /// no server is configured, even on a terminal.
    pub fn open_server(g: &Globals) -> CliResult<Conn> {
        Conn::open_with(g, false)
    }

    fn open_with(g: &Globals, implicit_sim: bool) -> CliResult<Conn> {
        let configured = if g.sim { None } else { Some(configured(g)) };
        let (b, sim) = match configured {
            Some(b) => match b.clone().into_config() {
                Err(Error::Config(e)) if e.kind() == ConfigKind::Missing(Setting::BaseUrl) => {
                    // Demo data only where a person sees the notice, never by accident in a
                    // script.
                    if !implicit_sim || !std::io::stderr().is_terminal() {
                        return Err(CliError::usage(NO_SERVER));
                    }
                    let (b, s) = start_sim(g, "no --url/DLSPBX_URL given; ")?;
                    (b, Some(s))
                }
                _ => (b, None),
            },
            None => {
                let (b, s) = start_sim(g, "")?;
                (b, Some(s))
            }
        };
        let b = with_call_flags(b, g);
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

/// The builder of the configured server: config file, then environment, then flags.
fn configured(g: &Globals) -> ClientBuilder {
    let mut b = Client::builder();
    if let Some(p) = &g.profile {
        b = b.profile(p.clone());
    }
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
    b
}

/// From how many CDRs the embedded simulator's seeding shows a progress bar.
const BAR_FROM_CDRS: usize = 50_000;

/// From how many CDRs the embedded simulator without `--sim-db` keeps its database in a
/// temporary file instead of memory, so that memory stays bounded whatever the number (1M
/// CDRs: 467 MB in memory, 14 MB with the file; seeding takes about 1.7x as long).
const FILE_FROM_CDRS: usize = 50_000;

/// The embedded simulator, and the temporary directory of its database when it has one
/// (removed after the simulator stops: fields drop in order).
struct EmbeddedSim {
    _sim: dlspbx_sim::Sim,
    _scratch: Option<ScratchDir>,
}

/// A private directory under the system's temporary directory (`TMPDIR`), removed with
/// everything in it when dropped.
struct ScratchDir(std::path::PathBuf);

impl ScratchDir {
    /// Creates `dlspbx-sim-<pid>-<n>` (the first `n` not taken), readable by its owner only.
    fn new() -> std::io::Result<ScratchDir> {
        let base = std::env::temp_dir();
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        let mut n = 0u32;
        loop {
            let path = base.join(format!("dlspbx-sim-{}-{n}", std::process::id()));
            match builder.create(&path) {
                Ok(()) => return Ok(ScratchDir(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(e),
            }
        }
    }

    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The notice's word on what happens to the simulator's changes.
fn kept(g: &Globals) -> String {
    match &g.sim_db {
        Some(p) => format!("; changes kept in {}", p.display()),
        None => "; changes are discarded when the command ends, --sim-db PATH keeps them".into(),
    }
}

/// Starts the embedded simulator and says so on stderr (after `why`, unless `--quiet`); the
/// builder of a client of it.
fn start_sim(g: &Globals, why: &str) -> CliResult<(ClientBuilder, EmbeddedSim)> {
    let cdrs = g.sim_cdrs.unwrap_or(dlspbx_sim::SimConfig::default().cdrs);
    // Many CDRs without --sim-db: a scratch file, so that memory stays bounded.
    let scratch = match (&g.sim_db, cdrs >= FILE_FROM_CDRS) {
        (None, true) => Some(ScratchDir::new().map_err(|e| {
            CliError::decode(format!(
                "cannot create the embedded simulator's scratch database in {}: {e}",
                std::env::temp_dir().display()
            ))
        })?),
        _ => None,
    };
    let config = dlspbx_sim::SimConfig {
        cdrs,
        db: g
            .sim_db
            .clone()
            .or_else(|| scratch.as_ref().map(|d| d.path().join("sim.db"))),
        ..Default::default()
    };
    // Seeding many CDRs takes seconds: a bar on a terminal says how far it got.
    let bar =
        (config.cdrs >= BAR_FROM_CDRS && !g.quiet && std::io::stderr().is_terminal()).then(|| {
            indicatif::ProgressBar::new(config.cdrs as u64).with_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} seeding the embedded simulator [{bar:30}] {pos}/{len} CDRs",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            )
        });
    let started =
        dlspbx_sim::Sim::start_reporting(config, dlspbx_sim::Extras::new(), &mut |done, _| {
            if let Some(b) = &bar {
                b.set_position(done as u64);
            }
        });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let s = started.map_err(|e| match &g.sim_db {
        Some(p) => CliError::usage(format!(
            "--sim-db {}: cannot open the embedded simulator's database: {e}",
            p.display()
        )),
        None => CliError::decode(format!("cannot start the embedded simulator: {e}")),
    })?;
    if !g.quiet {
        eprintln!(
            "dlspbx: {why}using the embedded simulator at {} (demo data{})",
            s.url(),
            kept(g)
        );
    }
    let b = Client::builder()
        .base_url(s.url())
        .api_user(s.api_user())
        .api_key(s.api_key());
    Ok((
        b,
        EmbeddedSim {
            _sim: s,
            _scratch: scratch,
        },
    ))
}

/// The flags that shape every call (format, encoding, timeouts, retries), over `b`.
fn with_call_flags(mut b: ClientBuilder, g: &Globals) -> ClientBuilder {
    if let Some(f) = g.format {
        b = b.format(f);
    }
    if let Some(e) = g.encoding {
        b = b.encoding(e);
    }
    if let Some(t) = g.timeout {
        b = b.timeout(t);
    }
    if let Some(t) = g.connect_timeout {
        b = b.connect_timeout(t);
    }
    if let Some(n) = g.retries {
        b = b.max_attempts(n + 1);
    }
    b
}

/// `dlspbx config show`: the configuration in effect, the API key redacted, as `key = value`
/// lines (or one JSON object with `-o json`).
pub fn show(g: &Globals) -> CliResult<()> {
    use std::io::Write;
    let config = with_call_flags(configured(g), g)
        .into_config()
        .map_err(CliError::from)?;
    let key_from = if g.api_key.is_some() {
        "--api-key"
    } else if g.api_key_file.is_some() {
        "--api-key-file"
    } else if std::env::var_os("DLSPBX_API_KEY").is_some_and(|v| !v.is_empty()) {
        "DLSPBX_API_KEY"
    } else if std::env::var_os("DLSPBX_API_KEY_FILE").is_some_and(|v| !v.is_empty()) {
        "DLSPBX_API_KEY_FILE"
    } else {
        "the config file"
    };
    let file = g
        .config
        .clone()
        .or_else(dlspbx::config::config_file_in_effect);
    let entries: Vec<(&str, serde_json::Value)> = vec![
        ("url", config.base_url.clone().into()),
        ("api_user", config.credentials.api_user.clone().into()),
        ("api_key", format!("REDACTED (from {key_from})").into()),
        ("format", config.options.format.as_str().into()),
        ("encoding", config.options.encoding.to_string().into()),
        ("timeout", format!("{:?}", config.timeout).into()),
        (
            "connect_timeout",
            format!("{:?}", config.connect_timeout).into(),
        ),
        ("max_attempts", config.retry.max_attempts.into()),
        (
            "profile",
            g.profile
                .clone()
                .map_or(serde_json::Value::Null, Into::into),
        ),
        (
            "config_file",
            file.map_or(serde_json::Value::Null, |p| p.display().to_string().into()),
        ),
    ];
    let mut out = std::io::stdout().lock();
    let text = if g.output == Some(Output::Json) {
        let map: serde_json::Map<String, serde_json::Value> = entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        serde_json::to_string_pretty(&map).unwrap_or_default() + "\n"
    } else {
        entries
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::Null => format!("{k} = (none)\n"),
                v => format!("{k} = {v}\n"),
            })
            .collect()
    };
    out.write_all(text.as_bytes())
        .map_err(crate::run::stdout_err)
}
