//! The `dlspbx-sim` command line, reusable by other binaries (`dlspbx sim serve`): embed
//! [`Command`] as a clap subcommand and call [`run`], or call [`run_cli`] with raw arguments.

use crate::seed::{self, SeedConfig};
use crate::{Sim, SimConfig, SimError, db, world};
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Reference server for the DLS Hosted PBX HTTP API.
#[derive(Debug, Parser)]
#[command(name = "dlspbx-sim", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The simulator's subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the API until Ctrl-C.
    Serve(ServeArgs),
    /// Create (or replace) a database file with deterministic demo data.
    Seed(SeedArgs),
}

/// `serve` options.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// SQLite database file; seeded when new or empty, reused as is otherwise. Default: in memory.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// CDRs to generate when seeding.
    #[arg(long, default_value_t = 5_000, value_name = "N")]
    pub cdrs: usize,
    /// Seed of the demo data (API keys included).
    #[arg(long, default_value_t = 42, value_name = "S")]
    pub seed: u64,
    /// How long a client may take to send a request's headers, and then its body (30s, 2m,
    /// 500ms or seconds): slower headers close the connection, a slower body gets 408.
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = dlspbx_core::scalar::read_time_span)]
    pub read_timeout: std::time::Duration,
    /// Answer like a PHP server with display_errors on (for client tests): a diagnostic
    /// before every body (`notice`: HTML form, `deprecated`: text form, `bom`: a byte order
    /// mark and blank lines), or instead of it (`fatal`, `bad-gateway`: a proxy's 502 page).
    /// One request can ask with the header `X-Sim-Php: HABIT`.
    #[arg(long, value_name = "HABIT")]
    pub php_diagnostics: Option<crate::php::PhpHabit>,
}

/// `seed` options.
#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// SQLite database file to create or replace the data of.
    #[arg(long, value_name = "PATH")]
    pub db: PathBuf,
    /// CDRs to generate.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub cdrs: usize,
    /// Seed of the demo data (API keys included).
    #[arg(long, default_value_t = 42, value_name = "S")]
    pub seed: u64,
}

/// Runs a subcommand.
pub fn run(command: Command) -> Result<(), SimError> {
    match command {
        Command::Serve(a) => serve(a),
        Command::Seed(a) => seed_db(a),
    }
}

/// Parses `args` (the program name first) and runs; errors are printed on stderr.
pub fn run_cli<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dlspbx-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(a: ServeArgs) -> Result<(), SimError> {
    let sim = Sim::start_with(SimConfig {
        db: a.db,
        listen: a.listen,
        seed: a.seed,
        cdrs: a.cdrs,
        read_timeout: a.read_timeout,
        php_diagnostics: a.php_diagnostics,
    })?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "dlspbx-sim listening on {} (api_user={} api_key={})",
        sim.url(),
        sim.api_user(),
        sim.api_key()
    );
    let _ = out.flush();
    drop(out);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    drop(sim);
    Ok(())
}

fn seed_db(a: SeedArgs) -> Result<(), SimError> {
    let conn = db::open(Some(&a.db))?;
    let report = seed::seed(
        &conn,
        &SeedConfig {
            seed: a.seed,
            cdrs: a.cdrs,
        },
    )?;
    println!(
        "seeded {} with {} CDRs in {:.2?} (CDRs {:.2?}, {:.0} rows/s)",
        a.db.display(),
        report.cdrs,
        report.total_time,
        report.cdr_time,
        report.cdrs as f64 / report.cdr_time.as_secs_f64().max(1e-9)
    );
    println!("{:<16} {:<16} api_key", "api_user", "authid");
    for u in world::all_users() {
        println!(
            "{:<16} {:<16} {}",
            format!("{}@{}", u.ext, u.tenant),
            u.authid,
            seed::api_key(a.seed, u.authid)
        );
    }
    Ok(())
}
