//! A deadline written as in `#[action]` (`timeout = 7d`), and a wait that says it may last
//! forever (`timeout never`).
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
        wait Review on ReviewDecision, timeout = 7d => Expired { Approved => Appeal, Denied => Refused }
        wait Appeal on ReviewDecision, timeout never { Approved => Paid, Denied => Refused }
        success Paid;
        failure Refused, Expired;
    }
}

fn main() {
    let (after, target) = <Claims as Flow>::deadline(ClaimsState::Review).unwrap();
    assert_eq!(after.as_secs(), 7 * 24 * 3600);
    assert_eq!(target, ClaimsState::Expired);
    assert_eq!(<Claims as Flow>::deadline(ClaimsState::Appeal), None);
}
