//! `--jq EXPR`: a jq filter (jaq) over a response's canonical JSON, as `gh --jq` does: each
//! result on its own line, a string as its text and anything else as compact JSON.

use crate::error::{CliError, CliResult};
use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::{Val, read};
use std::io::Write;

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

/// Runs `code` on `value` and writes its results to `out`; a filter that does not parse or
/// compile, or fails on the value, is a usage error saying where and why.
pub fn run(code: &str, value: &serde_json::Value, out: &mut dyn Write) -> CliResult<()> {
    let bad = |why: String| CliError::usage(format!("--jq {code}: {why}"));
    let text = serde_json::to_string(value).map_err(|e| bad(e.to_string()))?;
    let input = read::parse_single(text.as_bytes()).map_err(|e| bad(format!("{e:?}")))?;
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
    let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
    for result in filter.id.run((ctx, input)).map(unwrap_valr) {
        let v = result.map_err(|e| bad(e.to_string()))?;
        // A string as its text, as `gh --jq` and `jq -r` print it; anything else as JSON.
        let line = match &v {
            Val::TStr(text) => String::from_utf8_lossy(text).into_owned(),
            _ => v.to_string(),
        };
        writeln!(out, "{line}").map_err(crate::run::stdout_err)?;
    }
    Ok(())
}
