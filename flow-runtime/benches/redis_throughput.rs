//! Throughput of the Redis store, beside the ceiling of the same server measured in the same
//! run.
//!
//! - Redis: steps per second of a 10-step flow with 64 instances in flight, against
//!   `redis-benchmark` running `EVALSHA` of the engine's own step-commit script (the same
//!   prelude and commit body, the same five keys and twenty arguments, over 6,400 leased
//!   records) with 64 clients on the same server. Round trips per step are counted by the
//!   server (`INFO commandstats`, before and after).
//! - Redis Cluster: the same engine run on the three-node cluster against the one server.
//!
//! `cargo bench -p flow-runtime --features redis-cluster --bench redis_throughput`
//! (`REDIS_URL` and `REDIS_CLUSTER_URL` name the servers, `BENCH_SECONDS` the length of each
//! run, 5 by default; the cluster run is left out when no cluster answers).

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

mod common;

use common::{seconds, steps_per_second};
use flow_runtime::store::RedisStore;

const IN_FLIGHT: usize = 64;

/// Records the `redis-benchmark` runs commit to, chosen at random per call: enough that no
/// record's journal reaches the cap (the engine's instances never do either, at 11 entries).
const BENCH_RECORDS: usize = 50_000;

/// The commands the store's scripts run (`redis.call` in `src/store/redis/*.lua`).
const SCRIPT_COMMANDS: &[&str] = &[
    "del", "exists", "hget", "hgetall", "hincrby", "hmget", "hset", "hsetnx", "llen", "lrange",
    "rpush", "sadd", "zadd", "zrem", "zscore",
];

/// Calls per command since the server started, from `INFO commandstats`.
async fn command_calls(
    connection: &mut redis::aio::MultiplexedConnection,
) -> BTreeMap<String, u64> {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(connection)
        .await
        .expect("INFO commandstats");
    info.lines()
        .filter_map(|line| {
            let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = stats
                .split(',')
                .find_map(|pair| pair.strip_prefix("calls="))?;
            Some((name.to_owned(), calls.parse().ok()?))
        })
        .collect()
}

/// `after - before` per command, the commands that ran at all.
fn calls_between(
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    after
        .iter()
        .filter_map(|(name, calls)| {
            let ran = calls - before.get(name).copied().unwrap_or(0);
            (ran > 0).then(|| (name.clone(), ran))
        })
        .collect()
}

/// The engine's commit script as the store sends it: the shared prelude, then the commit,
/// with the expected revision read from the record first (one `HGET`) so that every call
/// of the benchmark commits instead of failing its compare-and-set.
fn bench_script() -> String {
    format!(
        "{}\nARGV[2] = redis.call('HGET', KEYS[1], 'revision') or '0'\n{}",
        include_str!("../src/store/redis/prelude.lua"),
        include_str!("../src/store/redis/commit.lua")
    )
}

/// Sets up `BENCH_RECORDS` leased records under `bench:`, without journals, and loads the
/// script: its SHA.
async fn prepare_redis_benchmark(connection: &mut redis::aio::MultiplexedConnection) -> String {
    clean(connection, "bench:*").await;
    let far = "9000000000000000";
    let mut pipeline = redis::pipe();
    for n in 0..BENCH_RECORDS {
        pipeline
            .hset_multiple(
                format!("bench:rec:{n:012}"),
                &[
                    ("id", format!("bench-{n}")),
                    ("flow", "Ten".into()),
                    ("flow_version", "1".into()),
                    ("state", "S0".into()),
                    ("status", "running".into()),
                    ("revision", "0".into()),
                    ("fence", "1".into()),
                    ("lease_owner", "7".into()),
                    ("lease_expires_at", far.into()),
                ],
            )
            .ignore();
    }
    let _: () = pipeline
        .query_async(connection)
        .await
        .expect("bench records");
    redis::cmd("SCRIPT")
        .arg("LOAD")
        .arg(bench_script())
        .query_async(connection)
        .await
        .expect("SCRIPT LOAD")
}

/// `redis-benchmark` running the commit script with 64 clients, `pipeline` calls in flight
/// on each, for about `length`: calls per second, and the calls made.
fn redis_benchmark(
    host: &str,
    port: &str,
    sha: &str,
    length: Duration,
    guess: f64,
    pipeline: u32,
) -> (f64, u64) {
    let journal_entry = r#"{"step":3,"kind":"step","action":"noop","instruction":"Done","from":"S3","to":"S4","attempt":1,"compensable":false,"at":{"secs_since_epoch":1764590000,"nanos_since_epoch":123456789}}"#;
    let context = r#"{"data":{"counter":4},"labels":{}}"#;
    // About `length` of calls at the expected rate: long enough to settle.
    let requests = ((guess * length.as_secs_f64()) as u64).max(50_000);
    let output = Command::new("redis-benchmark")
        .args(["-h", host, "-p", port, "-c", "64", "-r"])
        .arg(BENCH_RECORDS.to_string())
        .args([
            "-n",
            &requests.to_string(),
            "-P",
            &pipeline.to_string(),
            "--csv",
        ])
        .args(["EVALSHA", sha, "5"])
        .args([
            "bench:rec:__rand_int__",
            "bench:jrn:__rand_int__",
            "bench:due",
            "bench:leases",
            "bench:status",
        ])
        .args([
            "bench-1",
            "0",
            "1",
            "S4",
            "running",
            "1",
            "4",
            "1",
            context,
            "",
            "",
            "",
            "0",
            "0",
            "",
            "0",
            "0",
            "9000000000000000",
            journal_entry,
            "256",
        ])
        .output()
        .expect("run redis-benchmark (Debian: redis-tools)");
    let report = String::from_utf8_lossy(&output.stdout);
    // CSV: a header, then `"EVALSHA ...","rps",` and six latencies; the command itself
    // holds commas (the JSON arguments), so the rate is the seventh field from the end.
    report
        .lines()
        .nth(1)
        .and_then(|line| line.rsplit(',').nth(6))
        .and_then(|field| field.trim_matches('"').parse::<f64>().ok())
        .map(|rate| (rate, requests))
        .unwrap_or_else(|| {
            panic!(
                "no rate in redis-benchmark's report:\n{report}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

/// The commits the benchmark made: the revisions of its records, summed.
async fn bench_commits(connection: &mut redis::aio::MultiplexedConnection) -> u64 {
    let mut pipeline = redis::pipe();
    for n in 0..BENCH_RECORDS {
        pipeline.hget(format!("bench:rec:{n:012}"), "revision");
    }
    let revisions: Vec<u64> = pipeline
        .query_async(connection)
        .await
        .expect("the bench records' revisions");
    revisions.iter().sum()
}

/// Host and port of a `redis://host:port[/db]` URL.
fn host_and_port(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let (host, port) = authority.split_once(':').unwrap_or((authority, "6379"));
    (host.to_owned(), port.to_owned())
}

async fn single_server(url: &str, length: Duration) -> f64 {
    let prefix = format!("flowbench{}", std::process::id());
    let store = RedisStore::connect_with_prefix(url, &prefix)
        .await
        .expect("Redis (set REDIS_URL)");
    let client = redis::Client::open(url).expect("a Redis URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("a connection");

    let before = command_calls(&mut connection).await;
    let engine_rate = steps_per_second(store, IN_FLIGHT, length).await;
    let after = command_calls(&mut connection).await;
    let steps = engine_rate * length.as_secs_f64();
    let engine_calls = calls_between(&before, &after);

    let sha = prepare_redis_benchmark(&mut connection).await;
    let (host, port) = host_and_port(url);
    let (ceiling, calls) = redis_benchmark(&host, &port, &sha, length, engine_rate, 1);
    let committed = bench_commits(&mut connection).await;
    let sha = prepare_redis_benchmark(&mut connection).await;
    // The engine's connection is multiplexed: its 64 instances' commits share one socket,
    // several in flight at once. `-P 16` is the server's ceiling with that advantage too.
    let (pipelined, pipelined_calls) =
        redis_benchmark(&host, &port, &sha, length, engine_rate * 4.0, 16);
    let pipelined_committed = bench_commits(&mut connection).await;

    println!("redis, 10-step flow, {IN_FLIGHT} in flight:");
    println!("    engine          {engine_rate:>10.0} steps/s");
    println!("    redis-benchmark {ceiling:>10.0} EVALSHA/s (the commit script, 64 clients)");
    println!(
        "    ratio           {:>10.2} (target >= 0.5)",
        engine_rate / ceiling
    );
    println!("    redis-benchmark {pipelined:>10.0} EVALSHA/s (the same, 16 pipelined per client)");
    println!(
        "    ratio           {:>10.2} (against the pipelined ceiling)",
        engine_rate / pipelined
    );
    println!(
        "    (redis-benchmark: {committed} of {calls} and {pipelined_committed} of {pipelined_calls} calls committed a step)"
    );
    // `INFO commandstats` counts the commands a script runs too: those are not round trips.
    let (inside, sent): (Vec<_>, Vec<_>) = engine_calls
        .iter()
        .filter(|(name, _)| name.as_str() != "info")
        .partition(|(name, _)| SCRIPT_COMMANDS.contains(&name.as_str()));
    let round_trips: u64 = sent.iter().map(|(_, calls)| **calls).sum();
    println!(
        "    round trips     {:>10.3} per step (commands sent / steps, start and end included)",
        round_trips as f64 / steps
    );
    for (name, calls) in sent {
        println!("        {name:<14} {:>7.3} per step", *calls as f64 / steps);
    }
    let inside: Vec<String> = inside
        .iter()
        .map(|(name, calls)| format!("{name} {:.2}", **calls as f64 / steps))
        .collect();
    println!("    inside scripts  {} (per step)", inside.join(", "));
    clean(&mut connection, &format!("{prefix}:*")).await;
    clean(&mut connection, "bench:*").await;
    engine_rate
}

async fn clean(connection: &mut redis::aio::MultiplexedConnection, pattern: &str) {
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(pattern)
        .query_async(connection)
        .await
        .unwrap_or_default();
    for chunk in keys.chunks(500) {
        let _: Result<(), _> = redis::cmd("DEL").arg(chunk).query_async(connection).await;
    }
}

async fn cluster(url: &str, length: Duration, single_rate: f64) {
    let prefix = format!("flowbench{}", std::process::id());
    let store = match RedisStore::connect_with_prefix(url, &prefix).await {
        Ok(store) => store,
        Err(error) => {
            println!("redis cluster: not measured ({error}; run .ci/redis-cluster.sh)");
            return;
        }
    };
    let rate = steps_per_second(store, IN_FLIGHT, length).await;
    let nodes = url.trim_start_matches("redis+cluster://").split(',');
    for node in nodes {
        if let Ok(client) = redis::Client::open(format!("redis://{node}"))
            && let Ok(mut connection) = client.get_multiplexed_async_connection().await
        {
            clean_each(&mut connection, &format!("{prefix}:*")).await;
        }
    }
    println!("redis cluster, 10-step flow, {IN_FLIGHT} in flight, one engine process:");
    println!("    3 nodes         {rate:>10.0} steps/s");
    println!("    1 node          {single_rate:>10.0} steps/s (the run above)");
    println!("    ratio           {:>10.2}", rate / single_rate);
}

/// Deletes keys one by one: a cluster node refuses a `DEL` of keys in several slots.
async fn clean_each(connection: &mut redis::aio::MultiplexedConnection, pattern: &str) {
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(pattern)
        .query_async(connection)
        .await
        .unwrap_or_default();
    for key in keys {
        let _: Result<(), _> = redis::cmd("DEL").arg(key).query_async(connection).await;
    }
}

fn main() {
    // `cargo bench` passes `--bench`; this binary takes no other arguments.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let cluster_url = std::env::var("REDIS_CLUSTER_URL").unwrap_or_else(|_| {
        "redis+cluster://127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003".to_owned()
    });
    let length = seconds();
    runtime.block_on(async {
        let single_rate = single_server(&url, length).await;
        cluster(&cluster_url, length, single_rate).await;
    });
}
