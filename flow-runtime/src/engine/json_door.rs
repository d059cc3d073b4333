//! The engine as outside callers reach it: flows by name, data and payloads as JSON, results
//! by state name. The HTTP API stands on this; so can any caller that does not know the
//! flows' Rust types. Each registered flow (compiled, or loaded from a document) does these
//! through its `Resume` entry, which knows its data type.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use flow_core::{FlowSpec, InstanceId};

use super::machine::{FlowMachine, FlowTypes, MachineState};
use super::resume::{self, Resolution};
use super::signal_delivery::Delivery;
use super::{Engine, StartOptions};
use crate::engine::error::EngineError;
use crate::store::{InstanceSummary, Store};

/// A future of the JSON door, boxed: the caller knows the flow by name only.
pub(crate) type Door<T> = Pin<Box<dyn Future<Output = Result<T, EngineError>> + Send>>;

/// The outcome type of a flow machine when only its machine is known.
pub(crate) struct Erased<M>(PhantomData<M>);

impl<M: FlowMachine> FlowTypes for Erased<M> {
    type Data = M::Data;
    type State = M::State;
}

/// Starts an instance of `flow` with `data` decoded as its data type; the worker drives it.
pub(crate) fn start_json<M: FlowMachine, S: Store>(
    engine: Engine<S>,
    flow: M,
    data: serde_json::Value,
    options: StartOptions,
) -> Door<InstanceId> {
    Box::pin(async move {
        let data: M::Data =
            serde_json::from_value(data).map_err(|error| EngineError::InvalidData {
                flow: flow.name().to_owned(),
                expected: std::any::type_name::<M::Data>().to_owned(),
                reason: error.to_string(),
            })?;
        Ok(engine.create(flow, data, options, true).await?.id())
    })
}

/// Delivers `event` with `delivery` to `instance` of `flow`, drives it until it rests, and
/// says where.
pub(crate) fn signal_json<M: FlowMachine, S: Store>(
    engine: Engine<S>,
    flow: M,
    instance: InstanceId,
    event: String,
    delivery: Delivery,
) -> Door<InstanceSummary> {
    Box::pin(async move {
        let outcome = engine
            .signal_on::<M, Erased<M>>(flow.clone(), instance, &event, delivery)
            .await?;
        Ok(InstanceSummary {
            id: instance,
            flow: flow.name().to_owned(),
            flow_version: flow.version(),
            definition: flow.definition().map(str::to_owned),
            state: outcome.state.name().to_owned(),
            status: outcome.status,
        })
    })
}

/// Moves `instance` of `flow` to `state` as `actor`'s manual fix.
pub(crate) fn skip_json<M: FlowMachine, S: Store>(
    engine: Engine<S>,
    flow: M,
    actor: String,
    instance: InstanceId,
    state: String,
) -> Door<()> {
    Box::pin(async move {
        engine
            .operator(&actor)
            .skip_on(&flow, instance, &state)
            .await
    })
}

/// A flow the engine can start: compiled (`flow!`) or loaded from a document.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowListing {
    /// The flow's name.
    pub name: &'static str,
    /// Its version.
    pub version: u32,
    /// The content hash of its document definition; `None` for a compiled flow.
    pub definition: Option<&'static str>,
    /// Its graph.
    pub spec: FlowSpec,
}

impl<S: Store> Engine<S> {
    /// Starts an instance of the flow called `flow` (of `version`, or its highest version)
    /// with `data` as JSON, decoded as the flow's data type; the engine's worker drives it.
    /// Compiled flows and document flows alike; data that does not decode is refused with
    /// [`EngineError::InvalidData`] and nothing is stored.
    pub async fn start_json(
        &self,
        flow: &str,
        version: Option<u32>,
        data: serde_json::Value,
        options: StartOptions,
    ) -> Result<InstanceId, EngineError> {
        let door = {
            let compiled = self
                .inner
                .flows
                .values()
                .filter(|registered| {
                    registered.name == flow
                        && version.is_none_or(|wanted| wanted == registered.version)
                })
                .max_by_key(|registered| registered.version)
                .map(|registered| {
                    (
                        registered.version,
                        std::sync::Arc::clone(&registered.resume),
                    )
                });
            let documents = self.inner.documents();
            let document = documents
                .current(flow, version)
                .map(|installed| (installed.version, std::sync::Arc::clone(&installed.resume)));
            // The higher version wins when both kinds have the name.
            match (compiled, document) {
                (Some(compiled), Some(document)) if document.0 > compiled.0 => document.1,
                (Some(compiled), _) => compiled.1,
                (None, Some(document)) => document.1,
                (None, None) => {
                    return Err(EngineError::NoSuchFlow {
                        flow: flow.to_owned(),
                        version,
                    });
                }
            }
        };
        door.start_json(self.clone(), data, options).await
    }

    /// Routes `request` like [`Engine::route`], with `data` as JSON decoded as the data type
    /// of the flow version chosen.
    pub async fn route_json(
        &self,
        request: &crate::routing::RouteRequest,
        data: serde_json::Value,
    ) -> Result<super::Routed, EngineError> {
        let (variant, reason, options) = self.choose(request)?;
        let instance = self
            .start_json(&variant.flow, Some(variant.version), data, options)
            .await?;
        Ok(super::Routed {
            instance,
            variant,
            reason,
        })
    }

    /// Delivers `event` to the waiting `instance`, whatever its flow, with `payload` from
    /// `actor`, like [`Engine::signal_as`], and drives it until it rests; says where it rests.
    pub async fn signal_json(
        &self,
        actor: Option<&str>,
        instance: InstanceId,
        event: &str,
        payload: serde_json::Value,
    ) -> Result<InstanceSummary, EngineError> {
        let delivery = self.delivery(instance, event, actor, &payload)?;
        let door = self.door_of(instance).await?;
        door.signal_json(self.clone(), instance, event.to_owned(), delivery)
            .await
    }

    /// Moves a resting `instance`, whatever its flow, to `state` as `actor`'s manual fix,
    /// like [`Operator::skip`](super::Operator::skip).
    pub async fn skip_json(
        &self,
        actor: &str,
        instance: InstanceId,
        state: &str,
    ) -> Result<(), EngineError> {
        let door = self.door_of(instance).await?;
        door.skip_json(self.clone(), actor.to_owned(), instance, state.to_owned())
            .await
    }

    /// Every flow this engine can start, compiled ones first, each by name and version.
    pub fn flows(&self) -> Vec<FlowListing> {
        let mut listings: Vec<FlowListing> = self
            .inner
            .flows
            .values()
            .map(|registered| FlowListing {
                name: registered.name,
                version: registered.version,
                definition: None,
                spec: registered.resume.spec(),
            })
            .collect();
        let documents = self.inner.documents();
        let mut names: Vec<String> = documents.names().collect();
        names.sort();
        names.dedup();
        for name in names {
            for version in documents.versions(&name) {
                if let Some(installed) = documents.current(&name, Some(version)) {
                    listings.push(FlowListing {
                        name: installed.name,
                        version: installed.version,
                        definition: Some(installed.hash),
                        spec: installed.spec.clone(),
                    });
                }
            }
        }
        listings.sort_by(|a, b| (a.name, a.version).cmp(&(b.name, b.version)));
        listings
    }

    /// What runs `instance`: its flow, on the definition it started with.
    async fn door_of(
        &self,
        instance: InstanceId,
    ) -> Result<std::sync::Arc<dyn super::inner::Resume<S>>, EngineError> {
        let record = self.record(instance).await?;
        match resume::resolve(&self.inner, &record).await {
            Resolution::Runs(door) => Ok(door),
            Resolution::Unknown => Err(EngineError::NoSuchFlow {
                flow: record.flow.into_owned(),
                version: Some(record.flow_version),
            }),
            Resolution::Missing(reason) => Err(EngineError::MissingDefinition {
                instance,
                definition: record.definition.unwrap_or_default().into_owned(),
                reason,
            }),
        }
    }
}
