//! `--jq EXPR`: a jq filter (jaq) over a response's canonical JSON, as `gh --jq` does: each
//! result on its own line, a string as its text and anything else as compact JSON.
//!
//! A single response is filtered as one document. A stream (`--all`, or `-o jsonl`) is
//! filtered row by row, as its JSON Lines are written ([`Lines`], a
//! [`Target`](crate::output::Target) that stays a stream): the filter sees one row at a time,
//! so memory stays flat at any size.

use crate::error::{CliError, CliResult};
use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::{Val, read};
use std::io::{self, Write};

/// Where in `code` a `rest` of it starts, for an error message.
fn at(code: &str, rest: &str) -> String {
    let pos = code.len().saturating_sub(rest.len());
    let shown: String = rest.chars().take(20).collect();
    if shown.is_empty() {
        format!("at the end (column {})", pos + 1)
    } else {
        format!("at column {} (`{shown}`)", pos + 1)
    }
}

/// A compiled `--jq` filter.
pub struct Jq {
    code: String,
    filter: jaq_core::Filter<data::JustLut<Val>>,
}

/// A `--jq` filter that failed on its input, carried through an [`io::Error`] by [`Lines`]
/// and turned back into the usage error by [`failure`].
#[derive(Debug)]
struct Failed(String);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failed {}

/// The usage error of a `--jq` filter that failed midway through a stream, if `e` is one.
pub fn failure(e: &io::Error) -> Option<CliError> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Failed>())
        .map(|f| CliError::usage(f.0.clone()))
}

impl Jq {
    /// Parses and compiles `code`; one that does not is a usage error saying where and why.
    pub fn compile(code: &str) -> CliResult<Jq> {
        let bad = |why: String| CliError::usage(format!("--jq {code}: {why}"));
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let modules = loader
            .load(&arena, File { code, path: () })
            .map_err(|errors| {
                let mut why = Vec::new();
                for (_, e) in errors {
                    match e {
                        jaq_core::load::Error::Io(v) => {
                            why.extend(v.into_iter().map(|(_, m)| m));
                        }
                        jaq_core::load::Error::Lex(v) => {
                            why.extend(v.into_iter().map(|(expect, rest)| {
                                format!("expected {} {}", expect.as_str(), at(code, rest))
                            }))
                        }
                        jaq_core::load::Error::Parse(v) => {
                            why.extend(v.into_iter().map(|(expect, rest)| {
                                format!("expected {} {}", expect.as_str(), at(code, rest))
                            }))
                        }
                    }
                }
                bad(why.join("; "))
            })?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errors| {
                let why: Vec<String> = errors
                    .into_iter()
                    .flat_map(|(_, v)| v)
                    .map(|(name, undefined)| format!("unknown {} `{name}`", undefined.as_str()))
                    .collect();
                bad(why.join("; "))
            })?;
        Ok(Jq {
            code: code.to_owned(),
            filter,
        })
    }

    /// The usage error of this filter failing: `--jq CODE: why`.
    fn bad(&self, why: impl std::fmt::Display) -> String {
        format!("--jq {}: {why}", self.code)
    }

    /// Runs the filter on one JSON text and writes its results to `out`, one per line. A
    /// failure of the filter is a [`Failed`] inside the `io::Error`.
    fn filter_text(&self, json: &[u8], out: &mut dyn Write) -> io::Result<()> {
        let failed = |why: String| io::Error::other(Failed(why));
        let input = read::parse_single(json).map_err(|e| failed(self.bad(format!("{e:?}"))))?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        for result in self.filter.id.run((ctx, input)).map(unwrap_valr) {
            let v = result.map_err(|e| failed(self.bad(e)))?;
            // A string as its text, as `gh --jq` and `jq -r` print it; anything else as JSON.
            match &v {
                Val::TStr(text) => out.write_all(text)?,
                _ => write!(out, "{v}")?,
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Runs the filter on `value` (one whole response) and writes its results to `out`.
    pub fn run(&self, value: &serde_json::Value, out: &mut dyn Write) -> CliResult<()> {
        let text = serde_json::to_vec(value).map_err(|e| CliError::usage(self.bad(e)))?;
        self.filter_text(&text, out)
            .map_err(|e| failure(&e).unwrap_or_else(|| crate::run::stdout_err(e)))
    }
}

/// A writer of JSON Lines that filters each line through a [`Jq`] as it is completed, and
/// writes the results to the writer inside.
pub struct Lines<W> {
    jq: Jq,
    line: Vec<u8>,
    inner: W,
}

impl<W: Write> Lines<W> {
    /// Filters the lines written to it through `jq` into `inner`.
    pub fn new(jq: Jq, inner: W) -> Self {
        Lines {
            jq,
            line: Vec::new(),
            inner,
        }
    }

    /// The writer inside.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Filters a last line left without its newline, and gives back the writer inside.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.line.iter().all(u8::is_ascii_whitespace) {
            self.jq.filter_text(&self.line, &mut self.inner)?;
        }
        Ok(self.inner)
    }
}

impl<W: Write> Write for Lines<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while let Some(end) = buf.iter().position(|&b| b == b'\n') {
            let (head, rest) = buf.split_at(end + 1);
            let line: &[u8] = if self.line.is_empty() {
                head
            } else {
                self.line.extend_from_slice(head);
                &self.line
            };
            if !line.iter().all(u8::is_ascii_whitespace) {
                self.jq.filter_text(line, &mut self.inner)?;
            }
            self.line.clear();
            buf = rest;
        }
        self.line.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
