//! The API's `Router`: its routes, the state its handlers share, and the body limit.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::auth::ApiToken;
use super::body::BodyLimit;
use super::config::HttpConfig;
use super::events::EventStream;
use super::{dashboard, diagram, flows, instances, openapi, operator, stats};
use crate::engine::Engine;
use crate::store::Store;

/// What every handler sees.
pub(crate) struct ApiState<S: Store> {
    pub(crate) engine: Engine<S>,
    pub(crate) tokens: Arc<[ApiToken]>,
    pub(crate) events: Option<EventStream>,
}

impl<S: Store> Clone for ApiState<S> {
    fn clone(&self) -> Self {
        Self {
            engine: self.engine.clone(),
            tokens: Arc::clone(&self.tokens),
            events: self.events.clone(),
        }
    }
}

/// The HTTP API of `engine` as an axum [`Router`] to mount in an application's server
/// (`axum::serve(listener, router)`, or `.nest("/flow", router)` beside its own routes).
/// Every route but `/openapi.json` and the dashboard's files under `/ui` needs a bearer token
/// of `config` (see [`super::auth`]); the dashboard asks for one and calls the API with it.
///
/// The router's state is given, so it merges with an application's own routes; it answers
/// paths it does not know with a JSON 404 (its fallback), so merge it only into a router
/// without a fallback of its own, or `nest` it.
pub fn router<S: Store>(engine: Engine<S>, config: HttpConfig) -> Router {
    let limit = config.body_limit;
    let state = ApiState {
        engine,
        tokens: config.tokens.into(),
        events: config.events,
    };
    Router::new()
        .route("/flows", get(flows::list::<S>))
        .route("/flows/{flow}/instances", post(instances::start::<S>))
        .route("/flows/{flow}/diagram.svg", get(diagram::svg::<S>))
        .route("/flows/{flow}/diagram.mmd", get(diagram::mermaid::<S>))
        .route(
            "/routes/{kind}/instances",
            post(instances::start_routed::<S>),
        )
        .route("/instances", get(instances::list::<S>))
        .route("/instances/{id}", get(instances::read::<S>))
        .route("/instances/{id}/signals", post(instances::signal::<S>))
        .route("/instances/{id}/pause", post(operator::pause::<S>))
        .route("/instances/{id}/resume", post(operator::resume::<S>))
        .route("/instances/{id}/cancel", post(operator::cancel::<S>))
        .route("/instances/{id}/retry", post(operator::retry::<S>))
        .route("/instances/{id}/skip", post(operator::skip::<S>))
        .route("/stats", get(stats::snapshot::<S>))
        .route("/metrics", get(stats::metrics::<S>))
        .route("/events", get(stats::events::<S>))
        .route("/openapi.json", get(openapi::document))
        .merge(dashboard::routes())
        .fallback(openapi::not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::Extension(BodyLimit(limit)))
        .with_state(state)
}
