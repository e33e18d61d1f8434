//! Writing generated files, or checking that the checked-in ones are fresh.

use crate::generate::generate;
use crate::load::load_dir;
use std::path::{Path, PathBuf};

/// Where the generated core code lives, relative to the workspace root.
pub const GENERATED_DIR: &str = "crates/dlspbx-core/src/generated";

/// Where this crate keeps its copy of `spec/*.toml`, relative to the workspace root. The copy is
/// what [`extension`](crate::extension) embeds (`include_str!`), so that the published
/// `dlspbx-codegen` package holds the spec: a path outside the package would not be there.
pub const EMBEDDED_SPEC_DIR: &str = "codegen/spec";

/// Write stale files, or only report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Rewrite files whose contents differ.
    Write,
    /// Change nothing; report files whose contents differ.
    Check,
}

/// Generates the code for the spec under `root/spec` and writes (or checks) it under
/// `root/crates/dlspbx-core/src/generated`, and copies (or checks) `spec/*.toml` into
/// [`EMBEDDED_SPEC_DIR`]. Returns the files that were (or would be) changed; files in those
/// directories that the spec no longer produces count as changed and are removed.
pub fn sync(root: &Path, mode: Mode) -> Result<Vec<PathBuf>, String> {
    let spec = load_dir(&root.join("spec")).map_err(|e| e.to_string())?;
    let mut changed = sync_embedded_spec(root, mode)?;
    let dir = root.join(GENERATED_DIR);
    let files = generate(&spec);
    if mode == Mode::Write {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    for f in &files {
        let path = dir.join(&f.name);
        if ensure_file_contents(&path, &f.text, mode)? {
            changed.push(path);
        }
    }
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") && !files.iter().any(|f| f.name == name) {
                if mode == Mode::Write {
                    std::fs::remove_file(e.path())
                        .map_err(|err| format!("{}: {err}", e.path().display()))?;
                }
                changed.push(e.path());
            }
        }
    }
    Ok(changed)
}

/// Copies `root/spec/*.toml` into [`EMBEDDED_SPEC_DIR`] (or checks the copy), removing copies
/// of files that are gone. Returns the copies that differed.
pub fn sync_embedded_spec(root: &Path, mode: Mode) -> Result<Vec<PathBuf>, String> {
    let toml_files = |dir: &Path| -> Result<Vec<String>, String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        names.sort();
        Ok(names)
    };
    let from = root.join("spec");
    let to = root.join(EMBEDDED_SPEC_DIR);
    if mode == Mode::Write {
        std::fs::create_dir_all(&to).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    let mut changed = Vec::new();
    let names = toml_files(&from)?;
    for name in &names {
        let path = from.join(name);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let copy = to.join(name);
        if ensure_file_contents(&copy, &text, mode)? {
            changed.push(copy);
        }
    }
    for name in toml_files(&to).unwrap_or_default() {
        if !names.contains(&name) {
            let copy = to.join(&name);
            if mode == Mode::Write {
                std::fs::remove_file(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
            }
            changed.push(copy);
        }
    }
    Ok(changed)
}

/// Leaves a file whose contents match alone (line endings normalised), otherwise rewrites it
/// (`Mode::Write`) or reports it (`Mode::Check`). Returns whether it differed.
pub fn ensure_file_contents(path: &Path, contents: &str, mode: Mode) -> Result<bool, String> {
    let normalise = |s: &str| s.replace("\r\n", "\n");
    if let Ok(old) = std::fs::read_to_string(path)
        && normalise(&old) == normalise(contents)
    {
        return Ok(false);
    }
    if mode == Mode::Write {
        std::fs::write(path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(true)
}
