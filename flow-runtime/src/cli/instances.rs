//! `flowctl instances` and `flowctl show`: stored instances read without the application's
//! types: records carry flow names, states, and the context as JSON.

use flow_core::InstanceId;

use super::error::CliError;
use super::report::Report;
use super::time::rfc3339;
use crate::journal::JournalEntry;
use crate::outcome::Status;
use crate::store::{AnyStore, InstanceQuery, InstanceRecord, Store, redact_password};

/// The first `limit` instances (oldest first: ids are time-ordered UUID v7) in `status`
/// (every status when `None`), of `flow` and `version` when given, after `after` when given.
pub(crate) async fn list(
    store: &AnyStore,
    status: Option<Status>,
    flow: Option<&str>,
    version: Option<u32>,
    after: Option<InstanceId>,
    limit: usize,
) -> Result<Report, CliError> {
    let query = InstanceQuery {
        status,
        flow,
        version,
        after,
        limit,
    };
    let found = store.list(&query).await?;
    let mut text = String::new();
    if found.is_empty() {
        text.push_str("no instances found\n");
    } else {
        text.push_str(&format!(
            "{:<36}  {:<12}  {:<20}  {:>7}  STATE\n",
            "ID", "STATUS", "FLOW", "VERSION"
        ));
        for summary in &found {
            text.push_str(&format!(
                "{:<36}  {:<12}  {:<20}  {:>7}  {}\n",
                summary.id.to_string(),
                summary.status.name(),
                summary.flow,
                summary.flow_version,
                summary.state
            ));
        }
    }
    let json = serde_json::to_value(&found).unwrap_or_default();
    Ok(Report { text, json })
}

/// `text` as an instance id.
pub(crate) fn parse_id(text: &str) -> Result<InstanceId, CliError> {
    text.parse()
        .map_err(|_| CliError::BadInstanceId(text.to_owned()))
}

/// The stored record of `id`.
pub(crate) async fn load(
    store: &AnyStore,
    url: &str,
    id: &str,
) -> Result<InstanceRecord, CliError> {
    let instance = parse_id(id)?;
    store
        .load(instance)
        .await?
        .ok_or_else(|| CliError::NoSuchInstance {
            id: id.to_owned(),
            store: redact_password(url),
        })
}

/// One instance in full.
pub(crate) async fn show(store: &AnyStore, url: &str, id: &str) -> Result<Report, CliError> {
    let record = load(store, url, id).await?;
    Ok(describe(&record))
}

/// The context as JSON: the engine stores `{"data": …, "labels": […]}`.
fn context_json(record: &InstanceRecord) -> serde_json::Value {
    if record.context.is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&record.context).unwrap_or_else(|_| {
        serde_json::json!({ "undecodable": format!("{} bytes, not JSON", record.context.len()) })
    })
}

fn entry_json(entry: &JournalEntry) -> serde_json::Value {
    serde_json::json!({
        "step": entry.step,
        "kind": entry.kind,
        "action": entry.action,
        "instruction": entry.instruction,
        "from": entry.from,
        "to": entry.to,
        "attempt": entry.attempt,
        "at": rfc3339(entry.at),
    })
}

pub(crate) fn describe(record: &InstanceRecord) -> Report {
    let context = context_json(record);
    let mut text = String::new();
    let definition = record
        .definition
        .as_deref()
        .map(|hash| format!(" (definition {})", crate::engine::short_hash(hash)))
        .unwrap_or_default();
    text.push_str(&format!("instance  {}\n", record.id));
    text.push_str(&format!(
        "flow      {} v{}{definition}\n",
        record.flow, record.flow_version
    ));
    text.push_str(&format!("state     {}\n", record.state));
    text.push_str(&format!("status    {}\n", record.status.name()));
    text.push_str(&format!(
        "step      {} (attempt {}, revision {})\n",
        record.step, record.attempt, record.revision
    ));
    if let Some(due) = record.due_at {
        text.push_str(&format!("due at    {}\n", rfc3339(due)));
    }
    if record.cancelled {
        text.push_str("cancelled by an operator\n");
    }
    if let Some(request) = &record.request {
        let by = request
            .actor
            .as_deref()
            .map(|actor| format!(" by {actor}"))
            .unwrap_or_default();
        text.push_str(&format!(
            "request   {}{by} (waiting for the engine running it)\n",
            request.kind.name()
        ));
    }
    if let Some(error) = &record.error {
        let action = error
            .action
            .as_deref()
            .map(|a| format!("{a}: "))
            .unwrap_or_default();
        text.push_str(&format!(
            "error     {action}{} (attempt {}, step {})\n",
            error.message, error.attempt, error.step
        ));
    }
    text.push_str("context\n");
    let pretty = serde_json::to_string_pretty(&context).unwrap_or_default();
    for line in pretty.lines() {
        text.push_str(&format!("  {line}\n"));
    }
    text.push_str(&format!("journal ({} entries)\n", record.journal.len()));
    for entry in &record.journal {
        text.push_str(&format!(
            "  {}  step {:<3} {:<12} {} -> {}  {} / {}  attempt {}\n",
            rfc3339(entry.at),
            entry.step,
            format!("{:?}", entry.kind).to_lowercase(),
            entry.from,
            entry.to,
            entry.action,
            entry.instruction,
            entry.attempt
        ));
    }
    let json = serde_json::json!({
        "id": record.id,
        "flow": record.flow,
        "version": record.flow_version,
        "definition": record.definition,
        "state": record.state,
        "status": record.status,
        "step": record.step,
        "attempt": record.attempt,
        "revision": record.revision,
        "due_at": record.due_at.map(rfc3339),
        "cancelled": record.cancelled,
        "request": record.request.as_ref().map(|request| request.kind),
        "requested_by": record.request.as_ref().and_then(|request| request.actor.as_deref()),
        "error": record.error,
        "context": context,
        "journal": record.journal.iter().map(entry_json).collect::<Vec<_>>(),
    });
    Report { text, json }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::store::{OperatorRequest, PendingRequest};

    #[test]
    fn a_request_waiting_for_the_engine_is_shown_with_who_gave_it() {
        let mut record = InstanceRecord {
            id: InstanceId::new(),
            flow: Cow::Borrowed("Checkout"),
            flow_version: 1,
            definition: None,
            state: Cow::Borrowed("Paid"),
            status: Status::Running,
            attempt: 1,
            step: 2,
            revision: 3,
            context: br#"{"data":{},"labels":[]}"#.to_vec(),
            journal: Vec::new(),
            due_at: None,
            compensation_boundary: None,
            paused_from: None,
            cancelled: false,
            queries: 0,
            request: Some(PendingRequest::new(OperatorRequest::Pause, "rita")),
            error: None,
            lease: None,
        };
        let shown = describe(&record);
        assert!(
            shown
                .text
                .contains("request   pause by rita (waiting for the engine running it)"),
            "{}",
            shown.text
        );
        assert_eq!(shown.json["request"], "pause");
        assert_eq!(shown.json["requested_by"], "rita");

        record.request = Some(PendingRequest::from(OperatorRequest::Cancel));
        let shown = describe(&record);
        assert!(
            shown.text.contains("request   cancel (waiting"),
            "{}",
            shown.text
        );
        assert!(shown.json["requested_by"].is_null());
    }
}
