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
            Clock::System => SystemTime::now(),
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
