//! What a script sees: the context's data as the variable `data`, and the instance's facts
//! as read-only constants.

use flow_core::Context;
use rhai::{Dynamic, INT, ImmutableString, Map, Scope};

/// The variable that holds the context's data; the only one a script's changes are kept of.
pub(super) const DATA: &str = "data";

/// The read-only facts of the context, by the names scripts use, and what each holds.
///
/// Kept in one list so that compiling (which declares them for the strict-variables check)
/// and running (which fills them) cannot drift apart.
pub(super) const FACTS: [&str; 8] = [
    // The instance's id, as a hyphenated UUID string.
    "instance",
    // The flow's name and version.
    "flow",
    "version",
    // The state whose action is running.
    "state",
    // Completed steps, and the attempt of this one (1 for the first).
    "step",
    "attempt",
    // "<instance>/<step>": the same for every attempt of this step, for deduplicating
    // side effects.
    "idempotency_key",
    // The routing labels as a map of strings.
    "labels",
];

/// The scope a script is compiled against: every name it may use without declaring it.
///
/// The values are placeholders and not constants: rhai's optimizer folds constants of the
/// compile scope into the syntax tree, which would bake one instance's facts into the script.
pub(super) fn declared() -> Scope<'static> {
    let mut scope = Scope::with_capacity(FACTS.len() + 1);
    for name in FACTS {
        scope.push_dynamic(name, Dynamic::UNIT);
    }
    scope.push_dynamic(DATA, Dynamic::UNIT);
    scope
}

/// The scope of one run: the facts of `ctx` as constants, then `data` (already encoded).
pub(super) fn for_run<D>(ctx: &Context<D>, data: Dynamic) -> Scope<'static> {
    let mut scope = Scope::with_capacity(FACTS.len() + 1);
    let labels: Map = ctx
        .labels()
        .iter()
        .map(|(key, value)| (key.as_str().into(), Dynamic::from(value.clone())))
        .collect();
    // Same order as FACTS.
    scope
        .push_constant(
            "instance",
            ImmutableString::from(ctx.instance().to_string()),
        )
        .push_constant("flow", ImmutableString::from(ctx.flow()))
        .push_constant("version", INT::from(ctx.version()))
        .push_constant("state", ImmutableString::from(ctx.state()))
        .push_constant("step", saturating_int(ctx.step()))
        .push_constant("attempt", INT::from(ctx.attempt()))
        .push_constant(
            "idempotency_key",
            ImmutableString::from(ctx.idempotency_key().to_string()),
        )
        .push_constant("labels", labels)
        .push_dynamic(DATA, data);
    debug_assert_eq!(scope.len(), FACTS.len() + 1, "one value per declared name");
    scope
}

/// A step count as a rhai integer; no instance reaches 2^63 steps, so saturating loses
/// nothing real.
fn saturating_int(value: u64) -> INT {
    INT::try_from(value).unwrap_or(INT::MAX)
}
