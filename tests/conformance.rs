//! The store conformance suite: one semantics, checked the same way on every store.
//!
//! Each check is a function over any [`Store`]; [`store_conformance!`](crate::store_conformance) turns the whole suite
//! into `#[tokio::test]`s for one store, so adding a store is one line:
//!
//! ```text
//! store_conformance!(sqlite, async { Some(fresh_sqlite().await) });
//! ```
//!
//! The factory returns `None` when its server is missing outside CI (see `servers`).

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use flow_runtime::prelude::*;
use flow_runtime::store::{
    Commit, InstanceQuery, InstanceRecord, OperatorRequest, PendingRequest, Store, StoreError,
    StoredDefinition,
};
use flow_runtime::{
    EngineBuilder, EngineConfig, ErrorKind, InstanceError, InstanceId, JournalEntry, JournalKind,
};
use serde::{Deserialize, Serialize};

/// Expands the whole suite as tests of the store `make` builds (an async block giving
/// `Option<impl Store>`), in a module `name`.
#[macro_export]
macro_rules! store_conformance {
    ($name:ident, $make:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::conformance as suite;

            macro_rules! check {
                ($check:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $check() {
                        if let Some(store) = $make.await {
                            suite::$check(store).await;
                        }
                    }
                };
            }

            check!(records_read_back_as_written);
            check!(inserts_do_not_overwrite);
            check!(commits_are_compare_and_set_on_the_revision);
            check!(a_lease_taken_over_fences_the_old_holder);
            check!(a_commit_renews_or_ends_the_lease);
            check!(release_ends_only_the_current_lease);
            check!(a_holder_at_work_renews_its_lease);
            check!(the_due_queue_hands_out_due_unleased_unpaused_instances_once);
            check!(the_due_queue_hands_out_the_earliest_first);
            check!(concurrent_claimers_each_get_an_instance_once);
            check!(the_journal_keeps_its_order_and_its_cap);
            check!(compaction_keeps_what_compensation_needs);
            check!(listing_filters_by_status_in_id_order);
            check!(pages_follow_one_another_without_overlap_or_gap);
            check!(every_filter_holds_on_every_page);
            check!(requests_reach_the_engine_in_its_next_commit);
            check!(orphans_are_running_instances_whose_lease_lapsed);
            check!(an_undecodable_context_is_quarantined_and_others_go_on);
            check!(an_engine_runs_a_flow_on_it);
            check!(a_request_for_a_busy_instance_is_applied_after_its_step_with_its_actor);
            check!(definitions_read_back_by_hash);
            check!(saving_a_definition_again_changes_nothing);
            check!(another_body_under_a_stored_hash_is_refused);
            check!(definitions_list_by_flow_in_version_order);
            check!(an_instance_keeps_its_definition_through_commits_and_claims);
        }
    };
}

const TTL: Duration = Duration::from_secs(30);

/// A time every store keeps exactly (stores may keep microseconds, not nanoseconds).
fn whole_millis(time: SystemTime) -> SystemTime {
    let since = time.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    SystemTime::UNIX_EPOCH + Duration::from_millis(since.as_millis() as u64)
}

/// A running instance in state `A` of flow `Demo`.
pub fn record(id: InstanceId) -> InstanceRecord {
    InstanceRecord {
        id,
        flow: Cow::Borrowed("Demo"),
        flow_version: 1,
        definition: None,
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

/// A journal entry of `kind` for step `step`.
pub fn entry(step: u64, kind: JournalKind, compensable: bool) -> JournalEntry {
    JournalEntry {
        step,
        kind,
        action: "a".into(),
        instruction: "Done".into(),
        from: "A".into(),
        to: "B".into(),
        attempt: 1,
        compensable,
        injected: None,
        at: whole_millis(SystemTime::now()),
        signal: None,
    }
}

/// A step commit A -> B over `revision` by the holder of `token`.
pub fn commit(id: InstanceId, revision: u64, token: u64) -> Commit {
    Commit {
        id,
        expected_revision: revision,
        lease_token: token,
        state: Cow::Borrowed("B"),
        status: Status::Running,
        attempt: 1,
        step: revision + 1,
        context: None,
        journal: Some(entry(revision, JournalKind::Step, false)),
        journal_cap: 8,
        due_at: None,
        compensation_boundary: None,
        paused_from: None,
        cancelled: false,
        queries: 0,
        error: None,
        clear_request: false,
        release_lease: false,
        lease_expires_at: SystemTime::now() + TTL,
    }
}

/// A made-up content hash, as the engine writes them (64 lowercase hex digits), `n` apart.
pub fn content_hash(n: u64) -> String {
    format!("{:064x}", 0xfeed_0000_u64 + n)
}

/// A definition of `flow` version `version` whose body is `body`, under `content_hash(n)`.
pub fn definition(n: u64, flow: &str, version: u32, body: &str) -> StoredDefinition {
    StoredDefinition {
        hash: content_hash(n),
        flow: flow.to_owned(),
        version,
        body: body.to_owned(),
    }
}

async fn insert_leased<S: Store>(store: &S, record: InstanceRecord) -> u64 {
    store
        .insert(record, SystemTime::now(), Some((7, TTL)))
        .await
        .unwrap()
        .expect("a lease on insert")
        .token
}

pub async fn records_read_back_as_written<S: Store>(store: S) {
    let id = InstanceId::new();
    let due = whole_millis(SystemTime::now() + Duration::from_secs(3600));
    let written = InstanceRecord {
        flow_version: 3,
        definition: Some(Cow::Owned(content_hash(7))),
        state: Cow::Borrowed("Review"),
        status: Status::Paused,
        attempt: 4,
        step: 9,
        revision: 0,
        context: br#"{"data":{"amount":120},"labels":[["tenant","acme"]]}"#.to_vec(),
        journal: vec![
            entry(0, JournalKind::Step, true),
            entry(1, JournalKind::Signal, false),
        ],
        due_at: Some(due),
        compensation_boundary: Some(2),
        paused_from: Some(Status::Waiting),
        cancelled: true,
        queries: 5,
        request: Some(PendingRequest::new(OperatorRequest::Cancel, "rita")),
        error: Some(InstanceError {
            message: "card declined".into(),
            action: Some("charge".into()),
            kind: Some(ErrorKind::Permanent),
            attempt: 4,
            step: 9,
        }),
        ..record(id)
    };
    assert_eq!(
        store
            .insert(written.clone(), SystemTime::now(), None)
            .await
            .unwrap(),
        None
    );
    let read = store.load(id).await.unwrap().expect("the record");
    assert_eq!(read, written);
    assert_eq!(store.load(InstanceId::new()).await.unwrap(), None);
}

pub async fn inserts_do_not_overwrite<S: Store>(store: S) {
    let id = InstanceId::new();
    store
        .insert(record(id), SystemTime::now(), None)
        .await
        .unwrap();
    let again = InstanceRecord {
        state: Cow::Borrowed("Z"),
        ..record(id)
    };
    assert_eq!(
        store
            .insert(again, SystemTime::now(), None)
            .await
            .unwrap_err(),
        StoreError::AlreadyExists(id)
    );
    assert_eq!(&*store.load(id).await.unwrap().unwrap().state, "A");
    let missing = InstanceId::new();
    assert_eq!(
        store.commit(commit(missing, 0, 0)).await.unwrap_err(),
        StoreError::NotFound(missing)
    );
    assert_eq!(
        store
            .request(missing, PendingRequest::new(OperatorRequest::Pause, "rita"))
            .await
            .unwrap_err(),
        StoreError::NotFound(missing)
    );
}

pub async fn commits_are_compare_and_set_on_the_revision<S: Store>(store: S) {
    let id = InstanceId::new();
    let token = insert_leased(&store, record(id)).await;
    let ack = store.commit(commit(id, 0, token)).await.unwrap();
    assert_eq!(ack.revision, 1);
    let stale = store.commit(commit(id, 0, token)).await.unwrap_err();
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
    assert_eq!(stored.revision, 1);
    // The context is kept unless a commit brings one.
    assert_eq!(stored.context, b"{}");
    let mut with_context = commit(id, 1, token);
    with_context.context = Some(b"{\"n\":2}".to_vec());
    store.commit(with_context).await.unwrap();
    assert_eq!(store.load(id).await.unwrap().unwrap().context, b"{\"n\":2}");
}

pub async fn a_lease_taken_over_fences_the_old_holder<S: Store>(store: S) {
    let id = InstanceId::new();
    let first = store
        .insert(
            record(id),
            SystemTime::now(),
            // Long enough that a loaded machine's round trip does not outlast it.
            Some((1, Duration::from_millis(500))),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .acquire(id, 2, SystemTime::now(), TTL)
            .await
            .unwrap()
            .is_none(),
        "a live lease is not granted twice"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (read, second) = store
        .acquire(id, 2, SystemTime::now(), TTL)
        .await
        .unwrap()
        .expect("the lapsed lease is taken over");
    assert!(second.token > first.token, "fencing tokens grow");
    assert_eq!(read.lease, Some(second));
    assert_eq!(second.owner, 2);
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
    let missing = InstanceId::new();
    assert_eq!(
        store
            .acquire(missing, 2, SystemTime::now(), TTL)
            .await
            .unwrap_err(),
        StoreError::NotFound(missing)
    );
}

pub async fn a_commit_renews_or_ends_the_lease<S: Store>(store: S) {
    let id = InstanceId::new();
    let token = store
        .insert(
            record(id),
            SystemTime::now(),
            Some((1, Duration::from_millis(20))),
        )
        .await
        .unwrap()
        .unwrap()
        .token;
    // Renewed for a minute: still held after the first lease would have lapsed.
    let mut renew = commit(id, 0, token);
    renew.lease_expires_at = SystemTime::now() + Duration::from_secs(60);
    store.commit(renew).await.unwrap();
    tokio::time::sleep(Duration::from_millis(40)).await;
    assert!(
        store
            .acquire(id, 2, SystemTime::now(), TTL)
            .await
            .unwrap()
            .is_none()
    );
    // Released: anyone may take it at once, and the old token writes nothing.
    let mut rest = commit(id, 1, token);
    rest.status = Status::Waiting;
    rest.release_lease = true;
    store.commit(rest).await.unwrap();
    assert_eq!(store.load(id).await.unwrap().unwrap().lease, None);
    let (_, lease) = store
        .acquire(id, 2, SystemTime::now(), TTL)
        .await
        .unwrap()
        .unwrap();
    assert!(lease.token > token);
    assert!(matches!(
        store.commit(commit(id, 2, token)).await.unwrap_err(),
        StoreError::Fenced { .. }
    ));
}

pub async fn a_holder_at_work_renews_its_lease<S: Store>(store: S) {
    let id = InstanceId::new();
    let first = store
        .insert(
            record(id),
            SystemTime::now(),
            Some((1, Duration::from_millis(20))),
        )
        .await
        .unwrap()
        .unwrap();
    let later = SystemTime::now() + Duration::from_secs(60);
    assert!(store.renew(id, first.token, later).await.unwrap());
    tokio::time::sleep(Duration::from_millis(40)).await;
    assert!(
        store
            .acquire(id, 2, SystemTime::now(), TTL)
            .await
            .unwrap()
            .is_none(),
        "the renewed lease still holds"
    );
    assert_eq!(
        store.load(id).await.unwrap().unwrap().lease.unwrap().owner,
        1
    );
    // A stale holder cannot renew.
    assert!(!store.renew(id, first.token + 100, later).await.unwrap());
    assert!(!store.renew(InstanceId::new(), 1, later).await.unwrap());
}

pub async fn release_ends_only_the_current_lease<S: Store>(store: S) {
    let id = InstanceId::new();
    let first = store
        .insert(
            record(id),
            SystemTime::now(),
            Some((1, Duration::from_millis(10))),
        )
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    let (_, second) = store
        .acquire(id, 2, SystemTime::now(), TTL)
        .await
        .unwrap()
        .unwrap();
    // The old holder's release is a no-op: the new holder keeps its lease.
    store.release(id, first).await.unwrap();
    assert!(
        store
            .acquire(id, 3, SystemTime::now(), TTL)
            .await
            .unwrap()
            .is_none()
    );
    store.release(id, second).await.unwrap();
    assert!(
        store
            .acquire(id, 3, SystemTime::now(), TTL)
            .await
            .unwrap()
            .is_some()
    );
}

pub async fn the_due_queue_hands_out_due_unleased_unpaused_instances_once<S: Store>(store: S) {
    let now = SystemTime::now();
    let due = InstanceId::new();
    let later = InstanceId::new();
    let paused = InstanceId::new();
    let leased = InstanceId::new();
    let past = whole_millis(now - Duration::from_millis(5));
    for (id, due_at, status) in [
        (due, past, Status::Running),
        (
            later,
            whole_millis(now + Duration::from_secs(60)),
            Status::Waiting,
        ),
        (paused, past - Duration::from_secs(1), Status::Paused),
    ] {
        let record = InstanceRecord {
            due_at: Some(due_at),
            status,
            ..record(id)
        };
        store.insert(record, SystemTime::now(), None).await.unwrap();
    }
    let record_leased = InstanceRecord {
        due_at: Some(past),
        ..record(leased)
    };
    store
        .insert(record_leased, SystemTime::now(), Some((1, TTL)))
        .await
        .unwrap();
    let claimed = store.claim_due(now, 9, TTL, 10).await.unwrap();
    let ids: Vec<InstanceId> = claimed.iter().map(|(record, _)| record.id).collect();
    assert_eq!(ids, [due], "only the due, unleased, unpaused one");
    assert_eq!(claimed[0].0.due_at, None, "the claim consumes the timer");
    assert_eq!(claimed[0].1.owner, 9);
    assert_eq!(claimed[0].0.lease, Some(claimed[0].1));
    assert!(store.claim_due(now, 9, TTL, 10).await.unwrap().is_empty());
    assert_eq!(store.load(due).await.unwrap().unwrap().due_at, None);
    // The leased one's timer stands (its holder may give it up); the paused one's does not.
    assert_eq!(store.next_due().await.unwrap(), Some(past));
}

pub async fn the_due_queue_hands_out_the_earliest_first<S: Store>(store: S) {
    let now = SystemTime::now();
    let ids: Vec<InstanceId> = (0..4).map(|_| InstanceId::new()).collect();
    // Inserted latest first, so order of insertion cannot pass for due order.
    for (index, id) in ids.iter().enumerate().rev() {
        let due_at = now - Duration::from_secs(10) + Duration::from_secs(index as u64);
        let record = InstanceRecord {
            due_at: Some(due_at),
            ..record(*id)
        };
        store.insert(record, SystemTime::now(), None).await.unwrap();
    }
    let mut order = Vec::new();
    for _ in 0..ids.len() {
        let claimed = store.claim_due(now, 1, TTL, 1).await.unwrap();
        assert_eq!(claimed.len(), 1);
        order.push(claimed[0].0.id);
    }
    assert_eq!(order, ids);
    assert_eq!(store.next_due().await.unwrap(), None);
}

pub async fn concurrent_claimers_each_get_an_instance_once<S: Store>(store: S) {
    let store = Arc::new(store);
    let now = SystemTime::now();
    let mut all = HashSet::new();
    for _ in 0..60 {
        let id = InstanceId::new();
        all.insert(id);
        let record = InstanceRecord {
            due_at: Some(now - Duration::from_millis(1)),
            ..record(id)
        };
        store.insert(record, SystemTime::now(), None).await.unwrap();
    }
    let mut claimers = Vec::new();
    for owner in 0..6u64 {
        let store = Arc::clone(&store);
        claimers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claimed = store.claim_due(now, owner, TTL, 4).await.unwrap();
                if claimed.is_empty() {
                    return mine;
                }
                for (record, lease) in claimed {
                    assert_eq!(lease.owner, owner);
                    mine.push(record.id);
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut seen = Vec::new();
    for claimer in claimers {
        seen.extend(claimer.await.unwrap());
    }
    let unique: HashSet<InstanceId> = seen.iter().copied().collect();
    assert_eq!(seen.len(), unique.len(), "an instance was claimed twice");
    assert_eq!(unique, all, "every due instance was claimed");
}

pub async fn the_journal_keeps_its_order_and_its_cap<S: Store>(store: S) {
    let id = InstanceId::new();
    let token = insert_leased(&store, record(id)).await;
    for revision in 0..20 {
        let mut next = commit(id, revision, token);
        next.journal_cap = 5;
        store.commit(next).await.unwrap();
    }
    // A commit without an entry leaves the journal as it is.
    let mut quiet = commit(id, 20, token);
    quiet.journal = None;
    quiet.journal_cap = 5;
    store.commit(quiet).await.unwrap();
    let journal = store.load(id).await.unwrap().unwrap().journal;
    let steps: Vec<u64> = journal.iter().map(|entry| entry.step).collect();
    assert_eq!(steps, [15, 16, 17, 18, 19], "the newest five, oldest first");
}

pub async fn compaction_keeps_what_compensation_needs<S: Store>(store: S) {
    let id = InstanceId::new();
    let token = insert_leased(&store, record(id)).await;
    // Steps 0..10, every third compensable; then step 3 is undone.
    let mut entries: Vec<JournalEntry> = (0..10)
        .map(|step| entry(step, JournalKind::Step, step % 3 == 0))
        .collect();
    entries.push(entry(3, JournalKind::Compensation, false));
    for (revision, entry) in entries.into_iter().enumerate() {
        let mut next = commit(id, revision as u64, token);
        next.journal = Some(entry);
        next.journal_cap = 6;
        store.commit(next).await.unwrap();
    }
    let journal = store.load(id).await.unwrap().unwrap().journal;
    let kept: Vec<(u64, JournalKind)> = journal.iter().map(|e| (e.step, e.kind)).collect();
    assert_eq!(
        kept,
        [
            (0, JournalKind::Step),
            (6, JournalKind::Step),
            (7, JournalKind::Step),
            (8, JournalKind::Step),
            (9, JournalKind::Step),
            (3, JournalKind::Compensation),
        ],
        "pending compensable steps stay; the undone step 3 may go"
    );
}

pub async fn listing_filters_by_status_in_id_order<S: Store>(store: S) {
    let mut waiting = Vec::new();
    for index in 0..5 {
        let id = InstanceId::new();
        let status = if index % 2 == 0 {
            Status::Waiting
        } else {
            Status::Completed
        };
        if status == Status::Waiting {
            waiting.push(id);
        }
        store
            .insert(
                InstanceRecord {
                    status,
                    flow: Cow::Borrowed("Listing"),
                    state: Cow::Borrowed("Review"),
                    flow_version: 2,
                    ..record(id)
                },
                SystemTime::now(),
                None,
            )
            .await
            .unwrap();
    }
    let listed = store
        .list(&InstanceQuery::new(10).status(Status::Waiting))
        .await
        .unwrap();
    let ids: Vec<InstanceId> = listed.iter().map(|summary| summary.id).collect();
    assert_eq!(ids, waiting);
    assert!(listed.iter().all(|summary| summary.flow == "Listing"
        && summary.flow_version == 2
        && summary.state == "Review"
        && summary.status == Status::Waiting));
    assert_eq!(
        store
            .list(&InstanceQuery::new(2).status(Status::Waiting))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .list(&InstanceQuery::new(10).status(Status::Completed))
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .list(&InstanceQuery::new(10).status(Status::Paused))
            .await
            .unwrap()
            .is_empty()
    );
}

/// What the paging checks store: one instance of each (flow, version, status) below,
/// several times over, interleaved so that every page mixes them.
const LISTED: [(&str, u32, Status); 6] = [
    ("Alpha", 1, Status::Waiting),
    ("Alpha", 2, Status::Waiting),
    ("Beta", 1, Status::Completed),
    ("Alpha", 2, Status::Completed),
    ("Beta", 1, Status::Waiting),
    ("Alpha", 2, Status::Manual),
];

/// Stores `rounds` rounds of `LISTED`; their (id, flow, version, status), by id.
async fn store_listed<S: Store>(
    store: &S,
    rounds: usize,
) -> Vec<(InstanceId, String, u32, Status)> {
    let mut stored = Vec::new();
    for _ in 0..rounds {
        for (flow, version, status) in LISTED {
            let id = InstanceId::new();
            store
                .insert(
                    InstanceRecord {
                        flow: Cow::Borrowed(flow),
                        flow_version: version,
                        status,
                        ..record(id)
                    },
                    SystemTime::now(),
                    None,
                )
                .await
                .unwrap();
            stored.push((id, flow.to_owned(), version, status));
        }
    }
    stored.sort_by_key(|(id, ..)| *id);
    stored
}

/// Every page of `query` (its `after` aside), each asked for after the last id of the one
/// before, until one comes back short.
async fn pages<S: Store>(store: &S, query: InstanceQuery<'_>) -> Vec<Vec<InstanceId>> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = InstanceQuery { after, ..query };
        let ids: Vec<InstanceId> = store
            .list(&page)
            .await
            .unwrap()
            .iter()
            .map(|summary| summary.id)
            .collect();
        assert!(ids.len() <= query.limit, "a page holds at most its limit");
        let last = ids.last().copied();
        let full = ids.len() == query.limit;
        pages.push(ids);
        match last {
            Some(last) if full => after = Some(last),
            _ => return pages,
        }
        assert!(pages.len() < 100, "paging does not end");
    }
}

pub async fn pages_follow_one_another_without_overlap_or_gap<S: Store>(store: S) {
    let stored = store_listed(&store, 3).await;
    let all: Vec<InstanceId> = stored.iter().map(|(id, ..)| *id).collect();
    for limit in [1, 4, 5, all.len(), all.len() + 1] {
        let pages = pages(&store, InstanceQuery::new(limit)).await;
        assert!(
            pages[..pages.len() - 1]
                .iter()
                .all(|page| page.len() == limit),
            "every page but the last is full: {pages:?}"
        );
        let listed: Vec<InstanceId> = pages.concat();
        assert_eq!(listed, all, "by {limit}: every instance once, in id order");
    }
    let last = *all.last().unwrap();
    assert!(
        store
            .list(&InstanceQuery::new(10).after(last))
            .await
            .unwrap()
            .is_empty(),
        "nothing after the last"
    );
    let middle = all[all.len() / 2];
    let rest: Vec<InstanceId> = store
        .list(&InstanceQuery::new(100).after(middle))
        .await
        .unwrap()
        .iter()
        .map(|summary| summary.id)
        .collect();
    assert_eq!(rest, all[all.len() / 2 + 1..], "after is exclusive");
}

pub async fn every_filter_holds_on_every_page<S: Store>(store: S) {
    let stored = store_listed(&store, 3).await;
    let queries = [
        InstanceQuery::new(2).status(Status::Waiting),
        InstanceQuery::new(2).status(Status::Manual),
        InstanceQuery::new(2).flow("Alpha"),
        InstanceQuery::new(3).flow("Beta").version(1),
        InstanceQuery::new(2).version(2),
        InstanceQuery::new(2)
            .flow("Alpha")
            .version(2)
            .status(Status::Completed),
        InstanceQuery::new(2).flow("Gamma"),
        InstanceQuery::new(2).flow("Beta").status(Status::Manual),
    ];
    for query in queries {
        let expected: Vec<InstanceId> = stored
            .iter()
            .filter(|(_, flow, version, status)| {
                query.flow.is_none_or(|wanted| flow == wanted)
                    && query.version.is_none_or(|wanted| *version == wanted)
                    && query.status.is_none_or(|wanted| *status == wanted)
            })
            .map(|(id, ..)| *id)
            .collect();
        let pages = pages(&store, query).await;
        let listed: Vec<InstanceId> = pages.concat();
        assert_eq!(listed, expected, "{query:?}: {pages:?}");
        // What each summary says agrees with the filters.
        let mut after = None;
        loop {
            let page = store.list(&InstanceQuery { after, ..query }).await.unwrap();
            assert!(
                page.iter().all(|summary| query.admits(summary)),
                "{query:?}"
            );
            match page.last() {
                Some(last) if page.len() == query.limit => after = Some(last.id),
                _ => break,
            }
        }
    }
}

pub async fn requests_reach_the_engine_in_its_next_commit<S: Store>(store: S) {
    let id = InstanceId::new();
    let token = insert_leased(&store, record(id)).await;
    let pause = PendingRequest::new(OperatorRequest::Pause, "rita");
    store.request(id, pause.clone()).await.unwrap();
    assert_eq!(
        store.load(id).await.unwrap().unwrap().request,
        Some(pause.clone()),
        "stored with who asked"
    );
    let ack = store.commit(commit(id, 0, token)).await.unwrap();
    assert_eq!(
        ack.request,
        Some(pause.clone()),
        "handed back with who asked"
    );
    // It stands until a commit says it is done with.
    let ack = store.commit(commit(id, 1, token)).await.unwrap();
    assert_eq!(ack.request, Some(pause));
    // A later one replaces it; any name round-trips, the separator of the stored form too.
    let cancel = PendingRequest::new(OperatorRequest::Cancel, "ops:night shift, Zoë");
    store.request(id, cancel.clone()).await.unwrap();
    let ack = store.commit(commit(id, 2, token)).await.unwrap();
    assert_eq!(ack.request, Some(cancel));
    let mut done = commit(id, 3, token);
    done.clear_request = true;
    let ack = store.commit(done).await.unwrap();
    assert_eq!(ack.request, None);
    assert_eq!(store.load(id).await.unwrap().unwrap().request, None);

    // A request without an actor (as stored before requests carried one) reads back as it
    // was written.
    let anonymous = InstanceId::new();
    let token = insert_leased(
        &store,
        InstanceRecord {
            request: Some(PendingRequest::from(OperatorRequest::Pause)),
            ..record(anonymous)
        },
    )
    .await;
    let ack = store.commit(commit(anonymous, 0, token)).await.unwrap();
    assert_eq!(
        ack.request,
        Some(PendingRequest::from(OperatorRequest::Pause))
    );
}

pub async fn orphans_are_running_instances_whose_lease_lapsed<S: Store>(store: S) {
    let short = Duration::from_millis(10);
    let orphan = InstanceId::new();
    let compensating = InstanceId::new();
    let alive = InstanceId::new();
    let waiting = InstanceId::new();
    let timer = InstanceId::new();
    store
        .insert(record(orphan), SystemTime::now(), Some((1, short)))
        .await
        .unwrap();
    store
        .insert(
            InstanceRecord {
                status: Status::Compensating,
                ..record(compensating)
            },
            SystemTime::now(),
            Some((1, short)),
        )
        .await
        .unwrap();
    store
        .insert(record(alive), SystemTime::now(), Some((1, TTL)))
        .await
        .unwrap();
    store
        .insert(
            InstanceRecord {
                status: Status::Waiting,
                ..record(waiting)
            },
            SystemTime::now(),
            Some((1, short)),
        )
        .await
        .unwrap();
    store
        .insert(
            InstanceRecord {
                due_at: Some(SystemTime::now() + TTL),
                ..record(timer)
            },
            SystemTime::now(),
            Some((1, short)),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    let claimed = store
        .claim_orphans(SystemTime::now(), 5, TTL, 10)
        .await
        .unwrap();
    let ids: HashSet<InstanceId> = claimed.iter().map(|(record, _)| record.id).collect();
    assert_eq!(ids, HashSet::from([orphan, compensating]));
    assert!(claimed.iter().all(|(_, lease)| lease.owner == 5));
    assert!(
        store
            .claim_orphans(SystemTime::now(), 6, TTL, 10)
            .await
            .unwrap()
            .is_empty(),
        "an adopted orphan is leased again"
    );
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Parcel {
    pub weight: u32,
}

#[action(readonly)]
async fn weigh(ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
    ctx.data.weight += 1;
    Ok(())
}

flow! {
    pub flow Weighing: Parcel {
        start New;
        New => weigh => Weighed;
        Weighed => weigh => Done;
        success Done;
    }
}

/// Instances whose gated step runs, and those a test let through: keyed by instance, as the
/// suite runs on every store at once in one process.
static AT_GATE: Mutex<Vec<InstanceId>> = Mutex::new(Vec::new());
static LET_THROUGH: Mutex<Vec<InstanceId>> = Mutex::new(Vec::new());

fn gate_holds(gate: &Mutex<Vec<InstanceId>>, id: InstanceId) -> bool {
    gate.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(&id)
}

/// Says it runs, then waits until the test lets its instance through.
#[action(readonly)]
async fn wait_at_gate(ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
    AT_GATE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(ctx.instance());
    while !gate_holds(&LET_THROUGH, ctx.instance()) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

flow! {
    pub flow Turnstile: Parcel {
        start Queued;
        Queued => wait_at_gate => Through;
        Through => weigh => Done;
        success Done;
    }
}

fn quick_engine<S: Store>(store: S) -> Engine<S> {
    EngineBuilder::with_store(store)
        .config(EngineConfig {
            poll_interval: Duration::from_millis(5),
            ..EngineConfig::default()
        })
        .register::<Weighing>()
        .register::<Turnstile>()
        .build()
        .unwrap()
}

pub async fn an_undecodable_context_is_quarantined_and_others_go_on<S: Store>(store: S) {
    let engine = quick_engine(store);
    let broken_context = b"{\"data\": {\"weight\": \"heavy\"}".to_vec();
    let broken = InstanceId::new();
    let record = InstanceRecord {
        flow: Cow::Borrowed("Weighing"),
        state: Cow::Borrowed("New"),
        context: broken_context.clone(),
        due_at: Some(SystemTime::now()),
        ..record(broken)
    };
    engine
        .store()
        .insert(record, SystemTime::now(), None)
        .await
        .unwrap();
    let good = engine.start::<Weighing>(Parcel::default()).await.unwrap();
    let finished = engine.wait_ended::<Weighing>(good).await.unwrap();
    assert_eq!(finished.status, Status::Completed);
    assert_eq!(finished.data.weight, 2);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let quarantined = loop {
        let stored = engine.record(broken).await.unwrap();
        if stored.status == Status::Manual || tokio::time::Instant::now() > deadline {
            break stored;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!(quarantined.status, Status::Manual);
    let error = quarantined.error.unwrap();
    assert!(
        error
            .message
            .starts_with("quarantined: context of instance"),
        "{error}"
    );
    assert_eq!(
        quarantined.context, broken_context,
        "the record is kept as it was"
    );
    let manual = engine
        .list(&InstanceQuery::new(10).status(Status::Manual))
        .await
        .unwrap();
    assert!(manual.iter().any(|summary| summary.id == broken));
    engine.shutdown().await;
}

pub async fn an_engine_runs_a_flow_on_it<S: Store>(store: S) {
    let engine = quick_engine(store);
    let outcome = engine.run::<Weighing>(Parcel::default()).await.unwrap();
    assert_eq!(outcome.status, Status::Completed);
    assert_eq!(outcome.state, WeighingState::Done);
    assert_eq!(outcome.data.weight, 2);
    let stored = engine.record(outcome.instance).await.unwrap();
    assert_eq!(stored.status, Status::Completed);
    assert_eq!(stored.revision, 2);
    assert_eq!(stored.lease, None);
    let steps: Vec<(&str, &str)> = stored
        .journal
        .iter()
        .map(|entry| (&*entry.from, &*entry.to))
        .collect();
    assert_eq!(steps, [("New", "Weighed"), ("Weighed", "Done")]);
    let queued = engine
        .start::<Weighing>(Parcel { weight: 10 })
        .await
        .unwrap();
    let outcome = engine.wait_ended::<Weighing>(queued).await.unwrap();
    assert_eq!(outcome.data.weight, 12);
    engine.shutdown().await;
}

pub async fn a_request_for_a_busy_instance_is_applied_after_its_step_with_its_actor<S: Store>(
    store: S,
) {
    let engine = quick_engine(store);
    for (actor, instruction) in [("rita", "pause"), ("sam", "cancel")] {
        let id = engine.start::<Turnstile>(Parcel::default()).await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !gate_holds(&AT_GATE, id) {
            assert!(tokio::time::Instant::now() < deadline, "the step never ran");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let operator = engine.operator(actor);
        match instruction {
            "pause" => operator.pause(id).await.unwrap(),
            _ => operator.cancel(id).await.unwrap(),
        }
        let pending = engine.record(id).await.unwrap();
        assert_eq!(pending.status, Status::Running, "left for the engine");
        assert_eq!(
            pending.request.and_then(|request| request.actor).as_deref(),
            Some(actor)
        );
        LET_THROUGH
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(id);
        let outcome = match instruction {
            "pause" => engine.wait::<Turnstile>(id).await.unwrap(),
            _ => engine.wait_ended::<Turnstile>(id).await.unwrap(),
        };
        let expected = match instruction {
            "pause" => Status::Paused,
            _ => Status::Cancelled,
        };
        assert_eq!(outcome.status, expected);
        assert_eq!(
            outcome.state,
            TurnstileState::Through,
            "after the running step"
        );
        let stored = engine.record(id).await.unwrap();
        assert_eq!(stored.request, None, "done with");
        // Who acted, for operator entries (a step's instruction is its action's).
        let journaled: Vec<(JournalKind, &str, &str)> = stored
            .journal
            .iter()
            .map(|entry| {
                let who = match entry.kind {
                    JournalKind::Operator => &*entry.instruction,
                    _ => "",
                };
                (entry.kind, &*entry.action, who)
            })
            .collect();
        assert_eq!(
            journaled,
            [
                (JournalKind::Step, "wait_at_gate", ""),
                (JournalKind::Operator, instruction, actor),
            ],
            "the step, then the instruction with who gave it"
        );
    }
    engine.shutdown().await;
}

pub async fn definitions_read_back_by_hash<S: Store>(store: S) {
    let saved = definition(1, "Refund", 2, "flow Refund version 2 {\n  start New;\n}\n");
    store.save_definition(&saved).await.unwrap();
    assert_eq!(
        store.load_definition(&saved.hash).await.unwrap(),
        Some(saved)
    );
    assert_eq!(store.load_definition(&content_hash(2)).await.unwrap(), None);
}

pub async fn saving_a_definition_again_changes_nothing<S: Store>(store: S) {
    let saved = definition(1, "Refund", 1, "flow Refund {}");
    store.save_definition(&saved).await.unwrap();
    // Another engine process loads the same document and saves it too.
    store.save_definition(&saved).await.unwrap();
    assert_eq!(
        store.load_definition(&saved.hash).await.unwrap(),
        Some(saved.clone())
    );
    assert_eq!(store.list_definitions("Refund").await.unwrap(), [saved]);
}

pub async fn another_body_under_a_stored_hash_is_refused<S: Store>(store: S) {
    let first = definition(1, "Refund", 1, "flow Refund {}");
    store.save_definition(&first).await.unwrap();
    let corrupt = StoredDefinition {
        body: "flow Refund { start Elsewhere; }".into(),
        ..first.clone()
    };
    assert_eq!(
        store.save_definition(&corrupt).await.unwrap_err(),
        StoreError::DefinitionMismatch {
            hash: first.hash.clone()
        }
    );
    assert_eq!(
        store.load_definition(&first.hash).await.unwrap(),
        Some(first.clone()),
        "the first body stays"
    );
    assert_eq!(store.list_definitions("Refund").await.unwrap(), [first]);
}

pub async fn definitions_list_by_flow_in_version_order<S: Store>(store: S) {
    // Saved out of version order, with two bodies of version 2 (an edited document that
    // kept its version) and another flow in between.
    let third = definition(1, "Refund", 3, "v3");
    let first = definition(2, "Refund", 1, "v1");
    let second = definition(3, "Refund", 2, "v2");
    let other = definition(4, "Checkout", 1, "checkout");
    let second_edited = definition(5, "Refund", 2, "v2, edited");
    for saved in [&third, &first, &second, &other, &second_edited] {
        store.save_definition(saved).await.unwrap();
    }
    assert_eq!(
        store.list_definitions("Refund").await.unwrap(),
        [first, second, second_edited, third],
        "by version, then in the order saved"
    );
    assert_eq!(store.list_definitions("Checkout").await.unwrap(), [other]);
    assert!(store.list_definitions("Unknown").await.unwrap().is_empty());
}

pub async fn an_instance_keeps_its_definition_through_commits_and_claims<S: Store>(store: S) {
    let hash = content_hash(1);
    let pinned = InstanceId::new();
    let compiled = InstanceId::new();
    let token = insert_leased(
        &store,
        InstanceRecord {
            definition: Some(Cow::Owned(hash.clone())),
            ..record(pinned)
        },
    )
    .await;
    let compiled_token = insert_leased(&store, record(compiled)).await;
    let definition_of = |record: &InstanceRecord| record.definition.as_deref().map(str::to_owned);
    let loaded = store.load(pinned).await.unwrap().unwrap();
    assert_eq!(definition_of(&loaded), Some(hash.clone()), "after insert");
    let listed = store
        .list(&InstanceQuery::new(10).status(Status::Running))
        .await
        .unwrap();
    let summary_of = |id: InstanceId| {
        listed
            .iter()
            .find(|summary| summary.id == id)
            .map(|summary| summary.definition.clone())
    };
    assert_eq!(summary_of(pinned), Some(Some(hash.clone())));
    assert_eq!(summary_of(compiled), Some(None));
    // Commits do not carry the definition: the stored one stays.
    store.commit(commit(pinned, 0, token)).await.unwrap();
    store
        .commit(commit(compiled, 0, compiled_token))
        .await
        .unwrap();
    let loaded = store.load(pinned).await.unwrap().unwrap();
    assert_eq!(definition_of(&loaded), Some(hash.clone()), "after a commit");
    let loaded = store.load(compiled).await.unwrap().unwrap();
    assert_eq!(definition_of(&loaded), None, "None stays None");
    // Both come to rest with a timer that is due, and are claimed from the due-queue.
    let now = SystemTime::now();
    for (id, token) in [(pinned, token), (compiled, compiled_token)] {
        let mut rest = commit(id, 1, token);
        rest.status = Status::Waiting;
        rest.due_at = Some(now - Duration::from_millis(5));
        rest.release_lease = true;
        store.commit(rest).await.unwrap();
    }
    let claimed = store.claim_due(now, 3, TTL, 10).await.unwrap();
    let claimed_of = |id: InstanceId| {
        claimed
            .iter()
            .find(|(record, _)| record.id == id)
            .map(|(record, lease)| (definition_of(record), *lease))
    };
    let (claimed_definition, lease) = claimed_of(pinned).expect("the pinned one is due");
    assert_eq!(claimed_definition, Some(hash.clone()), "after a claim");
    let (claimed_definition, _) = claimed_of(compiled).expect("the compiled one is due");
    assert_eq!(claimed_definition, None);
    store.release(pinned, lease).await.unwrap();
    let (acquired, _) = store
        .acquire(pinned, 4, SystemTime::now(), TTL)
        .await
        .unwrap()
        .expect("released, so free");
    assert_eq!(definition_of(&acquired), Some(hash), "after an acquire");
}

/// Operator requests as a store keeps them from outside its own writes: `write_raw(id, text)`
/// sets an instance's stored request text behind the store's back (SQL, a Redis hash field).
/// A bare `pause`, as versions before requests carried their actor left it, reads without an
/// actor; text that is no request quarantines the instance at the commit that meets it.
pub async fn stored_requests_of_older_versions_read_and_unreadable_ones_quarantine<S: Store>(
    store: &S,
    write_raw: impl AsyncFn(InstanceId, &'static str),
) {
    let ttl = Duration::from_secs(30);
    let bare = InstanceId::new();
    let unreadable = InstanceId::new();
    let mut tokens = Vec::new();
    for id in [bare, unreadable] {
        let lease = store
            .insert(record(id), SystemTime::now(), Some((1, ttl)))
            .await
            .unwrap()
            .unwrap();
        tokens.push(lease.token);
    }
    // As a version before requests carried their actor left it.
    write_raw(bare, "pause").await;
    let without_actor = Some(PendingRequest::from(OperatorRequest::Pause));
    assert_eq!(
        store.load(bare).await.unwrap().unwrap().request,
        without_actor
    );
    let ack = store.commit(commit(bare, 0, tokens[0])).await.unwrap();
    assert_eq!(ack.request, without_actor);

    // Met by the commit that hands it back: the instance is set aside, not run on as if
    // nobody had asked.
    write_raw(unreadable, "explode:rita").await;
    let error = store
        .commit(commit(unreadable, 0, tokens[1]))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StoreError::Quarantined { reason, .. }
            if reason.contains("`explode:rita` is not an operator request")),
        "{error:?}"
    );
    assert!(matches!(
        store.load(unreadable).await,
        Err(StoreError::Quarantined { .. })
    ));
    let manual = store
        .list(&InstanceQuery::new(10).status(Status::Manual))
        .await
        .unwrap();
    assert!(manual.iter().any(|summary| summary.id == unreadable));
}
