//! A progress bar on standard error for long simulations, drawn only when it is a
//! terminal, by a thread of its own so that it moves whatever the runtime is doing.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Simulations shorter than this draw no bar: they are over before a reader sees it.
const MIN_INSTANCES: u64 = 10_000;
const WIDTH: u64 = 30;
const EVERY: Duration = Duration::from_millis(100);

/// A bar being drawn, or nothing.
pub(crate) struct Progress {
    drawing: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl Progress {
    /// Draws `done` of `total` instances while the simulation runs, if `wanted` and
    /// standard error is a terminal.
    pub(crate) fn start(wanted: bool, total: u64, done: Arc<AtomicU64>) -> Self {
        if !wanted || total < MIN_INSTANCES || !std::io::stderr().is_terminal() {
            return Self { drawing: None };
        }
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            loop {
                let finished = stopped.load(Ordering::Relaxed);
                draw(done.load(Ordering::Relaxed).min(total), total);
                if finished {
                    eprintln!();
                    return;
                }
                std::thread::sleep(EVERY);
            }
        });
        Self {
            drawing: Some((stop, thread)),
        }
    }

    /// Draws the bar full and ends its line.
    pub(crate) fn finish(self) {
        if let Some((stop, thread)) = self.drawing {
            stop.store(true, Ordering::Relaxed);
            let _ = thread.join();
        }
    }
}

/// `[##########....................] 33000/100000 instances`.
fn draw(done: u64, total: u64) {
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let bar: String = (0..WIDTH)
        .map(|cell| if cell < filled { '#' } else { '.' })
        .collect();
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "\r[{bar}] {done}/{total} instances");
    let _ = stderr.flush();
}
