//! One flow of a document: its spec, data type, per-step overrides, and where each of its
//! elements was written.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use flow_core::{Diagnostic, Element, FlowSpec, RetryPolicy};

use super::diagnostic::DocumentDiagnostic;
use super::location::{Location, SourceText};

/// A flow read from a document (or built from a `flow!` flow's spec, for export).
#[derive(Debug, Clone)]
pub struct FlowDefinition {
    /// The flow. Its action catalog is [`ActionCatalog::Unknown`](flow_core::ActionCatalog):
    /// the runtime fills it from its action registry and validates again.
    pub spec: FlowSpec,
    /// The registered name of the flow's data type; `json` stands for `serde_json::Value`.
    pub data: String,
    /// Per-step overrides of the action's policies, indexed like `spec.states` (always as
    /// long).
    pub overrides: Vec<StepOverride>,
    pub(crate) elements: ElementSpans,
}

/// A step's own retry policy or timeout, in place of its action's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepOverride {
    /// The retry policy for this step, if it overrides the action's.
    pub retry: Option<RetryPolicy>,
    /// The attempt timeout for this step, if it overrides the action's.
    pub timeout: Option<Duration>,
}

impl StepOverride {
    /// Whether it overrides nothing.
    pub fn is_empty(&self) -> bool {
        self.retry.is_none() && self.timeout.is_none()
    }
}

/// Where the elements of one flow are in its document, indexed like its [`FlowSpec`].
#[derive(Debug, Clone, Default)]
pub(crate) struct ElementSpans {
    pub(crate) source: Option<Arc<SourceText>>,
    pub(crate) flow: Range<usize>,
    /// The `data` value.
    pub(crate) data: Range<usize>,
    pub(crate) starts: Vec<Range<usize>>,
    pub(crate) states: Vec<StateSpans>,
}

/// Where the parts of one state are.
#[derive(Debug, Clone, Default)]
pub(crate) struct StateSpans {
    pub(crate) name: Range<usize>,
    /// The action of a step, or the event of a wait.
    pub(crate) action: Option<Range<usize>>,
    /// Each edge's instruction (the key of `on`, or `next`) and target.
    pub(crate) edges: Vec<(Range<usize>, Range<usize>)>,
    pub(crate) deadline_target: Option<Range<usize>>,
}

impl ElementSpans {
    fn span(&self, element: Element) -> &Range<usize> {
        let state = |index: usize| self.states.get(index);
        let found = match element {
            Element::Flow => None,
            Element::Start(index) => self.starts.get(index),
            Element::State(index) => state(index).map(|s| &s.name),
            Element::Action(index) => state(index).map(|s| s.action.as_ref().unwrap_or(&s.name)),
            Element::Instruction { state: index, edge } => {
                state(index).and_then(|s| s.edges.get(edge)).map(|e| &e.0)
            }
            Element::Target { state: index, edge } => {
                state(index).and_then(|s| s.edges.get(edge)).map(|e| &e.1)
            }
            Element::DeadlineTarget(index) => state(index).and_then(|s| s.deadline_target.as_ref()),
        };
        found.unwrap_or(&self.flow)
    }
}

impl FlowDefinition {
    /// A definition of `spec` with data type `data` and no overrides, as for exporting a
    /// `flow!` flow ([`Flow::spec`](flow_core::Flow::spec)). It has no document, so every
    /// element is located at [`Location::START`].
    pub fn new(spec: FlowSpec, data: impl Into<String>) -> Self {
        let overrides = vec![StepOverride::default(); spec.states.len()];
        Self {
            spec,
            data: data.into(),
            overrides,
            elements: ElementSpans::default(),
        }
    }

    /// The name of the document the flow was read from (`<flow Name>` for one built with
    /// [`FlowDefinition::new`]).
    pub fn origin(&self) -> String {
        match &self.elements.source {
            Some(source) => source.name.clone(),
            None => format!("<flow {}>", self.spec.name),
        }
    }

    /// Where `element` was written: the start of its value's token (the string `"Shiped"`,
    /// the key of an `on` entry). Any element the validator reports has a location; one
    /// that does not exist points at the flow's name.
    pub fn locate(&self, element: Element) -> Location {
        match &self.elements.source {
            Some(source) => source.locate(self.elements.span(element).start),
            None => Location::START,
        }
    }

    /// A validator diagnostic about this flow, at its line in the document, with the
    /// validator's message and help (the same words `flow!` shows).
    pub fn diagnostic(&self, diagnostic: &Diagnostic) -> DocumentDiagnostic {
        let code = diagnostic.code.as_str();
        let help = Some(diagnostic.help.clone()).filter(|help| !help.is_empty());
        match &self.elements.source {
            Some(source) => DocumentDiagnostic::at(
                source,
                self.elements.span(diagnostic.element),
                code,
                diagnostic.message.clone(),
                help,
            ),
            None => DocumentDiagnostic {
                origin: self.origin(),
                line: 1,
                column: 1,
                code: code.to_owned(),
                message: diagnostic.message.clone(),
                help,
                snippet: None,
            },
        }
    }

    /// A problem the runtime finds with `element` of this flow (an unknown data type, a
    /// name a compiled flow has), at its line in the document.
    pub fn problem(
        &self,
        element: Element,
        code: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) -> DocumentDiagnostic {
        match &self.elements.source {
            Some(source) => {
                DocumentDiagnostic::at(source, self.elements.span(element), code, message, help)
            }
            None => DocumentDiagnostic {
                origin: self.origin(),
                line: 1,
                column: 1,
                code: code.to_owned(),
                message: message.into(),
                help,
                snippet: None,
            },
        }
    }

    /// A problem with the flow's `data` type, at its value in the document.
    pub fn data_problem(
        &self,
        code: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) -> DocumentDiagnostic {
        match &self.elements.source {
            Some(source) => {
                DocumentDiagnostic::at(source, &self.elements.data, code, message, help)
            }
            None => self.problem(Element::Flow, code, message, help),
        }
    }

    /// Runs the validator on the spec as it is now (after the runtime has filled the
    /// action catalog, say) and locates every diagnostic; empty for a valid flow.
    pub fn validate(&self) -> Vec<DocumentDiagnostic> {
        flow_core::validate(&self.spec)
            .iter()
            .map(|diagnostic| self.diagnostic(diagnostic))
            .collect()
    }
}

impl DocumentDiagnostic {
    /// `diagnostic`, reported by the validator on `flow`, at its line in `flow`'s document.
    pub fn from_validator(flow: &FlowDefinition, diagnostic: &Diagnostic) -> Self {
        flow.diagnostic(diagnostic)
    }
}
