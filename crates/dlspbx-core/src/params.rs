//! Request parameters: the conversions the generated request types use to build a parameter
//! tree ([`ToParam`]) or to hand their parameters to a writer without one ([`VisitParams`],
//! [`ParamSink`]), to read them back on the server side ([`FromParam`], [`Params`]), and to
//! validate ([`Validate`], [`check_rule`], [`check_text`]).

use crate::error::InvalidRequest;
use crate::wire::Node;
use std::borrow::Cow;

/// The longest string accepted in any request field, in bytes (PHP's `post_max_size` is 8 MB
/// for the whole body; no documented field needs more than this).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// Converts a request value into a parameter tree.
pub trait ToParam {
    /// The value as a [`Node`], borrowing the value's strings.
    fn to_param(&self) -> Node<'_>;
}

/// Receives a record's parameters in wire order. A generated request type describes its
/// parameters once, in [`VisitParams::visit_params`]; [`tree`] collects them into a
/// [`Node::Map`] (its [`ToParam`]), and the form encoder writes them straight into the body
/// ([`crate::request::form::encode_record`]), with no tree in between.
pub trait ParamSink<'a> {
    /// A parameter whose value is given as a tree: a scalar, or a list of scalars.
    fn entry(&mut self, key: Cow<'a, str>, value: Node<'a>);
    /// A parameter whose value is a list of scalars (what [`ParamSink::entry`] of a
    /// [`Node::Seq`] of them gives, which is what this does unless the sink does better).
    fn list<T: ToParam>(&mut self, key: Cow<'a, str>, items: &'a [T]) {
        self.entry(
            key,
            Node::Seq(items.iter().map(ToParam::to_param).collect()),
        );
    }
    /// A parameter whose value is a record.
    fn record<T: VisitParams>(&mut self, key: &'static str, value: &'a T);
    /// A parameter whose value is a list of records.
    fn records<T: VisitParams>(&mut self, key: &'static str, items: &'a [T]);
}

/// A record that hands its parameters to a [`ParamSink`] (the generated request types).
pub trait VisitParams {
    /// How many parameters the record has at most (a capacity hint for [`tree`]).
    const FIELDS: usize;
    /// Gives each parameter to `sink`, in wire order.
    fn visit_params<'a, S: ParamSink<'a>>(&'a self, sink: &mut S);
}

/// A record's parameter tree is the map of what it visits.
impl<T: VisitParams> ToParam for T {
    #[inline]
    fn to_param(&self) -> Node<'_> {
        tree(self)
    }
}

/// The parameters of `record` as a [`Node::Map`], in wire order.
#[inline]
pub fn tree<T: VisitParams>(record: &T) -> Node<'_> {
    let mut sink = TreeSink(Vec::with_capacity(T::FIELDS));
    record.visit_params(&mut sink);
    Node::Map(sink.0)
}

/// Collects parameters into the entries of a [`Node::Map`] (see [`tree`]).
struct TreeSink<'a>(Vec<(Cow<'a, str>, Node<'a>)>);

impl<'a> ParamSink<'a> for TreeSink<'a> {
    #[inline]
    fn entry(&mut self, key: Cow<'a, str>, value: Node<'a>) {
        self.0.push((key, value));
    }

    #[inline]
    fn record<T: VisitParams>(&mut self, key: &'static str, value: &'a T) {
        self.0.push((Cow::Borrowed(key), tree(value)));
    }

    #[inline]
    fn records<T: VisitParams>(&mut self, key: &'static str, items: &'a [T]) {
        self.0.push((
            Cow::Borrowed(key),
            Node::Seq(items.iter().map(tree).collect()),
        ));
    }
}

/// Reads a request value from a parameter tree (server side).
pub trait FromParam: Sized {
    /// Parses `node`; `field` names it in errors.
    fn from_param(node: &Node<'_>, field: &str) -> Result<Self, InvalidRequest>;
}

/// A fieldless enum of the spec, read by its wire words (implemented by every generated enum).
pub trait WireEnum: Copy + 'static {
    /// Every word read as a value, in spec order: each value's wire text, then its `also`
    /// words.
    const WORDS: &'static [(&'static str, Self)];
    /// The words a refusal lists (`ASCENDING (or asc), DESCENDING (or desc)`).
    const EXPECTED: &'static str;

    /// Reads `s`, trimmed and in any case, or says what is expected.
    fn from_word(s: &str) -> Result<Self, String> {
        let t = s.trim();
        Self::WORDS
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(t))
            .map(|&(_, v)| v)
            .ok_or_else(|| format!("unknown value `{s}`; expected one of {}", Self::EXPECTED))
    }
}

impl<T: WireEnum> FromParam for T {
    fn from_param(node: &Node<'_>, field: &str) -> Result<Self, InvalidRequest> {
        let s = String::from_param(node, field)?;
        T::from_word(&s).map_err(|reason| InvalidRequest::new(field, &s, "one_of", reason))
    }
}

/// The failures of a request's fields, collected so that validation reports every invalid
/// field at once (the generated `Validate` checks each field, then [`finish`](Self::finish)).
#[derive(Debug, Default)]
pub struct Failures(Option<InvalidRequest>);

impl Failures {
    /// Records the outcome of one field's checks.
    #[inline]
    pub fn add(&mut self, checked: Result<(), InvalidRequest>) {
        if let Err(e) = checked {
            self.0 = Some(match self.0.take() {
                None => e,
                Some(first) => first.and(e),
            });
        }
    }

    /// Runs one field's checks and records their outcome (the generated `Validate`: one
    /// closure per field, so that `?` ends that field's checks only).
    #[inline]
    pub fn check(&mut self, checks: impl FnOnce() -> Result<(), InvalidRequest>) {
        self.add(checks());
    }

    /// `Ok` when no field failed, else the first failure with the others in
    /// [`InvalidRequest::others`].
    #[inline]
    pub fn finish(self) -> Result<(), InvalidRequest> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Checks a request value against the spec's rules.
pub trait Validate {
    /// `Ok` when every field passes its rule (the default, for a type whose fields have none).
    #[inline]
    fn validate(&self) -> Result<(), InvalidRequest> {
        Ok(())
    }
}

impl ToParam for String {
    fn to_param(&self) -> Node<'_> {
        Node::str(self.as_str())
    }
}

impl ToParam for i64 {
    fn to_param(&self) -> Node<'_> {
        Node::from(self.to_string())
    }
}

impl ToParam for u64 {
    fn to_param(&self) -> Node<'_> {
        Node::from(self.to_string())
    }
}

impl ToParam for f64 {
    fn to_param(&self) -> Node<'_> {
        Node::from(self.to_string())
    }
}

impl ToParam for bool {
    fn to_param(&self) -> Node<'_> {
        Node::str(if *self { "1" } else { "0" })
    }
}

fn scalar_text<'n>(node: &'n Node<'_>, field: &str) -> Result<Cow<'n, str>, InvalidRequest> {
    match node {
        Node::Str(s) => Ok(Cow::Borrowed(s.as_ref())),
        Node::Bool(b) => Ok(Cow::Borrowed(if *b { "1" } else { "0" })),
        Node::Null => Ok(Cow::Borrowed("")),
        Node::Seq(_) => Err(InvalidRequest::new(
            field,
            "",
            "type",
            "must be a single value, not a list",
        )),
        Node::Map(_) => Err(InvalidRequest::new(
            field,
            "",
            "type",
            "must be a single value, not a map",
        )),
    }
}

impl FromParam for String {
    fn from_param(node: &Node<'_>, field: &str) -> Result<Self, InvalidRequest> {
        scalar_text(node, field).map(Cow::into_owned)
    }
}

impl FromParam for i64 {
    fn from_param(node: &Node<'_>, field: &str) -> Result<Self, InvalidRequest> {
        let s = scalar_text(node, field)?;
        crate::scalar::read_whole(&s)
            .map_err(|reason| InvalidRequest::new(field, &s, "int", reason))
    }
}

impl FromParam for u64 {
    fn from_param(node: &Node<'_>, field: &str) -> Result<Self, InvalidRequest> {
        let s = scalar_text(node, field)?;
        s.trim().parse().map_err(|_| {
            InvalidRequest::new(field, &s, "int", "must be a non-negative whole number")
        })
    }
}

impl FromParam for f64 {
    fn from_param(node: &Node<'_>, field: &str) -> Result<Self, InvalidRequest> {
        let s = scalar_text(node, field)?;
        crate::scalar::read_decimal(&s)
            .ok_or_else(|| InvalidRequest::new(field, &s, "decimal", "must be a number"))
    }
}

impl FromParam for bool {
    fn from_param(node: &Node<'_>, field: &str) -> Result<Self, InvalidRequest> {
        let s = scalar_text(node, field)?;
        crate::scalar::read_flag(&s)
            .map_err(|reason| InvalidRequest::new(field, &s, "bool", reason))
    }
}

/// The value sent for a field checked by `rule`: the rule's canonical form when it has one
/// (`(815) 555-1234` -> `8155551234`, `il` -> `IL`), else the value as given.
pub fn canonical(rule: &str, value: &str) -> String {
    crate::rules::canonical(rule, value).unwrap_or_else(|| value.to_owned())
}

/// A comma-joined list (`dst=100,2223334444`).
pub fn comma_list<T: std::fmt::Display>(items: &[T]) -> Node<'static> {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item.to_string());
    }
    Node::from(out)
}

/// Read access to a map of request parameters, naming fields in errors.
///
/// Two PHP wire facts hold for every field here, so that no reader needs to know them: a key
/// written with PHP's array suffix (`"filters[]"` as a literal JSON or XML key, which PHP's
/// `json_decode` keeps as it is) is the key without it, and a record given as a list of maps
/// (the form `filters[][src]=100&filters[][dst]=200`) is one map of all their fields.
#[derive(Debug)]
pub struct Params<'n, 'a> {
    /// The maps whose fields these are, each a [`Node::Map`]; a later one's field wins.
    maps: &'n [Node<'a>],
    path: &'n str,
}

impl<'n, 'a> Params<'n, 'a> {
    /// Wraps a map node, or a non-empty list of map nodes (an empty string or null counts as
    /// an empty map).
    pub fn new(node: &'n Node<'a>, path: &'n str) -> Result<Self, InvalidRequest> {
        let maps = match node {
            Node::Map(_) => std::slice::from_ref(node),
            Node::Seq(items)
                if !items.is_empty() && items.iter().all(|n| matches!(n, Node::Map(_))) =>
            {
                items
            }
            Node::Null => &[],
            Node::Str(s) if s.is_empty() => &[],
            _ => {
                return Err(InvalidRequest::new(
                    if path.is_empty() { "request" } else { path },
                    "",
                    "type",
                    "must be a map of fields",
                ));
            }
        };
        Ok(Params { maps, path })
    }

    /// Every field, in the order given.
    fn entries(&self) -> impl DoubleEndedIterator<Item = &'n (Cow<'a, str>, Node<'a>)> {
        self.maps.iter().flat_map(|map| match map {
            Node::Map(entries) => entries.as_slice(),
            _ => &[],
        })
    }

    fn field_name(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    /// The last value given for `name` or one of its aliases, with or without PHP's array
    /// suffix `[]` (PHP: the last duplicate wins).
    pub fn get(&self, name: &str, aliases: &[&str]) -> Option<&'n Node<'a>> {
        self.entries()
            .rev()
            .find(|(k, _)| {
                let k = k.strip_suffix("[]").unwrap_or(k);
                k == name || aliases.contains(&k)
            })
            .map(|(_, v)| v)
    }

    /// Refuses a key that is none of `known` (with or without PHP's array suffix `[]`),
    /// naming it and listing the keys there are.
    pub fn deny_unknown(&self, known: &[&str]) -> Result<(), InvalidRequest> {
        match self.entries().find(|(k, _)| {
            let k = k.strip_suffix("[]").unwrap_or(k);
            !known.contains(&k)
        }) {
            None => Ok(()),
            Some((k, _)) => Err(InvalidRequest::new(
                if self.path.is_empty() {
                    "request"
                } else {
                    self.path
                },
                k,
                "unknown_key",
                format!(
                    "is not a key of {}; the keys are: {}",
                    if self.path.is_empty() {
                        "the request"
                    } else {
                        self.path
                    },
                    known.join(", ")
                ),
            )),
        }
    }

    /// A required field.
    pub fn required<T: FromParam>(
        &self,
        name: &str,
        aliases: &[&str],
    ) -> Result<T, InvalidRequest> {
        let field = self.field_name(name);
        match self.get(name, aliases) {
            None | Some(Node::Null) => Err(InvalidRequest::missing(field)),
            Some(n) => T::from_param(n, &field),
        }
    }

    /// An optional field; an empty string counts as absent.
    pub fn optional<T: FromParam>(
        &self,
        name: &str,
        aliases: &[&str],
    ) -> Result<Option<T>, InvalidRequest> {
        let field = self.field_name(name);
        match self.get(name, aliases) {
            None | Some(Node::Null) => Ok(None),
            Some(Node::Str(s)) if s.is_empty() => Ok(None),
            Some(n) => T::from_param(n, &field).map(Some),
        }
    }

    /// An optional field that may also be given inside the record field `inner`
    /// (`results_limit` or `filters[results_limit]`, as the reference lists the paging keys
    /// among the filters): the one given, or an error naming both when they differ (equal
    /// values, as read, are accepted). An `inner` that is not a map is left to its own
    /// parser to refuse.
    pub fn optional_also<T: FromParam + PartialEq>(
        &self,
        name: &str,
        aliases: &[&str],
        inner: &str,
    ) -> Result<Option<T>, InvalidRequest> {
        let top = self.optional::<T>(name, aliases)?;
        let path = self.field_name(inner);
        let nested = match self.get(inner, &[]).map(|n| Params::new(n, &path)) {
            Some(Ok(record)) => record.optional::<T>(name, aliases)?,
            _ => None,
        };
        match (top, nested) {
            (Some(a), Some(b)) if a != b => {
                let text = |p: &Params<'_, '_>| {
                    p.get(name, aliases)
                        .and_then(|n| scalar_text(n, name).ok())
                        .map(Cow::into_owned)
                        .unwrap_or_default()
                };
                let given = text(self);
                let also = match self.get(inner, &[]).map(|n| Params::new(n, &path)) {
                    Some(Ok(record)) => text(&record),
                    _ => String::new(),
                };
                Err(InvalidRequest::new(
                    self.field_name(name),
                    &given,
                    "conflict",
                    format!(
                        "is given twice with different values: `{given}` here and `{also}` as `{path}[{name}]`; give it once"
                    ),
                ))
            }
            (a, b) => Ok(a.or(b)),
        }
    }

    /// A list field: a list, a numeric-keyed map, or a single value or record. When `comma` is
    /// set (the reference allows "a single comma-delimited list" for `dst`, `columns` and
    /// `options`), each text, the single value or any item of the list, is split on commas:
    /// `columns=unique_id,date`, `columns[]=unique_id,date` and
    /// `columns[]=unique_id&columns[]=date` are the same list.
    pub fn list<T: FromParam>(
        &self,
        name: &str,
        aliases: &[&str],
        comma: bool,
    ) -> Result<Vec<T>, InvalidRequest> {
        let field = self.field_name(name);
        let Some(node) = self.get(name, aliases) else {
            return Ok(Vec::new());
        };
        let items: Vec<&Node<'a>> = match node {
            Node::Seq(items) => items.iter().collect(),
            // PHP arrays with non-sequential integer keys (`k[3]=a&k[7]=b`).
            Node::Map(entries)
                if entries
                    .iter()
                    .all(|(k, _)| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit())) =>
            {
                entries.iter().map(|(_, v)| v).collect()
            }
            Node::Null => Vec::new(),
            Node::Str(s) if s.is_empty() => Vec::new(),
            other => vec![other],
        };
        // A single text is always split (and trimmed); a list's items only when they hold a
        // comma, so that an item is otherwise read as given.
        let single = !matches!(node, Node::Seq(_) | Node::Map(_));
        if comma
            && items
                .iter()
                .any(|n| matches!(n, Node::Str(s) if single || s.contains(',')))
        {
            let mut out = Vec::with_capacity(items.len() + 1);
            for n in items {
                match n {
                    Node::Str(s) if single || s.contains(',') => {
                        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                            let field = format!("{field}[{}]", out.len());
                            out.push(T::from_param(&Node::str(part), &field)?);
                        }
                    }
                    other => {
                        let field = format!("{field}[{}]", out.len());
                        out.push(T::from_param(other, &field)?);
                    }
                }
            }
            return Ok(out);
        }
        items
            .into_iter()
            .enumerate()
            .map(|(i, n)| T::from_param(n, &format!("{field}[{i}]")))
            .collect()
    }

    /// Every top-level `prefix<name>` field (`custom:customer_account_id`).
    pub fn custom_fields(&self, prefix: &str) -> Result<Vec<(String, String)>, InvalidRequest> {
        self.entries()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|name| (name, v, k)))
            .map(|(name, v, k)| Ok((name.to_owned(), String::from_param(v, k)?)))
            .collect()
    }

    /// Report options: `options[]=key=value` items, or one comma-delimited string.
    pub fn options(
        &self,
        name: &str,
    ) -> Result<Vec<crate::generated::reports::ReportOption>, InvalidRequest> {
        let raw: Vec<String> = self.list(name, &[], true)?;
        raw.iter()
            .map(|s| crate::generated::reports::ReportOption::parse(s))
            .collect()
    }
}

/// Wraps a rule's verdict into an [`InvalidRequest`] naming the field, value and rule.
pub fn check_rule(
    field: &str,
    value: &str,
    rule: &'static str,
    verdict: Result<(), String>,
) -> Result<(), InvalidRequest> {
    verdict.map_err(|reason| InvalidRequest::new(field, value, rule, reason))
}

/// [`check_text`] of a required value, which a blank value does not give (PHP's `empty()`).
#[inline]
pub fn check_required_text(field: &str, value: &str) -> Result<(), InvalidRequest> {
    if value.trim().is_empty() {
        return Err(InvalidRequest::missing(field));
    }
    check_text(field, value)
}

/// [`check_text`] of an optional value: nothing to check when it is `None`.
#[inline]
pub fn check_opt_text(field: &str, value: &Option<String>) -> Result<(), InvalidRequest> {
    value.as_deref().map_or(Ok(()), |v| check_text(field, v))
}

/// The check every free-text field gets: no control characters but tab and line breaks, and
/// at most [`MAX_FIELD_BYTES`].
pub fn check_text(field: &str, value: &str) -> Result<(), InvalidRequest> {
    if value.len() > MAX_FIELD_BYTES {
        return Err(InvalidRequest::new(
            field,
            value,
            "text",
            format!(
                "is {} bytes long; at most {MAX_FIELD_BYTES} bytes are allowed",
                value.len()
            ),
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(InvalidRequest::new(
            field,
            value,
            "text",
            format!("contains the control character U+{:04X}", c as u32),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::arb::{m, s};

    fn list(node: Node<'static>, comma: bool) -> Result<Vec<String>, InvalidRequest> {
        let params = m(vec![("k", node)]);
        Params::new(&params, "")?.list("k", &[], comma)
    }

    #[test]
    fn comma_lists_in_any_form() {
        let want = Ok(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]);
        assert_eq!(list(s("a, b,,c"), true), want);
        assert_eq!(list(Node::Seq(vec![s("a,b"), s("c")]), true), want);
        assert_eq!(list(Node::Seq(vec![s("a"), s("b,c")]), true), want);
        assert_eq!(list(Node::Seq(vec![s("a"), s("b"), s("c")]), true), want);
        assert_eq!(list(m(vec![("3", s("a,b")), ("7", s("c"))]), true), want);
        // Without `comma`, a comma is text.
        assert_eq!(
            list(Node::Seq(vec![s("a,b"), s("c")]), false),
            Ok(vec!["a,b".to_owned(), "c".to_owned()])
        );
        // An item without a comma is read as given.
        assert_eq!(
            list(Node::Seq(vec![s(" a "), s("b,c")]), true),
            Ok(vec![" a ".to_owned(), "b".to_owned(), "c".to_owned()])
        );
        // Errors name the item's place in the whole list.
        let params = m(vec![("k", Node::Seq(vec![s("1,2"), s("x")]))]);
        let e = Params::new(&params, "")
            .unwrap()
            .list::<i64>("k", &[], true)
            .unwrap_err();
        assert_eq!(e.field, "k[2]");
    }
}
