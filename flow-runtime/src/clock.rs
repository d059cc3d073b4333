//! The one clock the engine reads: deadlines, retry timers, leases and statistics all take
//! their time from it. The system clock by default; a [`ManualClock`] in tests, which moves
//! only when told, so a 7-day deadline fires at once and exactly.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;

/// Where the engine reads the time.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The operating system's clock.
    #[default]
    System,
    /// A clock that moves only when a test advances it.
    Manual(ManualClock),
}

impl Clock {
    /// A manual clock starting at the system's time now, and the clock that reads it.
    pub fn manual() -> (Clock, ManualClock) {
        let manual = ManualClock::starting_at(SystemTime::now());
        (Clock::Manual(manual.clone()), manual)
    }

    /// The time now.
    #[inline]
    pub fn now(&self) -> SystemTime {
        match self {
            Clock::System => counted::now(),
            Clock::Manual(manual) => manual.now(),
        }
    }

    /// Resolves when a manual clock is advanced; never for the system clock (its time
    /// passes by itself, and the worker sleeps until what is due).
    pub(crate) async fn advanced(&self) {
        match self {
            Clock::System => std::future::pending().await,
            Clock::Manual(manual) => manual.moved.notified().await,
        }
    }
}

/// The system clock, read through the processor's time-stamp counter between readings of the
/// operating system's clock. The engine reads the time once per step; on a virtual machine the
/// operating system's clock costs about 30 ns a reading, the counter about 10.
///
/// Each thread takes the operating system's time as its anchor and adds the counter's ticks
/// since (scaled to nanoseconds, as calibrated by quanta); it reads the operating system's
/// clock again every few milliseconds, so a step of the wall clock (NTP, an operator) shows
/// within that time and the counter's drift never adds up to more than microseconds. A
/// counter that went backwards (another core's, not synchronised) also takes a new reading.
/// Where the processor has no usable counter, quanta reads the monotonic clock instead.
mod counted {
    use std::cell::Cell;
    use std::sync::OnceLock;
    use std::time::{Duration, SystemTime};

    /// How long a thread's anchor serves before the operating system's clock is read again.
    const ANCHOR_NANOS: u64 = 5_000_000;

    static COUNTER: OnceLock<quanta::Clock> = OnceLock::new();

    thread_local! {
        /// The operating system's time and the counter's reading at that time.
        static ANCHOR: Cell<Option<(SystemTime, u64)>> = const { Cell::new(None) };
    }

    #[inline]
    pub(super) fn now() -> SystemTime {
        let counter = COUNTER.get_or_init(quanta::Clock::new);
        let ticks = counter.raw();
        ANCHOR.with(|anchor| {
            if let Some((time, at)) = anchor.get()
                && ticks >= at
            {
                let since = counter.delta_as_nanos(at, ticks);
                if since < ANCHOR_NANOS {
                    return time + Duration::from_nanos(since);
                }
            }
            let time = SystemTime::now();
            anchor.set(Some((time, ticks)));
            time
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_counted_clock_keeps_to_the_system_clock() {
            for _ in 0..20 {
                let before = SystemTime::now();
                let counted = now();
                std::thread::sleep(Duration::from_micros(700));
                let after = SystemTime::now();
                // Within the drift a few milliseconds of counting allow, on either side.
                let slack = Duration::from_millis(1);
                assert!(
                    counted + slack >= before,
                    "{counted:?} is behind {before:?}"
                );
                assert!(
                    counted <= after + slack,
                    "{counted:?} is ahead of {after:?}"
                );
            }
            // Time moves on between readings.
            let first = now();
            std::thread::sleep(Duration::from_millis(2));
            assert!(now() > first);
        }
    }
}

/// A clock for tests: it stands still until [`ManualClock::advance`] moves it. Clones share
/// one time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<SystemTime>>,
    moved: Arc<Notify>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn starting_at(start: SystemTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
            moved: Arc::new(Notify::new()),
        }
    }

    /// The time it shows.
    pub fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves it forward by `by`, and wakes the engine's worker to look at what became due.
    pub fn advance(&self, by: Duration) {
        {
            let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
            *now += by;
        }
        self.moved.notify_waiters();
    }
}
