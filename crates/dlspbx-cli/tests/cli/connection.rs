//! Connection settings against a real (in-test) simulator: which key wins is seen by whether
//! the simulator accepts it. Precedence: flags > key file flag > environment > config file;
//! none at all → the embedded simulator, with a note on stderr.

use crate::{dlspbx, stderr};
use std::path::Path;

const WRONG: &str = "wrong-key";

struct Setup {
    sim: dlspbx_sim::Sim,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        Setup {
            sim: dlspbx_sim::Sim::start().unwrap(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A config file with the simulator's URL and user, and `key`.
    fn config(&self, key: &str) -> std::path::PathBuf {
        let path = self.dir.path().join("config.toml");
        std::fs::write(
            &path,
            format!(
                "url = \"{}\"\napi_user = \"{}\"\napi_key = \"{key}\"\n",
                self.sim.url(),
                self.sim.api_user()
            ),
        )
        .unwrap();
        set_private(&path);
        path
    }

    fn key_file(&self, key: &str) -> std::path::PathBuf {
        let path = self.dir.path().join("key");
        std::fs::write(&path, format!("{key}\n")).unwrap();
        set_private(&path);
        path
    }

    fn good(&self) -> &str {
        self.sim.api_key()
    }
}

fn set_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Runs `status users` and returns its exit code (0: the key that won was the right one;
/// 3: the simulator refused it).
fn code(cmd: &mut assert_cmd::Command) -> i32 {
    let out = cmd.args(["status", "users"]).output().unwrap();
    let se = stderr(&out);
    assert!(
        !se.contains("embedded simulator"),
        "the configured server must be used: {se}"
    );
    out.status.code().unwrap_or(-1)
}

#[test]
fn the_config_file_alone_works() {
    let s = Setup::new();
    assert_eq!(code(dlspbx().env("DLSPBX_CONFIG", s.config(s.good()))), 0);
    assert_eq!(code(dlspbx().arg("--config").arg(s.config(WRONG))), 3);
}

#[test]
fn the_environment_beats_the_config_file() {
    let s = Setup::new();
    let config = s.config(WRONG);
    assert_eq!(
        code(
            dlspbx()
                .env("DLSPBX_CONFIG", &config)
                .env("DLSPBX_API_KEY", s.good())
        ),
        0
    );
    let config = s.config(s.good());
    assert_eq!(
        code(
            dlspbx()
                .env("DLSPBX_CONFIG", &config)
                .env("DLSPBX_API_KEY", WRONG)
        ),
        3
    );
    // The key file named in the environment too.
    let key = s.key_file(s.good());
    let config = s.config(WRONG);
    assert_eq!(
        code(
            dlspbx()
                .env("DLSPBX_CONFIG", &config)
                .env("DLSPBX_API_KEY_FILE", &key)
        ),
        0
    );
}

#[test]
fn the_key_file_flag_beats_the_environment() {
    let s = Setup::new();
    let config = s.config(WRONG);
    let key = s.key_file(s.good());
    assert_eq!(
        code(
            dlspbx()
                .env("DLSPBX_CONFIG", &config)
                .env("DLSPBX_API_KEY", WRONG)
                .arg("--api-key-file")
                .arg(&key)
        ),
        0
    );
}

#[test]
fn flags_beat_everything() {
    let s = Setup::new();
    let config = s.config(WRONG);
    assert_eq!(
        code(
            dlspbx()
                .env("DLSPBX_CONFIG", &config)
                .env("DLSPBX_API_KEY", WRONG)
                .args(["--api-key", s.good()])
        ),
        0
    );
    // Every setting by flag, with a wrong environment and config file around.
    assert_eq!(
        code(
            dlspbx()
                .env("DLSPBX_CONFIG", &config)
                .env("DLSPBX_URL", "http://127.0.0.1:1")
                .env("DLSPBX_API_USER", "999")
                .env("DLSPBX_API_KEY", WRONG)
                .args([
                    "--url",
                    &s.sim.url(),
                    "--api-user",
                    s.sim.api_user(),
                    "--api-key",
                    s.good(),
                ])
        ),
        0
    );
}

#[test]
fn nothing_configured_starts_the_embedded_simulator_and_says_so() {
    let out = dlspbx().args(["status", "queues"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let se = stderr(&out);
    assert!(
        se.starts_with(
            "dlspbx: no --url/DLSPBX_URL given; using the embedded simulator at http://127.0.0.1:"
        ),
        "{se}"
    );
    assert_eq!(se.lines().count(), 1, "{se}");
    // --sim-cdrs (or DLSPBX_SIM_CDRS) sizes its CDR table.
    let count = |extra: &[&str], env: Option<&str>| -> i64 {
        let mut cmd = dlspbx();
        if let Some(n) = env {
            cmd.env("DLSPBX_SIM_CDRS", n);
        }
        let out = cmd
            .args(["report", "--column", "date", "--count-only", "true"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["total_results"]
            .as_i64()
            .unwrap()
    };
    let default = count(&[], None);
    let small = count(&["--sim-cdrs", "50"], None);
    let env = count(&[], Some("50"));
    assert!(small < default, "{small} < {default}");
    assert_eq!(env, small);
}
