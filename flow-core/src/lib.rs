//! The core of compile-time checked business flows: the model, its validator and the traits
//! that `flow!`, `#[action]` and `#[derive(Instruction)]` implement.
//!
//! Users depend on `flow-runtime`, which re-exports all of this.

pub mod action;
pub mod composed_message;
pub mod context;
pub mod diagnostic;
pub mod diagram;
pub mod duration;
pub mod error;
pub mod flow;
pub mod instruction;
pub mod mapping_rules;
pub mod mermaid;
pub mod retry;
pub mod saga_rules;
pub mod signal;
pub mod spec;
pub mod state;
pub mod step_rules;
pub mod suggest;
pub mod table;
pub mod validate;

pub use action::Action;
pub use composed_message::ComposedMessage;
pub use context::{Context, IdempotencyKey, InstanceId};
pub use diagnostic::{Diagnostic, DiagnosticCode, Element};
pub use diagram::{DiagramEdge, DiagramFigures, EdgeTrigger, NoFigures};
pub use error::{ActionError, ErrorKind};
pub use flow::{Flow, SignalError, StepError, Transition};
pub use instruction::{Instruction, SignalEvent};
pub use mapping_rules::{all_instructions_mapped, unmapped_instruction};
pub use mermaid::{render_mermaid, render_mermaid_with};
pub use retry::{Backoff, RetryPolicy};
pub use saga_rules::{SagaViolation, saga_violation, states_after_pivot};
pub use signal::{ReceivedSignal, SignalPayloadError};
pub use spec::{
    ActionCatalog, ActionSpec, Deadline, Edge, Effect, FlowSpec, StateKind, StateSpec, StepSpec,
    WaitSpec,
};
pub use state::{FlowState, UnknownState};
pub use step_rules::{check_step, check_wait, step_problem, wait_problem};
pub use suggest::did_you_mean;
pub use table::{EdgeEntry, FlowTable, StateEntry, StateEntryKind, StepPolicy};
pub use validate::{validate, validate_with_loose_ends};
