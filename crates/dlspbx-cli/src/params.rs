//! Command-line flags → the request's parameter tree (wire names), which the generated
//! `Endpoint::from_params` parses into the typed request. No per-action code.

use crate::cli::{self, FieldKind};
use crate::error::{CliError, CliResult};
use crate::filter_lang;
use clap::ArgMatches;
use clap::parser::ValueSource;
use dlspbx_core::params::ToParam;
use dlspbx_core::reports::ReportOption;
use dlspbx_core::scalar::{self, TimeZone};
use dlspbx_core::{ActionInfo, FieldInfo, FieldType, Node, Presence};
use serde_json::Value;
use std::borrow::Cow;

type Entries = Vec<(Cow<'static, str>, Node<'static>)>;

fn invalid(field: &str, value: &str, reason: &str) -> CliError {
    CliError::invalid(crate::error::invalid_message(field, value, reason))
}

fn many<'m>(m: &'m ArgMatches, id: &str) -> Vec<&'m String> {
    m.try_get_many::<String>(id)
        .ok()
        .flatten()
        .map(|v| v.collect())
        .unwrap_or_default()
}

/// The value of a single-valued flag, if given (or defaulted).
pub fn one<'m>(m: &'m ArgMatches, id: &str) -> Option<&'m String> {
    m.try_get_one::<String>(id).ok().flatten()
}

/// Whether a field holds a date and time (its type, or a date-time rule).
pub(crate) fn is_datetime(f: &FieldInfo) -> bool {
    f.ty == FieldType::DateTime || matches!(f.rule, Some("datetime" | "datetime_or_unix"))
}

/// The relative dates the CLI reads, for messages.
pub const RELATIVE_FORMS: &str = "now, today, yesterday, now-<N><unit> or <N><unit> ago \
     (units s, m, h, d, w; e.g. now-24h, now-30m, 7d ago, 90m ago)";

/// A relative date as the absolute `YYYY-MM-DD HH:MM:SS` it means at `now` (in `now`'s zone):
/// `now`, `today` and `yesterday` (midnight), `now-<N><unit>` and `<N><unit> ago` (any case,
/// spaces allowed around `-` and before the unit or `ago`). `s`, `m` and `h` count elapsed
/// time, `d` and `w` calendar days (the same clock time N days before, across a DST change).
/// `Ok(None)`: not a relative date, left for the core's vocabulary; `Err`: one that starts
/// with `now` or ends with `ago` but is malformed, with why.
fn resolve(value: &str, now: &jiff::Zoned) -> Result<Option<jiff::civil::DateTime>, String> {
    let v = value.trim().to_ascii_lowercase();
    let midnight = jiff::civil::Time::midnight();
    let today = now.date();
    let ago = match v.as_str() {
        "now" => return Ok(Some(now.datetime())),
        "today" => return Ok(Some(today.to_datetime(midnight))),
        "yesterday" => {
            let d = today.yesterday().map_err(|e| e.to_string())?;
            return Ok(Some(d.to_datetime(midnight)));
        }
        v => match (v.strip_prefix("now"), v.strip_suffix("ago")) {
            (Some(rest), _) => rest
                .trim_start()
                .strip_prefix('-')
                .ok_or("only a time before now can be given (now-<N><unit>)")?,
            (None, Some(rest)) => rest,
            (None, None) => return Ok(None),
        },
    };
    let ago = ago.trim();
    let digits = ago.find(|c: char| !c.is_ascii_digit()).unwrap_or(ago.len());
    let (n, unit) = (&ago[..digits], ago[digits..].trim());
    let n: i64 = n
        .parse()
        .map_err(|_| "needs a number of units before now".to_owned())?;
    let span = match unit {
        "" => return Err(format!("{n} needs a unit (s, m, h, d or w)")),
        "s" => jiff::Span::new().try_seconds(n),
        "m" => jiff::Span::new().try_minutes(n),
        "h" => jiff::Span::new().try_hours(n),
        "d" => jiff::Span::new().try_days(n),
        "w" => jiff::Span::new().try_weeks(n),
        _ => {
            return Err(format!(
                "`{unit}` is not a unit; the units are s, m, h, d and w"
            ));
        }
    }
    .map_err(|_| format!("{n}{unit} is out of range"))?;
    now.checked_sub(span)
        .map(|z| Some(z.datetime()))
        .map_err(|_| format!("{n}{unit} before now is out of range"))
}

/// A relative date given with `flag` (see `resolve`: now, today, yesterday, N units ago) as the absolute `YYYY-MM-DD HH:MM:SS`
/// it means now in `tz`: the CLI reads the clock, the core never does. Any other value is left
/// for the core's vocabulary to read; a malformed relative date is refused (exit 4), naming
/// the flag and the forms.
pub fn absolute(flag: &str, value: &str, tz: &TimeZone) -> CliResult<String> {
    let now = jiff::Timestamp::now().to_zoned(tz.clone());
    match resolve(value, &now) {
        Ok(Some(dt)) => Ok(scalar::write_datetime(
            dt.with().subsec_nanosecond(0).build().unwrap_or(dt),
        )),
        Ok(None) => Ok(value.to_owned()),
        Err(why) => Err(invalid(
            flag,
            value,
            &format!("is not a relative date: {why}; relative dates are {RELATIVE_FORMS}"),
        )),
    }
}

/// The zone relative dates are resolved in: the report's `--timezone` when given and known,
/// else UTC.
fn zone(m: &ArgMatches) -> TimeZone {
    one(m, &cli::option_id("timezone"))
        .and_then(|name| scalar::time_zone(name).ok())
        .unwrap_or(TimeZone::UTC)
}

/// A duration flag's value (`--timeout`, `--connect-timeout`): the core's
/// [`read_time_span`](dlspbx_core::scalar::read_time_span) (`30s`, `2m`, `500ms`, or seconds).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    dlspbx_core::scalar::read_time_span(text)
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

/// Converts a JSON document (such as `--filter-json`) into a request parameter tree; numbers
/// keep their text, as on the wire.
pub fn to_node(v: &Value) -> Node<'static> {
    match v {
        Value::Null => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Number(n) => Node::from(n.to_string()),
        Value::String(s) => Node::from(s.clone()),
        Value::Array(items) => Node::Seq(items.iter().map(to_node).collect()),
        Value::Object(entries) => Node::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone().into(), to_node(v)))
                .collect(),
        ),
    }
}

/// Reads JSON text, `@FILE` or `-` (stdin) into a tree.
pub fn read_json(field: &str, arg: &str, is_file: bool) -> CliResult<Value> {
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
    serde_json::from_str::<Value>(&text).map_err(|e| {
        CliError::invalid(format!(
            "invalid {field}: not valid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })
}

/// Adds `key: node` to a record; a key given twice becomes a list of both.
fn merge_entry(entries: &mut Entries, k: Cow<'static, str>, node: Node<'static>) {
    match entries.iter_mut().find(|(ek, _)| *ek == k) {
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
        None => entries.push((k, node)),
    }
}

/// A record from `KEY=VALUE` pairs and JSON objects, added to `entries` (the record's own
/// flags).
fn record_from_pairs(
    field: &str,
    values: &[&String],
    mut entries: Entries,
) -> CliResult<Node<'static>> {
    for v in values {
        let t = v.trim_start();
        if t.starts_with('{') || t.starts_with('@') {
            match to_node(&read_json(field, v, false)?) {
                Node::Map(e) => {
                    for (k, node) in e {
                        merge_entry(&mut entries, k, node);
                    }
                }
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
        merge_entry(&mut entries, k.to_owned().into(), node);
    }
    Ok(Node::Map(entries))
}

/// A list flag's values: every occurrence, each split at commas.
fn list_items(m: &ArgMatches, id: &str) -> Vec<Node<'static>> {
    many(m, id)
        .iter()
        .flat_map(|v| split_list(v))
        .map(|s| Node::from(s.to_owned()))
        .collect()
}

/// The entries given with a record's own flags (`--filters-src 100 --filters-status success`),
/// in the record's field order.
fn record_fields(f: &FieldInfo, m: &ArgMatches) -> CliResult<Entries> {
    let mut out = Entries::new();
    for sub in f.fields {
        let id = cli::record_field_id(f, sub);
        match cli::field_kind(sub.ty) {
            FieldKind::Scalar => {
                if let Some(v) = one(m, &id) {
                    let v = if is_datetime(sub) {
                        absolute(&cli::record_field_flag(f, sub), v, &zone(m))?
                    } else {
                        v.clone()
                    };
                    out.push((sub.name.into(), Node::from(v)));
                }
            }
            FieldKind::List => {
                let items = list_items(m, &id);
                if !items.is_empty() {
                    out.push((sub.name.into(), Node::Seq(items)));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Builds the parameter tree of `info`'s request from the matched flags.
pub fn from_matches(info: &ActionInfo, m: &ArgMatches) -> CliResult<Node<'static>> {
    let mut entries: Entries = Vec::new();
    for f in info.request {
        let id = cli::field_id(f);
        match cli::field_kind(f.ty) {
            FieldKind::Scalar => {
                if let Some(v) = one(m, &id) {
                    let v = if is_datetime(f) {
                        absolute(&format!("--{}", cli::kebab(f.rust)), v, &zone(m))?
                    } else {
                        v.clone()
                    };
                    entries.push((f.name.into(), Node::from(v)));
                } else if let (true, Some(d)) = (f.presence == Presence::Required, f.default) {
                    entries.push((f.name.into(), Node::str(d)));
                }
            }
            FieldKind::List => {
                let items = list_items(m, &id);
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
                        let v = match ReportOption::type_of(key) {
                            Some("datetime") => {
                                absolute(&format!("--{}", cli::kebab(key)), v, &zone(m))?
                            }
                            _ => v.clone(),
                        };
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
                    let Some((key, value)) = v.split_once('=') else {
                        return Err(invalid(f.name, v, "must be KEY=VALUE"));
                    };
                    let v = match ReportOption::type_of(key.trim()) {
                        Some("datetime") => format!(
                            "{key}={}",
                            absolute(&format!("--{} {key}=", cli::kebab(f.rust)), value, &zone(m))?
                        ),
                        _ => v.clone(),
                    };
                    items.push(Node::from(v));
                }
                if !items.is_empty() {
                    entries.push((f.name.into(), Node::Seq(items)));
                }
            }
            FieldKind::FilterGroups => {
                let mut groups: Vec<Node<'static>> = Vec::new();
                for v in many(m, &id) {
                    let g = filter_lang::parse(v).map_err(|e| CliError::invalid(e.to_string()))?;
                    groups.push(g.to_param().into_owned());
                }
                for file in many(m, &cli::json_id(f)) {
                    match to_node(&read_json(f.name, file, true)?) {
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
                let own = record_fields(f, m)?;
                let values = many(m, &id);
                if !own.is_empty() || !values.is_empty() {
                    let mut record = record_from_pairs(f.name, &values, own)?;
                    // Relative dates given as KEY=VALUE or JSON (the own flags' are resolved).
                    if let Node::Map(fields) = &mut record {
                        for (k, node) in fields.iter_mut() {
                            let dated = f
                                .fields
                                .iter()
                                .any(|s| s.name == k.as_ref() && is_datetime(s));
                            if let (true, Node::Str(s)) = (dated, &*node) {
                                let flag = format!("--{} {k}=", cli::kebab(f.rust));
                                *node = Node::from(absolute(&flag, s, &zone(m))?);
                            }
                        }
                    }
                    entries.push((f.name.into(), record));
                }
            }
            FieldKind::RecordList => {
                if let Some(v) = one(m, &id) {
                    entries.push((f.name.into(), to_node(&read_json(f.name, v, false)?)));
                }
            }
        }
    }
    Ok(Node::Map(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative dates against a fixed clock: 2024-03-10 12:30:15 in New York, the day DST
    /// starts there (02:00 became 03:00), so `h` and `d` differ.
    #[test]
    fn relative_dates() {
        let tz = scalar::time_zone("America/New_York").unwrap();
        let now = jiff::civil::date(2024, 3, 10)
            .at(12, 30, 15, 0)
            .to_zoned(tz)
            .unwrap();
        let at = |v: &str| resolve(v, &now).map(|d| d.map(scalar::write_datetime));
        for (given, want) in [
            ("now", "2024-03-10 12:30:15"),
            ("today", "2024-03-10 00:00:00"),
            ("Yesterday", "2024-03-09 00:00:00"),
            ("now-30m", "2024-03-10 12:00:15"),
            ("NOW - 90s", "2024-03-10 12:28:45"),
            ("now-24h", "2024-03-09 11:30:15"),
            ("now-1d", "2024-03-09 12:30:15"),
            ("now-7d", "2024-03-03 12:30:15"),
            ("now-2w", "2024-02-25 12:30:15"),
            ("24h ago", "2024-03-09 11:30:15"),
            ("7d ago", "2024-03-03 12:30:15"),
            ("90m ago", "2024-03-10 11:00:15"),
            ("90 m  AGO", "2024-03-10 11:00:15"),
            ("0s ago", "2024-03-10 12:30:15"),
        ] {
            assert_eq!(at(given), Ok(Some(want.to_owned())), "{given}");
        }
        for other in ["2024-01-01", "1717236000", "June 1st", ""] {
            assert_eq!(at(other), Ok(None), "{other}");
        }
        for (bad, why) in [
            ("now+1d", "only a time before now"),
            ("now-", "needs a number"),
            ("now-5y", "`y` is not a unit"),
            ("now-h", "needs a number"),
            ("ago", "needs a number"),
            ("3 ago", "3 needs a unit"),
            ("2 days ago", "`days` is not a unit"),
            ("99999999999w ago", "out of range"),
        ] {
            let e = at(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn durations() {
        use std::time::Duration;
        for (text, d) in [
            ("30s", Duration::from_secs(30)),
            ("2m", Duration::from_secs(120)),
            ("500ms", Duration::from_millis(500)),
            ("7", Duration::from_secs(7)),
            ("1.5", Duration::from_millis(1500)),
            ("0.5s", Duration::from_millis(500)),
            ("1h", Duration::from_secs(3600)),
            ("1d", Duration::from_secs(86_400)),
            ("2w", Duration::from_secs(1_209_600)),
        ] {
            assert_eq!(parse_duration(text), Ok(d), "{text}");
        }
        for bad in [
            "", "s", "0", "0s", "-1", "1y", "1 s", "abc", "1e3", "NaNs", "1.2.3",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("30s, 2m, 500ms"), "{bad}: {e}");
        }
    }

    #[test]
    fn record_pairs() {
        let a = "direction=inbound,outbound".to_owned();
        let b = "status=success".to_owned();
        let c = "src=100".to_owned();
        let d = "src=200".to_owned();
        let n = record_from_pairs("filters", &[&a, &b, &c, &d], Entries::new()).unwrap();
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
        let n = record_from_pairs("filters", &[&j], Entries::new()).unwrap();
        assert_eq!(
            n,
            Node::Map(vec![(
                "dst".into(),
                Node::Seq(vec![Node::str("1"), Node::str("2")])
            )])
        );
        let bad = "nokey".to_owned();
        assert_eq!(
            record_from_pairs("filters", &[&bad], Entries::new())
                .unwrap_err()
                .code,
            crate::error::EXIT_INVALID
        );
    }
}
