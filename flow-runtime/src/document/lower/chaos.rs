//! Lowering `[[chaos]]` and `[[plugin]]` tables, with the checks that need no engine
//! (rates within 0..=1, weights adding up to 100, known error kinds and crash points).

use std::sync::Arc;

use super::{Lowering, get};
use crate::chaos::{ChaosRule, CrashPoint, FaultKind, NodeSelector, value_problems};
use crate::document::chaos_definition::{ChaosDefinition, ChaosSpans, PluginSwitch};
use crate::document::tree::{Entry, Node, Value};

const CHAOS_KEYS: &[&str] = &[
    "flow",
    "version",
    "state",
    "action",
    "failure_rate",
    "error",
    "latency",
    "weights",
    "crash",
    "crash_rate",
    "compensation_failure_rate",
    "seed",
];
const PLUGIN_KEYS: &[&str] = &["name", "enabled"];

impl Lowering<'_, '_> {
    /// Every `[[chaos]]` of the document.
    pub(super) fn chaos(&mut self, entry: &Entry) -> Vec<ChaosDefinition> {
        self.tables(entry, "[[chaos]]")
            .iter()
            .filter_map(|node| self.one_chaos(node))
            .collect()
    }

    fn one_chaos(&mut self, node: &Node) -> Option<ChaosDefinition> {
        let before = self.problems.len();
        let entries = self.table(node, "a chaos rule", CHAOS_KEYS)?;
        let flow = self.required_string(entries, "flow", node, "a chaos rule");
        let selector = match (get(entries, "state"), get(entries, "action")) {
            (Some(state), None) => self
                .string(state)
                .map(|(name, span)| (NodeSelector::State(name.to_owned()), span.clone())),
            (None, Some(action)) => self
                .string(action)
                .map(|(name, span)| (NodeSelector::Action(name.to_owned()), span.clone())),
            (Some(_), Some(action)) => {
                self.problems.push(
                    &action.key_span,
                    "document::state_and_action",
                    "a chaos rule names both a `state` and an `action`",
                    Some("name the state, or the action for every state running it".into()),
                );
                None
            }
            (None, None) => {
                self.problems.push(
                    &node.span,
                    "document::missing_key",
                    "a chaos rule has no `state` (or `action`)",
                    Some("add `state = \"…\"`: the node the faults apply to".into()),
                );
                None
            }
        };
        let version = match get(entries, "version") {
            Some(entry) => Some(self.version(entry)?),
            None => None,
        };
        let mut spans = ChaosSpans {
            table: node.span.clone(),
            ..ChaosSpans::default()
        };
        let rate = |lowering: &mut Self, key: &str| -> Option<(f64, std::ops::Range<usize>)> {
            let entry = get(entries, key)?;
            lowering
                .number(entry)
                .map(|number| (number, entry.value.span.clone()))
        };
        let failure_rate = rate(self, "failure_rate");
        let kind = match get(entries, "error") {
            None => FaultKind::Retryable,
            Some(entry) => match self.string(entry) {
                Some((name, _)) => match name.parse() {
                    Ok(kind) => kind,
                    Err(()) => {
                        self.unknown_word(entry, name, FaultKind::NAMES, "error kind");
                        FaultKind::Retryable
                    }
                },
                None => FaultKind::Retryable,
            },
        };
        if let Some(entry) = get(entries, "error")
            && failure_rate.is_none()
        {
            self.problems.push(
                &entry.key_span,
                "document::missing_key",
                "`error` says which error an injected failure is, but the rule has no `failure_rate`",
                Some("add `failure_rate = 0.05` (a share of attempts)".into()),
            );
        }
        let latency = get(entries, "latency").and_then(|entry| self.duration(entry));
        let mut weights = Vec::new();
        if let Some(entry) = get(entries, "weights") {
            spans.weights = Some(entry.value.span.clone());
            match &entry.value.value {
                Value::Table(arms) => {
                    for arm in arms {
                        if let Some(weight) = self.number(arm) {
                            weights.push((arm.key.clone(), weight));
                            spans.weight_keys.push(arm.key_span.clone());
                        }
                    }
                }
                _ => self.wrong_type(entry, "a table of `Instruction = percent`"),
            }
        }
        let crash_rate = rate(self, "crash_rate");
        let crash = match get(entries, "crash") {
            None => {
                if let Some(entry) = get(entries, "crash_rate") {
                    self.problems.push(
                        &entry.key_span,
                        "document::missing_key",
                        "`crash_rate` without `crash`",
                        Some(
                            "add `crash = \"after_action\"` or `crash = \"before_commit\"`".into(),
                        ),
                    );
                }
                None
            }
            Some(entry) => match self.string(entry) {
                Some((name, _)) => match name.parse::<CrashPoint>() {
                    Ok(point) => Some((point, crash_rate.as_ref().map_or(1.0, |(rate, _)| *rate))),
                    Err(()) => {
                        self.unknown_word(entry, name, CrashPoint::NAMES, "crash point");
                        None
                    }
                },
                None => None,
            },
        };
        let compensation_rate = rate(self, "compensation_failure_rate");
        let seed = match get(entries, "seed") {
            None => None,
            Some(entry) => match entry.value.value {
                Value::Integer(seed) if seed >= 0 => Some(seed as u64),
                Value::Integer(_) => {
                    self.problems.push(
                        &entry.value.span,
                        "document::bad_value",
                        "a seed is a whole number from 0",
                        None,
                    );
                    None
                }
                _ => {
                    self.wrong_type(entry, "an integer");
                    None
                }
            },
        };
        let sets_something = failure_rate.is_some()
            || latency.is_some()
            || !weights.is_empty()
            || crash.is_some()
            || compensation_rate.is_some();
        if !sets_something && self.problems.len() == before {
            self.problems.push(
                &node.span,
                "document::missing_key",
                "a chaos rule sets no fault",
                Some(
                    "add `failure_rate`, `latency`, `weights`, `crash` or \
                     `compensation_failure_rate`"
                        .into(),
                ),
            );
        }
        let ((flow, flow_span), (selector, node_span)) = (flow?, selector?);
        spans.flow = flow_span.clone();
        spans.node = node_span;
        spans.failure_rate = failure_rate.as_ref().map(|(_, span)| span.clone());
        spans.crash_rate = crash_rate.as_ref().map(|(_, span)| span.clone());
        spans.compensation_rate = compensation_rate.as_ref().map(|(_, span)| span.clone());
        let rule = ChaosRule {
            flow: flow.to_owned(),
            version,
            node: selector,
            failure: failure_rate.map(|(rate, _)| (rate, kind)),
            latency,
            weights,
            crash,
            compensation_failure_rate: compensation_rate.map_or(0.0, |(rate, _)| rate),
            seed,
        };
        let definition = ChaosDefinition {
            rule,
            spans,
            source: Arc::clone(self.source),
        };
        for problem in value_problems(&definition.rule) {
            self.problems.list.push(definition.diagnostic(problem));
        }
        (self.problems.len() == before).then_some(definition)
    }

    /// Every `[[plugin]]` of the document.
    pub(super) fn plugins(&mut self, entry: &Entry) -> Vec<PluginSwitch> {
        self.tables(entry, "[[plugin]]")
            .iter()
            .filter_map(|node| self.one_plugin(node))
            .collect()
    }

    fn one_plugin(&mut self, node: &Node) -> Option<PluginSwitch> {
        let entries = self.table(node, "a plugin switch", PLUGIN_KEYS)?;
        let name = self.required_string(entries, "name", node, "a plugin switch");
        let enabled = match get(entries, "enabled") {
            None => {
                self.problems.push(
                    &node.span,
                    "document::missing_key",
                    "a plugin switch has no `enabled`",
                    Some("add `enabled = false` to switch the plugin off, `true` for on".into()),
                );
                None
            }
            Some(entry) => match entry.value.value {
                Value::Boolean(enabled) => Some(enabled),
                _ => {
                    self.wrong_type(entry, "a boolean");
                    None
                }
            },
        };
        let ((name, name_span), enabled) = (name?, enabled?);
        Some(PluginSwitch {
            name: name.to_owned(),
            enabled,
            name_span: name_span.clone(),
            source: Arc::clone(self.source),
        })
    }

    /// A number: an integer or a float.
    fn number(&mut self, entry: &Entry) -> Option<f64> {
        match entry.value.value {
            Value::Integer(number) => Some(number as f64),
            Value::Float(number) => Some(number),
            _ => {
                self.wrong_type(entry, "a number");
                None
            }
        }
    }
}
