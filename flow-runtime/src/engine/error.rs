//! Why the engine refused a request.

use flow_core::{Diagnostic, InstanceId, SignalError};

use crate::outcome::Status;
use crate::store::StoreError;

/// Why the engine refused a request.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The flow failed validation when it was registered.
    #[error("flow `{flow}` is invalid:\n{}", render_diagnostics(.diagnostics))]
    InvalidFlow {
        /// The flow.
        flow: &'static str,
        /// What is wrong with it.
        diagnostics: Vec<Diagnostic>,
    },
    /// A per-flow override names what the flow does not have.
    #[error("flow `{flow}`: {message}")]
    InvalidOverride {
        /// The flow.
        flow: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A chaos rule names what the engine does not run, or holds a value out of range.
    #[error(transparent)]
    InvalidChaos(#[from] crate::chaos::ChaosError),
    /// No plugin of this name is installed.
    #[error("no plugin `{name}` is installed{}", match .suggestion { Some(best) => format!("; did you mean `{best}`?"), None => String::new() })]
    UnknownPlugin {
        /// The name asked for.
        name: String,
        /// The closest installed name.
        suggestion: Option<String>,
    },
    /// The flow was not registered with the engine.
    #[error("flow `{flow}` is not registered: call `Engine::builder().register::<{flow}>()`")]
    UnregisteredFlow {
        /// The flow.
        flow: &'static str,
    },
    /// No document defines this flow (or this version of it).
    #[error("no document flow `{flow}`{} is loaded{}", version.map(|v| format!(" v{v}")).unwrap_or_default(), loaded_versions(.loaded))]
    NoDocumentFlow {
        /// The flow named.
        flow: String,
        /// The version named, if one was.
        version: Option<u32>,
        /// The versions that are loaded.
        loaded: Vec<u32>,
    },
    /// A document flow runs over other data than the caller's.
    #[error("flow `{flow}` runs over `{expected}`, not `{given}`")]
    WrongData {
        /// The flow.
        flow: String,
        /// The data type the document names.
        expected: String,
        /// The Rust type the caller used.
        given: &'static str,
    },
    /// The definition an instance started on is neither loaded nor in the store: it is never
    /// run on another one.
    #[error(
        "instance `{instance}` runs on definition `{definition}`, which this engine cannot load: {reason}"
    )]
    MissingDefinition {
        /// The instance.
        instance: InstanceId,
        /// The definition's content hash.
        definition: String,
        /// Why it cannot be loaded.
        reason: String,
    },
    /// The request could not be routed.
    #[error(transparent)]
    Route(#[from] crate::routing::RouteError),
    /// `route` was called on an engine built without a router.
    #[error("this engine has no router: build it with `EngineBuilder::router`")]
    NoRouter,
    /// An action or data type could not be registered.
    #[error(transparent)]
    Registry(#[from] crate::actions::RegistryError),
    /// No instance has this id.
    #[error("no instance `{0}`")]
    NoSuchInstance(InstanceId),
    /// The instance belongs to another flow, or another version, than the one named.
    #[error("instance `{instance}` runs flow `{actual}`, not `{expected}`")]
    WrongFlow {
        /// The flow and version named by the caller (`Review v2`).
        expected: String,
        /// The instance.
        instance: InstanceId,
        /// The instance's flow and version (`Review v1`).
        actual: String,
    },
    /// The instance is being worked on; try again when it rests.
    #[error("instance `{0}` is busy: another worker holds its lease")]
    Busy(InstanceId),
    /// The request does not fit the instance's status.
    #[error("cannot {operation} instance `{instance}`: it is {status:?}")]
    InvalidStatus {
        /// The instance.
        instance: InstanceId,
        /// What was asked.
        operation: &'static str,
        /// Where the instance is.
        status: Status,
    },
    /// `skip` named a state the flow does not have.
    #[error("flow `{flow}` has no state `{state}`{}", did_you_mean_suffix(.suggestion))]
    UnknownState {
        /// The flow.
        flow: &'static str,
        /// The name given.
        state: String,
        /// The closest state name, if one is close.
        suggestion: Option<&'static str>,
    },
    /// The signal does not fit the instance's state.
    #[error(transparent)]
    Signal(#[from] SignalError),
    /// The stored context could not be written or read.
    #[error("context of instance `{instance}` cannot be {operation}: {message}")]
    Codec {
        /// The instance.
        instance: InstanceId,
        /// `encoded` or `decoded`.
        operation: &'static str,
        /// The codec's message.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The data given to start an instance does not decode as the flow's data type.
    #[error("data for flow `{flow}` does not decode as `{expected}`: {reason}")]
    InvalidData {
        /// The flow.
        flow: String,
        /// The flow's data type.
        expected: String,
        /// What serde said.
        reason: String,
    },
    /// A signal's payload was refused: too large, or not of the type registered for its
    /// event. The instance is unchanged.
    #[error("signal `{event}` for instance `{instance}` refused: {reason}")]
    InvalidPayload {
        /// The instance.
        instance: InstanceId,
        /// The signal's event.
        event: String,
        /// Why.
        reason: String,
    },
    /// No registered or loaded flow has this name (and version).
    #[error("no flow `{flow}`{}", version.map(|v| format!(" v{v}")).unwrap_or_default())]
    NoSuchFlow {
        /// The name given.
        flow: String,
        /// The version given.
        version: Option<u32>,
    },
    /// The engine is shutting down and takes no new work.
    #[error("the engine is shutting down")]
    ShuttingDown,
}

fn render_diagnostics(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diagnostic| format!("- {diagnostic}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn loaded_versions(loaded: &[u32]) -> String {
    if loaded.is_empty() {
        return String::new();
    }
    let versions: Vec<String> = loaded.iter().map(|version| format!("v{version}")).collect();
    format!(" (loaded: {})", versions.join(", "))
}

fn did_you_mean_suffix(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(name) => format!("; did you mean `{name}`?"),
        None => String::new(),
    }
}
