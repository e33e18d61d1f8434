//! Loading and validating the spec, with errors that point at file, line and column.

use crate::model::{Action, Field, ModuleFile, RulesFile, Spec, Ty, find_type};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// The module files of the vendor API, in the reference's order.
pub const MODULES: [&str; 6] = [
    "example",
    "dialer",
    "reports",
    "status",
    "sms",
    "subscribers",
];

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
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
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
            .map_err(|e| {
                SpecErrors(vec![SpecError {
                    file: shown,
                    line: 0,
                    column: 0,
                    message: format!("cannot read: {e}"),
                }])
            })
    };
    let (rules_path, rules_text) = read("rules.toml")?;
    let mut sources = Vec::new();
    for m in MODULES {
        sources.push(read(&format!("{m}.toml"))?);
    }
    load_sources(&rules_path, &rules_text, &sources)
}

/// Loads a spec from in-memory sources: `(file name shown in errors, TOML text)`.
pub fn load_sources(
    rules_path: &str,
    rules_text: &str,
    modules: &[(String, String)],
) -> Result<Spec, SpecErrors> {
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
    Ok(Spec {
        modules: files.into_iter().map(|(m, _)| m).collect(),
        rules,
    })
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
    SpecError {
        file: path.to_owned(),
        line,
        column,
        message: e.message().to_owned(),
    }
}

/// One-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, column)
}

/// Which module files define each type and enum name.
#[derive(Default)]
struct Names {
    types: HashMap<String, Vec<String>>,
    enums: HashMap<String, Vec<String>>,
}

fn add_name(map: &mut HashMap<String, Vec<String>>, name: &str, path: &str) {
    let files = map.entry(name.to_owned()).or_default();
    if !files.iter().any(|p| p == path) {
        files.push(path.to_owned());
    }
}

struct Ctx<'a> {
    path: &'a str,
    text: &'a str,
    errors: &'a mut Vec<SpecError>,
}

impl Ctx<'_> {
    fn err(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_col(self.text, span.start);
        self.errors.push(SpecError {
            file: self.path.to_owned(),
            line,
            column,
            message: message.into(),
        });
    }

    fn need_doc(&mut self, doc: &Option<Spanned<String>>, what: &str, at: Range<usize>) {
        match doc {
            None => self.err(at, format!("{what} has no `doc`")),
            Some(d) if d.get_ref().trim().is_empty() => {
                self.err(d.span(), format!("{what} has an empty `doc`"))
            }
            Some(_) => {}
        }
    }
}

fn validate(
    rules: &RulesFile,
    rules_text: &str,
    files: &[(ModuleFile, &str)],
    errors: &mut Vec<SpecError>,
) {
    // Rules.
    let mut rule_args: HashMap<String, usize> = HashMap::new();
    {
        let mut cx = Ctx {
            path: &rules.path,
            text: rules_text,
            errors,
        };
        for r in &rules.rules {
            let name = r.name.get_ref();
            if rule_args.insert(name.clone(), r.args.len()).is_some() {
                cx.err(r.name.span(), format!("duplicate rule `{name}`"));
            }
            cx.need_doc(&r.doc, &format!("rule `{name}`"), r.name.span());
        }
    }
    // Names across modules: a module's own types and enums shadow the other modules'.
    let mut names = Names::default();
    let mut module_names = HashSet::new();
    let mut endpoints: HashMap<(String, String), &str> = HashMap::new();
    for (m, text) in files {
        let mut cx = Ctx {
            path: &m.path,
            text,
            errors,
        };
        for t in &m.types {
            add_name(&mut names.types, t.name.get_ref(), &m.path);
        }
        for e in &m.enums {
            add_name(&mut names.enums, e.name.get_ref(), &m.path);
        }
        for (special, present) in [
            ("Column", !m.columns.is_empty()),
            ("FilterType", !m.filters.is_empty()),
            ("Operator", !m.operators.is_empty()),
        ] {
            if present {
                add_name(&mut names.enums, special, &m.path);
            }
        }
        for a in &m.actions {
            let key = (m.module.file.clone(), a.name.get_ref().clone());
            match endpoints.get(&key) {
                Some(other) if *other != m.path => cx.err(
                    a.name.span(),
                    format!(
                        "action `{}` of {} is already defined in {other}",
                        a.name.get_ref(),
                        m.module.file
                    ),
                ),
                _ => {
                    endpoints.insert(key, m.path.as_str());
                }
            }
        }
    }
    for (m, text) in files {
        let mut cx = Ctx {
            path: &m.path,
            text,
            errors,
        };
        let mname = m.module.name.get_ref();
        if !module_names.insert(mname.clone()) {
            cx.err(m.module.name.span(), format!("duplicate module `{mname}`"));
        }
        if !is_snake(mname) {
            cx.err(
                m.module.name.span(),
                format!("module name `{mname}` must be snake_case"),
            );
        }
        cx.need_doc(
            &m.module.doc,
            &format!("module `{mname}`"),
            m.module.name.span(),
        );
        let mut seen_actions = HashSet::new();
        for a in &m.actions {
            validate_action(&mut cx, a, &mut seen_actions, &rule_args, &names);
        }
        let mut seen = HashSet::new();
        for t in &m.types {
            let tn = t.name.get_ref();
            if !seen.insert(tn.clone()) {
                cx.err(t.name.span(), format!("duplicate type `{tn}`"));
            }
            cx.need_doc(&t.doc, &format!("type `{tn}`"), t.name.span());
            validate_fields(
                &mut cx,
                &t.fields,
                &format!("type `{tn}`"),
                &rule_args,
                &names,
            );
        }
        let mut seen_enums = HashSet::new();
        for e in &m.enums {
            let en = e.name.get_ref();
            if !seen_enums.insert(en.clone()) {
                cx.err(e.name.span(), format!("duplicate enum `{en}`"));
            }
            cx.need_doc(&e.doc, &format!("enum `{en}`"), e.name.span());
            let mut vals = HashSet::new();
            for v in &e.values {
                if !vals.insert(v.wire.get_ref().clone()) {
                    cx.err(
                        v.wire.span(),
                        format!("duplicate value `{}` in enum `{en}`", v.wire.get_ref()),
                    );
                }
                cx.need_doc(
                    &v.doc,
                    &format!("value `{}` of enum `{en}`", v.wire.get_ref()),
                    v.wire.span(),
                );
            }
        }
        let mut cols = HashSet::new();
        for c in &m.columns {
            if !cols.insert(c.name.get_ref().clone()) {
                cx.err(
                    c.name.span(),
                    format!("duplicate column `{}`", c.name.get_ref()),
                );
            }
            cx.need_doc(
                &c.doc,
                &format!("column `{}`", c.name.get_ref()),
                c.name.span(),
            );
            if ![
                "text", "int", "duration", "yes_no", "datetime", "phone", "url", "list",
            ]
            .contains(&c.cell.get_ref().as_str())
            {
                cx.err(c.cell.span(), format!("unknown cell type `{}`; expected text, int, duration, yes_no, datetime, phone, url or list", c.cell.get_ref()));
            }
        }
        let mut filters = HashSet::new();
        for f in &m.filters {
            if !filters.insert(f.name.get_ref().clone()) {
                cx.err(
                    f.name.span(),
                    format!("duplicate filter `{}`", f.name.get_ref()),
                );
            }
            cx.need_doc(
                &f.doc,
                &format!("filter `{}`", f.name.get_ref()),
                f.name.span(),
            );
            if !["flag", "numeric", "values"].contains(&f.kind.get_ref().as_str()) {
                cx.err(
                    f.kind.span(),
                    format!(
                        "unknown filter kind `{}`; expected flag, numeric or values",
                        f.kind.get_ref()
                    ),
                );
            }
        }
        for o in &m.operators {
            cx.need_doc(
                &o.doc,
                &format!("operator `{}`", o.symbol.get_ref()),
                o.symbol.span(),
            );
            if !(1..=2).contains(&o.arity) {
                cx.err(o.symbol.span(), "operator arity must be 1 or 2");
            }
        }
        for o in &m.options {
            cx.need_doc(
                &o.doc,
                &format!("option `{}`", o.name.get_ref()),
                o.name.span(),
            );
            let t = o.ty.get_ref().as_str();
            let ok = [
                "bool", "string", "int", "page", "datetime", "timezone", "column",
            ]
            .contains(&t)
                || t.strip_prefix("enum:")
                    .is_some_and(|e| names.enums.contains_key(e));
            if !ok {
                cx.err(o.ty.span(), format!("unknown option type `{t}`; expected bool, string, int, page, datetime, timezone, column or enum:Name"));
            }
        }
    }
    if errors.is_empty() {
        check_directions(files, errors);
    }
}

/// A `[[type]]` becomes a request record (builder, encoder) or a response record (decoder),
/// never both: one used on both sides is a mistake to report, not a program that fails to
/// compile.
fn check_directions(files: &[(ModuleFile, &str)], errors: &mut Vec<SpecError>) {
    let modules: Vec<&ModuleFile> = files.iter().map(|(m, _)| m).collect();
    type Key = (String, String);
    fn walk(ty: &Ty, from: &str, modules: &[&ModuleFile], out: &mut HashSet<Key>) {
        match ty {
            Ty::List(i) | Ty::Map(i) => walk(i, from, modules, out),
            Ty::Named(n) => {
                if let Some((m, t)) = find_type(modules, from, n)
                    && out.insert((m.name().to_owned(), n.clone()))
                {
                    for f in &t.fields {
                        if let Ok(ty) = Ty::parse(f.ty.get_ref()) {
                            walk(&ty, m.name(), modules, out);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let (mut requests, mut responses) = (HashSet::new(), HashSet::new());
    for m in &modules {
        for a in &m.actions {
            for (fields, out) in [(&a.request, &mut requests), (&a.response, &mut responses)] {
                for f in fields {
                    if let Ok(ty) = Ty::parse(f.ty.get_ref()) {
                        walk(&ty, m.name(), &modules, out);
                    }
                }
            }
        }
    }
    let both: HashSet<&Key> = requests.intersection(&responses).collect();
    // Each field that names a type directly, with the direction(s) it is used in: action
    // fields their own, record fields their record's.
    let mut uses: Vec<(usize, &Field, Key, bool)> = Vec::new();
    for (i, m) in modules.iter().enumerate() {
        let mut fields: Vec<(&Field, bool)> = Vec::new();
        for a in &m.actions {
            fields.extend(a.request.iter().map(|f| (f, true)));
            fields.extend(a.response.iter().map(|f| (f, false)));
        }
        for t in &m.types {
            let key = (m.name().to_owned(), t.name.get_ref().clone());
            for (dir, set) in [(true, &requests), (false, &responses)] {
                if set.contains(&key) {
                    fields.extend(t.fields.iter().map(|f| (f, dir)));
                }
            }
        }
        for (f, is_request) in fields {
            if let Some(n) = Ty::parse(f.ty.get_ref()).ok().as_ref().and_then(named)
                && let Some((owner, _)) = find_type(&modules, m.name(), &n)
            {
                uses.push((i, f, (owner.name().to_owned(), n), is_request));
            }
        }
    }
    // A field of another module that names a type in the other direction than the type's own
    // module uses it is the mistake; a type used both ways within its own module is reported
    // where it is defined.
    let mut blamed = HashSet::new();
    let mut reported = HashSet::new();
    for (i, f, key, is_request) in &uses {
        let (m, text) = &files[*i];
        if !both.contains(key) || key.0 == m.name() {
            continue;
        }
        let own = uses
            .iter()
            .any(|(j, _, k, req)| files[*j].0.name() == key.0 && k == key && req == is_request);
        if !own && reported.insert((*i, f.ty.span().start)) {
            let mut cx = Ctx {
                path: &m.path,
                text,
                errors,
            };
            let (side, other) = if *is_request {
                ("request", "response")
            } else {
                ("response", "request")
            };
            cx.err(
                f.ty.span(),
                format!("field `{}`: type `{}` of module `{}` is a {other} type and cannot be used in a {side}", f.name.get_ref(), key.1, key.0),
            );
            blamed.insert(key.clone());
        }
    }
    for (m, text) in files {
        let mut cx = Ctx {
            path: &m.path,
            text,
            errors,
        };
        for t in &m.types {
            let key = (m.name().to_owned(), t.name.get_ref().clone());
            if both.contains(&key) && blamed.is_empty() {
                cx.err(
                    t.name.span(),
                    format!("type `{}` is used by both a request and a response; define one type for each direction", key.1),
                );
            }
        }
    }
}

fn validate_action(
    cx: &mut Ctx<'_>,
    a: &Action,
    seen: &mut HashSet<String>,
    rules: &HashMap<String, usize>,
    names: &Names,
) {
    let name = a.name.get_ref();
    if !seen.insert(name.clone()) {
        cx.err(a.name.span(), format!("duplicate action `{name}`"));
    }
    if !is_snake(name) {
        cx.err(
            a.name.span(),
            format!("action name `{name}` must be snake_case"),
        );
    }
    cx.need_doc(&a.summary, &format!("action `{name}`"), a.name.span());
    if !["id", "status"].contains(&a.plain.get_ref().as_str()) {
        cx.err(
            a.plain.span(),
            format!(
                "`plain` must be \"id\" or \"status\", not `{}`",
                a.plain.get_ref()
            ),
        );
    }
    match a.csv.get_ref().as_str() {
        "keys" => {}
        "table" => {
            let rows_ok = a
                .csv_rows
                .as_ref()
                .is_some_and(|r| a.response.iter().any(|f| f.name.get_ref() == r));
            if !rows_ok {
                cx.err(
                    a.csv.span(),
                    "`csv = \"table\"` needs `csv_rows` naming a response field",
                );
            }
            if !matches!(a.csv_row.as_deref(), Some("list" | "map")) {
                cx.err(
                    a.csv.span(),
                    "`csv = \"table\"` needs `csv_row = \"list\"` or `\"map\"`",
                );
            }
        }
        other => cx.err(
            a.csv.span(),
            format!("`csv` must be \"keys\" or \"table\", not `{other}`"),
        ),
    }
    if let Some(d) = &a.decoder
        && d.get_ref() != "report"
    {
        cx.err(
            d.span(),
            format!(
                "unknown decoder `{}`; the only purpose-built decoder is `report`",
                d.get_ref()
            ),
        );
    }
    validate_fields(
        cx,
        &a.request,
        &format!("request of `{name}`"),
        rules,
        names,
    );
    validate_fields(
        cx,
        &a.response,
        &format!("response of `{name}`"),
        rules,
        names,
    );
}

fn validate_fields(
    cx: &mut Ctx<'_>,
    fields: &[Field],
    owner: &str,
    rules: &HashMap<String, usize>,
    names: &Names,
) {
    let mut seen = HashSet::new();
    for f in fields {
        let fname = f.name.get_ref();
        if !seen.insert(fname.clone()) {
            cx.err(
                f.name.span(),
                format!("duplicate field `{fname}` in {owner}"),
            );
        }
        cx.need_doc(
            &f.doc,
            &format!("field `{fname}` of {owner}"),
            f.name.span(),
        );
        match Ty::parse(f.ty.get_ref()) {
            Err(msg) => cx.err(f.ty.span(), format!("field `{fname}`: {msg}")),
            Ok(ty) => check_ty(cx, &ty, f, names),
        }
        if let Some(rule) = &f.rule {
            match parse_rule(rule.get_ref()) {
                Err(msg) => cx.err(rule.span(), msg),
                Ok((rname, args)) => match rules.get(&rname) {
                    None => {
                        let hint = closest(&rname, rules.keys().map(String::as_str))
                            .map(|r| format!("; did you mean `{r}`?"))
                            .unwrap_or_default();
                        cx.err(rule.span(), format!("field `{fname}`: unknown rule `{rname}`{hint} (rules are defined in spec/rules.toml)"))
                    }
                    Some(&n) if n != args.len() => cx.err(
                        rule.span(),
                        format!("rule `{rname}` takes {n} argument(s), {} given", args.len()),
                    ),
                    Some(_) => {}
                },
            }
        }
        if let Some(ls) = &f.list_style
            && !["array", "comma", "one_or_many"].contains(&ls.get_ref().as_str())
        {
            cx.err(
                ls.span(),
                "`list_style` must be \"array\", \"comma\" or \"one_or_many\"",
            );
        }
        if let Some(bs) = &f.bool_style
            && !["yes_no", "one_zero"].contains(&bs.get_ref().as_str())
        {
            cx.err(bs.span(), "`bool_style` must be \"yes_no\" or \"one_zero\"");
        }
    }
}

fn check_ty(cx: &mut Ctx<'_>, ty: &Ty, f: &Field, names: &Names) {
    let fname = f.name.get_ref();
    let (what, n, defined) = match ty {
        Ty::List(inner) | Ty::Map(inner) => return check_ty(cx, inner, f, names),
        Ty::Named(n) => ("type", n, names.types.get(n)),
        Ty::Enum(n) => ("enum", n, names.enums.get(n)),
        _ => return,
    };
    let table = if what == "type" {
        "[[type]]"
    } else {
        "[[enum]]"
    };
    match defined.map(Vec::as_slice).unwrap_or_default() {
        [] => {
            let known = if what == "type" { &names.types } else { &names.enums };
            let hint = closest(n, known.keys().map(String::as_str)).map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
            cx.err(f.ty.span(), format!("field `{fname}`: unknown {what} `{n}` (no {table} has that name){hint}"))
        }
        files if files.iter().any(|p| p == cx.path) || files.len() == 1 => {}
        files => cx.err(
            f.ty.span(),
            format!("field `{fname}`: {what} `{n}` is ambiguous: {} all define it; define it in this module", files.join(", ")),
        ),
    }
}

/// Splits `max_chars(200)` into `("max_chars", ["200"])`.
pub fn parse_rule(s: &str) -> Result<(String, Vec<String>), String> {
    let s = s.trim();
    match s.split_once('(') {
        None if is_snake(s) => Ok((s.to_owned(), Vec::new())),
        None => Err(format!(
            "rule `{s}` must be snake_case, optionally with arguments: `name(arg)`"
        )),
        Some((name, rest)) => {
            let args = rest
                .strip_suffix(')')
                .ok_or_else(|| format!("rule `{s}`: missing `)`"))?;
            Ok((
                name.trim().to_owned(),
                args.split(',')
                    .map(|a| a.trim().to_owned())
                    .filter(|a| !a.is_empty())
                    .collect(),
            ))
        }
    }
}

fn is_snake(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The record type a field type names, through `list<>` and `map<>`.
fn named(ty: &Ty) -> Option<String> {
    match ty {
        Ty::List(inner) | Ty::Map(inner) => named(inner),
        Ty::Named(n) => Some(n.clone()),
        _ => None,
    }
}

/// The candidate nearest to `word` by edit distance, when it is near enough to be a typo.
fn closest<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(word, c);
        let near = d <= word.len().max(c.len()) / 3 || c.starts_with(word) || word.starts_with(c);
        if near && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}
