//! Redis is killed (SIGKILL: no shutdown, no final save) and restarted in the middle of a
//! run, with `appendonly yes` and `appendfsync always`: every transition committed before
//! the kill is still there after the restart, the engine reconnects on its own, and every
//! instance finishes as its id says, each effect once after deduplication. A Redis that
//! keeps nothing on disk is detected (the store warns at connect).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use std::time::{Duration, Instant};

use flow_runtime::plugin::{FlowEvent, Plugin};
use flow_runtime::store::{AnyStore, InstanceRecord, Persistence, RedisStore};
use flow_runtime::{EngineBuilder, InstanceId, JournalEntry, Status};
use flow_tests::kill_flow::{
    Fulfilment, Ledger, Order, check_ended, check_ledger, config, install, set_work_time,
};
use flow_tests::servers::PrivateRedis;

const INSTANCES: u32 = 600;

/// The instances this engine saw end, with their status: each end was committed (and
/// acknowledged by Redis) before the hook ran.
#[derive(Clone, Default)]
struct Ends(Arc<Mutex<HashMap<InstanceId, Status>>>);

impl Plugin for Ends {
    fn on_flow_end(&self, event: &FlowEvent<'_>, status: Status) {
        self.0.lock().unwrap().insert(event.instance, status);
    }
}

impl Ends {
    fn seen(&self) -> HashMap<InstanceId, Status> {
        self.0.lock().unwrap().clone()
    }
}

/// What of a journal entry a restart must keep.
fn entry_key(entry: &JournalEntry) -> String {
    format!(
        "{:?} {} {} {} {} {} {}",
        entry.kind,
        entry.step,
        entry.action,
        entry.instruction,
        entry.from,
        entry.to,
        entry.attempt
    )
}

/// `before` (read from Redis before the kill) is contained in `after`: same or later
/// revision, its journal a prefix of the later one.
fn kept(before: &InstanceRecord, after: &InstanceRecord) -> bool {
    after.revision >= before.revision
        && after.journal.len() >= before.journal.len()
        && before
            .journal
            .iter()
            .zip(&after.journal)
            .all(|(old, new)| entry_key(old) == entry_key(new))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_redis_loses_no_committed_transition() {
    let began = Instant::now();
    let Some(mut server) = PrivateRedis::start(&[
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
    ]) else {
        return;
    };
    let url = format!("{}/?prefix=flowtest_restart", server.url());
    let redis = RedisStore::connect(&url).await.expect("connect");
    assert_eq!(redis.persistence().await.unwrap(), Persistence::AppendOnly);
    let store = AnyStore::Redis(redis);
    let ledger = Ledger::open(&url, &store).await;
    install(ledger.clone());
    // Slow steps, so that the kill finds most instances mid-flow.
    set_work_time(Duration::from_millis(150));
    let ends = Ends::default();
    let engine = EngineBuilder::with_store(store)
        .config(config())
        .plugin(ends.clone())
        .register::<Fulfilment>()
        .build()
        .unwrap();

    let mut ids = Vec::new();
    for number in 0..INSTANCES {
        ids.push(engine.start::<Fulfilment>(Order { number }).await.unwrap());
    }
    // While the engine works, read every record over and over: each read is a state Redis
    // committed (and, with `appendfsync always`, wrote to disk) before it answered. Kill it
    // mid-run: once a quarter of the instances ended, the rest on their way.
    let mut before: HashMap<InstanceId, InstanceRecord> = HashMap::new();
    'reading: for _ in 0..100 {
        for id in &ids {
            before.insert(*id, engine.record(*id).await.unwrap());
            if before.len() == ids.len() && ends.seen().len() >= INSTANCES as usize / 4 {
                break 'reading;
            }
        }
    }
    server.kill();
    let ended_before = ends.seen();
    let transitions_before: usize = before.values().map(|record| record.journal.len()).sum();
    let resting_before = before
        .values()
        .filter(|record| record.status.is_final())
        .count();
    // The engine keeps working against a dead server for a while: its commits fail.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    server.restart();

    // Right after the restart, before anything else could change them back: nothing lost.
    let mut after_restart = 0;
    for id in &ids {
        let mut record = None;
        // The engine's connection comes back on its own; this read may come first.
        for _ in 0..200 {
            match engine.record(*id).await {
                Ok(found) => {
                    record = Some(found);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(25)).await,
            }
        }
        let record = record.expect("the instance after the restart");
        if let Some(read) = before.get(id) {
            assert!(kept(read, &record), "{id}: lost a committed transition");
            after_restart += 1;
        }
    }
    for (id, status) in &ended_before {
        assert_eq!(engine.record(*id).await.unwrap().status, *status, "{id}");
    }

    // The engine reconnected and finishes every instance.
    let mut ended = 0;
    for _ in 0..600 {
        ended = 0;
        for id in &ids {
            if engine
                .record(*id)
                .await
                .is_ok_and(|record| record.status.is_final())
            {
                ended += 1;
            }
        }
        if ended == ids.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(ended, ids.len(), "instances that ended after the restart");
    let mut completed = 0;
    for id in &ids {
        let record = engine.record(*id).await.unwrap();
        if let Some(read) = before.get(id) {
            assert!(kept(read, &record), "{id}");
        }
        if check_ended(&record) == flow_tests::kill_flow::Fate::Ships {
            completed += 1;
        }
    }
    let (forward_duplicates, compensation_duplicates) = check_ledger(&ledger.read().await, &ids);
    let report = format!(
        "redis_restart: {} instances; before the kill {transitions_before} journal entries committed, \
         {resting_before} ended in the last read of each record ({} ends seen by the engine); all \
         {after_restart} records read kept after the restart; then all ended: {completed} completed, {} failed; duplicates \
         deduplicated: {forward_duplicates} of steps, {compensation_duplicates} of compensations; {:.1} s",
        ids.len(),
        ended_before.len(),
        ids.len() - completed,
        began.elapsed().as_secs_f64()
    );
    {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{report}");
    }
    // The kill came mid-run, after the reader had read most records.
    assert!(ended_before.len() < ids.len(), "{report}");
    assert!(after_restart > ids.len() / 2, "{report}");
    engine.shutdown().await;
}

/// The condition of the store's warning at connect: a server with neither an append-only
/// file nor save points keeps nothing; snapshots or an AOF are seen as such.
#[tokio::test]
async fn a_redis_that_keeps_nothing_on_disk_is_detected() {
    let Some(server) = PrivateRedis::start(&["--appendonly", "no", "--save", ""]) else {
        return;
    };
    let store = RedisStore::connect(&server.url()).await.expect("connect");
    assert_eq!(store.persistence().await.unwrap(), Persistence::None);
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("save")
        .arg("3600 1")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(store.persistence().await.unwrap(), Persistence::Snapshots);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("appendonly")
        .arg("yes")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(store.persistence().await.unwrap(), Persistence::AppendOnly);
}
