//! `flowctl serve`: the HTTP API and the dashboard (see [`crate::http`]) over an engine on a
//! store URL, with the flows of the documents given and, in an application's own command
//! set, its compiled flows and actions ([`Flowctl::serving_with`](super::Flowctl::serving_with)).
//! Tokens come from `FLOW_HTTP_TOKENS`; ctrl-c stops it gracefully.

use std::path::PathBuf;
use std::sync::Arc;

use super::error::CliError;
use crate::engine::{EngineBuilder, LoadError};
use crate::http::{self, EventStream, HttpConfig};
use crate::stats::Stats;
use crate::store::{AnyStore, redact_password};

/// Adds an application's flows and actions to the engine `serve` builds.
pub(crate) type ServeSetup =
    Arc<dyn Fn(EngineBuilder<AnyStore>) -> EngineBuilder<AnyStore> + Send + Sync>;

/// Serves until ctrl-c.
pub(crate) async fn serve(
    url: &str,
    documents: &[PathBuf],
    address: &str,
    setup: Option<&ServeSetup>,
) -> Result<(), CliError> {
    let store = AnyStore::connect(url).await?;
    let events = EventStream::new();
    let mut builder = EngineBuilder::with_store(store)
        .statistics(Stats::default())
        .plugin(events.clone());
    if let Some(setup) = setup {
        builder = setup(builder);
    }
    let engine = builder.build()?;
    for document in documents {
        engine
            .load_document_file(document)
            .await
            .map_err(|error| match error {
                LoadError::Invalid(errors) => CliError::Document(errors),
                LoadError::Store(error) => CliError::Store(error),
            })?;
    }
    let config = HttpConfig::from_env()
        .map_err(|error| CliError::Serve(format!("FLOW_HTTP_TOKENS: {error}")))?
        .events(events.clone());
    if config.tokens().is_empty() {
        eprintln!(
            "warning: no tokens, so every request but /openapi.json and /ui is refused; set FLOW_HTTP_TOKENS=\"name:role:secret,...\" (roles: viewer, service, operator)"
        );
    }
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| CliError::Serve(format!("cannot listen on `{address}`: {error}")))?;
    let local = listener
        .local_addr()
        .map_err(|error| CliError::Serve(error.to_string()))?;
    println!("store {}", redact_password(url));
    println!("listening on http://{local} (dashboard: http://{local}/ui)");
    let router = http::router(engine.clone(), config);
    let closing = events.clone();
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            // Open event streams end, so the server's connections can close.
            closing.close();
        })
        .await
        .map_err(|error| CliError::Serve(error.to_string()))?;
    engine.shutdown().await;
    Ok(())
}
