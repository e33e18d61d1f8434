//! Proptest strategies for trees and texts, shared by the tests of every format (reached as
//! `crate::wire::json::tests::*` too, whichever formats are compiled in).

use super::Node;
use proptest::prelude::*;
use std::borrow::Cow;

pub(crate) fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,12}",
        Just(String::new()),
        Just("yes".to_owned()),
        Just("~".to_owned()),
        Just("0123".to_owned()),
        Just("a,b \"q\" \\ 'x'".to_owned()),
        Just("line1\nline2".to_owned()),
        "[0-9]{1,5}",
    ]
}

pub(crate) fn arb_key() -> impl Strategy<Value = String> + Clone {
    "[a-z_][a-z0-9_]{0,8}"
}

pub(crate) fn arb_node() -> impl Strategy<Value = Node<'static>> {
    arb_tree(
        arb_text().prop_map(|t| Node::Str(Cow::Owned(t))),
        arb_key(),
        0,
    )
}

/// Trees of `leaf` values, whose maps have keys from `key` and at least `min_entries` entries.
pub(crate) fn arb_tree<K>(
    leaf: impl Strategy<Value = Node<'static>> + 'static,
    key: K,
    min_entries: usize,
) -> impl Strategy<Value = Node<'static>>
where
    K: Strategy<Value = String> + Clone + 'static,
{
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Node::Seq),
            prop::collection::btree_map(key.clone(), inner, min_entries..5)
                .prop_map(|m| Node::Map(m.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect())),
        ]
    })
}

/// PHP cannot tell an empty map from an empty list.
pub(crate) fn normalize_empty(node: Node<'static>) -> Node<'static> {
    match node {
        Node::Map(e) if e.is_empty() => Node::Seq(vec![]),
        Node::Map(e) => Node::Map(
            e.into_iter()
                .map(|(k, v)| (k, normalize_empty(v)))
                .collect(),
        ),
        Node::Seq(items) => Node::Seq(items.into_iter().map(normalize_empty).collect()),
        other => other,
    }
}

/// A string node (test shorthand).
pub(crate) fn s(v: &str) -> Node<'static> {
    Node::Str(Cow::Owned(v.to_owned()))
}

/// A map node from `(key, value)` pairs (test shorthand).
pub(crate) fn m(entries: Vec<(&str, Node<'static>)>) -> Node<'static> {
    Node::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Cow::Owned(k.to_owned()), v))
            .collect(),
    )
}
