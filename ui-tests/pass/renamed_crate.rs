//! The runtime renamed in Cargo.toml: `crate = ..` tells the macros where it is.
extern crate flow_runtime as engine_alias;

use engine_alias::{ActionError, Context, Instruction, action, flow};

#[derive(Debug, Clone, Default)]
pub struct Ticket;

#[derive(Instruction)]
#[instruction(crate = engine_alias)]
enum Triage {
    Easy,
    Hard,
}

#[action(crate = engine_alias, readonly)]
async fn triage(_ctx: &mut Context<Ticket>) -> Result<Triage, ActionError> {
    Ok(Triage::Easy)
}

flow! {
    #[flow(crate = engine_alias)]
    pub flow Support: Ticket {
        start Open;
        Open => triage { Easy => Solved, Hard => Escalated }
        success Solved;
        failure Escalated;
    }
}

fn main() {
    assert_eq!(<Support as engine_alias::Flow>::START, SupportState::Open);
}
