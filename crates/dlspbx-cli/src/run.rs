//! Running one action: flags → typed request → (dry run | call) → typed response → output.
//! Written once, generically, for every action ([`Send`]), plus the report ([`Send::visit_report`]).

use crate::conn::{Conn, Globals};
use crate::dispatch::{ActionVisitor, ReportAction};
use crate::error::{CliError, CliResult};
use crate::output::{self, Output};
use crate::report_out::{self, ReportSink};
use crate::value::Val;
use crate::{cli, params};
use clap::ArgMatches;
use dlspbx_core::{Action, Error};
use serde::Serialize;
use std::io::{self, Write};

/// Maps an error writing to stdout: a closed pipe (`| head`) ends the command quietly.
pub fn stdout_err(e: io::Error) -> CliError {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CliError::silent(0)
    } else {
        CliError::decode(format!("cannot write the output: {e}"))
    }
}

/// Builds the typed request of `A` from the flags, and validates it (nothing is sent or
/// started when it is invalid: exit 4).
pub fn request_from_matches<A: Action>(m: &ArgMatches) -> CliResult<A> {
    let node = params::from_matches(A::INFO, m)?;
    let req = A::from_params(&node)?;
    req.validate()?;
    Ok(req)
}

/// `--dry-run`: the request as it would be sent, with the API key redacted.
pub fn dry_run<A: Action>(conn: &Conn, req: &A) -> CliResult<()> {
    let http = dlspbx_core::http::build(req, &conn.credentials, &conn.options)?;
    let mut out = io::stdout().lock();
    let text = redact_escaped(
        http.to_redacted_string(&conn.base_url),
        conn.credentials.api_key.expose(),
    );
    out.write_all(text.as_bytes()).map_err(stdout_err)?;
    if !text.ends_with('\n') {
        writeln!(out).map_err(stdout_err)?;
    }
    out.flush().map_err(stdout_err)
}

/// Also hides the key in the escaped forms a JSON or XML body gives it (`&` → `&amp;`,
/// `"` → `\"`); `HttpRequest::to_redacted_string` only knows the form encoding's.
fn redact_escaped(mut text: String, key: &str) -> String {
    if key.is_empty() {
        return text;
    }
    let json = serde_json::to_string(key).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    let xml = key
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let xml_quoted = xml.replace('"', "&quot;").replace('\'', "&apos;");
    for form in [key.to_owned(), json, xml, xml_quoted] {
        if !form.is_empty() {
            text = text.replace(&form, "REDACTED");
        }
    }
    text
}

/// After `--raw` printed a body: the exit code its decoding gives (server error 3, undecodable 2).
fn raw_status<A: Action>(raw: &dlspbx::RawResponse) -> CliResult<()> {
    match raw.decode::<A>() {
        Ok(_) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Sends the action of the matched subcommand and prints its response.
pub struct Send<'a> {
    /// Global options.
    pub globals: &'a Globals,
    /// The matches of the action's subcommand.
    pub matches: &'a ArgMatches,
}

impl ActionVisitor for Send<'_> {
    type Output = CliResult<()>;

    fn visit<A: Action>(self) -> CliResult<()>
    where
        for<'a> A::Response<'a>: Serialize,
    {
        let g = self.globals;
        let req = request_from_matches::<A>(self.matches)?;
        let conn = Conn::open(g)?;
        if g.dry_run {
            return dry_run(&conn, &req);
        }
        let raw = conn.client.call_raw(req)?;
        let mut out = io::BufWriter::new(io::stdout().lock());
        if g.raw {
            out.write_all(&raw.body).map_err(stdout_err)?;
            out.flush().map_err(stdout_err)?;
            return raw_status::<A>(&raw);
        }
        let resp = raw.decode::<A>()?;
        let v = Val::of(&resp)
            .map_err(|e| CliError::decode(format!("cannot serialize the response: {e}")))?;
        output::write_value(&mut out, g.output(), A::NAME, A::CSV, &v).map_err(stdout_err)?;
        out.flush().map_err(stdout_err)
    }

    fn visit_report(self) -> CliResult<()> {
        let g = self.globals;
        let req = request_from_matches::<ReportAction>(self.matches)?;
        let conn = Conn::open(g)?;
        if g.dry_run {
            return dry_run(&conn, &req);
        }
        let all = self
            .matches
            .try_get_one::<bool>(cli::ALL_ID)
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false);
        let stdout = io::stdout();
        let mut out = io::BufWriter::new(stdout.lock());
        if g.raw {
            let raw = conn.client.call_raw(req)?;
            out.write_all(&raw.body).map_err(stdout_err)?;
            out.flush().map_err(stdout_err)?;
            return raw_status::<ReportAction>(&raw);
        }
        let output = g.output();
        if all {
            report_out::export_all(&conn, req, output, &mut out)?;
        } else {
            let raw = conn.client.call_raw(req)?;
            let table = raw.decode::<ReportAction>()?;
            let mut sink = ReportSink::new(output, &mut out);
            sink.head(
                Some(table.total_results),
                table.title.as_ref().map(|t| t.as_str()),
                &table.columns,
            )
            .map_err(stdout_err)?;
            for row in table.rows() {
                let row = row?;
                sink.row(&row.cells.iter().map(|c| c.as_str()).collect::<Vec<_>>())
                    .map_err(stdout_err)?;
            }
            sink.finish(None, None).map_err(stdout_err)?;
        }
        out.flush().map_err(stdout_err)
    }
}

/// Decodes a saved body as the response of an action and prints it.
pub struct Decode<'a> {
    /// The body.
    pub body: &'a [u8],
    /// Its format.
    pub format: dlspbx_core::Format,
    /// How to print it (JSON unless asked otherwise).
    pub output: Output,
}

fn decode_failure(e: Error) -> CliError {
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

    fn visit<A: Action>(self) -> CliResult<()>
    where
        for<'a> A::Response<'a>: Serialize,
    {
        let resp = A::decode(self.format, self.body).map_err(decode_failure)?;
        let v = Val::of(&resp)
            .map_err(|e| CliError::decode(format!("cannot serialize the response: {e}")))?;
        let mut out = io::BufWriter::new(io::stdout().lock());
        output::write_value(&mut out, self.output, A::NAME, A::CSV, &v).map_err(stdout_err)?;
        out.flush().map_err(stdout_err)
    }

    fn visit_report(self) -> CliResult<()> {
        let table = ReportAction::decode(self.format, self.body).map_err(decode_failure)?;
        // Read every row first: a malformed row is a decode error, and nothing is printed.
        let mut rows = Vec::new();
        for row in table.rows() {
            rows.push(row.map_err(decode_failure)?);
        }
        let mut out = io::BufWriter::new(io::stdout().lock());
        let mut sink = ReportSink::new(self.output, &mut out);
        sink.head(
            Some(table.total_results),
            table.title.as_ref().map(|t| t.as_str()),
            &table.columns,
        )
        .map_err(stdout_err)?;
        for row in &rows {
            sink.row(&row.cells.iter().map(|c| c.as_str()).collect::<Vec<_>>())
                .map_err(stdout_err)?;
        }
        sink.finish(None, None).map_err(stdout_err)?;
        out.flush().map_err(stdout_err)
    }
}
