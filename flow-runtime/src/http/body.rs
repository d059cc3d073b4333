//! Request bodies read as JSON with the API's own errors: a body that is not JSON, or not
//! of the request's shape, is a 400 `malformed_json` naming where; one past the limit a 413.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON request body of type `T`.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = request.extensions().get::<BodyLimit>().map(|limit| limit.0);
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge(limit.unwrap_or_default())
                } else {
                    ApiError::BadRequest(format!("the request body cannot be read: {rejection}"))
                }
            })?;
        if bytes.is_empty() {
            return Err(ApiError::MalformedJson(
                "the request has no body; it takes a JSON object".to_owned(),
            ));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|error| {
                ApiError::MalformedJson(format!("the body is not the JSON expected: {error}"))
            })
    }
}

/// The body limit in force, told to the body reader for its 413's message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit(pub(crate) usize);
