//! What only the memory store does: it forgets finished instances past its retention. Its
//! shared semantics are checked by the store conformance suite (`store_conformance.rs`).

use flow_runtime::prelude::*;
use flow_runtime::{EngineBuilder, MemoryStore};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Parcel {
    pub weight: u32,
}

#[action(readonly)]
async fn weigh(_ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Weighing: Parcel {
        start New;
        New => weigh => Done;
        success Done;
    }
}

#[tokio::test]
async fn finished_instances_beyond_the_retention_are_forgotten() {
    // 16 shards keep one finished instance each.
    let engine = EngineBuilder::with_store(MemoryStore::with_retention(16))
        .register::<Weighing>()
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..200 {
        ids.push(
            engine
                .run::<Weighing>(Parcel::default())
                .await
                .unwrap()
                .instance,
        );
    }
    let mut kept = 0;
    for id in &ids {
        if engine.record(*id).await.is_ok() {
            kept += 1;
        }
    }
    assert!((1..=16).contains(&kept), "kept {kept}");
    assert!(
        engine.record(*ids.last().unwrap()).await.is_ok(),
        "the latest is kept"
    );
}
