//! Runs orders through the checkout flow: each order's path, the effects done and undone (a
//! shipping failure refunds the card, then releases the stock), the flow's statistics and
//! its diagram. In memory by default; `FLOW_STORE` picks another store.
//!
//! `cargo run --example checkout`
//! `FLOW_STORE=sqlite://checkout.db cargo run --example checkout`

#[path = "../common/report.rs"]
mod report;
#[path = "../common/store.rs"]
mod store;

mod actions;
mod config;
mod flows;
mod model;

use flow_runtime::{Flow, StartOptions};

use flows::Checkout;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let stats = config::statistics();
    let engine = config::engine(store::from_env().await?, &stats)?;
    for (index, (scenario, order)) in config::demo_orders().into_iter().enumerate() {
        let number = order.number;
        let channel = if index % 2 == 0 { "web" } else { "app" };
        let options = StartOptions::default().label("channel", channel);
        let outcome = engine.run_with::<Checkout>(order, options).await?;
        println!("order {number} ({scenario}, {channel}):");
        report::print_path(&outcome.journal);
        report::print_end(outcome.state, outcome.status, outcome.error.as_ref());
        if outcome.data.effects.is_empty() {
            println!("    effects: none");
        } else {
            println!("    effects: {}", outcome.data.effects.join("; "));
        }
        println!();
    }
    report::print_statistics(&stats.snapshot(), Checkout::NAME, Checkout::VERSION);
    println!();
    println!("{}", Checkout::diagram());
    Ok(())
}
