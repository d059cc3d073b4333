//! The sandboxed rhai engine: what a script may use, what is switched off, and the limits.
//!
//! `rhai::Engine::new()` is not a sandbox: it resolves `import` against the file system and
//! prints to stdout. This starts from `Engine::new_raw()` (no functions, no resolver, no
//! output) and adds back only what scripts need.

use rhai::module_resolvers::DummyModuleResolver;
use rhai::packages::{Package, StandardPackage};
use rhai::{Engine, EvalAltResult, FLOAT, INT, Module, Position};

use super::limits::ScriptLimits;

/// Where script output (`print` and `debug`) goes in the logs.
pub(super) const LOG_TARGET: &str = "flow_runtime::script";

/// A rhai engine that can only compute: no modules, no `eval`, no `sleep`, no file, network
/// or process functions, output routed to `tracing`, every resource limit set.
///
/// The standard package is arithmetic, logic, strings, arrays, maps, blobs, iterators and
/// time stamps: rhai keeps file and network access out of the core (they are separate
/// crates, `rhai-fs` and the like), so registering it opens nothing to the outside.
pub(super) fn sandboxed_engine(limits: &ScriptLimits) -> Engine {
    let mut engine = Engine::new_raw();
    engine.register_global_module(StandardPackage::new().as_shared_module());
    // Registered after the standard package, so these win over its functions of the same
    // name and argument types; a function pointer (`Fn("sleep")`) reaches them too.
    engine.register_global_module(refusals().into());

    // `import` resolves nothing: without this a resolver could be added later by mistake,
    // and `Engine::new()` would read `.rhai` files from disk.
    engine.set_module_resolver(DummyModuleResolver::new());
    // A disabled keyword is a compile error, so a document that uses one is rejected when
    // it loads, not when an instance first reaches the script. `eval` would compile source
    // built at run time, outside every check done at load; rhai also refuses a function
    // pointer to a disabled keyword (`Fn("eval")`).
    engine.disable_symbol("eval");
    engine.disable_symbol("import");

    // A name the script did not declare and the runtime does not provide is a typo: catch
    // it at compile time (the runtime compiles with its variables declared).
    engine.set_strict_variables(true);

    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth);
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    engine.set_max_map_size(limits.max_map_size);

    // The runtime enters a span naming the script around every run, so `print` events carry
    // the script's name although rhai's print callback is not told it.
    engine.on_print(|text| tracing::info!(target: LOG_TARGET, "{text}"));
    engine.on_debug(|text, source, position| {
        let script = source.unwrap_or("");
        match position_of(position) {
            Some((line, column)) => {
                tracing::debug!(target: LOG_TARGET, script, line, column, "{text}");
            }
            None => tracing::debug!(target: LOG_TARGET, script, "{text}"),
        }
    });
    engine
}

/// A function of the standard package that a sandboxed script may not call, refused when
/// called. rhai reports it as a system error, which a script's `try` cannot catch.
#[derive(Debug, thiserror::Error)]
#[error("scripts may not use `{what}`")]
pub(super) struct Refused {
    /// The refused function.
    pub(super) what: &'static str,
}

/// The replacements of refused functions.
fn refusals() -> Module {
    fn refuse(what: &'static str) -> Box<EvalAltResult> {
        Box::new(EvalAltResult::ErrorSystem(
            String::new(),
            Box::new(Refused { what }),
        ))
    }
    let mut module = Module::new();
    // `sleep` blocks the engine's worker thread without counting operations, so the
    // operations limit would not stop it.
    module.set_native_fn("sleep", |_: INT| -> Result<(), Box<EvalAltResult>> {
        Err(refuse("sleep"))
    });
    module.set_native_fn("sleep", |_: FLOAT| -> Result<(), Box<EvalAltResult>> {
        Err(refuse("sleep"))
    });
    module
}

/// A rhai position as 1-based (line, column), if it has one.
pub(super) fn position_of(position: Position) -> Option<(usize, usize)> {
    // rhai reports "no column" for the start of a line.
    position
        .line()
        .map(|line| (line, position.position().unwrap_or(1)))
}
