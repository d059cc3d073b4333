//! Flow definitions in Redis: a hash per content hash (`hash`, `flow`, `version`, `body`,
//! `saved_at`) and a set of hashes per flow, for listing.
//!
//! All definition keys share one hash tag (`{flow:definitions}`): a save writes the
//! definition and its flow's set in one script, so both must sit in one slot of a Redis
//! Cluster, and a load knows only the hash. Definitions are few and small; one slot holds
//! them all.

use std::collections::HashMap;
use std::time::SystemTime;

use redis::AsyncCommands;

use super::{RedisStore, arg, redis_error, text};
use crate::store::stored::micros;
use crate::store::{StoreError, StoredDefinition};

impl RedisStore {
    fn definitions_tag(&self) -> String {
        format!("{}:{{{}:definitions}}", self.prefix, self.prefix)
    }

    /// The key of the definition with content hash `hash`.
    fn definition_key(&self, hash: &str) -> String {
        format!("{}:def:{hash}", self.definitions_tag())
    }

    /// The key of the set of `flow`'s definition hashes.
    fn flow_definitions_key(&self, flow: &str) -> String {
        format!("{}:flow:{flow}", self.definitions_tag())
    }
}

/// A definition's hash fields as stored, by name; empty when the key holds nothing.
type Fields = HashMap<String, Vec<u8>>;

/// Keeps `definition` unless its hash is stored; refuses another body under a stored hash.
/// One script: the check and the write are one atomic round trip.
pub(super) async fn save(
    store: &RedisStore,
    definition: &StoredDefinition,
) -> Result<(), StoreError> {
    let mut invocation = store.scripts.save_definition.prepare_invoke();
    invocation
        .key(store.definition_key(&definition.hash))
        .key(store.flow_definitions_key(&definition.flow))
        .arg(&definition.hash)
        .arg(&definition.flow)
        .arg(definition.version)
        .arg(&definition.body)
        .arg(arg(micros(SystemTime::now())));
    let mut connection = store.connection.clone();
    let answer: redis::Value = invocation
        .invoke_async(&mut connection)
        .await
        .map_err(redis_error)?;
    match text(&answer).as_str() {
        "saved" | "same" => Ok(()),
        "mismatch" => Err(StoreError::DefinitionMismatch {
            hash: definition.hash.clone(),
        }),
        other => Err(StoreError::Backend(format!(
            "unexpected answer `{other}` to saving a definition"
        ))),
    }
}

/// The definition stored under `hash`, if any.
pub(super) async fn load(
    store: &RedisStore,
    hash: &str,
) -> Result<Option<StoredDefinition>, StoreError> {
    let mut connection = store.connection.clone();
    let fields: Fields = connection
        .hgetall(store.definition_key(hash))
        .await
        .map_err(redis_error)?;
    if fields.is_empty() {
        return Ok(None);
    }
    decode(hash, &fields).map(|(definition, _)| Some(definition))
}

/// Every definition of `flow`, by version, then by save time (then hash, for two saved in
/// one microsecond): the set's members, then their hashes in one pipeline.
pub(super) async fn list(
    store: &RedisStore,
    flow: &str,
) -> Result<Vec<StoredDefinition>, StoreError> {
    let mut connection = store.connection.clone();
    let hashes: Vec<String> = connection
        .smembers(store.flow_definitions_key(flow))
        .await
        .map_err(redis_error)?;
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipeline = redis::pipe();
    for hash in &hashes {
        pipeline.hgetall(store.definition_key(hash));
    }
    let stored: Vec<Fields> = pipeline
        .query_async(&mut connection)
        .await
        .map_err(redis_error)?;
    let mut found = Vec::with_capacity(hashes.len());
    for (hash, fields) in hashes.iter().zip(&stored) {
        // Definitions are never deleted; one removed by hand is simply not listed.
        if !fields.is_empty() {
            found.push(decode(hash, fields)?);
        }
    }
    found.sort_by(|(a, a_saved), (b, b_saved)| {
        (a.version, a_saved, &a.hash).cmp(&(b.version, b_saved, &b.hash))
    });
    Ok(found
        .into_iter()
        .map(|(definition, _)| definition)
        .collect())
}

/// The definition in `fields`, and when it was saved. Fields a buggy tool wrote are an error
/// that names the definition: an instance pinned to it cannot run on a guess.
fn decode(hash: &str, fields: &Fields) -> Result<(StoredDefinition, i64), StoreError> {
    let fail = |what: &str, reason: &str| {
        StoreError::Backend(format!(
            "stored definition `{hash}` cannot be decoded: {what}: {reason}"
        ))
    };
    let string = |name: &str| -> Result<String, StoreError> {
        let raw = fields.get(name).ok_or_else(|| fail(name, "missing"))?;
        String::from_utf8(raw.clone()).map_err(|error| fail(name, &error.to_string()))
    };
    let version = string("version")?;
    let saved_at = string("saved_at")?;
    let definition = StoredDefinition {
        hash: string("hash")?,
        flow: string("flow")?,
        version: version
            .parse()
            .map_err(|_| fail("version", &format!("`{version}` is not a version")))?,
        body: string("body")?,
    };
    let saved_at = saved_at
        .parse()
        .map_err(|_| fail("saved_at", &format!("`{saved_at}` is not a time")))?;
    Ok((definition, saved_at))
}
