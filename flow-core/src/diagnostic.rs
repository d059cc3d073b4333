//! What the validator reports: a stable code, the element at fault, a message and a help line.

use std::fmt;

/// A problem found in a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of problem; stable across releases.
    pub code: DiagnosticCode,
    /// The element at fault; each front end maps it to a span or a file line.
    pub element: Element,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}]\n  = help: {}",
            self.message,
            self.code.as_str(),
            self.help
        )
    }
}

/// A place in a [`crate::FlowSpec`]. Indices are into `FlowSpec::start`, `FlowSpec::states`
/// and a state's edges, in declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Element {
    /// The flow as a whole (its name).
    Flow,
    /// The `index`th `start` declaration.
    Start(usize),
    /// The name of the `index`th state declaration.
    State(usize),
    /// The action named by the step of the `index`th state declaration.
    Action(usize),
    /// The instruction of an edge.
    Instruction {
        /// The state declaration that holds the edge.
        state: usize,
        /// The edge's index within that state.
        edge: usize,
    },
    /// The target state of an edge.
    Target {
        /// The state declaration that holds the edge.
        state: usize,
        /// The edge's index within that state.
        edge: usize,
    },
    /// The target state of a wait's deadline.
    DeadlineTarget(usize),
}

macro_rules! diagnostic_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// The kinds of problems the validator finds.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum DiagnosticCode {
            $($(#[$doc])* $variant,)*
        }

        impl DiagnosticCode {
            /// Every code, in order.
            pub const ALL: &'static [DiagnosticCode] = &[$(DiagnosticCode::$variant,)*];

            /// The stable code (`flow::unknown_state`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(DiagnosticCode::$variant => $code,)*
                }
            }
        }
    };
}

diagnostic_codes! {
    /// A state is used but never declared.
    UnknownState = "flow::unknown_state",
    /// A state is declared twice.
    DuplicateState = "flow::duplicate_state",
    /// No `start` declaration.
    MissingStart = "flow::missing_start",
    /// More than one `start` declaration.
    DoubleStart = "flow::double_start",
    /// A success or failure end state also has outgoing transitions.
    TerminalOutgoing = "flow::terminal_outgoing",
    /// A state that is not an end has no way out.
    DeadEnd = "flow::dead_end",
    /// No path from the start reaches the state.
    Unreachable = "flow::unreachable",
    /// No end can be reached from the state: instances entering it never finish.
    NoEndReachable = "flow::no_end_reachable",
    /// The same instruction is mapped twice from one state.
    DuplicateTransition = "flow::duplicate_transition",
    /// An instruction the action can return is mapped nowhere.
    InstructionUnmapped = "flow::instruction_unmapped",
    /// A mapped instruction the action cannot return.
    InstructionUnknown = "flow::instruction_unknown",
    /// A step names an action that is not registered.
    UnknownAction = "flow::unknown_action",
    /// A side-effecting step has no compensation and is neither pivot nor readonly.
    SagaMissingCompensation = "saga::missing_compensation",
    /// A compensable step can run after a pivot, where it could never be undone.
    SagaCompensableAfterPivot = "saga::compensable_after_pivot",
    /// A step after a pivot has no retry policy, so the flow may stop half-way forward.
    SagaAfterPivotWithoutRetry = "saga::after_pivot_without_retry",
}

impl fmt::Display for DiagnosticCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
