//! Integration tests of the `dlspbx` binary (one test binary, several modules, to keep the
//! link steps few).

mod cdr_sync;
mod commands;
mod connection;
mod decode;
mod dry_run;
mod exit_codes;
mod import;
mod scalars;
mod streaming;
mod terminal;

use assert_cmd::Command;

/// The binary against the embedded simulator (`DLSPBX_SIM=1`), with an environment that
/// cannot reach a user's configuration (see [`dlspbx_no_sim`]).
pub fn dlspbx() -> Command {
    let mut cmd = dlspbx_no_sim();
    cmd.env("DLSPBX_SIM", "1");
    cmd
}

/// The binary with an environment that cannot reach a user's configuration: no `DLSPBX_*`
/// variables (so no `DLSPBX_SIM`: a test that names a server, or none, uses this), and a
/// config home with no file in it.
pub fn dlspbx_no_sim() -> Command {
    let mut cmd = Command::cargo_bin("dlspbx").expect("the dlspbx binary is built");
    for var in [
        "DLSPBX_URL",
        "DLSPBX_API_USER",
        "DLSPBX_API_KEY",
        "DLSPBX_API_KEY_FILE",
        "DLSPBX_FORMAT",
        "DLSPBX_ENCODING",
        "DLSPBX_CONFIG",
        "DLSPBX_SIM",
        "DLSPBX_SIM_CDRS",
        "DLSPBX_SIM_DB",
        "DLSPBX_PROFILE",
        "DLSPBX_TIMEOUT",
        "DLSPBX_CONNECT_TIMEOUT",
        "DLSPBX_RETRIES",
    ] {
        cmd.env_remove(var);
    }
    let home = std::env::temp_dir().join("dlspbx-cli-tests-home");
    let _ = std::fs::create_dir_all(&home);
    cmd.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"));
    cmd.timeout(std::time::Duration::from_secs(120));
    cmd
}

/// The fixtures of the workspace (`tests/fixtures/<module>.<action>/`).
pub fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Stdout of a finished command, as text.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr of a finished command, as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
