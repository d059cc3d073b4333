//! Flow definitions in the `flow_definitions` table, by content hash.
//!
//! Saving inserts the row unless its hash is there (`ON CONFLICT DO NOTHING`), so two
//! processes saving one definition at once both succeed and one row stays; only when the hash
//! was there does a second statement compare the bodies.

use std::time::SystemTime;

use sqlx::{ColumnIndex, Decode, Row, Type};

use super::{Backend, SqlStore, sql_error};
use crate::store::stored::micros;
use crate::store::{StoreError, StoredDefinition};

/// The columns [`definition_from_row`] reads, in its order.
macro_rules! definition_columns {
    () => {
        "hash, flow, version, body"
    };
}

/// Keeps `definition` unless its hash is stored; refuses another body under a stored hash.
pub(super) async fn save(
    store: &SqlStore,
    definition: &StoredDefinition,
) -> Result<(), StoreError> {
    let saved_at = micros(SystemTime::now());
    let inserted = on_pool!(store, pool => {
        sqlx::query(
            "INSERT INTO flow_definitions (hash, flow, version, body, saved_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(&definition.hash)
        .bind(&definition.flow)
        .bind(i64::from(definition.version))
        .bind(&definition.body)
        .bind(saved_at)
        .execute(pool)
        .await
        .map_err(sql_error)?
        .rows_affected()
    });
    if inserted > 0 {
        return Ok(());
    }
    let stored: Option<String> = on_pool!(store, pool => {
        sqlx::query_scalar("SELECT body FROM flow_definitions WHERE hash = $1")
            .bind(&definition.hash)
            .fetch_optional(pool)
            .await
            .map_err(sql_error)?
    });
    match stored {
        Some(body) if body == definition.body => Ok(()),
        Some(_) => Err(StoreError::DefinitionMismatch {
            hash: definition.hash.clone(),
        }),
        // Definitions are never deleted: a row that conflicted and then vanished was
        // removed by hand.
        None => Err(StoreError::Backend(format!(
            "definition `{}` was in flow_definitions and is gone",
            definition.hash
        ))),
    }
}

/// The definition stored under `hash`, if any.
pub(super) async fn load(
    store: &SqlStore,
    hash: &str,
) -> Result<Option<StoredDefinition>, StoreError> {
    on_pool!(store, pool => {
        sqlx::query(concat!(
            "SELECT ",
            definition_columns!(),
            " FROM flow_definitions WHERE hash = $1"
        ))
        .bind(hash)
        .fetch_optional(pool)
        .await
        .map_err(sql_error)?
        .map(|row| definition_from_row(&row))
        .transpose()
    })
}

/// Every definition of `flow`, by version, then by save time (then hash, for two saved in
/// one microsecond).
pub(super) async fn list(
    store: &SqlStore,
    flow: &str,
) -> Result<Vec<StoredDefinition>, StoreError> {
    on_pool!(store, pool => {
        sqlx::query(concat!(
            "SELECT ",
            definition_columns!(),
            " FROM flow_definitions WHERE flow = $1 ORDER BY version, saved_at, hash"
        ))
        .bind(flow)
        .fetch_all(pool)
        .await
        .map_err(sql_error)?
        .iter()
        .map(definition_from_row)
        .collect()
    })
}

/// Decodes a row of [`definition_columns`]. A row a buggy tool wrote is an error that names
/// it: an instance pinned to it cannot run on a guess.
fn definition_from_row<'r, R>(row: &'r R) -> Result<StoredDefinition, StoreError>
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let hash: String = row.try_get(0).map_err(sql_error)?;
    let fail = |what: &str, reason: String| {
        StoreError::Backend(format!(
            "stored definition `{hash}` cannot be decoded: {what}: {reason}"
        ))
    };
    let version: i64 = row
        .try_get(2)
        .map_err(|error| fail("version", error.to_string()))?;
    Ok(StoredDefinition {
        flow: row
            .try_get(1)
            .map_err(|error| fail("flow", error.to_string()))?,
        version: u32::try_from(version)
            .map_err(|_| fail("version", format!("{version} is out of range")))?,
        body: row
            .try_get(3)
            .map_err(|error| fail("body", error.to_string()))?,
        hash,
    })
}
