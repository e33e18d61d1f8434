//! `cargo xtask deps`: one version of each dependency, and a small default build downstream.
//!
//! - Every crate that the workspace builds in more than one version (`cargo tree -d`, normal
//!   and build dependencies, all features) must be listed, with its reason, in the
//!   allowed-duplicates table of `ARCHITECTURE.md`; a listed crate that is no longer
//!   duplicated must be removed from the table, so that the table stays true.
//! - A downstream crate that depends on `dlspbx` with its default features compiles at most
//!   [`MAX_DOWNSTREAM_CRATES`] crates (`cargo tree -p dlspbx -e normal,build`, deduplicated):
//!   the compile-time budget of ARCHITECTURE.md, counted instead of timed, because wall-clock
//!   build times on a shared 2-core machine are too noisy to gate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, ExitCode};

/// The most crates a downstream crate with `dlspbx`'s default features may compile.
pub const MAX_DOWNSTREAM_CRATES: usize = 55;

const TABLE_START: &str = "<!-- allowed-duplicates:start -->";
const TABLE_END: &str = "<!-- allowed-duplicates:end -->";

fn cargo_tree(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(root)
        .arg("tree")
        .args(args)
        .output()
        .map_err(|e| format!("error: could not run cargo tree: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "error: cargo tree {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `name vX.Y.Z (...)` lines into name -> versions.
pub fn versions(tree: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in tree.lines() {
        let mut words = line.split_whitespace();
        if let (Some(name), Some(version)) = (words.next(), words.next())
            && let Some(v) = version.strip_prefix('v')
        {
            out.entry(name.to_owned()).or_default().insert(v.to_owned());
        }
    }
    out
}

/// The crate names of the allowed-duplicates table in ARCHITECTURE.md (its first column).
pub fn allowed(architecture: &str) -> Result<BTreeSet<String>, String> {
    let start = architecture
        .find(TABLE_START)
        .ok_or_else(|| format!("error: ARCHITECTURE.md has no `{TABLE_START}` marker"))?;
    let end = architecture[start..]
        .find(TABLE_END)
        .ok_or_else(|| format!("error: ARCHITECTURE.md has no `{TABLE_END}` marker"))?;
    let mut names = BTreeSet::new();
    for row in architecture[start + TABLE_START.len()..start + end]
        .lines()
        .filter(|l| l.trim_start().starts_with('|'))
        .skip(2)
    {
        let name = row
            .trim()
            .trim_start_matches('|')
            .split('|')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches('`');
        if !name.is_empty() {
            names.insert(name.to_owned());
        }
    }
    Ok(names)
}

/// Compares the duplicates with the allowed table: what is duplicated but not listed, and
/// what is listed but no longer duplicated.
pub fn compare(
    duplicated: &BTreeMap<String, BTreeSet<String>>,
    allowed: &BTreeSet<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, vs) in duplicated {
        if !allowed.contains(name) {
            problems.push(format!(
                "{name} is built in {} versions ({}): remove the duplicate, or list it with its reason in ARCHITECTURE.md's allowed-duplicates table",
                vs.len(),
                vs.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    for name in allowed {
        if !duplicated.contains_key(name) {
            problems.push(format!(
                "{name} is in ARCHITECTURE.md's allowed-duplicates table but is no longer duplicated: remove it from the table"
            ));
        }
    }
    problems
}

/// `cargo xtask deps`.
pub fn run(root: &Path) -> ExitCode {
    match check(root) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

fn check(root: &Path) -> Result<String, String> {
    let tree = cargo_tree(
        root,
        &[
            "--workspace",
            "--all-features",
            "-d",
            "--depth",
            "0",
            "-e",
            "normal,build",
            "--format",
            "{p}",
        ],
    )?;
    let duplicated: BTreeMap<_, _> = versions(&tree)
        .into_iter()
        .filter(|(_, vs)| vs.len() > 1)
        .collect();
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md"))
        .map_err(|e| format!("error: could not read ARCHITECTURE.md: {e}"))?;
    let allowed = allowed(&architecture)?;
    let mut problems = compare(&duplicated, &allowed);

    let downstream = cargo_tree(
        root,
        &[
            "-p",
            "dlspbx",
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ],
    )?;
    let crates: BTreeSet<&str> = downstream
        .lines()
        .map(|l| l.trim_end_matches(" (*)").trim())
        .filter(|l| !l.is_empty())
        .collect();
    if crates.len() > MAX_DOWNSTREAM_CRATES {
        problems.push(format!(
            "a downstream crate with dlspbx's default features compiles {} crates, more than the budget of {MAX_DOWNSTREAM_CRATES}: put the new dependency behind a feature the default build does not enable",
            crates.len()
        ));
    }
    if !problems.is_empty() {
        return Err(problems
            .iter()
            .map(|p| format!("error: {p}"))
            .collect::<Vec<_>>()
            .join("\n"));
    }
    let listed: Vec<String> = duplicated
        .iter()
        .map(|(n, vs)| {
            format!(
                "{n} {}",
                vs.iter().cloned().collect::<Vec<_>>().join(" and ")
            )
        })
        .collect();
    Ok(format!(
        "ok: one version of each dependency, except the allowed {} ({}); a downstream crate with dlspbx's default features compiles {} crates (budget {MAX_DOWNSTREAM_CRATES})",
        listed.len(),
        if listed.is_empty() {
            "none".to_owned()
        } else {
            listed.join("; ")
        },
        crates.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_read_from_cargo_tree() {
        let tree = "\nserde_core v1.0.229\nsyn v2.0.119\nsyn v3.0.10\nserde_core v1.0.229\n";
        let v = versions(tree);
        assert_eq!(v["syn"].len(), 2);
        assert_eq!(
            v["serde_core"].len(),
            1,
            "the same version twice is one version"
        );
    }

    #[test]
    fn the_table_names_the_allowed_crates() {
        let md = format!(
            "text\n{TABLE_START}\n| crate | versions | why |\n|---|---|---|\n| `syn` | 2, 3 | openssl-macros |\n{TABLE_END}\n| other | x | y |\n"
        );
        let a = allowed(&md).unwrap();
        assert_eq!(a.into_iter().collect::<Vec<_>>(), ["syn"]);
        assert!(allowed("no markers").is_err());
    }

    #[test]
    fn an_unlisted_duplicate_fails_and_a_stale_entry_fails() {
        let mut dup = BTreeMap::new();
        dup.insert(
            "toml".to_owned(),
            BTreeSet::from(["0.9.12".to_owned(), "1.2.2".to_owned()]),
        );
        let allowed = BTreeSet::from(["syn".to_owned()]);
        let problems = compare(&dup, &allowed);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("toml is built in 2 versions (0.9.12, 1.2.2)"));
        assert!(problems[1].starts_with("syn is in ARCHITECTURE.md"));
        let allowed = BTreeSet::from(["toml".to_owned()]);
        assert!(compare(&dup, &allowed).is_empty());
    }
}
