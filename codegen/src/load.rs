//! Loading and validating the spec, with errors that point at file, line and column.

use crate::input::{self, ModuleFile, RulesFile};
use crate::model::{
    Action, BoolStyle, CellKind, Column, CsvShape, Decoder, DefaultValue, Direction, Enum,
    EnumKind, EnumRef, EnumValue, Field, Filter, FilterKind, ListStyle, Module, Operator, OptionTy,
    Plain, Record, ReportOption, RowShape, Rule, RuleUse, Spec, Ty, TypeRef,
};
use heck::ToSnakeCase;
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
    let rules = parse_rules(rules_path, rules_text);
    let rules = rules.map_err(|e| errors.push(e)).ok();
    let mut files = Vec::new();
    for (path, text) in modules {
        match parse_module(path, text) {
            Ok(m) => files.push((m, text.as_str())),
            Err(e) => errors.push(e),
        }
    }
    let Some(rules) = rules.filter(|_| errors.is_empty()) else {
        return Err(SpecErrors(errors));
    };
    let spec = lower(&rules, rules_text, &files, &mut errors);
    if errors.is_empty() {
        Ok(spec)
    } else {
        Err(SpecErrors(errors))
    }
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

/// Which modules (indices into the files) define each type and enum name.
#[derive(Default)]
struct Names {
    types: HashMap<String, Vec<usize>>,
    enums: HashMap<String, Vec<usize>>,
}

fn add_name(map: &mut HashMap<String, Vec<usize>>, name: &str, module: usize) {
    let modules = map.entry(name.to_owned()).or_default();
    if !modules.contains(&module) {
        modules.push(module);
    }
}

/// A spec item's optional documentation.
type Doc = Option<Spanned<String>>;

struct Ctx<'a> {
    path: &'a str,
    text: &'a str,
    errors: &'a mut Vec<SpecError>,
}

impl<'a> Ctx<'a> {
    fn new(path: &'a str, text: &'a str, errors: &'a mut Vec<SpecError>) -> Self {
        Ctx { path, text, errors }
    }

    /// Reports a second `what` named `name` (`seen` holds the names so far) and a missing
    /// `doc`.
    fn named(&mut self, seen: &mut HashSet<String>, what: &str, name: &Spanned<String>, doc: &Doc) {
        let n = name.get_ref();
        if !seen.insert(n.clone()) {
            self.err(name.span(), format!("duplicate {what} `{n}`"));
        }
        self.need_doc(doc, what, name, "");
    }

    /// Reports a `what` name that is not snake_case.
    fn snake_case(&mut self, what: &str, name: &Spanned<String>) {
        if !is_snake(name.get_ref()) {
            let message = format!("{what} name `{}` must be snake_case", name.get_ref());
            self.err(name.span(), message);
        }
    }

    fn err(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_col(self.text, span.start);
        self.errors.push(SpecError {
            file: self.path.to_owned(),
            line,
            column,
            message: message.into(),
        });
    }

    /// Reports a missing or empty `doc` of the `what` named `at` (`of` its owner).
    fn need_doc(&mut self, doc: &Doc, what: &str, at: &Spanned<String>, of: &str) {
        let what = format!("{what} `{}`{of}", at.get_ref());
        match doc {
            None => self.err(at.span(), format!("{what} has no `doc`")),
            Some(d) if d.get_ref().trim().is_empty() => {
                self.err(d.span(), format!("{what} has an empty `doc`"))
            }
            Some(_) => {}
        }
    }

    /// Parses a word of the spec with `parse`, reporting anything else with `message` (and
    /// standing in `or` for it).
    fn word<T>(
        &mut self,
        s: &Spanned<String>,
        parse: fn(&str) -> Option<T>,
        or: T,
        message: impl Into<String>,
    ) -> T {
        parse(s.get_ref()).unwrap_or_else(|| {
            self.err(s.span(), message);
            or
        })
    }
}

/// Lowering one module: where its errors go, and what names resolve against, seen from it.
struct Lower<'a> {
    cx: Ctx<'a>,
    files: &'a [(ModuleFile, &'a str)],
    names: &'a Names,
    rules: &'a HashMap<String, usize>,
    module: usize,
}

fn text(d: &Option<Spanned<String>>) -> String {
    d.as_ref().map(|d| d.get_ref().clone()).unwrap_or_default()
}

impl Lower<'_> {
    /// The module defining the type (`is_type`) or enum `n`: this module's own first, else the
    /// only one that does.
    fn resolve(&self, is_type: bool, n: &str) -> Result<usize, String> {
        let (known, what, table) = if is_type {
            (&self.names.types, "type", "[[type]]")
        } else {
            (&self.names.enums, "enum", "[[enum]]")
        };
        match known.get(n).map(Vec::as_slice).unwrap_or_default() {
            [] => {
                let hint = closest(n, known.keys().map(String::as_str))
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                Err(format!(
                    "unknown {what} `{n}` (no {table} has that name){hint}"
                ))
            }
            ms if ms.contains(&self.module) => Ok(self.module),
            [m] => Ok(*m),
            ms => {
                let paths: Vec<&str> = ms.iter().map(|&m| self.files[m].0.path.as_str()).collect();
                Err(format!(
                    "{what} `{n}` is ambiguous: {} all define it; define it in this module",
                    paths.join(", ")
                ))
            }
        }
    }

    /// The enum `n` of module `module`.
    fn enum_ref(&self, module: usize, n: &str) -> EnumRef {
        let enums = &self.files[module].0.enums;
        let kind = match enums.iter().position(|e| e.name.get_ref() == n) {
            Some(index) => EnumKind::Declared(index),
            None if n == "Column" => EnumKind::Column,
            None if n == "FilterType" => EnumKind::FilterType,
            None => EnumKind::Operator,
        };
        EnumRef { module, kind }
    }

    /// Parses and resolves a spec type.
    fn ty(&self, s: &str) -> Result<Ty, String> {
        let s = s.trim();
        if let Some(inner) = s.strip_prefix("list<").and_then(|r| r.strip_suffix('>')) {
            return Ok(Ty::List(Box::new(self.ty(inner)?)));
        }
        if let Some(inner) = s.strip_prefix("map<").and_then(|r| r.strip_suffix('>')) {
            return Ok(Ty::Map(Box::new(self.ty(inner)?)));
        }
        if let Some(name) = s.strip_prefix("enum:") {
            if !is_camel(name) {
                return Err(format!("enum name `{name}` must be UpperCamelCase"));
            }
            return Ok(Ty::Enum(self.enum_ref(self.resolve(false, name)?, name)));
        }
        Ok(match s {
            "string" => Ty::String,
            "int" => Ty::Int,
            "decimal" => Ty::Decimal,
            "bool" => Ty::Bool,
            "date" => Ty::Date,
            "datetime" => Ty::DateTime,
            "custom_fields" => Ty::CustomFields,
            "options" => Ty::Options,
            "report_rows" => Ty::ReportRows,
            other if is_camel(other) => {
                let module = self.resolve(true, other)?;
                let types = &self.files[module].0.types;
                let index = types
                    .iter()
                    .position(|t| t.name.get_ref() == other)
                    .unwrap_or_default();
                Ty::Record(TypeRef { module, index })
            }
            other => {
                return Err(format!(
                    "unknown type `{other}`; expected string, int, decimal, bool, date, datetime, \
                     list<T>, map<T>, enum:Name, custom_fields, options, report_rows or a [[type]] name"
                ));
            }
        })
    }

    /// A field's default as a value of its type.
    fn default_value(&self, ty: &Ty, d: &str) -> Option<DefaultValue> {
        match ty {
            Ty::String | Ty::Date | Ty::DateTime => Some(DefaultValue::Text(d.to_owned())),
            Ty::Int => d.parse().ok().map(DefaultValue::Int),
            Ty::Enum(e) => {
                let EnumKind::Declared(index) = e.kind else {
                    return None;
                };
                let values = &self.files[e.module].0.enums[index].values;
                let v = values.iter().find(|v| v.wire.get_ref() == d)?;
                Some(DefaultValue::Variant(*e, v.rust.clone()))
            }
            _ => None,
        }
    }

    fn module(&mut self, m: &ModuleFile) -> Module {
        let mname = m.module.name.get_ref();
        self.cx.snake_case("module", &m.module.name);
        self.cx
            .need_doc(&m.module.doc, "module", &m.module.name, "");
        let mut seen_actions = HashSet::new();
        let actions = m
            .actions
            .iter()
            .map(|a| self.action(a, &mut seen_actions))
            .collect();
        let mut seen = HashSet::new();
        let types = m
            .types
            .iter()
            .map(|t| {
                let tn = t.name.get_ref();
                self.cx.named(&mut seen, "type", &t.name, &t.doc);
                Record {
                    name: tn.clone(),
                    span: t.name.span(),
                    doc: text(&t.doc),
                    note: t.note.clone(),
                    check: t.check.clone(),
                    fields: self.fields(&t.fields, &format!("type `{tn}`")),
                    direction: Direction::Response,
                    borrows: false,
                }
            })
            .collect();
        let mut seen_enums = HashSet::new();
        let enums = m
            .enums
            .iter()
            .map(|e| {
                let en = e.name.get_ref();
                self.cx.named(&mut seen_enums, "enum", &e.name, &e.doc);
                let mut vals = HashSet::new();
                let values = e.values.iter().map(|v| {
                    let wire = v.wire.get_ref();
                    if !vals.insert(wire.clone()) {
                        self.cx.err(
                            v.wire.span(),
                            format!("duplicate value `{wire}` in enum `{en}`"),
                        );
                    }
                    self.cx
                        .need_doc(&v.doc, "value", &v.wire, &format!(" of enum `{en}`"));
                    for word in &v.also {
                        let w = word.get_ref();
                        if !vals.insert(w.to_ascii_lowercase())
                            || e.values
                                .iter()
                                .any(|o| o.wire.get_ref().eq_ignore_ascii_case(w))
                        {
                            self.cx.err(
                                word.span(),
                                format!(
                                    "`also` word `{w}` of enum `{en}` is already a value or word"
                                ),
                            );
                        }
                    }
                    EnumValue {
                        wire: wire.clone(),
                        rust: v.rust.clone(),
                        doc: text(&v.doc),
                        also: v.also.iter().map(|w| w.get_ref().clone()).collect(),
                    }
                });
                Enum {
                    name: en.clone(),
                    doc: text(&e.doc),
                    values: values.collect(),
                }
            })
            .collect();
        let mut cols = HashSet::new();
        let columns = m
            .columns
            .iter()
            .map(|c| {
                self.cx.named(&mut cols, "column", &c.name, &c.doc);
                let cell = self.cx.word(&c.cell, CellKind::parse, CellKind::Text, format!("unknown cell type `{}`; expected text, int, duration, yes_no, datetime, phone, url or list", c.cell.get_ref()));
                Column {
                    name: c.name.get_ref().clone(),
                    label: c.label.clone(),
                    cell,
                    doc: text(&c.doc),
                }
            })
            .collect();
        let mut seen_filters = HashSet::new();
        let filters = m
            .filters
            .iter()
            .map(|f| {
                self.cx.named(&mut seen_filters, "filter", &f.name, &f.doc);
                let kind = self.cx.word(
                    &f.kind,
                    FilterKind::parse,
                    FilterKind::Flag,
                    format!(
                        "unknown filter kind `{}`; expected flag, numeric or values",
                        f.kind.get_ref()
                    ),
                );
                let values = f
                    .values
                    .as_ref()
                    .map(|v| v.get_ref().clone())
                    .unwrap_or_default();
                if let (Some(v), false) = (&f.values, kind == FilterKind::Values) {
                    self.cx.err(
                        v.span(),
                        format!(
                            "filter `{}`: only a `values` filter has a `values` list",
                            f.name.get_ref()
                        ),
                    );
                }
                Filter {
                    name: f.name.get_ref().clone(),
                    label: f.label.clone(),
                    kind,
                    values,
                    doc: text(&f.doc),
                }
            })
            .collect();
        let operators = m
            .operators
            .iter()
            .map(|o| {
                self.cx.need_doc(&o.doc, "operator", &o.symbol, "");
                if !(1..=2).contains(&o.arity) {
                    self.cx
                        .err(o.symbol.span(), "operator arity must be 1 or 2");
                }
                Operator {
                    symbol: o.symbol.get_ref().clone(),
                    rust: o.rust.clone(),
                    arity: o.arity,
                    doc: text(&o.doc),
                }
            })
            .collect();
        let options = m
            .options
            .iter()
            .map(|o| {
                self.cx.need_doc(&o.doc, "option", &o.name, "");
                let t = o.ty.get_ref().as_str();
                let ty = match t {
                    "bool" => Some(OptionTy::Bool),
                    "string" => Some(OptionTy::String),
                    "int" => Some(OptionTy::Int),
                    "page" => Some(OptionTy::Page),
                    "datetime" => Some(OptionTy::DateTime),
                    "timezone" => Some(OptionTy::Timezone),
                    "column" => Some(OptionTy::Column),
                    _ => t.strip_prefix("enum:").and_then(|e| {
                        let ms = self.names.enums.get(e)?;
                        let m = if ms.contains(&self.module) { self.module } else { ms[0] };
                        Some(OptionTy::Enum(self.enum_ref(m, e)))
                    }),
                };
                if ty.is_none() {
                    self.cx.err(o.ty.span(), format!("unknown option type `{t}`; expected bool, string, int, page, datetime, timezone, column or enum:Name"));
                }
                ReportOption {
                    name: o.name.get_ref().clone(),
                    ty: ty.unwrap_or(OptionTy::String),
                    spec_ty: t.to_owned(),
                    doc: text(&o.doc),
                    note: o.note.clone(),
                }
            })
            .collect();
        Module {
            name: mname.clone(),
            file: m.module.file.clone(),
            doc: text(&m.module.doc),
            note: m.module.note.clone(),
            actions,
            types,
            enums,
            columns,
            filters,
            operators,
            options,
        }
    }

    fn action(&mut self, a: &input::Action, seen: &mut HashSet<String>) -> Action {
        let name = a.name.get_ref();
        if !seen.insert(name.clone()) {
            self.cx
                .err(a.name.span(), format!("duplicate action `{name}`"));
        }
        self.cx.snake_case("action", &a.name);
        self.cx.need_doc(&a.summary, "action", &a.name, "");
        let plain = self.cx.word(
            &a.plain,
            Plain::parse,
            Plain::Status,
            format!(
                "`plain` must be \"id\" or \"status\", not `{}`",
                a.plain.get_ref()
            ),
        );
        let csv = match a.csv.get_ref().as_str() {
            "table" => {
                let rows = a.csv_rows.clone().unwrap_or_default();
                if !a
                    .response
                    .iter()
                    .any(|f| a.csv_rows.as_ref() == Some(f.name.get_ref()))
                {
                    self.cx.err(
                        a.csv.span(),
                        "`csv = \"table\"` needs `csv_rows` naming a response field",
                    );
                }
                let row = a.csv_row.as_deref().and_then(RowShape::parse);
                if row.is_none() {
                    self.cx.err(
                        a.csv.span(),
                        "`csv = \"table\"` needs `csv_row = \"list\"` or `\"map\"`",
                    );
                }
                let row = row.unwrap_or(RowShape::List);
                CsvShape::Table { rows, row }
            }
            other => {
                if other != "keys" {
                    self.cx.err(
                        a.csv.span(),
                        format!("`csv` must be \"keys\" or \"table\", not `{other}`"),
                    );
                }
                CsvShape::Keys
            }
        };
        let decoder = a.decoder.as_ref().map(|d| {
            self.cx.word(
                d,
                Decoder::parse,
                Decoder::Report,
                format!(
                    "unknown decoder `{}`; the only purpose-built decoder is `report`",
                    d.get_ref()
                ),
            )
        });
        if let Some(c) = &a.confirm {
            let mut rest = c.get_ref().as_str();
            while let Some((_, after)) = rest.split_once('{') {
                let Some((field, tail)) = after.split_once('}') else {
                    self.cx.err(c.span(), "`confirm`: a `{` without its `}`");
                    break;
                };
                if !a.request.iter().any(|f| f.name.get_ref() == field) {
                    self.cx.err(
                        c.span(),
                        format!("`confirm`: `{{{field}}}` is not a request field of `{name}`"),
                    );
                }
                rest = tail;
            }
        }
        let request = self.fields(&a.request, &format!("request of `{name}`"));
        for (f, lowered) in a.request.iter().zip(&request) {
            let Some(inner) = &f.also_in else { continue };
            let fname = &lowered.name;
            let record = request
                .iter()
                .find(|g| &g.name == inner.get_ref())
                .map(|g| matches!(g.ty, Ty::Record(_)));
            if record != Some(true) {
                let message = format!(
                    "field `{fname}`: `also_in = \"{}\"` must name a record request field of `{name}`",
                    inner.get_ref()
                );
                self.cx.err(inner.span(), message);
            }
            if lowered.required
                || !matches!(
                    lowered.ty,
                    Ty::String
                        | Ty::Int
                        | Ty::Decimal
                        | Ty::Bool
                        | Ty::Date
                        | Ty::DateTime
                        | Ty::Enum(_)
                )
            {
                let message = format!("field `{fname}`: `also_in` is for optional single values");
                self.cx.err(inner.span(), message);
            }
        }
        Action {
            name: name.clone(),
            summary: text(&a.summary),
            doc: a.doc.clone(),
            note: a.note.clone(),
            idempotent: *a.idempotent.get_ref(),
            plain,
            csv,
            decoder,
            check: a.check.clone(),
            confirm: a.confirm.as_ref().map(|c| c.get_ref().clone()),
            request,
            response: self.fields(&a.response, &format!("response of `{name}`")),
        }
    }

    fn fields(&mut self, fields: &[input::Field], owner: &str) -> Vec<Field> {
        let mut seen = HashSet::new();
        let lower = |f: &input::Field| {
            let fname = f.name.get_ref();
            if !seen.insert(fname.clone()) {
                let message = format!("duplicate field `{fname}` in {owner}");
                self.cx.err(f.name.span(), message);
            }
            self.cx
                .need_doc(&f.doc, "field", &f.name, &format!(" of {owner}"));
            let ty = self.ty(f.ty.get_ref()).unwrap_or_else(|msg| {
                self.cx.err(f.ty.span(), format!("field `{fname}`: {msg}"));
                Ty::String
            });
            let rule = f.rule.as_ref().and_then(|r| self.rule(fname, r));
            let list_style = f.list_style.as_ref().map(|ls| {
                let message = "`list_style` must be \"array\", \"comma\", \"one_or_many\" or \"array_or_comma\"";
                self.cx
                    .word(ls, ListStyle::parse, ListStyle::Array, message)
            });
            if let Some(a) = &f.also_in
                && !owner.starts_with("request of")
            {
                let message = format!(
                    "field `{fname}`: `also_in` is for the request fields of an action, not the {owner}"
                );
                self.cx.err(a.span(), message);
            }
            if let Some(d) = &f.decimals
                && (ty != Ty::Decimal || *d.get_ref() > 6)
            {
                let message =
                    format!("field `{fname}`: `decimals` (0 to 6) is for `decimal` fields");
                self.cx.err(d.span(), message);
            }
            let bool_style = f.bool_style.as_ref().map_or(BoolStyle::OneZero, |bs| {
                let message = "`bool_style` must be \"yes_no\" or \"one_zero\"";
                self.cx
                    .word(bs, BoolStyle::parse, BoolStyle::OneZero, message)
            });
            Field {
                name: fname.clone(),
                rust: snake(f.rust.as_deref().unwrap_or(fname)),
                default_value: f
                    .default
                    .as_deref()
                    .and_then(|d| self.default_value(&ty, d)),
                ty,
                spec_ty: f.ty.get_ref().clone(),
                span: f.ty.span(),
                required: f.required,
                optional: f.optional,
                default: f.default.clone(),
                rule,
                list_style,
                bool_style,
                decimals: f.decimals.as_ref().map(|d| *d.get_ref()),
                alias: f.alias.clone(),
                also_in: f.also_in.as_ref().map(|a| a.get_ref().clone()),
                doc: text(&f.doc),
                note: f.note.clone(),
            }
        };
        fields.iter().map(lower).collect()
    }

    /// A field's `rule`, checked against `spec/rules.toml`.
    fn rule(&mut self, fname: &str, rule: &Spanned<String>) -> Option<RuleUse> {
        let (name, args) = parse_rule(rule.get_ref())
            .map_err(|msg| self.cx.err(rule.span(), msg))
            .ok()?;
        match self.rules.get(&name) {
            None => {
                let hint = closest(&name, self.rules.keys().map(String::as_str))
                    .map(|r| format!("; did you mean `{r}`?"))
                    .unwrap_or_default();
                let message = format!(
                    "field `{fname}`: unknown rule `{name}`{hint} (rules are defined in spec/rules.toml)"
                );
                self.cx.err(rule.span(), message)
            }
            Some(&n) if n != args.len() => {
                let message = format!("rule `{name}` takes {n} argument(s), {} given", args.len());
                self.cx.err(rule.span(), message)
            }
            Some(_) => {}
        }
        let text = rule.get_ref().clone();
        Some(RuleUse { text, name, args })
    }
}

fn lower(
    rules: &RulesFile,
    rules_text: &str,
    files: &[(ModuleFile, &str)],
    errors: &mut Vec<SpecError>,
) -> Spec {
    // Rules.
    let mut rule_args: HashMap<String, usize> = HashMap::new();
    let mut cx = Ctx::new(&rules.path, rules_text, errors);
    let mut seen = HashSet::new();
    let rules = rules
        .rules
        .iter()
        .map(|r| {
            cx.named(&mut seen, "rule", &r.name, &r.doc);
            rule_args.insert(r.name.get_ref().clone(), r.args.len());
            Rule {
                name: r.name.get_ref().clone(),
                args: r.args.clone(),
                doc: text(&r.doc),
                note: r.note.clone(),
                pattern: r.pattern.clone(),
            }
        })
        .collect();
    // Names across modules: a module's own types and enums shadow the other modules'.
    let mut names = Names::default();
    let mut module_names = HashSet::new();
    let mut endpoints: HashMap<(String, String), &str> = HashMap::new();
    for (i, (m, text)) in files.iter().enumerate() {
        let mut cx = Ctx::new(&m.path, text, errors);
        for t in &m.types {
            add_name(&mut names.types, t.name.get_ref(), i);
        }
        for e in &m.enums {
            add_name(&mut names.enums, e.name.get_ref(), i);
        }
        for (special, present) in [
            ("Column", !m.columns.is_empty()),
            ("FilterType", !m.filters.is_empty()),
            ("Operator", !m.operators.is_empty()),
        ] {
            if present {
                add_name(&mut names.enums, special, i);
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
    let mut modules = Vec::new();
    for (i, (m, text)) in files.iter().enumerate() {
        let mut lower = Lower {
            cx: Ctx::new(&m.path, text, errors),
            files,
            names: &names,
            rules: &rule_args,
            module: i,
        };
        let mname = m.module.name.get_ref();
        if !module_names.insert(mname.clone()) {
            lower
                .cx
                .err(m.module.name.span(), format!("duplicate module `{mname}`"));
        }
        modules.push(lower.module(m));
    }
    let mut spec = Spec { modules, rules };
    if errors.is_empty() {
        directions(&mut spec, files, errors);
    }
    // Fixed point: a record borrows if any field's type borrows.
    loop {
        let mut changed = false;
        for m in 0..spec.modules.len() {
            for t in 0..spec.modules[m].types.len() {
                let record = &spec.modules[m].types[t];
                if !record.borrows && record.fields.iter().any(|f| spec.borrows(&f.ty)) {
                    spec.modules[m].types[t].borrows = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return spec;
        }
    }
}

/// Which records each direction reaches, whether any record is used both ways (a `[[type]]`
/// becomes a request record with a builder and an encoder or a response record with a
/// decoder, never both: one used on both sides is a mistake to report, not a program that
/// fails to compile), and each record's direction.
fn directions(spec: &mut Spec, files: &[(ModuleFile, &str)], errors: &mut Vec<SpecError>) {
    fn walk(ty: &Ty, spec: &Spec, out: &mut HashSet<TypeRef>) {
        if let Some(r) = ty.record()
            && out.insert(r)
        {
            for f in &spec.record(r).fields {
                walk(&f.ty, spec, out);
            }
        }
    }
    let (mut requests, mut responses) = (HashSet::new(), HashSet::new());
    for a in spec.modules.iter().flat_map(|m| &m.actions) {
        for f in &a.request {
            walk(&f.ty, spec, &mut requests);
        }
        for f in &a.response {
            walk(&f.ty, spec, &mut responses);
        }
    }
    let both: HashSet<&TypeRef> = requests.intersection(&responses).collect();
    // Each field that names a type directly, with the direction(s) it is used in: action
    // fields their own, record fields their record's.
    let mut uses: Vec<(usize, &Field, TypeRef, bool)> = Vec::new();
    for (i, m) in spec.modules.iter().enumerate() {
        let mut fields: Vec<(&Field, bool)> = Vec::new();
        for a in &m.actions {
            fields.extend(a.request.iter().map(|f| (f, true)));
            fields.extend(a.response.iter().map(|f| (f, false)));
        }
        for (index, t) in m.types.iter().enumerate() {
            for (dir, set) in [(true, &requests), (false, &responses)] {
                if set.contains(&TypeRef { module: i, index }) {
                    fields.extend(t.fields.iter().map(|f| (f, dir)));
                }
            }
        }
        uses.extend(
            fields
                .into_iter()
                .filter_map(|(f, dir)| Some((i, f, f.ty.record()?, dir))),
        );
    }
    // A field of another module that names a type in the other direction than the type's own
    // module uses it is the mistake; a type used both ways within its own module is reported
    // where it is defined.
    let mut blamed = false;
    let mut reported = HashSet::new();
    for (i, f, key, is_request) in &uses {
        if !both.contains(key) || key.module == *i {
            continue;
        }
        let own = uses
            .iter()
            .any(|(j, _, k, req)| *j == key.module && k == key && req == is_request);
        if !own && reported.insert((*i, f.span.start)) {
            let (m, text) = &files[*i];
            let mut cx = Ctx::new(&m.path, text, errors);
            let (side, other) = if *is_request {
                ("request", "response")
            } else {
                ("response", "request")
            };
            cx.err(
                f.span.clone(),
                format!("field `{}`: type `{}` of module `{}` is a {other} type and cannot be used in a {side}", f.name, spec.record(*key).name, spec.modules[key.module].name),
            );
            blamed = true;
        }
    }
    for (i, (m, text)) in files.iter().enumerate() {
        let mut cx = Ctx::new(&m.path, text, errors);
        for (index, t) in spec.modules[i].types.iter().enumerate() {
            if both.contains(&TypeRef { module: i, index }) && !blamed {
                cx.err(
                    t.span.clone(),
                    format!("type `{}` is used by both a request and a response; define one type for each direction", t.name),
                );
            }
        }
    }
    for r in requests {
        spec.modules[r.module].types[r.index].direction = Direction::Request;
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

fn is_camel(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A name as a Rust identifier's text: `snake_case`, dots as underscores.
pub fn snake(s: &str) -> String {
    s.to_snake_case().replace('.', "_")
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
