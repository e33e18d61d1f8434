//! A standalone simulator (`dlspbx sim serve`, its own process) for the measurements and
//! tool runs of `cargo xtask stream` and `cargo xtask schemathesis`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::str::FromStr;

/// The one optional `FLAG N` of a command (`--cdrs 1000`), or `default`; a usage error
/// (printed, exit 1) for anything else.
pub fn number_arg<T: FromStr>(
    args: &[&str],
    flag: &str,
    default: T,
    usage: &str,
) -> Result<T, ExitCode> {
    match args {
        [] => Ok(default),
        [f, n] if *f == flag => n.parse().map_err(|_| {
            eprintln!("error: {flag} {n}: expected a whole number");
            ExitCode::from(1)
        }),
        _ => {
            eprintln!("usage: {usage}");
            Err(ExitCode::from(1))
        }
    }
}

/// Builds the release CLI (`target/release/dlspbx`), which the measurements run.
pub fn build_release(root: &Path) -> Result<std::path::PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "-p", "dlspbx-cli"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !built.success() {
        return Err("the release build failed".into());
    }
    Ok(root.join("target/release/dlspbx"))
}

/// The standalone simulator, stopped when dropped.
pub struct Sim {
    child: std::process::Child,
    /// Its base URL.
    pub url: String,
    /// The demo user.
    pub user: String,
    /// The demo user's API key.
    pub key: String,
}

impl Sim {
    /// The simulator's process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Seeds `db` with `cdrs` CDRs and starts `bin sim serve` on it, on a free loopback port.
pub fn start_sim(bin: &Path, db: &Path, cdrs: u64) -> Result<Sim, String> {
    let seeded = Command::new(bin)
        .args(["sim", "seed", "--cdrs", &cdrs.to_string(), "--db"])
        .arg(db)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot seed the simulator: {e}"))?;
    if !seeded.success() {
        return Err(format!("dlspbx sim seed failed ({seeded})"));
    }
    let mut child = Command::new(bin)
        .args(["sim", "serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    let stdout = child.stdout.take().ok_or("no simulator stdout")?;
    let mut sim = Sim {
        child,
        url: String::new(),
        user: String::new(),
        key: String::new(),
    };
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("simulator output: {e}"))?;
        // `dlspbx-sim listening on URL (api_user=U api_key=K)`
        if let Some(rest) = line.strip_prefix("dlspbx-sim listening on ") {
            let mut parts = rest.split([' ', '(', ')']).filter(|p| !p.is_empty());
            sim.url = parts.next().unwrap_or_default().to_owned();
            for p in parts {
                if let Some(u) = p.strip_prefix("api_user=") {
                    sim.user = u.to_owned();
                } else if let Some(k) = p.strip_prefix("api_key=") {
                    sim.key = k.to_owned();
                }
            }
            return Ok(sim);
        }
    }
    Err("the simulator did not say where it listens".into())
}
