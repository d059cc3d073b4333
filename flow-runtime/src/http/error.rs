//! What the API answers when a request cannot be served: a status and a JSON body
//! `{ "error": <kind>, "detail": <what exactly> }`. Every refusal of bad input is a 4xx
//! and leaves instances as they were; a 5xx means the store or the engine failed.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::engine::EngineError;

/// The body of every error the API answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What kind of error, stable for programs: `unauthorized`, `forbidden`,
    /// `malformed_json`, `invalid_data`, `invalid_payload`, `no_such_flow`,
    /// `no_such_instance`, `unknown_event`, `unknown_state`, `invalid_status`, `busy`,
    /// `unroutable`, `payload_too_large`, `bad_request`, `not_kept`, `not_found`,
    /// `unavailable`, `internal`.
    pub error: String,
    /// What exactly, in words, for people.
    pub detail: String,
}

/// A request the API does not serve.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No bearer token, or one the API does not know.
    #[error("{0}")]
    Unauthorized(String),
    /// A known token whose role does not allow the request.
    #[error("{0}")]
    Forbidden(String),
    /// The body is not JSON of the request's shape.
    #[error("{0}")]
    MalformedJson(String),
    /// The body is larger than the configured limit.
    #[error("the request body is larger than the limit of {0} bytes")]
    PayloadTooLarge(usize),
    /// A path or query parameter that cannot be read.
    #[error("{0}")]
    BadRequest(String),
    /// What was asked is not kept by this engine (statistics, the event stream).
    #[error("{0}")]
    NotKept(String),
    /// No such route.
    #[error("{0}")]
    NotFound(String),
    /// The engine refused or failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl ApiError {
    /// The status and the `error` kind of the answer.
    fn classify(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::NotKept(_) => (StatusCode::NOT_FOUND, "not_kept"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Engine(error) => classify_engine(error),
        }
    }
}

/// How each engine error reaches an outside caller.
fn classify_engine(error: &EngineError) -> (StatusCode, &'static str) {
    use EngineError as E;
    match error {
        E::NoSuchInstance(_) => (StatusCode::NOT_FOUND, "no_such_instance"),
        E::NoSuchFlow { .. } | E::NoDocumentFlow { .. } | E::UnregisteredFlow { .. } => {
            (StatusCode::NOT_FOUND, "no_such_flow")
        }
        E::NoRouter => (StatusCode::NOT_FOUND, "unroutable"),
        E::InvalidData { .. } | E::WrongData { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_data")
        }
        E::InvalidPayload { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_payload"),
        E::Signal(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_event"),
        E::UnknownState { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_state"),
        E::Route(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unroutable"),
        E::InvalidStatus { .. } | E::WrongFlow { .. } => (StatusCode::CONFLICT, "invalid_status"),
        E::Busy(_) => (StatusCode::CONFLICT, "busy"),
        E::ShuttingDown => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind) = self.classify();
        if status.is_server_error() {
            tracing::error!(error = %self, "HTTP request failed");
        }
        let body = ErrorBody {
            error: kind.to_owned(),
            detail: self.to_string(),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"flow\""),
            );
        }
        response
    }
}
