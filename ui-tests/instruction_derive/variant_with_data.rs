use flow_runtime::prelude::*;

#[derive(Instruction)]
pub enum Payment {
    Charged,
    Declined { reason: String },
}

fn main() {}
