//! Command-line flags → the request's parameter tree (wire names), which the generated
//! `Action::from_params` parses into the typed request. No per-action code.

use crate::cli::{self, FieldKind};
use crate::error::{CliError, CliResult};
use crate::filter_lang;
use crate::value::{self, Val};
use clap::ArgMatches;
use clap::parser::ValueSource;
use dlspbx_core::params::ToParam;
use dlspbx_core::reports::ReportOption;
use dlspbx_core::{ActionInfo, Node};
use std::borrow::Cow;

type Entries = Vec<(Cow<'static, str>, Node<'static>)>;

fn invalid(field: &str, value: &str, reason: &str) -> CliError {
    CliError::invalid(if value.is_empty() {
        format!("invalid {field}: {reason}")
    } else {
        format!("invalid {field}: {value:?} {reason}")
    })
}

fn many<'m>(m: &'m ArgMatches, id: &str) -> Vec<&'m String> {
    m.try_get_many::<String>(id)
        .ok()
        .flatten()
        .map(|v| v.collect())
        .unwrap_or_default()
}

fn one<'m>(m: &'m ArgMatches, id: &str) -> Option<&'m String> {
    m.try_get_one::<String>(id).ok().flatten()
}

/// Whether a flag was given on the command line (not a default).
pub fn given(m: &ArgMatches, id: &str) -> bool {
    matches!(
        m.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// `A,B, C` → items, trimmed, empty ones dropped.
fn split_list(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Reads JSON text, `@FILE` or `-` (stdin) into a tree.
pub fn read_json(field: &str, arg: &str, is_file: bool) -> CliResult<Val> {
    let text = if is_file || arg.starts_with('@') {
        let path = if is_file { arg } else { &arg[1..] };
        if path == "-" {
            std::io::read_to_string(std::io::stdin())?
        } else {
            std::fs::read_to_string(path)
                .map_err(|e| CliError::usage(format!("cannot read {path}: {e}")))?
        }
    } else {
        arg.to_owned()
    };
    serde_json::from_str::<Val>(&text).map_err(|e| {
        CliError::invalid(format!(
            "invalid {field}: not valid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })
}

fn record_from_pairs(field: &str, values: &[&String]) -> CliResult<Node<'static>> {
    let mut entries: Entries = Vec::new();
    for v in values {
        let t = v.trim_start();
        if t.starts_with('{') || t.starts_with('@') {
            match value::to_node(&read_json(field, v, false)?) {
                Node::Map(e) => entries.extend(e),
                _ => return Err(invalid(field, v, "must be a JSON object")),
            }
            continue;
        }
        let Some((k, val)) = v.split_once('=') else {
            return Err(invalid(
                field,
                v,
                "must be KEY=VALUE, a JSON object or @FILE",
            ));
        };
        let k = k.trim();
        let items: Vec<Node<'static>> = split_list(val).map(|s| Node::from(s.to_owned())).collect();
        let node = if items.len() == 1 && !val.contains(',') {
            items.into_iter().next().unwrap_or_default()
        } else {
            Node::Seq(items)
        };
        match entries.iter_mut().find(|(ek, _)| ek == k) {
            Some((_, existing)) => {
                let mut list = match std::mem::take(existing) {
                    Node::Seq(v) => v,
                    other => vec![other],
                };
                match node {
                    Node::Seq(v) => list.extend(v),
                    other => list.push(other),
                }
                *existing = Node::Seq(list);
            }
            None => entries.push((k.to_owned().into(), node)),
        }
    }
    Ok(Node::Map(entries))
}

/// Builds the parameter tree of `info`'s request from the matched flags.
pub fn from_matches(info: &ActionInfo, m: &ArgMatches) -> CliResult<Node<'static>> {
    let mut entries: Entries = Vec::new();
    for f in info.request {
        let id = cli::field_id(f);
        match cli::field_kind(f.ty) {
            FieldKind::Scalar => {
                if let Some(v) = one(m, &id) {
                    entries.push((f.name.into(), Node::from(v.clone())));
                } else if let (true, Some(d)) = (f.required, f.default) {
                    entries.push((f.name.into(), Node::str(d)));
                }
            }
            FieldKind::List => {
                let items: Vec<Node<'static>> = many(m, &id)
                    .iter()
                    .flat_map(|v| split_list(v))
                    .map(|s| Node::from(s.to_owned()))
                    .collect();
                if !items.is_empty() {
                    entries.push((f.name.into(), Node::Seq(items)));
                }
            }
            FieldKind::Custom => {
                for v in many(m, &id) {
                    let Some((k, val)) = v.split_once('=') else {
                        return Err(invalid(f.name, v, "must be NAME=VALUE"));
                    };
                    let k = k.trim();
                    let k = k.strip_prefix(&format!("{}:", f.name)).unwrap_or(k);
                    entries.push((format!("{}:{k}", f.name).into(), Node::from(val.to_owned())));
                }
            }
            FieldKind::Options => {
                let mut items: Vec<Node<'static>> = Vec::new();
                for key in ReportOption::KEYS {
                    if let Some(v) = one(m, &cli::option_id(key)) {
                        items.push(Node::from(format!("{key}={v}")));
                    }
                }
                if m.try_get_one::<bool>(cli::ALL_ID)
                    .ok()
                    .flatten()
                    .copied()
                    .unwrap_or(false)
                {
                    items.push(Node::str("page=ALL"));
                }
                for v in many(m, &id) {
                    if !v.contains('=') {
                        return Err(invalid(f.name, v, "must be KEY=VALUE"));
                    }
                    items.push(Node::from(v.clone()));
                }
                if !items.is_empty() {
                    entries.push((f.name.into(), Node::Seq(items)));
                }
            }
            FieldKind::FilterGroups => {
                let mut groups: Vec<Node<'static>> = Vec::new();
                for v in many(m, &id) {
                    let g = filter_lang::parse(v).map_err(|e| CliError::invalid(e.to_string()))?;
                    groups.push(g.to_param());
                }
                for file in many(m, &cli::json_id(f)) {
                    match value::to_node(&read_json(f.name, file, true)?) {
                        Node::Seq(items) => groups.extend(items),
                        Node::Map(e) => groups.push(Node::Map(e)),
                        _ => {
                            return Err(invalid(
                                f.name,
                                file,
                                "must hold a JSON list of filter groups",
                            ));
                        }
                    }
                }
                if !groups.is_empty() {
                    entries.push((f.name.into(), Node::Seq(groups)));
                }
            }
            FieldKind::Record => {
                let values = many(m, &id);
                if !values.is_empty() {
                    entries.push((f.name.into(), record_from_pairs(f.name, &values)?));
                }
            }
            FieldKind::RecordList => {
                if let Some(v) = one(m, &id) {
                    entries.push((f.name.into(), value::to_node(&read_json(f.name, v, false)?)));
                }
            }
        }
    }
    Ok(Node::Map(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_pairs() {
        let a = "direction=inbound,outbound".to_owned();
        let b = "status=success".to_owned();
        let c = "src=100".to_owned();
        let d = "src=200".to_owned();
        let n = record_from_pairs("filters", &[&a, &b, &c, &d]).unwrap();
        assert_eq!(
            n,
            Node::Map(vec![
                (
                    "direction".into(),
                    Node::Seq(vec![Node::str("inbound"), Node::str("outbound")])
                ),
                ("status".into(), Node::str("success")),
                (
                    "src".into(),
                    Node::Seq(vec![Node::str("100"), Node::str("200")])
                ),
            ])
        );
        let j = r#"{"dst":["1","2"]}"#.to_owned();
        let n = record_from_pairs("filters", &[&j]).unwrap();
        assert_eq!(
            n,
            Node::Map(vec![(
                "dst".into(),
                Node::Seq(vec![Node::str("1"), Node::str("2")])
            )])
        );
        let bad = "nokey".to_owned();
        assert_eq!(
            record_from_pairs("filters", &[&bad]).unwrap_err().code,
            crate::error::EXIT_INVALID
        );
    }
}
