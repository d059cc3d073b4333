//! A variant added to an action's instructions and not mapped: the error names it, the action,
//! and the line to add, in flow syntax.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Applicant;

#[derive(Instruction)]
pub enum Identity {
    Verified,
    Rejected,
    SuspectedFraud,
}

#[action(readonly)]
async fn verify_identity(_ctx: &mut Context<Applicant>) -> Result<Identity, ActionError> {
    Ok(Identity::Verified)
}

flow! {
    pub flow Onboarding: Applicant {
        start Applied;
        Applied => verify_identity { Verified => Accepted, Rejected => Refused }
        success Accepted;
        failure Refused;
    }
}

fn main() {}
