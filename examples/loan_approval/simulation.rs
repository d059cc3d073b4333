//! `--simulate`: runs synthetic loan applications through the flow with the expected rates
//! of `rates.toml` in place of the actions, and prints the funnel: what share of
//! applications is paid out end to end, and where the others stop.

use flow_runtime::DocumentOrigin;
use flow_runtime::simulate::Simulation;

use crate::flows::LoanApproval;

/// The rates the simulation assumes (operations' configuration, like the engine's).
const RATES: &str = include_str!("rates.toml");

/// Simulates `instances` applications seeded `seed`; prints the report as a table and a
/// Mermaid diagram, or as JSON.
pub async fn simulate(
    instances: u64,
    seed: u64,
    json: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let report = Simulation::of::<LoanApproval>()
        .instances(instances)
        .seed(seed)
        .progress(!json)
        .config_document(RATES, DocumentOrigin::named("loan_approval/rates.toml"))?
        .run()
        .await?;
    if json {
        println!("{}", report.to_json());
    } else {
        println!("{}", report.to_table());
        println!("{}", report.mermaid);
    }
    Ok(())
}
