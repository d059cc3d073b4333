//! A deadline needs the state taken when it passes.
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
        wait Review on ReviewDecision, timeout = 7d { Approved => Paid, Denied => Refused }
        success Paid;
        failure Refused;
    }
}

fn main() {}
