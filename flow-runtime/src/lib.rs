//! Runs compile-time checked business flows.
//!
//! Declare actions with `#[action]`, their outcomes with `#[derive(Instruction)]` and flows
//! with `flow!`; build an [`Engine`], and run instances:
//!
//! ```
//! use flow_runtime::prelude::*;
//!
//! #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
//! pub struct Order { reserved: bool }
//!
//! #[derive(Instruction)]
//! pub enum Stock { Reserved, OutOfStock }
//!
//! #[action(compensate = release_stock)]
//! async fn reserve_stock(ctx: &mut Context<Order>) -> Result<Stock, ActionError> {
//!     ctx.data.reserved = true;
//!     Ok(Stock::Reserved)
//! }
//!
//! async fn release_stock(ctx: &mut Context<Order>) -> Result<(), ActionError> {
//!     ctx.data.reserved = false;
//!     Ok(())
//! }
//!
//! flow! {
//!     pub flow Reserve: Order {
//!         start Created;
//!         Created => reserve_stock { Reserved => Done, OutOfStock => Rejected }
//!         success Done;
//!         failure Rejected;
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let engine = Engine::builder().register::<Reserve>().build()?;
//! let outcome = engine.run::<Reserve>(Order::default()).await?;
//! assert_eq!(outcome.state, ReserveState::Done);
//! assert!(outcome.data.reserved);
//! # Ok::<(), EngineError>(())
//! # }).unwrap();
//! ```

// Generated code names this crate `::flow_runtime`; this makes that path work inside it too.
extern crate self as flow_runtime;

pub mod actions;
pub mod chaos;
#[cfg(feature = "cli")]
pub mod cli;
pub mod clock;
pub mod diagram;
pub mod document;
mod engine;
pub mod grammar;
#[cfg(feature = "http")]
pub mod http;
mod instance_error;
pub mod journal;
mod outcome;
pub mod plugin;
pub mod routing;
#[cfg(feature = "script")]
pub mod script;
pub mod simulate;
pub mod stats;
pub mod store;

pub use clock::{Clock, ManualClock};
pub use document::{DocumentErrors, DocumentOrigin, FlowDocument};
#[cfg(feature = "redis")]
pub use engine::publish_redis_config;
pub use engine::{
    BuildError, ConfigWatch, DocumentFlow, DocumentState, Engine, EngineBuilder, EngineConfig,
    EngineError, FlowData, FlowListing, FlowOptions, FlowTypes, LoadError, LoadedFlow,
    MachineState, Operator, Routed, RoutedOutcome, StartOptions, WatchStatus,
};
pub use flow_core::{
    Action, ActionError, Backoff, Context, Diagnostic, DiagnosticCode, Effect, ErrorKind, Flow,
    FlowSpec, FlowState, IdempotencyKey, InstanceId, Instruction, ReceivedSignal, RetryPolicy,
    SignalError, SignalEvent, SignalPayloadError, StepError, Transition, render_mermaid, validate,
};
pub use flow_macros::{Instruction, action, flow};
pub use instance_error::InstanceError;
pub use journal::{Injected, JournalEntry, JournalKind};
pub use outcome::{Outcome, Status};
pub use plugin::{AttemptInfo, AuditPlugin, Plugin, TracingPlugin};
pub use stats::{Stats, StatsConfig};
pub use store::{MemoryStore, Store};

/// The core model (flow specs, diagnostics, tables) for tools that inspect flows.
pub mod model {
    pub use flow_core::*;
}

/// Everything a flow file and an action file need.
pub mod prelude {
    pub use crate::{
        Action, ActionError, Clock, Context, DocumentFlow, DocumentOrigin, Engine, EngineBuilder,
        EngineConfig, EngineError, Flow, FlowState, Instruction, JournalKind, Outcome, Stats,
        StatsConfig, Status, action, flow,
    };
}

/// What generated code names. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use flow_core::{
        Action, ActionError, Backoff, Context, EdgeEntry, Effect, Flow, FlowState, FlowTable,
        Instruction, RetryPolicy, SignalError, StateEntry, StateEntryKind, StepError, StepPolicy,
        Transition, UnknownState,
        action::{ActionInstruction, DispatchMode},
        all_instructions_mapped, check_step, check_wait,
        state::{deserialize_state, serialize_state},
        states_after_pivot,
    };
    pub use serde;
}

/// The README's quick start, compiled and run as a doc test so it stays true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeQuickStart;
