//! Listing instances a page at a time: the query's filters become the statement's `WHERE`,
//! ordered by id with a `LIMIT`, so the database reads one page through its indexes
//! (`flow_instances_status` by status, `flow_instances_flow` by flow and version, the
//! primary key otherwise).

use sqlx::AssertSqlSafe;

use super::row::summary_from_row;
use super::{Backend, SqlStore, sql_error};
use crate::outcome::Status;
use crate::store::{InstanceQuery, InstanceSummary, StoreError};

/// What every listing reads, in the order `summary_from_row` decodes.
const SELECT: &str = "SELECT id, flow, flow_version, state, status, quarantine, definition \
                      FROM flow_instances";

/// Records that need a person whatever their status says: set aside as undecodable, or with
/// a status no engine knows.
const SET_ASIDE: &str = "(quarantine IS NOT NULL OR status NOT IN ('running', 'waiting', \
                         'paused', 'manual', 'completed', 'compensating', 'failed', \
                         'cancelled'))";

/// The statement for `query`: only fixed fragments and numbered placeholders, bound by
/// [`list`] in the same order (status, flow, version, after, limit, each when given).
fn statement(query: &InstanceQuery<'_>) -> String {
    let mut conditions: Vec<String> = Vec::new();
    let mut placeholder = 0;
    let mut next = || {
        placeholder += 1;
        format!("${placeholder}")
    };
    if let Some(status) = query.status {
        let status_is = format!("(quarantine IS NULL AND status = {})", next());
        conditions.push(if status == Status::Manual {
            format!("({status_is} OR {SET_ASIDE})")
        } else {
            status_is
        });
    }
    if query.flow.is_some() {
        conditions.push(format!("flow = {}", next()));
    }
    if query.version.is_some() {
        conditions.push(format!("flow_version = {}", next()));
    }
    if query.after.is_some() {
        conditions.push(format!("id > {}", next()));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    format!("{SELECT}{filter} ORDER BY id LIMIT {}", next())
}

/// The page `query` asks for.
pub(super) async fn list(
    store: &SqlStore,
    query: &InstanceQuery<'_>,
) -> Result<Vec<InstanceSummary>, StoreError> {
    let sql = statement(query);
    let after = query.after.map(|id| id.to_string());
    let found = on_pool!(store, pool => {
        let mut statement = sqlx::query(AssertSqlSafe(sql.as_str()));
        if let Some(status) = query.status {
            statement = statement.bind(status.name());
        }
        if let Some(flow) = query.flow {
            statement = statement.bind(flow);
        }
        if let Some(version) = query.version {
            statement = statement.bind(i64::from(version));
        }
        if let Some(after) = &after {
            statement = statement.bind(after.as_str());
        }
        statement
            .bind(i64::try_from(query.limit).unwrap_or(i64::MAX))
            .fetch_all(pool)
            .await
            .map_err(sql_error)?
            .iter()
            .map(summary_from_row)
            .collect()
    });
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_filter_given_is_a_condition_with_the_next_placeholder() {
        assert_eq!(
            statement(&InstanceQuery::new(5)),
            format!("{SELECT} ORDER BY id LIMIT $1")
        );
        let id = flow_core::InstanceId::new();
        assert_eq!(
            statement(
                &InstanceQuery::new(5)
                    .status(Status::Waiting)
                    .flow("Review")
                    .version(2)
                    .after(id)
            ),
            format!(
                "{SELECT} WHERE (quarantine IS NULL AND status = $1) AND flow = $2 \
                 AND flow_version = $3 AND id > $4 ORDER BY id LIMIT $5"
            )
        );
        assert_eq!(
            statement(&InstanceQuery::new(5).status(Status::Manual).after(id)),
            format!(
                "{SELECT} WHERE ((quarantine IS NULL AND status = $1) OR {SET_ASIDE}) \
                 AND id > $2 ORDER BY id LIMIT $3"
            )
        );
    }
}
