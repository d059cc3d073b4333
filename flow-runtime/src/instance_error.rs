//! Why an instance failed or needs a person, where a user looks: on its [`Outcome`] and on
//! its stored record.
//!
//! [`Outcome`]: crate::Outcome

use std::fmt;

use flow_core::{ActionError, ErrorKind};

/// The last error of an instance: what went wrong, and the action and attempt that raised
/// it when an action did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstanceError {
    /// What went wrong, in words: the action's own message ("mailbox does not exist"), or
    /// why the engine stopped ("compensation `refund` of step 2 failed 5 times: ...").
    pub message: String,
    /// The action (or compensation, or query) that raised it, if one did.
    pub action: Option<String>,
    /// Its kind, when an action raised it.
    pub kind: Option<ErrorKind>,
    /// The attempt that raised it.
    pub attempt: u32,
    /// The instance's step counter when it happened.
    pub step: u64,
}

impl InstanceError {
    /// The error `error` that attempt `attempt` of `action` raised at step `step`.
    pub fn from_action(action: &str, error: &ActionError, attempt: u32, step: u64) -> Self {
        Self {
            message: error.message().to_owned(),
            action: Some(action.to_owned()),
            kind: Some(error.kind()),
            attempt,
            step,
        }
    }

    /// A reason the engine gives (a quarantined record, a lost driver), with no action's
    /// error behind it.
    pub fn reason(message: impl Into<String>, attempt: u32, step: u64) -> Self {
        Self {
            message: message.into(),
            action: None,
            kind: None,
            attempt,
            step,
        }
    }

    /// The same error, explained further: `message` replaces the message, the action and
    /// kind stay.
    pub fn explained(self, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..self
        }
    }
}

/// `message`, then `(action `a`, attempt n, kind)` when an action raised it.
impl fmt::Display for InstanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(action) = &self.action {
            write!(f, " (`{action}`, attempt {}", self.attempt)?;
            if let Some(kind) = self.kind {
                write!(f, ", {kind}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}
