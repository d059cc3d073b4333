//! Where the test servers are, and fresh, isolated stores on them.
//!
//! A test that needs a server it cannot reach fails under `CI=true`; elsewhere it says so
//! on stderr and passes, so `cargo test` works on a machine without PostgreSQL, and CI never
//! skips silently.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use flow_runtime::store::{RedisStore, SqlStore};

/// The PostgreSQL server tests use: `DATABASE_URL`, else the local default.
pub fn postgres_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Says on the real stderr (not the test harness's captured one, which a passing test
/// never shows) that a test did not run.
fn say_skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {why}");
}

/// Whether this run is CI, where a missing server fails the test.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}

/// A PostgreSQL store in a schema of its own (so tests running at once never see each
/// other's instances), or `None` when no server answers outside CI.
pub async fn fresh_postgres() -> Option<SqlStore> {
    let url = postgres_url();
    let schema = format!("flow_test_{}", unique_suffix());
    let admin = match SqlStore::connect(&url).await {
        Ok(store) => store,
        Err(error) => {
            if in_ci() {
                panic!("PostgreSQL is required under CI=true: {error} (set DATABASE_URL)");
            }
            say_skipped(&format!(
                "PostgreSQL test, no server: {error} (set DATABASE_URL to run it)"
            ));
            return None;
        }
    };
    let pool = admin.postgres_pool().expect("a PostgreSQL store");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(pool)
        .await
        .expect("create a test schema");
    let separator = if url.contains('?') { '&' } else { '?' };
    let isolated = format!("{url}{separator}options[search_path]={schema}");
    Some(
        SqlStore::connect(&isolated)
            .await
            .expect("connect to the test schema"),
    )
}

/// The Redis server tests use: `REDIS_URL`, else the local default.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A Redis store under a key prefix of its own (tests running at once never see each
/// other's instances), or `None` when no server answers outside CI.
pub async fn fresh_redis() -> Option<RedisStore> {
    let url = redis_url();
    let prefix = format!("flowtest{}", unique_suffix());
    match RedisStore::connect_with_prefix(&url, &prefix).await {
        Ok(store) => Some(store),
        Err(error) => {
            if in_ci() {
                panic!("Redis is required under CI=true: {error} (set REDIS_URL)");
            }
            say_skipped(&format!(
                "Redis test, no server: {error} (set REDIS_URL to run it)"
            ));
            None
        }
    }
}

/// A new SQLite file's URL in the system's temporary folder.
pub fn fresh_sqlite_url() -> String {
    format!("sqlite://{}", fresh_sqlite_path().display())
}

/// A new SQLite file's path in the system's temporary folder (not created yet).
pub fn fresh_sqlite_path() -> PathBuf {
    std::env::temp_dir().join(format!("flow-test-{}.db", unique_suffix()))
}

/// A fresh SQLite store in a new file.
pub async fn fresh_sqlite() -> SqlStore {
    SqlStore::connect(&fresh_sqlite_url())
        .await
        .expect("open a SQLite file")
}

/// Unique within the machine: the process id, a counter, and the time.
fn unique_suffix() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    format!(
        "{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
