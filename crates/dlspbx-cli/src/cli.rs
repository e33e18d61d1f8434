//! The command line, built at run time from the spec's metadata (`dlspbx_core::generated::ACTIONS`)
//! with clap's builder API: one subcommand group per API module, one subcommand per action,
//! one flag per request field. A new action or field in the spec appears here without a change.
//!
//! Flags per request field type:
//!
//! | spec type | flag |
//! |---|---|
//! | scalar (`string`, `int`, `date`, `enum:…`) | `--field VALUE` (an enum's values are listed in `--help` and completed by the shell) |
//! | `list<…>` of scalars | `--field A,B` or repeated; a plural name also has its singular (`--column`) |
//! | `custom_fields` | `--custom NAME=VALUE`, repeated |
//! | `options` | `--option KEY=VALUE`, repeated, plus one flag per option key (`--per-page 100`) and `--all` |
//! | `list<FilterGroup>` | `--filter 'include and: duration between 30 60; bridged'` (see [`crate::filter_lang`]) and `--filter-json FILE` |
//! | a record (`SmsFilters`) | one flag per field of the record (`--filters-src`, `--filters-direction`), and `--field KEY=VALUE` (repeated; `A,B` is a list), or `--field '{json}'`, or `--field @file.json` |
//! | a map | `--field KEY=VALUE`, or JSON, or `@file.json` |
//! | a list of records | `--field '[json]'` or `--field @file.json` |

use crate::output::Output;
use clap::builder::{PossibleValue, PossibleValuesParser, StringValueParser, TypedValueParser};
use clap::{Arg, ArgAction, Command};
use dlspbx_core::generated::{ACTIONS, MODULES};
use dlspbx_core::reports::{Exclusivity, LogicalOperator, Operator, OrderDirection, ReportOption};
use dlspbx_core::{ActionInfo, FieldInfo, FieldType, Presence};
use std::ffi::OsStr;

/// The long description of the whole tool.
pub const LONG_ABOUT: &str = "\
Command-line client for the DLS Hosted PBX HTTP API.

Every API action is a subcommand: `dlspbx <module> <action> [--field value]...`,
e.g. `dlspbx status queues` or `dlspbx dialer add-contact --contact-list Leads --phone-number 8155551234`.

Connection, first match wins: --url/--api-user/--api-key (or --api-key-file); the environment
(DLSPBX_URL, DLSPBX_API_USER, DLSPBX_API_KEY or DLSPBX_API_KEY_FILE); the config file
(--config, else $DLSPBX_CONFIG, else ~/.config/dlspbx/config.toml, keys url, api_user,
api_key or api_key_file, format, encoding, timeout, connect_timeout, max_attempts; a named
file that is missing, or any file that is broken, is an error). --timeout, --connect-timeout
(30s, 2m, 500ms or seconds) and --retries N bound each call. With --sim (or DLSPBX_SIM=1), or with no URL
anywhere while stderr is a terminal, an embedded simulator is started with demo data in an
in-memory SQLite database (500 CDRs; --sim-cdrs N or DLSPBX_SIM_CDRS for more, from 50,000
in a scratch file); with no URL
in a script, a command that needs a server exits 1. `dlspbx sim serve` runs it standalone.

Output: --output table|json|jsonl|yaml|csv; the default is table on a terminal and json
otherwise (the canonical JSON of the typed response: the spec's field names and order).
--raw prints the server's body untouched. --dry-run prints the HTTP request with the API key
replaced by REDACTED and sends nothing. Long work (report --all, dialer import) shows a
progress bar on stderr when it is a terminal, and nothing on a pipe or a file.

Exit codes: 0 success; 1 usage or configuration error; 2 undecodable response or transport
failure; 3 the server reported an error; 4 invalid input (nothing was sent).";

/// How a request field is given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One value.
    Scalar,
    /// A list of scalars.
    List,
    /// `custom:<name>` fields.
    Custom,
    /// Report options.
    Options,
    /// Report filter groups (the filter mini-language).
    FilterGroups,
    /// A record or map: `KEY=VALUE` pairs or JSON.
    Record,
    /// A list of records: JSON.
    RecordList,
}

/// How a field of type `ty` is given on the command line.
pub fn field_kind(ty: FieldType) -> FieldKind {
    match ty {
        FieldType::CustomFields => FieldKind::Custom,
        FieldType::Options => FieldKind::Options,
        FieldType::List(FieldType::Record("FilterGroup")) => FieldKind::FilterGroups,
        FieldType::List(inner) if inner.is_scalar() => FieldKind::List,
        FieldType::List(_) => FieldKind::RecordList,
        t if t.is_scalar() => FieldKind::Scalar,
        _ => FieldKind::Record,
    }
}

/// `add_contact` → `add-contact`.
pub fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c == '_' || c == '.' {
            out.push('-');
        } else if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The clap id of a request field's flag.
pub fn field_id(f: &FieldInfo) -> String {
    format!("field:{}", f.name)
}

/// The clap id of the JSON variant of a field (`--filter-json`).
pub fn json_id(f: &FieldInfo) -> String {
    format!("json:{}", f.name)
}

/// The clap id of the flag of a record field's field (`--filters-src`).
pub fn record_field_id(f: &FieldInfo, sub: &FieldInfo) -> String {
    format!("field:{}.{}", f.name, sub.name)
}

/// The flag of a record field's field, with its dashes (`--filters-src` for `filters.src`).
pub fn record_field_flag(f: &FieldInfo, sub: &FieldInfo) -> String {
    format!("--{}-{}", kebab(f.rust), kebab(sub.rust))
}

/// The clap id of a report option's own flag.
pub fn option_id(key: &str) -> String {
    format!("opt:{key}")
}

/// The flag of a request field named by its wire path in a validation failure
/// (`options[page]` → `--page`, `filters.start_cdr_id` → `--filters-start-cdr-id`, `name` →
/// `--name`); `None` for a path no single flag gives (a list item, a filter group).
pub fn flag_of(info: &ActionInfo, path: &str) -> Option<String> {
    if let Some(key) = path
        .strip_prefix("options[")
        .and_then(|k| k.strip_suffix(']'))
    {
        return ReportOption::KEYS
            .contains(&key)
            .then(|| format!("--{}", kebab(key)));
    }
    let (top, sub) = match path.split_once('.') {
        Some((top, sub)) => (top, Some(sub)),
        None => (path, None),
    };
    let f = info.request.iter().find(|f| f.name == top)?;
    match (field_kind(f.ty), sub) {
        (FieldKind::Scalar, None) => Some(format!("--{}", kebab(f.rust))),
        (FieldKind::List, None) => Some(format!("--{}", list_flag(&kebab(f.rust)))),
        (FieldKind::Record, Some(sub)) => {
            let s = f.fields.iter().find(|s| s.name == sub)?;
            matches!(field_kind(s.ty), FieldKind::Scalar | FieldKind::List)
                .then(|| record_field_flag(f, s))
        }
        _ => None,
    }
}

/// The clap id of `--all`.
pub const ALL_ID: &str = "all";

/// The first sentence of a doc (of its first paragraph), for the short help; the whole first
/// paragraph when the sentence would be cut too short or the paragraph has one sentence.
fn first_sentence(doc: &str) -> String {
    let para = doc.trim().split("\n\n").next().unwrap_or("").trim();
    let mut from = 0;
    while let Some(i) = para[from..].find(". ").map(|i| i + from) {
        let before = &para[..i];
        if before.ends_with("e.g") || before.ends_with("i.e") || before.ends_with("etc") {
            from = i + 2;
            continue;
        }
        if i < 200 {
            return para[..=i].to_owned();
        }
        break;
    }
    para.to_owned()
}

/// What a value of a spec type (its spelling: `int`, `list<enum:Column>`, `SmsFilters`) is,
/// in words for the help (the spec's spellings are the SDK's).
fn human_type(spec: &str) -> String {
    if let Some(item) = spec.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
        return format!("{}, repeatable", human_type(item));
    }
    if spec.starts_with("map<") {
        return "KEY=VALUE, repeatable".into();
    }
    if spec.starts_with("enum:") {
        return "one of the values listed".into();
    }
    match spec {
        "string" => "text",
        "int" => "whole number",
        "decimal" => "number",
        "bool" => "true or false",
        "date" => "date, YYYY-MM-DD",
        "datetime" => "date and time, YYYY-MM-DD HH:MM:SS, or a relative date",
        "timezone" => "IANA time zone name, e.g. America/Chicago",
        "column" => "a column name",
        "page" => "a page number from 0, or ALL",
        "custom_fields" => "NAME=VALUE, repeatable",
        "options" | "report_rows" => "see below",
        // A record of the spec.
        _ => "KEY=VALUE pairs",
    }
    .into()
}

fn field_help(f: &FieldInfo) -> (String, String) {
    let mut notes = vec![human_type(&f.ty.to_string())];
    if f.presence == Presence::Required {
        notes.push("required".into());
    }
    if let Some(r) = f.rule {
        notes.push(format!("rule: {r}"));
    }
    if let Some(d) = f.default {
        notes.push(format!("server default: {d}"));
    }
    let short = format!("{} [{}]", first_sentence(f.doc), notes.join("; "));
    let mut long = format!(
        "{}\n\n[{}] (wire name `{}`)",
        f.doc.trim(),
        notes.join("; "),
        f.name
    );
    if crate::params::is_datetime(f) {
        long.push_str(&relative_note());
    }
    (short, long)
}

/// The long help's note on relative dates, for a date-time flag.
fn relative_note() -> String {
    format!(
        "\n\nA relative date is read too, from the clock (in the report's --timezone, else UTC): {}.",
        crate::params::RELATIVE_FORMS
    )
}

/// The flag of a list field: singular (`--column`), as it is repeated.
fn list_flag(flag: &str) -> String {
    singular(flag).unwrap_or_else(|| flag.to_owned())
}

fn singular(flag: &str) -> Option<String> {
    flag.strip_suffix('s')
        .filter(|s| !s.is_empty() && !s.ends_with('s'))
        .map(str::to_owned)
}

/// More allowed values than this are not listed inline in `-h` (only in `--help`).
const MAX_INLINE_VALUES: usize = 12;

/// A value parser that accepts any text but advertises the spec's allowed values, so that
/// `--help` and shell completion list them. The value is checked by the generated request
/// parser, like every other field: a wrong value is invalid input (exit 4) with the allowed
/// values in the message, and a comma-separated list (`--column date,src`) stays possible.
#[derive(Clone)]
struct SpecValues(Vec<PossibleValue>);

impl TypedValueParser for SpecValues {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.0.iter().cloned()))
    }
}

/// Attaches allowed values to a flag (see [`SpecValues`]); a long list is shown in `--help`
/// only, as a note appended to `long_help`.
fn with_values(a: Arg, values: Vec<PossibleValue>, long_help: String) -> Arg {
    if values.is_empty() {
        return a.long_help(long_help);
    }
    if values.len() > MAX_INLINE_VALUES {
        let names: Vec<&str> = values.iter().map(PossibleValue::get_name).collect();
        a.value_parser(SpecValues(values.clone()))
            .hide_possible_values(true)
            .long_help(format!(
                "{long_help}\n\nPossible values: {}.",
                names.join(", ")
            ))
    } else {
        a.value_parser(SpecValues(values)).long_help(long_help)
    }
}

/// The allowed values of a field (`FieldInfo::values`).
fn field_values(f: &FieldInfo) -> Vec<PossibleValue> {
    f.values.iter().map(|v| PossibleValue::new(*v)).collect()
}

/// The allowed values of the spec enum `name`, from any field of that type.
fn enum_values(name: &str) -> Vec<PossibleValue> {
    fn find(fields: &'static [FieldInfo], name: &str) -> Option<&'static FieldInfo> {
        fields.iter().find_map(|f| {
            if matches!(f.ty.element(), FieldType::Enum(n) if *n == name) && !f.values.is_empty() {
                Some(f)
            } else {
                find(f.fields, name)
            }
        })
    }
    dlspbx_core::generated::ACTIONS
        .iter()
        .find_map(|a| find(a.request, name))
        .map(field_values)
        .unwrap_or_default()
}

/// The allowed values of a report option's type (`ReportOption::type_of`).
fn option_values(ty: &str) -> Vec<PossibleValue> {
    match ty {
        "bool" => vec![PossibleValue::new("true"), PossibleValue::new("false")],
        "column" => enum_values("Column"),
        "enum:OrderDirection" => OrderDirection::ALL
            .iter()
            .map(|d| PossibleValue::new(d.as_str()).help(d.doc()))
            .collect(),
        t => t.strip_prefix("enum:").map(enum_values).unwrap_or_default(),
    }
}

/// The value name shown for a report option's type.
fn option_value_name(ty: &str) -> &'static str {
    match ty {
        "bool" => "BOOL",
        "int" => "N",
        "page" => "N|ALL",
        "datetime" => "DATETIME",
        "timezone" => "TZ",
        "column" => "COLUMN",
        _ => "VALUE",
    }
}

/// The flag of one report option (`--per-page 100`), with the spec's doc and type.
fn option_arg(options_field: &FieldInfo, key: &'static str) -> Arg {
    let ty = ReportOption::type_of(key).unwrap_or("string");
    let doc = ReportOption::doc_of(key).unwrap_or("").trim();
    let notes = human_type(ty);
    let relative = if ty == "datetime" {
        relative_note()
    } else {
        String::new()
    };
    let a = Arg::new(option_id(key))
        .long(kebab(key))
        .value_name(option_value_name(ty))
        .help(format!("{} [{notes}]", first_sentence(doc)))
        .help_heading("Report options");
    with_values(
        a,
        option_values(ty),
        format!(
            "{doc}\n\n[{notes}] Sent as `{}[]={key}=VALUE`.{relative}",
            options_field.name
        ),
    )
}

/// The heading of a record field's own flags (`Filters (SmsFilters)`).
fn record_heading(f: &FieldInfo) -> String {
    let mut name = f.name.replace('_', " ");
    if let Some(first) = name.get(..1) {
        name = first.to_ascii_uppercase() + &name[1..];
    }
    name
}

/// The flag of one field of a record field (`--filters-src` for `filters.src`).
fn record_field_arg(f: &FieldInfo, sub: &FieldInfo) -> Option<Arg> {
    let kind = field_kind(sub.ty);
    if !matches!(kind, FieldKind::Scalar | FieldKind::List) {
        return None;
    }
    let (short, long) = field_help(sub);
    let mut a = Arg::new(record_field_id(f, sub))
        .long(record_field_flag(f, sub)[2..].to_owned())
        .help_heading(record_heading(f));
    a = if kind == FieldKind::List {
        a.value_name("VALUE[,VALUE]")
            .action(ArgAction::Append)
            .help(format!("{short} (repeatable; A,B is a list)"))
    } else {
        a.value_name("VALUE").help(short)
    };
    Some(with_values(
        a,
        field_values(sub),
        format!(
            "{long}\n\nSent as `{}[{}]`; the same as --{} {}=VALUE.",
            f.name,
            sub.name,
            kebab(f.rust),
            sub.name
        ),
    ))
}

/// The flags of one request field.
pub fn field_args(f: &FieldInfo) -> Vec<Arg> {
    let flag = kebab(f.rust);
    let (short, long) = field_help(f);
    let needed = f.presence == Presence::Required && f.default.is_none();
    match field_kind(f.ty) {
        FieldKind::Scalar => {
            let a = Arg::new(field_id(f))
                .long(flag)
                .value_name("VALUE")
                .help(short)
                .required(needed);
            vec![with_values(a, field_values(f), long)]
        }
        FieldKind::List => {
            let (primary, alias) = match singular(&flag) {
                Some(s) => (s, Some(flag.clone())),
                None => (flag.clone(), None),
            };
            let mut a = Arg::new(field_id(f))
                .long(primary)
                .value_name("VALUE[,VALUE]")
                .action(ArgAction::Append)
                .help(format!(
                    "{short} (repeat the flag or separate values with commas)"
                ))
                .required(needed);
            if let Some(alias) = alias {
                a = a.visible_alias(alias);
            }
            vec![with_values(
                a,
                field_values(f),
                format!("{long}\n\nRepeat the flag or separate values with commas."),
            )]
        }
        FieldKind::Custom => vec![
            Arg::new(field_id(f))
                .long(flag)
                .value_name("NAME=VALUE")
                .action(ArgAction::Append)
                .help(format!("{short} (repeatable)"))
                .long_help(format!(
                    "{long}\n\nRepeatable: --{} NAME=VALUE, sent as `{}:NAME=VALUE`.",
                    kebab(f.rust),
                    f.name
                )),
        ],
        FieldKind::Options => {
            let opt_flag = singular(&flag).unwrap_or(flag.clone());
            let keys = ReportOption::KEYS
                .iter()
                .map(|k| {
                    format!(
                        "\n  {k} ({}): {}",
                        human_type(ReportOption::type_of(k).unwrap_or("string")),
                        first_sentence(ReportOption::doc_of(k).unwrap_or(""))
                    )
                })
                .collect::<String>();
            let mut args = vec![
                Arg::new(field_id(f))
                    .long(opt_flag)
                    .value_name("KEY=VALUE")
                    .action(ArgAction::Append)
                    .help(format!(
                        "{short} (repeatable; each key also has its own flag below)"
                    ))
                    .long_help(format!(
                        "{long}\n\nRepeatable; each key also has its own flag (`--per-page 100`). Keys:{keys}"
                    )),
            ];
            for key in ReportOption::KEYS {
                args.push(option_arg(f, key));
            }
            args.push(
                Arg::new(ALL_ID)
                    .long("all")
                    .action(ArgAction::SetTrue)
                    .conflicts_with(option_id("page"))
                    .help("Stream every row (page=ALL) instead of one page, with flat memory")
                    .long_help(
                        "Stream every row (page=ALL) instead of one page: each row is decoded and \
                         written as it arrives, so memory stays flat whatever the report's size. \
                         On a terminal, a progress bar on stderr; nothing on a pipe or a file.",
                    )
                    .help_heading("Report options"),
            );
            args
        }
        FieldKind::FilterGroups => vec![
            Arg::new(field_id(f))
                .long("filter")
                .value_name("FILTER")
                .action(ArgAction::Append)
                .help(format!(
                    "{} One filter group per flag, e.g. 'include and: duration between 30 60; bridged'",
                    first_sentence(f.doc)
                ))
                .long_help(format!("{}\n\n{}", f.doc.trim(), filter_help(f))),
            Arg::new(json_id(f))
                .long("filter-json")
                .value_name("FILE")
                .action(ArgAction::Append)
                .help("Filter groups in the reference's JSON form, from FILE (`-` reads stdin)")
                .long_help(format!(
                    "Filter groups in the reference's JSON form, from FILE (`-` reads stdin): a list \
                     of groups (or one group), added after the --filter groups:\n\n  [{{{}}}]",
                    json_shape(f.fields)
                )),
        ],
        FieldKind::Record => {
            let keys = f
                .fields
                .iter()
                .map(|k| {
                    let values = if k.values.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", k.values.join("|"))
                    };
                    format!(
                        "\n  {} ({}){values}: {}",
                        k.name,
                        human_type(&k.ty.to_string()),
                        first_sentence(k.doc)
                    )
                })
                .collect::<String>();
            let mut args = vec![
                Arg::new(field_id(f))
                    .long(flag.clone())
                    .value_name("KEY=VALUE|JSON|@FILE")
                    .action(ArgAction::Append)
                    .help(format!(
                        "{short} (KEY=VALUE, repeatable; or JSON; or one flag per key below)"
                    ))
                    .long_help(format!(
                        "{long}\n\nGive KEY=VALUE pairs (repeat the flag; a comma-separated value is a list, a repeated \
                         key adds to the list), or a JSON object, or @FILE holding one; or use the --{flag}-KEY flags.{}",
                        if keys.is_empty() { String::new() } else { format!("\n\nKeys:{keys}") }
                    ))
                    .required(needed),
            ];
            args.extend(f.fields.iter().filter_map(|sub| record_field_arg(f, sub)));
            args
        }
        FieldKind::RecordList => vec![
            Arg::new(field_id(f))
                .long(flag)
                .value_name("JSON|@FILE")
                .help(format!("{short} (a JSON list, or @FILE holding one)"))
                .long_help(long)
                .required(needed),
        ],
    }
}

/// `"exclusivity": "include"|"exclude", ...`: the JSON shape of a record type, from the spec.
fn json_shape(fields: &[FieldInfo]) -> String {
    fields
        .iter()
        .map(|f| {
            let v = if !f.values.is_empty() {
                // A long list is cut short (the filter types are listed under --filter).
                let mut v = f
                    .values
                    .iter()
                    .take(if f.values.len() > 8 { 3 } else { 8 })
                    .map(|v| format!("\"{v}\""))
                    .collect::<Vec<_>>();
                if f.values.len() > 8 {
                    v.push("...".into());
                }
                v.join("|")
            } else if f.fields.is_empty() {
                "..".to_owned()
            } else {
                format!("[{{{}}}]", json_shape(f.fields))
            };
            format!("\"{}\": {v}", f.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The long help of `--filter`: the mini-language, with the values from the spec.
fn filter_help(f: &FieldInfo) -> String {
    let values = |name: &str| -> String {
        f.fields
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.values.join("|"))
            .unwrap_or_default()
    };
    let exclusivity = match values("exclusivity") {
        v if v.is_empty() => Exclusivity::ALL
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join("|"),
        v => v,
    };
    let logical = match values("logical_operator") {
        v if v.is_empty() => LogicalOperator::ALL
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join("|"),
        v => v,
    };
    format!(
        "One filter group per --filter:\n\n  [{exclusivity}] [{logical}][:] RULE; RULE; ...\n\n\
         The header defaults to `include and`. A call is returned when it matches every include \
         group and no exclude group; within a group, `and` needs every rule to match and `or` any.\n\n\
         RULE is a flag filter (`bridged`), a numeric filter with an operator (`duration >= 30`, \
         `duration between 30 60`, `duration !between 30 60`), or a value filter with = or != and a \
         comma-separated list (`direction = inbound,outbound`). Quote values with spaces: \
         tn = \"815 555 1234\".\n\nFilter types: {}\n\nOperators: {}\n\n\
         Example: --filter 'include and: duration between 30 60; bridged' --filter 'exclude: direction = internal'",
        crate::filter_lang::filter_type_list(),
        Operator::ALL
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The subcommand name of an action (`add_contact` → `add-contact`).
pub fn action_name(info: &ActionInfo) -> String {
    kebab(info.name)
}

/// Short aliases of an action inside its group: the name without the module's name, plural or
/// singular (`sms send` for `sms send-sms`, `subscribers add` for `subscribers add-subscriber`).
pub fn action_aliases(info: &ActionInfo) -> Vec<String> {
    let singular = info.module.strip_suffix('s').unwrap_or(info.module);
    let short = [info.module, singular].into_iter().find_map(|m| {
        info.name
            .strip_suffix(m)
            .and_then(|s| s.strip_suffix('_'))
            .filter(|s| !s.is_empty())
    });
    let Some(short) = short else {
        return Vec::new();
    };
    let clash = ACTIONS
        .iter()
        .any(|a| a.module == info.module && a.name == short);
    if clash {
        Vec::new()
    } else {
        vec![kebab(short)]
    }
}

/// The names of the commands that are not API actions.
const BUILTINS: &[&str] = &[
    "decode",
    "sim",
    "cdr",
    "completions",
    "man",
    "config",
    "help",
];

/// Top-level shortcuts: the action of a module that has only one (`dlspbx test` for
/// `dlspbx example test`, `dlspbx report` for `dlspbx reports report`), when its name is free.
pub fn shortcuts() -> Vec<&'static ActionInfo> {
    ACTIONS
        .iter()
        .copied()
        .filter(|a| ACTIONS.iter().filter(|b| b.module == a.module).count() == 1)
        .filter(|a| {
            let name = action_name(a);
            !BUILTINS.contains(&name.as_str()) && !ACTIONS.iter().any(|b| b.module == name)
        })
        .collect()
}

/// The modules, in the spec's order (`MODULES`), plus any module of an action that
/// `MODULES` does not list: (name, file, doc).
fn modules() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out: Vec<_> = MODULES.iter().map(|m| (m.name, m.file, m.doc)).collect();
    for a in ACTIONS {
        if !out.iter().any(|(m, _, _)| *m == a.module) {
            out.push((a.module, a.file, ""));
        }
    }
    out
}

/// The subcommand of one action, named `name`.
pub fn action_command(info: &'static ActionInfo, name: &str) -> Command {
    let mut long = format!("{}\n\n", info.summary);
    if !info.doc.trim().is_empty() {
        long.push_str(info.doc.trim());
        long.push_str("\n\n");
    }
    long.push_str(&format!(
        "Sends `POST {}?api_action={}`; {}.",
        info.file,
        info.name,
        if info.idempotent {
            "idempotent, retried automatically"
        } else {
            "not idempotent, never retried"
        }
    ));
    if !info.response.is_empty() {
        long.push_str("\n\nResponse fields:");
        for r in info.response {
            long.push_str(&format!(
                "\n  {}{}: {}",
                r.name,
                if r.presence == Presence::Optional {
                    " (optional)"
                } else {
                    ""
                },
                first_sentence(r.doc)
            ));
        }
    }
    let mut cmd = Command::new(name.to_owned())
        .about(info.summary)
        .long_about(long);
    if name.contains('-') {
        cmd = cmd.alias(info.name);
    }
    for f in info.request {
        for a in field_args(f) {
            cmd = cmd.arg(a);
        }
    }
    if info.confirm.is_some() {
        cmd = cmd.arg(
            Arg::new(YES_ID)
                .long("yes")
                .short('y')
                .action(ArgAction::SetTrue)
                .help("Send without asking for confirmation (needed when stdin or stderr is not a terminal)"),
        );
    }
    if info.module == "status" {
        cmd = cmd
            .arg(
                Arg::new(WATCH_ID)
                    .long("watch")
                    .action(ArgAction::SetTrue)
                    .help("Poll every --interval until Ctrl-C (exit 0)")
                    .long_help(
                        "Poll every --interval until Ctrl-C, which exits 0. On a terminal the \
                         output is redrawn in place under a line with the time, like `watch`; \
                         elsewhere each poll is one line of JSON. A failed poll is shown on a \
                         terminal and polling goes on; elsewhere it ends the command with its \
                         exit code.",
                    ),
            )
            .arg(
                Arg::new("interval")
                    .long("interval")
                    .value_name("DURATION")
                    .requires(WATCH_ID)
                    .default_value("2s")
                    .value_parser(crate::params::parse_duration)
                    .help("Time between polls with --watch: 2s, 500ms, 1m or seconds"),
            );
    }
    if pages_records(info) {
        cmd = cmd.arg(
            Arg::new(ALL_ID)
                .long("all")
                .action(ArgAction::SetTrue)
                .conflicts_with("field:results_offset")
                .help("Every page of records (--results-limit per call), streamed")
                .long_help(
                    "Every page of records, one call per page of --results-limit records (100 \
                     when not given): json, jsonl and csv write each page's records as they \
                     arrive; yaml and table print them once all are read. A failure midway \
                     exits non-zero and says how many records were written.",
                ),
        );
    }
    cmd
}

/// A switch's value from the environment (`DLSPBX_SIM`): a flag word of the core's one
/// vocabulary (`1`, `true`, `yes`, `on`, `0`, `false`, `no`, `off`, ...); empty is off, as an
/// empty `DLSPBX_*` variable is unset.
fn parse_switch(text: &str) -> Result<bool, String> {
    if text.trim().is_empty() {
        return Ok(false);
    }
    dlspbx_core::scalar::read_flag(text)
}

/// Whether `info` is the action whose `--all` reads every page of records
/// (`sms.query_sms`); the report's `--all` streams page=ALL instead.
pub fn pages_records(info: &ActionInfo) -> bool {
    let sms = <dlspbx_core::sms::QuerySmsRequest as dlspbx_core::Endpoint>::INFO;
    (info.module, info.name) == (sms.module, sms.name)
}

/// The clap id of `--watch` (the `status` actions).
pub const WATCH_ID: &str = "watch";

/// The clap id of `--yes`, the flag of an action that asks for confirmation
/// (`ActionInfo::confirm`).
pub const YES_ID: &str = "yes";

fn global_args() -> Vec<Arg> {
    let g = |a: Arg| a.global(true).help_heading("Connection and output");
    vec![
        g(Arg::new("url")
            .long("url")
            .value_name("URL")
            .help("Base URL of the PBX, e.g. https://pbx.example.com [env: DLSPBX_URL]")),
        g(Arg::new("api_user")
            .long("api-user")
            .value_name("USER")
            .help("API user: extension, auth ID or extension@tenant [env: DLSPBX_API_USER]")),
        g(Arg::new("api_key")
            .long("api-key")
            .value_name("KEY")
            .conflicts_with("api_key_file")
            .help("API key (prefer --api-key-file or the environment) [env: DLSPBX_API_KEY]")),
        g(Arg::new("api_key_file")
            .long("api-key-file")
            .value_name("PATH")
            .help("Read the API key from a file [env: DLSPBX_API_KEY_FILE]")),
        g(Arg::new("config")
            .long("config")
            .value_name("PATH")
            .help("Config file (default: $DLSPBX_CONFIG or ~/.config/dlspbx/config.toml)")),
        g(Arg::new("sim")
            .long("sim")
            .action(ArgAction::SetTrue)
            .env("DLSPBX_SIM")
            .hide_env_values(true)
            .value_parser(parse_switch)
            .help("Use the embedded simulator (demo data) even if a URL is configured")),
        g(Arg::new("sim_cdrs")
            .long("sim-cdrs")
            .value_name("N")
            .env("DLSPBX_SIM_CDRS")
            .hide_env_values(true)
            .value_parser(clap::value_parser!(usize))
            .help("How many CDRs the embedded simulator generates (default 500; from 50,000 its database is a scratch file, not memory)")),
        g(Arg::new("sim_db")
            .long("sim-db")
            .value_name("PATH")
            .env("DLSPBX_SIM_DB")
            .hide_env_values(true)
            .value_parser(clap::value_parser!(std::path::PathBuf))
            .help("Keep the embedded simulator's data in this SQLite file between commands (created and seeded when new; default: in memory, discarded)")),
        g(Arg::new("timeout")
            .long("timeout")
            .value_name("DURATION")
            .env("DLSPBX_TIMEOUT")
            .hide_env_values(true)
            .value_parser(crate::params::parse_duration)
            .help(
                "Time allowed for one whole HTTP exchange: 30s, 2m, 500ms or seconds \
                 (config: timeout; default 60s)",
            )),
        g(Arg::new("connect_timeout")
            .long("connect-timeout")
            .value_name("DURATION")
            .env("DLSPBX_CONNECT_TIMEOUT")
            .hide_env_values(true)
            .value_parser(crate::params::parse_duration)
            .help(
                "Time allowed to connect: 30s, 2m, 500ms or seconds \
                 (config: connect_timeout; default 10s)",
            )),
        g(Arg::new("retries")
            .long("retries")
            .value_name("N")
            .env("DLSPBX_RETRIES")
            .hide_env_values(true)
            .value_parser(clap::value_parser!(u32).range(0..100))
            .help(
                "How many times a failed call is retried when that is safe; 0 disables retries \
                 (config: max_attempts = N + 1; default 2)",
            )),
        g(Arg::new("profile")
            .long("profile")
            .value_name("NAME")
            .env("DLSPBX_PROFILE")
            .hide_env_values(true)
            .help("Use the config file's [profiles.NAME] table over its top-level keys")),
        g(Arg::new("jq")
            .long("jq")
            .value_name("EXPR")
            .help("Filter the JSON with a jq expression (jaq), as gh --jq: each result on a line, strings as text. It sees the whole response, or each row with --all or -o jsonl")),
        g(Arg::new("fields")
            .long("fields")
            .value_name("FIELD[,FIELD]")
            .value_delimiter(',')
            .action(ArgAction::Append)
            .help("Keep only these fields of the response's records (ext,status for status users); a report takes --column instead")),
        g(Arg::new("verbose")
            .long("verbose")
            .short('v')
            .action(ArgAction::SetTrue)
            .help("One line per HTTP call on stderr: URL, status, bytes, time and attempts (no credentials: they are only in the body)")),
        g(Arg::new("color")
            .long("color")
            .value_name("WHEN")
            .value_parser(PossibleValuesParser::new(crate::output::Color::NAMES))
            .default_value("auto")
            .help("Colour in tables (a bold header): auto (on a terminal, unless NO_COLOR is set), always or never")),
        g(Arg::new("format")
            .long("format")
            .value_name("FORMAT")
            .value_parser(PossibleValuesParser::new([
                "json", "xml", "yaml", "csv", "plain",
            ]))
            .help("Response format to ask the server for (decode: the format of the input)")),
        g(Arg::new("encoding")
            .long("encoding")
            .value_name("ENCODING")
            .value_parser(PossibleValuesParser::new(["form", "json", "xml"]))
            .help("Request body encoding")),
        g(Arg::new("output")
            .long("output")
            .short('o')
            .value_name("OUTPUT")
            .value_parser(PossibleValuesParser::new(Output::NAMES))
            .help(
                "Output: table (default on a terminal), json (default otherwise), jsonl, yaml, csv",
            )),
        g(Arg::new("out").long("out").value_name("PATH").help(
            "Write the output to PATH: into a temporary file beside it, renamed to PATH only \
                 when complete (a failure leaves no PATH)",
        )),
        g(Arg::new("raw")
            .long("raw")
            .action(ArgAction::SetTrue)
            .help("Print the server's response body untouched")),
        g(Arg::new("quiet")
            .long("quiet")
            .action(ArgAction::SetTrue)
            .help(
                "Print no notices on stderr (the embedded simulator's); errors are still printed",
            )),
        g(Arg::new("dry_run")
            .long("dry-run")
            .action(ArgAction::SetTrue)
            .help("Print the HTTP request (API key REDACTED) and send nothing")),
    ]
}

fn import_command() -> Command {
    use dlspbx_core::Endpoint;
    let fields = dlspbx_core::dialer::AddContactRequest::INFO
        .request
        .iter()
        .filter(|f| f.name != "contact_list")
        .map(|f| {
            if f.ty == FieldType::CustomFields {
                format!(
                    "\n  {0}:<name>: the custom field <name>\n  any other column: refused, unless --map sends it somewhere or --custom-unknown makes it `{0}:<column>`",
                    f.name
                )
            } else {
                format!(
                    "\n  {}{} ({}{}): {}",
                    f.name,
                    if f.rust != f.name {
                        format!(" or {}", f.rust)
                    } else {
                        String::new()
                    },
                    f.ty,
                    if f.presence == Presence::Required {
                        ", required"
                    } else {
                        ""
                    },
                    first_sentence(f.doc)
                )
            }
        })
        .collect::<String>();
    Command::new("import")
        .about("Add every contact of a CSV file to a contact list")
        .long_about(format!(
            "Add every contact of a CSV file to a contact list.\n\n\
             The header row names the add_contact fields (contact_list excepted): the same names \
             (`phone_number`, `first_name`, `dialOnDate` or `dial_on_date`, ...) or `custom:<name>`, or \
             mapped with --map column=field (`--map column=-` ignores a column). Any other column, a \
             column named twice and two columns for one field are refused (exit 4) unless --map says \
             where they go; --custom-unknown sends every unknown column as the custom field \
             `custom:<column>`. Every row is \
             validated first and each bad row printed as `line N: field: reason` (N counts the \
             file's lines, the header is line 1, with LF or CRLF line ends); nothing is sent unless \
             all rows are valid or --skip-invalid is given. The contact list is then created (the API \
             returns the existing list's ID when it exists) and the rows are sent with bounded concurrency. \
             Re-running an import is safe: add_contact returns the existing contact's ID.\n\n\
             The summary counts the rows sent: add_contact answers a new and an existing contact \
             alike (with its ID), so it cannot tell them apart. On a terminal it shows the counts and \
             the first few failures (--reject-file PATH writes every bad row, -o jsonl every row's result).\n\n\
             With --output jsonl each row's result is written, and flushed, as the server acknowledges it.\n\n\
             Resuming: every acknowledged row is also recorded, as it is acknowledged, in a journal \
             (FILE.csv.dlspbx-journal beside the input, or --journal PATH; none for stdin without \
             --journal), which is removed once every row is stored. After an import stopped, failed \
             or was killed, the same command with --resume skips the rows the journal names (same \
             line, same phone number; a changed file is refused) and sends the rest. After \
             --max-failures consecutive connection failures the import stops instead of trying \
             every row.\n\n\
             Ctrl-C stops taking rows, lets the rows in flight finish, prints how many were stored \
             and exits 130 (a second Ctrl-C exits at once); --resume sends the rest.\n\n\
             Exit codes: 0 all sent; 1 usage; 2 stopped after --max-failures connection failures (or a row \
             failed in transport); 3 some rows failed on the server; 4 invalid rows (without --skip-invalid) \
             or columns; 130 interrupted.\n\n\
             Columns:{fields}",
        ))
        .arg(Arg::new("file").value_name("FILE.csv").required(true).help("CSV file with a header row (`-` reads stdin)"))
        .arg(Arg::new("contact_list").long("contact-list").value_name("NAME").required(true).help("Name of the contact list to add the contacts to"))
        .arg(
            Arg::new("map")
                .long("map")
                .value_name("COLUMN=FIELD")
                .action(ArgAction::Append)
                .help("Map a CSV column to an add_contact field (repeatable); FIELD may be custom:<name>, or - to ignore the column"),
        )
        .arg(Arg::new("custom_unknown").long("custom-unknown").action(ArgAction::SetTrue).help("Send every column that names no add_contact field as the custom field custom:<column>"))
        .arg(Arg::new("skip_invalid").long("skip-invalid").action(ArgAction::SetTrue).help("Send the valid rows even if some are invalid"))
        .arg(
            Arg::new("concurrency")
                .long("concurrency")
                .value_name("N")
                .default_value("4")
                .value_parser(clap::value_parser!(u16).range(1..=64))
                .help("Rows sent at once"),
        )
        .arg(
            Arg::new("max_failures")
                .long("max-failures")
                .value_name("N")
                .default_value("10")
                .value_parser(clap::value_parser!(u32).range(1..))
                .help("Stop (exit 2) after N consecutive connection failures: the server is gone"),
        )
        .arg(Arg::new("resume").long("resume").action(ArgAction::SetTrue).help("Skip the rows the journal says an earlier run stored (see Resuming)"))
        .arg(Arg::new("reject_file").long("reject-file").value_name("PATH").help("Write the bad rows (invalid, or refused by the server) to PATH as CSV: the input's header and a reason column"))
        .arg(Arg::new("journal").long("journal").value_name("PATH").help("Where the journal is kept [default: FILE.csv.dlspbx-journal; none for stdin]"))
}

fn decode_command() -> Command {
    let actions: Vec<String> = dlspbx_core::generated::ACTIONS
        .iter()
        .map(|a| format!("{}.{}", a.module, a.name))
        .collect();
    Command::new("decode")
        .about("Decode a saved response body and print it as canonical JSON")
        .long_about(
            "Decode a saved response body with the action's decoder and print it as canonical JSON \
             (the typed response, fields in spec order; a report as {total_results, title, columns, results}). \
             The same data gives the same JSON in every format.\n\n\
             The input format is --format, else guessed from the file's extension, else json.\n\n\
             A JSON or CSV report (reports.report) is written row by row as the body is read, in \
             every --output, so memory stays flat whatever its size; an XML or YAML report, and \
             every other action, is read whole first (memory about the body's size). \
             A report that fails midway exits non-zero and says how many rows were written.\n\n\
             Exit codes: 0 decoded; 2 undecodable (format, position and expectation on stderr); \
             3 the body is the server's error response (its message on stderr).",
        )
        .arg(Arg::new("action").value_name("MODULE.ACTION").required(true).value_parser(PossibleValuesParser::new(actions)).help("The action whose response this is, e.g. status.queues"))
        .arg(Arg::new("file").value_name("FILE").default_value("-").help("The body (`-` or nothing reads stdin)"))
}

fn sim_command() -> Command {
    use clap::Subcommand;
    dlspbx_sim::cli::Command::augment_subcommands(Command::new("sim"))
        .about("Run the simulator standalone (`dlspbx sim serve [--db PATH] [--listen ADDR]`)")
        .long_about(
            "Run the simulator standalone, with the same commands as the `dlspbx-sim` binary: \
             `dlspbx sim serve [--db PATH] [--listen ADDR]` serves the simulated API until Ctrl-C and \
             prints its URL and demo credentials; `dlspbx sim seed --db PATH` (re)creates a database file.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
}

/// The group of one API module: its doc from the spec, one subcommand per action.
fn module_command(name: &'static str, file: &'static str, doc: &'static str) -> Command {
    let mine: Vec<&'static ActionInfo> = ACTIONS
        .iter()
        .copied()
        .filter(|a| a.module == name)
        .collect();
    let about = if doc.trim().is_empty() {
        format!("`{file}` actions")
    } else {
        first_sentence(doc)
    };
    let mut group = Command::new(name)
        .about(about)
        .long_about(format!(
            "{}\n\nThe actions of `{file}`; `dlspbx {name} ACTION --help` shows an action's fields.",
            doc.trim()
        ))
        .subcommand_required(true)
        .arg_required_else_help(true);
    for a in mine {
        let mut cmd = action_command(a, &action_name(a));
        for alias in action_aliases(a) {
            cmd = cmd.visible_alias(alias);
        }
        group = group.subcommand(cmd);
    }
    if name == <dlspbx_core::dialer::AddContactRequest as dlspbx_core::Endpoint>::INFO.module {
        group = group.subcommand(import_command());
    }
    group
}

/// The command line as parsed, whose help shows the global options once: `dlspbx --help`
/// lists them, and a subcommand's help lists its own and points there. They are still taken
/// everywhere (`dlspbx status users --format xml`). Completions and man pages are made from
/// [`full_command`], where every subcommand lists them.
pub fn command() -> Command {
    let mut root = full_command();
    let globals = global_args();
    for sub in root.get_subcommands_mut() {
        *sub = hide_globals(std::mem::take(sub), &globals);
    }
    root
}

/// `cmd` and its subcommands with hidden copies of the global options: clap then does not
/// propagate the visible ones there, so their help leaves them out.
fn hide_globals(mut cmd: Command, globals: &[Arg]) -> Command {
    for a in globals {
        if !cmd.get_arguments().any(|x| x.get_id() == a.get_id()) {
            cmd = cmd.arg(a.clone().hide(true));
        }
    }
    cmd = cmd.after_help(
        "Connection and output options (--url, --api-user, --api-key, --sim, --format, -o, \
         --out, --raw, --dry-run, ...) are taken here too: see `dlspbx --help`.",
    );
    for sub in cmd.get_subcommands_mut() {
        *sub = hide_globals(std::mem::take(sub), globals);
    }
    cmd
}

/// The whole command line, every global option listed in every subcommand's help.
pub fn full_command() -> Command {
    let mut root = Command::new("dlspbx")
        .bin_name("dlspbx")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Command-line client for the DLS Hosted PBX HTTP API (with an embedded simulator)")
        .long_about(LONG_ABOUT)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .max_term_width(100);
    for a in global_args() {
        root = root.arg(a);
    }
    for (name, file, doc) in modules() {
        root = root.subcommand(module_command(name, file, doc));
    }
    for info in shortcuts() {
        let name = action_name(info);
        let cmd = action_command(info, &name).about(format!(
            "{} (shortcut for `{} {name}`)",
            info.summary, info.module
        ));
        root = root.subcommand(cmd);
    }
    root.subcommand(crate::cdr_sync::command())
        .subcommand(decode_command())
        .subcommand(sim_command())
        .subcommand(
            Command::new("completions")
                .about("Print a shell completion script (bash, zsh, fish, elvish, powershell)")
                .long_about(
                    "Print a shell completion script. For example:\n\n  \
                     dlspbx completions bash > ~/.local/share/bash-completion/completions/dlspbx\n  \
                     dlspbx completions zsh > ~/.zfunc/_dlspbx\n  \
                     dlspbx completions fish > ~/.config/fish/completions/dlspbx.fish",
                )
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(clap::value_parser!(clap_complete::Shell)),
                ),
        )
        .subcommand(
            Command::new("config")
                .about("Write (init) or show the configuration, the API key never shown")
                .subcommand_required(true)
                .subcommand(
                    Command::new("init")
                        .about("Ask for the URL, user and key, check them, and write the config file")
                        .long_about(
                            "Ask for the server's URL, the API user and the API key (not echoed), \
                             check them with the API's test action, and write the config file \
                             (--config PATH, else ~/.config/dlspbx/config.toml) with the key in a \
                             file of its own beside it (api-key), both readable by you only. Needs \
                             a terminal; an existing file is replaced only when you say so.",
                        ),
                )
                .subcommand(
                    Command::new("show")
                        .about("Show the configuration in effect, the API key redacted")
                        .long_about(
                            "Show the configuration the next command would use: the server, the \
                             user, where the key comes from (never the key), the format, the \
                             encoding, the timeouts and retries, after the config file (and \
                             --profile), the environment and the flags. A configuration that \
                             cannot be used is the error the command would give (exit 1).",
                        ),
                ),
        )
        .subcommand(
            Command::new("man")
                .about("Print the man page (roff) to stdout, or write one page per command")
                .long_about("Print the man page (roff) to stdout, e.g. `dlspbx man > dlspbx.1 && man ./dlspbx.1`. With --dir, write one page per command and subcommand into DIR instead (dlspbx.1, dlspbx-report.1, dlspbx-status-queues.1, ...), creating DIR if needed.")
                .arg(
                    Arg::new("dir")
                        .long("dir")
                        .value_name("DIR")
                        .value_parser(clap::value_parser!(std::path::PathBuf))
                        .help("Write one man page per command into DIR instead of printing one"),
                ),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn names() {
        assert_eq!(kebab("add_contact"), "add-contact");
        assert_eq!(kebab("dialOnDate"), "dial-on-date");
        assert_eq!(kebab("address_2"), "address-2");
        let kind = |ty| field_kind(ty);
        assert_eq!(
            kind(FieldType::List(&FieldType::Enum("Column"))),
            FieldKind::List
        );
        let groups = FieldType::List(&FieldType::Record("FilterGroup"));
        assert_eq!(kind(groups), FieldKind::FilterGroups);
        assert_eq!(kind(FieldType::Record("SmsFilters")), FieldKind::Record);
        assert_eq!(
            kind(FieldType::Map(&FieldType::Record("Queue"))),
            FieldKind::Record
        );
        assert_eq!(
            kind(FieldType::List(&FieldType::Record("Foo"))),
            FieldKind::RecordList
        );
        assert_eq!(kind(FieldType::Enum("SortOrder")), FieldKind::Scalar);
        assert_eq!(kind(FieldType::CustomFields), FieldKind::Custom);
        assert_eq!(singular("columns").as_deref(), Some("column"));
        assert_eq!(singular("dst"), None);
    }

    #[test]
    fn first_sentences() {
        assert_eq!(first_sentence("One. Two."), "One.");
        assert_eq!(first_sentence("IDs, e.g. `1.2`. More."), "IDs, e.g. `1.2`.");
        assert_eq!(first_sentence("Para one.\n\nPara two. Three."), "Para one.");
    }

    #[test]
    fn shortcuts_and_aliases_come_from_the_spec() {
        let names: Vec<String> = shortcuts().iter().map(|a| action_name(a)).collect();
        assert_eq!(names, ["test", "report"]);
        let find = |m: &str, n: &str| {
            ACTIONS
                .iter()
                .copied()
                .find(|a| a.module == m && a.name == n)
                .unwrap()
        };
        assert_eq!(action_aliases(find("sms", "send_sms")), ["send"]);
        assert_eq!(action_aliases(find("sms", "query_sms")), ["query"]);
        assert_eq!(
            action_aliases(find("subscribers", "add_subscriber")),
            ["add"]
        );
        assert_eq!(
            action_aliases(find("subscribers", "remove_subscriber")),
            ["remove"]
        );
        assert!(action_aliases(find("subscribers", "add_unsubscriber")).is_empty());
        assert!(action_aliases(find("dialer", "add_contact")).is_empty());
        assert!(action_aliases(find("status", "dialer")).is_empty());
    }

    #[test]
    fn every_module_is_documented() {
        for a in ACTIONS {
            let m = MODULES.iter().find(|m| m.name == a.module);
            assert!(m.is_some_and(|m| !m.doc.is_empty()), "{}", a.module);
        }
        let root = command();
        for m in MODULES {
            let group = root.find_subcommand(m.name).unwrap();
            assert!(
                group
                    .get_about()
                    .is_some_and(|a| m.doc.starts_with(&a.to_string()))
            );
        }
    }

    #[test]
    fn enum_values_become_possible_values() {
        let root = command();
        let values = |path: &[&str], id: &str| -> Vec<String> {
            let mut cmd = &root;
            for p in path {
                cmd = cmd.find_subcommand(p).unwrap();
            }
            let arg = cmd.get_arguments().find(|a| a.get_id() == id).unwrap();
            arg.get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect()
        };
        assert_eq!(
            values(&["sms", "query-sms"], "field:order_by"),
            ["asc", "desc"]
        );
        assert_eq!(
            values(&["sms", "query-sms"], "field:filters.direction"),
            ["inbound", "internal", "hairpin", "outbound"]
        );
        assert_eq!(
            values(&["sms", "query-sms"], "field:filters.status"),
            ["success", "failure"]
        );
        assert_eq!(
            values(&["report"], "opt:order_direction"),
            ["ASCENDING", "DESCENDING"]
        );
        assert_eq!(values(&["report"], "opt:count_only"), ["true", "false"]);
        let columns = values(&["report"], "opt:order_by");
        assert!(columns.len() > 40 && columns.contains(&"billable_duration".to_owned()));
        assert_eq!(values(&["report"], "field:columns"), columns);
        assert!(values(&["report"], "opt:per_page").is_empty());
    }
}
