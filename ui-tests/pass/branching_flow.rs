//! A flow whose instructions branch to different states, run end to end.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Loan {
    score: u32,
}

#[derive(Instruction)]
enum Credit {
    Approve,
    Reject,
    Review,
}

#[action(readonly)]
async fn check_credit(ctx: &mut Context<Loan>) -> Result<Credit, ActionError> {
    Ok(match ctx.data.score {
        0..=499 => Credit::Reject,
        500..=699 => Credit::Review,
        _ => Credit::Approve,
    })
}

#[action(readonly)]
async fn review(_ctx: &mut Context<Loan>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    /// Loan decision.
    pub flow Decision: Loan {
        start Applied;
        Applied   => check_credit { Approve => Approved, Reject => Rejected, Review => Reviewing }
        Reviewing => review => Approved;
        success Approved;
        failure Rejected;
    }
}

fn main() {
    assert_eq!("Reviewing".parse::<DecisionState>().unwrap(), DecisionState::Reviewing);
    assert!(DecisionState::Approved.is_terminal());
    assert!(Decision::MERMAID.contains("Applied --> Reviewing"));
}
