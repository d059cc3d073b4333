//! Runs orders through the checkout flow on the in-memory engine and prints each transition,
//! the effects done and undone, and the flow's diagram.
//!
//! `cargo run --example checkout`

mod actions;
mod config;
mod flows;
mod model;

use flow_runtime::{Flow, JournalKind};

use flows::Checkout;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = config::engine()?;
    for (scenario, order) in config::demo_orders() {
        let number = order.number;
        let outcome = engine.run::<Checkout>(order).await?;
        println!("order {number} ({scenario}):");
        for entry in &outcome.journal {
            match entry.kind {
                JournalKind::Compensation => {
                    println!("  undo {:<14} {} done", entry.from, entry.action)
                }
                _ => println!(
                    "  {:<14} --{} / {}--> {}",
                    entry.from, entry.action, entry.instruction, entry.to
                ),
            }
        }
        println!("  ended in {} ({:?})", outcome.state, outcome.status);
        println!("  effects: {}", outcome.data.effects.join("; "));
        println!();
    }
    println!("{}", Checkout::diagram());
    Ok(())
}
