//! Starting instances by request: the router picks the variant, the engine starts the flow
//! version that serves it (compiled or loaded from a document) and records the choice on
//! the instance, as its `variant` routing label and as the first entry of its journal.

use std::future::Future;
use std::pin::Pin;

use flow_core::{Flow, InstanceId};

use super::activation::FlowData;
use super::error::EngineError;
use super::{Engine, StartOptions};
use crate::routing::{RouteRequest, Variant};
use crate::store::Store;

/// Starts an instance of one compiled flow with data `D`, for the router (which knows the
/// flow by name only). Kept type-erased per registered flow.
pub(crate) type StartFn<S, D> =
    for<'a> fn(
        &'a Engine<S>,
        D,
        StartOptions,
    ) -> Pin<Box<dyn Future<Output = Result<InstanceId, EngineError>> + Send + 'a>>;

/// The [`StartFn`] of compiled flow `F`.
pub(crate) fn start_compiled<F: Flow, S: Store>(
    engine: &Engine<S>,
    data: F::Data,
    options: StartOptions,
) -> Pin<Box<dyn Future<Output = Result<InstanceId, EngineError>> + Send + '_>>
where
    F::Data: FlowData,
{
    Box::pin(engine.start_with::<F>(data, options))
}

/// The routing label naming the configuration an instance was routed with.
pub const CONFIG_LABEL: &str = "config";

/// `3` for routes from code, `3:1f2e3d4c5b6a` for routes from a document (version and hash).
fn config_label(routes: &super::inner::AppliedRoutes) -> String {
    match &routes.hash {
        Some(hash) => format!("{}:{}", routes.version, super::short_hash(hash)),
        None => routes.version.to_string(),
    }
}

impl<S: Store> Engine<S> {
    /// The routing configuration in force: its version (counting from 1 per engine) and
    /// the content hash of the document it came from (`None` for routes from code).
    pub fn routing_version(&self) -> Option<(u64, Option<String>)> {
        self.inner
            .routes()
            .map(|routes| (routes.version, routes.hash.clone()))
    }
}

/// An instance the router started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    /// The new instance.
    pub instance: InstanceId,
    /// The variant it got.
    pub variant: Variant,
    /// Why (`rule 1: tenant == "acme" => v2`, `split 20/100`, `pinned`).
    pub reason: String,
}

impl<S: Store> Engine<S> {
    /// Routes `request` (see [`crate::routing`]) and starts an instance of the chosen flow
    /// version with `data`; the engine's worker drives it. An unroutable request is an
    /// error naming its kind and the rules tried; a variant whose flow version is not
    /// registered or loaded is an error naming it.
    pub async fn route<D: FlowData>(
        &self,
        request: &RouteRequest,
        data: D,
    ) -> Result<Routed, EngineError> {
        let routes = self.inner.routes().ok_or(EngineError::NoRouter)?;
        // A request without a routing key gets a fresh one: split by weight, not sticky.
        let choice = routes
            .router
            .route(request, || InstanceId::new().to_string())?;
        let mut options = StartOptions::default()
            .label(crate::stats::VARIANT_LABEL, choice.variant.name.clone())
            .label(CONFIG_LABEL, config_label(&routes));
        let reason = choice.reason.to_string();
        let variant = choice.variant.clone();
        options.route = Some(choice);
        let instance = self.start_variant(&variant, data, options).await?;
        Ok(Routed {
            instance,
            variant,
            reason,
        })
    }

    /// Starts an instance of the flow version serving `variant`.
    async fn start_variant<D: FlowData>(
        &self,
        variant: &Variant,
        data: D,
        options: StartOptions,
    ) -> Result<InstanceId, EngineError> {
        if let Some(registered) = self.inner.by_name(&variant.flow, variant.version) {
            let Some(start) = registered.start.downcast_ref::<StartFn<S, D>>() else {
                return Err(EngineError::WrongData {
                    flow: variant.flow.clone(),
                    expected: registered.data_type.to_owned(),
                    given: std::any::type_name::<D>(),
                });
            };
            return start(self, data, options).await;
        }
        let flow = self.document_flow::<D>(&variant.flow, Some(variant.version))?;
        let activation = self.create(flow, data, options, true).await?;
        Ok(activation.id())
    }
}
