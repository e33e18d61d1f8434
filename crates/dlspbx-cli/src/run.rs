//! Running one action: flags → typed request → (dry run | call) → typed response → canonical
//! JSON (`Endpoint::to_json`) → output. Written once, generically, for every action: [`Send`] and
//! [`Decode`] are visitors of the generated `visit_action`; the report's `--all` is
//! [`export_all`], which streams.

use crate::cli;
use crate::conn::{Conn, Globals};
use crate::error::{CliError, CliResult};
use crate::jq::Jq;
use crate::output::{self, Output, Target};
use crate::params;
use crate::report_out;
use clap::ArgMatches;
use dlspbx_core::generated::ActionVisitor;
use dlspbx_core::http::Credentials;
use dlspbx_core::reports::ReportRequest;
use dlspbx_core::{ActionInfo, Endpoint, Error, Format, InvalidRequest, PlainKind, Presence};
use serde_json::Value;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Maps an error writing to stdout: a closed pipe (`| head`) ends the command quietly.
pub fn stdout_err(e: io::Error) -> CliError {
    if let Some(failed) = crate::jq::failure(&e) {
        failed
    } else if e.kind() == io::ErrorKind::BrokenPipe {
        CliError::silent(0)
    } else {
        CliError::decode(format!("cannot write the output: {e}"))
    }
}

/// Builds the typed request of `A` from the flags, and validates it (nothing is sent or
/// started when it is invalid: exit 4).
pub fn request_from_matches<A: Endpoint>(m: &ArgMatches) -> CliResult<A> {
    let node = params::from_matches(A::INFO, m)?;
    let req = A::from_params(&node).map_err(|e| invalid_in(A::INFO, m, e))?;
    req.validate().map_err(|e| invalid_in(A::INFO, m, e))?;
    Ok(req)
}

/// The validation failures of a request of `info` (exit 4), every invalid field on a line of
/// its own; one of a rule on two fields (`InvalidRequest::other`) names both fields by their
/// flags (`invalid --page-offset: "30" cannot be combined with --page; give one of them`).
fn invalid_in(info: &ActionInfo, m: &ArgMatches, e: InvalidRequest) -> CliError {
    // `--all` is how the page option was given when it was not given itself.
    let flag = |path: &str| match path {
        "options[page]"
            if params::given(m, cli::ALL_ID) && !params::given(m, &cli::option_id("page")) =>
        {
            Some("--all".to_owned())
        }
        path => cli::flag_of(info, path),
    };
    let line = |e: &InvalidRequest| {
        let flags = e
            .other
            .as_deref()
            .and_then(|o| Some((o, flag(&e.field)?, flag(o)?)));
        match flags {
            Some((other, flag, other_flag)) => {
                let reason = e.reason.replace(&format!("`{other}`"), &other_flag);
                crate::error::invalid_message(&flag, &e.value, &reason)
            }
            None => {
                // The field by its flag (`--per-page`, `--dst` for `dst[0]`), else its path.
                let item = e
                    .field
                    .rsplit_once('[')
                    .map_or(e.field.as_str(), |(f, _)| f);
                let name = flag(&e.field)
                    .or_else(|| flag(item).filter(|_| e.field.ends_with(']')))
                    .unwrap_or_else(|| e.field.clone());
                crate::error::invalid_message(&name, &e.value, &e.reason)
            }
        }
    };
    CliError::invalid(e.all().map(line).collect::<Vec<_>>().join("\ndlspbx: "))
}

/// The question of an action that asks for confirmation (`ActionInfo::confirm`), with each
/// `{field}` replaced by the field's value as it would be sent.
fn question<A: Endpoint>(req: &A, template: &str) -> String {
    let params = req.to_params();
    let mut out = String::new();
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let (field, tail) = after.split_once('}').unwrap_or((after, ""));
        out.push_str(params.get(field).and_then(|n| n.as_str()).unwrap_or(""));
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Before sending an action that asks for confirmation: with `--yes`, nothing; when stdin and
/// stderr are terminals, asks on stderr and goes on only on `y` or `yes`; otherwise refuses
/// (exit 1), saying to pass `--yes`. Nothing is sent or started when it stops.
fn confirm<A: Endpoint>(req: &A, m: &ArgMatches) -> CliResult<()> {
    let Some(template) = A::INFO.confirm else {
        return Ok(());
    };
    if m.try_get_one::<bool>(cli::YES_ID).ok().flatten() == Some(&true) {
        return Ok(());
    }
    let q = question(req, template);
    let command = format!("{} {}", A::INFO.module, cli::action_name(A::INFO));
    if !(io::stdin().is_terminal() && io::stderr().is_terminal()) {
        return Err(CliError::usage(format!(
            "{command} asks for confirmation (\"{q}\") and there is no terminal to ask on; \
             pass --yes to send it; nothing was sent"
        )));
    }
    if ask_yes(&q)? {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "{command}: not confirmed; nothing was sent"
        )))
    }
}

/// Asks `question [y/N]` on stderr and reads the answer from stdin: `y` or `yes` (any case).
pub fn ask_yes(question: &str) -> io::Result<bool> {
    let mut err = io::stderr().lock();
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    drop(err);
    let mut answer = String::new();
    io::stdin().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// `--dry-run`: the request as it would be sent, with the API key replaced by `REDACTED`.
///
/// The request is built with `REDACTED` as the key, so the real key is in no part of the text,
/// in whatever form the body's encoding would escape it, and nothing else is touched (a key
/// that also occurs in a field name or a value cannot mangle them).
pub fn dry_run<A: Endpoint>(conn: &Conn, req: &A) -> CliResult<()> {
    dry_run_as(conn, req, conn.options.format)
}

/// [`dry_run`] of a request sent in `format` (the streaming export's, which may not be the
/// one asked for).
fn dry_run_as<A: Endpoint>(conn: &Conn, req: &A, format: Format) -> CliResult<()> {
    let credentials = Credentials::new(conn.credentials.api_user.clone(), REDACTED);
    let mut options = conn.options;
    options.format = format;
    let http = dlspbx_core::http::build(req, &credentials, &options)?;
    let mut out = io::stdout().lock();
    let text = http.to_redacted_string(&conn.base_url);
    out.write_all(text.as_bytes()).map_err(stdout_err)?;
    if !text.ends_with('\n') {
        writeln!(out).map_err(stdout_err)?;
    }
    out.flush().map_err(stdout_err)
}

/// Each PHP diagnostic the server printed before a body (`display_errors` on), on stderr as
/// `server warning: PHP Notice: ...`; the body after it was decoded.
pub(crate) fn warn_server(warnings: &[dlspbx_core::wire::preamble::PhpDiagnostic]) {
    for w in warnings {
        eprintln!("server warning: {w}");
    }
}

/// What `--dry-run` shows instead of the API key.
pub const REDACTED: &str = "REDACTED";

/// After `--raw` printed a body: the exit code its decoding gives (server error 3, undecodable 2).
/// A plain-text success (`0`) is a success even for an action whose data plain text cannot
/// carry (`ActionInfo::plain` is `Status`).
fn raw_status<A: Endpoint>(raw: &dlspbx::RawResponse) -> CliResult<()> {
    match raw.decode::<A>() {
        Ok(_) => Ok(()),
        Err(Error::Decode(_))
            if raw.format == Format::Plain
                && A::INFO.plain == PlainKind::Status
                && String::from_utf8_lossy(&raw.body).trim() == "0" =>
        {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Refuses, before sending, `--format plain` for an action whose response plain text cannot
/// carry (it carries only success or failure, `ActionInfo::plain`): the call would succeed and
/// its answer could not be shown. `--raw` shows the plain answer as is.
fn check_plain<A: Endpoint>(g: &Globals, conn: &Conn) -> CliResult<()> {
    let data = A::INFO
        .response
        .iter()
        .any(|f| f.presence == Presence::Required);
    if conn.options.format == Format::Plain && A::INFO.plain == PlainKind::Status && data && !g.raw
    {
        return Err(CliError::usage(format!(
            "the plain format carries only success or failure for {}.{}, not its response; \
             use --format json, xml, yaml or csv, or --raw to see the plain answer",
            A::INFO.module,
            A::INFO.name
        )));
    }
    Ok(())
}

/// The canonical JSON of a decoded response; a lazily decoded table (the report) whose rows
/// fail to decode part-way is an undecodable body (exit 2), not a short result.
fn canonical<A: Endpoint>(resp: &A::Response<'_>) -> CliResult<Value> {
    A::to_json(resp).map_err(CliError::from)
}

/// Prints a response in `output` to `out` (stdout or `--out PATH`, see [`Target`]).
fn print<A: Endpoint>(
    out: Option<&Path>,
    output: Output,
    fields: Option<&[String]>,
    jq: Option<&str>,
    resp: &A::Response<'_>,
) -> CliResult<()> {
    let mut v = canonical::<A>(resp)?;
    if let Some(keep) = fields {
        output::pick_fields(A::INFO, &mut v, keep)?;
    }
    if let Some(code) = jq {
        let jq = Jq::compile(code)?;
        if output != Output::Jsonl {
            // One response: the filter sees the whole document.
            let mut target = Target::open(out)?;
            jq.run(&v, &mut target)?;
            return target.commit();
        }
        // `-o jsonl`: the filter sees each row.
        let mut target = Target::open(out)?.filtered(Some(jq));
        output::write_value(&mut target, output, A::INFO, &v).map_err(|e| write_err(&target, e))?;
        return target.commit();
    }
    let mut target = Target::open(out)?;
    output::write_value(&mut target, output, A::INFO, &v).map_err(|e| write_err(&target, e))?;
    target.commit()
}

/// `--out PATH` of the matched command, if given.
pub fn out_path(m: &ArgMatches) -> Option<PathBuf> {
    m.try_get_one::<String>("out")
        .ok()
        .flatten()
        .map(PathBuf::from)
}

/// The output asked for; with `--out` (a file, not a terminal) JSON unless told otherwise.
pub fn output_for(g: &Globals, out: Option<&Path>) -> Output {
    match (g.output, out) {
        (Some(o), _) => o,
        (None, Some(_)) => Output::Json,
        (None, None) => g.output(),
    }
}

/// Maps an error writing to `target`: stdout's as [`stdout_err`], a file's naming it.
pub fn write_err(target: &Target, e: io::Error) -> CliError {
    match target.path() {
        _ if crate::jq::failure(&e).is_some() => stdout_err(e),
        None => stdout_err(e),
        Some(p) => CliError::decode(format!("cannot write {}: {e}", p.display())),
    }
}

/// Writes a raw body to `out`.
fn write_raw(out: Option<&Path>, body: &[u8]) -> CliResult<()> {
    let mut target = Target::open(out)?;
    target.write_all(body).map_err(|e| write_err(&target, e))?;
    target.commit()
}

/// Sends the action of the matched subcommand and prints its response (a
/// [`visit_action`](dlspbx_core::generated::visit_action) visitor).
pub struct Send<'a> {
    /// Global options.
    pub globals: &'a Globals,
    /// The matches of the action's subcommand.
    pub matches: &'a ArgMatches,
}

impl ActionVisitor for Send<'_> {
    type Output = CliResult<()>;

    fn visit<A: Endpoint>(self) -> CliResult<()> {
        let g = self.globals;
        let req = request_from_matches::<A>(self.matches)?;
        if !g.dry_run {
            confirm::<A>(&req, self.matches)?;
        }
        let conn = Conn::open(g)?;
        if g.dry_run {
            return dry_run(&conn, &req);
        }
        check_plain::<A>(g, &conn)?;
        let out = out_path(self.matches);
        let report = <ReportRequest as Endpoint>::INFO;
        if (A::INFO.module, A::INFO.name) == (report.module, report.name) && g.fields.is_some() {
            return Err(no_fields_for_reports());
        }
        if (A::INFO.module, A::INFO.name) == (report.module, report.name)
            && matches!(conn.options.format, Format::Json | Format::Csv)
            && !g.raw
            && (g.jq.is_none() || output_for(g, out.as_deref()) == Output::Jsonl)
        {
            // A report page in a format with an incremental decoder is written as it arrives,
            // however large (an XML or YAML page is read whole); `--jq` with `-o jsonl` filters
            // each row.
            let req = request_from_matches::<ReportRequest>(self.matches)?;
            let (output, mut target) = stream_target(g, out.as_deref())?;
            report_out::page(&conn, &req, output, &mut target)?;
            return target.commit();
        }
        let raw = conn.client.call_raw(req)?;
        warn_server(&raw.server_warnings);
        if g.raw {
            // An undecodable or error body is still written as is, but exits non-zero.
            write_raw(out.as_deref(), &raw.body)?;
            return raw_status::<A>(&raw);
        }
        let resp = raw.decode::<A>()?;
        let output = output_for(g, out.as_deref());
        if is_test::<A>() && g.output.is_none() && output == Output::Table {
            // A person at a terminal asked whether the connection works: say so in words.
            return write_ok(&conn);
        }
        print::<A>(
            out.as_deref(),
            output,
            g.fields.as_deref(),
            g.jq.as_deref(),
            &resp,
        )
    }
}

/// Whether `A` is `example.test`, the connection check.
fn is_test<A: Endpoint>() -> bool {
    std::ptr::eq(
        A::INFO,
        <dlspbx_core::example::TestRequest as Endpoint>::INFO,
    )
}

/// `OK: <url> as <user>`, what `dlspbx test` prints on a terminal.
fn write_ok(conn: &Conn) -> CliResult<()> {
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "OK: {} as {}",
        conn.base_url, conn.credentials.api_user
    )
    .and_then(|()| out.flush())
    .map_err(stdout_err)
}

/// `status … --watch`: the action polled every `--interval` until Ctrl-C (exit 0), with one
/// connection (so one embedded simulator). On a terminal each answer is redrawn in place
/// under a line with the time, and a failed poll is shown there while polling goes on;
/// elsewhere each answer is one line of JSON, flushed, and a failure ends the command.
pub struct Watch<'a> {
    /// Global options.
    pub globals: &'a Globals,
    /// The matches of the action's subcommand.
    pub matches: &'a ArgMatches,
}

impl ActionVisitor for Watch<'_> {
    type Output = CliResult<()>;

    fn visit<A: Endpoint>(self) -> CliResult<()> {
        use std::io::IsTerminal;
        let g = self.globals;
        let req = request_from_matches::<A>(self.matches)?;
        let conn = Conn::open(g)?;
        if g.dry_run {
            return dry_run(&conn, &req);
        }
        check_plain::<A>(g, &conn)?;
        let every = self
            .matches
            .get_one::<std::time::Duration>("interval")
            .copied()
            .unwrap_or(std::time::Duration::from_secs(2));
        let terminal = io::stdout().is_terminal() && g.output.is_none_or(|o| o == Output::Table);
        crate::interrupt::catch_ctrl_c();
        let mut out = io::stdout().lock();
        while !crate::interrupt::interrupted() {
            let answer = conn
                .client
                .call_raw(req.clone())
                .map_err(CliError::from)
                .and_then(|raw| canonical::<A>(&raw.decode::<A>()?));
            if terminal {
                let mut screen = Vec::new();
                let now = jiff::Zoned::now().strftime("%Y-%m-%d %H:%M:%S");
                writeln!(
                    screen,
                    "\x1b[H\x1b[2JEvery {every:?}: dlspbx {} {} ({now}; Ctrl-C ends)\n",
                    A::INFO.module,
                    A::INFO.name
                )
                .map_err(stdout_err)?;
                match &answer {
                    Ok(v) => output::write_value(&mut screen, Output::Table, A::INFO, v)
                        .map_err(stdout_err)?,
                    Err(e) => writeln!(screen, "{}", e.message).map_err(stdout_err)?,
                }
                out.write_all(&screen).map_err(stdout_err)?;
            } else {
                let v = answer?;
                serde_json::to_writer(&mut out, &v).map_err(|e| stdout_err(e.into()))?;
                writeln!(out).map_err(stdout_err)?;
            }
            out.flush().map_err(stdout_err)?;
            // Sleep in short steps, so that Ctrl-C ends the wait at once.
            let until = std::time::Instant::now() + every;
            while !crate::interrupt::interrupted() && std::time::Instant::now() < until {
                std::thread::sleep(std::time::Duration::from_millis(20).min(every));
            }
        }
        Ok(())
    }
}

/// `--all`: every row of the report, streamed (see [`report_out::export_all`]).
///
/// The rows are streamed in JSON or CSV, the formats with an incremental decoder: `--format
/// csv` streams CSV, json, xml and yaml stream JSON (the same rows), and `--dry-run` shows
/// that request, the one really sent. `--raw` prints the body in the format asked for, so it
/// sends that one. Plain text cannot carry rows: `--format plain` is refused (exit 1) unless
/// `--raw` shows the plain answer as is.
pub fn export_all(g: &Globals, m: &ArgMatches) -> CliResult<()> {
    if g.fields.is_some() {
        return Err(no_fields_for_reports());
    }
    let req = request_from_matches::<ReportRequest>(m)?;
    let conn = Conn::open(g)?;
    let asked = conn.options.format;
    if asked == Format::Plain && !g.raw {
        return Err(CliError::usage(
            "--all streams report rows, which the plain format cannot carry; use --format json \
             or csv (streamed as they are), xml or yaml (streamed as JSON), or --raw to see the \
             plain answer",
        ));
    }
    let sent = if g.raw {
        asked
    } else {
        dlspbx::export::export_format(asked)
    };
    if g.dry_run || g.raw {
        // The request of the export: the one streamed, with page=ALL.
        let req = dlspbx::export::export_request(req);
        if g.dry_run {
            return dry_run_as(&conn, &req, sent);
        }
        let raw = conn.client.call_raw(req)?;
        warn_server(&raw.server_warnings);
        write_raw(out_path(m).as_deref(), &raw.body)?;
        return raw_status::<ReportRequest>(&raw);
    }
    let out = out_path(m);
    let (output, mut target) = stream_target(g, out.as_deref())?;
    report_out::export_all(&conn, req, output, &mut target)?;
    target.commit()
}

/// The output and target of a stream of rows: with `--jq`, JSON Lines filtered row by row
/// (the filter sees one row at a time, so a stream stays a stream).
pub fn stream_target(g: &Globals, out: Option<&Path>) -> CliResult<(Output, Target)> {
    let Some(code) = g.jq.as_deref() else {
        return Ok((output_for(g, out), Target::open(out)?));
    };
    let jq = Jq::compile(code)?;
    Ok((Output::Jsonl, Target::open(out)?.filtered(Some(jq))))
}

/// `--fields` of a report: its cells are chosen by `--column`.
pub fn no_fields_for_reports() -> CliError {
    CliError::usage(
        "--fields: a report's cells are the columns it asks for; choose them with --column",
    )
}

/// `sms query-sms --all`: every page of records, one call each (the client's pager), written
/// as they arrive in json, jsonl and csv; yaml and table print them once all are read. A
/// failure midway says how many records were written.
pub fn sms_all(g: &Globals, m: &ArgMatches) -> CliResult<()> {
    use dlspbx_core::sms::QuerySmsRequest;
    let req = request_from_matches::<QuerySmsRequest>(m)?;
    let conn = Conn::open(g)?;
    if g.raw {
        return Err(CliError::usage(
            "--all reads several pages, which --raw cannot show as one body; drop --all, or \
             page with --results-limit and --results-offset",
        ));
    }
    if g.dry_run {
        // The first page's request; the next ones move --results-offset on.
        let first = dlspbx::pages::SmsPager::new(req);
        let first = dlspbx::pages::Pager::next_request(&first)
            .ok_or_else(|| CliError::usage("no page to request"))?;
        return dry_run(&conn, &first);
    }
    let out = out_path(m);
    let (output, mut target) = stream_target(g, out.as_deref())?;
    let mut records = report_out::Records::new(output, &mut target);
    for page in conn.client.sms_pages(req) {
        let page = page.map_err(|e| records.failed(e.into()))?;
        let mut v = canonical::<QuerySmsRequest>(&page)?;
        if let Some(keep) = &g.fields {
            output::pick_fields(<QuerySmsRequest as Endpoint>::INFO, &mut v, keep)?;
        }
        records
            .page(&v)
            .map_err(|e| records.failed(stdout_err(e)))?;
    }
    records.finish().map_err(stdout_err)?;
    target.commit()
}

/// Decodes a saved body as the response of an action and prints it.
pub struct Decode<'a> {
    /// The body.
    pub body: &'a [u8],
    /// Its format.
    pub format: dlspbx_core::Format,
    /// How to print it (JSON unless asked otherwise).
    pub output: Output,
    /// `--out PATH`, if given.
    pub out: Option<&'a Path>,
    /// `--fields`, if given.
    pub fields: Option<&'a [String]>,
    /// `--jq`, if given.
    pub jq: Option<&'a str>,
}

/// A body `decode` cannot print: the server's error response (exit 3), or undecodable (2).
pub(crate) fn decode_failure(e: Error) -> CliError {
    match e {
        Error::Server { message } => CliError::server(format!(
            "the body is the server's error response: {message}"
        )),
        Error::Decode(d) => CliError::decode(d.to_string()),
        other => other.into(),
    }
}

impl ActionVisitor for Decode<'_> {
    type Output = CliResult<()>;

    fn visit<A: Endpoint>(self) -> CliResult<()> {
        if let Ok(p) = dlspbx_core::wire::preamble::split(self.format, self.body) {
            warn_server(&p.diagnostics);
        }
        let resp = A::decode(self.format, self.body).map_err(decode_failure)?;
        print::<A>(self.out, self.output, self.fields, self.jq, &resp)
    }
}
