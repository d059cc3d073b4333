//! A typo in a target state is reported once, with the short state it resembles, and without
//! the states it seems to cut off (`B`, `C`) or the trap that fixing it to `Loop` would avoid.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Trip;

#[derive(Instruction)]
pub enum Booking {
    Booked,
    Full,
}

#[action(readonly)]
async fn book(_ctx: &mut Context<Trip>) -> Result<Booking, ActionError> {
    Ok(Booking::Booked)
}

#[action(readonly)]
async fn pay(_ctx: &mut Context<Trip>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Travel: Trip {
        start A;
        A => book { Booked => Bee, Full => Failed }
        B => pay => C;
        C => pay => Done;
        Loop => pay => Loop;
        success Done;
        failure Failed;
    }
}

fn main() {}
