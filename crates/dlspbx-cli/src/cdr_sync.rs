//! `dlspbx cdr sync`: keep a SQLite or Postgres copy of every CDR, incrementally, exactly
//! once (the engine is `dlspbx_sync::CdrSync`; this module reads the flags, opens the target
//! and reports).
//!
//! The command is the report's own (`reports report`), so `--column`, `--filter`,
//! `--filter-json`, `--timezone` and `--per-page` mean what they mean there, plus the sync's
//! flags; the report's paging, sorting, date range and formatting options are refused, since
//! the sync sets them itself.

use crate::cli;
use crate::conn::{Conn, Globals};
use crate::error::{CliError, CliResult};
use crate::output::Output;
use crate::params;
use clap::{Arg, ArgAction, ArgMatches, Command};
use dlspbx_core::Endpoint;
use dlspbx_core::reports::{Column, ReportOption, ReportRequest};
use dlspbx_core::scalar;
use dlspbx_sync::postgres::{PgOptions, PostgresSink};
use dlspbx_sync::sqlite::SqliteSink;
use dlspbx_sync::{CdrSync, Progress, Sink, SyncError, SyncSummary};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::io::IsTerminal;
use std::path::PathBuf;

/// The report options the sync sets itself, with what to use instead.
const REFUSED: &[(&str, &str)] = &[
    ("from", "--since"),
    ("to", "--until"),
    ("page", "nothing: the sync pages itself"),
    ("page_offset", "nothing: the sync pages itself"),
    ("count_only", "nothing: the sync counts each window itself"),
    ("order_by", "nothing: the sync reads in date order"),
    ("order_direction", "nothing: the sync reads in date order"),
    (
        "formatted_columns_names",
        "nothing: the sync stores typed values",
    ),
    ("formatted_dates", "nothing: the sync stores typed values"),
    (
        "formatted_durations",
        "nothing: the sync stores typed values",
    ),
    ("formatted_tns", "nothing: the sync stores typed values"),
];

/// `dlspbx cdr`: the group, with `sync`.
pub fn command() -> Command {
    let report = <ReportRequest as Endpoint>::INFO;
    let mut sync = cli::action_command(report, "sync")
        .about("Copy every CDR into a SQLite or Postgres table, incrementally, exactly once")
        .long_about(LONG);
    for (key, _) in REFUSED {
        sync = sync.mut_arg(cli::option_id(key), |a| a.hide(true));
    }
    let columns = report
        .request
        .iter()
        .find(|f| f.name == "columns")
        .map(cli::field_id)
        .unwrap_or_default();
    sync = sync
        .mut_arg(columns, |a| a.required(false))
        .mut_arg(cli::option_id("timezone"), |a| {
            a.help("The zone --since and --until are read in, and the summary shown in [default: UTC]; requests always use UTC")
        })
        .mut_arg(cli::option_id("per_page"), |a| {
            a.help("Rows per page, and per committed batch [default: 10000]")
        })
        .arg(Arg::new("into").long("into").value_name("TARGET").default_value("sqlite:cdrs.db").help("Where the rows go: sqlite:PATH or postgres://user@host[:port]/db[?sslmode=require|verify-full]"))
        .arg(Arg::new("source").long("source").value_name("NAME").help("The value of the `source` column, to keep several PBXs or tenants in one table [default: the server URL's host]"))
        .arg(Arg::new("since").long("since").value_name("WHEN").help("Where the first run (or --resync) starts: a date, an RFC 3339 time or a relative date (7d ago) [default: the oldest CDR]"))
        .arg(Arg::new("until").long("until").value_name("WHEN").help("Where the run ends [default: now]"))
        .arg(Arg::new("overlap").long("overlap").value_name("SPAN").default_value("1h").help("How far before the watermark a run reads again, for calls in progress at the last run"))
        .arg(Arg::new("window").long("window").value_name("SPAN").default_value("1d").help("The length of one request window (halved where count_only says it is large)"))
        .arg(Arg::new("window_rows").long("window-rows").value_name("N").default_value("100000").value_parser(clap::value_parser!(u64).range(1..)).help("The most rows one window may hold before it is halved"))
        .arg(Arg::new("resync").long("resync").action(ArgAction::SetTrue).help("Read again from --since, whatever the watermark (backfills new columns)"))
        .arg(Arg::new("schema").long("schema").value_name("NAME").help("Postgres: the schema of the tables (created when missing) [default: the search_path]"))
        .arg(Arg::new("into_password_file").long("into-password-file").value_name("PATH").help("Postgres: a file holding the database password (else PGPASSWORD, else ~/.pgpass)"));
    Command::new("cdr")
        .about("Call detail records kept in your own database")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(sync)
}

const LONG: &str = "Copy every CDR into a SQLite or Postgres table `cdrs`, incrementally and exactly once.\n\n\
Each run asks for [watermark - overlap, now] in UTC; the watermark is the newest CDR date committed \
(never the client's clock). The range is read in windows (--window, halved while count_only says a \
window holds more than --window-rows) and pages (--per-page), ordered by date. Each page is one \
transaction: its rows are upserted by (source, unique_id) together with the watermark, so a killed \
run loses no row and duplicates none, and the next run goes on from its last commit. A second sync \
on the same target is refused (a lock file beside a SQLite file, an advisory lock in Postgres; both \
die with their holder).\n\n\
Tables: cdrs (source, one typed column per report column, primary key (source, unique_id)), \
cdr_sync_state (one watermark per source and filter set) and cdr_sync_runs (one row per run). A \
column added with --column is NULL in older rows until `--resync --since DATE`.\n\n\
Never demo data into a real database: the sync needs a configured server (--url, DLSPBX_URL or \
the config file), or --sim given explicitly.\n\n\
The summary is one line, or JSON with -o json. Exit codes: 0 done; 1 usage, or another sync is \
running; 2 the server or the database failed (what was committed stays); 3 the server refused; 4 \
invalid input.";

/// `dlspbx cdr sync`.
pub fn run(g: &Globals, m: &ArgMatches) -> CliResult<()> {
    for (key, instead) in REFUSED {
        if params::given(m, &cli::option_id(key)) {
            return Err(CliError::usage(format!(
                "cdr sync: --{} is not accepted; use {instead}",
                key.replace('_', "-")
            )));
        }
    }
    if g.dry_run || g.raw || g.jq.is_some() || g.fields.is_some() {
        return Err(CliError::usage(
            "cdr sync: --dry-run, --raw, --jq and --fields do not apply; the rows go to --into",
        ));
    }
    let json = match g.output {
        None | Some(Output::Table) => false,
        Some(Output::Json) => true,
        Some(other) => {
            return Err(CliError::usage(format!(
                "cdr sync: -o {other:?} is not accepted; the summary is a line, or JSON with -o json"
            )));
        }
    };
    let columns_id = cli::field_id(
        <ReportRequest as Endpoint>::INFO
            .request
            .iter()
            .find(|f| f.name == "columns")
            .ok_or_else(|| CliError::usage("the report has no columns field"))?,
    );
    let request = request(m, &columns_id)?;
    let tz = match params::one(m, &cli::option_id("timezone")) {
        Some(name) => scalar::time_zone(name).map_err(|e| {
            CliError::invalid(crate::error::invalid_message(
                "--timezone",
                name,
                &e.to_string(),
            ))
        })?,
        None => TimeZone::UTC,
    };
    let span = |id: &str| -> CliResult<SignedDuration> {
        let text = params::one(m, id).map_or("", String::as_str);
        let d = scalar::read_time_span(text).map_err(|why| {
            CliError::invalid(format!("invalid --{}: {why}", id.replace('_', "-")))
        })?;
        SignedDuration::try_from(d)
            .map_err(|_| CliError::invalid(format!("invalid --{id}: {text:?} is too long")))
    };
    let per_page = request
        .options
        .iter()
        .find_map(|o| match o {
            ReportOption::PerPage(n) => Some(*n),
            _ => None,
        })
        .unwrap_or(10_000);
    if per_page == 0 {
        return Err(CliError::invalid(
            "invalid --per-page: \"0\": must be at least 1",
        ));
    }
    let conn = Conn::open_server(g)?;
    let source = match params::one(m, "source") {
        Some(s) if !s.trim().is_empty() => s.to_owned(),
        Some(_) => {
            return Err(CliError::invalid(
                "invalid --source: \"\": must not be empty",
            ));
        }
        None => dlspbx::config::url_host(&conn.base_url)
            .unwrap_or(&conn.base_url)
            .to_owned(),
    };
    let mut sync = CdrSync::new(source)
        .columns(request.columns.clone())
        .filters(request.filter_groups.clone())
        .overlap(span("overlap")?)
        .window(span("window")?)
        .per_page(per_page)
        .window_rows(m.get_one::<u64>("window_rows").copied().unwrap_or(100_000))
        .resync(m.get_flag("resync"));
    if let Some(t) = when(m, "since", &tz)? {
        sync = sync.since(t);
    }
    if let Some(t) = when(m, "until", &tz)? {
        sync = sync.until(t);
    }
    if m.get_flag("resync") && !params::given(m, "since") {
        return Err(CliError::usage(
            "cdr sync: --resync needs --since DATE, the date to read again from",
        ));
    }
    let mut sink = open_target(m)?;
    let bar = bar(g);
    let summary = sync
        .run(&conn.client, sink.as_mut(), &mut |p: Progress| {
            if let Some(b) = &bar {
                b.set_length(p.total);
                b.set_position(p.rows);
            }
        })
        .map_err(cli_error);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let summary = summary?;
    print_summary(&summary, &tz, json)
}

/// The typed request of the report flags: `--column` (all 51 when not given), `--filter`,
/// `--filter-json`, `--timezone`, `--per-page`, read and checked as `reports report` reads
/// them.
fn request(m: &ArgMatches, columns_id: &str) -> CliResult<ReportRequest> {
    if params::given(m, columns_id) {
        return crate::run::request_from_matches::<ReportRequest>(m);
    }
    use dlspbx_core::Node;
    use dlspbx_core::params::Validate;
    let mut node = params::from_matches(<ReportRequest as Endpoint>::INFO, m)?;
    let all = Column::ALL
        .iter()
        .map(|c| Node::Str(c.as_str().into()))
        .collect();
    if let Node::Map(entries) = &mut node {
        entries.push(("columns".into(), Node::Seq(all)));
    }
    let request = ReportRequest::from_params(&node).map_err(CliError::from)?;
    request.validate().map_err(CliError::from)?;
    Ok(request)
}

/// `--since`/`--until`: a relative date, a date and time in `tz`, or an instant.
fn when(m: &ArgMatches, id: &str, tz: &TimeZone) -> CliResult<Option<Timestamp>> {
    let Some(text) = params::one(m, id) else {
        return Ok(None);
    };
    let flag = format!("--{id}");
    let absolute = params::absolute(&flag, text, tz)?;
    let when = scalar::read_datetime(&absolute, true).map_err(|why| {
        CliError::invalid(crate::error::invalid_message(
            &flag,
            text,
            &format!("{why}; or a relative date: {}", params::RELATIVE_FORMS),
        ))
    })?;
    Timestamp::from_second(when.unix_in(tz))
        .map(Some)
        .map_err(|_| {
            CliError::invalid(crate::error::invalid_message(
                &flag,
                text,
                "is out of range",
            ))
        })
}

fn open_target(m: &ArgMatches) -> CliResult<Box<dyn Sink>> {
    let into = params::one(m, "into").map_or("sqlite:cdrs.db", String::as_str);
    let schema = params::one(m, "schema");
    let password_file = params::one(m, "into_password_file").map(PathBuf::from);
    if let Some(path) = into.strip_prefix("sqlite:") {
        if schema.is_some() || password_file.is_some() {
            return Err(CliError::usage(
                "cdr sync: --schema and --into-password-file are for a Postgres target",
            ));
        }
        let path = path.strip_prefix("//").unwrap_or(path);
        if path.is_empty() {
            return Err(CliError::usage(
                "cdr sync: --into sqlite: needs a file, e.g. --into sqlite:cdrs.db",
            ));
        }
        return Ok(Box::new(SqliteSink::open(path).map_err(cli_error)?));
    }
    if into.starts_with("postgres://") || into.starts_with("postgresql://") {
        let mut options = PgOptions::default();
        if let Some(s) = schema {
            options = options.schema(s);
        }
        if let Some(p) = password_file {
            options = options.password_file(p);
        }
        return Ok(Box::new(
            PostgresSink::connect(into, &options).map_err(cli_error)?,
        ));
    }
    Err(CliError::usage(
        "cdr sync: --into must be sqlite:PATH or postgres://user@host[:port]/db",
    ))
}

/// A sync's failure in the CLI's words and exit codes.
fn cli_error(e: SyncError) -> CliError {
    match e {
        SyncError::Api(e) => CliError::from(e),
        e @ (SyncError::Locked { .. }
        | SyncError::ResyncNeedsSince
        | SyncError::Target { .. }
        | SyncError::Schema { .. }) => CliError::usage(format!("cdr sync: {e}")),
        e => CliError::decode(format!("cdr sync: {}", dlspbx_core::error::chain(&e))),
    }
}

fn bar(g: &Globals) -> Option<indicatif::ProgressBar> {
    if g.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(0);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} syncing [{bar:40}] {pos}/{len} CDRs ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(b)
}

fn print_summary(s: &SyncSummary, tz: &TimeZone, json: bool) -> CliResult<()> {
    let shown = |t: Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let line = if json {
        let iso = |t: Timestamp| t.to_string();
        serde_json::json!({
            "source": s.source,
            "from": s.range.map(|r| iso(r.from)),
            "to": s.range.map(|r| iso(r.to)),
            "rows": s.rows,
            "inserted": s.inserted,
            "updated": s.updated,
            "windows": s.windows,
            "requests": s.requests,
            "watermark": s.watermark.map(iso),
            "added_columns": s.added_columns.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "seconds": (s.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        })
        .to_string()
    } else {
        let mut line = match s.range {
            Some(r) => format!("{} → {}: ", shown(r.from), shown(r.to)),
            None => "no CDRs yet: ".to_owned(),
        };
        let full = s.to_string();
        line.push_str(
            full.split_once(": ")
                .map_or(full.as_str(), |(_, rest)| rest),
        );
        line
    };
    println!("{line}");
    Ok(())
}
