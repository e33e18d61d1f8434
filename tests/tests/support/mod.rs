//! Helpers shared by the cross-crate tests of issue 7 (bad input, secrets, tenant isolation):
//! the `dlspbx` binary with a clean environment, and the hostile (counting) server of the
//! client tests.
#![allow(dead_code)]

#[path = "../../../crates/dlspbx/tests/support/hostile_server.rs"]
pub mod hostile_server;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The `dlspbx` binary of this build (`target/<profile>/dlspbx`), built once if the test
/// run did not build it already (`cargo test -p dlspbx-tests` alone does not).
pub fn cli_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("test binary path");
        // target/<profile>/deps/<test> -> target/<profile>/dlspbx
        let dir = exe
            .parent()
            .and_then(|d| d.parent())
            .expect("target dir")
            .to_path_buf();
        let bin = dir.join(format!("dlspbx{}", std::env::consts::EXE_SUFFIX));
        if !bin.is_file() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let release = dir.file_name().is_some_and(|n| n == "release");
            let mut build = Command::new(cargo);
            build.args(["build", "-q", "-p", "dlspbx-cli", "--bin", "dlspbx"]);
            if release {
                build.arg("--release");
            }
            let status = build.status().expect("cargo runs");
            assert!(status.success(), "cannot build the dlspbx binary");
        }
        bin
    })
    .clone()
}

/// The binary with an environment that cannot reach a user's configuration.
pub fn cli() -> Command {
    let mut cmd = Command::new(cli_bin());
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
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    let home = std::env::temp_dir().join("dlspbx-tests-home");
    let _ = std::fs::create_dir_all(&home);
    cmd.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"));
    cmd
}
