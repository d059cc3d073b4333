//! What the API reads and writes: request bodies, query parameters and answers, with their
//! OpenAPI schemas. Engine types are mapped here, so the wire format is written down in one
//! place and does not move when an engine type does.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::FlowListing;
use crate::journal::JournalEntry;
use crate::store::{InstanceRecord, InstanceSummary};

/// Starts an instance of a flow.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// The instance's business data, as the flow's data type reads it from JSON.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// The flow version; the highest registered or loaded when left out.
    #[serde(default, deserialize_with = "whole_version")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    pub version: Option<u32>,
    /// Routing labels (tenant, channel ...), kept in the context and in statistics.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// Starts an instance by a routed request: the router picks the flow version.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteStartRequest {
    /// The instance's business data.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// The request's attributes (tenant, channel, amount ...): text or numbers.
    #[serde(default)]
    pub attributes: BTreeMap<String, Attribute>,
    /// The sticky key of weighted splits (a customer id); a fresh one when left out.
    #[serde(default)]
    pub key: Option<String>,
}

/// One attribute of a routed request.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Attribute {
    /// Text (`"acme"`).
    Text(String),
    /// A number (`12000`).
    Number(f64),
}

/// A new instance.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Started {
    /// The new instance's id.
    pub instance: String,
    /// The variant a routed request got (`v2`); absent for a start by flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Why the router chose it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A signal for a waiting instance.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignalRequest {
    /// The event's name (`Approve`).
    pub event: String,
    /// The data it carries; the action after the wait reads it with `ctx.signal::<T>()`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub payload: Option<serde_json::Value>,
}

/// Moves a resting instance to another state.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkipRequest {
    /// The state to go on from.
    pub state: String,
}

/// Where an instance is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct InstanceBrief {
    /// The instance's id.
    pub id: String,
    /// Its flow.
    pub flow: String,
    /// Its flow's version.
    pub version: u32,
    /// The content hash of its document definition; absent for a compiled flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// Its business state.
    pub state: String,
    /// Its status: `running`, `waiting`, `compensating`, `paused`, `manual`, `completed`,
    /// `failed` or `cancelled`.
    pub status: String,
}

impl From<InstanceSummary> for InstanceBrief {
    fn from(summary: InstanceSummary) -> Self {
        Self {
            id: summary.id.to_string(),
            flow: summary.flow,
            version: summary.flow_version,
            definition: summary.definition,
            state: summary.state,
            status: summary.status.name().to_owned(),
        }
    }
}

/// One page of instances.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct InstancePage {
    /// The instances, oldest first.
    pub instances: Vec<InstanceBrief>,
    /// Give this as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Which instances to list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only instances in this status; all statuses when left out.
    pub status: Option<StatusName>,
    /// Only instances of this flow.
    pub flow: Option<String>,
    /// Only instances of this flow version.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    pub version: Option<u32>,
    /// At most this many (1 to 500, 50 when left out).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Only instances after this one (the `next` of the page before).
    #[param(format = Uuid)]
    pub after: Option<String>,
}

/// An instance's status, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusName {
    /// Running a step.
    Running,
    /// Waiting for a signal or its deadline.
    Waiting,
    /// Undoing its completed steps.
    Compensating,
    /// Paused by an operator.
    Paused,
    /// Needing a person.
    Manual,
    /// Ended in a success state.
    Completed,
    /// Ended in a failure state, compensated.
    Failed,
    /// Cancelled by an operator, compensated.
    Cancelled,
}

impl From<StatusName> for crate::outcome::Status {
    fn from(name: StatusName) -> Self {
        use crate::outcome::Status;
        match name {
            StatusName::Running => Status::Running,
            StatusName::Waiting => Status::Waiting,
            StatusName::Compensating => Status::Compensating,
            StatusName::Paused => Status::Paused,
            StatusName::Manual => Status::Manual,
            StatusName::Completed => Status::Completed,
            StatusName::Failed => Status::Failed,
            StatusName::Cancelled => Status::Cancelled,
        }
    }
}

/// Everything stored of an instance.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct InstanceDetail {
    /// Where it is.
    #[serde(flatten)]
    pub brief: InstanceBrief,
    /// The compare-and-set counter: every change adds one.
    pub revision: u64,
    /// How many steps it completed.
    pub step: u64,
    /// The attempt of its current step.
    pub attempt: u32,
    /// When the engine picks it up again (a retry, a deadline), in ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at_ms: Option<u64>,
    /// Its context as stored: `data`, `labels`, and the last `signal` received; empty while
    /// an instance runs on the memory store, which stores it when the instance rests.
    #[schema(value_type = Object)]
    pub context: serde_json::Value,
    /// What it did, in order (bounded).
    pub journal: Vec<JournalLine>,
    /// Why it failed or needs a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub error: Option<serde_json::Value>,
}

impl InstanceDetail {
    /// The detail of `record`; a context that is not JSON is shown as a string, and one not
    /// stored yet (the memory store keeps a running instance's context with its driver until
    /// the instance rests) as an empty object.
    pub(crate) fn of(record: InstanceRecord) -> Self {
        let context = if record.context.is_empty() {
            serde_json::Value::Object(serde_json::Map::new())
        } else {
            serde_json::from_slice(&record.context).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&record.context).into_owned())
            })
        };
        let error = record
            .error
            .as_ref()
            .and_then(|error| serde_json::to_value(error).ok());
        Self {
            brief: InstanceBrief {
                id: record.id.to_string(),
                flow: record.flow.into_owned(),
                version: record.flow_version,
                definition: record.definition.map(|hash| hash.into_owned()),
                state: record.state.into_owned(),
                status: record.status.name().to_owned(),
            },
            revision: record.revision,
            step: record.step,
            attempt: record.attempt,
            due_at_ms: record.due_at.map(millis),
            context,
            journal: record.journal.iter().map(JournalLine::of).collect(),
            error,
        }
    }
}

/// One journal entry.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct JournalLine {
    /// The step counter when it happened.
    pub step: u64,
    /// `step`, `signal`, `compensation`, `operator`, `failure` or `route`.
    pub kind: String,
    /// The action, the event type, the undo action, the operator instruction, or the rule.
    pub action: String,
    /// The instruction, the event, who acted, the error, or the variant.
    pub instruction: String,
    /// The state it was in.
    pub from: String,
    /// The state it moved to.
    pub to: String,
    /// The attempt.
    pub attempt: u32,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Who sent a signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The size of a signal's payload, in bytes of JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_bytes: Option<usize>,
    /// The SHA-256 of a signal's payload, in hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_sha256: Option<String>,
}

impl JournalLine {
    fn of(entry: &JournalEntry) -> Self {
        let kind = serde_json::to_value(entry.kind)
            .ok()
            .and_then(|kind| kind.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            step: entry.step,
            kind,
            action: entry.action.to_string(),
            instruction: entry.instruction.to_string(),
            from: entry.from.to_string(),
            to: entry.to.to_string(),
            attempt: entry.attempt,
            at_ms: millis(entry.at),
            actor: entry.signal.as_ref().and_then(|note| note.actor.clone()),
            payload_bytes: entry
                .signal
                .as_ref()
                .map(|note| note.payload_bytes)
                .filter(|bytes| *bytes > 0),
            payload_sha256: entry
                .signal
                .as_ref()
                .and_then(|note| note.payload_sha256.clone()),
        }
    }
}

/// A flow the API can start.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FlowDescription {
    /// The flow's name.
    pub name: String,
    /// Its version.
    pub version: u32,
    /// `compiled` (a `flow!` in the program) or `document` (loaded at run time).
    pub kind: String,
    /// The content hash of a document flow's definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// Its states, in declaration order.
    pub states: Vec<String>,
    /// Its diagram as Mermaid `stateDiagram-v2` text.
    pub mermaid: String,
}

impl From<FlowListing> for FlowDescription {
    fn from(listing: FlowListing) -> Self {
        Self {
            name: listing.name.to_owned(),
            version: listing.version,
            kind: if listing.definition.is_some() {
                "document"
            } else {
                "compiled"
            }
            .to_owned(),
            definition: listing.definition.map(str::to_owned),
            states: listing
                .spec
                .states
                .iter()
                .map(|state| state.name.clone())
                .collect(),
            mermaid: flow_core::render_mermaid(&listing.spec),
        }
    }
}

/// A version as JSON writes whole numbers, `2` or `2.0` alike (JSON Schema's integers).
fn whole_version<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    use serde::Deserialize;
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let whole = number.as_u64().or_else(|| {
        number
            .as_f64()
            .filter(|value| value.fract() == 0.0 && *value >= 0.0)
            .map(|value| value as u64)
    });
    whole
        .and_then(|value| u32::try_from(value).ok())
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "version {number} is not a whole number from 0 to 4294967295"
            ))
        })
}

/// Milliseconds since the Unix epoch.
pub(crate) fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    })
}
