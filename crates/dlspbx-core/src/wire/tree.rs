//! A read-only view of a value tree, so that each format's one writer walks both the wire's
//! [`Node`] and `serde_json::Value` (the canonical JSON that the CLI prints).
//!
//! The two trees differ in one way that matters to a writer: a [`Node`] holds every scalar as
//! text (the wire does not say whether `42` is a number), while a `Value` knows its numbers.
//! [`View::Number`] carries that difference, so that a YAML writer can leave a number plain and
//! still quote a string that only looks like one.

use super::Node;
use std::borrow::Cow;

/// One level of a tree, as a writer sees it.
pub enum View<'t, T: Tree + 't> {
    /// An absent value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, in its text.
    Number(Cow<'t, str>),
    /// A string (for a [`Node`], any scalar).
    Str(&'t str),
    /// A list.
    Seq(&'t [T]),
    /// A map, its entries in order.
    Map(T::Entries<'t>),
}

/// A tree that the writers in [`super`] can walk.
pub trait Tree: Sized {
    /// The entries of a map, in order.
    type Entries<'t>: ExactSizeIterator<Item = (&'t str, &'t Self)>
    where
        Self: 't;

    /// This value, one level deep.
    fn view(&self) -> View<'_, Self>;
}

/// The entries of a [`Node::Map`].
pub struct NodeEntries<'t, 'a>(std::slice::Iter<'t, (Cow<'a, str>, Node<'a>)>);

impl<'t, 'a> Iterator for NodeEntries<'t, 'a> {
    type Item = (&'t str, &'t Node<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.as_ref(), v))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for NodeEntries<'_, '_> {}

impl<'a> Tree for Node<'a> {
    type Entries<'t>
        = NodeEntries<'t, 'a>
    where
        Self: 't;

    #[inline]
    fn view(&self) -> View<'_, Self> {
        match self {
            Node::Null => View::Null,
            Node::Bool(b) => View::Bool(*b),
            Node::Str(s) => View::Str(s),
            Node::Seq(items) => View::Seq(items),
            Node::Map(entries) => View::Map(NodeEntries(entries.iter())),
        }
    }
}

/// The entries of a `serde_json` object.
pub struct JsonEntries<'t>(serde_json::map::Iter<'t>);

impl<'t> Iterator for JsonEntries<'t> {
    type Item = (&'t str, &'t serde_json::Value);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.as_str(), v))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for JsonEntries<'_> {}

impl Tree for serde_json::Value {
    type Entries<'t> = JsonEntries<'t>;

    fn view(&self) -> View<'_, Self> {
        use serde_json::Value;
        match self {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => View::Number(Cow::Owned(n.to_string())),
            Value::String(s) => View::Str(s),
            Value::Array(items) => View::Seq(items),
            Value::Object(entries) => View::Map(JsonEntries(entries.iter())),
        }
    }
}

impl<T: Tree> View<'_, T> {
    /// True for a scalar, an empty list and an empty map: what a writer puts on one line.
    pub fn is_leaf(&self) -> bool {
        match self {
            View::Seq(items) => items.is_empty(),
            View::Map(entries) => entries.len() == 0,
            _ => true,
        }
    }
}

/// Calls `leaf` with the key path and the value of every leaf of `tree` ([`View::is_leaf`]),
/// depth first and in order; list items have their index as their key. This is the walk of
/// the key-path CSV layout (`queues,support_queue,agents,beaucrn6,name,Tom`), shared by the
/// wire's `fputcsv` writer and the CLI's RFC 4180 one.
pub fn for_each_leaf<'t, T: Tree, F: FnMut(&[Cow<'t, str>], &'t T)>(
    tree: &'t T,
    path: &mut Vec<Cow<'t, str>>,
    leaf: &mut F,
) {
    match tree.view() {
        View::Map(entries) if entries.len() > 0 => {
            for (k, v) in entries {
                path.push(Cow::Borrowed(k));
                for_each_leaf(v, path, leaf);
                path.pop();
            }
        }
        View::Seq(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                path.push(Cow::Owned(i.to_string()));
                for_each_leaf(v, path, leaf);
                path.pop();
            }
        }
        _ => leaf(path, tree),
    }
}

/// The header of a table whose rows are maps: every key of every row, in first-seen order.
pub fn record_header<T: Tree>(rows: &[T]) -> Vec<&str> {
    let mut header: Vec<&str> = Vec::new();
    for row in rows {
        if let View::Map(entries) = row.view() {
            for (k, _) in entries {
                if !header.contains(&k) {
                    header.push(k);
                }
            }
        }
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::arb::{m, s};

    fn leaves<T: Tree>(tree: &T) -> Vec<String> {
        let mut out = Vec::new();
        for_each_leaf(tree, &mut Vec::new(), &mut |path, _| {
            out.push(path.join("."))
        });
        out
    }

    #[test]
    fn node_and_json_walk_alike() {
        let node = m(vec![
            ("a", Node::Seq(vec![s("x"), m(vec![("b", s("1"))])])),
            ("e", Node::Seq(vec![])),
        ]);
        let json = serde_json::json!({"a": ["x", {"b": 1}], "e": []});
        assert_eq!(leaves(&node), ["a.0", "a.1.b", "e"]);
        assert_eq!(leaves(&node), leaves(&json));
        let rows = serde_json::json!([{"a": 1, "b": 2}, {"c": 3, "a": 4}]);
        let View::Seq(rows) = rows.view() else {
            unreachable!()
        };
        assert_eq!(record_header(rows), ["a", "b", "c"]);
    }
}
