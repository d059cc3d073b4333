//! Between rows and records: the column encodings both dialects share, and the decoding that
//! turns a row into an [`InstanceRecord`] or says exactly what in it cannot be read.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use sqlx::{ColumnIndex, Decode, Row, Type};

use crate::instance_error::InstanceError;
use crate::journal::{JournalEntry, JournalKind};
use crate::outcome::Status;
use crate::store::{InstanceRecord, InstanceSummary, Lease, OperatorRequest};

/// Microseconds since the Unix epoch: the stored form of every time.
pub(crate) fn micros(time: SystemTime) -> i64 {
    let since_epoch = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX)
}

/// The time stored as `micros`.
pub(crate) fn time(micros: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_micros(u64::try_from(micros).unwrap_or(0))
}

/// A stored flag.
pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}

/// An unsigned counter as the signed column it is stored in (tokens and owners use all 64
/// bits and are stored bit for bit).
pub(crate) fn signed(value: u64) -> i64 {
    value as i64
}

/// The stored name of a journal kind.
pub(crate) fn kind_name(kind: JournalKind) -> &'static str {
    match kind {
        JournalKind::Step => "step",
        JournalKind::Signal => "signal",
        JournalKind::Compensation => "compensation",
        JournalKind::Operator => "operator",
        JournalKind::Failure => "failure",
    }
}

/// The JSON of an instance's last error, as stored in its row.
pub(crate) fn error_json(error: &InstanceError) -> String {
    // Strings, numbers and a kind: it always serializes.
    serde_json::to_string(error).unwrap_or_else(|_| String::from("{}"))
}

/// The JSON of one journal entry, as stored in its row.
pub(crate) fn entry_json(entry: &JournalEntry) -> String {
    // A journal entry is strings, numbers and a time: it always serializes.
    serde_json::to_string(entry).unwrap_or_else(|_| String::from("{}"))
}

/// The columns of a record, in the order [`record_from_row`] reads them, qualified by the
/// table name (SQLite's `RETURNING` knows no alias); the journal arrives as the entries' JSON joined by commas.
macro_rules! record_columns {
    () => {
        "flow_instances.id, flow_instances.flow, flow_instances.flow_version, \
         flow_instances.state, flow_instances.status, flow_instances.attempt, \
         flow_instances.step, flow_instances.revision, flow_instances.context, \
         flow_instances.due_at, flow_instances.compensation_boundary, \
         flow_instances.paused_from, flow_instances.cancelled, flow_instances.queries, \
         flow_instances.request, flow_instances.error, flow_instances.fence, \
         flow_instances.lease_owner, flow_instances.lease_expires_at, \
         (SELECT COALESCE(string_agg(j.entry, ',' ORDER BY j.seq), '') FROM flow_journal j \
          WHERE j.instance_id = flow_instances.id) AS journal"
    };
}
pub(crate) use record_columns;

/// A row whose record cannot be read: its id (as stored) and what is wrong.
#[derive(Debug)]
pub(crate) struct Undecodable {
    pub(crate) id: String,
    pub(crate) reason: String,
}

/// Decodes a row of [`record_columns`].
pub(crate) fn record_from_row<'r, R>(row: &'r R) -> Result<InstanceRecord, Undecodable>
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    let raw_id: String = row.try_get(0).map_err(|error| Undecodable {
        id: String::from("?"),
        reason: format!("id: {error}"),
    })?;
    let fail = |what: &str, message: String| Undecodable {
        id: raw_id.clone(),
        reason: format!("{what}: {message}"),
    };
    macro_rules! column {
        ($index:expr, $name:literal) => {
            row.try_get($index)
                .map_err(|error| fail($name, error.to_string()))?
        };
    }
    let id = raw_id
        .parse::<flow_core::InstanceId>()
        .map_err(|error| fail("id", error.to_string()))?;
    let flow: String = column!(1, "flow");
    let flow_version: i64 = column!(2, "flow_version");
    let state: String = column!(3, "state");
    let status: String = column!(4, "status");
    let attempt: i64 = column!(5, "attempt");
    let step: i64 = column!(6, "step");
    let revision: i64 = column!(7, "revision");
    let context: Vec<u8> = column!(8, "context");
    let due_at: Option<i64> = column!(9, "due_at");
    let compensation_boundary: Option<i64> = column!(10, "compensation_boundary");
    let paused_from: Option<String> = column!(11, "paused_from");
    let cancelled: i64 = column!(12, "cancelled");
    let queries: i64 = column!(13, "queries");
    let request: Option<String> = column!(14, "request");
    let error: Option<String> = column!(15, "error");
    let fence: i64 = column!(16, "fence");
    let lease_owner: Option<i64> = column!(17, "lease_owner");
    let lease_expires_at: Option<i64> = column!(18, "lease_expires_at");
    let journal: String = column!(19, "journal");

    let unsigned = |name: &str, value: i64| {
        u64::try_from(value).map_err(|_| fail(name, format!("{value} is negative")))
    };
    let small = |name: &str, value: i64| {
        u32::try_from(value).map_err(|_| fail(name, format!("{value} is out of range")))
    };
    let status = Status::from_name(&status)
        .ok_or_else(|| fail("status", format!("`{status}` is not a status")))?;
    let paused_from = paused_from
        .map(|name| {
            Status::from_name(&name)
                .ok_or_else(|| fail("paused_from", format!("`{name}` is not a status")))
        })
        .transpose()?;
    let request = request
        .map(|name| {
            OperatorRequest::from_name(&name)
                .ok_or_else(|| fail("request", format!("`{name}` is not an operator request")))
        })
        .transpose()?;
    let journal: Vec<JournalEntry> = serde_json::from_str(&format!("[{journal}]"))
        .map_err(|error| fail("journal", error.to_string()))?;
    let error: Option<InstanceError> = error
        .map(|json| serde_json::from_str(&json).map_err(|error| fail("error", error.to_string())))
        .transpose()?;
    let lease = lease_expires_at.map(|expires_at| Lease {
        token: fence as u64,
        owner: lease_owner.unwrap_or(0) as u64,
        expires_at: time(expires_at),
    });
    Ok(InstanceRecord {
        id,
        flow: Cow::Owned(flow),
        flow_version: small("flow_version", flow_version)?,
        state: Cow::Owned(state),
        status,
        attempt: small("attempt", attempt)?,
        step: unsigned("step", step)?,
        revision: unsigned("revision", revision)?,
        context,
        journal,
        due_at: due_at.map(time),
        compensation_boundary: compensation_boundary
            .map(|boundary| unsigned("compensation_boundary", boundary))
            .transpose()?,
        paused_from,
        cancelled: cancelled != 0,
        queries: small("queries", queries)?,
        request,
        error,
        lease,
    })
}

/// Decodes a row of `id, flow, flow_version, state, status, quarantine` into a listing
/// entry; a quarantined record is listed as needing a person.
pub(crate) fn summary_from_row<'r, R>(row: &'r R) -> Option<InstanceSummary>
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let id: String = row.try_get(0).ok()?;
    let quarantine: Option<String> = row.try_get(5).ok()?;
    let status: String = row.try_get(4).ok()?;
    let status = match quarantine {
        Some(_) => Status::Manual,
        None => Status::from_name(&status)?,
    };
    Some(InstanceSummary {
        id: id.parse().ok()?,
        flow: row.try_get(1).ok()?,
        flow_version: u32::try_from(row.try_get::<i64, _>(2).ok()?).ok()?,
        state: row.try_get(3).ok()?,
        status,
    })
}
