//! Lowering `[[override]]` tables.

use std::sync::Arc;

use super::{Lowering, get};
use crate::document::override_definition::OverrideDefinition;
use crate::document::tree::{Entry, Node};

const OVERRIDE_KEYS: &[&str] = &["flow", "version", "action", "retry", "timeout"];

impl Lowering<'_, '_> {
    /// Every `[[override]]` of the document.
    pub(super) fn overrides(&mut self, entry: &Entry) -> Vec<OverrideDefinition> {
        self.tables(entry, "[[override]]")
            .iter()
            .filter_map(|node| self.one_override(node))
            .collect()
    }

    fn one_override(&mut self, node: &Node) -> Option<OverrideDefinition> {
        let entries = self.table(node, "an override", OVERRIDE_KEYS)?;
        let flow = self.required_string(entries, "flow", node, "an override");
        let action = self.required_string(entries, "action", node, "an override");
        let version = match get(entries, "version") {
            Some(entry) => Some(self.version(entry)?),
            None => None,
        };
        let retry = get(entries, "retry").map(|entry| self.retry(entry));
        let timeout = get(entries, "timeout").map(|entry| self.duration(entry));
        if retry.is_none() && timeout.is_none() {
            self.problems.push(
                &node.span,
                "document::missing_key",
                "an override sets neither `retry` nor `timeout`",
                Some("write `retry = { attempts = 3, backoff = \"fixed(100ms)\" }` or `timeout = \"2s\"`".into()),
            );
            return None;
        }
        // A `retry` or `timeout` that did not read was reported: leave the override out.
        let retry = match retry {
            Some(read) => Some(read?),
            None => None,
        };
        let timeout = match timeout {
            Some(read) => Some(read?),
            None => None,
        };
        let ((flow, flow_span), (action, action_span)) = (flow?, action?);
        Some(OverrideDefinition {
            flow: flow.to_owned(),
            version,
            action: action.to_owned(),
            retry,
            timeout,
            flow_span: flow_span.clone(),
            action_span: action_span.clone(),
            source: Arc::clone(self.source),
        })
    }
}
