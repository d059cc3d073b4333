//! The error an action returns: it says whether trying again can help.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

/// Whether an action error is worth another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A passing fault (a timeout, a busy dependency): the retry policy may try again.
    Retryable,
    /// A definite refusal (invalid card, closed account): retrying cannot help; the flow
    /// compensates.
    Permanent,
    /// The outcome is not known (a gateway timed out after the request left): the engine
    /// asks again with the action's query until the answer is definite. Never a failure.
    Unknown,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Retryable => "retryable",
            ErrorKind::Permanent => "permanent",
            ErrorKind::Unknown => "unknown-outcome",
        })
    }
}

/// The error of an action: a kind, a message and optionally the error that caused it.
///
/// Business outcomes such as "card declined" are better returned as instructions, so the
/// flow maps them to states; `ActionError` is for the action failing to do its job.
#[derive(Debug, thiserror::Error)]
#[error("{kind} error: {message}")]
pub struct ActionError {
    kind: ErrorKind,
    message: Cow<'static, str>,
    #[source]
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl ActionError {
    /// A passing fault: the action may be tried again under its retry policy.
    pub fn retryable(message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind: ErrorKind::Retryable,
            message: message.into(),
            source: None,
        }
    }

    /// A definite failure: no retry; the flow compensates.
    pub fn permanent(message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind: ErrorKind::Permanent,
            message: message.into(),
            source: None,
        }
    }

    /// The outcome is unknown: the engine queries it (see `#[action(query = ..)]`) with
    /// backoff until it is definite; it does not count as a failed attempt.
    pub fn unknown(message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind: ErrorKind::Unknown,
            message: message.into(),
            source: None,
        }
    }

    /// Keeps `source` as the cause of this error.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Whether another attempt may succeed.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Whether another attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        self.kind == ErrorKind::Retryable
    }

    /// The message given when the error was made.
    pub fn message(&self) -> &str {
        &self.message
    }
}
