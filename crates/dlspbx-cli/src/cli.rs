//! The command line, built at run time from the spec's metadata (`dlspbx_core::generated::ACTIONS`)
//! with clap's builder API: one subcommand group per API module, one subcommand per action,
//! one flag per request field. A new action or field in the spec appears here without a change.
//!
//! Flags per request field type:
//!
//! | spec type | flag |
//! |---|---|
//! | scalar (`string`, `int`, `date`, `enum:…`) | `--field VALUE` |
//! | `list<…>` of scalars | `--field A,B` or repeated; a plural name also has its singular (`--column`) |
//! | `custom_fields` | `--custom NAME=VALUE`, repeated |
//! | `options` | `--option KEY=VALUE`, repeated, plus one flag per option key (`--per-page 100`) and `--all` |
//! | `list<FilterGroup>` | `--filter 'include and: duration between 30 60; bridged'` (see [`crate::filter_lang`]) and `--filter-json FILE` |
//! | a record or map (`SmsFilters`) | `--field KEY=VALUE` (repeated; `A,B` is a list), or `--field '{json}'`, or `--field @file.json` |
//! | a list of records | `--field '[json]'` or `--field @file.json` |

use crate::output::Output;
use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, Command};
use dlspbx_core::reports::ReportOption;
use dlspbx_core::{ActionInfo, FieldInfo};

/// The long description of the whole tool.
pub const LONG_ABOUT: &str = "\
Command-line client for the DLS Hosted PBX HTTP API.

Every API action is a subcommand: `dlspbx <module> <action> [--field value]...`,
e.g. `dlspbx status queues` or `dlspbx dialer add-contact --contact-list Leads --phone-number 8155551234`.

Connection, first match wins: --url/--api-user/--api-key (or --api-key-file); the environment
(DLSPBX_URL, DLSPBX_API_USER, DLSPBX_API_KEY or DLSPBX_API_KEY_FILE); the config file
(--config, else $DLSPBX_CONFIG, else ~/.config/dlspbx/config.toml, keys url, api_user,
api_key or api_key_file, format, encoding). With no URL anywhere, or with --sim, an embedded
simulator is started with demo data in a temporary database.

Output: --output table|json|jsonl|yaml|csv; the default is table on a terminal and json
otherwise. --raw prints the server's body untouched. --dry-run prints the HTTP request with the
API key replaced by REDACTED and sends nothing.

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

fn is_record(ty: &str) -> bool {
    ty.starts_with("map<") || ty.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

/// The kind of a spec field type.
pub fn field_kind(ty: &str) -> FieldKind {
    match ty {
        "custom_fields" => FieldKind::Custom,
        "options" => FieldKind::Options,
        "list<FilterGroup>" => FieldKind::FilterGroups,
        t if t.starts_with("list<") => {
            let inner = &t[5..t.len() - 1];
            if is_record(inner) {
                FieldKind::RecordList
            } else {
                FieldKind::List
            }
        }
        t if is_record(t) => FieldKind::Record,
        _ => FieldKind::Scalar,
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

/// The clap id of a report option's own flag.
pub fn option_id(key: &str) -> String {
    format!("opt:{key}")
}

/// The clap id of `--all`.
pub const ALL_ID: &str = "all";

fn first_sentence(doc: &str) -> String {
    let doc = doc.trim();
    match doc.find(". ") {
        Some(i) if i < 160 => doc[..=i].to_owned(),
        _ => doc.to_owned(),
    }
}

fn field_help(f: &FieldInfo) -> (String, String) {
    let mut notes = vec![format!("type: {}", f.ty)];
    if f.required {
        notes.push("required".into());
    }
    if let Some(r) = f.rule {
        notes.push(format!("rule: {r}"));
    }
    if let Some(d) = f.default {
        notes.push(format!("server default: {d}"));
    }
    let short = format!("{} [{}]", first_sentence(f.doc), notes.join("; "));
    let long = format!(
        "{}\n\n[{}] (wire name `{}`)",
        f.doc.trim(),
        notes.join("; "),
        f.name
    );
    (short, long)
}

fn singular(flag: &str) -> Option<String> {
    flag.strip_suffix('s')
        .filter(|s| !s.is_empty() && !s.ends_with('s'))
        .map(str::to_owned)
}

/// The flags of one request field.
pub fn field_args(f: &FieldInfo) -> Vec<Arg> {
    let flag = kebab(f.rust);
    let (short, long) = field_help(f);
    let needed = f.required && f.default.is_none();
    match field_kind(f.ty) {
        FieldKind::Scalar => {
            vec![Arg::new(field_id(f)).long(flag).value_name("VALUE").help(short).long_help(long).required(needed)]
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
                .help(format!("{short} (repeat the flag or separate values with commas)"))
                .long_help(format!("{long}\n\nRepeat the flag or separate values with commas."))
                .required(needed);
            if let Some(alias) = alias {
                a = a.visible_alias(alias);
            }
            vec![a]
        }
        FieldKind::Custom => vec![
            Arg::new(field_id(f))
                .long(flag)
                .value_name("NAME=VALUE")
                .action(ArgAction::Append)
                .help(format!("{short} (repeatable)"))
                .long_help(format!("{long}\n\nRepeatable: --{} NAME=VALUE, sent as `{}:NAME=VALUE`.", kebab(f.rust), f.name)),
        ],
        FieldKind::Options => {
            let opt_flag = singular(&flag).unwrap_or(flag.clone());
            let mut args = vec![
                Arg::new(field_id(f))
                    .long(opt_flag)
                    .value_name("KEY=VALUE")
                    .action(ArgAction::Append)
                    .help(format!("{short} (repeatable)"))
                    .long_help(format!("{long}\n\nRepeatable. Keys: {}.", ReportOption::KEYS.join(", "))),
            ];
            for key in ReportOption::KEYS {
                args.push(
                    Arg::new(option_id(key))
                        .long(kebab(key))
                        .value_name("VALUE")
                        .help(format!("Report option `{key}` (sent as `{}[]={key}=VALUE`)", f.name))
                        .help_heading("Report options"),
                );
            }
            args.push(
                Arg::new(ALL_ID)
                    .long("all")
                    .action(ArgAction::SetTrue)
                    .conflicts_with(option_id("page"))
                    .help("Stream every row (page=ALL) instead of one page")
                    .help_heading("Report options"),
            );
            args
        }
        FieldKind::FilterGroups => vec![
            Arg::new(field_id(f))
                .long("filter")
                .value_name("FILTER")
                .action(ArgAction::Append)
                .help(format!("{} One filter group per flag, e.g. 'include and: duration between 30 60; bridged'", first_sentence(f.doc)))
                .long_help(format!(
                    "{}\n\nOne filter group per --filter: [include|exclude] [and|or]: RULE; RULE...\n\
                     RULE is a flag filter (`bridged`), a numeric filter with an operator \
                     (`duration >= 30`, `duration between 30 60`, `duration !between 30 60`), or a value \
                     filter with = or != and a comma-separated list (`direction = inbound,outbound`). \
                     Quote values with spaces: tn = \"815 555 1234\".\n\nFilter types: {}\nOperators: {}",
                    f.doc.trim(),
                    crate::filter_lang::filter_type_list(),
                    dlspbx_core::reports::Operator::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(", ")
                )),
            Arg::new(json_id(f))
                .long("filter-json")
                .value_name("FILE")
                .action(ArgAction::Append)
                .help("Filter groups in the reference's JSON form: [{\"exclusivity\":..,\"logical_operator\":..,\"rules\":[..]}] (`-` reads stdin)"),
        ],
        FieldKind::Record => vec![
            Arg::new(field_id(f))
                .long(flag)
                .value_name("KEY=VALUE|JSON|@FILE")
                .action(ArgAction::Append)
                .help(format!("{short} (repeat KEY=VALUE; A,B is a list; or give JSON)"))
                .long_help(format!(
                    "{long}\n\nGive KEY=VALUE pairs (repeat the flag; a comma-separated value is a list, a repeated \
                     key adds to the list), or a JSON object, or @FILE holding one."
                ))
                .required(needed),
        ],
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

/// The subcommand name of an action (`add_contact` → `add-contact`).
pub fn action_name(info: &ActionInfo) -> String {
    kebab(info.name)
}

/// Short aliases of some actions inside their group (`sms send` for `sms send-sms`).
fn action_aliases(info: &ActionInfo) -> Vec<&'static str> {
    match (info.module, info.name) {
        ("sms", "send_sms") => vec!["send"],
        ("sms", "query_sms") => vec!["query"],
        _ => Vec::new(),
    }
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
                "\n  {} ({}{}): {}",
                r.name,
                r.ty,
                if r.optional { ", optional" } else { "" },
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
    cmd
}

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
            .help("Use the embedded simulator even if a URL is configured")),
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
        g(Arg::new("raw")
            .long("raw")
            .action(ArgAction::SetTrue)
            .help("Print the server's response body untouched")),
        g(Arg::new("dry_run")
            .long("dry-run")
            .action(ArgAction::SetTrue)
            .help("Print the HTTP request (API key REDACTED) and send nothing")),
    ]
}

fn import_command() -> Command {
    Command::new("import")
        .about("Add every contact of a CSV file to a contact list")
        .long_about(
            "Add every contact of a CSV file to a contact list.\n\n\
             The header row names the add_contact fields (contact_list excepted): the same names \
             (`phone_number`, `first_name`, `dialOnDate` or `dial_on_date`, ...), or mapped with --map \
             column=field; any other column becomes the custom field `custom:<column>`. Every row is \
             validated first and each bad row printed as `line N: field: reason`; nothing is sent unless \
             all rows are valid or --skip-invalid is given. The contact list is then created (the API \
             returns the existing list's ID when it exists) and the rows are sent with bounded concurrency. \
             Re-running an import is safe: add_contact returns the existing contact's ID.\n\n\
             Exit codes: 0 all sent; 3 some rows failed on the server; 4 invalid rows (without --skip-invalid).",
        )
        .arg(Arg::new("file").value_name("FILE.csv").required(true).help("CSV file with a header row (`-` reads stdin)"))
        .arg(Arg::new("contact_list").long("contact-list").value_name("NAME").required(true).help("Name of the contact list to add the contacts to"))
        .arg(
            Arg::new("map")
                .long("map")
                .value_name("COLUMN=FIELD")
                .action(ArgAction::Append)
                .help("Map a CSV column to an add_contact field (repeatable); FIELD may be custom:<name>"),
        )
        .arg(Arg::new("skip_invalid").long("skip-invalid").action(ArgAction::SetTrue).help("Send the valid rows even if some are invalid"))
        .arg(
            Arg::new("concurrency")
                .long("concurrency")
                .value_name("N")
                .default_value("4")
                .value_parser(clap::value_parser!(u16).range(1..=64))
                .help("Rows sent at once"),
        )
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

/// The whole command line.
pub fn command() -> Command {
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
    let actions = dlspbx_core::generated::ACTIONS;
    let mut modules: Vec<(&'static str, &'static str)> = Vec::new();
    for a in actions {
        if !modules.iter().any(|(m, _)| *m == a.module) {
            modules.push((a.module, a.file));
        }
    }
    for (module, file) in modules {
        let mine: Vec<&'static ActionInfo> = actions
            .iter()
            .copied()
            .filter(|a| a.module == module)
            .collect();
        let list = mine
            .iter()
            .map(|a| action_name(a))
            .collect::<Vec<_>>()
            .join(", ");
        let mut group = Command::new(module)
            .about(format!("{file} actions: {list}"))
            .subcommand_required(true)
            .arg_required_else_help(true);
        for a in mine {
            let mut cmd = action_command(a, &action_name(a));
            for alias in action_aliases(a) {
                cmd = cmd.visible_alias(alias);
            }
            group = group.subcommand(cmd);
        }
        if module == "dialer" {
            group = group.subcommand(import_command());
        }
        root = root.subcommand(group);
    }
    // Top-level shortcuts.
    for (module, name, alias) in [("example", "test", "test"), ("reports", "report", "report")] {
        if let Some(info) = actions
            .iter()
            .find(|a| a.module == module && a.name == name)
        {
            let cmd = action_command(info, alias).about(format!(
                "{} (shortcut for `{module} {}`)",
                info.summary,
                action_name(info)
            ));
            root = root.subcommand(cmd);
        }
    }
    root.subcommand(decode_command())
        .subcommand(sim_command())
        .subcommand(
            Command::new("completions")
                .about("Print a shell completion script")
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(clap::value_parser!(clap_complete::Shell)),
                ),
        )
        .subcommand(Command::new("man").about("Print the man page (roff) to stdout"))
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
        assert_eq!(field_kind("list<enum:Column>"), FieldKind::List);
        assert_eq!(field_kind("list<FilterGroup>"), FieldKind::FilterGroups);
        assert_eq!(field_kind("SmsFilters"), FieldKind::Record);
        assert_eq!(field_kind("list<Foo>"), FieldKind::RecordList);
        assert_eq!(field_kind("enum:SortOrder"), FieldKind::Scalar);
        assert_eq!(singular("columns").as_deref(), Some("column"));
        assert_eq!(singular("dst"), None);
    }
}
