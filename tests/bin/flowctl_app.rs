//! An application process for the `flowctl` tests: a booking saga whose compensation fails
//! until a flag file exists, so an instance whose confirmation is refused parks in
//! `manual`. It also ships the `flowctl` command set with its compiled flow registered.
//!
//! `flowctl_app serve STORE_URL FLAG_FILE`: starts one booking that completes and one that
//!   parks, prints `completed ID` and `parked ID`, then works as the store's worker until
//!   killed (taking up what operators retry).
//! `flowctl_app ctl ARGS…`: `flowctl ARGS…` with the `Bookings` flow known (and simulated).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::store::AnyStore;
use serde::{Deserialize, Serialize};

/// The file whose existence lets compensations succeed.
static FLAG: OnceLock<PathBuf> = OnceLock::new();

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Booking {
    pub customer: String,
    /// Whether the partner confirms.
    pub confirmed: bool,
    pub log: Vec<String>,
}

#[action(compensate = unbook, compensate_retry(attempts = 2, backoff = fixed(5ms)))]
async fn book(ctx: &mut Context<Booking>) -> Result<(), ActionError> {
    ctx.data.log.push("book".into());
    Ok(())
}

async fn unbook(ctx: &mut Context<Booking>) -> Result<(), ActionError> {
    let ledger_up = FLAG.get().is_some_and(|flag| flag.exists());
    if !ledger_up {
        return Err(ActionError::retryable("ledger offline"));
    }
    ctx.data.log.push("unbook".into());
    Ok(())
}

#[action(readonly)]
async fn confirm(ctx: &mut Context<Booking>) -> Result<(), ActionError> {
    if ctx.data.confirmed {
        Ok(())
    } else {
        Err(ActionError::permanent("confirmation refused"))
    }
}

flow! {
    pub flow Bookings: Booking {
        start New;
        New    => book => Booked;
        Booked => confirm => Done;
        success Done;
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_default();
    match args
        .next()
        .and_then(|command| command.into_string().ok())
        .as_deref()
    {
        Some("ctl") => flow_runtime::cli::Flowctl::new()
            .simulating::<Bookings>()
            .serving_with(|builder| builder.register::<Bookings>())
            .run(std::iter::once(program).chain(args)),
        Some("serve") => {
            let url = args
                .next()
                .expect("a store URL")
                .into_string()
                .expect("a UTF-8 URL");
            let flag = PathBuf::from(args.next().expect("a flag file"));
            FLAG.set(flag).expect("set once");
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(serve(&url));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: flowctl_app serve STORE_URL FLAG_FILE | flowctl_app ctl ARGS…");
            ExitCode::from(2)
        }
    }
}

async fn serve(url: &str) {
    let store = AnyStore::connect(url).await.expect("open the store");
    let engine = EngineBuilder::with_store(store)
        .config(EngineConfig {
            poll_interval: Duration::from_millis(20),
            ..EngineConfig::default()
        })
        .register::<Bookings>()
        .build()
        .expect("an engine");
    let booking = |customer: &str, confirmed: bool| Booking {
        customer: customer.to_owned(),
        confirmed,
        log: Vec::new(),
    };
    let completed = engine
        .run::<Bookings>(booking("ada", true))
        .await
        .expect("a run");
    assert_eq!(completed.status, Status::Completed);
    println!("completed {}", completed.instance);
    let parked = engine
        .run::<Bookings>(booking("grace", false))
        .await
        .expect("a run");
    assert_eq!(parked.status, Status::Manual);
    println!("parked {}", parked.instance);
    // Work until killed.
    std::future::pending::<()>().await;
}
