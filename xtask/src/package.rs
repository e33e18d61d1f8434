//! `cargo xtask package-check`: every publishable crate packages, and a downstream crate builds
//! and runs against the packaged sources alone (issue 9).
//!
//! 1. `cargo package --no-verify` of the publishable crates writes `target/package/*.crate`.
//!    With `--verify`, cargo also builds each crate on its own, with its default features,
//!    from a temporary registry of the other packages (works offline; a few minutes more);
//!    the build below covers the same ground in one pass with shared dependencies.
//! 2. Each `.crate` is unpacked into `target/package-check/crates/`.
//! 3. A workspace in `target/package-check/` holds the unpacked crates and the downstream
//!    crate of `xtask/downstream/`, with `[patch.crates-io]` pointing every crate name at its
//!    unpacked copy, so the packages find each other as they would on crates.io, and nothing
//!    reads the repository's sources. `Cargo.lock` is the repository's, so the dependencies
//!    are the tested versions and the build works offline.
//! 4. `cargo build --workspace` builds every package (libraries and binaries) from what was
//!    packaged; the downstream binary then decodes a golden example, expands `include_spec!`,
//!    starts the simulator and calls it through both clients; the packaged `dlspbx` binary
//!    runs `--sim status queues`.
//!
//! A source file, spec file or fixture missing from a package fails step 4.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// The crates published to crates.io, dependencies first.
pub const PUBLISHED: [&str; 9] = [
    "dlspbx-core",
    "dlspbx-codegen",
    "dlspbx-macros",
    "dlspbx-runtime",
    "dlspbx",
    "dlspbx-sim",
    "dlspbx-async",
    "dlspbx-sync",
    "dlspbx-cli",
];

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn step(what: &str, command: &mut Command) -> Result<(), String> {
    eprintln!("==> {what}");
    let status = command.status().map_err(|e| format!("{what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: {status}"))
    }
}

/// The workspace version (`[workspace.package] version`).
fn workspace_version(root: &Path) -> Result<String, String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[workspace.package]";
        } else if in_package && let Some(v) = line.strip_prefix("version") {
            return Ok(v
                .trim_start_matches([' ', '='])
                .trim()
                .trim_matches('"')
                .to_owned());
        }
    }
    Err("no version in [workspace.package]".into())
}

/// The `[profile.*]` tables of the repository's manifest, so that the check builds like the
/// repository does (and can share its compiled dependencies).
fn profiles(root: &Path) -> String {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let mut out = String::new();
    let mut keep = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            keep = line.starts_with("[profile.");
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let verify = match args {
        [] => false,
        ["--verify"] => true,
        _ => {
            eprintln!("usage: cargo xtask package-check [--verify]");
            return ExitCode::from(1);
        }
    };
    let started = Instant::now();
    match check(root, verify) {
        Ok(()) => {
            let s = started.elapsed().as_secs();
            eprintln!(
                "package-check: {} crates packaged, built and run from their .crate files in {}m{:02}s",
                PUBLISHED.len(),
                s / 60,
                s % 60
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: package-check: {e}");
            ExitCode::from(1)
        }
    }
}

fn check(root: &Path, verify: bool) -> Result<(), String> {
    let version = workspace_version(root)?;
    let mut package = cargo();
    package
        .current_dir(root)
        .args(["package", "--allow-dirty", "--quiet"]);
    if !verify {
        package.arg("--no-verify");
    }
    for krate in PUBLISHED {
        package.args(["-p", krate]);
    }
    let what = if verify {
        "cargo package (every publishable crate, verified)"
    } else {
        "cargo package --no-verify (every publishable crate)"
    };
    step(what, &mut package)?;

    let dir = root.join("target").join("package-check");
    let crates = dir.join("crates");
    let _ = std::fs::remove_dir_all(&crates);
    std::fs::create_dir_all(&crates).map_err(|e| format!("{}: {e}", crates.display()))?;
    let mut patch = String::from("[patch.crates-io]\n");
    for krate in PUBLISHED {
        // `cargo package` writes into the target directory, which CARGO_TARGET_DIR may move.
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let file = target_dir
            .join("package")
            .join(format!("{krate}-{version}.crate"));
        step(
            &format!(
                "unpack {}",
                file.file_name().unwrap_or_default().to_string_lossy()
            ),
            // `-m`: the files get the current time, not the one in the archive, so cargo
            // rebuilds what changed since the last check.
            Command::new("tar")
                .arg("-xzmf")
                .arg(&file)
                .arg("-C")
                .arg(&crates),
        )?;
        patch.push_str(&format!(
            "{krate} = {{ path = \"crates/{krate}-{version}\" }}\n"
        ));
    }

    // The downstream crate and the workspace around it.
    let downstream = dir.join("downstream");
    let _ = std::fs::remove_dir_all(&downstream);
    let template = root.join("xtask").join("downstream");
    let copy = |from: PathBuf, to: PathBuf| -> Result<(), String> {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::copy(&from, &to)
            .map(drop)
            .map_err(|e| format!("{}: {e}", from.display()))
    };
    copy(
        template.join("src").join("main.rs"),
        downstream.join("src").join("main.rs"),
    )?;
    copy(template.join("users.toml"), downstream.join("users.toml"))?;
    copy(
        root.join("tests")
            .join("fixtures")
            .join("status.queues")
            .join("response.json"),
        downstream.join("status.queues.response.json"),
    )?;
    let manifest =
        std::fs::read_to_string(template.join("Cargo.toml.in")).map_err(|e| e.to_string())?;
    std::fs::write(
        downstream.join("Cargo.toml"),
        manifest.replace("@VERSION@", &version),
    )
    .map_err(|e| e.to_string())?;
    let members: Vec<String> = PUBLISHED
        .iter()
        .map(|k| format!("\"crates/{k}-{version}\""))
        .collect();
    let workspace = format!(
        "# Written by `cargo xtask package-check`: the packaged crates and a downstream crate.\n\
         [workspace]\nresolver = \"3\"\nmembers = [\"downstream\", {}]\n\n{patch}\n{}",
        members.join(", "),
        profiles(root)
    );
    std::fs::write(dir.join("Cargo.toml"), workspace).map_err(|e| e.to_string())?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;

    // Built in its own target directory: the packaged `dlspbx` binary must not replace the
    // workspace's in target/debug.
    let target = dir.join("target");
    step(
        "cargo build --workspace (the unpacked crates and the downstream crate)",
        cargo()
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target)
            .args(["build", "--workspace", "--offline", "--quiet"]),
    )?;
    let bin = |name: &str| {
        target
            .join("debug")
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    };
    step(
        "run the downstream crate",
        Command::new(bin("dlspbx-downstream-check")).current_dir(&dir),
    )?;
    let mut cli = Command::new(bin("dlspbx"));
    cli.current_dir(&dir).args(["--sim", "status", "queues"]);
    for var in [
        "DLSPBX_URL",
        "DLSPBX_API_USER",
        "DLSPBX_API_KEY",
        "DLSPBX_API_KEY_FILE",
        "DLSPBX_CONFIG",
    ] {
        cli.env_remove(var);
    }
    eprintln!("==> run the packaged CLI: dlspbx --sim status queues");
    let output = cli.output().map_err(|e| format!("dlspbx: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || !stdout.contains("\"queues\"") {
        return Err(format!(
            "the packaged CLI failed ({}):\n{stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    eprintln!(
        "packaged CLI: {} bytes of queues from its embedded simulator",
        stdout.len()
    );
    Ok(())
}
