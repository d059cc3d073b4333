//! The business data of one loan application.

use serde::{Deserialize, Serialize};

/// A loan application.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoanApplication {
    /// Who applies.
    pub applicant: String,
    /// Amount asked, in euros.
    pub amount: u32,
    /// The credit bureau's score.
    pub credit_score: u32,
    /// The account number once opened.
    #[serde(default)]
    pub account: Option<String>,
    /// What happened to the outside world, in order.
    #[serde(default)]
    pub effects: Vec<String>,
}
