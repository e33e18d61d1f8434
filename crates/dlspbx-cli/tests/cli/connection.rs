//! Connection settings against a real (in-test) simulator: which key wins is seen by whether
//! the simulator accepts it. Precedence: flags > key file flag > environment > config file;
//! none at all → an error in a script; the embedded simulator when asked for, with a note on
//! stderr.

use crate::{dlspbx, dlspbx_no_sim, stderr};
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
    assert_eq!(
        code(dlspbx_no_sim().env("DLSPBX_CONFIG", s.config(s.good()))),
        0
    );
    assert_eq!(
        code(dlspbx_no_sim().arg("--config").arg(s.config(WRONG))),
        3
    );
}

#[test]
fn the_environment_beats_the_config_file() {
    let s = Setup::new();
    let config = s.config(WRONG);
    assert_eq!(
        code(
            dlspbx_no_sim()
                .env("DLSPBX_CONFIG", &config)
                .env("DLSPBX_API_KEY", s.good())
        ),
        0
    );
    let config = s.config(s.good());
    assert_eq!(
        code(
            dlspbx_no_sim()
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
            dlspbx_no_sim()
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
            dlspbx_no_sim()
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
            dlspbx_no_sim()
                .env("DLSPBX_CONFIG", &config)
                .env("DLSPBX_API_KEY", WRONG)
                .args(["--api-key", s.good()])
        ),
        0
    );
    // Every setting by flag, with a wrong environment and config file around.
    assert_eq!(
        code(
            dlspbx_no_sim()
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
fn nothing_configured_in_a_script_is_an_error_not_demo_data() {
    let (code, se) = refused(&mut dlspbx_no_sim());
    assert_eq!(code, 1, "{se}");
    assert_eq!(
        se.trim_end(),
        "dlspbx: no server configured; pass --sim (or set DLSPBX_SIM=1) to use the embedded \
         simulator, or give the server with --url, DLSPBX_URL or `url` in the config file"
    );
    // --dry-run too: it has no URL to show.
    let (code, se) = refused(dlspbx_no_sim().arg("--dry-run"));
    assert_eq!(code, 1, "{se}");
    assert!(se.contains("no server configured"), "{se}");
}

#[test]
fn the_simulator_is_used_when_asked_for_and_says_so() {
    for asked in [
        dlspbx_no_sim().arg("--sim"),
        dlspbx_no_sim().env("DLSPBX_SIM", "1"),
        dlspbx_no_sim().env("DLSPBX_SIM", "true"),
    ] {
        let out = asked.args(["status", "queues"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let se = stderr(&out);
        assert!(
            se.starts_with("dlspbx: using the embedded simulator at http://127.0.0.1:"),
            "{se}"
        );
        assert!(se.contains("(demo data; changes are discarded"), "{se}");
        assert_eq!(se.lines().count(), 1, "{se}");
        assert!(!out.stdout.is_empty());
    }
    // DLSPBX_SIM=0, or empty, asks for nothing.
    for off in ["0", "", "no"] {
        let (code, se) = refused(dlspbx_no_sim().env("DLSPBX_SIM", off));
        assert_eq!(code, 1, "{off:?}: {se}");
        assert!(se.contains("no server configured"), "{off:?}: {se}");
    }
    // Anything else is refused, naming the flag.
    let (code, se) = refused(dlspbx_no_sim().env("DLSPBX_SIM", "maybe"));
    assert_eq!(code, 1, "{se}");
    assert!(se.contains("--sim") && se.contains("maybe"), "{se}");
    // --sim-cdrs (or DLSPBX_SIM_CDRS) sizes its CDR table.
    let count = |extra: &[&str], env: Option<&str>| -> i64 {
        let mut cmd = crate::dlspbx();
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

/// Runs `test` and returns its exit code and stderr, checking that it printed nothing and
/// started no simulator.
fn refused(cmd: &mut assert_cmd::Command) -> (i32, String) {
    let out = cmd.arg("test").output().unwrap();
    let se = stderr(&out);
    assert!(out.stdout.is_empty(), "{}", crate::stdout(&out));
    assert!(!se.contains("using the embedded simulator"), "{se}");
    (out.status.code().unwrap_or(-1), se)
}

#[test]
fn a_named_config_file_that_is_missing_or_broken_is_an_error() {
    let s = Setup::new();
    let missing = s.dir.path().join("nonexistent.toml");
    let (code, se) = refused(dlspbx_no_sim().arg("--config").arg(&missing));
    assert_eq!(code, 1, "{se}");
    assert!(se.contains("nonexistent.toml"), "{se}");
    let (code, se) = refused(dlspbx_no_sim().env("DLSPBX_CONFIG", &missing));
    assert_eq!(code, 1, "{se}");
    assert!(se.contains("nonexistent.toml"), "{se}");
    let broken = s.dir.path().join("broken.toml");
    for (text, line) in [
        ("url = \n", "line 1"),
        ("[[[\n", "line 1"),
        ("api_user = \"1\"\nurll = \"x\"\n", "line 2"),
    ] {
        std::fs::write(&broken, text).unwrap();
        for cmd in [
            dlspbx_no_sim().arg("--config").arg(&broken),
            dlspbx_no_sim().env("DLSPBX_CONFIG", &broken),
        ] {
            let (code, se) = refused(cmd);
            assert_eq!(code, 1, "{text:?}: {se}");
            assert!(
                se.contains(&format!("broken.toml: {line}:")),
                "{text:?}: {se}"
            );
        }
    }
}

#[test]
fn a_broken_default_config_file_is_an_error_for_commands_that_need_a_server_only() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dlspbx").join("config.toml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "url = \n").unwrap();
    let with_default = || {
        let mut cmd = dlspbx_no_sim();
        cmd.env("XDG_CONFIG_HOME", dir.path());
        cmd
    };
    let (code, se) = refused(&mut with_default());
    assert_eq!(code, 1, "{se}");
    assert!(se.contains(&file.display().to_string()), "{se}");
    let fixture = crate::fixtures()
        .join("status.queues/response.bom.json")
        .display()
        .to_string();
    for args in [
        &["--help"][..],
        &["completions", "bash"],
        &["man"],
        &["sim", "--help"],
        &["decode", "status.queues", &fixture],
        &["--sim", "test"],
    ] {
        let out = with_default().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    // A missing default file is skipped: no server is configured.
    std::fs::remove_file(&file).unwrap();
    let (code, se) = refused(&mut with_default());
    assert_eq!(code, 1, "{se}");
    assert!(se.contains("no server configured"), "{se}");
}

#[test]
fn a_missing_setting_is_named_by_its_flag_variable_and_config_key_not_the_sdk() {
    let s = Setup::new();
    let url = s.sim.url();
    for (args, expected) in [
        (
            vec!["--url", &url],
            "dlspbx: configuration error: the API user is not set: give --api-user, set \
             DLSPBX_API_USER, or put api_user in the config file",
        ),
        (
            vec!["--url", &url, "--api-user", "100"],
            "dlspbx: configuration error: the API key is not set: give --api-key or \
             --api-key-file, set DLSPBX_API_KEY or DLSPBX_API_KEY_FILE, or put api_key or \
             api_key_file in the config file",
        ),
    ] {
        let (code, se) = refused(dlspbx_no_sim().args(&args));
        assert_eq!(code, 1, "{se}");
        assert_eq!(se.trim_end(), expected);
        assert!(!se.contains("ClientBuilder"), "{se}");
    }
}

/// A server that accepts connections and never answers, for as long as it is kept.
struct Hung {
    addr: std::net::SocketAddr,
    _accepted: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Hung {
    fn start() -> Hung {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(16).flatten() {
                keep.lock().unwrap().push(stream);
            }
        });
        Hung {
            addr,
            _accepted: accepted,
        }
    }
}

#[test]
fn timeout_flags_bound_a_call_to_a_hung_server() {
    let hung = Hung::start();
    let url = format!("http://{}", hung.addr);
    let base = ["--url", &url, "--api-user", "100", "--api-key", "k"];
    for (flags, env) in [
        (&["--timeout", "1s"][..], None),
        (&["--timeout", "1", "--retries", "0"], None),
        (&["--timeout", "500ms", "--retries", "1"], None),
        (&[], Some(("DLSPBX_TIMEOUT", "1s"))),
    ] {
        let mut cmd = dlspbx_no_sim();
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let started = std::time::Instant::now();
        let out = cmd.args(base).args(flags).arg("test").output().unwrap();
        let took = started.elapsed();
        let se = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {se}");
        assert!(se.contains("timed out"), "{flags:?}: {se}");
        assert!(se.contains(&hung.addr.to_string()), "{flags:?}: {se}");
        assert!(
            took < std::time::Duration::from_secs(8),
            "{flags:?}: {took:?}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn bad_durations_and_retries_are_usage_errors_naming_the_flag() {
    for (args, env, flag) in [
        (&["--timeout", "1y"][..], None, "--timeout"),
        (&["--connect-timeout", "0"], None, "--connect-timeout"),
        (&["--timeout", "soon"], None, "--timeout"),
        (&[], Some(("DLSPBX_TIMEOUT", "x")), "--timeout"),
        (&["--retries=-1"], None, "--retries"),
        (&["--retries", "many"], None, "--retries"),
    ] {
        let mut cmd = dlspbx_no_sim();
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.arg("--sim").args(args).arg("test").output().unwrap();
        let se = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {se}");
        assert!(se.contains(flag), "{args:?}: {se}");
        if flag != "--retries" {
            assert!(se.contains("30s, 2m, 500ms"), "{args:?}: {se}");
        }
        assert!(out.stdout.is_empty());
    }
    // Good values work.
    let out = dlspbx_no_sim()
        .args([
            "--sim",
            "--timeout",
            "2m",
            "--connect-timeout",
            "500ms",
            "--retries",
            "0",
        ])
        .arg("test")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_base_url_with_a_trailing_slash_or_the_api_path_works() {
    let s = Setup::new();
    for url in [
        format!("{}/", s.sim.url()),
        format!("{}/api/v1", s.sim.url()),
        format!("{}/api/v1/", s.sim.url()),
    ] {
        let mut cmd = dlspbx_no_sim();
        cmd.args([
            "--url",
            &url,
            "--api-user",
            s.sim.api_user(),
            "--api-key",
            s.good(),
        ]);
        assert_eq!(code(&mut cmd), 0, "{url}");
        let out = dlspbx_no_sim()
            .args([
                "--url",
                &url,
                "--api-user",
                "100",
                "--api-key",
                "k",
                "--dry-run",
                "test",
            ])
            .output()
            .unwrap();
        let so = crate::stdout(&out);
        assert!(
            so.starts_with(&format!("POST {}/api/v1/example.php?", s.sim.url())),
            "{url}: {so}"
        );
    }
}

#[test]
fn a_refused_connection_names_the_address() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let out = dlspbx_no_sim()
        .args(["--url", &url, "--api-user", "100", "--api-key", "k", "test"])
        .output()
        .unwrap();
    let se = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{se}");
    assert!(
        se.contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{se}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn quiet_hides_the_simulator_notice_but_not_errors() {
    let out = dlspbx_no_sim()
        .args(["--sim", "--quiet", "status", "queues"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert!(!out.stdout.is_empty());
    let (code, se) = refused(dlspbx_no_sim().arg("--quiet"));
    assert_eq!(code, 1, "{se}");
    assert!(se.contains("no server configured"), "{se}");
}

/// `--sim-db PATH` keeps the embedded simulator's writes between commands: a contact list
/// made by one command is found by the next. Without it the notice says they are discarded
/// (and they are); a path that cannot be opened is exit 1 naming `--sim-db`.
#[test]
fn sim_db_keeps_writes_between_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sim.db");
    let list = ["dialer", "add-contact-list", "--name", "Kept", "-o", "json"];
    let contact = [
        "dialer",
        "add-contact",
        "--contact-list",
        "Kept",
        "--phone-number",
        "8155551234",
        "-o",
        "json",
    ];
    let out = dlspbx()
        .arg("--sim-db")
        .arg(&db)
        .args(list)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("changes kept in {}", db.display())),
        "{}",
        stderr(&out)
    );
    let out = dlspbx()
        .env("DLSPBX_SIM_DB", &db)
        .args(contact)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = dlspbx().args(contact).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changes are discarded when the command ends"),
        "{}",
        stderr(&out)
    );
    let out = dlspbx()
        .args(["--sim-db", "/nonexistent/dir/sim.db", "status", "users"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--sim-db /nonexistent/dir/sim.db"),
        "{}",
        stderr(&out)
    );
}

/// `-v` prints one line per HTTP call on stderr (URL, status, bytes, time, attempts), never
/// the credentials; a paged command prints one per page, a failed call how it failed.
#[test]
fn verbose_prints_one_line_per_call() {
    let out = dlspbx()
        .args(["--quiet", "-v", "status", "users", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let se = stderr(&out);
    let lines: Vec<&str> = se.lines().collect();
    assert_eq!(lines.len(), 1, "{se}");
    assert!(
        lines[0].starts_with("dlspbx: POST http://127.0.0.1:")
            && lines[0].contains("/status.php?api_action=users&api_format=json -> 200, ")
            && lines[0].contains(" bytes in ")
            && lines[0].ends_with(" ms (1 attempt)"),
        "{se}"
    );
    assert!(!se.contains("api_key") && !se.contains("api_user"), "{se}");
    let out = dlspbx()
        .args([
            "--quiet",
            "--verbose",
            "sms",
            "query-sms",
            "--all",
            "--results-limit",
            "10",
        ])
        .args(["-o", "jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).matches("sms.php?api_action=query_sms").count(),
        2,
        "{}",
        stderr(&out)
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = dlspbx_no_sim()
        .args([
            "-v",
            "--retries",
            "1",
            "--api-user",
            "100",
            "--api-key",
            "k",
            "--url",
        ])
        .arg(format!("http://127.0.0.1:{port}"))
        .args(["status", "users"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(" failed in ") && stderr(&out).contains("(2 attempts)"),
        "{}",
        stderr(&out)
    );
}

/// `--profile NAME` (or `DLSPBX_PROFILE`) reads the config file's `[profiles.NAME]` over its
/// top-level keys; a profile the file lacks is exit 1 naming those it has.
#[test]
fn profiles_choose_a_table_of_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "url = \"http://127.0.0.1:1\"\napi_user = \"100@default\"\napi_key = \"k\"\n\n\
         [profiles.staging]\nurl = \"http://127.0.0.1:2\"\napi_user = \"200@acme\"\n",
    )
    .unwrap();
    let dry = |profile: Option<&str>, env: Option<&str>| {
        let mut cmd = dlspbx_no_sim();
        cmd.arg("--config").arg(&config);
        if let Some(p) = profile {
            cmd.args(["--profile", p]);
        }
        if let Some(p) = env {
            cmd.env("DLSPBX_PROFILE", p);
        }
        cmd.args(["status", "users", "--dry-run"]).output().unwrap()
    };
    let top = dry(None, None);
    assert!(top.status.success(), "{}", stderr(&top));
    assert!(String::from_utf8_lossy(&top.stdout).starts_with("POST http://127.0.0.1:1/"));
    for out in [dry(Some("staging"), None), dry(None, Some("staging"))] {
        assert!(out.status.success(), "{}", stderr(&out));
        let so = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(so.starts_with("POST http://127.0.0.1:2/"), "{so}");
        assert!(so.contains("api_user=200%40acme"), "{so}");
    }
    let out = dry(Some("nope"), None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no profile `nope`; it has staging"),
        "{}",
        stderr(&out)
    );
}

/// `dlspbx config show` prints the configuration in effect with the key redacted (never the
/// key), as `key = value` lines or JSON; an unusable one is the command's error, exit 1.
#[test]
fn config_show_redacts_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "url = \"https://pbx.example.com\"\napi_user = \"100@default\"\napi_key = \"sekret-key-1\"\n",
    )
    .unwrap();
    let out = dlspbx_no_sim()
        .arg("--config")
        .arg(&config)
        .args(["--timeout", "5s", "config", "show"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let so = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(so.contains("url = \"https://pbx.example.com\"\n"), "{so}");
    assert!(
        so.contains("api_key = \"REDACTED (from the config file)\"\n"),
        "{so}"
    );
    assert!(so.contains("timeout = \"5s\"\n"), "{so}");
    assert!(
        !so.contains("sekret") && !stderr(&out).contains("sekret"),
        "{so}"
    );
    let out = dlspbx_no_sim()
        .arg("--config")
        .arg(&config)
        .args(["config", "show", "-o", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["api_user"], "100@default");
    let out = dlspbx_no_sim().args(["config", "show"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("URL is not set"), "{}", stderr(&out));
}
