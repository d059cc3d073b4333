//! A compiled script and the scripts of one script action.

use std::fmt;
use std::sync::Arc;

use rhai::AST;

/// A script compiled once (when its document loads) by
/// [`ScriptRuntime::compile`](super::ScriptRuntime::compile), ready to run any number of
/// times, from any thread.
///
/// Cloning is cheap (two reference counts): every flow definition and instance that uses
/// the script shares one syntax tree.
#[derive(Clone)]
pub struct Script {
    name: Arc<str>,
    ast: Arc<AST>,
}

impl Script {
    pub(super) fn new(name: &str, ast: AST) -> Self {
        Self {
            name: Arc::from(name),
            ast: Arc::new(ast),
        }
    }

    /// The name the script was compiled under: it appears in every error and log event.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(super) fn ast(&self) -> &AST {
        &self.ast
    }
}

/// Shows the name only: a syntax tree dump helps nobody reading a log.
impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Script")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The scripts behind one script action: what it does, how it is undone, and how an unknown
/// outcome is asked for.
///
/// Run them with [`ScriptRuntime::run_action`](super::ScriptRuntime::run_action) (`run` and
/// `query`, which both end in an instruction) and
/// [`ScriptRuntime::run_compensation`](super::ScriptRuntime::run_compensation).
#[derive(Debug, Clone)]
pub struct ScriptFns {
    /// The action itself: evaluates to the name of one of its instructions.
    pub run: Script,
    /// Undoes the action's effect on the data, if the action can be undone.
    pub compensate: Option<Script>,
    /// Asks for the outcome of an earlier run whose result was unknown; without one, the
    /// action's `run` script is run again (under the same idempotency key).
    pub query: Option<Script>,
}

impl ScriptFns {
    /// The script that answers a query: `query` if given, else `run`.
    pub fn query_or_run(&self) -> &Script {
        self.query.as_ref().unwrap_or(&self.run)
    }
}
