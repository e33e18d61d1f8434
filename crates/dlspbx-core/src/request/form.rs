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
//! PHP's silent limits are applied the way PHP applies them to a POST body, and what was lost
//! is counted in [`Dropped`]:
//! - `max_input_vars`: every `&`-separated segment counts (empty ones too); PHP stops after the
//!   segment that takes the count past the limit, so `max_input_vars + 1` segments are read and
//!   the rest are ignored (`parse_str` instead stops one earlier and skips empty segments);
//! - `max_input_nesting_level`: a variable with more bracket groups than the limit is dropped
//!   and, as PHP does, the whole top-level variable it belongs to is removed.

use crate::error::Error;
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
    pub const PHP_DEFAULTS: FormLimits = FormLimits { max_input_vars: 1000, max_nesting: 64 };
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
    /// A rough size of the encoded body, to pre-size the output.
    bytes: usize,
}

/// One iterative walk over the tree (no recursion, so any tree is safe to measure).
fn stats(params: &Node<'_>) -> Stats {
    let mut st = Stats { vars: 0, depth: 0, bytes: 0 };
    // (node, bracket groups above it, raw length of its key path)
    let mut stack: Vec<(&Node<'_>, usize, usize)> = Vec::new();
    match params {
        Node::Map(entries) => {
            for (k, v) in entries.iter().rev() {
                stack.push((v, 0, k.len()));
            }
        }
        Node::Null => {}
        other => stack.push((other, 0, 0)),
    }
    while let Some((node, level, key_len)) = stack.pop() {
        match node {
            Node::Null => {}
            Node::Bool(_) => leaf(&mut st, level, key_len, 1),
            Node::Str(s) => leaf(&mut st, level, key_len, s.len()),
            Node::Seq(items) => {
                for item in items.iter().rev() {
                    stack.push((item, level + 1, key_len + 8));
                }
            }
            Node::Map(entries) => {
                for (k, v) in entries.iter().rev() {
                    stack.push((v, level + 1, key_len + 6 + k.len()));
                }
            }
        }
    }
    st
}

fn leaf(st: &mut Stats, level: usize, key_len: usize, value_len: usize) {
    st.vars += 1;
    st.depth = st.depth.max(level);
    st.bytes = st.bytes.saturating_add(key_len + value_len + 2);
}

/// Encodes `params` (a [`Node::Map`]; `Null` gives an empty body) as a PHP-style form body.
///
/// Fails with [`Error::Encode`] when the body would exceed `limits` (the message names the
/// count and the limit; the caller decides whether to send JSON instead, see [`Oversize`]) or
/// when a key cannot be written so that PHP reads it back unchanged (see the module docs).
pub fn encode(params: &Node<'_>, limits: &FormLimits) -> Result<String, Error> {
    encode_checked(params, limits).map_err(|e| Error::Encode(e.message()))
}

/// Why [`encode`] refused, kept apart so that the JSON fallback applies only to limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormRefusal {
    /// Too many variables or too deep: JSON can carry it.
    Limit(String),
    /// A key or a shape that no form body can carry.
    Shape(String),
}

impl FormRefusal {
    pub(crate) fn message(self) -> String {
        match self {
            FormRefusal::Limit(m) | FormRefusal::Shape(m) => m,
        }
    }
}

pub(crate) fn encode_checked(params: &Node<'_>, limits: &FormLimits) -> Result<String, FormRefusal> {
    let entries = match params {
        Node::Map(entries) => entries,
        Node::Null => return Ok(String::new()),
        _ => {
            return Err(FormRefusal::Shape(
                "form parameters must be a map of names to values, not a single value or a list".into(),
            ));
        }
    };
    let st = stats(params);
    if st.vars > limits.max_input_vars {
        return Err(FormRefusal::Limit(format!(
            "the request has {} form variables but PHP's max_input_vars is {}; the server would \
             silently drop {} of them (send it as JSON, or split it)",
            st.vars,
            limits.max_input_vars,
            st.vars - limits.max_input_vars
        )));
    }
    if st.depth > limits.max_nesting {
        return Err(FormRefusal::Limit(format!(
            "the request nests form keys {} levels deep but PHP's max_input_nesting_level is {}; \
             the server would silently drop the deeper variables (send it as JSON)",
            st.depth, limits.max_nesting
        )));
    }
    let mut em = Emitter { out: String::with_capacity(st.bytes + st.bytes / 4), key: String::with_capacity(64) };
    for (k, v) in entries {
        check_top_key(k)?;
        em.key.clear();
        percent_encode_into(&mut em.key, k);
        em.emit(v)?;
    }
    Ok(em.out)
}

fn check_top_key(k: &str) -> Result<(), FormRefusal> {
    let bad = if k.is_empty() {
        Some("is empty")
    } else if k.contains(['.', ' ']) {
        Some("contains `.` or a space, which PHP turns into `_`")
    } else if k.contains('[') {
        Some("contains `[`, which PHP reads as the start of a nested key (use a list or a map value)")
    } else if k.contains('\0') {
        Some("contains NUL, where PHP cuts the name")
    } else {
        None
    };
    match bad {
        Some(why) => Err(FormRefusal::Shape(format!("form field name {k:?} {why}"))),
        None => Ok(()),
    }
}

fn check_nested_key(k: &str) -> Result<(), FormRefusal> {
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
        Some(why) => Err(FormRefusal::Shape(format!("nested form key {k:?} {why}"))),
        None => Ok(()),
    }
}

struct Emitter {
    out: String,
    /// The percent-encoded key path of the node being written; children append to it and
    /// truncate it back.
    key: String,
}

impl Emitter {
    fn emit(&mut self, node: &Node<'_>) -> Result<(), FormRefusal> {
        match node {
            Node::Null => {}
            Node::Bool(b) => self.pair(if *b { "1" } else { "0" }),
            Node::Str(s) => self.pair(s),
            Node::Seq(items) => {
                let base = self.key.len();
                if items.iter().all(|n| matches!(n, Node::Null | Node::Bool(_) | Node::Str(_))) {
                    self.key.push_str("%5B%5D");
                    for item in items {
                        self.emit(item)?;
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
                        self.emit(item)?;
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
                    check_nested_key(k)?;
                    self.key.push_str("%5B");
                    percent_encode_into(&mut self.key, k);
                    self.key.push_str("%5D");
                    self.emit(v)?;
                    self.key.truncate(base);
                }
            }
        }
        Ok(())
    }

    fn pair(&mut self, value: &str) {
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

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `s` percent-encoded: unreserved bytes as they are, space as `+`, the rest `%XX`.
/// Runs of unreserved bytes are copied at once.
pub(crate) fn percent_encode_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if is_unreserved(b) {
            continue;
        }
        // `i` is at an ASCII byte or the first byte of a multi-byte character, so the run is
        // on character boundaries.
        out.push_str(&s[run_start..i]);
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(b & 0xF)]));
        }
        run_start = i + 1;
    }
    // Every byte of a multi-byte character is encoded, so `run_start` is always a boundary.
    out.push_str(&s[run_start..]);
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Parses a form body as PHP fills `$_POST`, with PHP's default limits (variables past the
/// limits are dropped silently, as PHP does; use [`parse_with_limits`] to learn about them).
///
/// Any byte string is a valid form body, so this fails only in theory; invalid UTF-8 in names
/// and values is replaced with U+FFFD.
pub fn parse(body: &[u8]) -> Result<Node<'static>, Error> {
    parse_with_limits(body, &FormLimits::default()).map(|(node, _)| node)
}

/// Parses a form body as PHP fills `$_POST`, applying `limits` the way PHP does and counting
/// what was dropped, so that a caller (the simulator) can reject instead of dropping silently.
///
/// A `max_nesting` above 512 is treated as 512.
pub fn parse_with_limits(body: &[u8], limits: &FormLimits) -> Result<(Node<'static>, Dropped), Error> {
    let max_nesting = limits.max_nesting.min(HARD_MAX_NESTING);
    let mut root = PhpArray::default();
    let mut dropped = Dropped::default();
    let mut count = 0usize;
    let mut pos = 0usize;
    let end = body.len();
    let mut name = Vec::new();
    while pos < end {
        let seg_end = memchr::memchr(b'&', &body[pos..]).map_or(end, |i| pos + i);
        if count > limits.max_input_vars {
            // PHP stopped reading; count what it ignored.
            if seg_end > pos {
                dropped.vars += 1;
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
            if register(&mut root, &mut name, value, max_nesting) == Registered::NestingExceeded {
                dropped.nesting += 1;
            }
            count += 1;
        }
        pos = seg_end + 1;
    }
    Ok((root.into_node_map(), dropped))
}

/// PHP's `php_url_decode`: `+` is a space, `%XX` with two hex digits is a byte, anything else
/// (including a broken escape) is kept.
fn url_decode_into(out: &mut Vec<u8>, s: &[u8]) {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        match b {
            b'+' => out.push(b' '),
            b'%' => match (hex_val(s.get(i + 1).copied()), hex_val(s.get(i + 2).copied())) {
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
    Str(Vec<u8>),
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
        PhpArray { entries: Vec::new(), index: HashMap::new(), next_free: i64::MIN }
    }
}

impl PhpArray {
    fn bump_next(&mut self, key: &Key) {
        if let Key::Int(h) = *key {
            if h >= self.next_free {
                self.next_free = if h < i64::MAX { h + 1 } else { i64::MAX };
            }
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
        let h = if self.next_free == i64::MIN { 0 } else { self.next_free };
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
            if let Some(entry) = self.entries[i].as_mut() {
                if !matches!(entry.1, Val::Arr(_)) {
                    entry.1 = Val::Arr(PhpArray::default());
                }
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
        let mut expected = 0i64;
        for (k, _) in self.entries.iter().flatten() {
            if *k != Key::Int(expected) {
                return false;
            }
            expected += 1;
        }
        true
    }

    fn into_node(self) -> Node<'static> {
        if self.is_list() {
            Node::Seq(self.entries.into_iter().flatten().map(|(_, v)| v.into_node()).collect())
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
            Val::Str(s) => Node::Str(Cow::Owned(bytes_to_string(s))),
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
fn register(root: &mut PhpArray, name: &mut Vec<u8>, value: Vec<u8>, max_nesting: usize) -> Registered {
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
