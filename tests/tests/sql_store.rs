//! What only the SQL stores do: open files and servers by URL with clear errors, migrate
//! and refuse newer schemas, keep SQLite's durability setting, read operator requests as
//! older versions stored them, and quarantine rows that something else wrote and nothing can
//! decode.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use flow_runtime::store::{AnyStore, InstanceQuery, InstanceRecord, SqlStore, Store, StoreError};
use flow_runtime::{InstanceId, Status};
use flow_tests::conformance::{self, record};
use flow_tests::servers::{fresh_postgres, fresh_sqlite, fresh_sqlite_path, postgres_url};

#[tokio::test]
async fn a_sqlite_file_is_created_and_survives_a_reopen() {
    let path = fresh_sqlite_path();
    assert!(!path.exists());
    let url = format!("sqlite://{}", path.display());
    let id = InstanceId::new();
    {
        let store = SqlStore::connect(&url).await.unwrap();
        store
            .insert(record(id), SystemTime::now(), None)
            .await
            .unwrap();
    }
    assert!(path.exists(), "the file was created");
    let reopened = SqlStore::connect(&url).await.unwrap();
    let read = reopened
        .load(id)
        .await
        .unwrap()
        .expect("kept across a reopen");
    assert_eq!(read, record(id));
}

#[tokio::test]
async fn sqlite_is_full_sync_by_default_and_normal_on_request() {
    let path = fresh_sqlite_path();
    let full = SqlStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let pool = full.sqlite_pool().unwrap();
    let mode: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, 2, "FULL");
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    let normal = SqlStore::connect(&format!("sqlite://{}?synchronous=normal", path.display()))
        .await
        .unwrap();
    let mode: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(normal.sqlite_pool().unwrap())
        .await
        .unwrap();
    assert_eq!(mode, 1, "NORMAL");
    let wrong = SqlStore::connect(&format!("sqlite://{}?synchronous=off", path.display()))
        .await
        .err()
        .expect("an unknown setting is refused");
    assert!(
        wrong.to_string().contains("expected `full` or `normal`"),
        "{wrong}"
    );
}

#[tokio::test]
async fn an_in_memory_sqlite_database_keeps_its_data_while_open() {
    let store = SqlStore::connect("sqlite::memory:").await.unwrap();
    let id = InstanceId::new();
    store
        .insert(record(id), SystemTime::now(), None)
        .await
        .unwrap();
    // Many calls, one connection: the database is not lost between them.
    for _ in 0..5 {
        assert!(store.load(id).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn store_urls_pick_the_store_and_errors_hide_the_password() {
    assert_eq!(AnyStore::connect("memory:").await.unwrap().kind(), "memory");
    assert_eq!(
        AnyStore::connect("sqlite::memory:").await.unwrap().kind(),
        "sqlite"
    );
    let unknown = AnyStore::connect("mysql://app:hunter2@localhost/db")
        .await
        .err()
        .unwrap();
    let message = unknown.to_string();
    assert!(
        message.contains("mysql://app:***@localhost/db"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");

    // Nothing listens on port 9 of loopback: refused at once.
    let unreachable = AnyStore::connect("postgres://app:hunter2@127.0.0.1:9/orders")
        .await
        .err()
        .unwrap();
    assert!(
        matches!(unreachable, StoreError::Connect { .. }),
        "{unreachable:?}"
    );
    let message = unreachable.to_string();
    assert!(
        message.starts_with("cannot open store `postgres://app:***@127.0.0.1:9/orders`"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test]
async fn a_server_that_rejects_the_credentials_says_so() {
    if fresh_postgres().await.is_none() {
        return;
    }
    let base = postgres_url();
    // The same server, a role that does not exist.
    let (_, host_and_db) = base.split_once('@').expect("a URL with a user");
    let url = format!("postgres://no_such_role:secret@{host_and_db}");
    let error = SqlStore::connect(&url).await.err().unwrap();
    let message = error.to_string();
    assert!(message.contains("no_such_role:***@"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    assert!(
        message.contains("no_such_role") && message.contains("role"),
        "the server's reason is given: {message}"
    );
}

/// Marks the database as migrated by a newer build.
async fn pretend_newer_schema(store: &SqlStore) {
    let statement = "INSERT INTO flow_schema (version) VALUES (999)";
    match store.dialect() {
        "sqlite" => {
            sqlx::query(statement)
                .execute(store.sqlite_pool().unwrap())
                .await
                .unwrap();
        }
        _ => {
            sqlx::query(statement)
                .execute(store.postgres_pool().unwrap())
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn a_newer_schema_is_refused_on_sqlite() {
    let path = fresh_sqlite_path();
    let url = format!("sqlite://{}", path.display());
    let store = SqlStore::connect(&url).await.unwrap();
    pretend_newer_schema(&store).await;
    let error = SqlStore::connect(&url).await.err().unwrap();
    assert!(
        matches!(error, StoreError::NewerSchema { found: 999, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&url), "{error}");
}

#[tokio::test]
async fn a_newer_schema_is_refused_on_postgres() {
    let Some(store) = fresh_postgres().await else {
        return;
    };
    pretend_newer_schema(&store).await;
    let schema: String = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(store.postgres_pool().unwrap())
        .await
        .unwrap();
    let url = format!("{}?options[search_path]={schema}", postgres_url());
    let error = SqlStore::connect(&url).await.err().unwrap();
    assert!(
        matches!(error, StoreError::NewerSchema { found: 999, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("upgrade the engine"), "{error}");
}

/// Writes garbage where the store expects a status, and into one journal entry of another
/// instance, as a buggy tool or a half-done manual fix would.
async fn corrupt(store: &SqlStore, bad_status: InstanceId, bad_journal: InstanceId) {
    let statements = [
        "UPDATE flow_instances SET status = 'exploded' WHERE id = $1",
        "UPDATE flow_journal SET entry = '{not json' WHERE instance_id = $1",
    ];
    for (statement, id) in statements.into_iter().zip([bad_status, bad_journal]) {
        execute(store, statement, id).await;
    }
}

async fn undecodable_rows_are_quarantined(store: SqlStore) {
    let now = SystemTime::now();
    let bad_status = InstanceId::new();
    let bad_journal = InstanceId::new();
    let healthy = InstanceId::new();
    for id in [bad_status, bad_journal, healthy] {
        let record = InstanceRecord {
            due_at: Some(now - Duration::from_millis(5)),
            journal: vec![flow_tests::conformance::entry(
                0,
                flow_runtime::JournalKind::Step,
                false,
            )],
            ..record(id)
        };
        store.insert(record, SystemTime::now(), None).await.unwrap();
    }
    corrupt(&store, bad_status, bad_journal).await;

    // The claim skips what it cannot read and hands out the healthy one.
    let claimed = store
        .claim_due(now, 1, Duration::from_secs(30), 10)
        .await
        .unwrap();
    let ids: Vec<InstanceId> = claimed.iter().map(|(record, _)| record.id).collect();
    assert_eq!(ids, [healthy]);

    // Each is set aside with what is wrong, nothing dropped, and listed for a person.
    let error = store.load(bad_status).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("is quarantined") && message.contains("`exploded` is not a status"),
        "{message}"
    );
    let error = store.load(bad_journal).await.unwrap_err();
    assert!(error.to_string().contains("journal:"), "{error}");
    let manual: Vec<InstanceId> = store
        .list(&InstanceQuery::new(10).status(Status::Manual))
        .await
        .unwrap()
        .iter()
        .map(|summary| summary.id)
        .collect();
    assert!(manual.contains(&bad_status) && manual.contains(&bad_journal));
    assert!(
        store
            .claim_due(SystemTime::now(), 1, Duration::from_secs(30), 10)
            .await
            .unwrap()
            .is_empty(),
        "quarantined records leave the due-queue"
    );
    assert!(
        store
            .acquire(bad_status, 1, SystemTime::now(), Duration::from_secs(30))
            .await
            .is_err()
    );
    let stored_status: String = match store.dialect() {
        "sqlite" => sqlx::query_scalar("SELECT status FROM flow_instances WHERE id = $1")
            .bind(bad_status.to_string())
            .fetch_one(store.sqlite_pool().unwrap())
            .await
            .unwrap(),
        _ => sqlx::query_scalar("SELECT status FROM flow_instances WHERE id = $1")
            .bind(bad_status.to_string())
            .fetch_one(store.postgres_pool().unwrap())
            .await
            .unwrap(),
    };
    assert_eq!(stored_status, "exploded", "the row is kept as it was");
    let healthy_record = store.load(healthy).await.unwrap().unwrap();
    assert_eq!(healthy_record.state, Cow::Borrowed("A"));
}

#[tokio::test]
async fn undecodable_rows_are_quarantined_on_sqlite() {
    undecodable_rows_are_quarantined(fresh_sqlite().await).await;
}

#[tokio::test]
async fn undecodable_rows_are_quarantined_on_postgres() {
    if let Some(store) = fresh_postgres().await {
        undecodable_rows_are_quarantined(store).await;
    }
}

/// Runs `statement` with `$1` bound to `id`, as a tool beside the engine would.
async fn execute(store: &SqlStore, statement: &'static str, id: InstanceId) {
    execute_with(store, statement, id, &[]).await;
}

/// [`execute`] with `$2`, `$3` … bound to `texts`.
async fn execute_with(store: &SqlStore, statement: &'static str, id: InstanceId, texts: &[&str]) {
    match store.dialect() {
        "sqlite" => {
            let mut query = sqlx::query(statement).bind(id.to_string());
            for text in texts {
                query = query.bind(text.to_string());
            }
            query.execute(store.sqlite_pool().unwrap()).await.unwrap();
        }
        _ => {
            let mut query = sqlx::query(statement).bind(id.to_string());
            for text in texts {
                query = query.bind(text.to_string());
            }
            query.execute(store.postgres_pool().unwrap()).await.unwrap();
        }
    }
}

async fn stored_requests_of_older_versions_read_and_unreadable_ones_quarantine(store: SqlStore) {
    let write_raw = async |id: InstanceId, text: &'static str| {
        let statement = "UPDATE flow_instances SET request = $2 WHERE id = $1";
        execute_with(&store, statement, id, &[text]).await;
    };
    conformance::stored_requests_of_older_versions_read_and_unreadable_ones_quarantine(
        &store, write_raw,
    )
    .await;
}

#[tokio::test]
async fn stored_requests_of_older_versions_read_and_unreadable_ones_quarantine_on_sqlite() {
    stored_requests_of_older_versions_read_and_unreadable_ones_quarantine(fresh_sqlite().await)
        .await;
}

#[tokio::test]
async fn stored_requests_of_older_versions_read_and_unreadable_ones_quarantine_on_postgres() {
    if let Some(store) = fresh_postgres().await {
        stored_requests_of_older_versions_read_and_unreadable_ones_quarantine(store).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_share_one_postgres_database() {
    use flow_tests::conformance::{Parcel, Weighing};
    let Some(first) = fresh_postgres().await else {
        return;
    };
    let schema: String = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(first.postgres_pool().unwrap())
        .await
        .unwrap();
    let url = format!("{}?options[search_path]={schema}", postgres_url());
    let second = SqlStore::connect(&url).await.unwrap();
    let engine = |store: SqlStore| {
        flow_runtime::EngineBuilder::with_store(store)
            .config(flow_runtime::EngineConfig {
                poll_interval: Duration::from_millis(5),
                ..flow_runtime::EngineConfig::default()
            })
            .register::<Weighing>()
            .build()
            .unwrap()
    };
    let (one, two) = (engine(first), engine(second));
    // Queued for whichever worker claims them first.
    let mut ids = Vec::new();
    for _ in 0..40 {
        ids.push(one.start::<Weighing>(Parcel::default()).await.unwrap());
    }
    for id in &ids {
        let outcome = two.wait_ended::<Weighing>(*id).await.unwrap();
        assert_eq!(outcome.status, Status::Completed);
        assert_eq!(outcome.data.weight, 2, "each step ran once");
        let steps: Vec<u64> = outcome.journal.iter().map(|entry| entry.step).collect();
        assert_eq!(steps, [0, 1], "each step committed once");
    }
    one.shutdown().await;
    two.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_hands_back_what_it_does_not_run_to_one_that_does() {
    use flow_tests::conformance::Weighing;
    use flow_tests::crash_flow::Shipping;
    let path = fresh_sqlite_path();
    let url = format!("sqlite://{}", path.display());
    // An engine that runs only another flow, as in a rolling deploy.
    let other = flow_runtime::EngineBuilder::with_store(SqlStore::connect(&url).await.unwrap())
        .config(flow_runtime::EngineConfig {
            poll_interval: Duration::from_millis(5),
            ..flow_runtime::EngineConfig::default()
        })
        .register::<Shipping>()
        .build()
        .unwrap();
    let id = InstanceId::new();
    let due = InstanceRecord {
        flow: Cow::Borrowed("Weighing"),
        state: Cow::Borrowed("New"),
        context: br#"{"data":{"weight":0},"labels":[]}"#.to_vec(),
        due_at: Some(SystemTime::now()),
        ..record(id)
    };
    other
        .store()
        .insert(due, SystemTime::now(), None)
        .await
        .unwrap();
    // It claims the instance and hands it back, still due.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let stored = other.record(id).await.unwrap();
        if stored.revision > 0 {
            assert!(stored.due_at.is_some(), "the timer is kept");
            assert_eq!(stored.lease, None);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never claimed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // An engine that runs the flow takes it up.
    let knowing = flow_runtime::EngineBuilder::with_store(SqlStore::connect(&url).await.unwrap())
        .config(flow_runtime::EngineConfig {
            poll_interval: Duration::from_millis(5),
            ..flow_runtime::EngineConfig::default()
        })
        .register::<Weighing>()
        .build()
        .unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(10), knowing.wait_ended::<Weighing>(id))
        .await
        .expect("taken up")
        .unwrap();
    assert_eq!(outcome.status, Status::Completed);
    assert_eq!(outcome.data.weight, 2);
    other.shutdown().await;
    knowing.shutdown().await;
}
