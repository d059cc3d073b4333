//! Instances in a SQL database: SQLite (a file, no server: the embedded durable store) or
//! PostgreSQL (shared by any number of engine processes).
//!
//! Everything the engine coordinates through lives in the database: records, journals,
//! leases with their fencing tokens, the due-queue, operator requests, and the flow
//! definitions instances run on (by content hash). Both dialects run the
//! same statements where SQL allows it; where they differ (how a commit reaches one round
//! trip, how concurrent claimers skip each other's rows) the difference is written out
//! beside the shared text.
//!
//! A step commits as one compare-and-set: the update matches the revision the engine read
//! and the token of its lease, or changes nothing. On PostgreSQL the update and the journal
//! row are one statement (a data-modifying `WITH`), so a step is one round trip; on SQLite,
//! in process, they are one `BEGIN IMMEDIATE` transaction.

mod row;
mod schema;

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use flow_core::InstanceId;
use sqlx::Row;

use row::{RECORD_COLUMNS, kind_name, record_columns, record_from_row};

use super::stored::{
    Undecodable, entry_json, error_json, flag, handed_back_request, micros, signed,
};

use super::url::redact_password;
use super::{
    Commit, CommitAck, InstanceQuery, InstanceRecord, InstanceSummary, Lease, PendingRequest,
    StepCommit, Store, StoreError, StoredDefinition,
};
use crate::instance_error::InstanceError;
use crate::journal::JournalEntry;
use crate::outcome::Status;

#[cfg(feature = "postgres")]
use sqlx::Connection;
#[cfg(feature = "postgres")]
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
#[cfg(feature = "sqlite")]
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// How hard SQLite makes each commit durable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Synchronous {
    /// Every commit reaches the disk before it returns: nothing committed is lost, even to
    /// a power cut.
    #[default]
    Full,
    /// WAL's `NORMAL`: a commit survives a crash of the process, and the last commits may be
    /// lost to a power cut or an OS crash. Several times faster per commit.
    Normal,
}

/// Settings of a SQL store beyond its URL. The URL's query may set them too:
/// `sqlite://orders.db?synchronous=normal`, `postgres://...?max_connections=32`.
#[derive(Debug, Clone)]
pub struct SqlOptions {
    /// SQLite's durability per commit.
    pub synchronous: Synchronous,
    /// Connections in the pool.
    pub max_connections: u32,
    /// How long a SQLite writer waits for another's write lock before it fails.
    pub busy_timeout: Duration,
    /// How long opening a connection may take before the store reports the server
    /// unreachable.
    pub connect_timeout: Duration,
}

impl Default for SqlOptions {
    fn default() -> Self {
        Self {
            synchronous: Synchronous::Full,
            max_connections: 16,
            busy_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// A store in SQLite (a file, no server: the embedded durable store) or PostgreSQL (shared
/// by any number of engine processes).
///
/// Records, journals, leases with their fencing tokens, the due-queue and operator requests
/// all live in the database. A step commits as one compare-and-set on the revision and the
/// lease token: one statement on PostgreSQL (one round trip), one `BEGIN IMMEDIATE`
/// transaction on SQLite. The schema is migrated on connect; a database migrated by a newer
/// build is refused. A row that cannot be decoded is quarantined: kept as it is, out of
/// every queue, and listed under `Manual`.
pub struct SqlStore {
    backend: Backend,
    /// The URL without its password, for errors and logs.
    url: String,
}

/// The connection pool of the store's dialect.
pub(crate) enum Backend {
    #[cfg(feature = "sqlite")]
    Sqlite(SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(PgPool),
}

/// Runs the same code on either dialect's pool: the statements are the same text, the
/// code is compiled once per driver.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite($pool) => $body,
            #[cfg(feature = "postgres")]
            Backend::Postgres($pool) => $body,
        }
    };
}

// Declared after `on_pool!`, which they use.
mod definitions;
mod listing;

/// A claim's statement in each dialect.
#[cfg_attr(not(all(feature = "sqlite", feature = "postgres")), allow(dead_code))]
struct Claim {
    sqlite: &'static str,
    postgres: &'static str,
}

/// Runs a claim statement on `pool`: its rows, decoded.
macro_rules! claim_rows {
    ($pool:expr, $sql:expr, $now:expr, $owner:expr, $ttl:expr, $limit:expr) => {
        sqlx::query($sql)
            .bind(micros($now))
            .bind(signed($owner))
            .bind(micros($now + $ttl))
            .bind($limit as i64)
            .fetch_all($pool)
            .await
            .map_err(sql_error)?
            .iter()
            .map(record_from_row)
            .collect()
    };
}

/// Appends `entry` as row `seq` of instance `id`'s journal, in `executor`.
macro_rules! insert_journal_row {
    ($executor:expr, $id:expr, $seq:expr, $entry:expr) => {
        sqlx::query(INSERT_JOURNAL)
            .bind($id)
            .bind($seq)
            .bind(signed($entry.step))
            .bind(kind_name($entry.kind))
            .bind(flag($entry.compensable))
            .bind(entry_json($entry))
            .execute($executor)
            .await
    };
}

/// Drops the `excess` oldest entries compensation does not need, in transaction `tx`.
macro_rules! compact_journal {
    ($tx:expr, $id:expr, $excess:expr) => {
        async {
            let deleted = sqlx::query(COMPACT_JOURNAL)
                .bind($id)
                .bind($excess)
                .execute(&mut *$tx)
                .await?
                .rows_affected();
            sqlx::query(SHRINK_JOURNAL_LEN)
                .bind($id)
                .bind(deleted as i64)
                .execute(&mut *$tx)
                .await
                .map(|_| ())
        }
    };
}

/// A backend error as a store error.
pub(crate) fn sql_error(error: sqlx::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

impl SqlStore {
    /// Opens the database `url` names (`sqlite://PATH`, `sqlite::memory:`,
    /// `postgres://USER:PASSWORD@HOST/DATABASE`), creating a SQLite file if missing, and
    /// migrates its schema.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, SqlOptions::default()).await
    }

    /// [`SqlStore::connect`] with settings; the URL's own settings win over `options`.
    pub async fn connect_with(url: &str, options: SqlOptions) -> Result<Self, StoreError> {
        let redacted = redact_password(url);
        let connect_error = |reason: String| StoreError::Connect {
            url: redacted.clone(),
            reason,
        };
        let (driver_url, options) = own_settings(url, options).map_err(&connect_error)?;
        let backend = if driver_url.starts_with("sqlite:") {
            open_sqlite(&driver_url, &options)
                .await
                .map_err(&connect_error)?
        } else if driver_url.starts_with("postgres://") || driver_url.starts_with("postgresql://") {
            open_postgres(&driver_url, &options)
                .await
                .map_err(&connect_error)?
        } else {
            return Err(StoreError::InvalidUrl {
                url: redacted,
                reason: "a SQL store URL starts with `sqlite:` or `postgres://`".into(),
            });
        };
        schema::migrate(&backend, url, schema::MIGRATIONS)
            .await
            .map_err(|error| match error {
                StoreError::Backend(reason) => connect_error(reason),
                other => other,
            })?;
        Ok(Self {
            backend,
            url: redacted,
        })
    }

    /// `sqlite` or `postgres`.
    pub fn dialect(&self) -> &'static str {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The store's URL, without its password.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The SQLite pool, for an application that keeps its own tables beside the engine's.
    #[cfg(feature = "sqlite")]
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.backend {
            Backend::Sqlite(pool) => Some(pool),
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, for an application that keeps its own tables beside the
    /// engine's.
    #[cfg(feature = "postgres")]
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.backend {
            Backend::Postgres(pool) => Some(pool),
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(_) => None,
        }
    }

    /// Sets a record the store cannot read aside: it keeps its row as it is (nothing is
    /// dropped), leaves every queue, and is listed as needing a person.
    async fn quarantine(&self, undecodable: &Undecodable) {
        tracing::error!(instance = %undecodable.id, reason = %undecodable.reason, store = %self.url, "stored record cannot be decoded; quarantined");
        let result = on_pool!(self, pool => {
            sqlx::query(
                // The timer and lease stay as they were (every queue skips quarantined
                // records), so releasing the quarantine loses nothing.
                "UPDATE flow_instances SET quarantine = $2 WHERE id = $1 AND quarantine IS NULL",
            )
            .bind(&undecodable.id)
            .bind(&undecodable.reason)
            .execute(pool)
            .await
            .map(|_| ())
        });
        if let Err(error) = result {
            tracing::error!(instance = %undecodable.id, %error, "quarantining a record failed");
        }
    }

    /// The records of claimed rows, quarantining those that cannot be read.
    async fn claimed(
        &self,
        decoded: Vec<Result<InstanceRecord, Undecodable>>,
    ) -> Vec<(InstanceRecord, Lease)> {
        let mut claimed = Vec::with_capacity(decoded.len());
        for record in decoded {
            match record {
                Ok(record) => {
                    if let Some(lease) = record.lease {
                        claimed.push((record, lease));
                    }
                }
                Err(undecodable) => self.quarantine(&undecodable).await,
            }
        }
        claimed
    }

    /// Leases the rows `claim` selects (at most `limit`, due or orphaned at `now`) to
    /// `owner` for `ttl`, quarantining those that cannot be read.
    async fn claim(
        &self,
        claim: Claim,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        let decoded: Vec<Result<InstanceRecord, Undecodable>> = match &self.backend {
            // One writer at a time: the update is the claim.
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(pool) => claim_rows!(pool, claim.sqlite, now, owner, ttl, limit),
            // Concurrent claimers skip each other's rows instead of waiting on them.
            #[cfg(feature = "postgres")]
            Backend::Postgres(pool) => claim_rows!(pool, claim.postgres, now, owner, ttl, limit),
        };
        Ok(self.claimed(decoded).await)
    }

    /// Why a commit matched no row: gone, fenced, stale, or quarantined.
    async fn refusal(&self, id: InstanceId, token: u64, revision: u64) -> StoreError {
        let found = on_pool!(self, pool => {
            sqlx::query(
                "SELECT revision, CASE WHEN lease_expires_at IS NULL THEN 0 ELSE fence END, \
                 quarantine FROM flow_instances WHERE id = $1",
            )
            .bind(id.to_string())
            .fetch_optional(pool)
            .await
            .map(|row| {
                row.map(|row| {
                    (
                        row.get::<i64, _>(0) as u64,
                        row.get::<i64, _>(1) as u64,
                        row.get::<Option<String>, _>(2),
                    )
                })
            })
        });
        match found {
            Err(error) => sql_error(error),
            Ok(None) => StoreError::NotFound(id),
            Ok(Some((_, _, Some(reason)))) => StoreError::Quarantined {
                instance: id,
                reason,
            },
            Ok(Some((_, current, None))) if current != token => StoreError::Fenced {
                instance: id,
                given: token,
                current,
            },
            Ok(Some((found, _, None))) => StoreError::Conflict {
                instance: id,
                expected: revision,
                found,
            },
        }
    }
}

/// Splits this store's own settings off the URL's query; the rest goes to the driver.
fn own_settings(url: &str, mut options: SqlOptions) -> Result<(String, SqlOptions), String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), options));
    };
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "synchronous" => {
                options.synchronous = match value.to_ascii_lowercase().as_str() {
                    "full" => Synchronous::Full,
                    "normal" => Synchronous::Normal,
                    other => {
                        return Err(format!("synchronous={other}: expected `full` or `normal`"));
                    }
                }
            }
            "max_connections" => {
                options.max_connections = value
                    .parse()
                    .ok()
                    .filter(|count| *count > 0)
                    .ok_or_else(|| format!("max_connections={value}: expected a count above 0"))?;
            }
            _ => rest.push(pair),
        }
    }
    let driver_url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((driver_url, options))
}

#[cfg(feature = "sqlite")]
async fn open_sqlite(url: &str, options: &SqlOptions) -> Result<Backend, String> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let connect = SqliteConnectOptions::from_str(url)
        .map_err(|error| error.to_string())?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(match options.synchronous {
            Synchronous::Full => SqliteSynchronous::Full,
            Synchronous::Normal => SqliteSynchronous::Normal,
        })
        .busy_timeout(options.busy_timeout);
    // An in-memory database lives as long as its one connection: keep exactly one, forever.
    let pool = if in_memory {
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        SqlitePoolOptions::new().max_connections(options.max_connections)
    };
    pool.acquire_timeout(options.connect_timeout)
        .connect_with(connect)
        .await
        .map(Backend::Sqlite)
        .map_err(|error| error.to_string())
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite(_url: &str, _options: &SqlOptions) -> Result<Backend, String> {
    Err("this build has no SQLite store: enable the `sqlite` feature of flow-runtime".into())
}

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str, options: &SqlOptions) -> Result<Backend, String> {
    let connect = PgConnectOptions::from_str(url).map_err(|error| error.to_string())?;
    // One connection first, without the pool's retries: a refused connection or rejected
    // credentials are reported at once, in the server's words.
    let probe = tokio::time::timeout(
        options.connect_timeout,
        PgConnection::connect_with(&connect),
    )
    .await
    .map_err(|_| format!("no answer within {:?}", options.connect_timeout))?
    .map_err(|error| error.to_string())?;
    let _ = probe.close().await;
    PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.connect_timeout)
        .connect_with(connect)
        .await
        .map(Backend::Postgres)
        .map_err(|error| error.to_string())
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_url: &str, _options: &SqlOptions) -> Result<Backend, String> {
    Err("this build has no PostgreSQL store: enable the `postgres` feature of flow-runtime".into())
}

/// The compare-and-set update of a commit: it matches only the revision the engine read and
/// the token of its live lease (0 when none), and never a quarantined record.
macro_rules! commit_update {
    () => {
        concat!(
            "UPDATE flow_instances SET revision = revision + 1, state = $4, status = $5, \
         attempt = $6, step = $7, context = COALESCE($8, context), due_at = $9, \
         compensation_boundary = $10, paused_from = $11, cancelled = $12, queries = $13, \
         error = $14, request = CASE WHEN $15 = 1 THEN NULL ELSE request END, \
         lease_owner = CASE WHEN $16 = 1 THEN NULL ELSE lease_owner END, \
         lease_expires_at = CASE WHEN $16 = 1 OR lease_expires_at IS NULL THEN NULL ELSE $17 END, \
         journal_len = journal_len + $18, journal_seq = journal_seq + $18 ",
            commit_match!(),
            " RETURNING id, revision, request, journal_len, journal_seq"
        )
    };
}

/// The rows a commit applies to: instance `$1` at revision `$2`, not quarantined, leased with
/// token `$3` (or at rest, unleased, with `$3` zero).
macro_rules! commit_match {
    () => {
        "WHERE id = $1 AND revision = $2 AND quarantine IS NULL \
         AND (CASE WHEN lease_expires_at IS NULL THEN 0 ELSE fence END) = $3"
    };
}

/// A statement's arguments, added in place to `$empty` (an empty set of the dialect's, see
/// [`no_arguments`]): `Result<Arguments, sqlx::Error>`.
///
/// A query's `bind` takes and gives back the whole query at every parameter, and a step's
/// commit has twenty-two: adding to the arguments first, then building the query once
/// (`query_with`), saves those copies on every step.
macro_rules! arguments {
    ($empty:expr, $bytes:expr; $($value:expr),+ $(,)?) => {{
        let mut arguments = $empty;
        sqlx::Arguments::reserve(&mut arguments, [$(stringify!($value)),+].len(), $bytes);
        let mut added = Ok(());
        $(if added.is_ok() {
            added = sqlx::Arguments::add(&mut arguments, $value);
        })+
        added.map(|()| arguments).map_err(sqlx::Error::Encode)
    }};
}

/// No arguments yet, of the type `pool`'s dialect binds.
fn no_arguments<DB: sqlx::Database>(_pool: &sqlx::Pool<DB>) -> DB::Arguments {
    DB::Arguments::default()
}

/// A [`CommitRow`]'s arguments for `$pool`: [`commit_update`]'s parameters `$1` to `$18`,
/// then the journal row's `$19` to `$22` (zeros and an empty entry when the commit journals
/// nothing: the statement's `$18 = 1` skips the row then).
macro_rules! commit_arguments {
    ($pool:expr, $commit:expr, $id:expr) => {{
        let commit = $commit;
        let entry = commit.journal;
        arguments!(
            no_arguments($pool), 256 + commit.context.map_or(0, <[u8]>::len);
            $id,
            signed(commit.expected_revision),
            signed(commit.lease_token),
            commit.state,
            commit.status.name(),
            i64::from(commit.attempt),
            signed(commit.step),
            commit.context,
            commit.due_at.map(micros),
            commit.compensation_boundary.map(signed),
            commit.paused_from.map(Status::name),
            flag(commit.cancelled),
            i64::from(commit.queries),
            commit.error.map(error_json),
            flag(commit.clear_request),
            flag(commit.release_lease),
            micros(commit.lease_expires_at),
            flag(entry.is_some()),
            entry.map_or(0, |entry| signed(entry.step)),
            entry.map_or("", |entry| kind_name(entry.kind)),
            entry.map_or(0, |entry| flag(entry.compensable)),
            entry.map_or_else(String::new, entry_json),
        )
    }};
}

/// Drops the oldest journal entries past the cap that compensation does not need (a
/// compensable step not yet undone is kept whatever the cap), as the memory store does.
const COMPACT_JOURNAL: &str = "DELETE FROM flow_journal WHERE instance_id = $1 AND seq IN ( \
     SELECT j.seq FROM flow_journal j WHERE j.instance_id = $1 AND NOT ( \
       j.kind = 'step' AND j.compensable = 1 AND NOT EXISTS ( \
         SELECT 1 FROM flow_journal c WHERE c.instance_id = $1 \
         AND c.kind = 'compensation' AND c.step = j.step)) \
     ORDER BY j.seq LIMIT $2)";

const SHRINK_JOURNAL_LEN: &str =
    "UPDATE flow_instances SET journal_len = journal_len - $2 WHERE id = $1";

const INSERT_JOURNAL: &str = "INSERT INTO flow_journal (instance_id, seq, step, kind, compensable, entry) \
     VALUES ($1, $2, $3, $4, $5, $6)";

const INSERT_INSTANCE: &str = "INSERT INTO flow_instances (id, flow, flow_version, state, status, attempt, step, \
     revision, context, due_at, compensation_boundary, paused_from, cancelled, queries, \
     request, error, fence, lease_owner, lease_expires_at, journal_len, journal_seq, definition) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
     $19, $20, $20, $21) ON CONFLICT (id) DO NOTHING";

/// Leases a free instance: a new fencing token, the owner, the expiry.
const ACQUIRE: &str = concat!(
    "UPDATE flow_instances SET fence = fence + 1, lease_owner = $2, lease_expires_at = $3 \
     WHERE id = $1 AND quarantine IS NULL \
     AND (lease_expires_at IS NULL OR lease_expires_at <= $4) RETURNING ",
    record_columns!()
);

/// The due instances a claim takes, earliest first: not paused, not leased by a live lease.
macro_rules! due_candidates {
    () => {
        "SELECT id FROM flow_instances WHERE due_at IS NOT NULL AND due_at <= $1 \
         AND status <> 'paused' AND quarantine IS NULL \
         AND (lease_expires_at IS NULL OR lease_expires_at <= $1) ORDER BY due_at LIMIT $4"
    };
}

/// Instances whose driver stopped mid-flow: running or compensating, no timer, lease lapsed.
macro_rules! orphan_candidates {
    () => {
        "SELECT id FROM flow_instances WHERE status IN ('running', 'compensating') \
         AND due_at IS NULL AND quarantine IS NULL AND lease_expires_at IS NOT NULL \
         AND lease_expires_at <= $1 ORDER BY id LIMIT $4"
    };
}

/// Claiming consumes the timer: the activation sets a new one if it needs one.
macro_rules! claim_due {
    ($lock:literal) => {
        concat!(
            "UPDATE flow_instances SET fence = fence + 1, lease_owner = $2, \
             lease_expires_at = $3, due_at = NULL WHERE id IN (",
            due_candidates!(),
            $lock,
            ") RETURNING ",
            record_columns!()
        )
    };
}

macro_rules! claim_orphans {
    ($lock:literal) => {
        concat!(
            "UPDATE flow_instances SET fence = fence + 1, lease_owner = $2, \
             lease_expires_at = $3 WHERE id IN (",
            orphan_candidates!(),
            $lock,
            ") RETURNING ",
            record_columns!()
        )
    };
}

/// A step's commit on SQLite, in its transaction: the journal row (`$19` to `$22`) if the
/// commit journals one (`$18`) and the instance matches the commit, then [`commit_update`]
/// on the same match. In this order the update's row is the query's first and last: the
/// engine reads it with `fetch_optional`, which stops SQLite's worker at the first row.
#[cfg(feature = "sqlite")]
const SQLITE_COMMIT: &str = concat!(
    "INSERT INTO flow_journal (instance_id, seq, step, kind, compensable, entry) \
     SELECT id, journal_seq + 1, $19, $20, $21, $22 FROM flow_instances ",
    commit_match!(),
    " AND $18 = 1; ",
    commit_update!()
);

/// The step commit of PostgreSQL: the update and its journal row in one statement, so one
/// round trip; `$19`.. are the journal row's columns.
#[cfg(feature = "postgres")]
const POSTGRES_COMMIT: &str = concat!(
    "WITH updated AS (",
    commit_update!(),
    "), journaled AS (INSERT INTO flow_journal (instance_id, seq, step, kind, compensable, entry) \
     SELECT id, journal_seq, $19, $20, $21, $22 FROM updated WHERE $18 = 1) \
     SELECT revision, request, journal_len FROM updated"
);

/// Compacts a PostgreSQL journal past its cap, in a transaction of its own.
#[cfg(feature = "postgres")]
async fn compact_postgres(pool: &PgPool, id: &str, excess: i64) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    compact_journal!(tx, id, excess).await?;
    tx.commit().await
}

/// What a commit writes, borrowed from a [`Commit`] or a [`StepCommit`]: both bind the one
/// statement without copying their strings, context or journal entry first.
struct CommitRow<'a> {
    id: InstanceId,
    expected_revision: u64,
    lease_token: u64,
    state: &'a str,
    status: Status,
    attempt: u32,
    step: u64,
    context: Option<&'a [u8]>,
    journal: Option<&'a JournalEntry>,
    journal_cap: usize,
    due_at: Option<SystemTime>,
    compensation_boundary: Option<u64>,
    paused_from: Option<Status>,
    cancelled: bool,
    queries: u32,
    error: Option<&'a InstanceError>,
    clear_request: bool,
    release_lease: bool,
    lease_expires_at: SystemTime,
}

impl<'a> CommitRow<'a> {
    fn of_commit(commit: &'a Commit) -> Self {
        Self {
            id: commit.id,
            expected_revision: commit.expected_revision,
            lease_token: commit.lease_token,
            state: commit.state.as_ref(),
            status: commit.status,
            attempt: commit.attempt,
            step: commit.step,
            context: commit.context.as_deref(),
            journal: commit.journal.as_ref(),
            journal_cap: commit.journal_cap,
            due_at: commit.due_at,
            compensation_boundary: commit.compensation_boundary,
            paused_from: commit.paused_from,
            cancelled: commit.cancelled,
            queries: commit.queries,
            error: commit.error.as_ref(),
            clear_request: commit.clear_request,
            release_lease: commit.release_lease,
            lease_expires_at: commit.lease_expires_at,
        }
    }

    /// The fields [`StepCommit::into_commit`] would give, without building the commit.
    fn of_step(step: &'a StepCommit<'_>) -> Self {
        let cleared = StepCommit::CLEARED;
        Self {
            id: step.id,
            expected_revision: step.expected_revision,
            lease_token: step.lease_token,
            state: step.state,
            status: cleared.status,
            attempt: cleared.attempt,
            step: step.step,
            context: step.context.as_deref(),
            journal: Some(step.journal),
            journal_cap: step.journal_cap,
            due_at: cleared.due_at,
            compensation_boundary: cleared.compensation_boundary,
            paused_from: cleared.paused_from,
            cancelled: cleared.cancelled,
            queries: cleared.queries,
            error: None,
            clear_request: cleared.clear_request,
            release_lease: cleared.release_lease,
            lease_expires_at: step.lease_expires_at,
        }
    }
}

/// A commit as the store was given it (a [`Commit`] or a [`StepCommit`]), owned by the
/// future that writes it: its row.
trait Written: Send + Sync {
    fn row(&self) -> CommitRow<'_>;
}

impl Written for Commit {
    fn row(&self) -> CommitRow<'_> {
        CommitRow::of_commit(self)
    }
}

impl Written for StepCommit<'_> {
    fn row(&self) -> CommitRow<'_> {
        CommitRow::of_step(self)
    }
}

/// What a commit's update answered: the new revision, the request left, the journal length.
struct Applied {
    revision: u64,
    request: Option<String>,
    journal_len: i64,
}

impl SqlStore {
    /// Stores a new instance, leased to `lease_to` when given: [`Store::insert`].
    async fn insert_record(
        &self,
        mut record: InstanceRecord,
        now: SystemTime,
        lease_to: Option<(u64, Duration)>,
    ) -> Result<Option<Lease>, StoreError> {
        let lease = lease_to.map(|(owner, ttl)| Lease::first(owner, now, ttl));
        record.lease = lease;
        let id = record.id.to_string();
        let journal_len = record.journal.len() as i64;
        // Boxed, as a commit's statements are (see `write_commit`): the engine's start future
        // does not carry sqlx's.
        let inserted = on_pool!(self, pool => Box::pin(async {
            let arguments = arguments!(
                no_arguments(pool), 256 + record.context.len();
                &id,
                record.flow.as_ref(),
                i64::from(record.flow_version),
                record.state.as_ref(),
                record.status.name(),
                i64::from(record.attempt),
                signed(record.step),
                signed(record.revision),
                record.context.as_slice(),
                record.due_at.map(micros),
                record.compensation_boundary.map(signed),
                record.paused_from.map(Status::name),
                flag(record.cancelled),
                i64::from(record.queries),
                record.request.as_ref().map(PendingRequest::stored),
                record.error.as_ref().map(error_json),
                lease.map_or(0, |lease| signed(lease.token)),
                lease.map(|lease| signed(lease.owner)),
                lease.map(|lease| micros(lease.expires_at)),
                journal_len,
                record.definition.as_deref(),
            )
            .map_err(sql_error)?;
            let insert = sqlx::query_with(INSERT_INSTANCE, arguments);
            if record.journal.is_empty() {
                // One statement is atomic on its own: no transaction, one round trip.
                let done = insert.execute(pool).await.map_err(sql_error)?;
                return Ok::<_, StoreError>(done.rows_affected() > 0);
            }
            // With entries, a transaction: boxed on its own (a transaction's futures are
            // kilobytes), so that the common case above does not copy them.
            Box::pin(async {
                let mut tx = pool.begin().await.map_err(sql_error)?;
                let done = insert.execute(&mut *tx).await.map_err(sql_error)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                for (seq, entry) in record.journal.iter().enumerate() {
                    insert_journal_row!(&mut *tx, &id, seq as i64 + 1, entry)
                        .map_err(sql_error)?;
                }
                tx.commit().await.map_err(sql_error)?;
                Ok(true)
            })
            .await
        })
        .await?);
        if inserted {
            Ok(lease)
        } else {
            Err(StoreError::AlreadyExists(record.id))
        }
    }

    /// Applies `commit`: its update (the compare-and-set) and its journal row.
    ///
    /// sqlx's futures can be large (kilobytes, the pool's acquire and a transaction's):
    /// SQLite's statements run in a future boxed on its own (they begin a transaction), and
    /// the cold paths (refusal, quarantine, compaction) too, so that this future stays small
    /// and the engine's step future, which holds it, is not copied kilobytes at every step.
    /// PostgreSQL's one statement on the pool is a small future, and runs here unboxed.
    async fn write_commit(&self, written: impl Written) -> Result<CommitAck, StoreError> {
        let commit = written.row();
        // The id as stored (hyphenated, lower case), written without the formatting machinery
        // or an allocation: once per step.
        let mut id_text = uuid::Uuid::encode_buffer();
        let id: &str = commit.id.as_uuid().hyphenated().encode_lower(&mut id_text);
        let applied: Option<Applied> = match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(pool) => Box::pin(commit_sqlite(pool, &commit, id)).await,
            #[cfg(feature = "postgres")]
            // Not boxed: a pool's query future is small, and boxing it would be one more
            // allocation and one more layer to walk at each poll.
            Backend::Postgres(pool) => commit_postgres(pool, &commit, id).await,
        }
        .map_err(sql_error)?;
        match applied {
            Some(applied) => match handed_back_request(commit.id, applied.request.as_deref()) {
                Ok(request) => Ok(CommitAck {
                    revision: applied.revision,
                    request,
                }),
                // The commit is in; what an operator asked cannot be read, so the engine
                // must not go on as if nobody had asked: set the instance aside.
                Err(undecodable) => {
                    Box::pin(self.quarantine(&undecodable)).await;
                    Err(StoreError::Quarantined {
                        instance: commit.id,
                        reason: undecodable.reason,
                    })
                }
            },
            None => {
                Err(
                    Box::pin(self.refusal(commit.id, commit.lease_token, commit.expected_revision))
                        .await,
                )
            }
        }
    }
}

/// A commit on SQLite: the update and its journal row in one `BEGIN IMMEDIATE` transaction;
/// `None` when the update matched no row.
///
/// The update and the journal row are one message to SQLite's worker thread (two statements
/// of one query), so that a step costs three hand-overs (begin, statements, commit), not four.
#[cfg(feature = "sqlite")]
async fn commit_sqlite(
    pool: &SqlitePool,
    commit: &CommitRow<'_>,
    id: &str,
) -> Result<Option<Applied>, sqlx::Error> {
    let arguments = commit_arguments!(pool, commit, id)?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let Some(row) = sqlx::query_with(SQLITE_COMMIT, arguments)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let applied = Applied {
        revision: row.get::<i64, _>(1) as u64,
        request: row.get(2),
        journal_len: row.get(3),
    };
    let excess = applied.journal_len - commit.journal_cap as i64;
    if excess > 0 {
        Box::pin(compact_journal!(tx, id, excess)).await?;
    }
    tx.commit().await?;
    Ok(Some(applied))
}

/// A commit on PostgreSQL: the update and its journal row in one statement, one round trip;
/// `None` when the update matched no row.
#[cfg(feature = "postgres")]
async fn commit_postgres(
    pool: &PgPool,
    commit: &CommitRow<'_>,
    id: &str,
) -> Result<Option<Applied>, sqlx::Error> {
    let arguments = commit_arguments!(pool, commit, id)?;
    let Some(row) = sqlx::query_with(POSTGRES_COMMIT, arguments)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let applied = Applied {
        revision: row.get::<i64, _>(0) as u64,
        request: row.get(1),
        journal_len: row.get(2),
    };
    // Past the cap only: a second round trip, outside the step's transaction. The step is
    // committed whatever happens here: a failure leaves the journal longer, and the next
    // commit compacts.
    let excess = applied.journal_len - commit.journal_cap as i64;
    if excess > 0
        && let Err(error) = Box::pin(compact_postgres(pool, id, excess)).await
    {
        tracing::warn!(instance = %commit.id, %error, "journal compaction failed; the next commit tries again");
    }
    Ok(Some(applied))
}

impl Store for SqlStore {
    /// A durable store keeps every step's context: a process that dies mid-flow is replaced
    /// by one that goes on from the last step.
    fn keeps_running_context(&self) -> bool {
        true
    }

    fn insert(
        &self,
        record: InstanceRecord,
        now: SystemTime,
        lease_to: Option<(u64, Duration)>,
    ) -> impl Future<Output = Result<Option<Lease>, StoreError>> + Send {
        // The record travels in the future: boxed, the engine's start future holds a pointer.
        Box::pin(self.insert_record(record, now, lease_to))
    }

    async fn load(&self, id: InstanceId) -> Result<Option<InstanceRecord>, StoreError> {
        let loaded = on_pool!(self, pool => {
            let row = sqlx::query(concat!(
                "SELECT ",
                record_columns!(),
                ", flow_instances.quarantine FROM flow_instances WHERE flow_instances.id = $1"
            ))
            .bind(id.to_string())
            .fetch_optional(pool)
            .await
            .map_err(sql_error)?;
            match row {
                None => None,
                Some(row) => match row.try_get::<Option<String>, _>(RECORD_COLUMNS) {
                    // Set aside before: say why, without setting it aside again.
                    Ok(Some(reason)) => {
                        return Err(StoreError::Quarantined { instance: id, reason });
                    }
                    _ => Some(record_from_row(&row)),
                },
            }
        });
        match loaded {
            None => Ok(None),
            Some(Ok(record)) => Ok(Some(record)),
            Some(Err(undecodable)) => {
                self.quarantine(&undecodable).await;
                Err(StoreError::Quarantined {
                    instance: id,
                    reason: undecodable.reason,
                })
            }
        }
    }

    // `write_commit`'s own future, not one awaiting it: every poll while the driver waits
    // walks one layer less.
    fn commit(&self, commit: Commit) -> impl Future<Output = Result<CommitAck, StoreError>> + Send {
        self.write_commit(commit)
    }

    /// The same statement as a full commit, bound from the step as it is: no `Commit` built,
    /// no journal entry cloned.
    fn commit_step(
        &self,
        step: StepCommit<'_>,
    ) -> impl Future<Output = Result<CommitAck, StoreError>> + Send {
        self.write_commit(step)
    }

    async fn acquire(
        &self,
        id: InstanceId,
        owner: u64,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Option<(InstanceRecord, Lease)>, StoreError> {
        let row = on_pool!(self, pool => {
            sqlx::query(ACQUIRE)
                .bind(id.to_string())
                .bind(signed(owner))
                .bind(micros(now + ttl))
                .bind(micros(now))
                .fetch_optional(pool)
                .await
                .map_err(sql_error)?
                .map(|row| record_from_row(&row))
        });
        match row {
            Some(Ok(record)) => {
                let lease = record.lease.ok_or_else(|| {
                    StoreError::Backend(format!("instance `{id}` was leased without a lease"))
                })?;
                Ok(Some((record, lease)))
            }
            Some(Err(undecodable)) => {
                self.quarantine(&undecodable).await;
                Err(StoreError::Quarantined {
                    instance: id,
                    reason: undecodable.reason,
                })
            }
            // Leased by someone else, quarantined, or missing: tell which.
            None => match self.load(id).await? {
                None => Err(StoreError::NotFound(id)),
                Some(_) => Ok(None),
            },
        }
    }

    async fn renew(
        &self,
        id: InstanceId,
        token: u64,
        expires_at: SystemTime,
    ) -> Result<bool, StoreError> {
        let renewed = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE flow_instances SET lease_expires_at = $3 \
                 WHERE id = $1 AND fence = $2 AND lease_expires_at IS NOT NULL",
            )
            .bind(id.to_string())
            .bind(signed(token))
            .bind(micros(expires_at))
            .execute(pool)
            .await
            .map_err(sql_error)?
            .rows_affected()
        });
        Ok(renewed > 0)
    }

    async fn release(&self, id: InstanceId, lease: Lease) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE flow_instances SET lease_owner = NULL, lease_expires_at = NULL \
                 WHERE id = $1 AND fence = $2 AND lease_expires_at IS NOT NULL",
            )
            .bind(id.to_string())
            .bind(signed(lease.token))
            .execute(pool)
            .await
            .map_err(sql_error)?;
        });
        Ok(())
    }

    async fn claim_due(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        let claim = Claim {
            sqlite: claim_due!(""),
            postgres: claim_due!(" FOR UPDATE SKIP LOCKED"),
        };
        self.claim(claim, now, owner, ttl, limit).await
    }

    async fn claim_orphans(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        let claim = Claim {
            sqlite: claim_orphans!(""),
            postgres: claim_orphans!(" FOR UPDATE SKIP LOCKED"),
        };
        self.claim(claim, now, owner, ttl, limit).await
    }

    async fn next_due(&self) -> Result<Option<SystemTime>, StoreError> {
        let earliest: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT MIN(due_at) FROM flow_instances WHERE due_at IS NOT NULL \
                 AND status <> 'paused' AND quarantine IS NULL",
            )
            .fetch_one(pool)
            .await
            .map_err(sql_error)?
        });
        Ok(earliest.map(super::stored::time))
    }

    async fn request(&self, id: InstanceId, request: PendingRequest) -> Result<(), StoreError> {
        let updated = on_pool!(self, pool => {
            sqlx::query("UPDATE flow_instances SET request = $2 WHERE id = $1")
                .bind(id.to_string())
                .bind(request.stored())
                .execute(pool)
                .await
                .map_err(sql_error)?
                .rows_affected()
        });
        if updated == 0 {
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
