//! Lowers the document tree to flow definitions and script actions, recording every
//! structural problem (unknown keys, wrong types, missing keys, bad durations, contradictory
//! keys) with the place it was written.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use flow_core::duration::{DURATION_UNITS, DurationError, parse_duration};
use flow_core::{
    ActionCatalog, Backoff, Deadline, Edge, Effect, FlowSpec, RetryPolicy, StateKind, StateSpec,
    StepSpec, WaitSpec, did_you_mean,
};

use super::backoff::{BackoffError, parse_backoff};
use super::chaos_definition::{ChaosDefinition, PluginSwitch};
use super::definition::{ElementSpans, FlowDefinition, StateSpans, StepOverride};
use super::diagnostic::Problems;
use super::location::SourceText;
use super::origin::DocumentOrigin;
use super::override_definition::OverrideDefinition;
use super::route_definition::RouteDefinition;
use super::script::{ScriptActionDef, ScriptOrigin, ScriptSource};
use super::tree::{Entry, Node, Text, Value};

mod chaos;
mod overrides;
mod routes;

const DOCUMENT_KEYS: &[&str] = &["flow", "action", "route", "override", "chaos", "plugin"];
const FLOW_KEYS: &[&str] = &[
    "name", "version", "data", "start", "success", "failure", "state",
];
const STATE_KEYS: &[&str] = &[
    "name",
    "action",
    "wait",
    "on",
    "next",
    "retry",
    "timeout",
    "on_timeout",
    "end",
];
const ACTION_KEYS: &[&str] = &[
    "name",
    "instructions",
    "effect",
    "script",
    "file",
    "compensate",
    "compensate_file",
    "query",
    "query_file",
    "retry",
    "timeout",
];
const RETRY_KEYS: &[&str] = &["attempts", "backoff", "jitter"];
const EFFECTS: &[&str] = &["side_effect", "readonly", "pivot"];
const ENDS: &[&str] = &["success", "failure"];

/// The backoff of a `retry` without one: the same as `#[action(retry(..))]`'s.
const DEFAULT_BACKOFF: Backoff = Backoff::Exponential {
    initial: Duration::from_millis(100),
    max: Duration::from_secs(10),
};

/// What a document holds, each flow with whether it lowered without a problem (only those
/// are worth validating: a half-read flow would only add follow-on diagnostics).
pub(crate) struct Lowered {
    pub(crate) flows: Vec<(FlowDefinition, bool)>,
    pub(crate) actions: Vec<ScriptActionDef>,
    pub(crate) routes: Vec<RouteDefinition>,
    pub(crate) overrides: Vec<OverrideDefinition>,
    pub(crate) chaos: Vec<ChaosDefinition>,
    pub(crate) plugins: Vec<PluginSwitch>,
}

pub(crate) fn lower(
    root: &Node,
    origin: &DocumentOrigin,
    source: &Arc<SourceText>,
    problems: &mut Problems<'_>,
) -> Lowered {
    let mut lowering = Lowering {
        problems,
        origin,
        source,
    };
    lowering.document(root)
}

struct Lowering<'p, 's> {
    problems: &'p mut Problems<'s>,
    origin: &'p DocumentOrigin,
    source: &'p Arc<SourceText>,
}

/// A string value and where it was written.
type Located<'n> = (&'n str, &'n Range<usize>);

fn get<'n>(entries: &'n [Entry], key: &str) -> Option<&'n Entry> {
    entries.iter().find(|entry| entry.key == key)
}

impl Lowering<'_, '_> {
    fn document(&mut self, root: &Node) -> Lowered {
        let mut flows = Vec::new();
        let mut actions: Vec<(ScriptActionDef, Range<usize>)> = Vec::new();
        let mut routes = Vec::new();
        let mut overrides = Vec::new();
        let mut chaos = Vec::new();
        let mut plugins = Vec::new();
        if let Some(entries) = self.table(root, "the document", DOCUMENT_KEYS) {
            if let Some(entry) = get(entries, "chaos") {
                chaos = self.chaos(entry);
            }
            if let Some(entry) = get(entries, "plugin") {
                plugins = self.plugins(entry);
            }
            if let Some(entry) = get(entries, "override") {
                overrides = self.overrides(entry);
            }
            if let Some(entry) = get(entries, "route") {
                routes = self.routes(entry);
            }
            if let Some(entry) = get(entries, "flow") {
                for flow in self.tables(entry, "[[flow]]") {
                    flows.push(self.flow(flow));
                }
            }
            if let Some(entry) = get(entries, "action") {
                for action in self.tables(entry, "[[action]]") {
                    actions.extend(self.action(action));
                }
            }
        }
        self.check_unique_flows(&mut flows);
        self.check_unique_actions(&actions);
        Lowered {
            flows,
            actions: actions.into_iter().map(|(action, _)| action).collect(),
            routes,
            overrides,
            chaos,
            plugins,
        }
    }

    /// Reports the second definition of a flow version, and keeps both from the validator.
    fn check_unique_flows(&mut self, flows: &mut [(FlowDefinition, bool)]) {
        for index in 0..flows.len() {
            let (flow, _) = &flows[index];
            let same = |other: &FlowDefinition| {
                other.spec.name == flow.spec.name && other.spec.version == flow.spec.version
            };
            let Some(first) = flows[..index].iter().position(|(other, _)| same(other)) else {
                continue;
            };
            self.problems.push(
                &flow.elements.flow,
                "document::duplicate_flow",
                format!(
                    "flow `{}` version {} is defined twice",
                    flow.spec.name, flow.spec.version
                ),
                Some("give each definition of a flow its own `version`".into()),
            );
            flows[first].1 = false;
            flows[index].1 = false;
        }
    }

    fn check_unique_actions(&mut self, actions: &[(ScriptActionDef, Range<usize>)]) {
        for (index, (action, span)) in actions.iter().enumerate() {
            if actions[..index]
                .iter()
                .any(|(other, _)| other.name == action.name)
            {
                self.problems.push(
                    span,
                    "document::duplicate_action",
                    format!("script action `{}` is defined twice", action.name),
                    Some("rename one of them, or remove it".into()),
                );
            }
        }
    }

    // ----- one flow -----

    /// The flow of a `[[flow]]` table, and whether it was read without a problem.
    fn flow(&mut self, node: &Node) -> (FlowDefinition, bool) {
        let before = self.problems.len();
        let mut spec = FlowSpec {
            name: String::new(),
            version: 1,
            start: Vec::new(),
            states: Vec::new(),
            actions: ActionCatalog::Unknown,
        };
        let mut elements = ElementSpans {
            source: Some(Arc::clone(self.source)),
            flow: node.span.clone(),
            data: node.span.clone(),
            starts: Vec::new(),
            states: Vec::new(),
        };
        let mut overrides = Vec::new();
        let mut data = String::new();
        let entries = self.table(node, "a flow", FLOW_KEYS).unwrap_or(&[]);
        if let Some((name, span)) = self.required_string(entries, "name", node, "a flow") {
            spec.name = name.to_owned();
            elements.flow = span.clone();
        }
        if let Some(entry) = get(entries, "version") {
            spec.version = self.version(entry).unwrap_or(1);
        }
        if let Some((name, span)) = self.required_string(entries, "data", node, "a flow") {
            data = name.to_owned();
            elements.data = span.clone();
        }
        if let Some((start, span)) = get(entries, "start").and_then(|entry| self.string(entry)) {
            spec.start.push(start.to_owned());
            elements.starts.push(span.clone());
        }
        if let Some(entry) = get(entries, "state") {
            for state in self.tables(entry, "[[flow.state]]") {
                if let Some((state, spans, step_override)) = self.state(state) {
                    spec.states.push(state);
                    elements.states.push(spans);
                    overrides.push(step_override);
                }
            }
        }
        for (key, kind) in [
            ("success", StateKind::Success),
            ("failure", StateKind::Failure),
        ] {
            let Some(entry) = get(entries, key) else {
                continue;
            };
            for (name, span) in self.strings(entry) {
                spec.states.push(StateSpec {
                    name: name.to_owned(),
                    kind: kind.clone(),
                });
                elements.states.push(StateSpans {
                    name: span.clone(),
                    ..StateSpans::default()
                });
                overrides.push(StepOverride::default());
            }
        }
        let clean = self.problems.len() == before;
        let definition = FlowDefinition {
            spec,
            data,
            overrides,
            elements,
        };
        (definition, clean)
    }

    fn version(&mut self, entry: &Entry) -> Option<u32> {
        let Value::Integer(number) = entry.value.value else {
            self.wrong_type(entry, "an integer");
            return None;
        };
        match u32::try_from(number) {
            Ok(version) if version > 0 => Some(version),
            _ => {
                self.problems.push(
                    &entry.value.span,
                    "document::bad_value",
                    format!("version {number} is out of range"),
                    Some("versions count from 1".into()),
                );
                None
            }
        }
    }

    /// One `[[flow.state]]`: its spec, where its parts are, and its overrides; `None` when
    /// it is too broken to say what it is.
    fn state(&mut self, node: &Node) -> Option<(StateSpec, StateSpans, StepOverride)> {
        let entries = self.table(node, "a state", STATE_KEYS)?;
        let (name, name_span) = self.required_string(entries, "name", node, "a state")?;
        let mut spans = StateSpans {
            name: name_span.clone(),
            ..StateSpans::default()
        };
        let state = |kind| StateSpec {
            name: name.to_owned(),
            kind,
        };
        if let Some(end) = get(entries, "end") {
            self.only_keys(entries, &["name", "end"], "an end state");
            let (kind, _) = self.string(end)?;
            let kind = match kind {
                "success" => StateKind::Success,
                "failure" => StateKind::Failure,
                other => {
                    self.unknown_word(end, other, ENDS, "end");
                    return None;
                }
            };
            return Some((state(kind), spans, StepOverride::default()));
        }
        match (get(entries, "action"), get(entries, "wait")) {
            (Some(_), Some(wait)) => {
                self.problems.push(
                    &wait.key_span,
                    "document::action_and_wait",
                    format!("state `{name}` has both `action` and `wait`"),
                    Some(
                        "a state either runs an action or waits for an event: split it in two"
                            .into(),
                    ),
                );
                None
            }
            (None, None) => {
                self.problems.push(
                    name_span,
                    "document::missing_action",
                    format!("state `{name}` has neither `action` nor `wait`"),
                    Some(
                        "a step runs `action = \"…\"`, a wait names its event with \
                         `wait = \"…\"`, and an end belongs in `success` or `failure`"
                            .into(),
                    ),
                );
                None
            }
            (Some(action), None) => {
                let (step, step_override) = self.step(entries, action, name, &mut spans)?;
                Some((state(StateKind::Step(step)), spans, step_override))
            }
            (None, Some(wait)) => {
                let wait = self.wait(entries, wait, name, &mut spans)?;
                Some((state(StateKind::Wait(wait)), spans, StepOverride::default()))
            }
        }
    }

    fn step(
        &mut self,
        entries: &[Entry],
        action: &Entry,
        name: &str,
        spans: &mut StateSpans,
    ) -> Option<(StepSpec, StepOverride)> {
        self.only_keys(
            entries,
            &["name", "action", "on", "next", "retry", "timeout"],
            "a step",
        );
        let (action_name, action_span) = self.string(action)?;
        spans.action = Some(action_span.clone());
        let edges = match (get(entries, "next"), get(entries, "on")) {
            (Some(next), Some(_)) => {
                self.problems.push(
                    &next.key_span,
                    "document::next_and_on",
                    format!("step `{name}` has both `next` and `on`"),
                    Some(
                        "use `next` when whatever the action returns leads to one state, \
                         `on` to map each instruction"
                            .into(),
                    ),
                );
                return None;
            }
            (Some(next), None) => {
                let (target, target_span) = self.string(next)?;
                spans
                    .edges
                    .push((next.key_span.clone(), target_span.clone()));
                vec![Edge {
                    instruction: None,
                    target: target.to_owned(),
                }]
            }
            (None, Some(on)) => self.instruction_map(on, spans),
            (None, None) => Vec::new(),
        };
        let step_override = StepOverride {
            retry: get(entries, "retry").and_then(|entry| self.retry(entry)),
            timeout: get(entries, "timeout").and_then(|entry| self.duration(entry)),
        };
        let step = StepSpec {
            action: action_name.to_owned(),
            edges,
        };
        Some((step, step_override))
    }

    fn wait(
        &mut self,
        entries: &[Entry],
        wait: &Entry,
        name: &str,
        spans: &mut StateSpans,
    ) -> Option<WaitSpec> {
        self.only_keys(
            entries,
            &["name", "wait", "on", "timeout", "on_timeout"],
            "a wait",
        );
        let (event, event_span) = self.string(wait)?;
        spans.action = Some(event_span.clone());
        let edges = match get(entries, "on") {
            Some(on) => self.instruction_map(on, spans),
            None => Vec::new(),
        };
        let on_timeout = get(entries, "on_timeout");
        let never = |entry: &Entry| matches!(&entry.value.value, Value::String(text) if text.text == "never");
        let deadline = match get(entries, "timeout") {
            None => {
                self.problems.push(
                    &wait.key_span,
                    "document::missing_key",
                    format!("wait `{name}` has no `timeout`"),
                    Some(
                        "add `timeout = \"48h\"` with `on_timeout = \"…\"`, or \
                         `timeout = \"never\"` to wait however long it takes"
                            .into(),
                    ),
                );
                return None;
            }
            Some(timeout) if never(timeout) => {
                if let Some(on_timeout) = on_timeout {
                    self.problems.push(
                        &on_timeout.key_span,
                        "document::misplaced_key",
                        format!("wait `{name}` never times out, so `on_timeout` is never taken"),
                        Some("remove `on_timeout`, or give `timeout` a duration".into()),
                    );
                    return None;
                }
                None
            }
            Some(timeout) => {
                let after = self.duration(timeout)?;
                let Some(on_timeout) = on_timeout else {
                    self.problems.push(
                        &timeout.key_span,
                        "document::missing_key",
                        format!("wait `{name}` has a `timeout` but no `on_timeout`"),
                        Some(
                            "add `on_timeout = \"…\"`: the state taken when the time is up".into(),
                        ),
                    );
                    return None;
                };
                let (target, target_span) = self.string(on_timeout)?;
                spans.deadline_target = Some(target_span.clone());
                Some(Deadline {
                    after,
                    target: target.to_owned(),
                })
            }
        };
        Some(WaitSpec {
            event: event.to_owned(),
            deadline,
            edges,
        })
    }

    /// The edges of an `on = { Instruction = "Target", … }` table, in source order.
    fn instruction_map(&mut self, on: &Entry, spans: &mut StateSpans) -> Vec<Edge> {
        let Value::Table(arms) = &on.value.value else {
            self.wrong_type(on, "a table of `Instruction = \"State\"`");
            return Vec::new();
        };
        let mut edges = Vec::new();
        for arm in arms {
            if let Some((target, target_span)) = self.string(arm) {
                spans
                    .edges
                    .push((arm.key_span.clone(), target_span.clone()));
                edges.push(Edge {
                    instruction: Some(arm.key.clone()),
                    target: target.to_owned(),
                });
            }
        }
        edges
    }

    // ----- script actions -----

    fn action(&mut self, node: &Node) -> Option<(ScriptActionDef, Range<usize>)> {
        let before = self.problems.len();
        let entries = self.table(node, "an action", ACTION_KEYS)?;
        let (name, name_span) = self.required_string(entries, "name", node, "an action")?;
        let instructions = match get(entries, "instructions") {
            Some(entry) => self
                .strings(entry)
                .into_iter()
                .map(|(instruction, _)| instruction.to_owned())
                .collect(),
            None => vec!["Done".to_owned()],
        };
        let effect = match get(entries, "effect") {
            None => Effect::SideEffect,
            Some(entry) => match self.string(entry) {
                Some(("side_effect", _)) | None => Effect::SideEffect,
                Some(("readonly", _)) => Effect::ReadOnly,
                Some(("pivot", _)) => Effect::Pivot,
                Some((other, _)) => {
                    self.unknown_word(entry, other, EFFECTS, "effect");
                    Effect::SideEffect
                }
            },
        };
        let run = self.script(entries, "script", "file", name);
        if get(entries, "script").is_none() && get(entries, "file").is_none() {
            self.problems.push(
                name_span,
                "document::missing_key",
                format!("script action `{name}` has no code"),
                Some(
                    "add `script = '''…'''`, or `file = \"…\"` for code in a file beside \
                     the document"
                        .into(),
                ),
            );
        }
        let compensate = self.script(entries, "compensate", "compensate_file", name);
        let query = self.script(entries, "query", "query_file", name);
        let retry = get(entries, "retry").and_then(|entry| self.retry(entry));
        let timeout = get(entries, "timeout").and_then(|entry| self.duration(entry));
        let action = ScriptActionDef {
            name: name.to_owned(),
            instructions,
            effect,
            run: run?,
            compensate,
            query,
            retry,
            timeout,
        };
        (self.problems.len() == before).then(|| (action, name_span.clone()))
    }

    /// The code under `inline` or in the file named by `file`, if either is given.
    fn script(
        &mut self,
        entries: &[Entry],
        inline: &str,
        file: &str,
        action: &str,
    ) -> Option<ScriptSource> {
        match (get(entries, inline), get(entries, file)) {
            (Some(_), Some(file)) => {
                self.problems.push(
                    &file.key_span,
                    "document::script_and_file",
                    format!(
                        "script action `{action}` has both `{inline}` and `{}`",
                        file.key
                    ),
                    Some(format!(
                        "keep `{inline}` for code in the document or `{}` for code in a file",
                        file.key
                    )),
                );
                None
            }
            (Some(entry), None) => {
                let Value::String(text) = &entry.value.value else {
                    self.wrong_type(entry, "a string");
                    return None;
                };
                Some(self.inline_script(text, &entry.value.span))
            }
            (None, Some(entry)) => {
                let (relative, span) = self.string(entry)?;
                let path = self.origin.resolve(relative);
                match std::fs::read_to_string(&path) {
                    Ok(code) => Some(ScriptSource {
                        code,
                        origin: ScriptOrigin::File { path },
                    }),
                    Err(error) => {
                        self.problems.push(
                            span,
                            "document::script_file",
                            format!("cannot read script file `{}`: {error}", path.display()),
                            Some("paths are relative to the document's folder".into()),
                        );
                        None
                    }
                }
            }
            (None, None) => None,
        }
    }

    fn inline_script(&self, text: &Text, span: &Range<usize>) -> ScriptSource {
        let start = self.source.locate(text.verbatim_at.unwrap_or(span.start));
        ScriptSource {
            code: text.text.clone(),
            origin: ScriptOrigin::Inline {
                document: self.source.name.clone(),
                start,
                verbatim: text.verbatim_at.is_some(),
            },
        }
    }

    // ----- policies -----

    fn retry(&mut self, entry: &Entry) -> Option<RetryPolicy> {
        let entries = self.table(&entry.value, "`retry`", RETRY_KEYS)?;
        let Some(attempts) = get(entries, "attempts") else {
            self.problems.push(
                &entry.key_span,
                "document::missing_key",
                "`retry` needs `attempts`",
                Some("write `retry = { attempts = 3 }`".into()),
            );
            return None;
        };
        let attempts = match attempts.value.value {
            Value::Integer(0) => {
                self.problems.push(
                    &attempts.value.span,
                    "document::bad_value",
                    "`attempts = 0` would never run the action",
                    Some(
                        "attempts count the first try: use `attempts = 1` for no retry, \
                         `attempts = 3` for two retries"
                            .into(),
                    ),
                );
                return None;
            }
            Value::Integer(count) => match u32::try_from(count) {
                Ok(count) => count,
                Err(_) => {
                    self.problems.push(
                        &attempts.value.span,
                        "document::bad_value",
                        format!("`attempts = {count}` is out of range"),
                        None,
                    );
                    return None;
                }
            },
            _ => {
                self.wrong_type(attempts, "an integer");
                return None;
            }
        };
        let backoff = match get(entries, "backoff") {
            None => DEFAULT_BACKOFF,
            Some(backoff) => {
                let (text, span) = self.string(backoff)?;
                match parse_backoff(text) {
                    Ok(backoff) => backoff,
                    Err(error) => {
                        let (code, help) = match &error {
                            BackoffError::Duration(error) => {
                                ("document::bad_duration", duration_help(error))
                            }
                            BackoffError::Shape(_) => (
                                "document::bad_value",
                                Some("write `fixed(100ms)` or `exponential(50ms, 2s)`".into()),
                            ),
                            BackoffError::MaxBelowFirst => (
                                "document::bad_value",
                                Some(
                                    "write `exponential(first, max)` with `first <= max`, \
                                     e.g. `exponential(50ms, 2s)`"
                                        .into(),
                                ),
                            ),
                        };
                        self.problems.push(span, code, error.to_string(), help);
                        return None;
                    }
                }
            }
        };
        let jitter = match get(entries, "jitter") {
            None => true,
            Some(jitter) => match jitter.value.value {
                Value::Boolean(jitter) => jitter,
                _ => {
                    self.wrong_type(jitter, "a boolean");
                    return None;
                }
            },
        };
        Some(RetryPolicy {
            attempts,
            backoff,
            jitter,
        })
    }

    fn duration(&mut self, entry: &Entry) -> Option<Duration> {
        let (text, span) = self.string(entry)?;
        match parse_duration(text) {
            Ok(duration) => Some(duration),
            Err(error) => {
                self.problems.push(
                    span,
                    "document::bad_duration",
                    error.to_string(),
                    duration_help(&error),
                );
                None
            }
        }
    }

    // ----- shapes of values -----

    /// The entries of a table, after reporting each key not in `keys`.
    fn table<'n>(&mut self, node: &'n Node, what: &str, keys: &[&str]) -> Option<&'n [Entry]> {
        let Value::Table(entries) = &node.value else {
            self.problems.push(
                &node.span,
                "document::wrong_type",
                format!("{what} must be a table, found {}", node.value.kind()),
                None,
            );
            return None;
        };
        for entry in entries {
            if !keys.contains(&entry.key.as_str()) {
                let help = match did_you_mean(&entry.key, keys.iter().copied()) {
                    Some(key) => format!("did you mean `{key}`?"),
                    None => format!("expected one of {}", list(keys)),
                };
                self.problems.push(
                    &entry.key_span,
                    "document::unknown_key",
                    format!("unknown key `{}` in {what}", entry.key),
                    Some(help),
                );
            }
        }
        Some(entries)
    }

    /// Reports the state keys of `entries` that `what` does not take.
    fn only_keys(&mut self, entries: &[Entry], allowed: &[&str], what: &str) {
        for entry in entries {
            let key = entry.key.as_str();
            if STATE_KEYS.contains(&key) && !allowed.contains(&key) {
                self.problems.push(
                    &entry.key_span,
                    "document::misplaced_key",
                    format!("{what} takes no `{key}`"),
                    Some(format!("{what} takes {}", list(allowed))),
                );
            }
        }
    }

    /// The tables of an array of tables.
    fn tables<'n>(&mut self, entry: &'n Entry, what: &str) -> &'n [Node] {
        match &entry.value.value {
            Value::Array(items) => items,
            other => {
                self.problems.push(
                    &entry.value.span,
                    "document::wrong_type",
                    format!(
                        "`{}` must be an array of tables ({what}), found {}",
                        entry.key,
                        other.kind()
                    ),
                    None,
                );
                &[]
            }
        }
    }

    fn string<'n>(&mut self, entry: &'n Entry) -> Option<Located<'n>> {
        match &entry.value.value {
            Value::String(text) => Some((text.text.as_str(), &entry.value.span)),
            _ => {
                self.wrong_type(entry, "a string");
                None
            }
        }
    }

    /// The strings of an array of strings, each with its place.
    fn strings<'n>(&mut self, entry: &'n Entry) -> Vec<Located<'n>> {
        let Value::Array(items) = &entry.value.value else {
            self.wrong_type(entry, "an array of strings");
            return Vec::new();
        };
        let mut strings = Vec::new();
        for item in items {
            match &item.value {
                Value::String(text) => strings.push((text.text.as_str(), &item.span)),
                other => self.problems.push(
                    &item.span,
                    "document::wrong_type",
                    format!("`{}` must hold strings, found {}", entry.key, other.kind()),
                    None,
                ),
            }
        }
        strings
    }

    fn required_string<'n>(
        &mut self,
        entries: &'n [Entry],
        key: &str,
        table: &Node,
        what: &str,
    ) -> Option<Located<'n>> {
        match get(entries, key) {
            Some(entry) => self.string(entry),
            None => {
                self.problems.push(
                    &table.span,
                    "document::missing_key",
                    format!("{what} has no `{key}`"),
                    Some(format!("add `{key} = \"…\"`")),
                );
                None
            }
        }
    }

    fn wrong_type(&mut self, entry: &Entry, expected: &str) {
        self.problems.push(
            &entry.value.span,
            "document::wrong_type",
            format!(
                "`{}` must be {expected}, found {}",
                entry.key,
                entry.value.value.kind()
            ),
            None,
        );
    }

    fn unknown_word(&mut self, entry: &Entry, word: &str, words: &[&str], what: &str) {
        let help = match did_you_mean(word, words.iter().copied()) {
            Some(known) => format!("did you mean `{known}`?"),
            None => format!("expected one of {}", list(words)),
        };
        self.problems.push(
            &entry.value.span,
            "document::bad_value",
            format!("unknown {what} `{word}`"),
            Some(help),
        );
    }
}

fn duration_help(error: &DurationError) -> Option<String> {
    match error {
        DurationError::NoUnit(_) | DurationError::UnknownUnit(_) | DurationError::NotANumber(_) => {
            Some(DURATION_UNITS.to_owned())
        }
        DurationError::TooLong => None,
    }
}

/// `` `a`, `b`, `c` ``.
fn list(words: &[&str]) -> String {
    words
        .iter()
        .map(|word| format!("`{word}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
