//! The store the examples run on: `FLOW_STORE` names it (`memory:` when unset), for example
//! `FLOW_STORE=sqlite://checkout.db`, `FLOW_STORE=postgres://postgres@127.0.0.1/test` or
//! `FLOW_STORE=redis://127.0.0.1:6379`.

use flow_runtime::store::{AnyStore, StoreError, redact_password};

/// The store `FLOW_STORE` names, opened (and migrated, when durable).
pub async fn from_env() -> Result<AnyStore, StoreError> {
    let url = std::env::var("FLOW_STORE").unwrap_or_else(|_| "memory:".to_owned());
    let store = AnyStore::connect(&url).await?;
    println!("store: {} ({})", redact_password(&url), store.kind());
    println!();
    Ok(store)
}
