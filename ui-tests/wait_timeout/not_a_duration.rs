//! `forever` is neither a duration nor `never`.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Claim;

#[derive(Instruction)]
pub enum ReviewDecision {
    Approved,
    Denied,
}

flow! {
    pub flow Claims: Claim {
        start Review;
        wait Review on ReviewDecision, timeout forever { Approved => Paid, Denied => Refused }
        success Paid;
        failure Refused;
    }
}

fn main() {}
