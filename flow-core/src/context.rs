//! The context an action works on: business data plus what the engine knows of the instance.

use std::fmt;

use std::cell::Cell;

use uuid::Uuid;

thread_local! {
    /// Each thread's v7 sequence: the millisecond of its last id and the counter within it.
    /// (The uuid crate's process-wide one sits behind a mutex every instance start on every
    /// thread would take; its per-thread one does the same as this in nanoseconds of `u128`,
    /// some 300 instructions an id.) Ids stay unique across threads by the random bits each
    /// millisecond reseeds the counter with, and by the random bits below it.
    static ID_SEQUENCE: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Bits of the counter within a millisecond: the 12 of `rand_a` and the top 30 of `rand_b`,
/// as the uuid crate's v7 context lays them out (RFC 9562, method 1).
const COUNTER_BITS: u32 = 42;

/// A v7 UUID for `millis` since 1970: ordered after the last id this thread made.
fn next_v7(millis: u64) -> Uuid {
    // 122 random bits from the uuid crate's generator (rand's thread-local ChaCha): the
    // lowest 41 reseed the counter (a bit of headroom below its 42), the top 32 fill the id.
    let random = Uuid::new_v4().as_u128();
    let reseed = |random: u128| (random as u64) & ((1 << (COUNTER_BITS - 1)) - 1);
    let (millis, counter) = ID_SEQUENCE.with(|sequence| {
        let (last_millis, last_counter) = sequence.get();
        let next = if millis > last_millis {
            (millis, reseed(random))
        } else if last_counter + 1 < 1 << COUNTER_BITS {
            // The same millisecond (or the clock went back): count on from the last id.
            (last_millis, last_counter + 1)
        } else {
            // The counter is spent: borrow the next millisecond.
            (last_millis + 1, reseed(random))
        };
        sequence.set(next);
        next
    });
    let millis = u128::from(millis & ((1 << 48) - 1));
    let counter = u128::from(counter);
    let bits = (millis << 80)
        | (0x7 << 76)
        | ((counter >> 30) << 64)
        | (0b10 << 62)
        | ((counter & ((1 << 30) - 1)) << 32)
        // (The top 32 bits of the v4 id: all random, clear of its version and variant.)
        | (random >> 96);
    Uuid::from_u128(bits)
}

use crate::signal::{ReceivedSignal, SignalPayloadError};

/// The identity of one instance of a flow: a time-ordered UUID (v7).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct InstanceId(Uuid);

/// Hashes as one `u64` (both halves folded): equal ids hash equal, and stores keyed by id
/// hash it with one word instead of sixteen bytes and a length.
impl std::hash::Hash for InstanceId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.seed());
    }
}

impl InstanceId {
    /// The all-zero id, which no instance has: shown where a stored id cannot be read.
    pub const NIL: InstanceId = InstanceId(Uuid::nil());

    /// A new, time-ordered id (ordered within a thread; across threads to the millisecond).
    pub fn new() -> Self {
        Self::at(std::time::SystemTime::now())
    }

    /// A new, time-ordered id stamped with `time` (a time the caller has read anyway: the
    /// engine stamps an instance's id with its start time rather than read the clock twice).
    /// A time before 1970 stamps as 1970.
    pub fn at(time: std::time::SystemTime) -> Self {
        let since_epoch = time
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let millis = u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX);
        Self::at_unix_millis(millis)
    }

    /// [`InstanceId::at`] a time given as milliseconds since 1970 (a caller whose clock
    /// counts in integers, such as the engine's, need not make a `SystemTime` first).
    pub fn at_unix_millis(millis: u64) -> Self {
        Self(next_v7(millis))
    }

    /// The id whose 128 bits are `bits`: reproducible ids, for a simulation that numbers
    /// its instances so that the same seed meets the same ids.
    pub const fn from_u128(bits: u128) -> Self {
        Self(Uuid::from_u128(bits))
    }

    /// The id as a UUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// A stable 64-bit digest of the id, for seeding jitter and hashing.
    pub fn seed(&self) -> u64 {
        let (high, low) = self.0.as_u64_pair();
        high ^ low
    }
}

impl Default for InstanceId {
    fn default() -> Self {
        Self::new()
    }
}

impl From<Uuid> for InstanceId {
    fn from(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

impl std::str::FromStr for InstanceId {
    type Err = uuid::Error;

    /// Parses the hyphenated form that `Display` writes.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(text).map(Self)
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The key an action uses to make its side effect happen once: the same for every attempt of
/// one step of one instance, including re-runs after a crash, different for every other step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct IdempotencyKey {
    /// The instance.
    pub instance: InstanceId,
    /// The step's position in the instance's history (0 for the first step).
    pub step: u64,
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.instance, self.step)
    }
}

/// What every action receives: the typed business data `D` and the instance's bookkeeping.
///
/// Actions read and change `data`; the engine keeps the rest and commits both after each step.
#[derive(Debug, Clone)]
pub struct Context<D> {
    /// The business data of the instance.
    pub data: D,
    instance: InstanceId,
    flow: &'static str,
    version: u32,
    state: &'static str,
    step: u64,
    attempt: u32,
    labels: Vec<(String, String)>,
    signal: Option<ReceivedSignal>,
}

impl<D> Context<D> {
    /// A context for a new instance of `flow` version `version`, starting in `state`.
    pub fn new(
        instance: InstanceId,
        flow: &'static str,
        version: u32,
        state: &'static str,
        data: D,
    ) -> Self {
        Self {
            data,
            instance,
            flow,
            version,
            state,
            step: 0,
            attempt: 1,
            labels: Vec::new(),
            signal: None,
        }
    }

    /// The instance's id.
    pub fn instance(&self) -> InstanceId {
        self.instance
    }

    /// The flow's name.
    pub fn flow(&self) -> &'static str {
        self.flow
    }

    /// The flow's version this instance runs on.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The state the instance is in (the state whose action is running).
    pub fn state(&self) -> &'static str {
        self.state
    }

    /// How many steps the instance has completed.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// The attempt of the running step, 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The idempotency key of the running step: stable across its retries and re-runs.
    pub fn idempotency_key(&self) -> IdempotencyKey {
        IdempotencyKey {
            instance: self.instance,
            step: self.step,
        }
    }

    /// The routing labels (tenant, channel, variant ...) given when the instance started.
    pub fn labels(&self) -> &[(String, String)] {
        &self.labels
    }

    /// The value of routing label `key`.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// Sets routing label `key` (used by the engine and routers when an instance starts).
    pub fn set_label(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        match self.labels.iter_mut().find(|(name, _)| *name == key) {
            Some((_, existing)) => *existing = value,
            None => self.labels.push((key, value)),
        }
    }

    /// The payload of the last signal the instance received, decoded as `T`: `None` before
    /// any signal, or when the signal carried no data; an error naming the event and the
    /// type when the stored payload is not a `T`.
    ///
    /// ```
    /// # use flow_core::{Context, InstanceId, ReceivedSignal};
    /// #[derive(serde::Deserialize)]
    /// struct Correction { amount: u64 }
    /// # let mut ctx = Context::new(InstanceId::new(), "Loan", 1, "Review", ());
    /// # ctx.set_signal(Some(ReceivedSignal { event: "Correct".into(), actor: None, payload: serde_json::json!({"amount": 900}) }));
    /// let correction: Option<Correction> = ctx.signal()?;
    /// assert_eq!(correction.map(|c| c.amount), Some(900));
    /// # Ok::<(), flow_core::SignalPayloadError>(())
    /// ```
    pub fn signal<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>, SignalPayloadError> {
        match &self.signal {
            Some(signal) => signal.payload_as(),
            None => Ok(None),
        }
    }

    /// The payload of the last signal the instance received, as JSON.
    pub fn signal_json(&self) -> Option<&serde_json::Value> {
        self.signal
            .as_ref()
            .map(|signal| &signal.payload)
            .filter(|payload| !payload.is_null())
    }

    /// The last signal the instance received: its event, sender and payload. It stays until
    /// the next signal replaces it.
    pub fn received_signal(&self) -> Option<&ReceivedSignal> {
        self.signal.as_ref()
    }

    /// Engine bookkeeping: the signal that moved the instance out of its wait.
    pub fn set_signal(&mut self, signal: Option<ReceivedSignal>) {
        self.signal = signal;
    }

    /// Engine bookkeeping: the instance entered `state` after `step` completed steps and
    /// runs its action for the `attempt`th time.
    pub fn enter(&mut self, state: &'static str, step: u64, attempt: u32) {
        self.state = state;
        self.step = step;
        self.attempt = attempt;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::InstanceId;

    #[test]
    fn ids_from_many_threads_are_unique_and_ordered_within_each() {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    let ids: Vec<InstanceId> = (0..50_000).map(|_| InstanceId::new()).collect();
                    assert!(
                        ids.windows(2).all(|pair| pair[0] < pair[1]),
                        "ids of one thread are time-ordered"
                    );
                    ids
                })
            })
            .collect();
        let mut seen = HashSet::new();
        for thread in threads {
            for id in thread.join().unwrap() {
                assert!(seen.insert(id), "{id:?} given twice");
            }
        }
        assert_eq!(seen.len(), 200_000);
    }

    #[test]
    fn an_id_is_a_v7_uuid_of_the_millisecond_it_was_stamped_with() {
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_764_600_000_123);
        let id = InstanceId::at(time).as_uuid();
        assert_eq!(id.get_version_num(), 7);
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        let (secs, nanos) = id.get_timestamp().expect("a v7 id has a time").to_unix();
        assert_eq!((secs, nanos), (1_764_600_000, 123_000_000));
        let by_millis = InstanceId::at_unix_millis(1_764_600_000_123).as_uuid();
        let stamped = by_millis.get_timestamp().expect("a v7 id has a time");
        assert_eq!(stamped.to_unix(), (1_764_600_000, 123_000_000));
        assert!(
            by_millis > id,
            "later ids of a thread sort after earlier ones"
        );
    }

    #[test]
    fn ids_stay_ordered_when_the_clock_stands_still_goes_back_or_the_counter_runs_out() {
        let now = std::time::SystemTime::now();
        let mut ids = vec![InstanceId::at(now), InstanceId::at(now)];
        // The clock went back a second: still after the last id.
        ids.push(InstanceId::at(now - std::time::Duration::from_secs(1)));
        // The counter is spent: the next id borrows the next millisecond.
        super::ID_SEQUENCE.with(|sequence| {
            let (millis, _) = sequence.get();
            sequence.set((millis, (1 << super::COUNTER_BITS) - 1));
        });
        ids.push(InstanceId::at(now));
        ids.push(InstanceId::at(now + std::time::Duration::from_millis(5)));
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
        let millis = |id: &InstanceId| {
            let (secs, nanos) = id.as_uuid().get_timestamp().unwrap().to_unix();
            secs * 1000 + u64::from(nanos) / 1_000_000
        };
        assert_eq!(
            millis(&ids[3]),
            millis(&ids[0]) + 1,
            "the borrowed millisecond"
        );
    }
}
