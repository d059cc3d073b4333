//! Three worker processes share 2,000 sagas on one Redis or PostgreSQL while the test keeps
//! killing them: SIGKILL of a random worker about every 0.5 s for 15 s, each restarted at
//! once; then the same with SIGSTOP, held past the lease, and SIGCONT. Afterwards every
//! instance ended as its id says it must, none is lost, each effect of a successful saga
//! happened once after deduplication by its idempotency key, each completed compensable step
//! of a failed saga was compensated once, and a stalled worker that woke up could not write.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flow_runtime::store::{AnyStore, InstanceQuery};
use flow_runtime::{InstanceId, Status};
use flow_tests::kill_flow::{Fate, Fulfilment, Ledger, Order, check_ended, check_ledger, client};
use flow_tests::servers::{fresh_postgres, fresh_redis, postgres_url, redis_url};

const WORKERS: usize = 3;
const INSTANCES: u32 = 2_000;
/// How long the test keeps killing (or stopping) workers.
const TROUBLE: Duration = Duration::from_secs(15);
/// A stopped worker stays stopped this long: past its 1 s lease and the next orphan scan.
const STOPPED_FOR: Duration = Duration::from_millis(2_500);

/// What the test does to a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trouble {
    /// SIGKILL about every 0.5 s, restarted at once.
    Kill,
    /// SIGSTOP for longer than the lease, then SIGCONT.
    Stop,
}

/// Runs the scenarios one at a time: each alone keeps the two cores busy.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_lose_nothing_on_redis() {
    let _turn = ONE_AT_A_TIME.lock().await;
    for trouble in [Trouble::Kill, Trouble::Stop] {
        let Some(store) = fresh_redis().await else {
            return;
        };
        drop(store);
        let prefix = format!("flowtest_kill_{}_{trouble:?}", std::process::id());
        let url = format!("{}/?prefix={prefix}", redis_url().trim_end_matches('/'));
        scenario("redis", &url, trouble).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_lose_nothing_on_postgres() {
    let _turn = ONE_AT_A_TIME.lock().await;
    for trouble in [Trouble::Kill, Trouble::Stop] {
        let Some(store) = fresh_postgres().await else {
            return;
        };
        let schema: String = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(store.postgres_pool().unwrap())
            .await
            .unwrap();
        drop(store);
        let url = format!(
            "{}?options[search_path]={schema}&max_connections=6",
            postgres_url()
        );
        scenario("postgres", &url, trouble).await;
    }
}

/// The worker processes, each logging to a file of its own slot.
struct Workers {
    url: String,
    logs: Vec<PathBuf>,
    children: Vec<Child>,
}

impl Workers {
    fn start(url: &str, folder: &Path) -> Self {
        let logs: Vec<PathBuf> = (0..WORKERS)
            .map(|slot| folder.join(format!("worker-{slot}.log")))
            .collect();
        let mut workers = Workers {
            url: url.to_owned(),
            logs,
            children: Vec::new(),
        };
        for slot in 0..WORKERS {
            let child = workers.spawn(slot);
            workers.children.push(child);
        }
        workers
    }

    fn spawn(&self, slot: usize) -> Child {
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.logs[slot])
            .expect("open a worker's log");
        Command::new(env!("CARGO_BIN_EXE_kill_worker"))
            .arg(&self.url)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start a worker")
    }

    /// SIGKILLs the worker in `slot` and starts another in its place.
    fn kill_and_restart(&mut self, slot: usize) {
        let child = &mut self.children[slot];
        child.kill().expect("SIGKILL a worker");
        child.wait().expect("reap a worker");
        self.children[slot] = self.spawn(slot);
    }

    /// Sends `signal` (`STOP`, `CONT`) to the worker in `slot`.
    fn signal(&self, slot: usize, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.children[slot].id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// How many lines of the workers' logs contain `text`.
    fn count_in_logs(&self, text: &str) -> usize {
        self.logs
            .iter()
            .map(|log| {
                std::fs::read_to_string(log)
                    .unwrap_or_default()
                    .lines()
                    .filter(|line| line.contains(text))
                    .count()
            })
            .sum()
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.children {
            // A stopped process dies of SIGKILL too.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A small xorshift generator: which worker to hit next, from a seed the test prints.
struct Dice(u64);

impl Dice {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}

async fn scenario(store_kind: &str, url: &str, trouble: Trouble) {
    let began = Instant::now();
    let folder = std::env::temp_dir().join(format!(
        "flow-kill-{store_kind}-{trouble:?}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();

    // The schema and the ledger exist before any worker connects.
    let store = AnyStore::connect(url).await.expect("open the store");
    let ledger = Ledger::open(url, &store).await;
    ledger.create().await;
    let engine = Arc::new(client(store));

    let mut workers = Workers::start(url, &folder);

    // The instances arrive over most of the trouble, so that every kill finds work in flight.
    let started = Arc::new(AtomicUsize::new(0));
    let starter = {
        let engine = Arc::clone(&engine);
        let started = Arc::clone(&started);
        tokio::spawn(async move {
            let mut ids = Vec::with_capacity(INSTANCES as usize);
            let batches = 120;
            let per_batch = INSTANCES.div_ceil(batches);
            for number in 0..INSTANCES {
                if number % per_batch == 0 && number > 0 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                let id = engine
                    .start::<Fulfilment>(Order { number })
                    .await
                    .expect("start an instance");
                ids.push(id);
                started.fetch_add(1, Ordering::Relaxed);
            }
            ids
        })
    };

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut dice = Dice(seed);
    let mut hits = 0usize;
    let trouble_began = Instant::now();
    while trouble_began.elapsed() < TROUBLE {
        let slot = dice.below(WORKERS);
        match trouble {
            Trouble::Kill => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                workers.kill_and_restart(slot);
            }
            Trouble::Stop => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                workers.signal(slot, "STOP");
                tokio::time::sleep(STOPPED_FOR).await;
                workers.signal(slot, "CONT");
            }
        }
        hits += 1;
    }
    let ids: Vec<InstanceId> = starter.await.expect("the starter");
    assert_eq!(ids.len(), INSTANCES as usize);

    // Every instance ends: count the ended ones until all are (the workers keep working).
    let mut ended = 0;
    for _ in 0..600 {
        let completed = engine
            .list(&InstanceQuery::new(10 * INSTANCES as usize).status(Status::Completed))
            .await
            .unwrap();
        let failed = engine
            .list(&InstanceQuery::new(10 * INSTANCES as usize).status(Status::Failed))
            .await
            .unwrap();
        ended = completed.len() + failed.len();
        if ended >= ids.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(ended, ids.len(), "instances that ended, of {}", ids.len());
    drop(
        workers
            .children
            .drain(..)
            .map(|mut child| {
                let _ = child.kill();
                child.wait()
            })
            .collect::<Vec<_>>(),
    );

    let mut fates: HashMap<Fate, usize> = HashMap::new();
    for id in &ids {
        let record = engine.record(*id).await.expect("no instance is lost");
        *fates.entry(check_ended(&record)).or_default() += 1;
    }
    let runs = ledger.read().await;
    let (forward_duplicates, compensation_duplicates) = check_ledger(&runs, &ids);

    let stale_refused = workers.count_in_logs("is leased with token")
        + workers.count_in_logs("changed: expected revision");
    let completed = fates.get(&Fate::Ships).copied().unwrap_or(0);
    let failed = ids.len() - completed;
    let verb = match trouble {
        Trouble::Kill => "SIGKILLs (each restarted)",
        Trouble::Stop => "SIGSTOP/SIGCONTs",
    };
    let report = format!(
        "kill_workers {store_kind} {trouble:?}: {} instances, {completed} completed, {failed} failed \
         ({} declined, {} lost), 0 lost; effects {} unique, duplicates deduplicated: {forward_duplicates} \
         of steps, {compensation_duplicates} of compensations; {hits} {verb} of {WORKERS} workers \
         (dice seed {seed}); stale commits refused: {stale_refused}; {:.1} s",
        ids.len(),
        fates.get(&Fate::Declined).copied().unwrap_or(0),
        fates.get(&Fate::Lost).copied().unwrap_or(0),
        runs.len(),
        began.elapsed().as_secs_f64(),
    );
    // On the real stderr: the harness captures what a passing test prints.
    {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{report}");
    }
    if trouble == Trouble::Stop {
        // A stopped worker had instances in flight; when it woke, their leases were others'.
        assert!(stale_refused > 0, "no stale commit was refused: {report}");
    }
    // About every 0.5 s for 15 s; a stop lasts 2.5 s of it.
    let least = match trouble {
        Trouble::Kill => 25,
        Trouble::Stop => 4,
    };
    assert!(hits >= least, "{report}");
    let _ = std::fs::remove_dir_all(&folder);
    engine.shutdown().await;
}
