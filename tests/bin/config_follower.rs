//! A process that follows a configuration document on Redis, for the config center test: it
//! prints `applied HASH` each time a document applies and `refused` when one is refused,
//! until its standard input closes.
//!
//! `config_follower REDIS_URL KEY`

use std::time::Duration;

use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub shipped: bool,
}

#[action(readonly)]
async fn ship(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.shipped = true;
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Paid;
        Paid => ship => Shipped;
        success Shipped;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("a Redis URL");
    let key = args.next().expect("a key");
    let engine = Engine::builder()
        .register::<Checkout>()
        .build()
        .expect("an engine");
    let watch = engine
        .follow_redis_config(&url, &key, Duration::from_millis(100))
        .await
        .expect("follow the key");
    // The test closes our standard input to stop us.
    std::thread::spawn(|| {
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
        std::process::exit(0);
    });
    let mut seen = (0, false);
    loop {
        let status = watch.status();
        if status.applied_count != seen.0 {
            println!("applied {}", status.applied.clone().unwrap_or_default());
        }
        if status.refused.is_some() && !seen.1 {
            println!("refused");
        }
        seen = (status.applied_count, status.refused.is_some());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
