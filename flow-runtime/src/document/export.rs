//! Writes flows and script actions back as a TOML flow document, in one fixed layout, so
//! that equal input gives equal bytes (the canonical form the runtime hashes).

use std::fmt::Write as _;

use flow_core::duration::format_duration;
use flow_core::{Effect, RetryPolicy, StateKind, StateSpec};

use super::backoff::format_backoff;
use super::definition::{FlowDefinition, StepOverride};
use super::script::{ScriptActionDef, ScriptSource};

/// Why a flow cannot be written as a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The flow has something the format cannot say; only invalid flows do.
    #[error("flow `{flow}` cannot be written as a document: {reason}")]
    Unrepresentable {
        /// The flow's name.
        flow: String,
        /// What the format cannot say.
        reason: String,
    },
}

/// `flows` and `actions` as one TOML document that [`FlowDocument::parse`](super::FlowDocument::parse)
/// reads back to the same specs, data names, overrides and actions. Script code is always
/// written inline, so the document stands alone.
///
/// A `flow!` flow exports through [`FlowDefinition::new`]`(Flow::spec(), "Order")`.
pub fn to_toml(
    flows: &[FlowDefinition],
    actions: &[ScriptActionDef],
) -> Result<String, ExportError> {
    let mut out = String::new();
    for flow in flows {
        write_flow(&mut out, flow)?;
    }
    for action in actions {
        write_action(&mut out, action);
    }
    Ok(out)
}

fn write_flow(out: &mut String, flow: &FlowDefinition) -> Result<(), ExportError> {
    let spec = &flow.spec;
    let unrepresentable = |reason: &str| ExportError::Unrepresentable {
        flow: spec.name.clone(),
        reason: reason.to_owned(),
    };
    separate(out);
    let _ = writeln!(out, "[[flow]]");
    let _ = writeln!(out, "name = {}", quote(&spec.name));
    if spec.version == 0 {
        return Err(unrepresentable("version 0 (versions count from 1)"));
    }
    let _ = writeln!(out, "version = {}", spec.version);
    let _ = writeln!(out, "data = {}", quote(&flow.data));
    match spec.start.as_slice() {
        [] => {}
        [start] => {
            let _ = writeln!(out, "start = {}", quote(start));
        }
        _ => return Err(unrepresentable("more than one start state")),
    }
    let trailing = trailing_ends(&spec.states);
    let (declared, ends) = spec.states.split_at(spec.states.len() - trailing);
    for (key, kind) in [
        ("success", StateKind::Success),
        ("failure", StateKind::Failure),
    ] {
        let names: Vec<String> = ends
            .iter()
            .filter(|state| state.kind == kind)
            .map(|state| quote(&state.name))
            .collect();
        if !names.is_empty() {
            let _ = writeln!(out, "{key} = [{}]", names.join(", "));
        }
    }
    for (index, state) in declared.iter().enumerate() {
        let step_override = flow.overrides.get(index).copied().unwrap_or_default();
        write_state(out, state, &step_override).map_err(|reason| unrepresentable(&reason))?;
    }
    Ok(())
}

/// How many states at the end are ends in the order `success = […]` then `failure = […]`
/// put them back: those can go in the two lists, the others need `end = "…"`.
fn trailing_ends(states: &[StateSpec]) -> usize {
    let mut count = 0;
    let mut seen_success = false;
    for state in states.iter().rev() {
        match state.kind {
            StateKind::Success => seen_success = true,
            // A failure before a success (reading backwards: after) would be reordered.
            StateKind::Failure if !seen_success => {}
            _ => break,
        }
        count += 1;
    }
    count
}

fn write_state(
    out: &mut String,
    state: &StateSpec,
    step_override: &StepOverride,
) -> Result<(), String> {
    let _ = write!(out, "\n[[flow.state]]\nname = {}\n", quote(&state.name));
    match &state.kind {
        StateKind::Success => out.push_str("end = \"success\"\n"),
        StateKind::Failure => out.push_str("end = \"failure\"\n"),
        StateKind::Step(step) => {
            let _ = writeln!(out, "action = {}", quote(&step.action));
            match step.edges.as_slice() {
                [edge] if edge.instruction.is_none() => {
                    let _ = writeln!(out, "next = {}", quote(&edge.target));
                }
                edges => write_on(out, edges, &state.name)?,
            }
            if let Some(retry) = &step_override.retry {
                let _ = writeln!(out, "retry = {}", retry_table(retry));
            }
            if let Some(timeout) = step_override.timeout {
                let _ = writeln!(out, "timeout = {}", quote(&format_duration(timeout)));
            }
        }
        StateKind::Wait(wait) => {
            let _ = writeln!(out, "wait = {}", quote(&wait.event));
            match &wait.deadline {
                Some(deadline) => {
                    let _ = writeln!(
                        out,
                        "timeout = {}\non_timeout = {}",
                        quote(&format_duration(deadline.after)),
                        quote(&deadline.target)
                    );
                }
                None => out.push_str("timeout = \"never\"\n"),
            }
            write_on(out, &wait.edges, &state.name)?;
        }
    }
    Ok(())
}

fn write_on(out: &mut String, edges: &[flow_core::Edge], state: &str) -> Result<(), String> {
    if edges.is_empty() {
        return Ok(());
    }
    let mut arms = Vec::new();
    for edge in edges {
        let Some(instruction) = &edge.instruction else {
            return Err(format!(
                "state `{state}` mixes `whatever it returns` with named instructions"
            ));
        };
        arms.push(format!("{} = {}", key(instruction), quote(&edge.target)));
    }
    let _ = writeln!(out, "on = {{ {} }}", arms.join(", "));
    Ok(())
}

fn write_action(out: &mut String, action: &ScriptActionDef) {
    separate(out);
    let _ = writeln!(out, "[[action]]\nname = {}", quote(&action.name));
    let instructions: Vec<String> = action.instructions.iter().map(|i| quote(i)).collect();
    let _ = writeln!(out, "instructions = [{}]", instructions.join(", "));
    let effect = match action.effect {
        Effect::SideEffect => "side_effect",
        Effect::ReadOnly => "readonly",
        Effect::Pivot => "pivot",
    };
    let _ = writeln!(out, "effect = \"{effect}\"");
    write_script(out, "script", &action.run);
    if let Some(compensate) = &action.compensate {
        write_script(out, "compensate", compensate);
    }
    if let Some(query) = &action.query {
        write_script(out, "query", query);
    }
    if let Some(retry) = &action.retry {
        let _ = writeln!(out, "retry = {}", retry_table(retry));
    }
    if let Some(timeout) = action.timeout {
        let _ = writeln!(out, "timeout = {}", quote(&format_duration(timeout)));
    }
}

fn write_script(out: &mut String, key: &str, source: &ScriptSource) {
    let code = &source.code;
    // A literal string keeps the code readable; it cannot hold `'''`, control characters
    // other than tab and newline, or end in a quote that would merge with the delimiter.
    let literal = !code.contains("'''")
        && !code.ends_with('\'')
        && code
            .chars()
            .all(|c| c == '\n' || c == '\t' || !c.is_control());
    if literal {
        let _ = writeln!(out, "{key} = '''\n{code}'''");
    } else {
        let _ = writeln!(out, "{key} = {}", quote(code));
    }
}

fn retry_table(retry: &RetryPolicy) -> String {
    format!(
        "{{ attempts = {}, backoff = {}, jitter = {} }}",
        retry.attempts,
        quote(&format_backoff(retry.backoff)),
        retry.jitter
    )
}

/// A blank line between tables.
fn separate(out: &mut String) {
    if !out.is_empty() {
        out.push('\n');
    }
}

/// `text` as a TOML basic string.
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(quoted, "\\u{:04X}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// `name` as a TOML key: bare when it can be, quoted otherwise.
fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { name.to_owned() } else { quote(name) }
}
