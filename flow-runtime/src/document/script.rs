//! Script actions declared in a document, and where their code came from.

use std::path::PathBuf;
use std::time::Duration;

use flow_core::{Effect, RetryPolicy};

use super::diagnostic::{DocumentDiagnostic, Snippet};
use super::location::Location;

/// A script action (`[[action]]`): shared by the flows of its document, named by their steps
/// like a Rust `#[action]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptActionDef {
    /// The name steps use (`score_risk`).
    pub name: String,
    /// The instructions the script can return (`["Low", "High"]`); `["Done"]` when the
    /// document lists none, like a Rust action that returns `()`.
    pub instructions: Vec<String>,
    /// Its effect, for the saga rules.
    pub effect: Effect,
    /// The code run as the action.
    pub run: ScriptSource,
    /// The code that undoes it, if any.
    pub compensate: Option<ScriptSource>,
    /// The code that tells whether an attempt with an unknown outcome went through, if any.
    pub query: Option<ScriptSource>,
    /// Its retry policy, if any.
    pub retry: Option<RetryPolicy>,
    /// How long one attempt may take, if limited.
    pub timeout: Option<Duration>,
}

/// Script code and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptSource {
    /// The code.
    pub code: String,
    /// Where it came from, to show a script error at its line.
    pub origin: ScriptOrigin,
}

/// Where script code was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptOrigin {
    /// In the document itself (`script = '''…'''`).
    Inline {
        /// The document's name.
        document: String,
        /// Where the code's first character is in the document.
        start: Location,
        /// Whether the document holds the code character for character from `start` on
        /// (literal strings do; escapes in basic or JSON strings shift positions), so that
        /// script lines are document lines.
        verbatim: bool,
    },
    /// In a file of its own (`file = "score_risk.rhai"`), its path resolved against the
    /// document's folder.
    File {
        /// The file's path.
        path: PathBuf,
    },
}

impl ScriptSource {
    /// Where 1-based `line` and `column` of the code are: the name to show and the location
    /// in that document or file. Code that is not verbatim in its document maps to the start
    /// of its string.
    pub fn locate(&self, line: usize, column: usize) -> (String, Location) {
        match &self.origin {
            ScriptOrigin::File { path } => (path.display().to_string(), Location { line, column }),
            ScriptOrigin::Inline {
                document,
                start,
                verbatim: true,
            } => {
                let location = if line <= 1 {
                    Location {
                        line: start.line,
                        column: start.column + column.saturating_sub(1),
                    }
                } else {
                    Location {
                        line: start.line + line - 1,
                        column,
                    }
                };
                (document.clone(), location)
            }
            ScriptOrigin::Inline {
                document, start, ..
            } => (document.clone(), *start),
        }
    }

    /// A diagnostic about the code at its 1-based `line` and `column` (a script engine's
    /// syntax error, say), shown at its place in the document or file.
    pub fn diagnostic(
        &self,
        line: usize,
        column: usize,
        code: impl Into<String>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> DocumentDiagnostic {
        let (origin, location) = self.locate(line, column);
        let verbatim = !matches!(
            self.origin,
            ScriptOrigin::Inline {
                verbatim: false,
                ..
            }
        );
        let mut message = message.into();
        let snippet = if verbatim {
            // An error at the end of the code (an unclosed block) is one line past the last:
            // show that empty line, so the caret still marks where the code ran out.
            let past_end = line == self.code.lines().count() + 1;
            let text = self
                .code
                .lines()
                .nth(line.saturating_sub(1))
                .or(past_end.then_some(""));
            text.map(|text| {
                // The first line of inline code starts mid-line in the document: show the
                // document's columns by padding it to where it starts.
                let prefix = match &self.origin {
                    ScriptOrigin::Inline { start, .. } if line <= 1 => {
                        " ".repeat(start.column.saturating_sub(1))
                    }
                    _ => String::new(),
                };
                Snippet {
                    text: format!("{prefix}{text}"),
                    width: 1,
                }
            })
        } else {
            message = format!("{message} (script line {line}, column {column})");
            None
        };
        DocumentDiagnostic {
            origin,
            line: location.line,
            column: location.column,
            code: code.into(),
            message,
            help,
            snippet,
        }
    }
}
