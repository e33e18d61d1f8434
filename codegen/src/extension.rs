//! Extension specs: a module file of the user's (same language as `spec/status.toml`) loaded
//! next to the core's spec, and generated as a self-contained module for a downstream crate.
//! This is what `dlspbx_macros::include_spec!` runs. The core's spec (its rules and modules)
//! is embedded here, so expanding the macro needs no access to this workspace.
//!
//! An extension module may use the core's validation rules (`spec/rules.toml`) and refer to
//! the core's `[[enum]]`s and `[[type]]`s by name (`enum:SmsDirection`); it may add actions to
//! a new file (`users.php`) or to one of the core's files (`status.php`), as long as each
//! `file?api_action=` pair stays unique. What only the core can have: the report tables
//! (`[[column]]`, `[[filter]]`, `[[operator]]`, `[[option]]`), a purpose-built `decoder`, the
//! `report_rows` type and hand-written `check`s.
//!
//! The embedded files are this crate's copy of `spec/` (`codegen/spec/`, kept identical by
//! `cargo xtask codegen` and checked by its `--check`), so the published package holds them.

use crate::generate::{Paths, generate_extension};
use crate::input::ModuleFile;
use crate::load::{MODULES, SpecError, SpecErrors, line_col, load_sources, parse_module};
use crate::model::Spec;
use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use std::ops::Range;

/// `spec/rules.toml`, as `(shown name, text)`.
pub const RULES: (&str, &str) = ("spec/rules.toml", include_str!("../spec/rules.toml"));

/// The core's module files in [`MODULES`] order, as `(shown name, text)`.
pub const CORE_MODULES: [(&str, &str); 6] = [
    ("spec/example.toml", include_str!("../spec/example.toml")),
    ("spec/dialer.toml", include_str!("../spec/dialer.toml")),
    ("spec/reports.toml", include_str!("../spec/reports.toml")),
    ("spec/status.toml", include_str!("../spec/status.toml")),
    ("spec/sms.toml", include_str!("../spec/sms.toml")),
    (
        "spec/subscribers.toml",
        include_str!("../spec/subscribers.toml"),
    ),
];

/// Names an extension module may not give its types and enums: the names its generated code
/// imports or defines besides them.
const RESERVED: [&str; 24] = [
    "Endpoint",
    "ActionInfo",
    "Caller",
    "CsvLayout",
    "Deserialize",
    "DispatchError",
    "FieldInfo",
    "Format",
    "FromParam",
    "Handler",
    "IntoOwned",
    "InvalidRequest",
    "KeyedList",
    "ModuleInfo",
    "Node",
    "Params",
    "PlainKind",
    "Result",
    "RowKind",
    "Serialize",
    "Server",
    "Str",
    "ToParam",
    "WireEnum",
];

/// Loads the core's embedded spec plus the extension module `text` (named `shown` in errors)
/// and validates them together, with the extension's own restrictions. The extension module
/// is the last module of the returned spec.
pub fn load_extension(shown: &str, text: &str) -> Result<Spec, SpecErrors> {
    debug_assert_eq!(CORE_MODULES.len(), MODULES.len());
    let module = parse_module(shown, text).map_err(|e| SpecErrors(vec![e]))?;
    let mut errors = restrictions(&module, text);
    let mut sources: Vec<(String, String)> = CORE_MODULES
        .iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect();
    sources.push((shown.to_owned(), text.to_owned()));
    match load_sources(RULES.0, RULES.1, &sources) {
        Ok(spec) if errors.is_empty() => Ok(spec),
        Ok(_) => Err(SpecErrors(errors)),
        Err(SpecErrors(more)) => {
            for e in more {
                if !errors.contains(&e) {
                    errors.push(e);
                }
            }
            errors.sort_by_key(|e| (e.file != shown, e.line, e.column));
            Err(SpecErrors(errors))
        }
    }
}

/// Loads an extension spec and generates its module (see
/// [`crate::generate::generate_extension`]), reaching the core through
/// `core` (`::dlspbx_core`).
pub fn expand(shown: &str, text: &str, core: TokenStream) -> Result<TokenStream, SpecErrors> {
    let spec = load_extension(shown, text)?;
    let name = spec
        .modules
        .last()
        .expect("the extension module")
        .name
        .clone();
    Ok(generate_extension(&spec, &name, Paths::downstream(core)))
}

fn restrictions(m: &ModuleFile, text: &str) -> Vec<SpecError> {
    let mut errors = Vec::new();
    let mut err = |span: Range<usize>, message: String| {
        let (line, column) = line_col(text, span.start);
        errors.push(SpecError {
            file: m.path.clone(),
            line,
            column,
            message,
        });
    };
    let header = m.module.name.span();
    for (what, count) in [
        ("[[column]]", m.columns.len()),
        ("[[filter]]", m.filters.len()),
        ("[[operator]]", m.operators.len()),
        ("[[option]]", m.options.len()),
    ] {
        if count > 0 {
            err(
                header.clone(),
                format!(
                    "{what} tables belong to the core's reports module; an extension spec cannot define them"
                ),
            );
        }
    }
    let camel = m.module.name.get_ref().to_upper_camel_case();
    let group = format!("{camel}Group");
    let ext = format!("{camel}Ext");
    let mut check_name = |name: &toml::Spanned<String>, what: &str| {
        let n = name.get_ref().as_str();
        let derived = m.actions.iter().any(|a| {
            let a = a.name.get_ref().to_upper_camel_case();
            n == format!("{a}Request") || n == format!("{a}Response")
        });
        if RESERVED.contains(&n) || n == group || n == ext || derived {
            err(
                name.span(),
                format!(
                    "{what} name `{n}` is taken by the generated code of this module; choose another"
                ),
            );
        }
    };
    for t in &m.types {
        check_name(&t.name, "type");
    }
    for e in &m.enums {
        check_name(&e.name, "enum");
    }
    for t in &m.types {
        if t.check.is_some() {
            err(
                t.name.span(),
                format!(
                    "type `{}`: `check` names a hand-written function of the core; an extension spec cannot use it",
                    t.name.get_ref()
                ),
            );
        }
    }
    for a in &m.actions {
        if a.check.is_some() {
            err(
                a.name.span(),
                format!(
                    "action `{}`: `check` names a hand-written function of the core; an extension spec cannot use it",
                    a.name.get_ref()
                ),
            );
        }
        if let Some(d) = &a.decoder {
            err(
                d.span(),
                format!(
                    "action `{}`: a purpose-built `decoder` exists only in the core",
                    a.name.get_ref()
                ),
            );
        }
    }
    let fields = m
        .actions
        .iter()
        .flat_map(|a| a.request.iter().chain(a.response.iter()))
        .chain(m.types.iter().flat_map(|t| t.fields.iter()));
    for f in fields {
        if f.ty.get_ref().trim() == "report_rows" {
            err(
                f.ty.span(),
                format!(
                    "field `{}`: `report_rows` is the core's report table; an extension spec cannot use it",
                    f.name.get_ref()
                ),
            );
        }
    }
    errors.dedup();
    errors
}
