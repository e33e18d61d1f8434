//! Ctrl-C for the commands that end cleanly on it (`dialer import`, `status --watch`): the
//! first sets a flag the command polls, a second exits at once.

use crate::error::EXIT_INTERRUPTED;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the first Ctrl-C.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether Ctrl-C was pressed since [`catch_ctrl_c`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Catches Ctrl-C: the first sets [`interrupted`] (the command finishes what is in flight and
/// ends), a second exits at once with 130. The handler runs on a thread of its own, on tokio's
/// signal support (the embedded simulator's tokio).
pub fn catch_ctrl_c() {
    let spawned = std::thread::Builder::new()
        .name("dlspbx-ctrl-c".into())
        .spawn(|| {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if tokio::signal::ctrl_c().await.is_err() {
                    return;
                }
                INTERRUPTED.store(true, Ordering::SeqCst);
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("\ndlspbx: interrupted again; stopping now");
                    std::process::exit(i32::from(EXIT_INTERRUPTED));
                }
            });
        });
    if let Err(e) = spawned {
        eprintln!("dlspbx: cannot watch for Ctrl-C ({e}); it ends the command at once");
    }
}
