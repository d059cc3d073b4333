//! A flow's diagram with live figures, for the dashboard and for anyone with a viewer token:
//! conversion on each edge and the failure rate of each state from the engine's statistics,
//! and how many instances rest in each state now, counted from the store.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::auth::{Caller, Role};
use super::error::{ApiError, ErrorBody};
use super::router::ApiState;
use crate::FlowListing;
use crate::diagram::{DiagramFormat, Figures, render};
use crate::engine::EngineError;
use crate::outcome::Status;
use crate::store::{InstanceQuery, Store};

/// How many instances of the flow version in each status not ended are read to count who
/// waits where: enough for a dashboard, bounded so that a large store cannot make one
/// picture slow.
const COUNT_LIMIT: usize = 10_000;

/// Which version of the flow to draw.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiagramQuery {
    /// The flow version; the highest one when left out.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    pub version: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/flows/{flow}/diagram.svg",
    tag = "flows",
    params(("flow" = String, Path, description = "The flow's name", example = "Checkout"), DiagramQuery),
    responses(
        (status = 200, description = "The flow as a self-contained SVG image: conversion on edges, failure rate and instances now on states", content_type = "image/svg+xml", body = String),
        (status = 400, description = "A parameter that cannot be read", body = ErrorBody),
        (status = 401, description = "No known token", body = ErrorBody),
        (status = 404, description = "No such flow or version", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// Draws a flow as SVG with its live figures.
pub(crate) async fn svg<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
    Path(flow): Path<String>,
    query: Result<Query<DiagramQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let drawn = draw(&state, &caller, &flow, query, DiagramFormat::Svg).await?;
    Ok(([(CONTENT_TYPE, "image/svg+xml"), no_cache()], drawn).into_response())
}

#[utoipa::path(
    get,
    path = "/flows/{flow}/diagram.mmd",
    tag = "flows",
    params(("flow" = String, Path, description = "The flow's name", example = "Checkout"), DiagramQuery),
    responses(
        (status = 200, description = "The flow as Mermaid `stateDiagram-v2` text with the same figures", content_type = "text/plain", body = String),
        (status = 400, description = "A parameter that cannot be read", body = ErrorBody),
        (status = 401, description = "No known token", body = ErrorBody),
        (status = 404, description = "No such flow or version", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// Draws a flow as Mermaid text with its live figures.
pub(crate) async fn mermaid<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
    Path(flow): Path<String>,
    query: Result<Query<DiagramQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let drawn = draw(&state, &caller, &flow, query, DiagramFormat::Mermaid).await?;
    Ok((
        [(CONTENT_TYPE, "text/plain; charset=utf-8"), no_cache()],
        drawn,
    )
        .into_response())
}

/// Figures change with every step: a cached picture would show yesterday's.
fn no_cache() -> (axum::http::HeaderName, &'static str) {
    (CACHE_CONTROL, "no-store")
}

async fn draw<S: Store>(
    state: &ApiState<S>,
    caller: &Caller,
    flow: &str,
    query: Result<Query<DiagramQuery>, QueryRejection>,
    format: DiagramFormat,
) -> Result<String, ApiError> {
    caller.require(Role::Viewer, "draw flows")?;
    let Query(query) = query.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let listing = find_flow(state.engine.flows(), flow, query.version)?;
    let spec = &listing.spec;
    let from_statistics = match state.engine.statistics() {
        Some(stats) => Figures::from_snapshot(spec, &stats.snapshot()),
        None => Figures::none(),
    };
    let resting = instances_by_state(state, &spec.name, spec.version).await?;
    // Every state gets a count, zero included: "0 now" is information too.
    let counts = spec.states.iter().map(|state| {
        let count = resting.get(&state.name).copied().unwrap_or(0);
        (state.name.as_str(), count)
    });
    Ok(render(
        spec,
        format,
        &from_statistics.with_instances(counts),
    ))
}

/// The listing of `flow` at `version`, or at its highest version when none is given.
fn find_flow(
    listings: Vec<FlowListing>,
    flow: &str,
    version: Option<u32>,
) -> Result<FlowListing, ApiError> {
    listings
        .into_iter()
        .filter(|listing| listing.name == flow)
        .filter(|listing| version.is_none_or(|version| listing.version == version))
        .max_by_key(|listing| listing.version)
        .ok_or_else(|| {
            ApiError::Engine(EngineError::NoSuchFlow {
                flow: flow.to_owned(),
                version,
            })
        })
}

/// How many instances of `flow` at `version` rest in each state, over the statuses that
/// are not ended.
async fn instances_by_state<S: Store>(
    state: &ApiState<S>,
    flow: &str,
    version: u32,
) -> Result<BTreeMap<String, u64>, ApiError> {
    let mut counts = BTreeMap::new();
    for status in Status::ALL.into_iter().filter(|status| !status.is_final()) {
        let query = InstanceQuery::new(COUNT_LIMIT)
            .status(status)
            .flow(flow)
            .version(version);
        for summary in state.engine.list(&query).await? {
            *counts.entry(summary.state).or_insert(0) += 1;
        }
    }
    Ok(counts)
}
