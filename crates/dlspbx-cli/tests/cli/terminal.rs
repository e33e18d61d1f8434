//! Progress bars on a real terminal (a tmux pane) and nowhere else.
//!
//! `dlspbx report --all --output csv > x.csv` runs in a detached tmux pane against the embedded
//! simulator (20,000 CDRs): stdout is a file, stderr the pane's terminal. Everything written to
//! the pane is recorded (`pipe-pane`), so the bar is seen while it runs, and the pane's screen
//! (`capture-pane`) keeps the summary line it leaves. The same command with stderr redirected to
//! a file writes no bar there. `dialer import` is checked the same way.
//!
//! Needs tmux (`apt-get install -y tmux`); without it the tests print `SKIPPED: tmux not
//! installed` on stderr and pass.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CDRS: usize = 20_000;

pub(crate) fn tmux_installed() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Says that a test was skipped, on the real stderr (not captured by the test harness).
pub(crate) fn skipped(why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// A tmux server of its own (its own socket), killed on drop.
pub(crate) struct Tmux {
    pub(crate) socket: PathBuf,
}

impl Tmux {
    pub(crate) fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket);
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}

pub(crate) fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

/// Runs `command` (a shell command line) in a fresh tmux pane, with a clean `DLSPBX_*`
/// environment, and waits for it. Returns (everything written to the pane, the pane's screen).
pub(crate) fn in_tmux(dir: &Path, name: &str, command: &str) -> (String, String) {
    in_tmux_sized(dir, name, command, 160)
}

/// [`in_tmux`] in a pane `cols` columns wide; the screen's wrapped lines are joined
/// (`capture-pane -J`), so a line longer than the pane shows as one.
pub(crate) fn in_tmux_sized(dir: &Path, name: &str, command: &str, cols: u16) -> (String, String) {
    let tmux = Tmux {
        socket: dir.join(format!("{name}.sock")),
    };
    let go = dir.join(format!("{name}.go"));
    let done = dir.join(format!("{name}.done"));
    let raw = dir.join(format!("{name}.raw"));
    let script = dir.join(format!("{name}.sh"));
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        &script,
        format!(
            "unset DLSPBX_URL DLSPBX_API_USER DLSPBX_API_KEY DLSPBX_API_KEY_FILE DLSPBX_CONFIG \
             DLSPBX_FORMAT DLSPBX_ENCODING DLSPBX_SIM_CDRS DLSPBX_SIM DLSPBX_SIM_DB DLSPBX_PROFILE\n\
             export HOME={home} XDG_CONFIG_HOME={home}/config\n\
             while [ ! -f {go} ]; do sleep 0.05; done\n\
             {command}\n\
             echo \"exit $?\" > {done}\n\
             sleep 300\n",
            home = quote(&home),
            go = quote(&go),
            done = quote(&done),
        ),
    )
    .unwrap();
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        name,
        "-x",
        &cols.to_string(),
        "-y",
        "40",
        &format!("sh {}", quote(&script)),
    ]);
    // Record every byte written to the pane, then let the command start.
    tmux.run(&[
        "pipe-pane",
        "-o",
        "-t",
        name,
        &format!("cat > {}", quote(&raw)),
    ]);
    std::thread::sleep(Duration::from_millis(200));
    std::fs::write(&go, "").unwrap();
    let started = Instant::now();
    while !done.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "`{command}` did not finish in the tmux pane; screen:\n{}",
            tmux.run(&["capture-pane", "-p", "-t", name])
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let screen = tmux.run(&["capture-pane", "-p", "-J", "-t", name, "-S", "-"]);
    let status = std::fs::read_to_string(&done).unwrap_or_default();
    assert_eq!(status.trim(), "exit 0", "`{command}`; screen:\n{screen}");
    let raw = String::from_utf8_lossy(&std::fs::read(&raw).unwrap_or_default()).into_owned();
    (raw, screen)
}

pub(crate) fn bin() -> String {
    quote(&assert_cmd::cargo::cargo_bin("dlspbx"))
}

#[test]
fn report_export_shows_a_progress_bar_on_a_terminal_and_none_on_a_file() {
    if !tmux_installed() {
        skipped("tmux not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("x.csv");
    let export = format!(
        "{} report --column unique_id --column date --all --output csv --sim-cdrs {CDRS} > {}",
        bin(),
        quote(&csv)
    );

    // stderr is the terminal: the bar is drawn while rows stream, and a summary stays.
    let (raw, screen) = in_tmux(dir.path(), "tty", &export);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().next(), Some("unique_id,date"));
    assert!(!text.contains("exporting"), "the bar went to stdout");
    let rows = text.lines().count() - 1;
    assert!(rows > CDRS / 2, "{rows} rows");
    assert!(
        raw.contains("exporting [") && raw.contains(&format!("/{rows} rows (")),
        "no progress bar was drawn on the terminal:\n{raw:?}"
    );
    assert!(
        screen.contains(&format!("dlspbx: exported {rows} rows in ")),
        "no summary on the terminal:\n{screen}"
    );
    // No server configured, and stderr is a terminal: the simulator, and a person sees why.
    assert!(
        screen.contains("dlspbx: no --url/DLSPBX_URL given; using the embedded simulator"),
        "{screen}"
    );

    // stderr is a file (so --sim is needed): no bar, no summary, no terminal escapes; only the simulator's note.
    let err = dir.path().join("err.txt");
    let (_, screen) = in_tmux(
        dir.path(),
        "file",
        &format!("{export} --sim 2> {}", quote(&err)),
    );
    let err_text = std::fs::read_to_string(&err).unwrap();
    assert!(
        !err_text.contains("exporting") && !err_text.contains("exported"),
        "a progress bar was written to a file:\n{err_text}"
    );
    assert!(
        !err_text.contains('\u{1b}') && !err_text.contains('\r'),
        "terminal control codes in a file: {err_text:?}"
    );
    assert_eq!(
        err_text.lines().count(),
        1,
        "only the simulator note: {err_text}"
    );
    assert!(!screen.contains("exported"), "{screen}");
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap().lines().count(),
        rows + 1
    );
}

#[test]
fn import_shows_a_progress_bar_on_a_terminal_and_none_on_a_file() {
    if !tmux_installed() {
        skipped("tmux not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leads.csv");
    let mut text = String::from("phone_number,first_name\n");
    for i in 0..1500 {
        text.push_str(&format!("815555{i:04},Lead {i}\n"));
    }
    std::fs::write(&file, text).unwrap();
    let import = format!(
        "{} dialer import {} --contact-list Leads -o csv > {}",
        bin(),
        quote(&file),
        quote(&dir.path().join("out.csv"))
    );
    let (raw, screen) = in_tmux(dir.path(), "tty", &import);
    assert!(
        raw.contains("/1500 contacts"),
        "no progress bar was drawn on the terminal:\n{raw:?}"
    );
    assert!(
        screen.contains("1500 sent, 0 skipped (invalid), 0 failed"),
        "{screen}"
    );

    let err = dir.path().join("err.txt");
    in_tmux(
        dir.path(),
        "file",
        &format!("{import} --sim 2> {}", quote(&err)),
    );
    let err_text = std::fs::read_to_string(&err).unwrap();
    assert!(
        !err_text.contains("contacts (")
            && !err_text.contains('\u{1b}')
            && !err_text.contains('\r'),
        "a progress bar was written to a file:\n{err_text:?}"
    );
    assert!(
        err_text.contains("1500 sent, 0 skipped (invalid), 0 failed"),
        "{err_text}"
    );
}

/// The README's first command (`dlspbx --sim status queues`) prints tables on a terminal.
#[test]
fn status_queues_prints_a_table_on_a_terminal() {
    if !tmux_installed() {
        skipped("tmux not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, screen) = in_tmux(
        dir.path(),
        "readme",
        &format!("{} --sim status queues", bin()),
    );
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("queues ("))
        .unwrap_or_else(|| panic!("no queues table:\n{screen}"));
    assert!(
        lines[at + 1].starts_with("queue ") && lines[at + 1].contains("waiting"),
        "{screen}"
    );
    assert!(screen.contains("support_queue"), "{screen}");
    assert!(screen.contains("\nqueues.agents ("), "{screen}");
    assert!(!screen.contains('{'), "JSON on a terminal:\n{screen}");
}

/// `dlspbx test` on a terminal says in words that the connection works; elsewhere it prints
/// the response as any action does.
#[test]
fn test_prints_ok_on_a_terminal() {
    if !tmux_installed() {
        skipped("tmux not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, screen) = in_tmux(dir.path(), "ok", &format!("{} --sim --quiet test", bin()));
    let line = screen
        .lines()
        .find(|l| l.starts_with("OK: "))
        .unwrap_or_else(|| panic!("no OK line:\n{screen}"));
    assert!(
        line.starts_with("OK: http://127.0.0.1:") && line.ends_with(" as 100@default"),
        "{screen}"
    );
    assert!(!screen.contains("example_data"), "{screen}");
}

/// On a terminal, `subscribers remove-unsubscriber` asks before sending: `y` sends it, `n`
/// (or anything else) ends with exit 1 and nothing sent. The answer is typed into the pane
/// with `tmux send-keys`.
#[test]
fn remove_unsubscriber_asks_on_a_terminal() {
    if !tmux_installed() {
        skipped("tmux not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, key, code, sent) in [("yes", "y", "code=0", true), ("no", "n", "code=1", false)] {
        let sock = dir.path().join(format!("{name}.sock"));
        let command = format!(
            "(sleep 1; tmux -S {sock} send-keys -t {name} {key} Enter) & \
             {bin} subscribers remove-unsubscriber --phone-number 1122332866 --tenant-id 0 \
             --output json; echo \"code=$?\"",
            sock = quote(&sock),
            bin = bin(),
        );
        let (_, screen) = in_tmux(dir.path(), name, &command);
        assert!(
            screen.contains(
                "Remove 1122332866 from the opt-out list and allow messages again? [y/N]"
            ),
            "{name}: {screen}"
        );
        assert!(screen.contains(code), "{name}: {screen}");
        assert_eq!(
            screen.contains("Successfully removed"),
            sent,
            "{name}: {screen}"
        );
        if !sent {
            assert!(
                screen.contains("not confirmed; nothing was sent"),
                "{screen}"
            );
        }
    }
}

/// On a terminal a table fits the pane: in 50 columns the dialer logs' lines (one per log
/// entry) end in `…` and no line wraps; the header row is bold unless `NO_COLOR` is set or
/// `--color never` is given.
#[test]
fn tables_fit_a_narrow_terminal_with_a_bold_header() {
    if !tmux_installed() {
        skipped("tmux not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (raw, screen) = in_tmux_sized(
        dir.path(),
        "narrow",
        &format!("{} status dialerlogs", bin()),
        50,
    );
    let table: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.starts_with("campaign"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(
        table.len(),
        17,
        "a header and one line per log entry:\n{screen}"
    );
    for line in &table {
        assert!(
            line.chars().count() <= 50,
            "wider than the pane: {line:?}\n{screen}"
        );
    }
    assert!(
        table[1].starts_with("My Campaign  [Dec 29 17:32:12] STATUS: Ready"),
        "{screen}"
    );
    assert!(table[1].ends_with('…'), "{screen}");
    assert!(
        table[2].starts_with("             [Dec 29 17:32:12] DEBUG"),
        "{screen}"
    );
    assert!(raw.contains("\x1b[1mcampaign"), "no bold header: {raw:?}");
    for (name, command) in [
        ("nocolor", format!("NO_COLOR=1 {} status dialerlogs", bin())),
        (
            "never",
            format!("{} status dialerlogs --color never", bin()),
        ),
    ] {
        let (raw, screen) = in_tmux_sized(dir.path(), name, &command, 50);
        assert!(screen.contains("campaign"), "{name}: {screen}");
        assert!(!raw.contains("\x1b[1m"), "{name}: bold: {raw:?}");
    }
}

/// `status … --watch` on a terminal redraws in place (one heading on the screen after several
/// polls, the table under it) until Ctrl-C, which exits 0.
#[test]
fn status_watch_redraws_until_ctrl_c() {
    if !tmux_installed() {
        skipped("tmux not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("watch.sock");
    let command = format!(
        // Ctrl-C reaches the whole foreground process group: the script's shell traps it.
        "trap true INT; (sleep 2; tmux -S {sock} send-keys -t watch C-c) & \
         {bin} --sim --quiet status conferences --watch --interval 200ms; echo \"code=$?\"",
        sock = quote(&sock),
        bin = bin(),
    );
    let (raw, screen) = in_tmux(dir.path(), "watch", &command);
    // Each poll clears the screen and draws from its top (tmux keeps what was cleared in its
    // history, which the capture includes): several polls, each one heading and one table.
    assert!(raw.matches("\x1b[H\x1b[2J").count() >= 3, "{raw}");
    let heading = "Every 200ms: dlspbx status conferences";
    let last = &screen[screen.rfind(heading).expect("a heading")..];
    assert_eq!(last.matches("conference_number").count(), 1, "{screen}");
    assert!(last.contains("code=0"), "{screen}");
}

/// `dlspbx config init` on a terminal asks for the URL, user and key (the key not echoed),
/// checks them, and, told to save after a failed check, writes the config file and the key
/// file beside it, both 0600. Without a terminal it refuses (exit 1) and writes nothing.
#[test]
fn config_init_asks_and_writes_private_files() {
    if !tmux_installed() {
        skipped("tmux not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("conf").join("config.toml");
    let sock = dir.path().join("init.sock");
    let keys = |text: &str| format!("tmux -S {} send-keys -t init {text} Enter", quote(&sock));
    let command = format!(
        "(sleep 1; {}; sleep 0.5; {}; sleep 0.5; {}; sleep 4; {}) & \
         {bin} config init --config {config} --retries 0; echo \"code=$?\"",
        keys("http://127.0.0.1:1"),
        keys("100@default"),
        keys("sekret-key-7"),
        keys("y"),
        bin = bin(),
        config = quote(&config),
    );
    let (_, screen) = in_tmux(dir.path(), "init", &command);
    assert!(screen.contains("PBX URL"), "{screen}");
    assert!(screen.contains("API key (not shown)"), "{screen}");
    assert!(!screen.contains("sekret"), "the key was echoed:\n{screen}");
    assert!(
        screen.contains("Save these settings anyway? [y/N]"),
        "{screen}"
    );
    assert!(screen.contains("code=0"), "{screen}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("url = \"http://127.0.0.1:1\""), "{text}");
    assert!(text.contains("api_user = \"100@default\""), "{text}");
    assert!(text.contains("api_key_file = \"api-key\""), "{text}");
    let key = config.with_file_name("api-key");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), "sekret-key-7\n");
    use std::os::unix::fs::PermissionsExt;
    for p in [&config, &key] {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
    // No terminal: refused, nothing written.
    let other = dir.path().join("other.toml");
    let out = crate::dlspbx_no_sim()
        .args(["config", "init", "--config"])
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!other.exists());
}

/// Seeding the embedded simulator with many CDRs shows a progress bar on a terminal, cleared
/// when it is done; `--quiet` shows none.
#[test]
fn seeding_many_cdrs_shows_progress() {
    if !tmux_installed() {
        skipped("tmux not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, quiet, shown) in [("seed", "", true), ("quietseed", "--quiet", false)] {
        let command = format!(
            "{} --sim {quiet} --sim-cdrs 60000 status users -o json > /dev/null",
            bin()
        );
        let (raw, screen) = in_tmux(dir.path(), name, &command);
        assert_eq!(
            raw.contains("seeding the embedded simulator"),
            shown,
            "{name}: {raw}"
        );
        assert!(
            !screen.contains("seeding the embedded simulator"),
            "{screen}"
        );
    }
}
