//! Chaos and plugin switches of a document (`[[chaos]]`, `[[plugin]]`): operations'
//! configuration, changed without a release.

use std::ops::Range;
use std::sync::Arc;

use super::diagnostic::DocumentDiagnostic;
use super::location::SourceText;
use crate::chaos::{ChaosRule, RuleField, RuleProblem};

/// `[[chaos]] flow = "Loan", state = "Scoring", failure_rate = 0.05, …`: one rule.
#[derive(Debug, Clone)]
pub struct ChaosDefinition {
    /// The rule as written.
    pub rule: ChaosRule,
    pub(crate) spans: ChaosSpans,
    pub(crate) source: Arc<SourceText>,
}

/// Where the parts of a `[[chaos]]` table are written.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChaosSpans {
    pub(crate) table: Range<usize>,
    pub(crate) flow: Range<usize>,
    pub(crate) node: Range<usize>,
    pub(crate) failure_rate: Option<Range<usize>>,
    pub(crate) weights: Option<Range<usize>>,
    /// Each weight's key, in the rule's order.
    pub(crate) weight_keys: Vec<Range<usize>>,
    pub(crate) crash_rate: Option<Range<usize>>,
    pub(crate) compensation_rate: Option<Range<usize>>,
}

impl ChaosDefinition {
    /// `problem` at the part of the table it is about.
    pub(crate) fn diagnostic(&self, problem: RuleProblem) -> DocumentDiagnostic {
        let spans = &self.spans;
        let span = match problem.field {
            RuleField::Flow => Some(&spans.flow),
            RuleField::Node => Some(&spans.node),
            RuleField::FailureRate => spans.failure_rate.as_ref(),
            RuleField::Weights => spans.weights.as_ref(),
            RuleField::Weight(index) => spans.weight_keys.get(index),
            RuleField::CrashRate => spans.crash_rate.as_ref(),
            RuleField::CompensationRate => spans.compensation_rate.as_ref(),
        }
        .unwrap_or(&spans.table);
        DocumentDiagnostic::at(
            &self.source,
            span,
            problem.code,
            problem.message,
            problem.help,
        )
    }
}

/// `[[plugin]] name = "audit", enabled = false`: a plugin switched on or off.
#[derive(Debug, Clone)]
pub struct PluginSwitch {
    /// The plugin's name (see [`crate::EngineBuilder::plugin`]).
    pub name: String,
    /// Whether it runs.
    pub enabled: bool,
    pub(crate) name_span: Range<usize>,
    pub(crate) source: Arc<SourceText>,
}

impl PluginSwitch {
    /// A problem with the switch's name, at its value.
    pub(crate) fn problem(
        &self,
        code: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) -> DocumentDiagnostic {
        DocumentDiagnostic::at(&self.source, &self.name_span, code, message, help)
    }
}
