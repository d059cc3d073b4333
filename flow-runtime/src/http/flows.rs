//! The flows the API can start, with their diagrams.

use axum::Json;
use axum::extract::State;

use super::auth::{Caller, Role};
use super::error::{ApiError, ErrorBody};
use super::router::ApiState;
use super::views::FlowDescription;
use crate::store::Store;

#[utoipa::path(
    get,
    path = "/flows",
    tag = "flows",
    responses(
        (status = 200, description = "Every flow and version, by name", body = Vec<FlowDescription>),
        (status = 401, description = "No known token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// Lists the flows this engine runs (compiled and loaded from documents), with diagrams.
pub(crate) async fn list<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
) -> Result<Json<Vec<FlowDescription>>, ApiError> {
    caller.require(Role::Viewer, "list flows")?;
    Ok(Json(
        state
            .engine
            .flows()
            .into_iter()
            .map(FlowDescription::from)
            .collect(),
    ))
}
