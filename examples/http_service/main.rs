//! Serves the checkout and loan flows over HTTP on an embedded store (SQLite), with
//! statistics, `/metrics` and the event stream: other systems start instances, send the
//! reviewer's decision with a note, and read the context with `curl`.
//!
//! `cargo run --example http_service`
//!
//! `FLOW_STORE` picks the store (`sqlite://http_service.db` when unset), `FLOW_HTTP_ADDR`
//! the address (`127.0.0.1:8080`), and `FLOW_HTTP_TOKENS="name:role:secret,..."` the tokens
//! (three demo tokens when unset, printed at start).

mod checkout;
mod loan;

use flow_runtime::http::{self, ApiToken, EventStream, HttpConfig, Role};
use flow_runtime::store::{AnyStore, redact_password};
use flow_runtime::{Engine, EngineBuilder, EngineConfig, EngineError, Stats};

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("FLOW_STORE").unwrap_or_else(|_| "sqlite://http_service.db".to_owned());
    let store = AnyStore::connect(&url).await?;
    println!("store: {} ({})", redact_password(&url), store.kind());
    let events = EventStream::new();
    let engine = engine(store, &events)?;

    let mut config = HttpConfig::from_env()?.events(events.clone());
    if config.tokens().is_empty() {
        // Demo tokens, printed below: set FLOW_HTTP_TOKENS for anything but a demo.
        config = config
            .token(ApiToken::new(
                "dashboard",
                Role::Viewer,
                "viewer-demo-token",
            ))
            .token(ApiToken::new("shop", Role::Service, "service-demo-token"))
            .token(ApiToken::new("ops", Role::Operator, "operator-demo-token"));
    }
    for token in config.tokens() {
        println!(
            "token {:<10} role {:<8} Authorization: Bearer {}",
            token.name(),
            token.role().name(),
            token.secret()
        );
    }
    let address = std::env::var("FLOW_HTTP_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&address).await?;
    // The line the README and the tests read the address from.
    println!("listening on http://{}", listener.local_addr()?);
    let router = http::router(engine.clone(), config);
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            // Open event streams end, so the server's connections can close.
            events.close();
        })
        .await?;
    engine.shutdown().await;
    Ok(())
}

/// The engine of this service: both business lines, statistics, and the event stream.
fn engine(store: AnyStore, events: &EventStream) -> Result<Engine<AnyStore>, EngineError> {
    EngineBuilder::with_store(store)
        .config(EngineConfig {
            poll_interval: std::time::Duration::from_millis(20),
            ..EngineConfig::default()
        })
        .statistics(Stats::default())
        .plugin(events.clone())
        .register::<checkout::flows::Checkout>()
        .register_with::<loan::flows::LoanApproval>(loan::config::flow_options())
        .build()
}
