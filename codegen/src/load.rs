//! Loading and validating the spec, with errors that point at file, line and column.

use crate::model::{Action, Field, ModuleFile, RulesFile, Spec, Ty};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// The module files of the vendor API, in the reference's order.
pub const MODULES: [&str; 6] = ["example", "dialer", "reports", "status", "sms", "subscribers"];

/// A mistake in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The file, as given to the loader.
    pub file: String,
    /// One-based line (0 when unknown).
    pub line: usize,
    /// One-based column (0 when unknown).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        }
    }
}

impl std::error::Error for SpecError {}

/// Errors collected while validating (all of them, not just the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

/// Loads `spec/*.toml` from `dir` (the six vendor modules and `rules.toml`) and validates them.
pub fn load_dir(dir: &Path) -> Result<Spec, SpecErrors> {
    let read = |name: &str| -> Result<(String, String), SpecErrors> {
        let path = dir.join(name);
        let shown = format!("spec/{name}");
        std::fs::read_to_string(&path)
            .map(|text| (shown.clone(), text))
            .map_err(|e| SpecErrors(vec![SpecError { file: shown, line: 0, column: 0, message: format!("cannot read: {e}") }]))
    };
    let (rules_path, rules_text) = read("rules.toml")?;
    let mut sources = Vec::new();
    for m in MODULES {
        sources.push(read(&format!("{m}.toml"))?);
    }
    load_sources(&rules_path, &rules_text, &sources)
}

/// Loads a spec from in-memory sources: `(file name shown in errors, TOML text)`.
pub fn load_sources(rules_path: &str, rules_text: &str, modules: &[(String, String)]) -> Result<Spec, SpecErrors> {
    let mut errors = Vec::new();
    let rules = match parse_rules(rules_path, rules_text) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let mut files = Vec::new();
    for (path, text) in modules {
        match parse_module(path, text) {
            Ok(m) => files.push((m, text.as_str())),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(SpecErrors(errors));
    }
    let rules = rules.expect("rules parsed");
    let rules_src = rules_text;
    validate(&rules, rules_src, &files, &mut errors);
    if !errors.is_empty() {
        return Err(SpecErrors(errors));
    }
    Ok(Spec { modules: files.into_iter().map(|(m, _)| m).collect(), rules })
}

/// Parses one module file without cross-file validation.
pub fn parse_module(path: &str, text: &str) -> Result<ModuleFile, SpecError> {
    let mut m: ModuleFile = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    m.path = path.to_owned();
    Ok(m)
}

fn parse_rules(path: &str, text: &str) -> Result<RulesFile, SpecError> {
    let mut r: RulesFile = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    r.path = path.to_owned();
    Ok(r)
}

fn toml_error(path: &str, text: &str, e: &toml::de::Error) -> SpecError {
    let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
    SpecError { file: path.to_owned(), line, column, message: e.message().to_owned() }
}

/// One-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, column)
}

struct Ctx<'a> {
    path: &'a str,
    text: &'a str,
    errors: &'a mut Vec<SpecError>,
}

impl Ctx<'_> {
    fn err(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_col(self.text, span.start);
        self.errors.push(SpecError { file: self.path.to_owned(), line, column, message: message.into() });
    }

    fn need_doc(&mut self, doc: &Option<Spanned<String>>, what: &str, at: Range<usize>) {
        match doc {
            None => self.err(at, format!("{what} has no `doc`")),
            Some(d) if d.get_ref().trim().is_empty() => self.err(d.span(), format!("{what} has an empty `doc`")),
            Some(_) => {}
        }
    }
}

fn validate(rules: &RulesFile, rules_text: &str, files: &[(ModuleFile, &str)], errors: &mut Vec<SpecError>) {
    // Rules.
    let mut rule_args: HashMap<String, usize> = HashMap::new();
    {
        let mut cx = Ctx { path: &rules.path, text: rules_text, errors };
        for r in &rules.rules {
            let name = r.name.get_ref();
            if rule_args.insert(name.clone(), r.args.len()).is_some() {
                cx.err(r.name.span(), format!("duplicate rule `{name}`"));
            }
            cx.need_doc(&r.doc, &format!("rule `{name}`"), r.name.span());
        }
    }
    // Global names: types and enums across modules.
    let mut type_names: HashMap<String, &str> = HashMap::new();
    let mut enum_names: HashSet<String> = HashSet::new();
    let mut module_names = HashSet::new();
    for (m, _) in files {
        for t in &m.types {
            type_names.insert(t.name.get_ref().clone(), m.path.as_str());
        }
        for e in &m.enums {
            enum_names.insert(e.name.get_ref().clone());
        }
        if !m.columns.is_empty() {
            enum_names.insert("Column".into());
        }
        if !m.filters.is_empty() {
            enum_names.insert("FilterType".into());
        }
        if !m.operators.is_empty() {
            enum_names.insert("Operator".into());
        }
    }
    for (m, text) in files {
        let mut cx = Ctx { path: &m.path, text, errors };
        let mname = m.module.name.get_ref();
        if !module_names.insert(mname.clone()) {
            cx.err(m.module.name.span(), format!("duplicate module `{mname}`"));
        }
        if !is_snake(mname) {
            cx.err(m.module.name.span(), format!("module name `{mname}` must be snake_case"));
        }
        cx.need_doc(&m.module.doc, &format!("module `{mname}`"), m.module.name.span());
        let mut seen_actions = HashSet::new();
        for a in &m.actions {
            validate_action(&mut cx, a, &mut seen_actions, &rule_args, &type_names, &enum_names);
        }
        let mut seen = HashSet::new();
        for t in &m.types {
            let tn = t.name.get_ref();
            if !seen.insert(tn.clone()) {
                cx.err(t.name.span(), format!("duplicate type `{tn}`"));
            }
            cx.need_doc(&t.doc, &format!("type `{tn}`"), t.name.span());
            validate_fields(&mut cx, &t.fields, &format!("type `{tn}`"), &rule_args, &type_names, &enum_names);
        }
        for e in &m.enums {
            let en = e.name.get_ref();
            cx.need_doc(&e.doc, &format!("enum `{en}`"), e.name.span());
            let mut vals = HashSet::new();
            for v in &e.values {
                if !vals.insert(v.wire.get_ref().clone()) {
                    cx.err(v.wire.span(), format!("duplicate value `{}` in enum `{en}`", v.wire.get_ref()));
                }
                cx.need_doc(&v.doc, &format!("value `{}` of enum `{en}`", v.wire.get_ref()), v.wire.span());
            }
        }
        let mut cols = HashSet::new();
        for c in &m.columns {
            if !cols.insert(c.name.get_ref().clone()) {
                cx.err(c.name.span(), format!("duplicate column `{}`", c.name.get_ref()));
            }
            cx.need_doc(&c.doc, &format!("column `{}`", c.name.get_ref()), c.name.span());
            if !["text", "int", "duration", "yes_no", "datetime", "phone", "url", "list"].contains(&c.cell.get_ref().as_str()) {
                cx.err(c.cell.span(), format!("unknown cell type `{}`; expected text, int, duration, yes_no, datetime, phone, url or list", c.cell.get_ref()));
            }
        }
        let mut filters = HashSet::new();
        for f in &m.filters {
            if !filters.insert(f.name.get_ref().clone()) {
                cx.err(f.name.span(), format!("duplicate filter `{}`", f.name.get_ref()));
            }
            cx.need_doc(&f.doc, &format!("filter `{}`", f.name.get_ref()), f.name.span());
            if !["flag", "numeric", "values"].contains(&f.kind.get_ref().as_str()) {
                cx.err(f.kind.span(), format!("unknown filter kind `{}`; expected flag, numeric or values", f.kind.get_ref()));
            }
        }
        for o in &m.operators {
            cx.need_doc(&o.doc, &format!("operator `{}`", o.symbol.get_ref()), o.symbol.span());
            if !(1..=2).contains(&o.arity) {
                cx.err(o.symbol.span(), "operator arity must be 1 or 2");
            }
        }
        for o in &m.options {
            cx.need_doc(&o.doc, &format!("option `{}`", o.name.get_ref()), o.name.span());
            let t = o.ty.get_ref().as_str();
            let ok = ["bool", "string", "int", "page", "datetime", "timezone", "column"].contains(&t)
                || t.strip_prefix("enum:").is_some_and(|e| enum_names.contains(e));
            if !ok {
                cx.err(o.ty.span(), format!("unknown option type `{t}`; expected bool, string, int, page, datetime, timezone, column or enum:Name"));
            }
        }
    }
}

fn validate_action(
    cx: &mut Ctx<'_>,
    a: &Action,
    seen: &mut HashSet<String>,
    rules: &HashMap<String, usize>,
    types: &HashMap<String, &str>,
    enums: &HashSet<String>,
) {
    let name = a.name.get_ref();
    if !seen.insert(name.clone()) {
        cx.err(a.name.span(), format!("duplicate action `{name}`"));
    }
    if !is_snake(name) {
        cx.err(a.name.span(), format!("action name `{name}` must be snake_case"));
    }
    cx.need_doc(&a.summary, &format!("action `{name}`"), a.name.span());
    if !["id", "status"].contains(&a.plain.get_ref().as_str()) {
        cx.err(a.plain.span(), format!("`plain` must be \"id\" or \"status\", not `{}`", a.plain.get_ref()));
    }
    match a.csv.get_ref().as_str() {
        "keys" => {}
        "table" => {
            let rows_ok = a.csv_rows.as_ref().is_some_and(|r| a.response.iter().any(|f| f.name.get_ref() == r));
            if !rows_ok {
                cx.err(a.csv.span(), "`csv = \"table\"` needs `csv_rows` naming a response field");
            }
            if !matches!(a.csv_row.as_deref(), Some("list" | "map")) {
                cx.err(a.csv.span(), "`csv = \"table\"` needs `csv_row = \"list\"` or `\"map\"`");
            }
        }
        other => cx.err(a.csv.span(), format!("`csv` must be \"keys\" or \"table\", not `{other}`")),
    }
    if let Some(d) = &a.decoder {
        if d.get_ref() != "report" {
            cx.err(d.span(), format!("unknown decoder `{}`; the only purpose-built decoder is `report`", d.get_ref()));
        }
    }
    validate_fields(cx, &a.request, &format!("request of `{name}`"), rules, types, enums);
    validate_fields(cx, &a.response, &format!("response of `{name}`"), rules, types, enums);
}

fn validate_fields(
    cx: &mut Ctx<'_>,
    fields: &[Field],
    owner: &str,
    rules: &HashMap<String, usize>,
    types: &HashMap<String, &str>,
    enums: &HashSet<String>,
) {
    let mut seen = HashSet::new();
    for f in fields {
        let fname = f.name.get_ref();
        if !seen.insert(fname.clone()) {
            cx.err(f.name.span(), format!("duplicate field `{fname}` in {owner}"));
        }
        cx.need_doc(&f.doc, &format!("field `{fname}` of {owner}"), f.name.span());
        match Ty::parse(f.ty.get_ref()) {
            Err(msg) => cx.err(f.ty.span(), format!("field `{fname}`: {msg}")),
            Ok(ty) => check_ty(cx, &ty, f, types, enums),
        }
        if let Some(rule) = &f.rule {
            match parse_rule(rule.get_ref()) {
                Err(msg) => cx.err(rule.span(), msg),
                Ok((rname, args)) => match rules.get(&rname) {
                    None => cx.err(rule.span(), format!("field `{fname}`: unknown rule `{rname}` (rules are defined in spec/rules.toml)")),
                    Some(&n) if n != args.len() => {
                        cx.err(rule.span(), format!("rule `{rname}` takes {n} argument(s), {} given", args.len()))
                    }
                    Some(_) => {}
                },
            }
        }
        if let Some(ls) = &f.list_style {
            if !["array", "comma", "one_or_many"].contains(&ls.get_ref().as_str()) {
                cx.err(ls.span(), "`list_style` must be \"array\", \"comma\" or \"one_or_many\"");
            }
        }
        if let Some(bs) = &f.bool_style {
            if !["yes_no", "one_zero"].contains(&bs.get_ref().as_str()) {
                cx.err(bs.span(), "`bool_style` must be \"yes_no\" or \"one_zero\"");
            }
        }
    }
}

fn check_ty(cx: &mut Ctx<'_>, ty: &Ty, f: &Field, types: &HashMap<String, &str>, enums: &HashSet<String>) {
    match ty {
        Ty::List(inner) | Ty::Map(inner) => check_ty(cx, inner, f, types, enums),
        Ty::Named(n) if !types.contains_key(n) => {
            cx.err(f.ty.span(), format!("field `{}`: unknown type `{n}` (no [[type]] has that name)", f.name.get_ref()))
        }
        Ty::Enum(n) if !enums.contains(n) => {
            cx.err(f.ty.span(), format!("field `{}`: unknown enum `{n}` (no [[enum]] has that name)", f.name.get_ref()))
        }
        _ => {}
    }
}

/// Splits `max_chars(200)` into `("max_chars", ["200"])`.
pub fn parse_rule(s: &str) -> Result<(String, Vec<String>), String> {
    let s = s.trim();
    match s.split_once('(') {
        None if is_snake(s) => Ok((s.to_owned(), Vec::new())),
        None => Err(format!("rule `{s}` must be snake_case, optionally with arguments: `name(arg)`")),
        Some((name, rest)) => {
            let args = rest.strip_suffix(')').ok_or_else(|| format!("rule `{s}`: missing `)`"))?;
            Ok((name.trim().to_owned(), args.split(',').map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect()))
        }
    }
}

fn is_snake(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
