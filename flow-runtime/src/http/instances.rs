//! Instances over HTTP: start by flow or by routed request, read, list, signal.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use flow_core::InstanceId;

use super::auth::{Caller, Role};
use super::body::JsonBody;
use super::error::{ApiError, ErrorBody};
use super::router::ApiState;
use super::views::{
    Attribute, InstanceBrief, InstanceDetail, InstancePage, ListQuery, RouteStartRequest,
    SignalRequest, StartRequest, Started,
};
use crate::engine::StartOptions;
use crate::outcome::Status;
use crate::routing::{AttributeValue, RouteRequest};
use crate::store::{InstanceQuery, Store};

/// The most instances one page lists.
const PAGE_LIMIT: u32 = 500;
/// How many instances a page lists when the caller does not say.
const PAGE_DEFAULT: u32 = 50;

/// The instance id in a path, or a 400 naming it.
pub(crate) fn instance_id(text: &str) -> Result<InstanceId, ApiError> {
    text.parse()
        .map_err(|_| ApiError::BadRequest(format!("`{text}` is not an instance id (a UUID)")))
}

#[utoipa::path(
    post,
    path = "/flows/{flow}/instances",
    tag = "instances",
    params(("flow" = String, Path, description = "The flow's name")),
    request_body = StartRequest,
    responses(
        (status = 201, description = "Started; the engine's worker drives it", body = Started),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No known token", body = ErrorBody),
        (status = 403, description = "The token's role may not start", body = ErrorBody),
        (status = 404, description = "No such flow or version", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "The data does not decode as the flow's data", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// Starts an instance of a flow with JSON data.
pub(crate) async fn start<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
    Path(flow): Path<String>,
    JsonBody(request): JsonBody<StartRequest>,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    caller.require(Role::Service, "start instances")?;
    let mut options = StartOptions::default();
    for (key, value) in request.labels {
        options = options.label(key, value);
    }
    let instance = state
        .engine
        .start_json(&flow, request.version, request.data, options)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Started {
            instance: instance.to_string(),
            variant: None,
            reason: None,
        }),
    ))
}

#[utoipa::path(
    post,
    path = "/routes/{kind}/instances",
    tag = "instances",
    params(("kind" = String, Path, description = "The request's kind, as routing rules name it")),
    request_body = RouteStartRequest,
    responses(
        (status = 201, description = "Routed and started", body = Started),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No known token", body = ErrorBody),
        (status = 403, description = "The token's role may not start", body = ErrorBody),
        (status = 404, description = "No router, or the chosen flow is not here", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Unroutable, or data that does not decode", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// Starts an instance by a routed request: the router picks the flow version.
pub(crate) async fn start_routed<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
    Path(kind): Path<String>,
    JsonBody(request): JsonBody<RouteStartRequest>,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    caller.require(Role::Service, "start instances")?;
    let mut route = RouteRequest::new(kind);
    for (name, value) in request.attributes {
        route = route.attribute(
            name,
            match value {
                Attribute::Text(text) => AttributeValue::Text(text),
                Attribute::Number(number) => AttributeValue::Number(number),
            },
        );
    }
    if let Some(key) = request.key {
        route = route.key(key);
    }
    let routed = state.engine.route_json(&route, request.data).await?;
    Ok((
        StatusCode::CREATED,
        Json(Started {
            instance: routed.instance.to_string(),
            variant: Some(routed.variant.name),
            reason: Some(routed.reason),
        }),
    ))
}

#[utoipa::path(
    get,
    path = "/instances/{id}",
    tag = "instances",
    params(("id" = String, Path, format = Uuid, description = "The instance's id")),
    responses(
        (status = 200, description = "The instance as stored", body = InstanceDetail),
        (status = 400, description = "Not an instance id", body = ErrorBody),
        (status = 401, description = "No known token", body = ErrorBody),
        (status = 404, description = "No such instance", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// Reads an instance: state, status, context, journal, error.
pub(crate) async fn read<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<InstanceDetail>, ApiError> {
    caller.require(Role::Viewer, "read instances")?;
    let record = state.engine.record(instance_id(&id)?).await?;
    Ok(Json(InstanceDetail::of(record)))
}

#[utoipa::path(
    get,
    path = "/instances",
    tag = "instances",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of instances, oldest first", body = InstancePage),
        (status = 400, description = "A parameter that cannot be read", body = ErrorBody),
        (status = 401, description = "No known token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// Lists instances by status, flow and version, a page at a time.
pub(crate) async fn list<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<InstancePage>, ApiError> {
    caller.require(Role::Viewer, "list instances")?;
    let Query(query) = query.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let limit = query.limit.unwrap_or(PAGE_DEFAULT);
    if !(1..=PAGE_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit {limit} is not between 1 and {PAGE_LIMIT}"
        )));
    }
    let limit = limit as usize;
    // One more than the page: whether it exists says if there is a next page.
    let mut page = InstanceQuery::new(limit + 1);
    page.status = query.status.map(Status::from);
    page.flow = query.flow.as_deref();
    page.version = query.version;
    page.after = query.after.as_deref().map(instance_id).transpose()?;
    let mut found = state.engine.list(&page).await?;
    // Ids are time-ordered: oldest first, and `after` pages on from the last one shown.
    let next = (found.len() > limit).then(|| found[limit - 1].id.to_string());
    found.truncate(limit);
    Ok(Json(InstancePage {
        instances: found.into_iter().map(InstanceBrief::from).collect(),
        next,
    }))
}

#[utoipa::path(
    post,
    path = "/instances/{id}/signals",
    tag = "instances",
    params(("id" = String, Path, format = Uuid, description = "The instance's id")),
    request_body = SignalRequest,
    responses(
        (status = 200, description = "Delivered; where the instance rests now", body = InstanceBrief),
        (status = 400, description = "Malformed JSON or id", body = ErrorBody),
        (status = 401, description = "No known token", body = ErrorBody),
        (status = 403, description = "The token's role may not signal", body = ErrorBody),
        (status = 404, description = "No such instance", body = ErrorBody),
        (status = 409, description = "The instance does not wait", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "An event the wait does not take, or a payload refused", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// Sends a signal with a payload to a waiting instance, as the token's name.
pub(crate) async fn signal<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<SignalRequest>,
) -> Result<Json<InstanceBrief>, ApiError> {
    caller.require(Role::Service, "send signals")?;
    let instance = instance_id(&id)?;
    let rest = state
        .engine
        .signal_json(
            Some(&caller.name),
            instance,
            &request.event,
            request.payload.unwrap_or(serde_json::Value::Null),
        )
        .await?;
    Ok(Json(InstanceBrief::from(rest)))
}
