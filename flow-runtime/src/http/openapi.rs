//! The OpenAPI 3.1 document, generated from the handlers' annotations and the views' types.

use axum::Json;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::error::{ApiError, ErrorBody};
use super::events::InstanceEvent;
use super::views::{
    Attribute, FlowDescription, InstanceBrief, InstanceDetail, InstancePage, JournalLine,
    RouteStartRequest, SignalRequest, SkipRequest, StartRequest, Started, StatusName,
};
use super::{diagram, flows, instances, operator, stats};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "flow HTTP API",
        description = "Start, read, list and signal flow instances; operator instructions; flows with their diagrams; statistics and events. Every route but this document needs `Authorization: Bearer <token>`: viewer reads, service also starts and signals, operator also pauses, resumes, cancels, retries and skips."
    ),
    paths(
        flows::list,
        diagram::svg,
        diagram::mermaid,
        instances::start,
        instances::start_routed,
        instances::list,
        instances::read,
        instances::signal,
        operator::pause,
        operator::resume,
        operator::cancel,
        operator::retry,
        operator::skip,
        stats::snapshot,
        stats::metrics,
        stats::events,
    ),
    components(schemas(
        ErrorBody,
        StartRequest,
        RouteStartRequest,
        Started,
        SignalRequest,
        SkipRequest,
        InstanceBrief,
        InstancePage,
        InstanceDetail,
        JournalLine,
        FlowDescription,
        InstanceEvent,
        StatusName,
        Attribute,
    )),
    modifiers(&BearerSecurity)
)]
struct ApiDocument;

/// Declares the bearer scheme every route's `security` names.
struct BearerSecurity;

impl utoipa::Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's OpenAPI document.
pub fn document_json() -> utoipa::openapi::OpenApi {
    ApiDocument::openapi()
}

/// `GET /openapi.json`: open to all, it holds no data.
pub(crate) async fn document() -> impl IntoResponse {
    Json(document_json())
}

/// Any other path: a JSON 404 like every other refusal.
pub(crate) async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!("no route `{}`", uri.path()))
}
