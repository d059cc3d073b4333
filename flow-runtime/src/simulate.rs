//! Simulation: run N synthetic instances of a flow with instruction weights and failure
//! rates in place of its actions, before the actions exist, and read what share of
//! instances succeeds end to end, node by node.
//!
//! A simulation is a chaos configuration (see [`crate::chaos`]) on an engine of its own
//! with the memory store: every step is answered by chaos (evenly over the action's
//! instructions, unless weights say otherwise) except the nodes marked
//! [`real`](FlowSimulation::real), every wait gets a drawn signal or its deadline, and timers
//! fire at once. The instances go through the engine's one drive loop: retries, saga
//! compensations and parking for a person happen as they would in production.
//!
//! Instance ids and every draw come from the seed, so the same seed gives the same report,
//! byte for byte ([`SimulationReport`] holds counts and rates, never timings).
//!
//! A compiled flow is simulated with [`Simulation::of`]; a flow of a document (its own
//! `[[chaos]]` tables its rates) with [`Simulation::of_document`], loaded through the one
//! loader and driven through the same loop; rates may also come from a configuration
//! document ([`FlowSimulation::config_document`]).
//!
//! ```
//! use flow_runtime::prelude::*;
//! use flow_runtime::chaos::FaultKind;
//! use flow_runtime::simulate::Simulation;
//!
//! #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
//! pub struct Lead;
//!
//! #[derive(Instruction)]
//! pub enum Interest { Hot, Cold }
//!
//! #[action(readonly)]
//! async fn qualify(_ctx: &mut Context<Lead>) -> Result<Interest, ActionError> {
//!     unimplemented!("not written yet: the simulation answers for it")
//! }
//!
//! flow! {
//!     pub flow Funnel: Lead {
//!         start New;
//!         New => qualify { Hot => Won, Cold => Lost }
//!         success Won;
//!         failure Lost;
//!     }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let report = Simulation::of::<Funnel>()
//!     .instances(1_000)
//!     .seed(7)
//!     .weights("New", [("Hot", 30), ("Cold", 70)])
//!     .run()
//!     .await?;
//! let share = report.success_rate;
//! assert!((0.25..0.35).contains(&share), "{share}");
//! println!("{}", report.to_table());
//! # Ok::<(), flow_runtime::simulate::SimulationError>(())
//! # }).unwrap();
//! ```

mod builder;
mod mermaid;
mod progress;
mod report;
mod run;
mod target;

pub use builder::{FlowSimulation, Simulation, SimulationTarget};
pub use report::{EdgeFunnel, EndState, NodeFunnel, SimulationReport};
pub use run::SimulationError;
pub use target::{OfDocument, OfFlow};
