//! Listing instances a page at a time from the shards' status indexes.
//!
//! Each shard keeps its instances in a sorted set of `status:id` members (all scored 0), so
//! one status of one shard is a lexical range in id order. A page merges those ranges: one
//! cursor per shard and status asked for, each reading a batch at a time from where the page
//! before stopped (`after`), the smallest id first, until the page is full. Flow and version
//! have no index of their own here: they are checked on each instance read, so a filter that
//! admits few instances reads more of the ranges.

use std::collections::VecDeque;

use flow_core::InstanceId;
use redis::AsyncCommands;

use super::{RedisStore, SHARDS, redis_error};
use crate::outcome::Status;
use crate::store::{InstanceQuery, InstanceSummary, StoreError};

/// The fewest and most members one read of a range asks for.
const BATCH: (usize, usize) = (16, 512);

/// Where a page is in one status range of one shard.
struct Cursor {
    /// The shard's status index.
    key: String,
    status: Status,
    /// `status:`, the members' prefix.
    prefix: String,
    /// The lexical bound the next read starts from.
    from: String,
    /// Ids read and not yet taken, smallest first.
    ids: VecDeque<InstanceId>,
    /// Whether the range has nothing more past `ids`.
    exhausted: bool,
}

impl Cursor {
    fn new(key: String, status: Status, after: Option<InstanceId>) -> Self {
        let prefix = format!("{}:", status.name());
        let from = match after {
            Some(after) => format!("({prefix}{after}"),
            None => format!("[{prefix}"),
        };
        Self {
            key,
            status,
            prefix,
            from,
            ids: VecDeque::new(),
            exhausted: false,
        }
    }

    /// Reads the next `batch` ids of the range.
    async fn read(
        &mut self,
        connection: &mut super::RedisConnection,
        batch: usize,
    ) -> Result<(), StoreError> {
        let members: Vec<String> = connection
            .zrangebylex_limit(
                &self.key,
                &self.from,
                format!("[{}\u{ff}", self.prefix),
                0,
                batch as isize,
            )
            .await
            .map_err(redis_error)?;
        self.exhausted = members.len() < batch;
        if let Some(last) = members.last() {
            self.from = format!("({last}");
        }
        self.ids.extend(members.iter().filter_map(|member| {
            member
                .strip_prefix(&self.prefix)?
                .parse::<InstanceId>()
                .ok()
        }));
        Ok(())
    }
}

/// The page `query` asks for.
pub(super) async fn list(
    store: &RedisStore,
    query: &InstanceQuery<'_>,
) -> Result<Vec<InstanceSummary>, StoreError> {
    let statuses: &[Status] = match &query.status {
        Some(status) => std::slice::from_ref(status),
        None => &Status::ALL,
    };
    let batch = query.limit.clamp(BATCH.0, BATCH.1);
    let mut connection = store.connection.clone();
    let mut cursors: Vec<Cursor> = (0..SHARDS)
        .flat_map(|shard| {
            let key = store.shard_keys(shard, None).status;
            statuses
                .iter()
                .map(move |status| Cursor::new(key.clone(), *status, query.after))
        })
        .collect();
    let mut found = Vec::new();
    while found.len() < query.limit {
        for cursor in cursors
            .iter_mut()
            .filter(|cursor| cursor.ids.is_empty() && !cursor.exhausted)
        {
            cursor.read(&mut connection, batch).await?;
        }
        let Some(next) = cursors
            .iter_mut()
            .filter_map(|cursor| Some((*cursor.ids.front()?, cursor)))
            .min_by_key(|(id, _)| *id)
            .map(|(id, cursor)| {
                cursor.ids.pop_front();
                (id, cursor.status)
            })
        else {
            break;
        };
        let (id, status) = next;
        if let Some(summary) = summary(store, &mut connection, id, status).await?
            && query.admits(&summary)
        {
            found.push(summary);
        }
    }
    Ok(found)
}

/// The listing entry of `id`, indexed under `status` (a quarantined record is indexed as
/// needing a person); `None` when its record is gone.
async fn summary(
    store: &RedisStore,
    connection: &mut super::RedisConnection,
    id: InstanceId,
    status: Status,
) -> Result<Option<InstanceSummary>, StoreError> {
    let (flow, version, state, definition): (
        Option<String>,
        Option<u32>,
        Option<String>,
        Option<String>,
    ) = redis::cmd("HMGET")
        .arg(store.keys(id).record)
        .arg("flow")
        .arg("flow_version")
        .arg("state")
        .arg("definition")
        .query_async(connection)
        .await
        .map_err(redis_error)?;
    let (Some(flow), Some(flow_version), Some(state)) = (flow, version, state) else {
        return Ok(None);
    };
    Ok(Some(InstanceSummary {
        id,
        flow,
        flow_version,
        // Stored empty for a compiled flow (and absent in records older than definitions).
        definition: definition.filter(|hash| !hash.is_empty()),
        state,
        status,
    }))
}
