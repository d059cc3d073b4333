//! What a signal brought to an instance: the event that moved it out of its wait, who sent
//! it, and the data it carried (a reviewer's comment, a gateway callback's body, a corrected
//! amount). The engine keeps the last one with the instance's context, so the actions after
//! the wait read it, typed, with [`Context::signal`](crate::Context::signal).

use serde::de::DeserializeOwned;

/// The last signal an instance received.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReceivedSignal {
    /// The event's name (`Approve`).
    pub event: String,
    /// Who sent it, when the sender said (`signal_as`): a person, a service, a token's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The data it carried; `null` for a signal without data.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub payload: serde_json::Value,
}

impl ReceivedSignal {
    /// The payload decoded as `T`; `None` when the signal carried none.
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<Option<T>, SignalPayloadError> {
        if self.payload.is_null() {
            return Ok(None);
        }
        T::deserialize(&self.payload)
            .map(Some)
            .map_err(|error| SignalPayloadError {
                event: self.event.clone(),
                expected: std::any::type_name::<T>(),
                reason: error.to_string(),
            })
    }
}

/// A signal's payload that does not decode as the type an action asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the payload of signal `{event}` does not decode as `{expected}`: {reason}")]
pub struct SignalPayloadError {
    /// The signal's event.
    pub event: String,
    /// The Rust type asked for.
    pub expected: &'static str,
    /// What serde said.
    pub reason: String,
}

/// An action that reads a payload with `?` fails permanently: retrying does not change data
/// that is already stored.
impl From<SignalPayloadError> for crate::ActionError {
    fn from(error: SignalPayloadError) -> Self {
        crate::ActionError::permanent(error.to_string())
    }
}
