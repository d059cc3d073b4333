//! The context an action works on: business data plus what the engine knows of the instance.

use std::fmt;

use uuid::timestamp::context::{ContextV7, ThreadLocalContext};
use uuid::{Timestamp, Uuid};

thread_local! {
    /// Each thread's v7 clock sequence. The uuid crate's own is one per process behind a
    /// mutex, which every instance start on every thread would take; ids stay unique across
    /// threads by the random bits each millisecond reseeds.
    static ID_CONTEXT: ContextV7 = const { ContextV7::new() };
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
        let context = ThreadLocalContext::new(&ID_CONTEXT);
        Self(Uuid::new_v7(Timestamp::now(context)))
    }

    /// A new, time-ordered id stamped with `time` (a time the caller has read anyway: the
    /// engine stamps an instance's id with its start time rather than read the clock twice).
    /// A time before 1970 stamps as 1970.
    pub fn at(time: std::time::SystemTime) -> Self {
        let since_epoch = time
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let context = ThreadLocalContext::new(&ID_CONTEXT);
        Self(Uuid::new_v7(Timestamp::from_unix(
            context,
            since_epoch.as_secs(),
            since_epoch.subsec_nanos(),
        )))
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
}
