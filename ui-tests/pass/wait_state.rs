//! A wait state with an event type and a deadline edge.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Claim;

#[derive(Instruction)]
enum Triage {
    Simple,
    Complex,
}

#[derive(Instruction)]
enum ReviewDecision {
    Approved,
    Denied,
}

#[action(readonly)]
async fn triage(_ctx: &mut Context<Claim>) -> Result<Triage, ActionError> {
    Ok(Triage::Complex)
}

flow! {
    pub flow ClaimHandling: Claim {
        start Received;
        Received => triage { Simple => Paid, Complex => Review }
        wait Review on ReviewDecision, timeout 48h => Expired { Approved => Paid, Denied => Refused }
        success Paid;
        failure Refused, Expired;
    }
}

fn main() {
    let (after, target) = <ClaimHandling as Flow>::deadline(ClaimHandlingState::Review).unwrap();
    assert_eq!(after.as_secs(), 48 * 3600);
    assert_eq!(target, ClaimHandlingState::Expired);
    let moved = <ClaimHandling as Flow>::signal(ClaimHandlingState::Review, "Denied").unwrap();
    assert_eq!(moved.next, ClaimHandlingState::Refused);
}
