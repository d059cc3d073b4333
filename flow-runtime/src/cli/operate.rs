//! Operator instructions from a command line, through the store alone: `flowctl` leases the
//! instance and commits the change as the engine's own [`Operator`](crate::Operator) does
//! (an engine without a worker, on the same store), or, for an instance a worker is running
//! now, leaves a pause or cancel request that the worker sees at its next commit. A worker
//! of the owning application then takes up what became due (a retried or resumed instance).

use super::catalog::{FlowCatalog, stored_spec};
use super::error::CliError;
use super::instances::{load, parse_id};
use super::report::Report;
use crate::engine::{Engine, EngineBuilder, EngineError};
use crate::outcome::Status;
use crate::store::{AnyStore, Store};

/// An operator instruction that needs no flow definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Instruction {
    Pause,
    Resume,
    Cancel,
    Retry,
}

impl Instruction {
    fn name(self) -> &'static str {
        match self {
            Instruction::Pause => "pause",
            Instruction::Resume => "resume",
            Instruction::Cancel => "cancel",
            Instruction::Retry => "retry",
        }
    }
}

/// An engine that only gives instructions: no flows, no worker, so it never takes up an
/// instance of the application's.
fn operator_engine(store: AnyStore) -> Result<Engine<AnyStore>, CliError> {
    Ok(EngineBuilder::with_store(store).without_worker().build()?)
}

/// Gives `instruction` to instance `id` as `actor`.
pub(crate) async fn instruct(
    store: AnyStore,
    url: &str,
    id: &str,
    instruction: Instruction,
    actor: &str,
) -> Result<Report, CliError> {
    let instance = parse_id(id)?;
    let engine = operator_engine(store)?;
    let operator = engine.operator(actor);
    let done = match instruction {
        Instruction::Pause => operator.pause(instance).await,
        Instruction::Resume => operator.resume(instance).await,
        Instruction::Cancel => operator.cancel(instance).await,
        Instruction::Retry => operator.retry(instance).await,
    };
    done.map_err(|error| explain(error, url, id))?;
    after(engine.store(), url, id, instruction.name()).await
}

/// Moves instance `id` to `state`, checked against the definition the instance runs on: its
/// stored definition for a document flow, else a compiled flow or a document in `catalog`.
pub(crate) async fn skip(
    store: AnyStore,
    url: &str,
    id: &str,
    state: &str,
    catalog: &FlowCatalog,
    actor: &str,
) -> Result<Report, CliError> {
    let record = load(&store, url, id).await?;
    let spec = match record.definition.as_deref() {
        Some(hash) => match store.load_definition(hash).await? {
            Some(stored) => stored_spec(hash, &stored.flow, &stored.body)?,
            None => {
                return Err(CliError::BadStoredDefinition {
                    hash: hash.to_owned(),
                    flow: record.flow.to_string(),
                    reason: "the store does not have it".to_owned(),
                });
            }
        },
        None => match catalog.find(&record.flow, Some(record.flow_version)) {
            Ok(entry) => entry.spec.clone(),
            Err(_) => {
                return Err(CliError::DefinitionUnavailable {
                    flow: record.flow.to_string(),
                    version: record.flow_version,
                    state: state.to_owned(),
                });
            }
        },
    };
    if spec.state(state).is_none() {
        return Err(CliError::UnknownState {
            flow: spec.name.clone(),
            version: spec.version,
            state: state.to_owned(),
            suggestion: flow_core::did_you_mean(state, spec.states.iter().map(|s| s.name.as_str()))
                .map(str::to_owned),
        });
    }
    let engine = operator_engine(store)?;
    engine
        .operator(actor)
        .skip_checked_by_caller(record.id, &spec.name, spec.version, state.to_owned())
        .await
        .map_err(|error| explain(error, url, id))?;
    after(engine.store(), url, id, "skip").await
}

/// What the instance looks like once the instruction was given.
async fn after(
    store: &AnyStore,
    url: &str,
    id: &str,
    instruction: &str,
) -> Result<Report, CliError> {
    let record = load(store, url, id).await?;
    let pending = record
        .request
        .as_ref()
        .map(|request| {
            format!(
                "; a worker running it will {} it after its current step",
                request.kind.name()
            )
        })
        .unwrap_or_default();
    let taken_up = match record.status {
        Status::Running | Status::Compensating if record.request.is_none() => {
            "; a worker of its application takes it up from the store"
        }
        _ => "",
    };
    let text = format!(
        "{instruction}: instance {id} is {} in state {}{pending}{taken_up}\n",
        record.status.name(),
        record.state
    );
    Ok(Report {
        text,
        json: serde_json::json!({
            "instruction": instruction,
            "id": id,
            "status": record.status,
            "state": record.state,
            "request": record.request.as_ref().map(|request| request.kind),
            "requested_by": record.request.as_ref().and_then(|request| request.actor.as_deref()),
        }),
    })
}

/// The engine's refusal, with what to do about it.
fn explain(error: EngineError, url: &str, id: &str) -> CliError {
    match error {
        EngineError::NoSuchInstance(_) => CliError::NoSuchInstance {
            id: id.to_owned(),
            store: crate::store::redact_password(url),
        },
        other => CliError::Engine(other),
    }
}
