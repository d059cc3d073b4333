//! The business data a loan application carries from step to step.

use serde::{Deserialize, Serialize};

/// One loan application. Documents name this type `Loan` (`data = "Loan"`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Loan {
    /// Who applies.
    pub applicant: String,
    /// The amount asked for, in euros. Script actions read it as `data.amount`.
    pub amount: i64,
    /// Whether the applicant's identity documents check out.
    pub identity_ok: bool,
    /// `Low` or `High`, written by the `score_risk` script action.
    pub risk: String,
    /// What happened to the outside world, in order (stands in for real systems).
    pub effects: Vec<String>,
}
