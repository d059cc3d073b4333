//! Why a chaos configuration was refused.

use std::fmt;

/// A chaos rule that cannot apply: its node, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChaosError {
    /// A rule names something the engine does not run, or holds a value out of range.
    #[error("chaos rule for `{node}`: {message}{}", Help(help))]
    InvalidRule {
        /// The rule's node (`Loan/Scoring`).
        node: String,
        /// What is wrong.
        message: String,
        /// How to fix it (`did you mean …?`).
        help: Option<String>,
    },
}

/// `; help` when there is one.
struct Help<'a>(&'a Option<String>);

impl fmt::Display for Help<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(help) => write!(f, "; {help}"),
            None => Ok(()),
        }
    }
}
