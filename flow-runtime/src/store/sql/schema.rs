//! The database schema, as embedded, versioned migrations run on connect.
//!
//! Each migration runs once, in a transaction, and records its version in `flow_schema`; a
//! database whose version is newer than this build knows is refused, so an old engine never
//! writes records a newer one laid out differently.

use super::{Backend, sql_error};
use crate::store::StoreError;

/// One schema change.
pub(crate) struct Migration {
    /// Its version: migrations apply in ascending order.
    pub(crate) version: i64,
    /// The statements, for SQLite.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) sqlite: &'static str,
    /// The statements, for PostgreSQL.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) postgres: &'static str,
}

/// Every migration of this build, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("migrations/0001_instances.sqlite.sql"),
        postgres: include_str!("migrations/0001_instances.postgres.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("migrations/0002_structured_errors.sqlite.sql"),
        postgres: include_str!("migrations/0002_structured_errors.postgres.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("migrations/0003_definitions.sqlite.sql"),
        postgres: include_str!("migrations/0003_definitions.postgres.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("migrations/0004_listing_by_flow.sqlite.sql"),
        postgres: include_str!("migrations/0004_listing_by_flow.postgres.sql"),
    },
];

/// In transaction `tx`: reads the database's version, refuses a newer one, and applies the
/// `dialect` statements of the migrations it lacks, recording each.
macro_rules! apply_missing {
    ($tx:ident, $dialect:ident, $url:expr, $migrations:expr, $supported:expr) => {
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS flow_schema (version BIGINT NOT NULL)")
            .execute(&mut *$tx)
            .await
            .map_err(sql_error)?;
        let found: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM flow_schema")
            .fetch_one(&mut *$tx)
            .await
            .map_err(sql_error)?;
        let found = found.unwrap_or(0);
        check_not_newer($url, found, $supported)?;
        for migration in $migrations.iter().filter(|m| m.version > found) {
            sqlx::raw_sql(migration.$dialect)
                .execute(&mut *$tx)
                .await
                .map_err(sql_error)?;
            sqlx::query("INSERT INTO flow_schema (version) VALUES ($1)")
                .bind(migration.version)
                .execute(&mut *$tx)
                .await
                .map_err(sql_error)?;
        }
    };
}

/// Applies the migrations of `migrations` the database does not have yet.
pub(crate) async fn migrate(
    backend: &Backend,
    url: &str,
    migrations: &[Migration],
) -> Result<i64, StoreError> {
    let supported = migrations.last().map_or(0, |migration| migration.version);
    match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite(pool) => {
            // BEGIN IMMEDIATE takes the write lock first: two processes opening one new file
            // at once migrate it one after the other.
            let mut tx = pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(sql_error)?;
            apply_missing!(tx, sqlite, url, migrations, supported);
            tx.commit().await.map_err(sql_error)?;
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres(pool) => {
            let mut tx = pool.begin().await.map_err(sql_error)?;
            // One migrator at a time across every process sharing the database.
            sqlx::query("SELECT pg_advisory_xact_lock(7261001)")
                .execute(&mut *tx)
                .await
                .map_err(sql_error)?;
            apply_missing!(tx, postgres, url, migrations, supported);
            tx.commit().await.map_err(sql_error)?;
        }
    }
    Ok(supported)
}

fn check_not_newer(url: &str, found: i64, supported: i64) -> Result<(), StoreError> {
    if found > supported {
        return Err(StoreError::NewerSchema {
            url: crate::store::redact_password(url),
            found,
            supported,
        });
    }
    Ok(())
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;
    use crate::store::sql::SqlStore;

    const FIRST: Migration = Migration {
        version: 1,
        sqlite: "CREATE TABLE parcels (id TEXT PRIMARY KEY)",
        postgres: "",
    };
    const SECOND: Migration = Migration {
        version: 2,
        sqlite: "ALTER TABLE parcels ADD COLUMN weight BIGINT NOT NULL DEFAULT 7",
        postgres: "",
    };

    #[tokio::test]
    async fn a_later_migration_upgrades_an_existing_database() {
        let store = SqlStore::connect("sqlite::memory:").await.unwrap();
        let pool = store.sqlite_pool().unwrap();
        // A database made by a build that knew the first migration only.
        sqlx::raw_sql("DROP TABLE flow_schema")
            .execute(pool)
            .await
            .unwrap();
        assert_eq!(migrate(&store.backend, "test", &[FIRST]).await.unwrap(), 1);
        sqlx::query("INSERT INTO parcels (id) VALUES ('p1')")
            .execute(pool)
            .await
            .unwrap();
        // The next build brings the second; running them again changes nothing.
        assert_eq!(
            migrate(&store.backend, "test", &[FIRST, SECOND])
                .await
                .unwrap(),
            2
        );
        migrate(&store.backend, "test", &[FIRST, SECOND])
            .await
            .unwrap();
        let weight: i64 = sqlx::query_scalar("SELECT weight FROM parcels WHERE id = 'p1'")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(weight, 7, "the old row is kept and migrated");
        let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM flow_schema ORDER BY 1")
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(versions, [1, 2]);
        // A build that knows only the first refuses the upgraded database.
        let error = migrate(&store.backend, "sqlite::memory:", &[FIRST])
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            StoreError::NewerSchema {
                found: 2,
                supported: 1,
                ..
            }
        ));
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod upgrade_tests {
    use super::*;
    use crate::store::Store;
    use crate::store::sql::SqlStore;

    #[tokio::test]
    async fn version_one_errors_become_structured_errors() {
        let store = SqlStore::connect("sqlite::memory:").await.unwrap();
        let pool = store.sqlite_pool().unwrap();
        // A database as version 1 left it, with an instance that failed.
        sqlx::raw_sql(
            "DROP TABLE flow_instances; DROP TABLE flow_journal; DROP TABLE flow_definitions; \
             DROP TABLE flow_schema",
        )
        .execute(pool)
        .await
        .unwrap();
        migrate(&store.backend, "test", &MIGRATIONS[..1])
            .await
            .unwrap();
        let id = flow_core::InstanceId::new();
        sqlx::query(
            "INSERT INTO flow_instances (id, flow, flow_version, state, status, attempt, step, \
             revision, context, cancelled, queries, error, fence, journal_len, journal_seq) \
             VALUES ($1, 'Checkout', 1, 'Paid', 'failed', 3, 2, 7, x'7b7d', 0, 0, \
             'mailbox does not exist', 0, 0, 0)",
        )
        .bind(id.to_string())
        .execute(pool)
        .await
        .unwrap();
        assert_eq!(
            migrate(&store.backend, "test", MIGRATIONS).await.unwrap(),
            4
        );
        let record = store.load(id).await.unwrap().unwrap();
        assert_eq!(record.definition, None);
        let error = record.error.unwrap();
        assert_eq!(error.message, "mailbox does not exist");
        assert_eq!((error.attempt, error.step, error.action), (3, 2, None));
    }

    #[tokio::test]
    async fn version_two_instances_run_on_compiled_flows_and_definitions_can_be_saved() {
        let store = SqlStore::connect("sqlite::memory:").await.unwrap();
        let pool = store.sqlite_pool().unwrap();
        // A database as version 2 left it, with an instance of a compiled flow.
        sqlx::raw_sql(
            "DROP TABLE flow_instances; DROP TABLE flow_journal; DROP TABLE flow_definitions; \
             DROP TABLE flow_schema",
        )
        .execute(pool)
        .await
        .unwrap();
        migrate(&store.backend, "test", &MIGRATIONS[..2])
            .await
            .unwrap();
        let id = flow_core::InstanceId::new();
        sqlx::query(
            "INSERT INTO flow_instances (id, flow, flow_version, state, status, attempt, step, \
             revision, context, cancelled, queries, fence, journal_len, journal_seq) \
             VALUES ($1, 'Checkout', 1, 'Paid', 'waiting', 1, 2, 7, x'7b7d', 0, 0, 0, 0, 0)",
        )
        .bind(id.to_string())
        .execute(pool)
        .await
        .unwrap();
        assert_eq!(
            migrate(&store.backend, "test", MIGRATIONS).await.unwrap(),
            4
        );
        let record = store.load(id).await.unwrap().unwrap();
        assert_eq!((&*record.state, record.revision), ("Paid", 7));
        assert_eq!(record.definition, None, "it runs on its compiled flow");
        let listed = store
            .list(&crate::store::InstanceQuery::new(10).status(crate::outcome::Status::Waiting))
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].definition, None);
        let definition = crate::store::StoredDefinition {
            hash: "ab".repeat(32),
            flow: "Refund".into(),
            version: 1,
            body: "flow Refund {}".into(),
        };
        store.save_definition(&definition).await.unwrap();
        assert_eq!(
            store.load_definition(&definition.hash).await.unwrap(),
            Some(definition)
        );
    }
}
