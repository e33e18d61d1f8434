//! PHP-style `application/x-www-form-urlencoded` bodies: the encoder the clients use, and a
//! parser that reproduces what the PHP server puts in `$_POST` (the simulator's reader).
//!
//! # Encoding
//!
//! The parameters are a [`Node::Map`]; its entries are written in order:
//!
//! | node | written as |
//! |---|---|
//! | `Str` | `key=value` |
//! | `Bool` | `key=1` / `key=0` |
//! | `Null` | nothing |
//! | `Seq` of scalars | `key[]=a&key[]=b` |
//! | `Seq` holding a map or a list | `key[0][sub]=..&key[1][sub]=..` (indexed, so PHP keeps each record together) |
//! | `Map` | `key[sub]=..` |
//!
//! Everything outside the unreserved set `A-Z a-z 0-9 - . _ ~` is percent-encoded with
//! upper-case hex, a space is written `+`, and the brackets of nested keys are written `%5B`
//! and `%5D` (as browsers and `curl --data-urlencode` do). PHP decodes the key before it looks
//! for brackets, so `%5B%5D` and `[]` mean the same to the server; the encoded form is the one
//! RFC 3986 allows in a query and no proxy rewrites.
//!
//! A form body cannot say everything a [`Node`] can, and PHP changes some names silently, so
//! [`encode`] refuses instead of sending something the server would read differently:
//! - more than `max_input_vars` variables, or keys nested deeper than `max_nesting`
//!   (PHP drops the excess without telling the client);
//! - a top-level name that is empty or contains `.`, space or `[` (PHP turns `.` and space into
//!   `_`, and `[` starts a nested key), or contains NUL;
//! - a nested key that is empty or a single whitespace character (PHP reads `k[]` and `k[ ]` as
//!   "append"), or contains `]` or NUL.
//!
//! Empty lists and maps, like `Null`, produce nothing: PHP has no form syntax for an empty
//! array. Duplicate keys in a map are not detected (the server keeps the last one).
//!
//! # Parsing
//!
//! [`parse_with_limits`] follows PHP 8.2's `php_std_post_handler` and
//! `php_register_variable_ex`, checked against `php -S` (see the tests): `k[]` appends, `a[0][b]`
//! nests, duplicate names keep the last value (at the first one's position), `k[01]` is the
//! string key `"01"` while `k[1]` is the integer key 1, `.` and space in the top-level name
//! become `_`, a `[` without `]` becomes `_` (with `.`, space and `[` after it), text after a
//! closing `]` that does not open another `[` is ignored, `+` is a space and an invalid `%`
//! escape is kept as it is. A PHP array whose keys are exactly `0, 1, 2, ..` in order becomes a
//! [`Node::Seq`], any other array a [`Node::Map`]; the top level is always a map.
//!
//! A name or value that is not UTF-8 once decoded is refused with [`Error::Invalid`] naming the
//! field, where PHP would pass the bytes through: the typed layer holds text (a deliberate
//! divergence, listed in `spec/README.md`). [`parse_parts`] fills `$_POST` the same way from
//! the parts of a `multipart/form-data` body.
//!
//! PHP's silent limits are applied the way PHP applies them to a POST body, and what was lost
//! is counted in [`Dropped`]:
//! - `max_input_vars`: every `&`-separated segment counts (empty ones too); PHP stops after the
//!   segment that takes the count past the limit, so `max_input_vars + 1` segments are read and
//!   the rest are ignored (`parse_str` instead stops one earlier and skips empty segments);
//! - `max_input_nesting_level`: a variable with more bracket groups than the limit is dropped
//!   and, as PHP does, the whole top-level variable it belongs to is removed.

use crate::error::{EncodeError, EncodeKind, Error, InvalidRequest};
use crate::params::{ParamSink, ToParam, VisitParams};
use crate::wire::Node;
use std::borrow::Cow;
use std::collections::HashMap;

/// PHP's limits on form input that the server applies silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormLimits {
    /// `max_input_vars`: how many variables PHP reads from one body (PHP default 1000).
    pub max_input_vars: usize,
    /// `max_input_nesting_level`: how many bracket groups a name may have (PHP default 64).
    pub max_nesting: usize,
}

impl FormLimits {
    /// PHP's defaults: `max_input_vars = 1000`, `max_input_nesting_level = 64`.
    pub const PHP_DEFAULTS: FormLimits = FormLimits {
        max_input_vars: 1000,
        max_nesting: 64,
    };
}

impl Default for FormLimits {
    fn default() -> Self {
        Self::PHP_DEFAULTS
    }
}

/// What to do with a request that does not fit in a form body within [`FormLimits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Oversize {
    /// Send the request as a JSON body instead (the default): the server reads JSON bodies
    /// without PHP's form limits.
    #[default]
    FallbackToJson,
    /// Fail with [`Error::Encode`].
    Fail,
}

/// How many variables PHP would have dropped while parsing a body (see [`parse_with_limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dropped {
    /// Non-empty variables ignored because the body had more than `max_input_vars`.
    pub vars: usize,
    /// Variables dropped because their names nested deeper than `max_nesting` (each one also
    /// removed the top-level variable it belonged to).
    pub nesting: usize,
}

impl Dropped {
    /// True when nothing was dropped.
    pub fn is_empty(&self) -> bool {
        self.vars == 0 && self.nesting == 0
    }
}

/// Nesting deeper than this is treated as exceeding the limit whatever [`FormLimits`] says,
/// so that parsing a hostile body never recurses deeply.
const HARD_MAX_NESTING: usize = 512;

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/// How many `key=value` pairs [`encode`] writes for `params`: each string or boolean leaf,
/// so each list element counts, as PHP's `max_input_vars` counts them.
pub fn count_vars(params: &Node<'_>) -> usize {
    stats(params).vars
}

/// How many bracket groups the deepest key [`encode`] writes for `params` has
/// (0 for flat parameters, 1 for `k[]=a`, 4 for `filter_groups[0][rules][0][type]=..`):
/// the number PHP compares with `max_input_nesting_level`.
pub fn depth(params: &Node<'_>) -> usize {
    stats(params).depth
}

struct Stats {
    vars: usize,
    depth: usize,
}

/// One iterative walk over the tree (no recursion, so any tree is safe to measure).
fn stats(params: &Node<'_>) -> Stats {
    let mut st = Stats { vars: 0, depth: 0 };
    // (node, bracket groups above it)
    let mut stack: Vec<(&Node<'_>, usize)> = Vec::new();
    match params {
        Node::Map(entries) => stack.extend(entries.iter().rev().map(|(_, v)| (v, 0))),
        Node::Null => {}
        other => stack.push((other, 0)),
    }
    while let Some((node, level)) = stack.pop() {
        match node {
            Node::Null => {}
            Node::Bool(_) | Node::Str(_) => {
                st.vars += 1;
                st.depth = st.depth.max(level);
            }
            Node::Seq(items) => stack.extend(items.iter().rev().map(|item| (item, level + 1))),
            Node::Map(entries) => stack.extend(entries.iter().rev().map(|(_, v)| (v, level + 1))),
        }
    }
    st
}

/// Encodes `params` (a [`Node::Map`]; `Null` gives an empty body) as a PHP-style form body.
///
/// Fails with [`Error::Encode`] when the body would exceed `limits` (the message names the
/// count and the limit; the caller decides whether to send JSON instead, see [`Oversize`]) or
/// when a key cannot be written so that PHP reads it back unchanged (see the module docs).
pub fn encode(params: &Node<'_>, limits: &FormLimits) -> Result<String, Error> {
    encode_checked(params, limits).map_err(Error::Encode)
}

/// A refusal that JSON can carry (too many variables or too deep), see [`Oversize`].
fn limit(message: String) -> EncodeError {
    EncodeError::new(EncodeKind::Limit, message)
}

/// A key or a shape that no form body can carry.
fn shape(message: String) -> EncodeError {
    EncodeError::new(EncodeKind::Unrepresentable, message)
}

pub(crate) fn encode_checked(
    params: &Node<'_>,
    limits: &FormLimits,
) -> Result<String, EncodeError> {
    let entries = match params {
        Node::Map(entries) => entries,
        Node::Null => return Ok(String::new()),
        _ => {
            return Err(shape(
                "form parameters must be a map of names to values, not a single value or a list"
                    .into(),
            ));
        }
    };
    // One walk writes the body and counts what PHP's limits count; the limits are checked
    // first all the same: a request over them is refused as `Limit` (which may go as JSON)
    // even when it also has a key that no form body can carry.
    let mut em = Emitter::new(limits);
    let written = entries.iter().try_for_each(|(k, v)| {
        check_top_key(k)?;
        em.key.clear();
        percent_encode_into(&mut em.key, k);
        em.emit(v, 0)
    });
    let st = match written {
        // The walk stopped early: count on the whole tree (iteratively: it may be deep).
        Err(_) => stats(params),
        Ok(()) => Stats {
            vars: em.vars,
            depth: em.depth,
        },
    };
    if st.vars > limits.max_input_vars {
        return Err(limit(format!(
            "the request has {} form variables but PHP's max_input_vars is {}; the server would \
             silently drop {} of them (send it as JSON, or split it)",
            st.vars,
            limits.max_input_vars,
            st.vars - limits.max_input_vars
        )));
    }
    if st.depth > limits.max_nesting {
        return Err(limit(format!(
            "the request nests form keys {} levels deep but PHP's max_input_nesting_level is {}; \
             the server would silently drop the deeper variables (send it as JSON)",
            st.depth, limits.max_nesting
        )));
    }
    written?;
    Ok(em.out)
}

/// Encodes a record's parameters (a generated request type) as a form body, writing them
/// straight from the record ([`VisitParams`]) instead of building its parameter tree first.
/// The body and the errors are those of [`encode`] of [`crate::params::ToParam::to_param`].
pub fn encode_record<T: VisitParams>(record: &T, limits: &FormLimits) -> Result<String, Error> {
    encode_record_checked(&[], record, limits).map_err(Error::Encode)
}

/// [`encode_record`] with top-level string parameters written first (`head`, the credentials).
pub(crate) fn encode_record_checked<T: VisitParams>(
    head: &[(&str, &str)],
    record: &T,
    limits: &FormLimits,
) -> Result<String, EncodeError> {
    let mut em = Emitter::new(limits);
    let mut sink = FormSink {
        em: &mut em,
        level: 0,
        failed: false,
    };
    for (k, v) in head {
        sink.entry(Cow::Borrowed(*k), Node::str(*v));
    }
    record.visit_params(&mut sink);
    if !sink.failed && em.vars <= limits.max_input_vars && em.depth <= limits.max_nesting {
        return Ok(em.out);
    }
    // Over a limit or refused: the tree gives the message (and the same verdict).
    let mut entries: Vec<(Cow<'_, str>, Node<'_>)> = head
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), Node::str(*v)))
        .collect();
    if let Node::Map(fields) = crate::params::tree(record) {
        entries.extend(fields);
    }
    encode_checked(&Node::Map(entries), limits)
}

/// The form body of a request with its credentials first, and the same body with the key
/// written `REDACTED` (for `Debug` and dry runs): one encoding, the key's bytes replaced.
pub(crate) fn encode_with_credentials<T: VisitParams>(
    api_user: &str,
    api_key: &str,
    record: &T,
    limits: &FormLimits,
) -> Result<(String, String), EncodeError> {
    let body = encode_record_checked(
        &[("api_user", api_user), ("api_key", api_key)],
        record,
        limits,
    )?;
    let head = |key: &str| {
        let mut head = String::from("api_user=");
        percent_encode_into(&mut head, api_user);
        head.push_str("&api_key=");
        percent_encode_into(&mut head, key);
        head
    };
    let real = head(api_key);
    let mut redacted = head("REDACTED");
    // The body starts with exactly those bytes (the credentials are written first).
    redacted.push_str(body.get(real.len()..).unwrap_or_default());
    Ok((body, redacted))
}

/// Writes parameters into an [`Emitter`] as they come: what [`Emitter::emit`] does for the
/// tree [`crate::params::tree`] would build, without building it. The first refusal stops
/// the writing (`failed`); the caller then asks the tree path for its verdict and message.
struct FormSink<'e> {
    em: &'e mut Emitter,
    /// Bracket groups above the values written here.
    level: usize,
    failed: bool,
}

impl FormSink<'_> {
    /// Appends `k` to the key path, as a top-level name or a `[k]` group; `false` (and
    /// `failed`) when no form body can carry it.
    fn push_key(&mut self, k: &str) -> bool {
        let key = &mut self.em.key;
        let ok = if self.level == 0 {
            key.clear();
            check_top_key(k).is_ok() && {
                percent_encode_into(key, k);
                true
            }
        } else {
            key.push_str("%5B");
            if !k.is_empty() && all_unreserved(k.as_bytes()) {
                key.push_str(k);
            } else if check_nested_key(k).is_ok() {
                percent_encode_into(key, k);
            } else {
                self.failed = true;
                return false;
            }
            key.push_str("%5D");
            true
        };
        self.failed |= !ok;
        ok
    }

    /// Visits `record`'s fields `levels` bracket groups below this sink's values.
    fn nested<T: VisitParams>(&mut self, record: &T, levels: usize) {
        let level = self.level + levels;
        if level > self.em.max_nesting {
            self.failed = true;
            return;
        }
        let mut sink = FormSink {
            em: &mut *self.em,
            level,
            failed: false,
        };
        record.visit_params(&mut sink);
        self.failed |= sink.failed;
    }
}

impl<'a> ParamSink<'a> for FormSink<'_> {
    fn entry(&mut self, key: Cow<'a, str>, value: Node<'a>) {
        let base = self.em.key.len();
        if !self.failed && self.push_key(&key) {
            match value {
                // The usual parameter, a string: `Emitter::emit` of it, without the dispatch.
                Node::Str(text) if self.level <= self.em.max_nesting => {
                    self.em.pair(&text, self.level);
                }
                other => self.failed |= self.em.emit(&other, self.level).is_err(),
            }
        }
        self.em.key.truncate(base);
    }

    fn list<T: ToParam>(&mut self, key: Cow<'a, str>, items: &'a [T]) {
        // `key[]=a&key[]=b`, as `Emitter::emit` writes a list of scalars.
        let base = self.em.key.len();
        if !self.failed && self.push_key(&key) {
            if self.level + 1 > self.em.max_nesting {
                self.failed = true;
            } else {
                let undo = (self.em.out.len(), self.em.vars, self.em.depth);
                self.em.key.push_str("%5B%5D");
                for item in items {
                    match item.to_param() {
                        Node::Str(text) => self.em.pair(&text, self.level + 1),
                        Node::Bool(b) => self.em.pair(if b { "1" } else { "0" }, self.level + 1),
                        Node::Null => {}
                        _ => {
                            // Not a list of scalars: undo, and write it as its tree.
                            self.em.out.truncate(undo.0);
                            (self.em.vars, self.em.depth) = (undo.1, undo.2);
                            self.em.key.truncate(base);
                            let tree = Node::Seq(items.iter().map(ToParam::to_param).collect());
                            return self.entry(key, tree);
                        }
                    }
                }
            }
        }
        self.em.key.truncate(base);
    }

    fn record<T: VisitParams>(&mut self, key: &'static str, value: &'a T) {
        let base = self.em.key.len();
        // The record's map sits at this level; its fields one below.
        if !self.failed && self.push_key(key) {
            if self.level > self.em.max_nesting {
                self.failed = true;
            } else {
                self.nested(value, 1);
            }
        }
        self.em.key.truncate(base);
    }

    fn records<T: VisitParams>(&mut self, key: &'static str, items: &'a [T]) {
        let base = self.em.key.len();
        if !self.failed && self.push_key(key) {
            if self.level + 1 > self.em.max_nesting {
                self.failed = true;
            }
            // Indexed, counting only the items that write something (as `Emitter::emit`).
            let mut i = 0usize;
            for item in items {
                if self.failed {
                    break;
                }
                let item_base = self.em.key.len();
                self.em.key.push_str("%5B");
                push_usize(&mut self.em.key, i);
                self.em.key.push_str("%5D");
                let before = self.em.out.len();
                self.nested(item, 2);
                if self.em.out.len() != before {
                    i += 1;
                }
                self.em.key.truncate(item_base);
            }
        }
        self.em.key.truncate(base);
    }
}

fn check_top_key(k: &str) -> Result<(), EncodeError> {
    let bad = if k.is_empty() {
        Some("is empty")
    } else if k.contains(['.', ' ']) {
        Some("contains `.` or a space, which PHP turns into `_`")
    } else if k.contains('[') {
        Some(
            "contains `[`, which PHP reads as the start of a nested key (use a list or a map value)",
        )
    } else if k.contains('\0') {
        Some("contains NUL, where PHP cuts the name")
    } else {
        None
    };
    match bad {
        Some(why) => Err(shape(format!("form field name {k:?} {why}"))),
        None => Ok(()),
    }
}

fn check_nested_key(k: &str) -> Result<(), EncodeError> {
    let bad = if k.is_empty() {
        Some("is empty, which PHP reads as \"append\"")
    } else if k.len() == 1 && is_c_space(k.as_bytes()[0]) {
        Some("is a single whitespace character, which PHP reads as \"append\"")
    } else if k.contains(']') {
        Some("contains `]`, where PHP ends the key")
    } else if k.contains('\0') {
        Some("contains NUL, where PHP cuts the name")
    } else {
        None
    };
    match bad {
        Some(why) => Err(shape(format!("nested form key {k:?} {why}"))),
        None => Ok(()),
    }
}

struct Emitter {
    out: String,
    /// The percent-encoded key path of the node being written; children append to it and
    /// truncate it back.
    key: String,
    /// Variables written so far (PHP's `max_input_vars` count).
    vars: usize,
    /// The most bracket groups of a written key (PHP's `max_input_nesting_level`).
    depth: usize,
    /// Deeper than this the walk stops (the caller reports the limit), so that it never
    /// recurses deeper than PHP would read.
    max_nesting: usize,
}

impl Emitter {
    fn new(limits: &FormLimits) -> Emitter {
        Emitter {
            // Starting at 4 KB saves every body the small reallocations (and their copies) it
            // would otherwise grow through; the gate's filter request costs 1.7% less.
            out: String::with_capacity(4096),
            key: String::with_capacity(64),
            vars: 0,
            depth: 0,
            max_nesting: limits.max_nesting,
        }
    }

    fn emit(&mut self, node: &Node<'_>, level: usize) -> Result<(), EncodeError> {
        if level > self.max_nesting {
            return Err(limit(String::new()));
        }
        match node {
            Node::Null => {}
            Node::Bool(b) => self.pair(if *b { "1" } else { "0" }, level),
            Node::Str(s) => self.pair(s, level),
            Node::Seq(items) => {
                let base = self.key.len();
                if items
                    .iter()
                    .all(|n| matches!(n, Node::Null | Node::Bool(_) | Node::Str(_)))
                {
                    self.key.push_str("%5B%5D");
                    for item in items {
                        self.emit(item, level + 1)?;
                    }
                } else {
                    // Indexed, counting only the items that write something, so that the
                    // server sees a list without holes.
                    let mut i = 0usize;
                    for item in items {
                        self.key.push_str("%5B");
                        push_usize(&mut self.key, i);
                        self.key.push_str("%5D");
                        let before = self.out.len();
                        self.emit(item, level + 1)?;
                        if self.out.len() != before {
                            i += 1;
                        }
                        self.key.truncate(base);
                    }
                }
                self.key.truncate(base);
            }
            Node::Map(entries) => {
                let base = self.key.len();
                for (k, v) in entries {
                    self.key.push_str("%5B");
                    if !k.is_empty() && all_unreserved(k.as_bytes()) {
                        // The usual key (`rules`, `type`): nothing to check or escape.
                        self.key.push_str(k);
                    } else {
                        check_nested_key(k)?;
                        percent_encode_into(&mut self.key, k);
                    }
                    self.key.push_str("%5D");
                    self.emit(v, level + 1)?;
                    self.key.truncate(base);
                }
            }
        }
        Ok(())
    }

    fn pair(&mut self, value: &str, level: usize) {
        self.vars += 1;
        self.depth = self.depth.max(level);
        if !self.out.is_empty() {
            self.out.push('&');
        }
        self.out.push_str(&self.key);
        self.out.push('=');
        percent_encode_into(&mut self.out, value);
    }
}

fn push_usize(out: &mut String, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// [`is_unreserved`] for every byte value, for a lookup per byte.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_unreserved(b as u8);
        b += 1;
    }
    table
};

/// Whether every byte is unreserved (written as it is).
fn all_unreserved(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| UNRESERVED[usize::from(b)])
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `s` percent-encoded: unreserved bytes as they are, space as `+`, the rest `%XX`.
/// Runs of unreserved bytes are copied at once.
pub(crate) fn percent_encode_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    // Most names and values need no escape at all.
    let Some(first) = bytes.iter().position(|&b| !UNRESERVED[usize::from(b)]) else {
        out.push_str(s);
        return;
    };
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        if UNRESERVED[usize::from(b)] {
            continue;
        }
        // A non-empty run holds only ASCII bytes, so it starts and ends on character
        // boundaries (an empty one may sit inside a multi-byte character: skip it).
        if run_start < i {
            out.push_str(&s[run_start..i]);
        }
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(b & 0xF)]));
        }
        run_start = i + 1;
    }
    if run_start < bytes.len() {
        out.push_str(&s[run_start..]);
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Parses a form body as PHP fills `$_POST`, with PHP's default limits (variables past the
/// limits are dropped silently, as PHP does; use [`parse_with_limits`] to learn about them).
///
/// Fails with [`Error::Invalid`] naming the field when a name or value is not UTF-8 (see
/// [`parse_with_limits`]); any other byte string is a valid form body.
pub fn parse(body: &[u8]) -> Result<Node<'static>, Error> {
    parse_with_limits(body, &FormLimits::default()).map(|(node, _)| node)
}

/// Parses a form body as PHP fills `$_POST`, applying `limits` the way PHP does and counting
/// what was dropped, so that a caller (the simulator) can reject instead of dropping silently.
///
/// A name or value that is not UTF-8 once percent-decoded fails with [`Error::Invalid`] naming
/// the field (rule `utf8`). PHP would pass the bytes through; the typed layer holds text, so
/// we refuse rather than replace them. A `max_nesting` above 512 is treated as 512.
pub fn parse_with_limits(
    body: &[u8],
    limits: &FormLimits,
) -> Result<(Node<'static>, Dropped), Error> {
    read_urlencoded(body, limits, Utf8::Refuse)
}

/// [`parse_with_limits`], with the choice of what text that is not UTF-8 does.
fn read_urlencoded(
    body: &[u8],
    limits: &FormLimits,
    utf8: Utf8,
) -> Result<(Node<'static>, Dropped), Error> {
    let mut post = Post::new(limits, utf8);
    // One buffer for every name (register rewrites it in place).
    let mut name = Vec::new();
    let mut count = 0usize;
    let mut pos = 0usize;
    let end = body.len();
    while pos < end {
        let seg_end = memchr::memchr(b'&', &body[pos..]).map_or(end, |i| pos + i);
        if count > limits.max_input_vars {
            // PHP stopped reading; count what it ignored.
            if seg_end > pos {
                post.dropped.vars += 1;
            }
        } else {
            let seg = &body[pos..seg_end];
            let (raw_name, raw_value) = match memchr::memchr(b'=', seg) {
                Some(i) => (&seg[..i], &seg[i + 1..]),
                None => (seg, &b""[..]),
            };
            name.clear();
            url_decode_into(&mut name, raw_name);
            let mut value = Vec::with_capacity(raw_value.len());
            url_decode_into(&mut value, raw_value);
            post.add(&mut name, value)?;
            count += 1;
        }
        pos = seg_end + 1;
    }
    Ok(post.finish())
}

/// Fills `$_POST` from the variables of a `multipart/form-data` body, as PHP's `rfc1867`
/// handler does: each `(name, value)` is a part's name (from its `Content-Disposition`, not
/// percent-decoded) and its content, file parts left out by the caller. The names follow the
/// same rules as a urlencoded body's (`a[b][]` nests, `.` and space become `_`, the last
/// value wins), and so do the limits, with one difference PHP has: every part counts against
/// `max_input_vars` and exactly `max_input_vars` are kept (a urlencoded body keeps one more).
/// A name or value that is not UTF-8 fails with [`Error::Invalid`], as in
/// [`parse_with_limits`].
///
/// ```
/// use dlspbx_core::request::{FormLimits, form};
///
/// let parts: [(&[u8], &[u8]); 3] = [(b"a[b][]", b"1"), (b"a[b][]", b"2"), (b"c.d", b"x")];
/// let (node, dropped) = form::parse_parts(parts, &FormLimits::default()).unwrap();
/// assert!(dropped.is_empty());
/// assert_eq!(
///     String::from_utf8(dlspbx_core::request::body::encode_json(&node)).unwrap(),
///     r#"{"a":{"b":["1","2"]},"c_d":"x"}"#
/// );
/// ```
pub fn parse_parts<'p>(
    parts: impl IntoIterator<Item = (&'p [u8], &'p [u8])>,
    limits: &FormLimits,
) -> Result<(Node<'static>, Dropped), Error> {
    let mut post = Post::new(limits, Utf8::Refuse);
    let mut buffer = Vec::new();
    for (count, (name, value)) in parts.into_iter().enumerate() {
        if count >= limits.max_input_vars {
            post.dropped.vars += 1;
            continue;
        }
        buffer.clear();
        buffer.extend_from_slice(name);
        post.add(&mut buffer, value.to_vec())?;
    }
    Ok(post.finish())
}

/// `$_POST` being filled, what both kinds of form body share: each decoded variable goes
/// through PHP's `php_register_variable_ex` ([`register`]) with the nesting limit, and text
/// that is not UTF-8 is refused. The callers count variables against `max_input_vars`, each
/// the way PHP does for its kind of body.
struct Post {
    root: PhpArray,
    dropped: Dropped,
    max_nesting: usize,
    utf8: Utf8,
}

/// What [`Post`] does with a name or value that is not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Utf8 {
    /// Fail with [`Error::Invalid`] (what every public entry point does).
    Refuse,
    /// Replace the invalid bytes with U+FFFD (names before they are compared, so that two
    /// byte-different names never give one map the same key twice): what PHP's
    /// `json_encode(.., JSON_INVALID_UTF8_SUBSTITUTE)` shows, for the PHP cross-checks.
    #[cfg(test)]
    Replace,
}

impl Post {
    fn new(limits: &FormLimits, utf8: Utf8) -> Post {
        Post {
            root: PhpArray::default(),
            dropped: Dropped::default(),
            max_nesting: limits.max_nesting.min(HARD_MAX_NESTING),
            utf8,
        }
    }

    /// Registers one decoded variable.
    fn add(&mut self, name: &mut Vec<u8>, value: Vec<u8>) -> Result<(), Error> {
        // Each value is checked once, here; names are checked again as keys at the end
        // (`bytes_to_string`), after `register` has rewritten them with ASCII only.
        let value = match self.utf8 {
            Utf8::Refuse => {
                if std::str::from_utf8(name).is_err() {
                    return Err(not_utf8(&String::from_utf8_lossy(name), true));
                }
                String::from_utf8(value)
                    .map_err(|_| not_utf8(&String::from_utf8_lossy(name), false))?
            }
            #[cfg(test)]
            Utf8::Replace => {
                if std::str::from_utf8(name).is_err() {
                    *name = String::from_utf8_lossy(name).into_owned().into_bytes();
                }
                bytes_to_string(value)
            }
        };
        if register(&mut self.root, name, value, self.max_nesting) == Registered::NestingExceeded {
            self.dropped.nesting += 1;
        }
        Ok(())
    }

    fn finish(self) -> (Node<'static>, Dropped) {
        (self.root.into_node_map(), self.dropped)
    }
}

/// The error for a field of a request body whose value (or, with `in_name`, whose name) is
/// not UTF-8: [`Error::Invalid`] with rule `utf8`, for every kind of body.
pub(crate) fn not_utf8(field: &str, in_name: bool) -> Error {
    let what = if in_name {
        "has a name that is not UTF-8 text"
    } else {
        "is not UTF-8 text"
    };
    Error::Invalid(InvalidRequest::new(
        field,
        "",
        "utf8",
        format!("{what}; the API reads UTF-8 only"),
    ))
}

/// PHP's `php_url_decode`: `+` is a space, `%XX` with two hex digits is a byte, anything else
/// (including a broken escape) is kept.
fn url_decode_into(out: &mut Vec<u8>, s: &[u8]) {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        match b {
            b'+' => out.push(b' '),
            b'%' => match (
                hex_val(s.get(i + 1).copied()),
                hex_val(s.get(i + 2).copied()),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            _ => out.push(b),
        }
        i += 1;
    }
}

fn hex_val(b: Option<u8>) -> Option<u8> {
    match b? {
        c @ b'0'..=b'9' => Some(c - b'0'),
        c @ b'a'..=b'f' => Some(c - b'a' + 10),
        c @ b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// C's `isspace` in the C locale.
const fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Int(i64),
    Str(Vec<u8>),
}

impl Key {
    /// PHP's symbol-table key rule: a canonical decimal integer in `i64` range is an integer
    /// key (`"1"`, `"-5"`, `"0"`), anything else a string (`"01"`, `"-0"`, `"1.0"`, `" 1"`).
    fn from_bytes(b: &[u8]) -> Key {
        let digits = b.strip_prefix(b"-").unwrap_or(b);
        let canonical = !digits.is_empty()
            && digits.len() <= 19
            && digits.iter().all(u8::is_ascii_digit)
            && (digits[0] != b'0' || b == b"0");
        if canonical {
            let mut n: i128 = 0;
            for &d in digits {
                n = n * 10 + i128::from(d - b'0');
            }
            if b[0] == b'-' {
                n = -n;
            }
            if let Ok(v) = i64::try_from(n) {
                return Key::Int(v);
            }
        }
        Key::Str(b.to_vec())
    }
}

enum Val {
    Str(String),
    Arr(PhpArray),
}

/// The part of a PHP array the form parser needs: ordered, integer or string keys, PHP's
/// next-free-index rule for appends.
struct PhpArray {
    entries: Vec<Option<(Key, Val)>>,
    index: HashMap<Key, usize>,
    /// `nNextFreeElement`; `i64::MIN` means "none yet" (the next append uses 0).
    next_free: i64,
}

impl Default for PhpArray {
    fn default() -> Self {
        PhpArray {
            entries: Vec::new(),
            index: HashMap::new(),
            next_free: i64::MIN,
        }
    }
}

impl PhpArray {
    fn bump_next(&mut self, key: &Key) {
        if let Key::Int(h) = *key
            && h >= self.next_free
        {
            self.next_free = if h < i64::MAX { h + 1 } else { i64::MAX };
        }
    }

    /// Sets `key` to `val`, keeping the position of an existing entry.
    fn update(&mut self, key: Key, val: Val) -> usize {
        if let Some(&i) = self.index.get(&key) {
            if let Some(entry) = self.entries[i].as_mut() {
                entry.1 = val;
            }
            return i;
        }
        self.bump_next(&key);
        let i = self.entries.len();
        self.index.insert(key.clone(), i);
        self.entries.push(Some((key, val)));
        i
    }

    /// Appends at the next free integer index; `None` when PHP's append fails (the index
    /// would pass `i64::MAX`).
    fn append(&mut self, val: Val) -> Option<usize> {
        let h = if self.next_free == i64::MIN {
            0
        } else {
            self.next_free
        };
        let key = Key::Int(h);
        if self.index.contains_key(&key) {
            return None;
        }
        Some(self.update(key, val))
    }

    fn remove(&mut self, key: &Key) {
        if let Some(i) = self.index.remove(key) {
            self.entries[i] = None;
        }
    }

    /// The array under `key`, replacing a string there or creating it when missing.
    fn array_at(&mut self, key: Key) -> usize {
        if let Some(&i) = self.index.get(&key) {
            if let Some(entry) = self.entries[i].as_mut()
                && !matches!(entry.1, Val::Arr(_))
            {
                entry.1 = Val::Arr(PhpArray::default());
            }
            return i;
        }
        self.update(key, Val::Arr(PhpArray::default()))
    }

    fn child_array(&mut self, i: usize) -> Option<&mut PhpArray> {
        match self.entries.get_mut(i)? {
            Some((_, Val::Arr(a))) => Some(a),
            _ => None,
        }
    }

    fn is_list(&self) -> bool {
        self.entries
            .iter()
            .flatten()
            .zip(0i64..)
            .all(|((k, _), expected)| *k == Key::Int(expected))
    }

    fn into_node(self) -> Node<'static> {
        if self.is_list() {
            Node::Seq(
                self.entries
                    .into_iter()
                    .flatten()
                    .map(|(_, v)| v.into_node())
                    .collect(),
            )
        } else {
            self.into_node_map()
        }
    }

    fn into_node_map(self) -> Node<'static> {
        Node::Map(
            self.entries
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    let k = match k {
                        Key::Int(i) => i.to_string(),
                        Key::Str(s) => bytes_to_string(s),
                    };
                    (Cow::Owned(k), v.into_node())
                })
                .collect(),
        )
    }
}

impl Val {
    fn into_node(self) -> Node<'static> {
        match self {
            Val::Str(s) => Node::Str(Cow::Owned(s)),
            Val::Arr(a) => a.into_node(),
        }
    }
}

fn bytes_to_string(b: Vec<u8>) -> String {
    match String::from_utf8(b) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Registered {
    Done,
    NestingExceeded,
}

/// PHP's `php_register_variable_ex` for one decoded `name=value` pair.
fn register(
    root: &mut PhpArray,
    name: &mut Vec<u8>,
    value: String,
    max_nesting: usize,
) -> Registered {
    // The name is a C string: it ends at the first NUL.
    if let Some(nul) = memchr::memchr(0, name) {
        name.truncate(nul);
    }
    // Leading spaces are ignored.
    let start = name.iter().position(|&b| b != b' ').unwrap_or(name.len());
    let var = &mut name[start..];
    let len = var.len();

    // `.` and space become `_` up to the first `[`.
    let mut bracket = None;
    for (i, b) in var.iter_mut().enumerate() {
        match *b {
            b' ' | b'.' => *b = b'_',
            b'[' => {
                bracket = Some(i);
                break;
            }
            _ => {}
        }
    }
    let var_len = bracket.unwrap_or(len);
    if var_len == 0 {
        return Registered::Done;
    }
    let Some(first_bracket) = bracket else {
        root.update(Key::from_bytes(var), Val::Str(value));
        return Registered::Done;
    };

    // Collect the bracket keys (None = append), as PHP walks them.
    let mut indexes: Vec<Option<(usize, usize)>> = Vec::new();
    let mut ip = first_bracket;
    let mut nest = 0usize;
    loop {
        nest += 1;
        if nest > max_nesting {
            root.remove(&Key::from_bytes(&var[..var_len]));
            return Registered::NestingExceeded;
        }
        ip += 1;
        let index_s = ip;
        if ip < len && is_c_space(var[ip]) {
            ip += 1;
        }
        if ip < len && var[ip] == b']' {
            indexes.push(None);
        } else {
            match memchr::memchr(b']', &var[ip.min(len)..]) {
                Some(off) => {
                    ip += off;
                    indexes.push(Some((index_s, ip)));
                }
                None => {
                    if indexes.is_empty() {
                        // Not an index: the `[` and any `.`, space or `[` after it become `_`
                        // and the whole name is a plain variable.
                        var[index_s - 1] = b'_';
                        for b in &mut var[index_s..] {
                            if matches!(*b, b' ' | b'.' | b'[') {
                                *b = b'_';
                            }
                        }
                        root.update(Key::from_bytes(var), Val::Str(value));
                        return Registered::Done;
                    }
                    // Deeper, the unterminated group is ignored.
                    break;
                }
            }
        }
        ip += 1;
        if !(ip < len && var[ip] == b'[') {
            break;
        }
    }

    // Walk down, creating arrays as PHP does, then store the value under the last key.
    let mut cur = root;
    let mut key = Some(Key::from_bytes(&var[..var_len]));
    for idx in indexes {
        let slot = match key {
            None => match cur.append(Val::Arr(PhpArray::default())) {
                Some(i) => i,
                None => return Registered::Done,
            },
            Some(k) => cur.array_at(k),
        };
        cur = match cur.child_array(slot) {
            Some(a) => a,
            None => return Registered::Done,
        };
        key = idx.map(|(s, e)| Key::from_bytes(&var[s..e]));
    }
    match key {
        None => {
            let _ = cur.append(Val::Str(value));
        }
        Some(k) => {
            cur.update(k, Val::Str(value));
        }
    }
    Registered::Done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::body::parse_json;
    use crate::wire::arb::{m as map, s};
    use proptest::prelude::*;
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};

    fn seq(items: Vec<Node<'static>>) -> Node<'static> {
        Node::Seq(items)
    }
    fn enc(n: &Node<'_>) -> String {
        encode(n, &FormLimits::default()).expect("encodes")
    }
    fn p(body: &str) -> Node<'static> {
        parse(body.as_bytes()).expect("parses")
    }
    /// PHP's `$_POST` with invalid UTF-8 replaced (as PHP's JSON_INVALID_UTF8_SUBSTITUTE shows
    /// it), for the cross-checks: the refusal is a layer on top of PHP's parsing.
    fn parse_lossy(body: &str, limits: &FormLimits) -> (Node<'static>, Dropped) {
        read_urlencoded(body.as_bytes(), limits, Utf8::Replace).expect("parses")
    }
    /// Our parse as JSON text for compact comparisons (strings only; order kept).
    fn js(n: &Node<'_>) -> String {
        String::from_utf8(crate::request::body::encode_json(n)).expect("utf8")
    }

    fn report_params() -> Node<'static> {
        map(vec![
            ("report_type", s("detail_table")),
            ("columns", seq(vec![s("a"), s("b")])),
            (
                "filter_groups",
                seq(vec![map(vec![
                    ("exclusivity", s("include")),
                    ("logical_operator", s("and")),
                    (
                        "rules",
                        seq(vec![
                            map(vec![
                                ("type", s("duration")),
                                ("operator", s("between")),
                                ("lower_value", s("30")),
                                ("upper_value", s("60")),
                            ]),
                            map(vec![("type", s("bridged"))]),
                        ]),
                    ),
                ])]),
            ),
            ("options", seq(vec![s("per_page=50")])),
        ])
    }

    #[test]
    fn report_example_exact() {
        let got = enc(&report_params());
        let want = "report_type=detail_table\
            &columns%5B%5D=a&columns%5B%5D=b\
            &filter_groups%5B0%5D%5Bexclusivity%5D=include\
            &filter_groups%5B0%5D%5Blogical_operator%5D=and\
            &filter_groups%5B0%5D%5Brules%5D%5B0%5D%5Btype%5D=duration\
            &filter_groups%5B0%5D%5Brules%5D%5B0%5D%5Boperator%5D=between\
            &filter_groups%5B0%5D%5Brules%5D%5B0%5D%5Blower_value%5D=30\
            &filter_groups%5B0%5D%5Brules%5D%5B0%5D%5Bupper_value%5D=60\
            &filter_groups%5B0%5D%5Brules%5D%5B1%5D%5Btype%5D=bridged\
            &options%5B%5D=per_page%3D50";
        assert_eq!(got, want);
        assert_eq!(count_vars(&report_params()), 11);
        assert_eq!(depth(&report_params()), 4);
        assert_eq!(p(&got), report_params());
    }

    #[test]
    fn send_sms_example_exact() {
        let params = map(vec![
            ("api_user", s("100@default")),
            ("api_key", s("XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX")),
            ("dst", s("100,2223334444")),
            ("account_code", s("505")),
            ("body", s("This is a successful message.")),
        ]);
        let got = enc(&params);
        assert_eq!(
            got,
            "api_user=100%40default&api_key=XXXXXXXXX-XXXXXXXXXXXXXX-XXXXXXXXX&dst=100%2C2223334444\
             &account_code=505&body=This+is+a+successful+message."
        );
        assert_eq!(p(&got), params);
        // and the array style
        let arr = map(vec![("dst", seq(vec![s("100"), s("+12223334444")]))]);
        assert_eq!(enc(&arr), "dst%5B%5D=100&dst%5B%5D=%2B12223334444");
    }

    #[test]
    fn scalars_nulls_bools_and_empties() {
        let params = map(vec![
            ("a", Node::Bool(true)),
            ("b", Node::Bool(false)),
            ("n", Node::Null),
            ("e", seq(vec![])),
            ("m", map(vec![])),
            ("l", seq(vec![Node::Null, s("x"), Node::Bool(true)])),
            ("u", s("é ü/&=+%[]")),
        ]);
        let got = enc(&params);
        assert_eq!(
            got,
            "a=1&b=0&l%5B%5D=x&l%5B%5D=1&u=%C3%A9+%C3%BC%2F%26%3D%2B%25%5B%5D"
        );
        assert_eq!(enc(&Node::Null), "");
        assert_eq!(enc(&map(vec![])), "");
        assert!(encode(&s("x"), &FormLimits::default()).is_err());
        assert!(encode(&seq(vec![s("x")]), &FormLimits::default()).is_err());
    }

    #[test]
    fn lists_of_lists_and_holes_are_indexed_without_holes() {
        let params = map(vec![(
            "k",
            seq(vec![
                seq(vec![s("a"), s("b")]),
                map(vec![("z", Node::Null)]),
                seq(vec![]),
                seq(vec![s("c")]),
                s("d"),
            ]),
        )]);
        let got = enc(&params);
        assert_eq!(
            got,
            "k%5B0%5D%5B%5D=a&k%5B0%5D%5B%5D=b&k%5B1%5D%5B%5D=c&k%5B2%5D=d"
        );
        assert_eq!(
            p(&got),
            map(vec![(
                "k",
                seq(vec![seq(vec![s("a"), s("b")]), seq(vec![s("c")]), s("d")])
            )])
        );
    }

    #[test]
    fn keys_php_would_change_are_refused() {
        for bad in ["", "a.b", "a b", "a[b]", "a\0b", " a"] {
            let e = encode(&map(vec![(bad, s("1"))]), &FormLimits::default()).unwrap_err();
            assert!(matches!(e, Error::Encode(_)), "{bad:?}");
        }
        for bad in ["", " ", "\t", "a]b", "a\0"] {
            let e = encode(
                &map(vec![("k", map(vec![(bad, s("1"))]))]),
                &FormLimits::default(),
            )
            .unwrap_err();
            assert!(e.to_string().contains("nested form key"), "{bad:?}: {e}");
        }
        // allowed: a leading space inside brackets, `[` inside brackets, `]` at the top level
        let ok = map(vec![
            ("a]b", s("1")),
            (
                "k",
                map(vec![(" x", s("2")), ("y[", s("3")), ("custom:f", s("4"))]),
            ),
        ]);
        assert_eq!(p(&enc(&ok)), ok);
    }

    fn big_filter(groups: usize, rules: usize) -> Node<'static> {
        let rule = |i: usize| {
            map(vec![
                ("type", s("duration")),
                ("operator", s("between")),
                ("value", s("1")),
                ("lower_value", Node::Str(Cow::Owned(i.to_string()))),
                ("upper_value", s("600")),
            ])
        };
        let group = || {
            map(vec![
                ("exclusivity", s("include")),
                ("logical_operator", s("and")),
                ("rules", seq((0..rules).map(rule).collect())),
            ])
        };
        map(vec![
            ("report_type", s("detail_table")),
            ("filter_groups", seq((0..groups).map(|_| group()).collect())),
        ])
    }

    #[test]
    fn oversized_report_filter_is_refused() {
        let params = big_filter(100, 10);
        assert_eq!(count_vars(&params), 1 + 100 * (2 + 10 * 5));
        let err = encode(&params, &FormLimits::default()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("5201") && msg.contains("max_input_vars is 1000"),
            "{msg}"
        );
        // with a raised limit it encodes, and PHP-style parsing with that limit reads it all
        let limits = FormLimits {
            max_input_vars: 10_000,
            ..FormLimits::default()
        };
        let body = encode(&params, &limits).expect("fits");
        let (back, dropped) = parse_with_limits(body.as_bytes(), &limits).expect("parses");
        assert!(dropped.is_empty());
        assert_eq!(back, params);
        // with PHP's defaults the server would lose variables, and says how many
        let (_, dropped) =
            parse_with_limits(body.as_bytes(), &FormLimits::default()).expect("parses");
        assert_eq!(
            dropped,
            Dropped {
                vars: 5201 - 1001,
                nesting: 0
            }
        );
        // the fallback
        let sent = crate::request::encode_body(
            &params,
            crate::Encoding::Form,
            &FormLimits::default(),
            Oversize::FallbackToJson,
        )
        .expect("falls back");
        assert_eq!(sent.encoding, crate::Encoding::Json);
        assert!(
            crate::request::encode_body(
                &params,
                crate::Encoding::Form,
                &FormLimits::default(),
                Oversize::Fail
            )
            .is_err()
        );
    }

    #[test]
    fn nesting_limit_is_refused_by_encode() {
        let mut n = s("x");
        for _ in 0..65 {
            n = map(vec![("k", n)]);
        }
        let params = n;
        assert_eq!(depth(&params), 64);
        assert!(encode(&params, &FormLimits::default()).is_ok());
        let deeper = map(vec![("k", params)]);
        assert_eq!(depth(&deeper), 65);
        let msg = encode(&deeper, &FormLimits::default())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("65 levels") && msg.contains("max_input_nesting_level is 64"),
            "{msg}"
        );
        // A hostile depth is measured without recursion and refused before writing it.
        let mut n = s("x");
        for _ in 0..200_000 {
            n = map(vec![("k", n)]);
        }
        let msg = encode(&n, &FormLimits::default()).unwrap_err().to_string();
        assert!(msg.contains("199999 levels"), "{msg}");
        // Over a limit and with a key no form can carry: the limit is what is reported (the
        // caller may then send JSON, which carries any key).
        let many = Node::Seq((0..1001).map(|i| s(&i.to_string())).collect());
        let both = map(vec![("a.b", s("1")), ("many", many)]);
        assert!(matches!(
            encode_checked(&both, &FormLimits::default()),
            Err(e) if e.kind() == EncodeKind::Limit
        ));
        std::mem::forget(n);
    }

    #[test]
    fn parse_matches_php_behaviour() {
        // (body, json of what PHP 8.2 puts in $_POST), measured with php -r parse_str
        let cases: &[(&str, &str)] = &[
            (
                "filter_groups[0][rules][0][type]=duration&columns[]=a&columns[]=b",
                r#"{"filter_groups":[{"rules":[{"type":"duration"}]}],"columns":["a","b"]}"#,
            ),
            ("a.b=1&a b=2", r#"{"a_b":"2"}"#),
            (" a=1", r#"{"a":"1"}"#),
            ("a[b.c]=1", r#"{"a":{"b.c":"1"}}"#),
            ("a[b=1", r#"{"a_b":"1"}"#),
            ("a[b.c=1", r#"{"a_b_c":"1"}"#),
            ("a[x][b=1", r#"{"a":{"x":"1"}}"#),
            ("a[x]junk=1", r#"{"a":{"x":"1"}}"#),
            ("a[ ]=1&a[ ]=2", r#"{"a":["1","2"]}"#),
            ("a[ x]=1", r#"{"a":{" x":"1"}}"#),
            ("a[=1", r#"{"a_":"1"}"#),
            ("[a]=1", r#"{}"#),
            ("=1", r#"{}"#),
            ("a", r#"{"a":""}"#),
            ("a&&b=2", r#"{"a":"","b":"2"}"#),
            ("a=%zz&b=%4", r#"{"a":"%zz","b":"%4"}"#),
            ("a=%41+b", r#"{"a":"A b"}"#),
            ("k[01]=x&k[1]=y", r#"{"k":{"01":"x","1":"y"}}"#),
            ("k[-5]=a&k[]=b", r#"{"k":{"-5":"a","-4":"b"}}"#),
            ("k[-0]=a", r#"{"k":{"-0":"a"}}"#),
            ("k[2]=a&k[]=b", r#"{"k":{"2":"a","3":"b"}}"#),
            ("a=1&a[]=2", r#"{"a":["2"]}"#),
            ("a[]=1&a=2", r#"{"a":"2"}"#),
            ("a[x]=1&a[x][y]=2", r#"{"a":{"x":{"y":"2"}}}"#),
            ("a]b=1", r#"{"a]b":"1"}"#),
            ("a[b]]=1", r#"{"a":{"b":"1"}}"#),
            ("a[b[c]=1", r#"{"a":{"b[c":"1"}}"#),
            ("a%5Bb%5D=1", r#"{"a":{"b":"1"}}"#),
            ("a%5b%5d=1&a%5B%5D=2", r#"{"a":["1","2"]}"#),
            (
                "k[9223372036854775807]=a&k[]=b",
                r#"{"k":{"9223372036854775807":"a"}}"#,
            ),
            (
                "k[9223372036854775806]=a&k[]=b&k[]=c",
                r#"{"k":{"9223372036854775806":"a","9223372036854775807":"b"}}"#,
            ),
            (
                "k[-9223372036854775808]=a&k[]=b",
                r#"{"k":{"-9223372036854775808":"a","-9223372036854775807":"b"}}"#,
            ),
            (
                "k[9223372036854775808]=a&k[]=b",
                r#"{"k":{"9223372036854775808":"a","0":"b"}}"#,
            ),
            ("a[]=x&a[3]=y&a[]=z", r#"{"a":{"0":"x","3":"y","4":"z"}}"#),
            ("a[1]=y&a[0]=x", r#"{"a":{"1":"y","0":"x"}}"#),
            ("a[0]=x&a[1]=y", r#"{"a":["x","y"]}"#),
            ("b=1&a=2&b=3", r#"{"b":"3","a":"2"}"#),
            ("a=1&a[x]=2&b=3&a=4", r#"{"a":"4","b":"3"}"#),
            (
                "k[1.0]=a&k[+1]=b&k[ 1]=c&k[00]=d",
                r#"{"k":{"1.0":"a"," 1":"c","00":"d"}}"#,
            ),
            (" .a=1", r#"{"_a":"1"}"#),
            ("a. b[x.y]=1", r#"{"a__b":{"x.y":"1"}}"#),
            (".=1", r#"{"_":"1"}"#),
            ("%20=1", r#"{}"#),
            ("a[]b=1", r#"{"a":["1"]}"#),
            ("a%00b=1", r#"{"a":"1"}"#),
            ("a[x%00y]=1", r#"{"a_x":"1"}"#),
            (
                "a[%09]=1&a[%0A]=2&a[%0B]=3&a[%0C]=4&a[%0D]=5",
                r#"{"a":["1","2","3","4","5"]}"#,
            ),
            ("a[%20%20]=1", r#"{"a":{"  ":"1"}}"#),
            ("a[%00", r#"{"a_":""}"#),
            ("%09a=1", r#"{"\ta":"1"}"#),
            ("x=a%2Bb%26c%3Dd", r#"{"x":"a+b&c=d"}"#),
            ("5=a&0=b", r#"{"5":"a","0":"b"}"#),
            ("0=a&1=b", r#"{"0":"a","1":"b"}"#),
            ("a[][x]=1&a[][x]=2", r#"{"a":[{"x":"1"},{"x":"2"}]}"#),
            ("a[][b=1", r#"{"a":["1"]}"#),
            ("", r#"{}"#),
            ("&&&", r#"{}"#),
        ];
        for (body, want) in cases {
            let got = p(body);
            let want = parse_json(want.as_bytes()).expect("valid expected JSON");
            assert_eq!(got, want, "body {body:?}: got {}", js(&got));
        }
    }

    #[test]
    fn limits_follow_php_post() {
        // Measured with `php -d max_input_vars=3 -S`: the segment that passes the limit is
        // still read; empty segments count.
        let lim = FormLimits {
            max_input_vars: 3,
            max_nesting: 64,
        };
        let run = |b: &str| {
            let (n, d) = parse_with_limits(b.as_bytes(), &lim).unwrap();
            (js(&n), d.vars)
        };
        assert_eq!(
            run("a=1&b=2&c=3&d=4&e=5"),
            (r#"{"a":"1","b":"2","c":"3","d":"4"}"#.into(), 1)
        );
        assert_eq!(
            run("a=1&&&b=2&c=3&d=4&e=5"),
            (r#"{"a":"1","b":"2"}"#.into(), 3)
        );
        assert_eq!(
            run("&a=1&=2&c=3&d=4&e=5"),
            (r#"{"a":"1","c":"3"}"#.into(), 2)
        );
        assert_eq!(
            run("a=1&b=2&c=3&d"),
            (r#"{"a":"1","b":"2","c":"3","d":""}"#.into(), 0)
        );
        assert_eq!(
            run("a=1&b=2&c=3&"),
            (r#"{"a":"1","b":"2","c":"3"}"#.into(), 0)
        );

        // Nesting: the whole top-level variable goes, later ones recreate it.
        let lim = FormLimits {
            max_input_vars: 1000,
            max_nesting: 3,
        };
        let run = |b: &str| {
            let (n, d) = parse_with_limits(b.as_bytes(), &lim).unwrap();
            (js(&n), d.nesting)
        };
        assert_eq!(
            run("a[1][2][3][4]=x&a[q]=1&b=2"),
            (r#"{"a":{"q":"1"},"b":"2"}"#.into(), 1)
        );
        assert_eq!(
            run("a[q]=1&a[1][2][3][4]=x&b=2&a[r]=5"),
            (r#"{"b":"2","a":{"r":"5"}}"#.into(), 1)
        );
        assert_eq!(
            run("a[1][2][3]=x"),
            (r#"{"a":{"1":{"2":{"3":"x"}}}}"#.into(), 0)
        );
        assert_eq!(run("a[1][2][3][4"), (r#"{}"#.into(), 1));
    }

    #[test]
    fn invalid_utf8_is_refused_naming_the_field() {
        let e = parse(b"api_user=1&first_name=Ann%FF&x=1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid `first_name`: is not UTF-8 text; the API reads UTF-8 only"
        );
        let Error::Invalid(e) = e else { panic!() };
        assert_eq!((e.field.as_str(), e.rule), ("first_name", "utf8"));
        let e = parse(b"a%C3=1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid `a\u{FFFD}`: has a name that is not UTF-8 text; the API reads UTF-8 only"
        );
        // Raw bytes too, not only escapes; and multipart parts.
        assert!(parse(b"k[x]=\xe9").is_err());
        let parts: [(&[u8], &[u8]); 1] = [(b"body", b"caf\xe9")];
        let e = parse_parts(parts, &FormLimits::default()).unwrap_err();
        assert!(
            e.to_string().starts_with("invalid `body`: is not UTF-8"),
            "{e}"
        );
        // Variables PHP drops over the limit are not read, so not refused.
        let lim = FormLimits {
            max_input_vars: 1,
            max_nesting: 64,
        };
        let (_, d) = parse_with_limits(b"a=1&b=2&c=%FF", &lim).unwrap();
        assert_eq!(d.vars, 1);
    }

    #[test]
    fn multipart_parts_fill_post_like_a_form() {
        let lim = FormLimits {
            max_input_vars: 3,
            max_nesting: 2,
        };
        let parts: Vec<(&[u8], &[u8])> = vec![
            (b"a[b][c]", b"1"),
            (b"a[x]", b"2"),
            (b"k[]", b"1"),
            (b"z", b"dropped"),
        ];
        let (n, d) = parse_parts(parts, &lim).unwrap();
        assert_eq!(js(&n), r#"{"a":{"b":{"c":"1"},"x":"2"},"k":["1"]}"#);
        assert_eq!((d.vars, d.nesting), (1, 0));
        let parts: Vec<(&[u8], &[u8])> = vec![(b"a[b][c][d]", b"1"), (b"a.b", b"%41+")];
        let (n, d) = parse_parts(parts, &lim).unwrap();
        // Not percent-decoded: the bytes are the part's content.
        assert_eq!(js(&n), r#"{"a_b":"%41+"}"#);
        assert_eq!(d.nesting, 1);
    }

    #[test]
    fn hostile_nesting_is_bounded() {
        let body = "a".to_owned() + &"[x]".repeat(200_000) + "=1";
        let lim = FormLimits {
            max_input_vars: usize::MAX,
            max_nesting: usize::MAX,
        };
        let (n, d) = parse_with_limits(body.as_bytes(), &lim).unwrap();
        assert_eq!(d.nesting, 1);
        assert_eq!(n, map(vec![]));
        let ok = "a".to_owned() + &"[x]".repeat(512) + "=1";
        let (_, d) = parse_with_limits(ok.as_bytes(), &lim).unwrap();
        assert!(d.is_empty());
    }

    // ---- PHP cross-checks ------------------------------------------------------------------

    fn php_available() -> bool {
        let ok = Command::new("php")
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("SKIPPED: php not installed (apt-get install php-cli)");
        }
        ok
    }

    /// Runs PHP's parse_str on every body, returns json_encode of each result.
    fn php_parse_str_all(bodies: &[String]) -> Vec<Node<'static>> {
        let script = r#"$in = json_decode(file_get_contents("php://stdin"), true);
            $out = [];
            foreach ($in as $b) { parse_str($b, $o); $out[] = $o; }
            echo json_encode($out, JSON_INVALID_UTF8_SUBSTITUTE);"#;
        let mut child = Command::new("php")
            .args([
                "-n",
                "-d",
                "display_errors=stderr",
                "-d",
                "error_reporting=0",
                "-r",
                script,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("php runs");
        let input = serde_json::to_vec(bodies).unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let mut out = Vec::new();
        child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
        assert!(child.wait().unwrap().success());
        match parse_json(&out).expect("php output is JSON") {
            Node::Seq(items) => items,
            other => panic!("unexpected php output {other:?}"),
        }
    }

    /// PHP's json_encode writes a top-level list as `[...]`; our top level is always a map.
    fn top_as_map(n: Node<'static>) -> Node<'static> {
        match n {
            Node::Seq(items) => Node::Map(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (Cow::Owned(i.to_string()), v))
                    .collect(),
            ),
            other => other,
        }
    }

    /// A small deterministic generator (xorshift) for bodies full of PHP's special characters.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[(self.next() % xs.len() as u64) as usize]
        }
        fn body(&mut self) -> String {
            const NAME: &[&str] = &[
                "a",
                "b",
                "k",
                "0",
                "1",
                "01",
                "-1",
                "-0",
                "9223372036854775807",
                " ",
                ".",
                "+",
                "[",
                "]",
                "[]",
                "[0]",
                "[1]",
                "[x]",
                "[ ]",
                "[ x]",
                "[-5]",
                "[01]",
                "%5B",
                "%5D",
                "%5b%5d",
                "%00",
                "%20",
                "%09",
                "%",
                "%4",
                "%zz",
                "é",
                "[a.b]",
                "[a b]",
                "]",
                "[[",
                "]]",
            ];
            const VAL: &[&str] = &[
                "", "1", "x", "+", "%20", "%", "%2", "%41", "=", "é", "a+b", "%00", "[", "]",
            ];
            let segs = 1 + self.next() % 6;
            let mut out = String::new();
            for i in 0..segs {
                if i > 0 {
                    out.push('&');
                }
                for _ in 0..(1 + self.next() % 5) {
                    out.push_str(self.pick(NAME));
                }
                if !self.next().is_multiple_of(8) {
                    out.push('=');
                    for _ in 0..(self.next() % 3) {
                        out.push_str(self.pick(VAL));
                    }
                }
            }
            out
        }
    }

    #[test]
    fn php_cross_check_parse_str() {
        if !php_available() {
            return;
        }
        let mut bodies: Vec<String> = vec![
            enc(&report_params()),
            enc(&big_filter(3, 2)),
            enc(&map(vec![
                ("u", s("é ü/&=+%[]\0\t\n")),
                ("k", map(vec![(" x", s("1")), ("y[", s("2"))])),
            ])),
            "filter_groups[0][rules][0][type]=duration&columns[]=a&columns[]=b".into(),
            "a.b=1&a b=2& c=3&d[e.f]=4&g[h=5&i[j][k=6&l[]m=7".into(),
            "k[01]=x&k[1]=y&k[-5]=z&k[]=w&k[9223372036854775807]=v&k[]=u".into(),
        ];
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            bodies.push(g.body());
        }
        let php = php_parse_str_all(&bodies);
        assert_eq!(php.len(), bodies.len());
        let mut failures = Vec::new();
        for (body, want) in bodies.iter().zip(php) {
            let (got, _) = parse_lossy(body, &FormLimits::default());
            if got != top_as_map(want.clone()) {
                failures.push(format!(
                    "{body:?}\n  php: {}\n  us:  {}",
                    js(&want),
                    js(&got)
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} mismatches with PHP:\n{}",
            failures.len(),
            failures[..failures.len().min(10)].join("\n")
        );
    }

    struct Server(std::process::Child, std::path::PathBuf);

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
            let _ = std::fs::remove_dir_all(&self.1);
        }
    }

    /// `$_POST` through PHP's built-in server, to check the limits as PHP applies them to a body.
    #[test]
    fn php_cross_check_post_limits() {
        if !php_available() {
            return;
        }
        let dir = std::env::temp_dir().join(format!("dlspbx-form-post-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("index.php"),
            "<?php echo json_encode($_POST, JSON_INVALID_UTF8_SUBSTITUTE);",
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = Command::new("php")
            .args([
                "-n",
                "-d",
                "max_input_vars=5",
                "-d",
                "max_input_nesting_level=3",
                "-d",
                "display_errors=0",
                "-S",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-t")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("php -S starts");
        // Stopped (and the folder removed) even when an assertion below panics.
        let _server = Server(server, dir.clone());
        let post = |body: &str| -> Option<String> {
            let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
            let req = format!(
                "POST / HTTP/1.0\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            conn.write_all(req.as_bytes()).ok()?;
            let mut resp = String::new();
            conn.read_to_string(&mut resp).ok()?;
            resp.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())
        };
        let mut ready = false;
        for _ in 0..100 {
            if post("a=1").is_some() {
                ready = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let lim = FormLimits {
            max_input_vars: 5,
            max_nesting: 3,
        };
        let mut failures = Vec::new();
        if ready {
            let mut bodies: Vec<String> = vec![
                "a=1&b=2&c=3&d=4&e=5&f=6&g=7".into(),
                "a=1&&&b=2&c=3&d=4&e=5&f=6&g=7".into(),
                "&a=1&=2&c=3&d=4&e=5&f=6&g=7&".into(),
                "a[1][2][3][4]=x&a[q]=1&b=2".into(),
                "a[q]=1&a[1][2][3][4]=x&b=2&a[r]=5".into(),
                "a[1][2][3]=x&a[1][2][3][4".into(),
                "a=1&b[]=1&b[]=2&b[]=3&b[]=4&b[]=5&b[]=6".into(),
            ];
            let mut g = Gen(42);
            for _ in 0..150 {
                bodies.push(g.body() + "&" + &g.body());
            }
            for body in &bodies {
                let Some(php_out) = post(body) else {
                    failures.push(format!("{body:?}: no answer from php -S"));
                    continue;
                };
                let want = top_as_map(
                    parse_json(php_out.as_bytes())
                        .unwrap_or_else(|e| panic!("{body:?} -> {php_out:?}: {e}")),
                );
                let (got, _) = parse_lossy(body, &lim);
                if got != want {
                    failures.push(format!("{body:?}\n  php: {php_out}\n  us:  {}", js(&got)));
                }
            }
        }
        assert!(ready, "php -S did not start");
        assert!(
            failures.is_empty(),
            "{} mismatches with PHP:\n{}",
            failures.len(),
            failures[..failures.len().min(10)].join("\n")
        );
    }

    // ---- properties ------------------------------------------------------------------------

    fn ident() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9_]{0,6}"
    }

    pub(crate) fn arb_node(text: BoxedStrategy<String>) -> impl Strategy<Value = Node<'static>> {
        let leaf = prop_oneof![
            1 => Just(Node::Null),
            1 => any::<bool>().prop_map(Node::Bool),
            6 => text.prop_map(|t| Node::Str(Cow::Owned(t))),
        ];
        leaf.prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Node::Seq),
                prop::collection::vec((ident(), inner), 0..5).prop_map(|v| Node::Map(dedupe(v))),
            ]
        })
    }

    pub(crate) fn dedupe(
        v: Vec<(String, Node<'static>)>,
    ) -> Vec<(Cow<'static, str>, Node<'static>)> {
        let mut out: Vec<(Cow<'static, str>, Node<'static>)> = Vec::new();
        for (k, n) in v {
            if !out.iter().any(|(e, _)| *e == k) {
                out.push((Cow::Owned(k), n));
            }
        }
        out
    }

    pub(crate) fn arb_params(text: BoxedStrategy<String>) -> impl Strategy<Value = Node<'static>> {
        prop::collection::vec((ident(), arb_node(text)), 0..6).prop_map(|v| Node::Map(dedupe(v)))
    }

    /// What a form body keeps of a tree: no nulls, no empty containers, booleans as 1/0.
    fn form_norm(n: &Node<'_>) -> Option<Node<'static>> {
        match n {
            Node::Null => None,
            Node::Bool(b) => Some(s(if *b { "1" } else { "0" })),
            Node::Str(v) => Some(s(v)),
            Node::Seq(items) => {
                let v: Vec<_> = items.iter().filter_map(form_norm).collect();
                (!v.is_empty()).then_some(Node::Seq(v))
            }
            Node::Map(entries) => {
                let v: Vec<_> = entries
                    .iter()
                    .filter_map(|(k, v)| form_norm(v).map(|v| (Cow::Owned(k.to_string()), v)))
                    .collect();
                (!v.is_empty()).then_some(Node::Map(v))
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn encode_parse_round_trip(params in arb_params(any::<String>().boxed())) {
            let body = enc(&params);
            let back = p(&body);
            let want = form_norm(&params).unwrap_or(Node::Map(vec![]));
            prop_assert_eq!(back, want);
            prop_assert!(body.bytes().all(|b| is_unreserved(b) || matches!(b, b'%' | b'+' | b'=' | b'&')));
            prop_assert_eq!(body.split('&').filter(|s| !s.is_empty()).count(), count_vars(&params));
        }

        #[test]
        fn parse_never_panics(body in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_with_limits(&body, &FormLimits { max_input_vars: 5, max_nesting: 3 });
            let _ = parse(&body);
        }

        #[test]
        fn parse_never_panics_on_bracket_soup(body in "[a-c\\[\\] .=&%0-9+]{0,60}") {
            let _ = parse_with_limits(body.as_bytes(), &FormLimits { max_input_vars: 4, max_nesting: 2 });
            let _ = parse(body.as_bytes());
        }
    }
}

/// The form body written straight from a typed request ([`encode_record`]) is the one written
/// from its parameter tree ([`encode`]), byte for byte, and refusals agree, under any limits.
#[cfg(test)]
mod record_tests {
    use super::*;
    use crate::generated::dialer::AddContactRequest;
    use crate::generated::reports::{
        Column, Exclusivity, FilterGroup, FilterRule, FilterType, LogicalOperator, Operator,
        ReportOption, ReportRequest,
    };
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof!["[a-z0-9@.]{0,6}", "[ -~]{0,6}", "\\PC{0,4}"]
    }

    fn rule() -> impl Strategy<Value = FilterRule> {
        (
            prop::sample::select(FilterType::ALL),
            prop::option::of(prop::sample::select(Operator::ALL)),
            prop::collection::vec(text(), 0..4),
            prop::option::of(text()),
            prop::option::of(text()),
        )
            .prop_map(|(kind, op, value, lo, hi)| {
                let mut r = FilterRule::new(kind).value(value);
                r.operator = op;
                r.lower_value = lo;
                r.upper_value = hi;
                r
            })
    }

    fn report() -> impl Strategy<Value = ReportRequest> {
        let group = (
            prop::sample::select(Exclusivity::ALL),
            prop::sample::select(LogicalOperator::ALL),
            prop::collection::vec(rule(), 0..4),
        )
            .prop_map(|(e, l, rules)| FilterGroup::new(e, l, rules));
        (
            prop::collection::vec(prop::sample::select(Column::ALL), 0..5),
            prop::collection::vec(group, 0..4),
            any::<bool>(),
        )
            .prop_map(|(columns, groups, option)| {
                let mut r = ReportRequest::new(columns).filter_groups(groups);
                if option {
                    r = r.option(ReportOption::FormattedColumnsNames(true));
                }
                r
            })
    }

    fn contact() -> impl Strategy<Value = AddContactRequest> {
        (
            text(),
            text(),
            prop::option::of(text()),
            prop::collection::vec((text(), text()), 0..3),
        )
            .prop_map(|(list, phone, city, custom)| {
                let mut c = AddContactRequest::new(list, phone);
                c.city = city;
                c.custom = custom;
                c
            })
    }

    fn limits() -> impl Strategy<Value = FormLimits> {
        (0usize..40, 0usize..6).prop_map(|(max_input_vars, max_nesting)| FormLimits {
            max_input_vars,
            max_nesting,
        })
    }

    fn agree<T: VisitParams + ToParam>(req: &T, limits: &FormLimits) -> Result<(), TestCaseError> {
        let tree = encode(&req.to_param(), limits).map_err(|e| e.to_string());
        let direct = encode_record(req, limits).map_err(|e| e.to_string());
        prop_assert_eq!(direct, tree);
        let with_credentials = encode_with_credentials("u@t", "k&=y", req, limits);
        let mut entries = vec![
            (Cow::Borrowed("api_user"), Node::str("u@t")),
            (Cow::Borrowed("api_key"), Node::str("k&=y")),
        ];
        let mut redacted = entries.clone();
        redacted[1].1 = Node::str("REDACTED");
        if let Node::Map(fields) = req.to_param() {
            entries.extend(fields.iter().cloned());
            redacted.extend(fields);
        }
        let expected = encode_checked(&Node::Map(entries), limits)
            .and_then(|body| Ok((body, encode_checked(&Node::Map(redacted), limits)?)));
        let refusal = |e: EncodeError| (e.kind(), e.to_string());
        prop_assert_eq!(with_credentials.map_err(refusal), expected.map_err(refusal));
        Ok(())
    }

    /// A list whose items are not scalars takes the tree's way (indexed), after the writer
    /// has undone what it wrote of it.
    #[test]
    fn lists_of_records_are_written_as_their_trees() {
        struct Inner(&'static str);
        impl VisitParams for Inner {
            const FIELDS: usize = 1;
            fn visit_params<'a, S: ParamSink<'a>>(&'a self, sink: &mut S) {
                sink.entry("k".into(), Node::str(self.0));
            }
        }
        struct Word(&'static str);
        impl ToParam for Word {
            fn to_param(&self) -> Node<'_> {
                Node::str(self.0)
            }
        }
        struct Outer(Vec<Inner>, Vec<Word>);
        impl VisitParams for Outer {
            const FIELDS: usize = 2;
            fn visit_params<'a, S: ParamSink<'a>>(&'a self, sink: &mut S) {
                sink.list("plain".into(), &self.1);
                sink.list("xs".into(), &self.0);
            }
        }
        let outer = Outer(vec![Inner("a b"), Inner("c")], vec![Word("p"), Word("q")]);
        let limits = FormLimits::PHP_DEFAULTS;
        let direct = encode_record(&outer, &limits).unwrap();
        assert_eq!(
            direct,
            encode(&crate::params::tree(&outer), &limits).unwrap()
        );
        assert_eq!(
            direct,
            "plain%5B%5D=p&plain%5B%5D=q&xs%5B0%5D%5Bk%5D=a+b&xs%5B1%5D%5Bk%5D=c"
        );
    }

    proptest! {
        #[test]
        fn report_requests_encode_alike(req in report(), limits in limits()) {
            agree(&req, &limits)?;
            agree(&req, &FormLimits::PHP_DEFAULTS)?;
        }

        #[test]
        fn contacts_encode_alike(req in contact(), limits in limits()) {
            agree(&req, &limits)?;
            agree(&req, &FormLimits::PHP_DEFAULTS)?;
        }
    }
}
