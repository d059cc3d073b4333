//! The HTTP API (feature `http`): the engine reached over the network by other systems and
//! people, as an axum [`Router`](axum::Router) an application mounts in its own server.
//!
//! ```no_run
//! # use flow_runtime::prelude::*;
//! use flow_runtime::http::{self, ApiToken, EventStream, HttpConfig, Role};
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let events = EventStream::new();
//! let engine = Engine::builder().plugin(events.clone()).build()?;
//! let config = HttpConfig::from_env()? // FLOW_HTTP_TOKENS="name:role:secret,..."
//!     .token(ApiToken::new("ops", Role::Operator, "change-me"))
//!     .events(events);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, http::router(engine, config)).await?;
//! # Ok(()) }
//! ```
//!
//! | route | role | what |
//! |---|---|---|
//! | `GET /flows` | viewer | flows and versions with Mermaid diagrams |
//! | `GET /flows/{flow}/diagram.svg?version`, `.mmd` | viewer | the diagram with live figures |
//! | `POST /flows/{flow}/instances` | service | start with `{"data": ..., "version"?, "labels"?}` |
//! | `POST /routes/{kind}/instances` | service | start by routed request `{"data", "attributes"?, "key"?}` |
//! | `GET /instances?status&flow&version&limit&after` | viewer | a page of instances |
//! | `GET /instances/{id}` | viewer | state, status, context, journal, error |
//! | `POST /instances/{id}/signals` | service | `{"event": "Approve", "payload"?: ...}`, sent as the token's name |
//! | `POST /instances/{id}/{pause,resume,cancel,retry}` | operator | journaled with the token's name |
//! | `POST /instances/{id}/skip` | operator | `{"state": "..."}` |
//! | `GET /stats`, `GET /metrics` | viewer | statistics as JSON, and for Prometheus |
//! | `GET /events` | viewer | server-sent events of transitions |
//! | `GET /openapi.json` | none | the OpenAPI 3.1 document |
//! | `GET /ui` | none (the page asks for a token) | the dashboard |
//!
//! Every refusal is a JSON body `{"error": kind, "detail": words}` with a 4xx status, and
//! leaves instances as they were; see [`ErrorBody`].

pub mod auth;
mod body;
mod config;
mod dashboard;
mod diagram;
mod error;
mod events;
mod flows;
mod instances;
mod openapi;
mod operator;
mod router;
mod stats;
pub mod views;

pub use auth::{ApiToken, Role, TokenParseError};
pub use config::{DEFAULT_BODY_LIMIT, HttpConfig, TOKENS_VARIABLE};
pub use error::{ApiError, ErrorBody};
pub use events::{EventStream, InstanceEvent};
pub use openapi::document_json as openapi_document;
pub use router::router;
