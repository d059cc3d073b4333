//! How much one run of a script may use: the bounds that keep a bad script from stalling a
//! worker or exhausting memory.

/// The resource bounds every run of a script is held to.
///
/// Scripts come from configuration, so the engine cannot trust them to end or to stay
/// small: each bound turns a runaway script into a permanent error of its action instead of a
/// hung worker or an exhausted process. The defaults leave room for business rules (scoring,
/// routing, reshaping a record) and stop anything that looks like a loop or a leak well
/// before it costs a worker more than a few milliseconds.
///
/// A zero means "no limit" for rhai; [`ScriptRuntime::new`](super::ScriptRuntime::new) treats
/// it as the caller's explicit choice and passes it on, so keep limits non-zero unless the
/// scripts are trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptLimits {
    /// Operations (roughly: expressions and statements evaluated) one run may take. This is
    /// what stops `loop {}`: the script runs synchronously on an engine worker, and a
    /// timeout cannot interrupt it.
    pub max_operations: u64,
    /// How deeply script functions may call each other: stops endless recursion before it
    /// overflows the worker thread's stack.
    pub max_call_levels: usize,
    /// How deeply expressions may nest at the top level, checked when the script compiles:
    /// the parser recurses once per level, so this also protects the loading thread's stack.
    pub max_expr_depth: usize,
    /// The same bound inside function bodies.
    pub max_function_expr_depth: usize,
    /// The largest string a script may build, in bytes: stops `s += s` from doubling into
    /// gigabytes.
    ///
    /// rhai adds up the strings nested in one value, so this (like the two sizes below)
    /// also bounds the text of `data` as a whole, which the runtime checks after each run.
    pub max_string_size: usize,
    /// The most items an array may hold, nested arrays' items included.
    pub max_array_size: usize,
    /// The most entries an object map (such as `data`) may hold, nested maps' included.
    pub max_map_size: usize,
}

impl ScriptLimits {
    /// The default bounds; see the fields for what each one stops.
    pub const DEFAULT: ScriptLimits = ScriptLimits {
        // About a millisecond of work on a slow core: plenty for business rules, short for a
        // worker that other instances wait on.
        max_operations: 100_000,
        max_call_levels: 32,
        max_expr_depth: 64,
        max_function_expr_depth: 64,
        // Larger than any field a flow's context should carry; context is journaled and
        // committed after every step, so big values cost on every step anyway.
        max_string_size: 64 * 1024,
        max_array_size: 10_000,
        max_map_size: 10_000,
    };
}

impl Default for ScriptLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
