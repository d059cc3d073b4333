//! The journal: the ordered record of what an instance did; drives compensation and audit.

use std::time::SystemTime;

/// What a journal entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalKind {
    /// An action ran and its instruction moved the instance.
    Step,
    /// A signal moved a waiting instance.
    Signal,
    /// A completed step was undone.
    Compensation,
}

/// One thing an instance did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// What kind of entry this is.
    pub kind: JournalKind,
    /// The action (or, for a signal, the event type; for a compensation, the undone action).
    pub action: &'static str,
    /// The instruction returned, or the event received.
    pub instruction: &'static str,
    /// The state the instance was in.
    pub from: &'static str,
    /// The state the instance moved to.
    pub to: &'static str,
    /// The attempt that succeeded.
    pub attempt: u32,
    /// When it was recorded.
    pub at: SystemTime,
}
