//! Signals that carry data: who sends a signal and what it brings, checked before the
//! instance is touched (its size against the engine's limit, its type against the one
//! registered for the event), then kept with the instance's context and noted in its
//! journal.

use flow_core::{InstanceId, ReceivedSignal};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::error::EngineError;
use crate::journal::SignalNote;

/// A signal's sender and payload, on their way to an instance.
#[derive(Debug, Clone, Default)]
pub(crate) struct Delivery {
    pub(crate) actor: Option<String>,
    pub(crate) payload: serde_json::Value,
    /// The payload's compact JSON: what its size and digest are taken of.
    encoded: Vec<u8>,
}

impl Delivery {
    /// `payload` from `actor` for `event`, refused when its JSON is larger than `limit`.
    pub(crate) fn new(
        instance: InstanceId,
        event: &str,
        actor: Option<&str>,
        payload: &impl Serialize,
        limit: usize,
    ) -> Result<Self, EngineError> {
        let refuse = |reason: String| EngineError::InvalidPayload {
            instance,
            event: event.to_owned(),
            reason,
        };
        let payload = serde_json::to_value(payload)
            .map_err(|error| refuse(format!("it cannot be written as JSON: {error}")))?;
        let encoded = if payload.is_null() {
            Vec::new()
        } else {
            // A `Value` always serializes.
            serde_json::to_vec(&payload).unwrap_or_default()
        };
        if encoded.len() > limit {
            return Err(refuse(format!(
                "its payload is {} bytes, more than the limit of {limit}",
                encoded.len()
            )));
        }
        Ok(Self {
            actor: actor.map(str::to_owned),
            payload,
            encoded,
        })
    }

    /// What the instance's context keeps of the signal.
    pub(crate) fn received(&self, event: &str) -> ReceivedSignal {
        ReceivedSignal {
            event: event.to_owned(),
            actor: self.actor.clone(),
            payload: self.payload.clone(),
        }
    }

    /// What the journal notes of it: `None` for a signal without sender or data, whose entry
    /// stays as it always was.
    pub(crate) fn note(&self) -> Option<Box<SignalNote>> {
        if self.actor.is_none() && self.encoded.is_empty() {
            return None;
        }
        let payload_sha256 = (!self.encoded.is_empty()).then(|| {
            Sha256::digest(&self.encoded)
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect()
        });
        Some(Box::new(SignalNote {
            actor: self.actor.clone(),
            payload_bytes: self.encoded.len(),
            payload_sha256,
        }))
    }
}

/// The payload type a flow expects with one event: payloads that do not decode as it are
/// refused before the instance moves.
#[derive(Debug, Clone)]
pub(crate) struct PayloadType {
    pub(crate) event: String,
    pub(crate) type_name: &'static str,
    check: fn(&serde_json::Value) -> Result<(), String>,
}

impl PayloadType {
    /// Payloads of `event` must decode as `T`.
    pub(crate) fn of<T: DeserializeOwned>(event: String) -> Self {
        Self {
            event,
            type_name: std::any::type_name::<T>(),
            check: |payload| {
                T::deserialize(payload)
                    .map(drop)
                    .map_err(|error| error.to_string())
            },
        }
    }

    /// Refuses `delivery` unless its payload decodes as the expected type.
    pub(crate) fn check(
        &self,
        instance: InstanceId,
        delivery: &Delivery,
    ) -> Result<(), EngineError> {
        (self.check)(&delivery.payload).map_err(|reason| EngineError::InvalidPayload {
            instance,
            event: self.event.clone(),
            reason: format!(
                "its payload does not decode as `{}`: {reason}",
                self.type_name
            ),
        })
    }
}
