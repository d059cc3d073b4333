//! Where instances that wait for a signal are kept between calls. In memory for now; the
//! `Store` trait with SQL and Redis implementations replaces it.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Mutex;

use flow_core::{Context, Flow, InstanceId};

use crate::journal::JournalEntry;

/// An instance at rest: everything needed to go on from where it stopped.
pub(crate) struct ParkedInstance<F: Flow> {
    pub(crate) state: F::State,
    pub(crate) context: Context<F::Data>,
    pub(crate) journal: Vec<JournalEntry>,
}

/// Parked instances of every flow, by id.
#[derive(Default)]
pub(crate) struct MemoryStore {
    parked: Mutex<HashMap<InstanceId, Box<dyn Any + Send>>>,
}

impl MemoryStore {
    /// Keeps `instance` until it is taken back.
    pub(crate) fn park<F: Flow>(&self, id: InstanceId, instance: ParkedInstance<F>) {
        self.lock().insert(id, Box::new(instance));
    }

    /// Takes the parked instance `id` of flow `F`, if there is one.
    pub(crate) fn take<F: Flow>(&self, id: InstanceId) -> Option<ParkedInstance<F>> {
        let mut parked = self.lock();
        // Leave an instance of another flow where it is.
        if !parked.get(&id)?.is::<ParkedInstance<F>>() {
            return None;
        }
        parked
            .remove(&id)
            .and_then(|boxed| boxed.downcast::<ParkedInstance<F>>().ok())
            .map(|boxed| *boxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<InstanceId, Box<dyn Any + Send>>> {
        // A panic while holding the lock cannot leave the map half-updated: every operation
        // is a single insert or remove.
        self.parked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
