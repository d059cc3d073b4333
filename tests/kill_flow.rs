//! The saga of the kill tests, shared by the test and the worker processes it kills: reserve
//! (compensated by release), charge (compensated by refund), ship. One instance in ten is
//! declined at the charge and one in ten is lost at shipping, decided by the instance id
//! alone, so the test knows each instance's end without asking the workers.
//!
//! Every effect is one increment in an effects ledger in the store's own database (a Redis
//! hash, a PostgreSQL table), keyed by the action and `ctx.idempotency_key()`: a count of 1
//! is the effect, anything above is a re-run after a crash that the key deduplicates.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use flow_runtime::model::IdempotencyKey;
use flow_runtime::prelude::*;
use flow_runtime::store::{AnyStore, InstanceRecord};
use flow_runtime::{EngineBuilder, EngineConfig, InstanceId, JournalKind, Status};
use serde::{Deserialize, Serialize};

/// One order; everything about its run follows from its instance id.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Order {
    /// Its place in the test's batch.
    pub number: u32,
}

/// How an instance's run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fate {
    /// Reserved, charged, shipped: `Completed` in `Shipped`.
    Ships,
    /// The card is declined: the reservation is released; `Failed` in `Declined`.
    Declined,
    /// The parcel is lost: the card is refunded, then the reservation released; `Failed`
    /// in `Lost`.
    Lost,
}

/// The fate of instance `id`: one in ten declined, one in ten lost.
pub fn fate(id: InstanceId) -> Fate {
    // The id's digest mixed once more, so that neighbouring ids spread evenly.
    match id.seed().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32 & 0xFFFF {
        bucket if bucket % 10 == 0 => Fate::Declined,
        bucket if bucket % 10 == 1 => Fate::Lost,
        _ => Fate::Ships,
    }
}

/// The effects (`action` or compensation, step) an instance of `fate` must leave in the
/// ledger, once each.
pub fn expected_effects(fate: Fate) -> Vec<(&'static str, u64)> {
    match fate {
        Fate::Ships => vec![("reserve", 0), ("charge", 1), ("ship", 2)],
        Fate::Declined => vec![("reserve", 0), ("release", 0)],
        Fate::Lost => vec![("reserve", 0), ("charge", 1), ("refund", 1), ("release", 0)],
    }
}

/// Where the effects are counted.
#[derive(Clone)]
pub enum Ledger {
    /// A hash in the store's Redis: field `ACTION INSTANCE/STEP`, value the runs.
    Redis {
        /// A reconnecting connection.
        connection: redis::aio::ConnectionManager,
        /// The hash's key.
        key: String,
    },
    /// A table `effects_ledger (effect, runs)` in the store's PostgreSQL schema.
    Postgres(sqlx::PgPool),
}

impl Ledger {
    /// The ledger beside `store`, opened from `url` (the store's URL).
    pub async fn open(url: &str, store: &AnyStore) -> Ledger {
        match store {
            AnyStore::Redis(_) => {
                let (base, query) = url.split_once('?').unwrap_or((url, ""));
                let parameter = |name: &str| {
                    query.split('&').find_map(|pair| {
                        pair.strip_prefix(name)
                            .and_then(|rest| rest.strip_prefix('='))
                    })
                };
                let prefix = parameter("prefix").unwrap_or("flow");
                let client = match parameter("tls_ca_file") {
                    None => redis::Client::open(base),
                    Some(path) => redis::Client::build_with_tls(
                        base,
                        redis::TlsCertificates {
                            client_tls: None,
                            root_cert: Some(std::fs::read(path).expect("read the CA file")),
                        },
                    ),
                }
                .expect("a Redis URL");
                let connection = redis::aio::ConnectionManager::new(client)
                    .await
                    .expect("connect the ledger");
                Ledger::Redis {
                    connection,
                    key: format!("{prefix}:effects_ledger"),
                }
            }
            AnyStore::Sql(sql) => {
                let pool = sql.postgres_pool().expect("a PostgreSQL store").clone();
                Ledger::Postgres(pool)
            }
            AnyStore::Memory(_) => panic!("the kill tests run on shared stores"),
        }
    }

    /// Creates the ledger's table (before the workers start, so that they never race to).
    pub async fn create(&self) {
        if let Ledger::Postgres(pool) = self {
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS effects_ledger (effect TEXT PRIMARY KEY, runs BIGINT NOT NULL)",
            )
            .execute(pool)
            .await
            .expect("create the effects ledger");
        }
    }

    /// Counts one run of `effect`; how many runs it has had, this one included.
    pub async fn record(&self, effect: &str) -> Result<i64, String> {
        match self {
            Ledger::Redis { connection, key } => {
                let mut connection = connection.clone();
                redis::cmd("HINCRBY")
                    .arg(key)
                    .arg(effect)
                    .arg(1)
                    .query_async(&mut connection)
                    .await
                    .map_err(|error| error.to_string())
            }
            Ledger::Postgres(pool) => sqlx::query_scalar(
                "INSERT INTO effects_ledger (effect, runs) VALUES ($1, 1) \
                 ON CONFLICT (effect) DO UPDATE SET runs = effects_ledger.runs + 1 RETURNING runs",
            )
            .bind(effect)
            .fetch_one(pool)
            .await
            .map_err(|error| error.to_string()),
        }
    }

    /// Every effect and its runs.
    pub async fn read(&self) -> HashMap<String, i64> {
        match self {
            Ledger::Redis { connection, key } => {
                let mut connection = connection.clone();
                // After a restart of the server, the first request on the old connection
                // fails while the manager reconnects.
                let mut attempts = 0;
                loop {
                    match redis::cmd("HGETALL")
                        .arg(key)
                        .query_async(&mut connection)
                        .await
                    {
                        Ok(runs) => return runs,
                        Err(error) if attempts < 50 => {
                            attempts += 1;
                            eprintln!("reading the ledger failed, trying again: {error}");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(error) => panic!("read the ledger: {error}"),
                    }
                }
            }
            Ledger::Postgres(pool) => {
                sqlx::query_as::<_, (String, i64)>("SELECT effect, runs FROM effects_ledger")
                    .fetch_all(pool)
                    .await
                    .expect("read the ledger")
                    .into_iter()
                    .collect()
            }
        }
    }
}

static LEDGER: OnceLock<Ledger> = OnceLock::new();

/// How long each half of a step's work takes, in milliseconds.
static WORK_MILLIS: AtomicU64 = AtomicU64::new(10);

/// Makes each half of a step's work (before and after its effect) take `time` in this
/// process (10 ms unless set).
pub fn set_work_time(time: Duration) {
    WORK_MILLIS.store(time.as_millis() as u64, Ordering::Relaxed);
}

/// A moment of work.
async fn work() {
    tokio::time::sleep(Duration::from_millis(WORK_MILLIS.load(Ordering::Relaxed))).await;
}

/// Makes `ledger` the one this process's actions count their effects in.
pub fn install(ledger: Ledger) {
    assert!(LEDGER.set(ledger).is_ok(), "one ledger per process");
}

/// The ledger's field of `action` of the running step: `ACTION INSTANCE/STEP`.
pub fn effect_name(action: &str, key: impl std::fmt::Display) -> String {
    format!("{action} {key}")
}

/// Does `action`'s effect: one run counted under the step's key, amid a moment of work (so
/// that a kill finds steps both before and after their effect, uncommitted).
async fn effect(ctx: &Context<Order>, action: &str) -> Result<(), ActionError> {
    work().await;
    let ledger = LEDGER.get().expect("the worker installs a ledger");
    ledger
        .record(&effect_name(action, ctx.idempotency_key()))
        .await
        .map_err(ActionError::retryable)?;
    work().await;
    Ok(())
}

#[derive(Instruction)]
pub enum Payment {
    Charged,
    Declined,
}

#[derive(Instruction)]
pub enum Delivery {
    Shipped,
    Lost,
}

#[action(compensate = release, retry(attempts = 10, backoff = fixed(50ms)))]
async fn reserve(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    effect(ctx, "reserve").await
}

async fn release(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    effect(ctx, "release").await
}

#[action(compensate = refund, retry(attempts = 10, backoff = fixed(50ms)))]
async fn charge(ctx: &mut Context<Order>) -> Result<Payment, ActionError> {
    if fate(ctx.instance()) == Fate::Declined {
        work().await;
        return Ok(Payment::Declined);
    }
    effect(ctx, "charge").await?;
    Ok(Payment::Charged)
}

async fn refund(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    effect(ctx, "refund").await
}

#[action(pivot, retry(attempts = 10, backoff = fixed(50ms)))]
async fn ship(ctx: &mut Context<Order>) -> Result<Delivery, ActionError> {
    if fate(ctx.instance()) == Fate::Lost {
        work().await;
        return Ok(Delivery::Lost);
    }
    effect(ctx, "ship").await?;
    Ok(Delivery::Shipped)
}

flow! {
    pub flow Fulfilment: Order {
        start New;
        New      => reserve => Reserved;
        Reserved => charge { Charged => Paid, Declined => Declined }
        Paid     => ship { Shipped => Shipped, Lost => Lost }
        success Shipped;
        failure Declined, Lost;
    }
}

/// The workers' (and the test's) engine settings: a 1 s lease, looked for every 200 ms once
/// lapsed, so a dead or stalled worker's instances move on within about a second.
pub fn config() -> EngineConfig {
    EngineConfig {
        lease_ttl: Duration::from_secs(1),
        orphan_scan_interval: Duration::from_millis(200),
        poll_interval: Duration::from_millis(20),
        ..EngineConfig::default()
    }
}

/// A worker's engine on `store`.
pub fn worker(store: AnyStore) -> Engine<AnyStore> {
    EngineBuilder::with_store(store)
        .config(config())
        .register::<Fulfilment>()
        .build()
        .expect("the fulfilment flow is valid")
}

/// The test's engine: it starts instances and reads them, and runs none.
pub fn client(store: AnyStore) -> Engine<AnyStore> {
    EngineBuilder::with_store(store)
        .config(config())
        .without_worker()
        .register::<Fulfilment>()
        .build()
        .expect("the fulfilment flow is valid")
}

/// Checks that `record` ended where its id's fate says, each step committed once, each
/// completed compensable step of a failure compensated once, in reverse order; its fate.
pub fn check_ended(record: &InstanceRecord) -> Fate {
    let id = record.id;
    let fate = fate(id);
    let (status, state, steps, undone): (Status, &str, &[(u64, &str)], &[u64]) = match fate {
        Fate::Ships => (
            Status::Completed,
            "Shipped",
            &[(0, "New"), (1, "Reserved"), (2, "Paid")],
            &[],
        ),
        Fate::Declined => (
            Status::Failed,
            "Declined",
            &[(0, "New"), (1, "Reserved")],
            &[0],
        ),
        Fate::Lost => (
            Status::Failed,
            "Lost",
            &[(0, "New"), (1, "Reserved"), (2, "Paid")],
            &[1, 0],
        ),
    };
    assert_eq!(
        (record.status, &*record.state),
        (status, state),
        "{id}: {:?}",
        record.error
    );
    let committed: Vec<(u64, &str)> = record
        .journal
        .iter()
        .filter(|entry| entry.kind == JournalKind::Step)
        .map(|entry| (entry.step, &*entry.from))
        .collect();
    assert_eq!(committed, steps, "{id}: steps committed once each");
    let compensated: Vec<u64> = record
        .journal
        .iter()
        .filter(|entry| entry.kind == JournalKind::Compensation)
        .map(|entry| entry.step)
        .collect();
    assert_eq!(compensated, undone, "{id}: compensations");
    fate
}

/// Checks that the ledger's `runs` hold exactly the effects the fates of `ids` call for,
/// and nothing else; the re-runs its keys deduplicated: (of steps, of compensations).
pub fn check_ledger(runs: &HashMap<String, i64>, ids: &[InstanceId]) -> (i64, i64) {
    let mut expected: HashSet<String> = HashSet::new();
    for id in ids {
        for (action, step) in expected_effects(fate(*id)) {
            let key = IdempotencyKey {
                instance: *id,
                step,
            };
            expected.insert(effect_name(action, key));
        }
    }
    let found: HashSet<String> = runs.keys().cloned().collect();
    let missing: Vec<&String> = expected.difference(&found).take(5).collect();
    let unexpected: Vec<&String> = found.difference(&expected).take(5).collect();
    assert!(
        missing.is_empty(),
        "effects that never happened: {missing:?}"
    );
    assert!(
        unexpected.is_empty(),
        "effects that must not have happened: {unexpected:?}"
    );
    assert!(runs.values().all(|runs| *runs >= 1));
    let is_compensation =
        |effect: &str| effect.starts_with("release ") || effect.starts_with("refund ");
    let duplicates = |compensations: bool| -> i64 {
        runs.iter()
            .filter(|(effect, _)| is_compensation(effect) == compensations)
            .map(|(_, runs)| runs - 1)
            .sum()
    };
    (duplicates(false), duplicates(true))
}
