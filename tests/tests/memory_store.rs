//! The memory store's semantics: compare-and-set commits, leases with fencing tokens, the
//! due-queue, listings, and quarantine of records the engine cannot read.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use flow_runtime::prelude::*;
use flow_runtime::store::{Commit, InstanceRecord, OperatorRequest, Store, StoreError};
use flow_runtime::{EngineConfig, InstanceId, JournalEntry, JournalKind, MemoryStore};
use serde::{Deserialize, Serialize};

fn record(id: InstanceId) -> InstanceRecord {
    InstanceRecord {
        id,
        flow: Cow::Borrowed("Demo"),
        flow_version: 1,
        state: Cow::Borrowed("A"),
        status: Status::Running,
        attempt: 1,
        step: 0,
        revision: 0,
        context: b"{}".to_vec(),
        journal: Vec::new(),
        due_at: None,
        compensation_boundary: None,
        paused_from: None,
        cancelled: false,
        queries: 0,
        request: None,
        error: None,
        lease: None,
    }
}

fn commit(id: InstanceId, revision: u64, token: u64) -> Commit {
    Commit {
        id,
        expected_revision: revision,
        lease_token: token,
        state: Cow::Borrowed("B"),
        status: Status::Running,
        attempt: 1,
        step: 1,
        context: None,
        journal: Some(JournalEntry {
            step: 0,
            kind: JournalKind::Step,
            action: "a".into(),
            instruction: "Done".into(),
            from: "A".into(),
            to: "B".into(),
            attempt: 1,
            compensable: false,
            at: SystemTime::now(),
        }),
        journal_cap: 8,
        due_at: None,
        compensation_boundary: None,
        paused_from: None,
        cancelled: false,
        queries: 0,
        error: None,
        clear_request: false,
        release_lease: false,
        lease_expires_at: SystemTime::now() + Duration::from_secs(30),
    }
}

#[tokio::test]
async fn commits_are_compare_and_set_on_the_revision() {
    let store = MemoryStore::new();
    let id = InstanceId::new();
    let lease = store
        .insert(record(id), Some((7, Duration::from_secs(30))))
        .await
        .unwrap()
        .unwrap();
    let ack = store.commit(commit(id, 0, lease.token)).await.unwrap();
    assert_eq!(ack.revision, 1);
    let stale = store.commit(commit(id, 0, lease.token)).await.unwrap_err();
    assert_eq!(
        stale,
        StoreError::Conflict {
            instance: id,
            expected: 0,
            found: 1
        }
    );
    let stored = store.load(id).await.unwrap().unwrap();
    assert_eq!((&*stored.state, stored.journal.len()), ("B", 1));
}

#[tokio::test]
async fn a_lease_taken_over_fences_the_old_holder() {
    let store = MemoryStore::new();
    let id = InstanceId::new();
    let first = store
        .insert(record(id), Some((1, Duration::from_millis(10))))
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .acquire(id, 2, Duration::from_secs(30))
            .await
            .unwrap()
            .is_none(),
        "a live lease is not granted twice"
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (_, second) = store
        .acquire(id, 2, Duration::from_secs(30))
        .await
        .unwrap()
        .expect("the lapsed lease is taken over");
    assert!(second.token > first.token);
    let fenced = store.commit(commit(id, 0, first.token)).await.unwrap_err();
    assert_eq!(
        fenced,
        StoreError::Fenced {
            instance: id,
            given: first.token,
            current: second.token
        }
    );
    store.commit(commit(id, 0, second.token)).await.unwrap();
}

#[tokio::test]
async fn the_due_queue_hands_out_due_unleased_unpaused_instances_once() {
    let store = MemoryStore::new();
    let now = SystemTime::now();
    let due = InstanceId::new();
    let later = InstanceId::new();
    let paused = InstanceId::new();
    store
        .insert(
            InstanceRecord {
                due_at: Some(now - Duration::from_millis(1)),
                ..record(due)
            },
            None,
        )
        .await
        .unwrap();
    store
        .insert(
            InstanceRecord {
                due_at: Some(now + Duration::from_secs(60)),
                ..record(later)
            },
            None,
        )
        .await
        .unwrap();
    store
        .insert(
            InstanceRecord {
                due_at: Some(now - Duration::from_millis(1)),
                status: Status::Paused,
                ..record(paused)
            },
            None,
        )
        .await
        .unwrap();
    let claimed = store
        .claim_due(now, 9, Duration::from_secs(30), 10)
        .await
        .unwrap();
    let ids: Vec<InstanceId> = claimed.iter().map(|(record, _)| record.id).collect();
    assert_eq!(ids, [due]);
    assert_eq!(claimed[0].0.due_at, None, "the claim consumes the timer");
    assert!(
        store
            .claim_due(now, 9, Duration::from_secs(30), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.next_due().await.unwrap(),
        Some(now + Duration::from_secs(60))
    );
}

#[tokio::test]
async fn requests_reach_the_engine_in_its_next_commit_and_listing_filters_by_status() {
    let store = MemoryStore::new();
    let id = InstanceId::new();
    let lease = store
        .insert(record(id), Some((1, Duration::from_secs(30))))
        .await
        .unwrap()
        .unwrap();
    store.request(id, OperatorRequest::Pause).await.unwrap();
    let ack = store.commit(commit(id, 0, lease.token)).await.unwrap();
    assert_eq!(ack.request, Some(OperatorRequest::Pause));
    assert_eq!(store.list(Status::Running, 10).await.unwrap().len(), 1);
    assert!(store.list(Status::Paused, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_journal_is_compacted_past_its_cap() {
    let store = MemoryStore::new();
    let id = InstanceId::new();
    let lease = store
        .insert(record(id), Some((1, Duration::from_secs(30))))
        .await
        .unwrap()
        .unwrap();
    for revision in 0..20 {
        let mut next = commit(id, revision, lease.token);
        next.journal_cap = 5;
        store.commit(next).await.unwrap();
    }
    assert_eq!(store.load(id).await.unwrap().unwrap().journal.len(), 5);
}

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
async fn an_undecodable_record_is_quarantined_not_dropped() {
    let engine = Engine::builder()
        .config(EngineConfig {
            poll_interval: Duration::from_millis(5),
            ..EngineConfig::default()
        })
        .register::<Weighing>()
        .build()
        .unwrap();
    // Start the worker with one good instance, then slip in a broken one.
    engine.run::<Weighing>(Parcel::default()).await.unwrap();
    let id = InstanceId::new();
    let broken = InstanceRecord {
        flow: Cow::Borrowed("Weighing"),
        state: Cow::Borrowed("New"),
        context: b"{\"data\": {\"weight\": \"heavy\"}".to_vec(),
        due_at: Some(SystemTime::now()),
        ..record(id)
    };
    engine.store().insert(broken, None).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let quarantined = loop {
        let stored = engine.record(id).await.unwrap();
        if stored.status == Status::Manual || tokio::time::Instant::now() > deadline {
            break stored;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!(quarantined.status, Status::Manual);
    let error = quarantined.error.unwrap();
    assert!(
        error.starts_with("quarantined: context of instance"),
        "{error}"
    );
    assert_eq!(
        quarantined.context,
        b"{\"data\": {\"weight\": \"heavy\"}".to_vec(),
        "the record is kept as it was"
    );
}

#[tokio::test]
async fn finished_instances_beyond_the_retention_are_forgotten() {
    // 16 shards keep one finished instance each.
    let engine = flow_runtime::EngineBuilder::with_store(MemoryStore::with_retention(16))
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
