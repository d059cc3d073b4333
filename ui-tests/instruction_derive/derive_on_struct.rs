use flow_runtime::prelude::*;

#[derive(Instruction)]
pub struct Payment {
    charged: bool,
}

fn main() {}
