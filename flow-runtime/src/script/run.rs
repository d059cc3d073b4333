//! Running a script against a context: data in, script, result and data out.

use flow_core::{ActionError, Context};
use rhai::{Dynamic, EvalAltResult};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::compiled::Script;
use super::error::ScriptRunError;
use super::runtime::ScriptRuntime;
use super::sandbox::LOG_TARGET;
use super::{failure, scope};

impl ScriptRuntime {
    /// Runs an action's script (or its query script) on `ctx` and returns the instruction
    /// it named, one of `instructions`.
    ///
    /// The script sees the data as the map `data`, which it may change, and the facts of
    /// the context as constants. It runs synchronously, bounded by the operations limit,
    /// so it is fine to call from inside an async action. `ctx.data` is replaced only if
    /// the script succeeded, named one of `instructions`, and left `data` decodable as `D`:
    /// after any error the context holds the data it had before.
    ///
    /// Errors are permanent except a value the script threw, which is retryable unless it
    /// is a map with `permanent: true` (see [`ScriptRunError`]).
    pub fn run_action<D: Serialize + DeserializeOwned>(
        &self,
        script: &Script,
        ctx: &mut Context<D>,
        instructions: &[&'static str],
    ) -> Result<&'static str, ActionError> {
        self.try_run_action(script, ctx, instructions)
            .map_err(ActionError::from)
    }

    /// Runs a compensation script on `ctx`: like [`run_action`](Self::run_action), but the
    /// script's value is ignored.
    pub fn run_compensation<D: Serialize + DeserializeOwned>(
        &self,
        script: &Script,
        ctx: &mut Context<D>,
    ) -> Result<(), ActionError> {
        self.try_run_compensation(script, ctx)
            .map_err(ActionError::from)
    }

    /// [`run_action`](Self::run_action) with the typed error, for callers that report it
    /// in more detail than an [`ActionError`] holds.
    pub fn try_run_action<D: Serialize + DeserializeOwned>(
        &self,
        script: &Script,
        ctx: &mut Context<D>,
        instructions: &[&'static str],
    ) -> Result<&'static str, ScriptRunError> {
        let (value, data) = self.evaluate(script, ctx)?;
        let instruction = instruction_named(script, value, instructions)?;
        // Decoded last: a run that named no valid instruction must not change the data.
        ctx.data = decode(script, &data)?;
        Ok(instruction)
    }

    /// [`run_compensation`](Self::run_compensation) with the typed error.
    pub fn try_run_compensation<D: Serialize + DeserializeOwned>(
        &self,
        script: &Script,
        ctx: &mut Context<D>,
    ) -> Result<(), ScriptRunError> {
        let (_, data) = self.evaluate(script, ctx)?;
        ctx.data = decode(script, &data)?;
        Ok(())
    }

    /// Runs `script` with `ctx` in scope; returns its value and what `data` became.
    fn evaluate<D: Serialize>(
        &self,
        script: &Script,
        ctx: &Context<D>,
    ) -> Result<(Dynamic, Dynamic), ScriptRunError> {
        let data = rhai::serde::to_dynamic(&ctx.data).map_err(|error| {
            ScriptRunError::DataNotEncodable {
                script: script.name().to_owned(),
                message: error.to_string(),
            }
        })?;
        let mut scope = scope::for_run(ctx, data);
        let provided = scope.len();
        // `print` output is logged inside this span, so it carries the script's name.
        let span = tracing::info_span!(target: LOG_TARGET, "script", script = script.name());
        let value = span
            .in_scope(|| {
                self.engine
                    .eval_ast_with_scope::<Dynamic>(&mut scope, script.ast())
            })
            .map_err(|error: Box<EvalAltResult>| {
                failure::from_eval(script, &self.limits, *error)
            })?;
        // Drops the script's own top-level variables, so a `let data = ..` of its own
        // cannot pass for the context's data.
        scope.rewind(provided);
        let data = scope
            .remove::<Dynamic>(scope::DATA)
            .unwrap_or(Dynamic::UNIT);
        // rhai checks sizes when a function changes a value, but not when an index
        // assignment adds a key to a map: check once more what would be kept.
        self.engine
            .ensure_data_size_within_limits(&data)
            .map_err(|error| failure::from_eval(script, &self.limits, *error))?;
        Ok((value, data))
    }
}

/// The instruction among `instructions` that `value` names.
fn instruction_named(
    script: &Script,
    value: Dynamic,
    instructions: &[&'static str],
) -> Result<&'static str, ScriptRunError> {
    let type_name = value.type_name();
    let Ok(name) = value.into_immutable_string() else {
        return Err(ScriptRunError::NotAString {
            script: script.name().to_owned(),
            type_name: type_name.to_owned(),
        });
    };
    instructions
        .iter()
        .copied()
        .find(|instruction| *instruction == name.as_str())
        .ok_or_else(|| ScriptRunError::UnknownInstruction {
            script: script.name().to_owned(),
            returned: name.to_string(),
            instructions: instructions.to_vec(),
        })
}

/// `data` as the flow's data type.
fn decode<D: DeserializeOwned>(script: &Script, data: &Dynamic) -> Result<D, ScriptRunError> {
    rhai::serde::from_dynamic(data).map_err(|error| ScriptRunError::DataNotDecodable {
        script: script.name().to_owned(),
        message: error.to_string(),
    })
}
