//! `cargo xtask public-api [--check]`: the public API of `dlspbx-core`, `dlspbx-runtime`, `dlspbx`, `dlspbx-sync` and
//! `dlspbx-async` as sorted text, checked in under `public-api/`, so that a change to the
//! public surface shows in review (issue 9).
//!
//! The listing is rendered from rustdoc's JSON output. That output is unstable, so it is asked
//! of the stable toolchain with `RUSTC_BOOTSTRAP=1` (`cargo rustdoc -- -Z unstable-options
//! --output-format json`), in its own target directory so that the flag does not invalidate the
//! normal builds. It is read as plain `serde_json::Value` (no `rustdoc-types` crate to keep in
//! step with the toolchain's format version).
//!
//! One line per public item, with its full path and signature: modules, structs (and their
//! public fields), enums (and variants), functions and methods, traits (and their items),
//! constants, statics, type aliases, macros, the trait impls of each type (blanket impls left
//! out; of the auto traits only `Send` and `Sync`), and re-exports as `pub use <path> =
//! <original path>`. Items marked `#[doc(hidden)]` are not listed. Every crate is documented
//! with all its format features (and rustls), which is its widest surface.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The crates, their library names and the features they are documented with.
const CRATES: [(&str, &str, &str); 5] = [
    ("dlspbx-core", "dlspbx_core", "json,xml,yaml,csv"),
    (
        "dlspbx-runtime",
        "dlspbx_runtime",
        "json,xml,yaml,csv,config-file",
    ),
    (
        "dlspbx",
        "dlspbx",
        "blocking,json,xml,yaml,csv,rustls,gzip,config-file,macros",
    ),
    (
        "dlspbx-async",
        "dlspbx_async",
        "json,xml,yaml,csv,rustls,config-file",
    ),
    ("dlspbx-sync", "dlspbx_sync", "sqlite,postgres"),
];

pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let check = match args {
        [] => false,
        ["--check"] => true,
        _ => {
            eprintln!("usage: cargo xtask public-api [--check]");
            return ExitCode::from(1);
        }
    };
    let target_dir = root.join("target").join("public-api");
    let out_dir = root.join("public-api");
    let mut stale = Vec::new();
    for (package, lib, features) in CRATES {
        let json = match rustdoc_json(root, &target_dir, package, lib, features) {
            Ok(j) => j,
            Err(e) => {
                eprintln!("error: {package}: {e}");
                return ExitCode::from(2);
            }
        };
        let text = match render(&json) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {package}: cannot read rustdoc's JSON: {e}");
                return ExitCode::from(2);
            }
        };
        let path = out_dir.join(format!("{package}.txt"));
        let old = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .replace("\r\n", "\n");
        if old == text {
            eprintln!(
                "{}: up to date ({} items)",
                path.strip_prefix(root).unwrap_or(&path).display(),
                text.lines().count()
            );
            continue;
        }
        if check {
            print_diff(&old, &text);
            stale.push(path);
        } else {
            if let Err(e) =
                std::fs::create_dir_all(&out_dir).and_then(|_| std::fs::write(&path, &text))
            {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
            eprintln!(
                "updated: {}",
                path.strip_prefix(root).unwrap_or(&path).display()
            );
        }
    }
    if stale.is_empty() {
        ExitCode::SUCCESS
    } else {
        for p in &stale {
            eprintln!("stale: {}", p.strip_prefix(root).unwrap_or(p).display());
        }
        eprintln!(
            "error: the public API changed; if that is intended, run `cargo xtask public-api`, review the \
             diff of public-api/ and add a CHANGELOG.md entry"
        );
        ExitCode::from(1)
    }
}

/// Lines only in `old` (`-`) and only in `new` (`+`): the files are sorted sets of lines.
fn print_diff(old: &str, new: &str) {
    let old: BTreeSet<&str> = old.lines().collect();
    let new: BTreeSet<&str> = new.lines().collect();
    for l in old.difference(&new) {
        eprintln!("- {l}");
    }
    for l in new.difference(&old) {
        eprintln!("+ {l}");
    }
}

fn rustdoc_json(
    root: &Path,
    target_dir: &Path,
    package: &str,
    lib: &str,
    features: &str,
) -> Result<Value, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", target_dir)
        .args([
            "rustdoc",
            "--quiet",
            "--lib",
            "-p",
            package,
            "--no-default-features",
            "--features",
            features,
        ])
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo rustdoc failed ({status})"));
    }
    let path: PathBuf = target_dir.join("doc").join(format!("{lib}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The listing of a crate's rustdoc JSON: sorted, one item per line, ending with a newline.
pub fn render(json: &Value) -> Result<String, String> {
    let mut r = Renderer {
        json,
        index: json.get("index").ok_or("no index")?,
        lines: BTreeSet::new(),
        reached: BTreeSet::new(),
        reexported: BTreeMap::new(),
    };
    let root = id_key(json.get("root").ok_or("no root")?);
    let krate = r.item(&root).ok_or("no root item")?;
    let name = krate["name"]
        .as_str()
        .ok_or("the root has no name")?
        .to_owned();
    r.reach(&root, &name);
    r.module(&root, &name);
    let mut out = String::new();
    for l in &r.lines {
        out.push_str(l);
        out.push('\n');
    }
    Ok(out)
}

/// An id as the key of `index` (ids are numbers in recent format versions, strings before).
fn id_key(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

struct Renderer<'j> {
    json: &'j Value,
    index: &'j Value,
    lines: BTreeSet<String>,
    /// The items listed under their own path (public, in public modules): a re-export of
    /// one of them is a `pub use` line; a re-export of any other item of the crate (from a
    /// private module) lists the item under the re-exported name.
    reached: BTreeSet<String>,
    /// Items of private modules that are re-exported: the path they are listed under (the
    /// shortest re-export).
    reexported: BTreeMap<String, String>,
}

impl<'j> Renderer<'j> {
    fn item(&self, id: &str) -> Option<&'j Value> {
        self.index.get(id)
    }

    fn is_public(item: &Value) -> bool {
        item["visibility"] == "public"
    }

    /// The single key of an `inner` object and its value.
    fn inner(item: &Value) -> (&str, &Value) {
        match item["inner"].as_object().and_then(|o| o.iter().next()) {
            Some((k, v)) => (k.as_str(), v),
            None => ("", &Value::Null),
        }
    }

    /// Walks the public modules: which items are listed under their own path, and under which
    /// path each re-exported item of a private module is listed.
    fn reach(&mut self, id: &str, path: &str) {
        let mut uses = Vec::new();
        self.reach_module(id, path, &mut uses);
        for (target, path) in uses {
            if self.reached.contains(&target) {
                continue;
            }
            let best = self
                .reexported
                .entry(target)
                .or_insert_with(|| path.clone());
            if (path.len(), &path) < (best.len(), &*best) {
                *best = path;
            }
        }
    }

    fn reach_module(&mut self, id: &str, path: &str, uses: &mut Vec<(String, String)>) {
        let Some(item) = self.item(id) else { return };
        let (_, module) = Self::inner(item);
        for child in module["items"].as_array().into_iter().flatten() {
            let child_id = id_key(child);
            let Some(child) = self.item(&child_id) else {
                continue;
            };
            if !Self::is_public(child) {
                continue;
            }
            let (kind, inner) = Self::inner(child);
            if kind == "use" {
                if inner["is_glob"] != true
                    && let Some(target) = inner.get("id").filter(|v| !v.is_null()).map(id_key)
                    && self.item(&target).is_some()
                {
                    let name = inner["name"].as_str().unwrap_or("_");
                    uses.push((target, format!("{path}::{name}")));
                }
                continue;
            }
            if !self.reached.insert(child_id.clone()) {
                continue;
            }
            if kind == "module" {
                let name = child["name"].as_str().unwrap_or("_");
                self.reach_module(&child_id, &format!("{path}::{name}"), uses);
            }
        }
    }

    fn module(&mut self, id: &str, path: &str) {
        let Some(item) = self.item(id) else { return };
        let (_, module) = Self::inner(item);
        for child in module["items"].as_array().into_iter().flatten() {
            let child_id = id_key(child);
            let Some(child) = self.item(&child_id) else {
                continue;
            };
            if !Self::is_public(child) {
                continue;
            }
            let name = child["name"].as_str().unwrap_or("_").to_owned();
            self.public_item(&child_id, child, path, &name);
        }
    }

    fn public_item(&mut self, id: &str, item: &'j Value, parent: &str, name: &str) {
        let path = format!("{parent}::{name}");
        let (kind, inner) = Self::inner(item);
        match kind {
            "module" => {
                self.lines.insert(format!("pub mod {path}"));
                self.module(id, &path);
            }
            "struct" => {
                let generics = self.generics(&inner["generics"]);
                let wheres = self.where_clause(&inner["generics"]);
                let kind = &inner["kind"];
                let shape = if kind == "unit" {
                    String::new()
                } else if let Some(fields) = kind.get("tuple").and_then(Value::as_array) {
                    let shown: Vec<String> = fields
                        .iter()
                        .map(|f| {
                            let field = if f.is_null() {
                                None
                            } else {
                                self.item(&id_key(f))
                            };
                            match field {
                                Some(field) if Self::is_public(field) => {
                                    format!("pub {}", self.ty(Self::inner(field).1))
                                }
                                _ => "_".into(),
                            }
                        })
                        .collect();
                    format!("({})", shown.join(", "))
                } else {
                    let plain = &kind["plain"];
                    for f in plain["fields"].as_array().into_iter().flatten() {
                        if let Some(field) = self.item(&id_key(f))
                            && Self::is_public(field)
                        {
                            let fname = field["name"].as_str().unwrap_or("_");
                            self.lines.insert(format!(
                                "pub struct field {path}::{fname}: {}",
                                self.ty(Self::inner(field).1)
                            ));
                        }
                    }
                    if plain["has_stripped_fields"] == true {
                        " { .. }".into()
                    } else {
                        String::new()
                    }
                };
                let non_exhaustive = Self::non_exhaustive(item);
                self.lines.insert(format!(
                    "{non_exhaustive}pub struct {path}{generics}{shape}{wheres}"
                ));
                self.impls(&inner["impls"], &path);
            }
            "enum" => {
                let generics = self.generics(&inner["generics"]);
                let wheres = self.where_clause(&inner["generics"]);
                let non_exhaustive = Self::non_exhaustive(item);
                self.lines
                    .insert(format!("{non_exhaustive}pub enum {path}{generics}{wheres}"));
                for v in inner["variants"].as_array().into_iter().flatten() {
                    let Some(variant) = self.item(&id_key(v)) else {
                        continue;
                    };
                    let vname = variant["name"].as_str().unwrap_or("_");
                    let vkind = &Self::inner(variant).1["kind"];
                    let shape = if let Some(fields) = vkind.get("tuple").and_then(Value::as_array) {
                        let shown: Vec<String> = fields
                            .iter()
                            .map(|f| match self.item(&id_key(f)) {
                                Some(field) => self.ty(Self::inner(field).1),
                                None => "_".into(),
                            })
                            .collect();
                        format!("({})", shown.join(", "))
                    } else if let Some(s) = vkind.get("struct") {
                        let shown: Vec<String> = s["fields"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|f| self.item(&id_key(f)))
                            .map(|field| {
                                format!(
                                    "{}: {}",
                                    field["name"].as_str().unwrap_or("_"),
                                    self.ty(Self::inner(field).1)
                                )
                            })
                            .collect();
                        format!(" {{ {} }}", shown.join(", "))
                    } else {
                        String::new()
                    };
                    let non_exhaustive = Self::non_exhaustive(variant);
                    self.lines.insert(format!(
                        "{non_exhaustive}pub enum variant {path}::{vname}{shape}"
                    ));
                }
                self.impls(&inner["impls"], &path);
            }
            "union" => {
                self.lines.insert(format!(
                    "pub union {path}{}",
                    self.generics(&inner["generics"])
                ));
                self.impls(&inner["impls"], &path);
            }
            "function" => {
                let line = self.function(&path, inner);
                self.lines.insert(line);
            }
            "trait" => {
                let generics = self.generics(&inner["generics"]);
                let bounds = self.bounds(&inner["bounds"]);
                let bounds = if bounds.is_empty() {
                    String::new()
                } else {
                    format!(": {bounds}")
                };
                let unsafety = if inner["is_unsafe"] == true {
                    "unsafe "
                } else {
                    ""
                };
                let wheres = self.where_clause(&inner["generics"]);
                self.lines.insert(format!(
                    "pub {unsafety}trait {path}{generics}{bounds}{wheres}"
                ));
                for i in inner["items"].as_array().into_iter().flatten() {
                    let Some(ti) = self.item(&id_key(i)) else {
                        continue;
                    };
                    let tname = ti["name"].as_str().unwrap_or("_");
                    let (tkind, tinner) = Self::inner(ti);
                    let line = match tkind {
                        "function" => {
                            let provided = if tinner["has_body"] == true {
                                " (provided)"
                            } else {
                                ""
                            };
                            format!(
                                "{}{provided}",
                                self.function(&format!("{path}::{tname}"), tinner).replacen(
                                    "pub fn",
                                    "pub trait fn",
                                    1
                                )
                            )
                        }
                        "assoc_type" => {
                            let b = self.bounds(&tinner["bounds"]);
                            let g = self.generics(&tinner["generics"]);
                            let b = if b.is_empty() {
                                String::new()
                            } else {
                                format!(": {b}")
                            };
                            format!("pub trait type {path}::{tname}{g}{b}")
                        }
                        "assoc_const" => format!(
                            "pub trait const {path}::{tname}: {}",
                            self.ty(&tinner["type"])
                        ),
                        other => format!("pub trait {other} {path}::{tname}"),
                    };
                    self.lines.insert(line);
                }
            }
            "constant" => {
                self.lines
                    .insert(format!("pub const {path}: {}", self.ty(&inner["type"])));
            }
            "static" => {
                let m = if inner["is_mutable"] == true {
                    "mut "
                } else {
                    ""
                };
                self.lines
                    .insert(format!("pub static {m}{path}: {}", self.ty(&inner["type"])));
            }
            "type_alias" => {
                let g = self.generics(&inner["generics"]);
                self.lines
                    .insert(format!("pub type {path}{g} = {}", self.ty(&inner["type"])));
            }
            "use" => {
                let source = inner["source"].as_str().unwrap_or("?");
                let target = inner.get("id").filter(|v| !v.is_null()).map(id_key);
                let original = target
                    .as_deref()
                    .and_then(|t| self.summary_path(t))
                    .unwrap_or_else(|| source.to_owned());
                let shown = inner["name"].as_str().unwrap_or(name).to_owned();
                let local = target
                    .as_deref()
                    .and_then(|t| self.item(t).map(|i| (t.to_owned(), i)));
                let listed_here = local.as_ref().is_some_and(|(t, _)| {
                    inner["is_glob"] != true
                        && self.reexported.get(t) == Some(&format!("{parent}::{shown}"))
                });
                match local {
                    // An item of a private module, public only through re-exports: listed
                    // under the shortest one.
                    Some((t, target_item)) if listed_here => {
                        self.public_item(&t, target_item, parent, &shown);
                    }
                    _ if inner["is_glob"] == true => {
                        self.lines
                            .insert(format!("pub use {parent}::* = {original}::*"));
                    }
                    _ => {
                        self.lines
                            .insert(format!("pub use {parent}::{shown} = {original}"));
                    }
                }
            }
            "macro" => {
                self.lines
                    .insert(format!("pub macro {}::{name}!", self.crate_name()));
            }
            "proc_macro" => {
                self.lines.insert(format!("pub proc_macro {path}!"));
            }
            "extern_crate" => {
                self.lines.insert(format!("pub extern crate {path}"));
            }
            other => {
                self.lines.insert(format!("pub {other} {path}"));
            }
        }
    }

    fn crate_name(&self) -> String {
        let root = id_key(&self.json["root"]);
        self.item(&root)
            .and_then(|r| r["name"].as_str())
            .unwrap_or("crate")
            .to_owned()
    }

    fn non_exhaustive(item: &Value) -> &'static str {
        let attrs = item["attrs"].to_string();
        if attrs.contains("non_exhaustive") || attrs.contains("NonExhaustive") {
            "#[non_exhaustive] "
        } else {
            ""
        }
    }

    /// The inherent methods and associated items of a type, and the traits it implements.
    fn impls(&mut self, impls: &Value, path: &str) {
        for i in impls.as_array().into_iter().flatten() {
            let Some(imp) = self.item(&id_key(i)) else {
                continue;
            };
            let (_, inner) = Self::inner(imp);
            if !inner["blanket_impl"].is_null() {
                continue;
            }
            let generics = self.generics(&inner["generics"]);
            let wheres = self.where_clause(&inner["generics"]);
            if inner["trait"].is_null() {
                for item_id in inner["items"].as_array().into_iter().flatten() {
                    let Some(member) = self.item(&id_key(item_id)) else {
                        continue;
                    };
                    if !Self::is_public(member) {
                        continue;
                    }
                    let mname = member["name"].as_str().unwrap_or("_");
                    let (mkind, minner) = Self::inner(member);
                    let line = match mkind {
                        "function" => self.function(&format!("{path}::{mname}"), minner),
                        "assoc_const" => {
                            format!("pub const {path}::{mname}: {}", self.ty(&minner["type"]))
                        }
                        "assoc_type" => format!("pub type {path}::{mname}"),
                        other => format!("pub {other} {path}::{mname}"),
                    };
                    // The impl's own generics and bounds, when it has any.
                    let line = if generics.is_empty() && wheres.is_empty() {
                        line
                    } else {
                        format!("{line} [impl{generics}{wheres}]")
                    };
                    self.lines.insert(line);
                }
            } else {
                let tr = self.path(&inner["trait"]);
                if inner["is_synthetic"] == true && !matches!(tr.as_str(), "Send" | "Sync") {
                    continue;
                }
                // Compiler-internal marker of `#[derive(PartialEq)]`.
                if tr == "StructuralPartialEq" {
                    continue;
                }
                let neg = if inner["is_negative"] == true {
                    "!"
                } else {
                    ""
                };
                let unsafety = if inner["is_unsafe"] == true {
                    "unsafe "
                } else {
                    ""
                };
                let for_ty = self.ty(&inner["for"]);
                self.lines.insert(format!(
                    "{unsafety}impl{generics} {neg}{tr} for {for_ty}{wheres}"
                ));
            }
        }
    }

    fn function(&self, path: &str, f: &Value) -> String {
        let header = &f["header"];
        let mut quals = String::new();
        if header["is_const"] == true {
            quals.push_str("const ");
        }
        if header["is_async"] == true {
            quals.push_str("async ");
        }
        if header["is_unsafe"] == true {
            quals.push_str("unsafe ");
        }
        let generics = self.generics(&f["generics"]);
        let wheres = self.where_clause(&f["generics"]);
        let sig = &f["sig"];
        let inputs: Vec<String> = sig["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|pair| {
                let name = pair[0].as_str().unwrap_or("_");
                let ty = &pair[1];
                if name == "self" {
                    if ty.get("generic").and_then(Value::as_str) == Some("Self") {
                        return "self".into();
                    }
                    if let Some(r) = ty.get("borrowed_ref")
                        && r["type"].get("generic").and_then(Value::as_str) == Some("Self")
                    {
                        let lt = r["lifetime"]
                            .as_str()
                            .map(|l| format!("{l} "))
                            .unwrap_or_default();
                        let m = if r["is_mutable"] == true { "mut " } else { "" };
                        return format!("&{lt}{m}self");
                    }
                }
                format!("{name}: {}", self.ty(ty))
            })
            .collect();
        let output = match &sig["output"] {
            Value::Null => String::new(),
            t => format!(" -> {}", self.ty(t)),
        };
        format!(
            "pub {quals}fn {path}{generics}({}){output}{wheres}",
            inputs.join(", ")
        )
    }

    /// `<'a, T: Bound>` (synthetic `impl Trait` parameters left out), or nothing.
    fn generics(&self, g: &Value) -> String {
        let params: Vec<String> = g["params"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let name = p["name"].as_str().unwrap_or("_");
                let kind = &p["kind"];
                if let Some(l) = kind.get("lifetime") {
                    let outlives: Vec<&str> = l["outlives"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    return Some(if outlives.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{name}: {}", outlives.join(" + "))
                    });
                }
                if let Some(t) = kind.get("type") {
                    if t["is_synthetic"] == true {
                        return None;
                    }
                    let b = self.bounds(&t["bounds"]);
                    let mut s = if b.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{name}: {b}")
                    };
                    if !t["default"].is_null() {
                        s.push_str(&format!(" = {}", self.ty(&t["default"])));
                    }
                    return Some(s);
                }
                if let Some(c) = kind.get("const") {
                    return Some(format!("const {name}: {}", self.ty(&c["type"])));
                }
                Some(name.to_owned())
            })
            .collect();
        if params.is_empty() {
            String::new()
        } else {
            format!("<{}>", params.join(", "))
        }
    }

    fn where_clause(&self, g: &Value) -> String {
        let preds: Vec<String> = g["where_predicates"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                if let Some(b) = p.get("bound_predicate") {
                    format!("{}: {}", self.ty(&b["type"]), self.bounds(&b["bounds"]))
                } else if let Some(l) = p.get("lifetime_predicate") {
                    let outlives: Vec<&str> = l["outlives"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    format!(
                        "{}: {}",
                        l["lifetime"].as_str().unwrap_or("'_"),
                        outlives.join(" + ")
                    )
                } else if let Some(e) = p.get("eq_predicate") {
                    format!("{} = {}", self.ty(&e["lhs"]), self.term(&e["rhs"]))
                } else {
                    p.to_string()
                }
            })
            .collect();
        if preds.is_empty() {
            String::new()
        } else {
            format!(" where {}", preds.join(", "))
        }
    }

    fn bounds(&self, bounds: &Value) -> String {
        let shown: Vec<String> = bounds
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                if let Some(t) = b.get("trait_bound") {
                    let m = match t["modifier"].as_str() {
                        Some("maybe") => "?",
                        Some("maybe_const") => "~const ",
                        _ => "",
                    };
                    let hr = self.hrtb(&t["generic_params"]);
                    format!("{hr}{m}{}", self.path(&t["trait"]))
                } else if let Some(l) = b.get("outlives") {
                    l.as_str().unwrap_or("'_").to_owned()
                } else if let Some(u) = b.get("use") {
                    let names: Vec<String> = u
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| {
                            a.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| a.to_string())
                        })
                        .collect();
                    format!("use<{}>", names.join(", "))
                } else {
                    b.to_string()
                }
            })
            .collect();
        shown.join(" + ")
    }

    fn hrtb(&self, params: &Value) -> String {
        let names: Vec<&str> = params
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["name"].as_str())
            .collect();
        if names.is_empty() {
            String::new()
        } else {
            format!("for<{}> ", names.join(", "))
        }
    }

    /// The full path of an item from the `paths` table: standard library items by their last
    /// segment (`String`, `Option`), everything else in full.
    fn summary_path(&self, id: &str) -> Option<String> {
        let summary = self.json["paths"].get(id)?;
        let segments: Vec<&str> = summary["path"]
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let first = *segments.first()?;
        if matches!(first, "std" | "core" | "alloc") {
            return segments.last().map(|s| s.to_string());
        }
        Some(segments.join("::"))
    }

    fn path(&self, p: &Value) -> String {
        let written = p["path"]
            .as_str()
            .or_else(|| p["name"].as_str())
            .unwrap_or("?");
        let id = p.get("id").filter(|v| !v.is_null()).map(id_key);
        let name = id
            .as_deref()
            .and_then(|i| self.summary_path(i))
            .unwrap_or_else(|| written.trim_start_matches("crate::").to_owned());
        format!("{name}{}", self.generic_args(&p["args"]))
    }

    fn generic_args(&self, args: &Value) -> String {
        if args.is_null() {
            return String::new();
        }
        if let Some(a) = args.get("angle_bracketed") {
            let mut parts: Vec<String> = a["args"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|arg| {
                    if let Some(l) = arg.get("lifetime") {
                        l.as_str().unwrap_or("'_").to_owned()
                    } else if let Some(t) = arg.get("type") {
                        self.ty(t)
                    } else if let Some(c) = arg.get("const") {
                        c["expr"].as_str().unwrap_or("_").to_owned()
                    } else {
                        "_".into()
                    }
                })
                .collect();
            for c in a["constraints"].as_array().into_iter().flatten() {
                let name = c["name"].as_str().unwrap_or("_");
                let binding = &c["binding"];
                if let Some(eq) = binding.get("equality") {
                    parts.push(format!("{name} = {}", self.term(eq)));
                } else if let Some(b) = binding.get("constraint") {
                    parts.push(format!("{name}: {}", self.bounds(b)));
                }
            }
            return if parts.is_empty() {
                String::new()
            } else {
                format!("<{}>", parts.join(", "))
            };
        }
        if let Some(p) = args.get("parenthesized") {
            let inputs: Vec<String> = p["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| self.ty(t))
                .collect();
            let output = match &p["output"] {
                Value::Null => String::new(),
                t => format!(" -> {}", self.ty(t)),
            };
            return format!("({}){output}", inputs.join(", "));
        }
        String::new()
    }

    fn term(&self, t: &Value) -> String {
        if let Some(ty) = t.get("type") {
            self.ty(ty)
        } else if let Some(c) = t.get("constant") {
            c["expr"].as_str().unwrap_or("_").to_owned()
        } else {
            self.ty(t)
        }
    }

    fn ty(&self, t: &Value) -> String {
        let Some((kind, v)) = t.as_object().and_then(|o| o.iter().next()) else {
            return match t.as_str() {
                Some("infer") => "_".into(),
                _ => t.to_string(),
            };
        };
        match kind.as_str() {
            "resolved_path" => self.path(v),
            "generic" | "primitive" => v.as_str().unwrap_or("?").to_owned(),
            "tuple" => {
                let items: Vec<String> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| self.ty(t))
                    .collect();
                if items.len() == 1 {
                    format!("({},)", items[0])
                } else {
                    format!("({})", items.join(", "))
                }
            }
            "slice" => format!("[{}]", self.ty(v)),
            "array" => format!(
                "[{}; {}]",
                self.ty(&v["type"]),
                v["len"].as_str().unwrap_or("_")
            ),
            "borrowed_ref" => {
                let lt = v["lifetime"]
                    .as_str()
                    .map(|l| format!("{l} "))
                    .unwrap_or_default();
                let m = if v["is_mutable"] == true { "mut " } else { "" };
                format!("&{lt}{m}{}", self.ty(&v["type"]))
            }
            "raw_pointer" => {
                let m = if v["is_mutable"] == true {
                    "mut"
                } else {
                    "const"
                };
                format!("*{m} {}", self.ty(&v["type"]))
            }
            "impl_trait" => format!("impl {}", self.bounds(v)),
            "dyn_trait" => {
                let traits: Vec<String> = v["traits"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        format!(
                            "{}{}",
                            self.hrtb(&p["generic_params"]),
                            self.path(&p["trait"])
                        )
                    })
                    .collect();
                let lt = v["lifetime"]
                    .as_str()
                    .map(|l| format!(" + {l}"))
                    .unwrap_or_default();
                format!("dyn {}{lt}", traits.join(" + "))
            }
            "function_pointer" => {
                let sig = &v["sig"];
                let inputs: Vec<String> = sig["inputs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| self.ty(&p[1]))
                    .collect();
                let output = match &sig["output"] {
                    Value::Null => String::new(),
                    t => format!(" -> {}", self.ty(t)),
                };
                format!(
                    "{}fn({}){output}",
                    self.hrtb(&v["generic_params"]),
                    inputs.join(", ")
                )
            }
            "qualified_path" => {
                let self_ty = self.ty(&v["self_type"]);
                let name = v["name"].as_str().unwrap_or("_");
                let args = self.generic_args(&v["args"]);
                match &v["trait"] {
                    Value::Null => format!("{self_ty}::{name}{args}"),
                    tr => format!("<{self_ty} as {}>::{name}{args}", self.path(tr)),
                }
            }
            "pat" => self.ty(&v["type"]),
            other => format!("<{other}>"),
        }
    }
}
