//! An action over another data type, used by a step that maps its instructions: the one error
//! is that it is not an action over the flow's data, not one more per mapped instruction.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Trip;

#[derive(Debug, Clone, Default)]
pub struct Other;

#[derive(Instruction)]
pub enum Availability {
    Booked,
    Full,
}

#[action(readonly)]
async fn other_check(_ctx: &mut Context<Other>) -> Result<Availability, ActionError> {
    Ok(Availability::Booked)
}

flow! {
    pub flow Booking: Trip {
        start Requested;
        Requested => other_check { Booked => Confirmed, Full => Refused }
        success Confirmed;
        failure Refused;
    }
}

fn main() {}
