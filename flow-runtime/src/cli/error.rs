//! Why a command failed: each error names the problem and, where there is one, the fix.

use std::path::PathBuf;

use crate::document::DocumentErrors;
use crate::engine::EngineError;
use crate::store::StoreError;

/// Why a `flowctl` command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A document has problems (`check` prints them one by one).
    #[error("{0}")]
    Document(#[from] DocumentErrors),
    /// The store could not be opened or failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The engine refused an operator instruction.
    #[error("{0}")]
    Engine(#[from] EngineError),
    /// No flow of that name (and version) is known from any source.
    #[error("no flow `{flow}`{} in {searched}{}", version.map(|v| format!(" v{v}")).unwrap_or_default(), suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownFlow {
        /// The flow asked for.
        flow: String,
        /// The version asked for.
        version: Option<u32>,
        /// Where it was looked for.
        searched: String,
        /// The closest known name.
        suggestion: Option<String>,
    },
    /// The flow has no such state.
    #[error("flow `{flow}` v{version} has no state `{state}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownState {
        /// The flow.
        flow: String,
        /// Its version.
        version: u32,
        /// The state asked for.
        state: String,
        /// The closest state name.
        suggestion: Option<String>,
    },
    /// A state cannot be checked: the flow's definition is not at hand.
    #[error(
        "cannot check that `{state}` is a state of `{flow}` v{version}: the flow is compiled into its application and no definition of it is at hand; run the application's own command (`flow_runtime::cli::Flowctl` with the flow registered), or pass `--document FILE` with the flow"
    )]
    DefinitionUnavailable {
        /// The flow.
        flow: String,
        /// Its version.
        version: u32,
        /// The state asked for.
        state: String,
    },
    /// An argument is not an instance id.
    #[error(
        "`{0}` is not an instance id: ids look like `0192f0c4-7a3e-7cc1-9d2e-0a6b1f4e5d21` (see `flowctl instances`)"
    )]
    BadInstanceId(String),
    /// No instance has the id.
    #[error(
        "no instance `{id}` in store `{store}`: check the id and the store URL (`flowctl instances --store URL`)"
    )]
    NoSuchInstance {
        /// The id.
        id: String,
        /// The store, without its password.
        store: String,
    },
    /// `--stats store` without a store.
    #[error(
        "`--stats store` counts instances in a store: give one with `--store URL` or `FLOW_STORE`"
    )]
    StatsNeedStore,
    /// A statistics snapshot file could not be read.
    #[error(
        "cannot read the statistics snapshot `{path}`: {reason} (write one with `Stats::to_json`)"
    )]
    Snapshot {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// Writing the output failed.
    #[error("cannot write `{path}`: {reason}")]
    Write {
        /// Where.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A stored definition does not read back.
    #[error("the definition `{hash}` stored for `{flow}` does not read: {reason}")]
    BadStoredDefinition {
        /// Its hash.
        hash: String,
        /// Its flow.
        flow: String,
        /// What is wrong.
        reason: String,
    },
    /// A rates document could not be read.
    #[error("cannot read the rates document `{path}`: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The flow is not one this command set can simulate.
    #[error(
        "cannot simulate `{flow}`: no document with it was given and this command set has no compiled simulation of it{}; give the flow's document with `--document FILE`, or run the application's own command with the flow registered by `Flowctl::simulating::<{flow}>()`",
        if registered.is_empty() { String::new() } else { format!(" (it simulates: {})", registered.join(", ")) }
    )]
    NotSimulated {
        /// The flow asked for.
        flow: String,
        /// The flows it can simulate.
        registered: Vec<String>,
    },
    /// The simulation refused its settings or failed.
    #[error("{0}")]
    Simulation(#[from] crate::simulate::SimulationError),
    /// The HTTP server could not start or stopped with an error.
    #[error("serve: {0}")]
    Serve(String),
}
