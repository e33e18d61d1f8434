//! `dlspbx-sim`: the reference server for the DLS Hosted PBX HTTP API.

fn main() -> std::process::ExitCode {
    dlspbx_sim::cli::run_cli(std::env::args_os())
}
