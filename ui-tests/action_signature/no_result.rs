use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[derive(Instruction)]
pub enum Check {
    Passed,
    Failed,
}

#[action(readonly)]
async fn check(_ctx: &mut Context<Order>) -> Check {
    Check::Passed
}

fn main() {}
