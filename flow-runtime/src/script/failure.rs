//! Turning what rhai reports when a run fails into a [`ScriptRunError`] that names the
//! script and the limit or mistake, in words an operator can act on.

use rhai::{Dynamic, EvalAltResult, Map};

use super::compiled::Script;
use super::error::{At, ScriptRunError};
use super::limits::ScriptLimits;
use super::sandbox::{Refused, position_of};

/// The error of a failed run of `script` under `limits`.
pub(super) fn from_eval(
    script: &Script,
    limits: &ScriptLimits,
    error: EvalAltResult,
) -> ScriptRunError {
    let mut error = root_cause(error);
    let at = position_of(error.take_position()).map(|(line, column)| At { line, column });
    let name = script.name().to_owned();
    match error {
        EvalAltResult::ErrorTooManyOperations(..) => ScriptRunError::TooManyOperations {
            script: name,
            limit: limits.max_operations,
            at,
        },
        EvalAltResult::ErrorStackOverflow(..) => ScriptRunError::TooDeep {
            script: name,
            limit: limits.max_call_levels,
            at,
        },
        EvalAltResult::ErrorDataTooLarge(ref what, ..) => {
            let (what, limit) = grown(what, limits);
            ScriptRunError::TooLarge {
                script: name,
                what,
                limit,
                at,
            }
        }
        // Compiling rejects `import`; this is the second line, should a script reach a
        // module some other way.
        EvalAltResult::ErrorModuleNotFound(module, ..) => ScriptRunError::Forbidden {
            script: name,
            what: format!("import \"{module}\""),
            at,
        },
        EvalAltResult::ErrorTooManyModules(..) => ScriptRunError::Forbidden {
            script: name,
            what: "import".to_owned(),
            at,
        },
        EvalAltResult::ErrorRuntime(value, ..) => thrown(name, value, at),
        EvalAltResult::ErrorSystem(_, ref cause) if cause.is::<Refused>() => {
            let what = cause
                .downcast_ref::<Refused>()
                .map_or("a refused function", |refused| refused.what);
            ScriptRunError::Forbidden {
                script: name,
                what: what.to_owned(),
                at,
            }
        }
        other => ScriptRunError::Failed {
            script: name,
            message: other.to_string(),
            at,
        },
    }
}

/// The error inside the script functions that were being called: the wrapper only says
/// which function, and the position inside it is the useful one.
fn root_cause(error: EvalAltResult) -> EvalAltResult {
    match error {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
        | EvalAltResult::ErrorInModule(_, inner, _) => root_cause(*inner),
        other => other,
    }
}

/// What grew too large, by rhai's description of it, and its limit.
fn grown(description: &str, limits: &ScriptLimits) -> (&'static str, usize) {
    if description.contains("string") {
        ("a string", limits.max_string_size)
    } else if description.contains("map") {
        ("a map", limits.max_map_size)
    } else {
        ("an array", limits.max_array_size)
    }
}

/// A value the script threw: retryable, unless a map that says `permanent: true`.
fn thrown(script: String, value: Dynamic, at: Option<At>) -> ScriptRunError {
    let (message, permanent) = match value.try_cast_result::<Map>() {
        Ok(map) => {
            let permanent = map
                .get("permanent")
                .and_then(|flag| flag.as_bool().ok())
                .unwrap_or(false);
            let message = match map.get("message") {
                Some(message) => message.to_string(),
                None => Dynamic::from_map(map).to_string(),
            };
            (message, permanent)
        }
        Err(value) => (value.to_string(), false),
    };
    ScriptRunError::Thrown {
        script,
        message,
        permanent,
        at,
    }
}
