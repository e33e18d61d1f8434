//! Request parameters: the conversions the generated request types use to build a parameter
//! tree ([`ToParam`]), to read one back on the server side ([`FromParam`], [`Params`]), and to
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

/// Reads a request value from a parameter tree (server side).
pub trait FromParam: Sized {
    /// Parses `node`; `field` names it in errors.
    fn from_param(node: &Node<'_>, field: &str) -> Result<Self, InvalidRequest>;
}

/// Checks a request value against the spec's rules.
pub trait Validate {
    /// `Ok` when every field passes its rule.
    fn validate(&self) -> Result<(), InvalidRequest>;
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
        s.trim()
            .parse()
            .map_err(|_| InvalidRequest::new(field, &s, "int", "must be a whole number"))
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
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| InvalidRequest::new(field, &s, "decimal", "must be a number"))
    }
}

impl FromParam for bool {
    fn from_param(node: &Node<'_>, field: &str) -> Result<Self, InvalidRequest> {
        let s = scalar_text(node, field)?;
        parse_bool(&s).map_err(|reason| InvalidRequest::new(field, &s, "bool", reason))
    }
}

/// Parses `true`/`false`, `1`/`0`, `yes`/`no` (any case).
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        _ => Err(format!("`{s}` is not a boolean; expected true or false")),
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
#[derive(Debug)]
pub struct Params<'n, 'a> {
    entries: &'n [(Cow<'a, str>, Node<'a>)],
    path: &'n str,
}

impl<'n, 'a> Params<'n, 'a> {
    /// Wraps a map node (an empty string or null counts as an empty map).
    pub fn new(node: &'n Node<'a>, path: &'n str) -> Result<Self, InvalidRequest> {
        match node {
            Node::Map(entries) => Ok(Params { entries, path }),
            Node::Null => Ok(Params { entries: &[], path }),
            Node::Str(s) if s.is_empty() => Ok(Params { entries: &[], path }),
            _ => Err(InvalidRequest::new(
                if path.is_empty() { "request" } else { path },
                "",
                "type",
                "must be a map of fields",
            )),
        }
    }

    fn field_name(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    /// The last value given for `name` or one of its aliases (PHP: the last duplicate wins).
    pub fn get(&self, name: &str, aliases: &[&str]) -> Option<&'n Node<'a>> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == name || aliases.contains(&k.as_ref()))
            .map(|(_, v)| v)
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

    /// A list field: a list, a numeric-keyed map, or a single value or record (split on commas when
    /// `comma` is set, as the reference allows for `dst` and `columns`).
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
            Node::Str(s) if comma => {
                return s
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .enumerate()
                    .map(|(i, p)| T::from_param(&Node::str(p), &format!("{field}[{i}]")))
                    .collect();
            }
            other => vec![other],
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, n)| T::from_param(n, &format!("{field}[{i}]")))
            .collect()
    }

    /// Every top-level `prefix<name>` field (`custom:customer_account_id`).
    pub fn custom_fields(&self, prefix: &str) -> Result<Vec<(String, String)>, InvalidRequest> {
        self.entries
            .iter()
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
