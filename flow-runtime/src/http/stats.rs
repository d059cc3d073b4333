//! Statistics as JSON, `/metrics` for Prometheus, and the event stream.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::auth::{Caller, Role};
use super::error::{ApiError, ErrorBody};
use super::router::ApiState;
use crate::store::Store;

/// The statistics, or a 404 saying they are not kept.
fn kept<S: Store>(state: &ApiState<S>) -> Result<&crate::stats::Stats, ApiError> {
    state.engine.statistics().ok_or_else(|| {
        ApiError::NotKept(
            "this engine keeps no statistics: build it with `EngineBuilder::statistics`".to_owned(),
        )
    })
}

#[utoipa::path(
    get,
    path = "/stats",
    tag = "statistics",
    responses(
        (status = 200, description = "Per flow, version and state: entered, succeeded, failed, retried, conversion and failure rates, latency", content_type = "application/json", body = Object),
        (status = 401, description = "No known token", body = ErrorBody),
        (status = 404, description = "The engine keeps no statistics", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// The engine's statistics as JSON.
pub(crate) async fn snapshot<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require(Role::Viewer, "read statistics")?;
    let json = kept(&state)?.to_json();
    Ok(([(CONTENT_TYPE, "application/json")], json).into_response())
}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "statistics",
    responses(
        (status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String),
        (status = 401, description = "No known token", body = ErrorBody),
        (status = 404, description = "The engine keeps no statistics", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// The engine's statistics for Prometheus.
pub(crate) async fn metrics<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require(Role::Viewer, "read metrics")?;
    let text = kept(&state)?.render_prometheus();
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/events",
    tag = "statistics",
    responses(
        (status = 200, description = "Server-sent events, one per transition, start, end and operator instruction; each event's data is an InstanceEvent", content_type = "text/event-stream", body = String),
        (status = 401, description = "No known token", body = ErrorBody),
        (status = 404, description = "No event stream installed", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// What instances do, as it happens.
pub(crate) async fn events<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require(Role::Viewer, "follow events")?;
    let stream = state.events.as_ref().ok_or_else(|| {
        ApiError::NotKept(
            "no event stream: install `http::EventStream` on the engine and give it to `HttpConfig::events`".to_owned(),
        )
    })?;
    Ok(stream.sse().into_response())
}
