//! What goes wrong with a script: when it compiles, and when it runs.

use flow_core::{ActionError, ErrorKind};

/// A script that cannot be compiled; the document that holds it should be rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    /// The source is not valid rhai, uses something the sandbox forbids (`eval`, `import`,
    /// `sleep`), names a variable it never declared, or nests deeper than the limits allow.
    ///
    /// `line` and `column` are 1-based and count inside the script's own source, so a
    /// caller whose script starts on line `n` of a document reports line `n + line - 1`.
    #[error("script `{script}` does not compile: {message} (line {line}, column {column})")]
    Syntax {
        /// The script's name.
        script: String,
        /// The line of the error within the script, from 1.
        line: usize,
        /// The column of the error within its line, from 1.
        column: usize,
        /// What is wrong, in rhai's words.
        message: String,
    },
}

/// Where in a script a run went wrong, when rhai knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// The line within the script, from 1.
    pub line: usize,
    /// The column within the line, from 1.
    pub column: usize,
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, " at line {}, column {}", self.line, self.column)
    }
}

/// Shows " at line L, column C" or nothing.
struct Where(Option<At>);

impl std::fmt::Display for Where {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(at) => at.fmt(f),
            None => Ok(()),
        }
    }
}

/// Why a run of a script did not produce its result.
///
/// Everything but [`Thrown`](ScriptRunError::Thrown) is deterministic: the same script on the
/// same data fails the same way, so retrying cannot help and the error is permanent. A
/// script signals a passing fault by throwing (see [`Thrown`](ScriptRunError::Thrown)).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScriptRunError {
    /// The run took more operations than [`ScriptLimits::max_operations`](super::ScriptLimits).
    #[error(
        "script `{script}` stopped: it ran more than {limit} operations (an endless loop?){}",
        Where(*at)
    )]
    TooManyOperations {
        /// The script's name.
        script: String,
        /// The limit it ran into.
        limit: u64,
        /// Where it was stopped.
        at: Option<At>,
    },
    /// Functions called each other deeper than
    /// [`ScriptLimits::max_call_levels`](super::ScriptLimits).
    #[error(
        "script `{script}` stopped: its function calls nested more than {limit} levels deep (an endless recursion?){}",
        Where(*at)
    )]
    TooDeep {
        /// The script's name.
        script: String,
        /// The limit it ran into.
        limit: usize,
        /// Where it was stopped.
        at: Option<At>,
    },
    /// A string, array or map grew past its limit.
    #[error("script `{script}` stopped: {what} grew larger than its limit of {limit}{}", Where(*at))]
    TooLarge {
        /// The script's name.
        script: String,
        /// What grew: "a string", "an array", "a map".
        what: &'static str,
        /// The limit, in bytes for strings, else in items.
        limit: usize,
        /// Where it was stopped.
        at: Option<At>,
    },
    /// The script reached for something the sandbox does not offer (a module, `eval`,
    /// `sleep`), in a way the compile-time check could not see (a function pointer).
    #[error("script `{script}` used `{what}`, which scripts may not use{}", Where(*at))]
    Forbidden {
        /// The script's name.
        script: String,
        /// What it tried to use.
        what: String,
        /// Where.
        at: Option<At>,
    },
    /// A mistake in the script found while running it: a type mismatch, an unknown
    /// function or property, an index out of bounds, a division by zero ...
    #[error("script `{script}` failed: {message}{}", Where(*at))]
    Failed {
        /// The script's name.
        script: String,
        /// What went wrong, in rhai's words.
        message: String,
        /// Where.
        at: Option<At>,
    },
    /// The script ended on a value that is not a string, so it named no instruction.
    #[error(
        "script `{script}` returned a value of type `{type_name}`, not the name of an instruction (a string)"
    )]
    NotAString {
        /// The script's name.
        script: String,
        /// The rhai type of what it returned.
        type_name: String,
    },
    /// The script named an instruction its action does not have.
    #[error("script `{script}` returned `{returned}`, which is not one of its instructions {}", list(.instructions))]
    UnknownInstruction {
        /// The script's name.
        script: String,
        /// What it returned.
        returned: String,
        /// The instructions it may return.
        instructions: Vec<&'static str>,
    },
    /// The context's data could not be given to the script (a value rhai cannot hold).
    #[error("script `{script}` could not be given the data: {message}")]
    DataNotEncodable {
        /// The script's name.
        script: String,
        /// Why, in rhai's words.
        message: String,
    },
    /// The script left `data` in a shape the flow's data type does not accept; the
    /// context keeps the data it had before the run.
    #[error("script `{script}` wrote data that no longer decodes: {message}")]
    DataNotDecodable {
        /// The script's name.
        script: String,
        /// Why, in serde's words.
        message: String,
    },
    /// The script threw on purpose (`throw "..."`).
    ///
    /// A thrown value is a retryable error: the action's retry policy decides whether to try
    /// again. A script that knows trying again cannot help throws a map
    /// `#{ permanent: true, message: "..." }`, which is permanent.
    #[error("script `{script}` threw: {message}{}", Where(*at))]
    Thrown {
        /// The script's name.
        script: String,
        /// The thrown value as text (or the `message` of a thrown map).
        message: String,
        /// Whether the script marked it permanent.
        permanent: bool,
        /// Where.
        at: Option<At>,
    },
}

/// `Low`, `High` as "`Low`, `High`", or "(none)".
fn list(instructions: &[&'static str]) -> String {
    if instructions.is_empty() {
        return "(it has none)".to_owned();
    }
    instructions
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ScriptRunError {
    /// Whether the action's retry policy may try again: only for a thrown value that was
    /// not marked permanent.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ScriptRunError::Thrown {
                permanent: false, ..
            } => ErrorKind::Retryable,
            _ => ErrorKind::Permanent,
        }
    }
}

impl From<ScriptRunError> for ActionError {
    /// The error's text becomes the action error's message, which the journal keeps.
    fn from(error: ScriptRunError) -> Self {
        let message = error.to_string();
        match error.kind() {
            ErrorKind::Retryable => ActionError::retryable(message),
            _ => ActionError::permanent(message),
        }
    }
}
