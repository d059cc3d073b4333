//! The HTTP test server (`bin/http_server.rs`) as a child process on a fresh SQLite file,
//! with one token of each role, for the tests that drive it from outside: the dashboard's
//! HTTP checks and its browser test.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http_client::{Answer, request};
use crate::servers::fresh_sqlite_path;

/// The viewer token's secret.
pub const VIEWER: &str = "viewer-secret";
/// The service token's secret.
pub const SERVICE: &str = "service-secret";
/// The operator token's secret (its name, `rita`, is what the journal records).
pub const OPERATOR: &str = "operator-secret";

/// A running server process, stopped when dropped.
pub struct ApiServer {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
}

impl ApiServer {
    /// Starts the server at `program` (`env!("CARGO_BIN_EXE_http_server")`) and waits until
    /// it listens.
    pub fn start(program: &str) -> ApiServer {
        Self::spawn(program, None)
    }

    /// [`ApiServer::start`] with request bodies limited to `bytes`.
    pub fn start_with_body_limit(program: &str, bytes: usize) -> ApiServer {
        Self::spawn(program, Some(bytes))
    }

    fn spawn(program: &str, body_limit: Option<usize>) -> ApiServer {
        let url = format!("sqlite://{}", fresh_sqlite_path().display());
        let mut child = Command::new(program)
            .arg(&url)
            .args(body_limit.map(|bytes| bytes.to_string()))
            .env(
                "FLOW_HTTP_TOKENS",
                format!("dash:viewer:{VIEWER},intake:service:{SERVICE},rita:operator:{OPERATOR}"),
            )
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
        let stdout = child.stdout.take().expect("its output");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the server says where it listens");
        let address = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        ApiServer { child, address }
    }

    /// `GET path` with `token`.
    pub fn get(&self, path: &str, token: Option<&str>) -> Answer {
        request(&self.address, "GET", path, token, None)
    }

    /// `POST path` with `token` and a JSON `body`.
    pub fn post(&self, path: &str, token: Option<&str>, body: &str) -> Answer {
        request(&self.address, "POST", path, token, Some(body))
    }

    /// Starts a `Payout` of `amount` and waits until it needs a person: its send is refused
    /// and the first release of the hold fails, so an operator's retry is what undoes it.
    pub fn parked_payout(&self, amount: u64) -> String {
        let started = self.post(
            "/flows/Payout/instances",
            Some(SERVICE),
            &json!({ "data": { "amount": amount } }).to_string(),
        );
        assert_eq!(started.status, 201, "{}", started.body);
        let id = started.json()["instance"]
            .as_str()
            .expect("an instance id")
            .to_owned();
        self.until(&id, |instance| instance["status"] == "manual");
        id
    }

    /// Starts a `Review` of `amount`, waits until it waits for its reviewer, and returns its
    /// id.
    pub fn waiting_review(&self, amount: u64) -> String {
        let started = self.post(
            "/flows/Review/instances",
            Some(SERVICE),
            &json!({ "data": { "amount": amount } }).to_string(),
        );
        assert_eq!(started.status, 201, "{}", started.body);
        let id = started.json()["instance"]
            .as_str()
            .expect("an instance id")
            .to_owned();
        self.until(&id, |instance| instance["status"] == "waiting");
        id
    }

    /// The instance `id`, read as the viewer.
    pub fn instance(&self, id: &str) -> Value {
        let read = self.get(&format!("/instances/{id}"), Some(VIEWER));
        assert_eq!(read.status, 200, "{}", read.body);
        read.json()
    }

    /// Reads instance `id` until `done` holds of it (the worker drives started instances).
    pub fn until(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let instance = self.instance(id);
            if done(&instance) {
                return instance;
            }
            assert!(
                Instant::now() < deadline,
                "instance never got there: {instance}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
