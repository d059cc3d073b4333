//! Operations overrides of a document (`[[override]]`): an action's retry policy or timeout
//! in one flow, changed without a release.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use flow_core::RetryPolicy;

use super::diagnostic::DocumentDiagnostic;
use super::location::SourceText;

/// `[[override]] flow = "Checkout", action = "charge", retry = { .. }, timeout = "2s"`.
#[derive(Debug, Clone)]
pub struct OverrideDefinition {
    /// The flow whose steps it changes.
    pub flow: String,
    /// The version it changes; every version when `None`.
    pub version: Option<u32>,
    /// The action whose policy it replaces in that flow.
    pub action: String,
    /// The retry policy the action gets there, if the override sets one.
    pub retry: Option<RetryPolicy>,
    /// How long one attempt may take there, if the override sets it.
    pub timeout: Option<Duration>,
    pub(crate) flow_span: Range<usize>,
    pub(crate) action_span: Range<usize>,
    pub(crate) source: Arc<SourceText>,
}

impl OverrideDefinition {
    /// A problem with the override's flow (`on_action` false) or action, at its value.
    pub(crate) fn problem(
        &self,
        on_action: bool,
        code: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) -> DocumentDiagnostic {
        let span = if on_action {
            &self.action_span
        } else {
            &self.flow_span
        };
        DocumentDiagnostic::at(&self.source, span, code, message, help)
    }
}
