//! Operator instructions over HTTP: pause, resume, cancel, retry, skip. Each is journaled with
//! the token's name as the actor, and answered with where the instance is afterwards.

use axum::Json;
use axum::extract::{Path, State};

use super::auth::{Caller, Role};
use super::body::JsonBody;
use super::error::{ApiError, ErrorBody};
use super::instances::instance_id;
use super::router::ApiState;
use super::views::{InstanceBrief, SkipRequest};
use crate::store::{InstanceSummary, Store};

/// Where `instance` is now, after an instruction.
async fn brief<S: Store>(
    state: &ApiState<S>,
    instance: flow_core::InstanceId,
) -> Result<Json<InstanceBrief>, ApiError> {
    let record = state.engine.record(instance).await?;
    Ok(Json(InstanceBrief::from(InstanceSummary {
        id: record.id,
        flow: record.flow.into_owned(),
        flow_version: record.flow_version,
        definition: record.definition.map(|hash| hash.into_owned()),
        state: record.state.into_owned(),
        status: record.status,
    })))
}

macro_rules! instruction {
    ($name:ident, $path:literal, $doc:literal, $what:literal) => {
        #[utoipa::path(
            post,
            path = $path,
            tag = "operator",
            params(("id" = String, Path, format = Uuid, description = "The instance's id")),
            responses(
                (status = 200, description = "Done; where the instance is now", body = InstanceBrief),
                (status = 400, description = "Not an instance id", body = ErrorBody),
                (status = 401, description = "No known token", body = ErrorBody),
                (status = 403, description = "The token's role is not operator", body = ErrorBody),
                (status = 404, description = "No such instance", body = ErrorBody),
                (status = 409, description = "The instruction does not fit the instance's status", body = ErrorBody),
            ),
            security(("bearer" = []))
        )]
        #[doc = $doc]
        pub(crate) async fn $name<S: Store>(
            State(state): State<ApiState<S>>,
            caller: Caller,
            Path(id): Path<String>,
        ) -> Result<Json<InstanceBrief>, ApiError> {
            caller.require(Role::Operator, $what)?;
            let instance = instance_id(&id)?;
            state.engine.operator(&caller.name).$name(instance).await?;
            brief(&state, instance).await
        }
    };
}

instruction!(
    pause,
    "/instances/{id}/pause",
    "Pauses an instance: at once when it rests, after its running step otherwise.",
    "pause instances"
);
instruction!(
    resume,
    "/instances/{id}/resume",
    "Lets a paused instance go on from where it stopped.",
    "resume instances"
);
instruction!(
    cancel,
    "/instances/{id}/cancel",
    "Cancels an instance: its completed steps are compensated, then it ends cancelled.",
    "cancel instances"
);
instruction!(
    retry,
    "/instances/{id}/retry",
    "Tries again an instance that needs a person.",
    "retry instances"
);

#[utoipa::path(
    post,
    path = "/instances/{id}/skip",
    tag = "operator",
    params(("id" = String, Path, format = Uuid, description = "The instance's id")),
    request_body = SkipRequest,
    responses(
        (status = 200, description = "Moved; where the instance is now", body = InstanceBrief),
        (status = 400, description = "Malformed JSON or id", body = ErrorBody),
        (status = 401, description = "No known token", body = ErrorBody),
        (status = 403, description = "The token's role is not operator", body = ErrorBody),
        (status = 404, description = "No such instance", body = ErrorBody),
        (status = 409, description = "The instance does not rest", body = ErrorBody),
        (status = 422, description = "The flow has no such state", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
/// Moves a resting instance (paused, waiting, or needing a person) to a state, from which it
/// runs on: a manual fix.
pub(crate) async fn skip<S: Store>(
    State(state): State<ApiState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<SkipRequest>,
) -> Result<Json<InstanceBrief>, ApiError> {
    caller.require(Role::Operator, "skip instances")?;
    let instance = instance_id(&id)?;
    state
        .engine
        .skip_json(&caller.name, instance, &request.state)
        .await?;
    brief(&state, instance).await
}
