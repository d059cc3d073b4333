//! The script runtime: one sandboxed engine that compiles scripts and runs them.

use rhai::Engine;

use super::compiled::Script;
use super::error::ScriptError;
use super::limits::ScriptLimits;
use super::sandbox::{position_of, sandboxed_engine};
use super::scope;

/// Compiles and runs script actions in a sandbox (see the [module docs](super)).
///
/// One runtime serves every script of a process: it is `Send + Sync`, holds no state
/// between runs (each run gets a fresh scope and operation count), and is meant to be
/// shared behind an `Arc`. A run that fails, even on a limit, leaves it as it was.
pub struct ScriptRuntime {
    pub(super) engine: Engine,
    pub(super) limits: ScriptLimits,
}

impl ScriptRuntime {
    /// A runtime whose every run is held to `limits`.
    pub fn new(limits: ScriptLimits) -> Self {
        Self {
            engine: sandboxed_engine(&limits),
            limits,
        }
    }

    /// The limits every run is held to.
    pub fn limits(&self) -> &ScriptLimits {
        &self.limits
    }

    /// Compiles `source` under `name` (which errors and log events show).
    ///
    /// Compile once, when the document that holds the script loads, and keep the
    /// [`Script`]. Besides syntax, this rejects what the sandbox forbids (`eval`, `import`,
    /// `sleep`) and variables the script neither declares nor gets from the runtime (`data`,
    /// `instance`, `flow`, `version`, `state`, `step`, `attempt`, `idempotency_key`,
    /// `labels`), so a typo fails the document, not the first instance to reach it.
    pub fn compile(&self, name: &str, source: &str) -> Result<Script, ScriptError> {
        let mut ast = self
            .engine
            .compile_with_scope(&scope::declared(), source)
            .map_err(|error| {
                let (line, column) = position_of(error.position()).unwrap_or((1, 1));
                ScriptError::Syntax {
                    script: name.to_owned(),
                    line,
                    column,
                    message: error.err_type().to_string(),
                }
            })?;
        // The source name reaches `debug` output and rhai's own error messages.
        ast.set_source(name);
        Ok(Script::new(name, ast))
    }
}

impl Default for ScriptRuntime {
    /// A runtime with the [default limits](ScriptLimits::DEFAULT).
    fn default() -> Self {
        Self::new(ScriptLimits::default())
    }
}

impl std::fmt::Debug for ScriptRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptRuntime")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}
