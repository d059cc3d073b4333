//! Throughput of the SQL stores, beside the ceiling of the same server measured in the same
//! run.
//!
//! - PostgreSQL: steps per second of a 10-step flow with 64 instances in flight, against
//!   `pgbench` running the engine's own step commit (the compare-and-set update and the
//!   journal row, one statement) with 64 clients on the same server. Round trips per step
//!   are counted by the server (`pg_stat_database.xact_commit`: every statement the engine
//!   sends outside a transaction is one).
//! - SQLite: steps per second with `synchronous = FULL` and `NORMAL`, 1 and 64 instances in
//!   flight.
//!
//! `cargo bench -p flow-runtime --features sqlite,postgres --bench sql_throughput`
//! (`DATABASE_URL` names the server, `BENCH_SECONDS` the length of each run, 5 by default).

use std::process::Command;
use std::time::Duration;

mod common;

use common::{seconds, steps_per_second};
use flow_runtime::store::SqlStore;

async fn postgres(url: &str, length: Duration) {
    let admin = SqlStore::connect(url)
        .await
        .expect("PostgreSQL (set DATABASE_URL)");
    let pool = admin.postgres_pool().expect("a PostgreSQL store");
    let schema = format!("flow_bench_{}", std::process::id());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
    )))
    .execute(pool)
    .await
    .expect("a bench schema");
    let separator = if url.contains('?') { '&' } else { '?' };
    let bench_url = format!("{url}{separator}options[search_path]={schema}&max_connections=64");
    let store = SqlStore::connect(&bench_url)
        .await
        .expect("the bench schema");

    let commits_before = xact_commits(pool).await;
    let engine_rate = steps_per_second(store, 64, length).await;
    let commits_after = xact_commits(pool).await;
    let steps = engine_rate * length.as_secs_f64();

    // pgbench: the engine's step commit, against rows set up as leased instances.
    sqlx::raw_sql(
        "INSERT INTO flow_instances (id, flow, flow_version, state, status, attempt, step, \
         revision, context, cancelled, queries, fence, lease_owner, lease_expires_at, \
         journal_len, journal_seq) \
         SELECT 'bench-' || n, 'Ten', 1, 'S0', 'running', 1, 0, 0, '\\x7b7d', 0, 0, 1, 7, \
         9000000000000000, 0, 0 FROM generate_series(1, 6400) AS n",
    )
    .execute(
        &SqlStore::connect(&bench_url)
            .await
            .unwrap()
            .postgres_pool()
            .unwrap()
            .clone(),
    )
    .await
    .expect("bench rows");
    let script = std::env::temp_dir().join(format!("flow-bench-{}.sql", std::process::id()));
    std::fs::write(&script, PGBENCH_STEP).expect("write the pgbench script");
    let (host, port, user, database) = connection_parts(url);
    let output = Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-c", "64", "-j", "2"])
        .args(["-T", &length.as_secs().to_string()])
        .args(["-h", &host, "-p", &port, "-U", &user])
        .arg("-f")
        .arg(&script)
        .arg(&database)
        .env("PGOPTIONS", format!("-c search_path={schema}"))
        .output()
        .expect("run pgbench (Debian: postgresql-contrib)");
    let report = String::from_utf8_lossy(&output.stdout);
    let pgbench_tps = report
        .lines()
        .find(|line| line.starts_with("tps = "))
        .and_then(|line| line.split_whitespace().nth(2))
        .and_then(|number| number.parse::<f64>().ok())
        .unwrap_or_else(|| {
            panic!(
                "no tps in pgbench's report:\n{report}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    println!("postgres, 10-step flow, 64 in flight:");
    println!("    engine      {engine_rate:>10.0} steps/s");
    println!("    pgbench     {pgbench_tps:>10.0} step commits/s (same statement, 64 clients)");
    println!(
        "    ratio       {:>10.2} (target >= 0.5)",
        engine_rate / pgbench_tps
    );
    if let (Some(before), Some(after)) = (commits_before, commits_after) {
        println!(
            "    round trips {:>10.2} per step (server transactions / steps, start and end included)",
            (after - before) as f64 / steps
        );
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(pool)
        .await
        .expect("drop the bench schema");
}

/// The engine's step commit as pgbench runs it: the same update and journal row, one
/// statement.
const PGBENCH_STEP: &str = "\\set n random(1, 6400)
WITH updated AS (UPDATE flow_instances SET revision = revision + 1, state = 'S1', status = 'running', attempt = 1, step = step + 1, context = COALESCE(decode('7b7d', 'hex'), context), due_at = NULL, compensation_boundary = NULL, paused_from = NULL, cancelled = 0, queries = 0, error = NULL, request = CASE WHEN 0 = 1 THEN NULL ELSE request END, lease_owner = CASE WHEN 0 = 1 THEN NULL ELSE lease_owner END, lease_expires_at = CASE WHEN 0 = 1 OR lease_expires_at IS NULL THEN NULL ELSE 9000000000000000 END, journal_len = journal_len + 1, journal_seq = journal_seq + 1 WHERE id = 'bench-' || :n AND revision >= 0 AND quarantine IS NULL AND (CASE WHEN lease_expires_at IS NULL THEN 0 ELSE fence END) = 1 RETURNING id, revision, request, journal_len, journal_seq), journaled AS (INSERT INTO flow_journal (instance_id, seq, step, kind, compensable, entry) SELECT id, journal_seq, 0, 'step', 0, '{\"step\":0,\"kind\":\"step\",\"action\":\"noop\",\"instruction\":\"Done\",\"from\":\"S0\",\"to\":\"S1\",\"attempt\":1,\"compensable\": false,\"at\":{\"secs_since_epoch\":1,\"nanos_since_epoch\":0}}' FROM updated WHERE 1 = 1) SELECT revision, request, journal_len FROM updated;
";

async fn xact_commits(pool: &sqlx::PgPool) -> Option<i64> {
    // Statistics reach the view when a backend flushes them: ask for it first.
    let _ = sqlx::query("SELECT pg_stat_force_next_flush()")
        .execute(pool)
        .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    sqlx::query_scalar(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(pool)
    .await
    .ok()
}

/// Host, port, user and database of a `postgres://user@host:port/db` URL.
fn connection_parts(url: &str) -> (String, String, String, String) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split('?').next().unwrap_or(rest);
    let (user_info, rest) = rest.split_once('@').unwrap_or(("postgres", rest));
    let user = user_info.split(':').next().unwrap_or("postgres").to_owned();
    let (authority, database) = rest.split_once('/').unwrap_or((rest, "postgres"));
    let (host, port) = authority.split_once(':').unwrap_or((authority, "5432"));
    (host.to_owned(), port.to_owned(), user, database.to_owned())
}

async fn sqlite(length: Duration) {
    println!("sqlite, 10-step flow (a file, WAL):");
    for synchronous in ["full", "normal"] {
        for in_flight in [1, 64] {
            let path = std::env::temp_dir().join(format!(
                "flow-bench-{}-{synchronous}-{in_flight}.db",
                std::process::id()
            ));
            let url = format!("sqlite://{}?synchronous={synchronous}", path.display());
            let store = SqlStore::connect(&url).await.expect("a SQLite file");
            let rate = steps_per_second(store, in_flight, length).await;
            println!(
                "    synchronous = {synchronous:<6} {in_flight:>2} in flight {rate:>10.0} steps/s"
            );
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; this binary takes no other arguments.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let length = seconds();
    runtime.block_on(async {
        postgres(&url, length).await;
        sqlite(length).await;
    });
}
