//! A wait that does not say how long it lasts could hold an instance forever.
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
        wait Review on ReviewDecision { Approved => Paid, Denied => Refused }
        success Paid;
        failure Refused;
    }
}

fn main() {}
