//! What durable stores keep of a record, field by field, and the one decoder that turns
//! those fields back into an [`InstanceRecord`] or says exactly what in them cannot be read.
//! SQL rows and Redis hashes hold the same fields, encoded the same way.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use crate::instance_error::InstanceError;
use crate::journal::{JournalEntry, JournalKind};
use crate::outcome::Status;
use crate::store::{InstanceRecord, Lease, PendingRequest};

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

/// The JSON of an instance's last error, as stored in its row.
pub(crate) fn error_json(error: &InstanceError) -> String {
    // Strings, numbers and a kind: it always serializes.
    serde_json::to_string(error).unwrap_or_else(|_| String::from("{}"))
}

/// The JSON of one journal entry, as stored in its row.
pub(crate) fn entry_json(entry: &JournalEntry) -> String {
    // Once per step on a durable store: an entry without chaos or signal notes (every step's)
    // is written field by field, the same bytes serde writes (tested), without its map
    // machinery and without escaping the field names.
    if entry.injected.is_none()
        && entry.signal.is_none()
        && let Ok(since_epoch) = entry.at.duration_since(SystemTime::UNIX_EPOCH)
        && let Some(json) = plain_entry_json(entry, since_epoch)
    {
        return json;
    }
    // A journal entry is strings, numbers and a time: it always serializes.
    serde_json::to_string(entry).unwrap_or_else(|_| String::from("{}"))
}

/// What [`plain_entry_json`] writes besides the four names: field names and punctuation
/// (146 bytes with `"compensable":false`), a kind (at most 12) and four numbers (at most 20
/// digits each, but the attempt's and the nanoseconds' at most 10 and 9).
const PLAIN_ENTRY_FRAME: usize = 146 + 12 + 20 + 10 + 20 + 9;

/// [`entry_json`] of an entry without `injected` and `signal`, recorded `since_epoch`.
fn plain_entry_json(entry: &JournalEntry, since_epoch: Duration) -> Option<String> {
    // The field names, punctuation and numbers take at most 215 bytes: one allocation.
    let mut json = String::with_capacity(
        PLAIN_ENTRY_FRAME
            + entry.action.len()
            + entry.instruction.len()
            + entry.from.len()
            + entry.to.len(),
    );
    let mut decimal = itoa::Buffer::new();
    json.push_str(r#"{"step":"#);
    json.push_str(decimal.format(entry.step));
    json.push_str(r#","kind":""#);
    json.push_str(kind_name(entry.kind));
    json.push_str(r#"","action":"#);
    push_json_str(&mut json, &entry.action)?;
    json.push_str(r#","instruction":"#);
    push_json_str(&mut json, &entry.instruction)?;
    json.push_str(r#","from":"#);
    push_json_str(&mut json, &entry.from)?;
    json.push_str(r#","to":"#);
    push_json_str(&mut json, &entry.to)?;
    json.push_str(r#","attempt":"#);
    json.push_str(decimal.format(entry.attempt));
    json.push_str(if entry.compensable {
        r#","compensable":true,"at":{"secs_since_epoch":"#
    } else {
        r#","compensable":false,"at":{"secs_since_epoch":"#
    });
    json.push_str(decimal.format(since_epoch.as_secs()));
    json.push_str(r#","nanos_since_epoch":"#);
    json.push_str(decimal.format(since_epoch.subsec_nanos()));
    json.push_str("}}");
    Some(json)
}

/// Appends `text` as the JSON string serde_json writes for it; `None` where serde_json
/// would escape (the caller falls back to serde_json for the whole entry).
fn push_json_str(json: &mut String, text: &str) -> Option<()> {
    // serde_json escapes control characters, quotes and backslashes, nothing else.
    if text
        .bytes()
        .all(|byte| byte >= 0x20 && byte != b'"' && byte != b'\\')
    {
        json.push('"');
        json.push_str(text);
        json.push('"');
        Some(())
    } else {
        None
    }
}

/// The stored name of a journal kind: its column in SQL, and its name in the entry's JSON
/// (serde's `snake_case`).
pub(crate) fn kind_name(kind: JournalKind) -> &'static str {
    match kind {
        JournalKind::Step => "step",
        JournalKind::Signal => "signal",
        JournalKind::Compensation => "compensation",
        JournalKind::Operator => "operator",
        JournalKind::Failure => "failure",
        JournalKind::Route => "route",
    }
}

/// What is wrong with a stored operator request that is not one.
fn not_a_request(text: &str) -> String {
    format!("`{text}` is not an operator request")
}

/// The operator request a commit handed back, as stored (absent or empty for none); one that
/// cannot be read makes the record undecodable, so that the store quarantines the instance
/// rather than drop what an operator asked.
pub(crate) fn handed_back_request(
    id: flow_core::InstanceId,
    text: Option<&str>,
) -> Result<Option<PendingRequest>, Undecodable> {
    match text {
        None | Some("") => Ok(None),
        Some(text) => PendingRequest::from_stored(text)
            .map(Some)
            .ok_or_else(|| Undecodable {
                id: id.to_string(),
                reason: format!("request: {}", not_a_request(text)),
            }),
    }
}

/// A stored record that cannot be read: its id (as stored) and what is wrong.
#[derive(Debug)]
pub(crate) struct Undecodable {
    pub(crate) id: String,
    pub(crate) reason: String,
}

/// A record's fields as stored, before they are checked.
pub(crate) struct StoredFields {
    pub(crate) id: String,
    pub(crate) flow: String,
    pub(crate) flow_version: i64,
    /// The content hash of the instance's definition; `None` (or empty, in Redis) for a
    /// compiled flow.
    pub(crate) definition: Option<String>,
    pub(crate) state: String,
    pub(crate) status: String,
    pub(crate) attempt: i64,
    pub(crate) step: i64,
    pub(crate) revision: i64,
    pub(crate) context: Vec<u8>,
    pub(crate) due_at: Option<i64>,
    pub(crate) compensation_boundary: Option<i64>,
    pub(crate) paused_from: Option<String>,
    pub(crate) cancelled: i64,
    pub(crate) queries: i64,
    pub(crate) request: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) fence: i64,
    pub(crate) lease_owner: Option<i64>,
    pub(crate) lease_expires_at: Option<i64>,
    /// The journal entries' JSON, joined by commas.
    pub(crate) journal: String,
}

impl StoredFields {
    /// The record, or what in the fields cannot be read.
    pub(crate) fn decode(self) -> Result<InstanceRecord, Undecodable> {
        let raw_id = self.id.clone();
        let fail = |what: &str, message: String| Undecodable {
            id: raw_id.clone(),
            reason: format!("{what}: {message}"),
        };
        let id = self
            .id
            .parse::<flow_core::InstanceId>()
            .map_err(|error| fail("id", error.to_string()))?;
        let unsigned = |name: &str, value: i64| {
            u64::try_from(value).map_err(|_| fail(name, format!("{value} is negative")))
        };
        let small = |name: &str, value: i64| {
            u32::try_from(value).map_err(|_| fail(name, format!("{value} is out of range")))
        };
        let status = Status::from_name(&self.status)
            .ok_or_else(|| fail("status", format!("`{}` is not a status", self.status)))?;
        let paused_from = self
            .paused_from
            .map(|name| {
                Status::from_name(&name)
                    .ok_or_else(|| fail("paused_from", format!("`{name}` is not a status")))
            })
            .transpose()?;
        let request = self
            .request
            .map(|text| {
                PendingRequest::from_stored(&text)
                    .ok_or_else(|| fail("request", not_a_request(&text)))
            })
            .transpose()?;
        let journal: Vec<JournalEntry> = serde_json::from_str(&format!("[{}]", self.journal))
            .map_err(|error| fail("journal", error.to_string()))?;
        let error: Option<InstanceError> = self
            .error
            .map(|json| {
                serde_json::from_str(&json).map_err(|error| fail("error", error.to_string()))
            })
            .transpose()?;
        let lease = self.lease_expires_at.map(|expires_at| Lease {
            token: self.fence as u64,
            owner: self.lease_owner.unwrap_or(0) as u64,
            expires_at: time(expires_at),
        });
        Ok(InstanceRecord {
            id,
            flow: Cow::Owned(self.flow),
            flow_version: small("flow_version", self.flow_version)?,
            definition: self.definition.map(Cow::Owned),
            state: Cow::Owned(self.state),
            status,
            attempt: small("attempt", self.attempt)?,
            step: unsigned("step", self.step)?,
            revision: unsigned("revision", self.revision)?,
            context: self.context,
            journal,
            due_at: self.due_at.map(time),
            compensation_boundary: self
                .compensation_boundary
                .map(|boundary| unsigned("compensation_boundary", boundary))
                .transpose()?,
            paused_from,
            cancelled: self.cancelled != 0,
            queries: small("queries", self.queries)?,
            request,
            error,
            lease,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Injected, SignalNote};

    fn entry(action: &'static str, compensable: bool) -> JournalEntry {
        JournalEntry {
            step: 41,
            kind: JournalKind::Compensation,
            action: action.into(),
            instruction: "Done \"now\" \u{e9}".into(),
            from: "S\\0".into(),
            to: "Ünïcode".into(),
            attempt: 3,
            compensable,
            injected: None,
            at: SystemTime::UNIX_EPOCH + Duration::new(1_764_600_000, 123_456_789),
            signal: None,
        }
    }

    #[test]
    fn the_widest_plain_entry_is_written_in_one_allocation() {
        let widest = JournalEntry {
            step: u64::MAX,
            attempt: u32::MAX,
            instruction: "Done".into(),
            from: "S1".into(),
            to: "S2".into(),
            at: SystemTime::UNIX_EPOCH + Duration::new(u64::MAX / 4, 999_999_999),
            ..entry("reserve", false)
        };
        let since_epoch = widest.at.duration_since(SystemTime::UNIX_EPOCH).unwrap();
        let json = plain_entry_json(&widest, since_epoch).expect("plain names");
        assert_eq!(json, serde_json::to_string(&widest).unwrap());
        // Grown, the buffer would be larger than it was made.
        assert_eq!(json.capacity(), PLAIN_ENTRY_FRAME + "reserveDoneS1S2".len());
        assert!(
            json.len() > json.capacity() - 25,
            "the frame is {} bytes too generous",
            json.capacity() - json.len()
        );
    }

    #[test]
    fn a_journal_entry_is_stored_as_serde_writes_it_and_reads_back() {
        let kinds = [
            JournalKind::Step,
            JournalKind::Signal,
            JournalKind::Compensation,
            JournalKind::Operator,
            JournalKind::Failure,
            JournalKind::Route,
        ]
        .map(|kind| JournalEntry {
            kind,
            step: u64::MAX,
            attempt: 0,
            at: SystemTime::UNIX_EPOCH,
            ..entry("noop", false)
        });
        for entry in kinds.into_iter().chain([
            entry("noop", false),
            entry("refund\n\ttab", true),
            JournalEntry {
                injected: Some(Injected::Latency),
                ..entry("chaos", false)
            },
            JournalEntry {
                signal: Some(Box::new(SignalNote {
                    actor: Some("rita".into()),
                    payload_bytes: 2,
                    payload_sha256: None,
                })),
                ..entry("signal", false)
            },
        ]) {
            let stored = entry_json(&entry);
            assert_eq!(stored, serde_json::to_string(&entry).expect("serializes"));
            let read: JournalEntry = serde_json::from_str(&stored).expect("reads back");
            assert_eq!(read, entry);
        }
    }
}
