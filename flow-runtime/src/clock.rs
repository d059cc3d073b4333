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
            Clock::System => since_epoch(counted::now_nanos()),
            Clock::Manual(manual) => manual.now(),
        }
    }

    /// The time now, also as nanoseconds since the Unix epoch (0 before it): what a step's
    /// latency is measured in, a subtraction instead of a `SystemTime` difference.
    #[inline]
    pub(crate) fn now_with_nanos(&self) -> (SystemTime, u64) {
        match self {
            Clock::System => {
                let nanos = counted::now_nanos();
                (since_epoch(nanos), nanos)
            }
            Clock::Manual(manual) => {
                let now = manual.now();
                (now, nanos_since_epoch(now))
            }
        }
    }

    /// [`Clock::now_with_nanos`]'s nanoseconds alone.
    #[inline]
    pub(crate) fn now_nanos(&self) -> u64 {
        match self {
            Clock::System => counted::now_nanos(),
            Clock::Manual(manual) => nanos_since_epoch(manual.now()),
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

/// The time `nanos` nanoseconds after the Unix epoch.
#[inline]
fn since_epoch(nanos: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos)
}

/// `time` as nanoseconds since the Unix epoch; 0 before it, the most a `u64` holds after
/// the year 2554.
pub(crate) fn nanos_since_epoch(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
        })
}

/// The system clock, read through the processor's time-stamp counter between readings of the
/// operating system's clock. The engine reads the time once per step; on a virtual machine the
/// operating system's clock costs about 30 ns a reading, the counter about 10.
///
/// Each thread takes the operating system's time as its anchor and adds the counter's ticks
/// since, at a rate the thread measures itself against the operating system's clock over at
/// least [`MEASURE_NANOS`] (not quanta's calibration: one taken on a busy machine can be far
/// off, and a slow clock made live leases look lapsed). It reads the operating system's clock
/// again after every [`ANCHOR_NANOS`] of counting, and measures the rate anew each time, so a
/// step of the wall clock (NTP, an operator) shows within that time and an error never lasts.
/// Until a thread has a rate, and whenever the counter went backwards (another core's, not
/// synchronised), it reads the operating system's clock. Where the processor has no usable
/// counter, quanta counts the monotonic clock instead.
mod counted {
    use std::cell::Cell;
    use std::sync::OnceLock;
    use std::time::SystemTime;

    /// How long a thread's anchor serves before the operating system's clock is read again.
    const ANCHOR_NANOS: u64 = 5_000_000;

    /// The shortest span of the operating system's clock a rate is measured over.
    pub(super) const MEASURE_NANOS: u128 = 2_000_000;

    /// The most the counter may move across a reading of the operating system's clock for
    /// the two to be taken as one instant.
    const PAIRED_NANOS: u64 = 20_000;

    static COUNTER: OnceLock<quanta::Clock> = OnceLock::new();

    /// A thread's reading of both clocks, and the rate between them.
    #[derive(Clone, Copy)]
    struct Anchor {
        /// The operating system's time at `ticks`, in nanoseconds since the Unix epoch.
        nanos: u64,
        ticks: u64,
        /// Nanoseconds per tick, times 2^32, as last measured; `None` until then.
        rate: Option<u64>,
        /// The reading the next rate is measured from.
        from: (SystemTime, u64),
    }

    thread_local! {
        static ANCHOR: Cell<Option<Anchor>> = const { Cell::new(None) };
    }

    /// The time now in nanoseconds since the Unix epoch.
    #[inline]
    pub(super) fn now_nanos() -> u64 {
        let counter = COUNTER.get_or_init(quanta::Clock::new);
        let ticks = counter.raw();
        ANCHOR.with(|cell| {
            let anchor = cell.get();
            if let Some(Anchor {
                nanos,
                ticks: at,
                rate: Some(rate),
                ..
            }) = anchor
                && ticks >= at
            {
                let since = (u128::from(ticks - at) * u128::from(rate)) >> 32;
                if since < u128::from(ANCHOR_NANOS) {
                    return nanos.saturating_add(since as u64);
                }
            }
            let time = SystemTime::now();
            // A thread preempted between the two readings would pair them wrongly: take the
            // pair only if the counter moved by a few microseconds across the reading (by
            // quanta's rough rate: a bound, not a measure).
            let after = counter.raw();
            if counter.delta_as_nanos(ticks, after) < PAIRED_NANOS {
                cell.set(Some(reanchor(anchor, time, after)));
            }
            super::nanos_since_epoch(time)
        })
    }

    /// The time now.
    #[cfg(test)]
    fn now() -> SystemTime {
        super::since_epoch(now_nanos())
    }

    /// The anchor after reading the operating system's `time` at `ticks`.
    fn reanchor(anchor: Option<Anchor>, time: SystemTime, ticks: u64) -> Anchor {
        let fresh = Anchor {
            nanos: super::nanos_since_epoch(time),
            ticks,
            rate: None,
            from: (time, ticks),
        };
        let Some(anchor) = anchor else {
            return fresh;
        };
        let (from_time, from_ticks) = anchor.from;
        match (
            time.duration_since(from_time),
            ticks.checked_sub(from_ticks),
        ) {
            (Ok(elapsed), Some(counted)) if counted > 0 && elapsed.as_nanos() >= MEASURE_NANOS => {
                let rate = (elapsed.as_nanos() << 32) / u128::from(counted);
                Anchor {
                    rate: u64::try_from(rate).ok(),
                    ..fresh
                }
            }
            // Too short a span to measure over: keep the rate, measure on from the same point.
            (Ok(_), Some(_)) => Anchor {
                rate: anchor.rate,
                from: anchor.from,
                ..fresh
            },
            // The wall clock or the counter went back: start over.
            _ => fresh,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::time::Duration;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_in_nanoseconds_is_the_same_instant_as_the_time() {
        let (manual, control) = Clock::manual();
        control.advance(Duration::from_nanos(1_234));
        for clock in [Clock::System, manual] {
            let (time, nanos) = clock.now_with_nanos();
            assert_eq!(nanos, nanos_since_epoch(time), "{clock:?}");
            // A later reading: not before, within the drift a new anchor may correct.
            let slack = 1_000_000;
            assert!(clock.now_nanos() + slack >= nanos, "{clock:?}");
        }
        assert_eq!(
            nanos_since_epoch(SystemTime::UNIX_EPOCH - Duration::from_secs(1)),
            0
        );
    }
}
