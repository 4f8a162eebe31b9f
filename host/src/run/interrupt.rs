//! Ctrl-C and SIGTERM: the first one asks the run to stop after the
//! current step (the applied profile is still reverted and completed
//! results kept); a second one exits at once.

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};

/// Shared "stop requested" flag.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    count: Arc<AtomicU32>,
}

/// Exit code of an interrupted run (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

impl Interrupt {
    /// Installs the process's SIGINT/SIGTERM handler (once per process;
    /// later calls return a flag that is never set by signals).
    pub fn install() -> Self {
        let flag = Self::default();
        let handler = flag.clone();
        let installed = ctrlc::set_handler(move || {
            let seen = handler.count.fetch_add(1, Ordering::SeqCst);
            if seen == 0 {
                eprintln!(
                    "run-perf: interrupted; finishing the current step, then reverting and cleaning up (interrupt again to quit at once)"
                );
            } else {
                eprintln!("run-perf: interrupted twice, quitting without cleanup");
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
        });
        if let Err(err) = installed {
            tracing::warn!(
                "cannot handle interrupts ({err}); Ctrl-C will stop run-perf without cleanup"
            );
        }
        flag
    }

    /// Whether a stop was requested.
    pub fn requested(&self) -> bool {
        self.count.load(Ordering::SeqCst) > 0
    }
}
