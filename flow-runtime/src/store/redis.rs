//! Instances in Redis: the fast shared store, for many engine processes.
//!
//! Every change of an instance is one Lua script (compare-and-set on the revision and the
//! lease's fencing token, the journal entry with its cap, the due-queue, the lease and
//! status indexes, the operator request back): one round trip, atomic. Scripts run by
//! `EVALSHA` and are loaded again when the server answers `NOSCRIPT`.
//!
//! Keys are spread over 16 shards, each with its own hash tag (`{flow:7}`): an instance's
//! hash and journal and its shard's due-queue and indexes share one slot, so a script only
//! touches one slot, and a Redis Cluster spreads the shards over its nodes. Flow definitions
//! have a hash tag of their own (see `definitions`).

mod cluster_url;
mod connection;
mod definitions;
mod listing;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use flow_core::InstanceId;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script, Value};

use connection::RedisConnection;

use super::stored::{
    StoredFields, Undecodable, entry_json, error_json, flag, handed_back_request, micros, signed,
};
use super::url::redact_password;
use super::{
    Commit, CommitAck, InstanceQuery, InstanceRecord, InstanceSummary, Lease, PendingRequest,
    Store, StoreError, StoredDefinition,
};
use crate::outcome::Status;

/// Shards of the keyspace: each a hash tag of its own.
const SHARDS: u64 = 16;

/// Prepends the shared functions to a script.
macro_rules! script {
    ($file:literal) => {
        concat!(
            include_str!("redis/prelude.lua"),
            "\n",
            include_str!(concat!("redis/", $file))
        )
    };
}

/// The scripts, compiled once per store.
struct Scripts {
    insert: Script,
    commit: Script,
    acquire: Script,
    claim_due: Script,
    claim_orphan: Script,
    release: Script,
    renew: Script,
    load: Script,
    quarantine: Script,
    request: Script,
    /// Without the prelude: it touches definition keys, not an instance's.
    save_definition: Script,
}

impl Scripts {
    fn new() -> Self {
        Self {
            insert: Script::new(script!("insert.lua")),
            commit: Script::new(script!("commit.lua")),
            acquire: Script::new(script!("acquire.lua")),
            claim_due: Script::new(script!("claim_due.lua")),
            claim_orphan: Script::new(script!("claim_orphan.lua")),
            release: Script::new(script!("release.lua")),
            renew: Script::new(script!("renew.lua")),
            load: Script::new(script!("load.lua")),
            quarantine: Script::new(script!("quarantine.lua")),
            request: Script::new(script!("request.lua")),
            save_definition: Script::new(include_str!("redis/save_definition.lua")),
        }
    }
}

/// A store in Redis. See the [module docs](crate::store) for the shared semantics.
pub struct RedisStore {
    connection: RedisConnection,
    /// Boxed: the scripts with their hashes would make every `AnyStore` that large.
    scripts: Box<Scripts>,
    prefix: String,
    url: String,
}

/// The keys of one instance and its shard, in the order the scripts take them.
struct Keys {
    record: String,
    journal: String,
    due: String,
    leases: String,
    status: String,
}

fn redis_error(error: redis::RedisError) -> StoreError {
    StoreError::Backend(error.to_string())
}

impl RedisStore {
    /// Opens the Redis server `url` names (`redis://[user:password@]host:port[/db]`, or
    /// `rediss://` over TLS with the `redis-tls` feature, trusting the system's certificate
    /// authorities or only those in the PEM file of `?tls_ca_file=PATH`), with keys under
    /// `flow`, or under the URL's `?prefix=NAME`. Warns when the server keeps nothing on
    /// disk: a restart would lose every instance.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let (url, prefix) = split_prefix(url);
        Self::connect_with_prefix(&url, &prefix).await
    }

    /// [`RedisStore::connect`] with keys under `prefix` (several engines, or tests, can
    /// share one server without seeing each other's instances).
    pub async fn connect_with_prefix(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let redacted = redact_password(url);
        let connect_error = |reason: String| StoreError::Connect {
            url: redacted.clone(),
            reason,
        };
        let mut connection = if cluster_url::is_cluster(url) {
            connect_cluster(url).await
        } else {
            connect_single(url).await
        }
        .map_err(connect_error)?;
        let pong: String = redis::cmd("PING")
            .query_async(&mut connection)
            .await
            .map_err(|error| connect_error(error.to_string()))?;
        debug_assert_eq!(pong, "PONG");
        warn_without_persistence(&mut connection, &redacted).await;
        Ok(Self {
            connection,
            scripts: Box::new(Scripts::new()),
            prefix: prefix.to_owned(),
            url: redacted,
        })
    }

    /// The store's URL, without its password.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the server keeps on disk, that is what of the instances survives its restart
    /// (the store warns at connect when it is nothing).
    pub async fn persistence(&self) -> Result<Persistence, StoreError> {
        persistence(&mut self.connection.clone()).await
    }

    /// The key of `id`'s record hash, for tools that inspect what is stored.
    pub fn record_key(&self, id: InstanceId) -> String {
        self.keys(id).record
    }

    fn shard_tag(&self, shard: u64) -> String {
        format!("{}:{{{}:{shard}}}", self.prefix, self.prefix)
    }

    fn keys(&self, id: InstanceId) -> Keys {
        self.shard_keys(id.seed() % SHARDS, Some(id))
    }

    fn shard_keys(&self, shard: u64, id: Option<InstanceId>) -> Keys {
        let tag = self.shard_tag(shard);
        let id = id.map(|id| id.to_string()).unwrap_or_default();
        Keys {
            record: format!("{tag}:rec:{id}"),
            journal: format!("{tag}:jrn:{id}"),
            due: format!("{tag}:due"),
            leases: format!("{tag}:leases"),
            status: format!("{tag}:status"),
        }
    }

    /// Runs `script` over the keys of `id` with `args`.
    async fn run(
        &self,
        script: &Script,
        id: InstanceId,
        args: &[Vec<u8>],
    ) -> Result<Value, StoreError> {
        let keys = self.keys(id);
        let mut invocation = script.prepare_invoke();
        invocation
            .key(&keys.record)
            .key(&keys.journal)
            .key(&keys.due)
            .key(&keys.leases)
            .key(&keys.status)
            .arg(id.to_string());
        for arg in args {
            invocation.arg(arg.as_slice());
        }
        let mut connection = self.connection.clone();
        invocation
            .invoke_async(&mut connection)
            .await
            .map_err(redis_error)
    }

    async fn quarantine(&self, id: InstanceId, undecodable: &Undecodable) {
        tracing::error!(instance = %undecodable.id, reason = %undecodable.reason, store = %self.url, "stored record cannot be decoded; quarantined");
        let args = [undecodable.reason.clone().into_bytes()];
        if let Err(error) = self.run(&self.scripts.quarantine, id, &args).await {
            tracing::error!(instance = %id, %error, "quarantining a record failed");
        }
    }

    /// Claims, through `script`, the candidates of every shard in `candidates` order.
    async fn claim_each(
        &self,
        script: &Script,
        candidates: Vec<(f64, InstanceId)>,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        let mut claimed = Vec::new();
        for (_, id) in candidates {
            if claimed.len() >= limit {
                break;
            }
            let args = [
                micros(now).to_string().into_bytes(),
                signed(owner).to_string().into_bytes(),
                micros(now + ttl).to_string().into_bytes(),
            ];
            let answer = self.run(script, id, &args).await?;
            if let Some(record) = self.record_answer(id, array(answer)).await?
                && let Some(lease) = record.lease
            {
                claimed.push((record, lease));
            }
        }
        Ok(claimed)
    }

    /// The record of an `{'ok', {hash, journal}}` answer; `None` for other answers.
    async fn record_answer(
        &self,
        id: InstanceId,
        parts: Vec<Value>,
    ) -> Result<Option<InstanceRecord>, StoreError> {
        match parts.first().map(text).as_deref() {
            Some("ok") => Ok(self.decoded(id, parts).await.ok()),
            _ => Ok(None),
        }
    }

    /// The record in the second part of an answer, quarantined when it cannot be read.
    async fn decoded(
        &self,
        id: InstanceId,
        parts: Vec<Value>,
    ) -> Result<InstanceRecord, Undecodable> {
        let record = parts.into_iter().nth(1).map(array).unwrap_or_default();
        let decoded = decode_record(id, record);
        if let Err(undecodable) = &decoded {
            self.quarantine(id, undecodable).await;
        }
        decoded
    }

    /// Up to `limit` ids per shard from the sorted set `key_of(shard)` scored at most
    /// `now`, merged, earliest first.
    async fn candidates(
        &self,
        key_of: impl Fn(&Keys) -> &String,
        now: SystemTime,
        limit: usize,
    ) -> Result<Vec<(f64, InstanceId)>, StoreError> {
        let mut connection = self.connection.clone();
        let mut found: Vec<(f64, InstanceId)> = Vec::new();
        for shard in 0..SHARDS {
            let keys = self.shard_keys(shard, None);
            let entries: Vec<(String, f64)> = connection
                .zrangebyscore_limit_withscores(
                    key_of(&keys),
                    "-inf",
                    micros(now),
                    0,
                    limit as isize,
                )
                .await
                .map_err(redis_error)?;
            found.extend(
                entries
                    .into_iter()
                    .filter_map(|(id, score)| Some((score, id.parse::<InstanceId>().ok()?))),
            );
        }
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        Ok(found)
    }
}

/// How long connecting may take before the store reports the server as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One server: a plain connection first, without the manager's reconnect loop, so that a
/// refused connection or a rejected password is reported at once, in the server's words;
/// then the reconnecting manager the store keeps.
async fn connect_single(url: &str) -> Result<RedisConnection, String> {
    let (url, ca_file) = take_parameter(url, "tls_ca_file");
    let client = open_client(&url, ca_file.as_deref())?;
    tokio::time::timeout(CONNECT_TIMEOUT, client.get_multiplexed_async_connection())
        .await
        .map_err(|_| format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()))?
        .map_err(|error| error.to_string())?;
    let manager = tokio::time::timeout(CONNECT_TIMEOUT, ConnectionManager::new(client))
        .await
        .map_err(|_| format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()))?
        .map_err(|error| error.to_string())?;
    Ok(RedisConnection::Single(manager))
}

/// A Redis Cluster (`redis+cluster://[user:password@]host:port,host:port,...`): the client
/// learns the slot map from the first node that answers and follows it when it moves.
#[cfg(feature = "redis-cluster")]
async fn connect_cluster(url: &str) -> Result<RedisConnection, String> {
    let nodes = cluster_url::nodes(url)?;
    let client = redis::cluster::ClusterClientBuilder::new(nodes)
        .connection_timeout(CONNECT_TIMEOUT)
        .build()
        .map_err(|error| error.to_string())?;
    let connection = tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_connection())
        .await
        .map_err(|_| format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()))?
        .map_err(|error| error.to_string())?;
    Ok(RedisConnection::Cluster(connection))
}

/// A Redis Cluster needs the `redis-cluster` feature.
#[cfg(not(feature = "redis-cluster"))]
async fn connect_cluster(url: &str) -> Result<RedisConnection, String> {
    // Parsed anyway: a malformed URL is reported as such, whatever the build.
    cluster_url::nodes(url)?;
    Err(
        "Redis Cluster (`redis+cluster://`) needs the `redis-cluster` feature of flow-runtime"
            .to_owned(),
    )
}

/// The URL without its `prefix=` query parameter, and that prefix (`flow` when absent).
fn split_prefix(url: &str) -> (String, String) {
    let (url, prefix) = take_parameter(url, "prefix");
    (url, prefix.unwrap_or_else(|| "flow".to_owned()))
}

/// The URL without its query parameter `name`, and that parameter's value when not empty.
fn take_parameter(url: &str, name: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut value = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some((key, found)) if key == name => {
                if !found.is_empty() {
                    value = Some(found.to_owned());
                }
                false
            }
            _ => !pair.is_empty(),
        })
        .collect();
    if rest.is_empty() {
        (base.to_owned(), value)
    } else {
        (format!("{base}?{}", rest.join("&")), value)
    }
}

/// The client of `url`; over TLS (`rediss://`) it trusts the system's certificate
/// authorities, or only those in the PEM file `ca_file`.
#[cfg(feature = "redis-tls")]
fn open_client(url: &str, ca_file: Option<&str>) -> Result<redis::Client, String> {
    let Some(path) = ca_file else {
        return redis::Client::open(url).map_err(|error| error.to_string());
    };
    let root_cert = std::fs::read(path)
        .map_err(|error| format!("cannot read the certificate authorities `{path}`: {error}"))?;
    let certificates = redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(root_cert),
    };
    redis::Client::build_with_tls(url, certificates).map_err(|error| error.to_string())
}

/// The client of `url`; TLS needs the `redis-tls` feature.
#[cfg(not(feature = "redis-tls"))]
fn open_client(url: &str, ca_file: Option<&str>) -> Result<redis::Client, String> {
    if url.starts_with("rediss://") || ca_file.is_some() {
        return Err(
            "TLS (`rediss://`, `tls_ca_file=`) needs the `redis-tls` feature of flow-runtime"
                .to_owned(),
        );
    }
    redis::Client::open(url).map_err(|error| error.to_string())
}

/// Warns when the server would lose every instance on a restart. Says nothing when the
/// server does not answer `CONFIG GET` (managed services often rename it).
async fn warn_without_persistence(connection: &mut RedisConnection, url: &str) {
    if let Ok(Persistence::None) = persistence(connection).await {
        tracing::warn!(store = %url, "Redis keeps nothing on disk (appendonly no, no save points): a restart of the server loses every instance; set `appendonly yes` and `appendfsync always` for durable flows");
    }
}

/// What a Redis server keeps on disk, from `CONFIG GET appendonly` and `CONFIG GET save`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persistence {
    /// An append-only file (`appendonly yes`): with `appendfsync always`, every commit
    /// acknowledged survives a crash of the server.
    AppendOnly,
    /// Only snapshots (`save` points): a restart loses the commits since the last one.
    Snapshots,
    /// Nothing: a restart loses every instance.
    None,
}

impl Persistence {
    /// From the values of the `appendonly` and `save` settings.
    fn from_config(appendonly: &str, save: &str) -> Self {
        if appendonly.eq_ignore_ascii_case("yes") {
            Persistence::AppendOnly
        } else if !save.trim().is_empty() {
            Persistence::Snapshots
        } else {
            Persistence::None
        }
    }
}

async fn persistence(connection: &mut RedisConnection) -> Result<Persistence, StoreError> {
    let mut setting = async |name: &str| -> Result<String, StoreError> {
        let pair: Vec<String> = redis::cmd("CONFIG")
            .arg("GET")
            .arg(name)
            .query_async(connection)
            .await
            .map_err(redis_error)?;
        Ok(pair.into_iter().nth(1).unwrap_or_default())
    };
    let appendonly = setting("appendonly").await?;
    let save = setting("save").await?;
    Ok(Persistence::from_config(&appendonly, &save))
}

fn array(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Nil => Vec::new(),
        other => vec![other],
    }
}

fn bytes(value: &Value) -> Vec<u8> {
    match value {
        Value::BulkString(bytes) => bytes.clone(),
        Value::SimpleString(text) => text.clone().into_bytes(),
        Value::Int(number) => number.to_string().into_bytes(),
        _ => Vec::new(),
    }
}

fn text(value: &Value) -> String {
    String::from_utf8_lossy(&bytes(value)).into_owned()
}

/// Decodes `{hash fields and values, journal entries}` into a record.
fn decode_record(id: InstanceId, parts: Vec<Value>) -> Result<InstanceRecord, Undecodable> {
    let mut parts = parts.into_iter();
    let hash = parts.next().map(array).unwrap_or_default();
    let journal: Vec<String> = parts
        .next()
        .map(array)
        .unwrap_or_default()
        .iter()
        .map(text)
        .collect();
    let mut fields: HashMap<String, Vec<u8>> = HashMap::new();
    let mut hash = hash.into_iter();
    while let (Some(name), Some(value)) = (hash.next(), hash.next()) {
        fields.insert(text(&name), bytes(&value));
    }
    let fail = |what: &str, reason: String| Undecodable {
        id: id.to_string(),
        reason: format!("{what}: {reason}"),
    };
    let string = |name: &str| -> Result<String, Undecodable> {
        let raw = fields
            .get(name)
            .ok_or_else(|| fail(name, "missing".into()))?;
        String::from_utf8(raw.clone()).map_err(|error| fail(name, error.to_string()))
    };
    let optional = |name: &str| -> Result<Option<String>, Undecodable> {
        match fields.get(name) {
            None => Ok(None),
            Some(raw) if raw.is_empty() => Ok(None),
            Some(raw) => String::from_utf8(raw.clone())
                .map(Some)
                .map_err(|error| fail(name, error.to_string())),
        }
    };
    let number = |name: &str| -> Result<i64, Undecodable> {
        let value = string(name)?;
        value
            .parse()
            .map_err(|_| fail(name, format!("`{value}` is not a number")))
    };
    let optional_number = |name: &str| -> Result<Option<i64>, Undecodable> {
        optional(name)?
            .map(|value| {
                value
                    .parse()
                    .map_err(|_| fail(name, format!("`{value}` is not a number")))
            })
            .transpose()
    };
    StoredFields {
        id: string("id")?,
        flow: string("flow")?,
        flow_version: number("flow_version")?,
        definition: optional("definition")?,
        state: string("state")?,
        status: string("status")?,
        attempt: number("attempt")?,
        step: number("step")?,
        revision: number("revision")?,
        context: fields.get("context").cloned().unwrap_or_default(),
        due_at: optional_number("due_at")?,
        compensation_boundary: optional_number("compensation_boundary")?,
        paused_from: optional("paused_from")?,
        cancelled: number("cancelled")?,
        queries: number("queries")?,
        request: optional("request")?,
        error: optional("error")?,
        fence: number("fence")?,
        lease_owner: optional_number("lease_owner")?,
        lease_expires_at: optional_number("lease_expires_at")?,
        journal: journal.join(","),
    }
    .decode()
}

/// An optional number as a script argument: empty when absent.
fn optional_arg(value: Option<i64>) -> Vec<u8> {
    value
        .map(|value| value.to_string())
        .unwrap_or_default()
        .into_bytes()
}

fn arg(value: impl ToString) -> Vec<u8> {
    value.to_string().into_bytes()
}

impl Store for RedisStore {
    fn keeps_running_context(&self) -> bool {
        true
    }

    async fn insert(
        &self,
        mut record: InstanceRecord,
        now: SystemTime,
        lease_to: Option<(u64, Duration)>,
    ) -> Result<Option<Lease>, StoreError> {
        let lease = lease_to.map(|(owner, ttl)| Lease::first(owner, now, ttl));
        record.lease = lease;
        let fields: Vec<(&str, Vec<u8>)> = vec![
            ("id", arg(record.id)),
            ("flow", arg(&record.flow)),
            ("flow_version", arg(record.flow_version)),
            ("state", arg(&record.state)),
            ("status", arg(record.status.name())),
            ("attempt", arg(record.attempt)),
            ("step", arg(signed(record.step))),
            ("revision", arg(signed(record.revision))),
            ("context", record.context.clone()),
            ("due_at", optional_arg(record.due_at.map(micros))),
            (
                "compensation_boundary",
                optional_arg(record.compensation_boundary.map(signed)),
            ),
            (
                "paused_from",
                record.paused_from.map(Status::name).unwrap_or("").into(),
            ),
            ("cancelled", arg(flag(record.cancelled))),
            ("queries", arg(record.queries)),
            (
                "request",
                record
                    .request
                    .as_ref()
                    .map(PendingRequest::stored)
                    .unwrap_or_default()
                    .into_bytes(),
            ),
            (
                "error",
                record
                    .error
                    .as_ref()
                    .map(error_json)
                    .unwrap_or_default()
                    .into_bytes(),
            ),
            ("fence", arg(lease.map_or(0, |lease| signed(lease.token)))),
            (
                "lease_owner",
                optional_arg(lease.map(|lease| signed(lease.owner))),
            ),
            (
                "lease_expires_at",
                optional_arg(lease.map(|lease| micros(lease.expires_at))),
            ),
            ("quarantine", Vec::new()),
            (
                "definition",
                record.definition.as_deref().unwrap_or("").into(),
            ),
        ];
        let mut args = vec![arg(fields.len() * 2)];
        for (name, value) in fields {
            args.push(name.as_bytes().to_vec());
            args.push(value);
        }
        args.extend(
            record
                .journal
                .iter()
                .map(|entry| entry_json(entry).into_bytes()),
        );
        let answer = self.run(&self.scripts.insert, record.id, &args).await?;
        if text(&answer) == "exists" {
            return Err(StoreError::AlreadyExists(record.id));
        }
        Ok(lease)
    }

    async fn load(&self, id: InstanceId) -> Result<Option<InstanceRecord>, StoreError> {
        let answer = array(self.run(&self.scripts.load, id, &[]).await?);
        match answer.first().map(text).as_deref() {
            Some("missing") => Ok(None),
            Some("quarantined") => Err(StoreError::Quarantined {
                instance: id,
                reason: answer.get(1).map(text).unwrap_or_default(),
            }),
            _ => match self.decoded(id, answer).await {
                Ok(record) => Ok(Some(record)),
                Err(undecodable) => Err(StoreError::Quarantined {
                    instance: id,
                    reason: undecodable.reason,
                }),
            },
        }
    }

    async fn commit(&self, commit: Commit) -> Result<CommitAck, StoreError> {
        let args = [
            arg(commit.expected_revision),
            arg(commit.lease_token),
            arg(&commit.state),
            arg(commit.status.name()),
            arg(commit.attempt),
            arg(commit.step),
            arg(flag(commit.context.is_some())),
            commit.context.clone().unwrap_or_default(),
            optional_arg(commit.due_at.map(micros)),
            optional_arg(commit.compensation_boundary.map(signed)),
            commit.paused_from.map(Status::name).unwrap_or("").into(),
            arg(flag(commit.cancelled)),
            arg(commit.queries),
            commit
                .error
                .as_ref()
                .map(error_json)
                .unwrap_or_default()
                .into_bytes(),
            arg(flag(commit.clear_request)),
            arg(flag(commit.release_lease)),
            arg(micros(commit.lease_expires_at)),
            commit
                .journal
                .as_ref()
                .map(entry_json)
                .unwrap_or_default()
                .into_bytes(),
            arg(commit.journal_cap),
        ];
        let answer = array(self.run(&self.scripts.commit, commit.id, &args).await?);
        let word = |index: usize| answer.get(index).map(text).unwrap_or_default();
        match word(0).as_str() {
            "ok" => match handed_back_request(commit.id, Some(&word(2))) {
                Ok(request) => Ok(CommitAck {
                    revision: word(1).parse().unwrap_or(0),
                    request,
                }),
                // The commit is in; what an operator asked cannot be read, so the engine
                // must not go on as if nobody had asked: set the instance aside.
                Err(undecodable) => {
                    self.quarantine(commit.id, &undecodable).await;
                    Err(StoreError::Quarantined {
                        instance: commit.id,
                        reason: undecodable.reason,
                    })
                }
            },
            "missing" => Err(StoreError::NotFound(commit.id)),
            "quarantined" => Err(StoreError::Quarantined {
                instance: commit.id,
                reason: word(1),
            }),
            "fenced" => Err(StoreError::Fenced {
                instance: commit.id,
                given: commit.lease_token,
                current: word(1).parse().unwrap_or(0),
            }),
            "conflict" => Err(StoreError::Conflict {
                instance: commit.id,
                expected: commit.expected_revision,
                found: word(1).parse().unwrap_or(0),
            }),
            other => Err(StoreError::Backend(format!(
                "unexpected answer `{other}` to a commit"
            ))),
        }
    }

    async fn acquire(
        &self,
        id: InstanceId,
        owner: u64,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Option<(InstanceRecord, Lease)>, StoreError> {
        let args = [arg(micros(now)), arg(signed(owner)), arg(micros(now + ttl))];
        let parts = array(self.run(&self.scripts.acquire, id, &args).await?);
        match parts.first().map(text).as_deref() {
            Some("missing") => Err(StoreError::NotFound(id)),
            Some("busy") => Ok(None),
            Some("quarantined") => Err(StoreError::Quarantined {
                instance: id,
                reason: parts.get(1).map(text).unwrap_or_default(),
            }),
            _ => match self.decoded(id, parts).await {
                Ok(record) => {
                    let lease = record.lease.ok_or_else(|| {
                        StoreError::Backend(format!("instance `{id}` was leased without a lease"))
                    })?;
                    Ok(Some((record, lease)))
                }
                Err(undecodable) => Err(StoreError::Quarantined {
                    instance: id,
                    reason: undecodable.reason,
                }),
            },
        }
    }

    async fn renew(
        &self,
        id: InstanceId,
        token: u64,
        expires_at: SystemTime,
    ) -> Result<bool, StoreError> {
        let args = [arg(token), arg(micros(expires_at))];
        let answer = self.run(&self.scripts.renew, id, &args).await?;
        Ok(matches!(answer, Value::Int(1)))
    }

    async fn release(&self, id: InstanceId, lease: Lease) -> Result<(), StoreError> {
        self.run(&self.scripts.release, id, &[arg(lease.token)])
            .await?;
        Ok(())
    }

    async fn claim_due(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        let candidates = self.candidates(|keys| &keys.due, now, limit).await?;
        self.claim_each(&self.scripts.claim_due, candidates, now, owner, ttl, limit)
            .await
    }

    async fn claim_orphans(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        // The lease index holds every leased instance; the script keeps the orphans.
        let candidates = self
            .candidates(|keys| &keys.leases, now, limit.saturating_mul(4))
            .await?;
        self.claim_each(
            &self.scripts.claim_orphan,
            candidates,
            now,
            owner,
            ttl,
            limit,
        )
        .await
    }

    async fn next_due(&self) -> Result<Option<SystemTime>, StoreError> {
        let mut connection = self.connection.clone();
        let mut earliest: Option<f64> = None;
        for shard in 0..SHARDS {
            let keys = self.shard_keys(shard, None);
            let first: Vec<(String, f64)> = connection
                .zrange_withscores(&keys.due, 0, 0)
                .await
                .map_err(redis_error)?;
            if let Some((_, score)) = first.first() {
                earliest = Some(earliest.map_or(*score, |known| known.min(*score)));
            }
        }
        Ok(earliest.map(|score| super::stored::time(score as i64)))
    }

    async fn request(&self, id: InstanceId, request: PendingRequest) -> Result<(), StoreError> {
        let answer = self
            .run(&self.scripts.request, id, &[request.stored().into_bytes()])
            .await?;
        if matches!(answer, Value::Int(0)) {
            return Err(StoreError::NotFound(id));
        }
        Ok(())
    }

    async fn list(&self, query: &InstanceQuery<'_>) -> Result<Vec<InstanceSummary>, StoreError> {
        listing::list(self, query).await
    }

    async fn save_definition(&self, definition: &StoredDefinition) -> Result<(), StoreError> {
        definitions::save(self, definition).await
    }

    async fn load_definition(&self, hash: &str) -> Result<Option<StoredDefinition>, StoreError> {
        definitions::load(self, hash).await
    }

    async fn list_definitions(&self, flow: &str) -> Result<Vec<StoredDefinition>, StoreError> {
        definitions::list(self, flow).await
    }
}

#[cfg(test)]
mod tests {
    use super::{Persistence, split_prefix, take_parameter};

    #[test]
    fn a_url_may_name_a_certificate_authorities_file() {
        assert_eq!(
            take_parameter(
                "rediss://h:6380/?tls_ca_file=/etc/ca.pem&prefix=a",
                "tls_ca_file"
            ),
            (
                "rediss://h:6380/?prefix=a".into(),
                Some("/etc/ca.pem".into())
            )
        );
        assert_eq!(
            take_parameter("rediss://h:6380", "tls_ca_file"),
            ("rediss://h:6380".into(), None)
        );
    }

    #[test]
    fn a_server_without_aof_or_save_points_keeps_nothing() {
        assert_eq!(Persistence::from_config("no", ""), Persistence::None);
        assert_eq!(Persistence::from_config("no", " "), Persistence::None);
        assert_eq!(
            Persistence::from_config("no", "3600 1 300 100"),
            Persistence::Snapshots
        );
        assert_eq!(Persistence::from_config("yes", ""), Persistence::AppendOnly);
        assert_eq!(
            Persistence::from_config("yes", "3600 1"),
            Persistence::AppendOnly
        );
    }

    #[test]
    fn a_url_may_name_the_key_prefix() {
        assert_eq!(
            split_prefix("redis://127.0.0.1:6379"),
            ("redis://127.0.0.1:6379".into(), "flow".into())
        );
        assert_eq!(
            split_prefix("redis://h:6379/2?prefix=orders"),
            ("redis://h:6379/2".into(), "orders".into())
        );
        assert_eq!(
            split_prefix("redis://h/?protocol=resp3&prefix=a"),
            ("redis://h/?protocol=resp3".into(), "a".into())
        );
    }
}
