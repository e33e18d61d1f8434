//! `dlspbx`, the command-line tool of the dlspbx SDK for the DLS Hosted PBX HTTP API.
//!
//! The command line is generated at run time from the spec's metadata (see [`cli`]); every
//! action runs through one generic function (see [`run`]), chosen by the generated
//! `dlspbx_core::generated::visit_action`. With `--sim` (or `DLSPBX_SIM=1`), or with no server
//! configured on a terminal, the embedded simulator (`dlspbx-sim`) answers, so
//! `dlspbx --sim status queues` works out of the box; a script with no server configured gets
//! an error, never demo data by accident.

#![warn(missing_docs)]

pub mod cdr_sync;
pub mod cli;
pub mod conn;
pub mod error;
pub mod filter_lang;
pub mod import;
pub mod interrupt;
pub mod jq;
pub mod output;
pub mod params;
pub mod report_out;
pub mod run;
pub mod setup;
pub mod table;
pub mod verbose;

use crate::conn::Globals;
use crate::error::{CliError, CliResult, EXIT_OK, EXIT_USAGE};
use clap::ArgMatches;
use clap::error::ErrorKind;
use dlspbx_core::Format;
use dlspbx_core::generated::visit_action;
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::process::ExitCode;

/// Exit code of an internal error (a bug): the panic message is printed, without a backtrace.
pub const EXIT_INTERNAL: u8 = 70;

/// Runs the tool with the process's arguments.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("dlspbx: internal error (please report it): {info}");
    }));
    std::panic::catch_unwind(|| run_with(std::env::args_os()))
        .unwrap_or(ExitCode::from(EXIT_INTERNAL))
}

/// Runs the tool with `args` (the first is the program name) and returns its exit code.
/// Never panics on bad input; errors go to stderr.
pub fn run_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match cli::command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            let code = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => EXIT_OK,
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => EXIT_USAGE,
                _ => EXIT_USAGE,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match execute(&matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                let mut err = io::stderr().lock();
                let _ = writeln!(err, "{}", e.message.trim_end());
            }
            e.exit_code()
        }
    }
}

/// The leaf subcommand's name path and matches (`["status", "queues"]`).
fn leaf(m: &ArgMatches) -> (Vec<&str>, &ArgMatches) {
    let mut path = Vec::new();
    let mut cur = m;
    while let Some((name, sub)) = cur.subcommand() {
        path.push(name);
        cur = sub;
    }
    (path, cur)
}

/// The action of a subcommand path: `[module, action]` (`add-contact`, `add_contact` or an
/// alias such as `send`), or a top-level shortcut (`[test]`, `[report]`).
fn find_action(path: &[&str]) -> Option<&'static dlspbx_core::ActionInfo> {
    match path {
        [name] => cli::shortcuts()
            .into_iter()
            .find(|a| cli::action_name(a) == *name),
        [module, sub] => dlspbx_core::generated::ACTIONS.iter().copied().find(|a| {
            a.module == *module
                && (cli::action_name(a) == *sub
                    || a.name == *sub
                    || cli::action_aliases(a).iter().any(|x| x == sub))
        }),
        _ => None,
    }
}

fn execute(m: &ArgMatches) -> CliResult<()> {
    let (path, lm) = leaf(m);
    let g = Globals::from_matches(lm)?;
    if given_flag(lm, "verbose") {
        verbose::install();
    }
    output::Color::parse(
        lm.try_get_one::<String>("color")
            .ok()
            .flatten()
            .map_or("auto", String::as_str),
    )
    .apply();
    match path.as_slice() {
        ["completions"] => {
            let shell = *lm
                .get_one::<clap_complete::Shell>("shell")
                .ok_or_else(|| CliError::usage("missing shell"))?;
            // clap_complete panics when its writer fails, so the script is written to memory
            // first: a closed stdout (`| head`) then ends the command quietly.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cli::full_command(), "dlspbx", &mut script);
            write_stdout(&script)
        }
        ["man"] => {
            if let Some(dir) = lm.get_one::<std::path::PathBuf>("dir") {
                let cannot = |e: io::Error| {
                    CliError::usage(format!(
                        "--dir {}: cannot write the man pages: {e}",
                        dir.display()
                    ))
                };
                std::fs::create_dir_all(dir).map_err(cannot)?;
                return clap_mangen::generate_to(cli::full_command(), dir).map_err(cannot);
            }
            let mut page = Vec::new();
            clap_mangen::Man::new(cli::full_command()).render(&mut page)?;
            write_stdout(&page)
        }
        ["decode"] => decode(&g, lm),
        ["config", "show"] => conn::show(&g),
        ["config", "init"] => setup::run(&g),
        ["sim", _] => sim(m
            .subcommand_matches("sim")
            .ok_or_else(|| CliError::usage("missing sim command"))?),
        ["dialer", "import"] => import::run(&g, lm),
        ["cdr", "sync"] => cdr_sync::run(&g, lm),
        [] => Err(CliError::usage("missing command; see `dlspbx --help`")),
        path => {
            let info = find_action(path)
                .ok_or_else(|| CliError::usage(format!("unknown command `{}`", path.join(" "))))?;
            if given_flag(lm, cli::WATCH_ID) {
                return visit_action(
                    info.module,
                    info.name,
                    run::Watch {
                        globals: &g,
                        matches: lm,
                    },
                )
                .unwrap_or_else(|| Err(CliError::usage("unknown action")));
            }
            if given_flag(lm, cli::ALL_ID) {
                return if cli::pages_records(info) {
                    run::sms_all(&g, lm)
                } else {
                    run::export_all(&g, lm)
                };
            }
            visit_action(
                info.module,
                info.name,
                run::Send {
                    globals: &g,
                    matches: lm,
                },
            )
            .unwrap_or_else(|| {
                Err(CliError::usage(format!(
                    "unknown action {}.{}",
                    info.module, info.name
                )))
            })
        }
    }
}

/// Writes `bytes` to stdout; a closed pipe ends quietly ([`run::stdout_err`]).
fn write_stdout(bytes: &[u8]) -> CliResult<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(run::stdout_err)
}

/// Whether a boolean flag is set (false when the subcommand has no such flag).
fn given_flag(m: &ArgMatches, id: &str) -> bool {
    m.try_get_one::<bool>(id)
        .ok()
        .flatten()
        .copied()
        .unwrap_or(false)
}

fn guess_format(path: &str) -> Option<Format> {
    let ext = path.rsplit('.').next()?.to_ascii_lowercase();
    match ext.as_str() {
        "json" => Some(Format::Json),
        "xml" => Some(Format::Xml),
        "yaml" | "yml" => Some(Format::Yaml),
        "csv" => Some(Format::Csv),
        "plain" | "txt" => Some(Format::Plain),
        _ => None,
    }
}

fn decode(g: &Globals, lm: &ArgMatches) -> CliResult<()> {
    let action = lm.get_one::<String>("action").cloned().unwrap_or_default();
    let file = lm
        .get_one::<String>("file")
        .cloned()
        .unwrap_or_else(|| "-".into());
    let (module, name) = action
        .split_once('.')
        .ok_or_else(|| CliError::usage(format!("`{action}`: expected MODULE.ACTION")))?;
    let format = g
        .format
        .or_else(|| guess_format(&file))
        .unwrap_or(Format::Json);
    let output = g.output.unwrap_or(output::Output::Json);
    let out = run::out_path(lm);
    let mut reader: Box<dyn Read> = if file == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(&file)
                .map_err(|e| CliError::usage(format!("cannot read {file}: {e}")))?,
        )
    };
    let report = <dlspbx_core::reports::ReportRequest as dlspbx_core::Endpoint>::INFO;
    if (module, name) == (report.module, report.name) && g.fields.is_some() {
        return Err(run::no_fields_for_reports());
    }
    if (module, name) == (report.module, report.name)
        && matches!(format, Format::Json | Format::Csv)
        && (g.jq.is_none() || output == output::Output::Jsonl)
    {
        // Report rows are written as the body is read: memory stays flat (`--jq` with `-o
        // jsonl` filters each row).
        let jq = g.jq.as_deref().map(jq::Jq::compile).transpose()?;
        let mut target = output::Target::open(out.as_deref())?.filtered(jq);
        report_out::decode(&mut reader, format, output, &mut target)?;
        return target.commit();
    }
    let mut body = Vec::new();
    reader
        .read_to_end(&mut body)
        .map_err(|e| CliError::usage(format!("cannot read {file}: {e}")))?;
    visit_action(
        module,
        name,
        run::Decode {
            body: &body,
            format,
            output,
            out: out.as_deref(),
            fields: g.fields.as_deref(),
            jq: g.jq.as_deref(),
        },
    )
    .unwrap_or_else(|| Err(CliError::usage(format!("unknown action `{action}`"))))
}

fn sim(sim_matches: &ArgMatches) -> CliResult<()> {
    use clap::FromArgMatches;
    let command = dlspbx_sim::cli::Command::from_arg_matches(sim_matches)
        .map_err(|e| CliError::usage(e.to_string()))?;
    dlspbx_sim::cli::run(command).map_err(|e| CliError::decode(format!("simulator: {e}")))
}
