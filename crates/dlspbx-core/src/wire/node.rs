//! [`Node`]: the format-neutral document tree every wire format parses into and writes from.
//!
//! Scalars are text, as PHP sees them: numbers keep their textual form (`"42"`, `"0123"`),
//! and strings borrow from the body they were parsed from whenever the wire did not escape them.

use std::borrow::Cow;

/// A parsed document (response body or request parameters), borrowing from its source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Node<'a> {
    /// An absent value: JSON `null`, YAML `~`.
    #[default]
    Null,
    /// A JSON or YAML boolean.
    Bool(bool),
    /// Any scalar: string or number, in its textual form.
    Str(Cow<'a, str>),
    /// An ordered list.
    Seq(Vec<Node<'a>>),
    /// An ordered map; keys keep their order and may repeat only where a format allows
    /// (the XML reader folds repeated elements into a [`Node::Seq`]).
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// A borrowed or owned string scalar.
    pub fn str(s: impl Into<Cow<'a, str>>) -> Self {
        Node::Str(s.into())
    }

    /// The value under `key` when this is a map (first match).
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a scalar (booleans as `"1"`/`""` like PHP's string cast is *not* applied here).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// True for `Null`, an empty string, an empty list or an empty map
    /// (PHP writes an empty array as `[]`, `<x></x>`, `[]` or an empty CSV cell).
    pub fn is_empty(&self) -> bool {
        match self {
            Node::Null => true,
            Node::Bool(_) => false,
            Node::Str(s) => s.is_empty(),
            Node::Seq(v) => v.is_empty(),
            Node::Map(v) => v.is_empty(),
        }
    }

    /// Detaches the tree from its source.
    pub fn into_owned(self) -> Node<'static> {
        match self {
            Node::Null => Node::Null,
            Node::Bool(b) => Node::Bool(b),
            Node::Str(s) => Node::Str(Cow::Owned(s.into_owned())),
            Node::Seq(v) => Node::Seq(v.into_iter().map(Node::into_owned).collect()),
            Node::Map(v) => Node::Map(
                v.into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            ),
        }
    }
}

impl<'a> From<&'a str> for Node<'a> {
    fn from(s: &'a str) -> Self {
        Node::Str(Cow::Borrowed(s))
    }
}

impl From<String> for Node<'_> {
    fn from(s: String) -> Self {
        Node::Str(Cow::Owned(s))
    }
}
