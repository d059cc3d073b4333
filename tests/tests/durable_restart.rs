//! A process killed with SIGKILL mid-flow and mid-wait is replaced by the next process on
//! the same SQLite file, PostgreSQL database or Redis server: running instances are adopted as orphans, waiting ones go on by
//! signal or deadline, retry timers fire when due. Nothing is lost, every step is committed
//! once, and compensations run exactly for the instances that failed.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flow_runtime::store::{AnyStore, Store};
use flow_runtime::{InstanceId, JournalKind, Status};
use flow_tests::crash_flow::{HANG_ENV, Shipping, engine};
use flow_tests::servers::{
    fresh_postgres, fresh_redis, fresh_sqlite_path, postgres_url, redis_url,
};

/// How each shipment of the run is meant to go.
const KINDS: [&str; 8] = [
    "hang", "hang", "retry", "retry", "approve", "approve", "expire", "expire",
];

/// Polls `check` until it holds or `limit` passes.
async fn eventually(limit: Duration, what: &str, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_is_replaced_and_nothing_is_lost_on_sqlite() {
    let path = fresh_sqlite_path();
    let url = format!("sqlite://{}", path.display());
    a_killed_process_is_replaced(&url, &path.with_extension("effects")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_is_replaced_and_nothing_is_lost_on_postgres() {
    let Some(store) = fresh_postgres().await else {
        return;
    };
    let schema: String = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(store.postgres_pool().unwrap())
        .await
        .unwrap();
    let url = format!("{}?options[search_path]={schema}", postgres_url());
    a_killed_process_is_replaced(&url, &fresh_sqlite_path().with_extension("effects")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_is_replaced_and_nothing_is_lost_on_redis() {
    // A key prefix of this run's own, so no other run's instances are in the way.
    let Some(store) = fresh_redis().await else {
        return;
    };
    drop(store);
    let prefix = format!("flowtest_restart_{}", std::process::id());
    let url = format!("{}/?prefix={prefix}", redis_url().trim_end_matches('/'));
    a_killed_process_is_replaced(&url, &fresh_sqlite_path().with_extension("effects")).await;
}

/// The scenario on the store `url`; the actions log their effects to `effects_file`.
async fn a_killed_process_is_replaced(url: &str, effects_file: &std::path::Path) {
    let url = url.to_owned();
    let effects_file = effects_file.to_str().unwrap().to_owned();

    // The first process: starts the shipments and drives them until it is killed.
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash_child"))
        .arg(&url)
        .arg(&effects_file)
        .args(KINDS)
        .env(HANG_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the child process");
    let mut kinds: HashMap<InstanceId, &'static str> = HashMap::new();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        let line = line.unwrap();
        if line == "ready" {
            break;
        }
        let mut words = line.split(' ').skip(1);
        let id: InstanceId = words.next().unwrap().parse().unwrap();
        let kind = words.next().unwrap();
        kinds.insert(id, KINDS.into_iter().find(|known| *known == kind).unwrap());
    }
    assert_eq!(kinds.len(), KINDS.len());

    // Kill it once every kind is where it should be: hanging mid-step, a retry timer
    // pending, waiting for an approval.
    let observer = AnyStore::connect(&url).await.unwrap();
    eventually(
        Duration::from_secs(20),
        "the child to reach its states",
        async || {
            for (id, kind) in &kinds {
                let Ok(Some(record)) = observer.load(*id).await else {
                    return false;
                };
                let there = match *kind {
                    "hang" => record.state == "Reserved" && record.status == Status::Running,
                    "retry" => record.state == "Worked" && record.due_at.is_some(),
                    _ => record.status == Status::Waiting,
                };
                if !there {
                    return false;
                }
            }
            true
        },
    )
    .await;
    child.kill().expect("SIGKILL the child");
    child.wait().unwrap();

    // Nothing lost: every instance is in the file the dead process left.
    for id in kinds.keys() {
        assert!(observer.load(*id).await.unwrap().is_some());
    }

    // The next process, on the same file: it resumes what the dead one left.
    let engine = engine(AnyStore::connect(&url).await.unwrap());
    eventually(
        Duration::from_secs(30),
        "every instance to end",
        async || {
            let mut all_ended = true;
            for (id, kind) in &kinds {
                let record = engine.record(*id).await.unwrap();
                if record.status == Status::Waiting && *kind != "expire" {
                    // Busy while another activation holds it: try again next round.
                    let _ = engine.signal::<Shipping>(*id, "Approve").await;
                }
                all_ended &= record.status.is_final() || record.status == Status::Manual;
            }
            all_ended
        },
    )
    .await;

    let effects = std::fs::read_to_string(&effects_file).unwrap();
    for (id, kind) in &kinds {
        let record = engine.record(*id).await.unwrap();
        let expected = if *kind == "expire" {
            (Status::Failed, "Expired")
        } else {
            (Status::Completed, "Approved")
        };
        assert_eq!(
            (record.status, &*record.state),
            expected,
            "{kind} {id}: {:?}",
            record.error
        );

        // Every step committed once: step entries in order, no step twice.
        let steps: Vec<(u64, &str)> = record
            .journal
            .iter()
            .filter(|entry| matches!(entry.kind, JournalKind::Step | JournalKind::Signal))
            .map(|entry| (entry.step, &*entry.from))
            .collect();
        let expected_steps = [
            (0, "New"),
            (1, "Reserved"),
            (2, "Worked"),
            (3, "Checked"),
            (4, "AwaitingApproval"),
        ];
        assert_eq!(steps, expected_steps, "{kind} {id}");

        // Compensation ran exactly for the failed ones.
        let mine: Vec<&str> = effects
            .lines()
            .filter(|line| line.starts_with(&id.to_string()))
            .map(|line| line.rsplit(' ').next().unwrap())
            .collect();
        let released = mine.iter().filter(|action| **action == "release").count();
        assert_eq!(
            released,
            usize::from(*kind == "expire"),
            "{kind} {id}: {mine:?}"
        );

        match *kind {
            // The step the dead process was in ran again (at least once), committed once.
            "hang" => assert!(
                mine.iter().filter(|action| **action == "work").count() >= 2,
                "{mine:?}"
            ),
            // The retry timer set by the dead process fired in the next one.
            "retry" => {
                let failures = record
                    .journal
                    .iter()
                    .filter(|entry| entry.kind == JournalKind::Failure)
                    .count();
                assert_eq!(failures, 1);
                let check = record
                    .journal
                    .iter()
                    .find(|entry| entry.kind == JournalKind::Step && entry.action == "check")
                    .unwrap();
                assert_eq!(check.attempt, 2);
            }
            _ => {}
        }
    }
    engine.shutdown().await;
}
