//! Between rows and records: a row's columns are a record's stored fields
//! ([`StoredFields`]), decoded by the one decoder all durable stores share.

use sqlx::{ColumnIndex, Decode, Row, Type};

use crate::outcome::Status;
use crate::store::stored::{StoredFields, Undecodable};
use crate::store::{InstanceRecord, InstanceSummary};

pub(crate) use crate::store::stored::kind_name;

/// The columns of a record, in the order [`record_from_row`] reads them, qualified by the
/// table name (SQLite's `RETURNING` knows no alias); the journal arrives as the entries' JSON joined by commas.
/// There are [`RECORD_COLUMNS`] of them.
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
          WHERE j.instance_id = flow_instances.id) AS journal, \
         flow_instances.definition"
    };
}
pub(crate) use record_columns;

/// How many columns [`record_columns`] has: the index of a column a query selects after them.
pub(crate) const RECORD_COLUMNS: usize = 21;

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
    StoredFields {
        id: raw_id.clone(),
        flow: column!(1, "flow"),
        flow_version: column!(2, "flow_version"),
        state: column!(3, "state"),
        status: column!(4, "status"),
        attempt: column!(5, "attempt"),
        step: column!(6, "step"),
        revision: column!(7, "revision"),
        context: column!(8, "context"),
        due_at: column!(9, "due_at"),
        compensation_boundary: column!(10, "compensation_boundary"),
        paused_from: column!(11, "paused_from"),
        cancelled: column!(12, "cancelled"),
        queries: column!(13, "queries"),
        request: column!(14, "request"),
        error: column!(15, "error"),
        fence: column!(16, "fence"),
        lease_owner: column!(17, "lease_owner"),
        lease_expires_at: column!(18, "lease_expires_at"),
        journal: column!(19, "journal"),
        definition: column!(20, "definition"),
    }
    .decode()
}

/// Decodes a row of `id, flow, flow_version, state, status, quarantine, definition` into a listing
/// entry. A quarantined record, or one whose status cannot be read, is listed as needing a
/// person, never left out.
pub(crate) fn summary_from_row<'r, R>(row: &'r R) -> InstanceSummary
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let text = |index: usize| row.try_get::<String, _>(index).unwrap_or_default();
    let quarantine: Option<String> = row.try_get(5).ok().flatten();
    let status = match quarantine {
        Some(_) => Status::Manual,
        None => Status::from_name(&text(4)).unwrap_or(Status::Manual),
    };
    InstanceSummary {
        // An id that does not parse shows as the nil id: listed, for a person to look at.
        id: text(0).parse().unwrap_or(flow_core::InstanceId::NIL),
        flow: text(1),
        flow_version: row
            .try_get::<i64, _>(2)
            .ok()
            .and_then(|version| u32::try_from(version).ok())
            .unwrap_or(0),
        definition: row.try_get(6).ok().flatten(),
        state: text(3),
        status,
    }
}
