//! The `dlspbx` binary; everything is in the library (`dlspbx_cli`).

use std::process::ExitCode;

fn main() -> ExitCode {
    dlspbx_cli::main()
}
