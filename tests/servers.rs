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

/// The Redis Cluster tests use: `REDIS_CLUSTER_URL`, else the three local nodes `.ci/run`
/// starts (`.ci/redis-cluster.sh`).
pub fn redis_cluster_url() -> String {
    std::env::var("REDIS_CLUSTER_URL").unwrap_or_else(|_| {
        "redis+cluster://127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003".to_owned()
    })
}

/// A Redis Cluster store under a key prefix of its own, or `None` when no cluster answers
/// outside CI.
pub async fn fresh_redis_cluster() -> Option<RedisStore> {
    let url = redis_cluster_url();
    let prefix = format!("flowtest{}", unique_suffix());
    match RedisStore::connect_with_prefix(&url, &prefix).await {
        Ok(store) => Some(store),
        Err(error) => {
            if in_ci() {
                panic!(
                    "a Redis Cluster is required under CI=true: {error} (set REDIS_CLUSTER_URL, or run .ci/redis-cluster.sh)"
                );
            }
            say_skipped(&format!(
                "Redis Cluster test, no cluster: {error} (run .ci/redis-cluster.sh or set REDIS_CLUSTER_URL)"
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

/// A `redis-server` of a test's own, on a free loopback port, with its files in a folder of
/// its own: a test can kill and restart it without disturbing any other test.
pub struct PrivateRedis {
    port: u16,
    folder: PathBuf,
    settings: Vec<String>,
    /// Whether it serves TLS only, with the certificates in `folder`.
    tls: bool,
    server: std::process::Child,
}

impl PrivateRedis {
    /// Starts `redis-server` with `settings` (such as `--appendonly yes`), or `None` when it
    /// is not installed outside CI (under `CI=true` that fails the test).
    pub fn start(settings: &[&str]) -> Option<Self> {
        Self::start_serving(settings, false)
    }

    /// Starts `redis-server` serving TLS only (`rediss://`), with a certificate authority
    /// and a server certificate for 127.0.0.1 that `openssl` makes in its folder (see
    /// [`PrivateRedis::ca_file`]); `None` as [`PrivateRedis::start`].
    pub fn start_tls(settings: &[&str]) -> Option<Self> {
        Self::start_serving(settings, true)
    }

    /// The PEM file of the certificate authority that signed a TLS server's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.folder.join("ca.crt")
    }

    fn start_serving(settings: &[&str], tls: bool) -> Option<Self> {
        let installed = std::process::Command::new("redis-server")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        if !installed {
            if in_ci() {
                panic!("redis-server is required under CI=true (.ci/run installs it)");
            }
            say_skipped("private Redis test: no redis-server installed");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let folder = std::env::temp_dir().join(format!("flow-redis-{}", unique_suffix()));
        std::fs::create_dir_all(&folder).expect("create the server's folder");
        let mut settings: Vec<String> =
            settings.iter().map(|&setting| setting.to_owned()).collect();
        if tls {
            make_certificates(&folder);
            let file = |name: &str| folder.join(name).display().to_string();
            settings.extend([
                "--port".to_owned(),
                "0".to_owned(),
                "--tls-port".to_owned(),
                port.to_string(),
                "--tls-cert-file".to_owned(),
                file("server.crt"),
                "--tls-key-file".to_owned(),
                file("server.key"),
                "--tls-ca-cert-file".to_owned(),
                file("ca.crt"),
                "--tls-auth-clients".to_owned(),
                "no".to_owned(),
            ]);
        }
        let server = Self::spawn(port, &folder, &settings);
        let started = PrivateRedis {
            port,
            folder,
            settings,
            tls,
            server,
        };
        started.wait_ready();
        Some(started)
    }

    fn spawn(port: u16, folder: &std::path::Path, settings: &[String]) -> std::process::Child {
        std::process::Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .arg("--dir")
            .arg(folder)
            .args(settings)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start redis-server")
    }

    /// Its URL: `redis://127.0.0.1:PORT` (`rediss://` over TLS).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Kills the server with SIGKILL: no shutdown, no final save.
    pub fn kill(&mut self) {
        self.server.kill().expect("SIGKILL redis-server");
        self.server.wait().expect("reap redis-server");
    }

    /// Starts the server again on the same port, folder and settings, and waits until it
    /// answers (after loading what it kept on disk).
    pub fn restart(&mut self) {
        self.server = Self::spawn(self.port, &self.folder, &self.settings);
        self.wait_ready();
    }

    /// Waits until the server answers `PING` with `PONG` (not `LOADING`).
    fn wait_ready(&self) {
        use std::io::{Read, Write};
        for _ in 0..500 {
            if let Ok(mut connection) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                // A TLS server that listens is ready: its handshake is the test's to do.
                if self.tls {
                    return;
                }
                let mut answer = [0u8; 64];
                let _ = connection.set_read_timeout(Some(std::time::Duration::from_secs(1)));
                if connection.write_all(b"PING\r\n").is_ok()
                    && let Ok(read) = connection.read(&mut answer)
                    && answer[..read].starts_with(b"+PONG")
                {
                    return;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("redis-server on port {} did not answer", self.port);
    }
}

/// A certificate authority (`ca.crt`) and a server certificate for 127.0.0.1 it signed
/// (`server.crt`, `server.key`), made by `openssl` in `folder`.
fn make_certificates(folder: &std::path::Path) {
    let openssl = |args: &[&str]| {
        let run = std::process::Command::new("openssl")
            .args(args)
            .current_dir(folder)
            .output();
        match run {
            Ok(output) if output.status.success() => {}
            Ok(output) => panic!(
                "openssl {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(error) => panic!("openssl is needed for the TLS tests: {error}"),
        }
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=flow test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        folder.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .expect("write the certificate's extensions");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}
