//! The line `Denied => Refused` of a wait was deleted: the unmapped event is the one error,
//! not the state `Refused` that nothing leads to any more.
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
        wait Review on ReviewDecision, timeout 48h => Expired { Approved => Paid }
        success Paid;
        failure Refused, Expired;
    }
}

fn main() {}
