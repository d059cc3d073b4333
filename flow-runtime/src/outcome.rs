//! What a run returns to a request/response caller.

use flow_core::InstanceId;

use crate::engine::FlowTypes;

use crate::instance_error::InstanceError;
use crate::journal::JournalEntry;

/// Where an instance is, apart from its business state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Steps are running.
    Running,
    /// Waiting for a signal or a deadline.
    Waiting,
    /// Stopped by an operator; resumes on request.
    Paused,
    /// Needs a person: compensation kept failing.
    Manual,
    /// Reached a success end.
    Completed,
    /// Undoing completed steps.
    Compensating,
    /// Reached a failure end or failed a step, and every completed step was compensated.
    Failed,
    /// Cancelled by an operator, completed steps compensated.
    Cancelled,
}

impl Status {
    /// Every status, in declaration order.
    pub const ALL: [Status; 8] = [
        Status::Running,
        Status::Waiting,
        Status::Paused,
        Status::Manual,
        Status::Completed,
        Status::Compensating,
        Status::Failed,
        Status::Cancelled,
    ];

    /// The status's stored name (`running`, `waiting` ...), the same as its serde name.
    pub fn name(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Waiting => "waiting",
            Status::Paused => "paused",
            Status::Manual => "manual",
            Status::Completed => "completed",
            Status::Compensating => "compensating",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    /// The status stored as `name`, if it is one.
    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.name() == name)
    }

    /// Whether the instance will not move again on its own or on a signal.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Cancelled)
    }
}

/// The result of driving an instance until it ends or waits.
#[derive(Debug)]
pub struct Outcome<F: FlowTypes> {
    /// The instance.
    pub instance: InstanceId,
    /// The business state it is in.
    pub state: F::State,
    /// Where it is apart from that.
    pub status: Status,
    /// Its business data.
    pub data: F::Data,
    /// What happened, in order.
    pub journal: Vec<JournalEntry>,
    /// Why it failed or needs a person: the last error and the action and attempt that
    /// raised it. `None` for instances that did not fail (a compensated business refusal,
    /// such as a declined card, is an instruction, not an error).
    pub error: Option<InstanceError>,
}
