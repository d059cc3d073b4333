//! A wait that never times out has no state to time out to.
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
        wait Review on ReviewDecision, timeout never => Refused { Approved => Paid, Denied => Refused }
        success Paid;
        failure Refused;
    }
}

fn main() {}
