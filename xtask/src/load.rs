//! `cargo xtask load [--requests N] [--connections C]`: the bounded loopback load run against
//! the simulator (issue 7). The driver is the `load` example of `dlspbx-tests`
//! (`tests/examples/load.rs`), built in release mode, so xtask needs no HTTP dependencies.

use std::path::Path;
use std::process::{Command, ExitCode};

pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "dlspbx-tests",
            "--example",
            "load",
            "--",
        ])
        .args(args)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => {
            eprintln!("error: the load run failed ({s})");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            ExitCode::from(2)
        }
    }
}
