//! How the worker takes up stored instances: resuming due ones, adopting orphans, and
//! parking for a person what cannot go on.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tracing::Instrument;

use super::activation::Activation;
use super::document_loader::{self, StoredDefinitionError};
use super::drive;
use super::inner::{Inner, Resume};
use super::json_door;
use super::machine::FlowMachine;
use crate::outcome::Status;
use crate::stats::FlowStats;
use crate::store::{Commit, InstanceRecord, Lease, Store};

/// How long an instance of a flow this engine does not know waits before it is offered
/// again: the due time it had is gone with the claim, and an engine that knows its flow
/// (another version in a rolling deploy, say) should get it soon.
const HAND_BACK_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Gives back a claimed instance of a flow this engine does not know, so that an engine
/// that knows it takes it up: a due instance stays due (its claim consumed the timer), an
/// orphan stays an orphan (its lease stays, lapsed).
pub(crate) async fn hand_back<S: Store>(
    inner: &Inner<S>,
    record: InstanceRecord,
    lease: Lease,
    orphan: bool,
) {
    tracing::info!(flow = %record.flow, version = record.flow_version, instance = %record.id, "instance of a flow this engine does not run; handed back for an engine that does");
    let now = inner.clock.now();
    let commit = if orphan {
        record.unchanged(lease.token, inner.config.journal_cap, now)
    } else {
        Commit {
            due_at: Some(record.due_at.unwrap_or(now + HAND_BACK_AFTER)),
            release_lease: true,
            ..record.unchanged(lease.token, inner.config.journal_cap, now)
        }
    };
    if let Err(error) = inner.store.commit(commit).await {
        tracing::error!(instance = %record.id, %error, "handing an instance back failed");
    }
}

/// What runs a stored instance.
pub(crate) enum Resolution<S: Store> {
    /// Its flow, on the definition it started with.
    Runs(Arc<dyn Resume<S>>),
    /// A flow (or an action or data type of its definition) this engine does not have:
    /// another engine may.
    Unknown,
    /// Its definition is nowhere to be found: it must not run on another one.
    Missing(String),
}

/// Finds what runs `record`: its compiled flow by name and version, or its document
/// definition by content hash, loaded from the store when this engine has not loaded it.
pub(crate) async fn resolve<S: Store>(inner: &Inner<S>, record: &InstanceRecord) -> Resolution<S> {
    let Some(hash) = record.definition.as_deref() else {
        return match inner.by_name(&record.flow, record.flow_version) {
            Some(registered) => Resolution::Runs(Arc::clone(&registered.resume)),
            None => Resolution::Unknown,
        };
    };
    if let Some(installed) = inner.documents().get(hash) {
        return Resolution::Runs(Arc::clone(&installed.resume));
    }
    match document_loader::load_stored(inner, hash).await {
        Ok(()) => match inner.documents().get(hash) {
            Some(installed) => Resolution::Runs(Arc::clone(&installed.resume)),
            None => Resolution::Unknown,
        },
        Err(StoredDefinitionError::NotStored) => Resolution::Missing(format!(
            "its definition `{hash}` of flow `{}` v{} is not in the store; it is never run on another definition",
            record.flow, record.flow_version
        )),
        Err(error) => {
            tracing::warn!(instance = %record.id, definition = hash, %error, "cannot load the definition an instance runs on");
            Resolution::Unknown
        }
    }
}

/// Parks an instance whose definition is gone for a person, its record kept as is.
pub(crate) async fn quarantine_missing<S: Store>(
    inner: &Inner<S>,
    record: InstanceRecord,
    lease: Lease,
    reason: String,
) {
    let flow = inner
        .by_name(&record.flow, record.flow_version)
        .map_or("", |registered| registered.name);
    quarantine(inner, flow, record, lease, reason).await;
}

/// Resumes stored instances of one flow for the worker.
pub(crate) struct FlowResume<F> {
    pub(crate) flow: F,
    pub(crate) stats: Option<FlowStats>,
}

impl<F: FlowMachine, S: Store> Resume<S> for FlowResume<F> {
    fn start_json(
        &self,
        engine: super::Engine<S>,
        data: serde_json::Value,
        options: super::StartOptions,
    ) -> json_door::Door<flow_core::InstanceId> {
        json_door::start_json(engine, self.flow.clone(), data, options)
    }

    fn signal_json(
        &self,
        engine: super::Engine<S>,
        instance: flow_core::InstanceId,
        event: String,
        delivery: super::signal_delivery::Delivery,
    ) -> json_door::Door<crate::store::InstanceSummary> {
        json_door::signal_json(engine, self.flow.clone(), instance, event, delivery)
    }

    fn skip_json(
        &self,
        engine: super::Engine<S>,
        actor: String,
        instance: flow_core::InstanceId,
        state: String,
    ) -> json_door::Door<()> {
        json_door::skip_json(engine, self.flow.clone(), actor, instance, state)
    }

    fn spec(&self) -> flow_core::FlowSpec {
        self.flow.table().to_spec()
    }

    fn resume(
        &self,
        inner: Arc<Inner<S>>,
        record: InstanceRecord,
        lease: Lease,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let flow = self.flow.clone();
        let stats = self.stats.clone();
        Box::pin(async move {
            let id = record.id;
            let name = flow.name();
            let span = tracing::info_span!("flow", flow = name, instance = %id);
            let mut activation = match Activation::load(flow, record.clone(), lease, stats) {
                Ok(activation) => activation,
                Err(error) => {
                    let reason = format!("quarantined: {error}");
                    quarantine(&inner, name, record, lease, reason).await;
                    return;
                }
            };
            if let Err(error) = drive::drive(&inner, &mut activation).instrument(span).await {
                tracing::warn!(flow = name, instance = %id, %error, "activation stopped; the instance stays in the store");
            }
        })
    }

    fn adopt(
        &self,
        inner: Arc<Inner<S>>,
        record: InstanceRecord,
        lease: Lease,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        if inner.store.keeps_running_context() {
            return self.resume(inner, record, lease);
        }
        let flow = self.flow.name();
        Box::pin(async move {
            let reason = format!(
                "its driver stopped in state `{}` and its lease lapsed; the store holds its data as of its last rest, so check what its steps did, then `retry` or `skip`",
                record.state
            );
            quarantine(&inner, flow, record, lease, reason).await;
        })
    }
}

/// An instance whose record cannot be read, or whose driver was lost where the store cannot
/// tell what it did, is parked for a person, its record kept as is.
pub(crate) async fn quarantine<S: Store>(
    inner: &Inner<S>,
    flow: &'static str,
    record: InstanceRecord,
    lease: Lease,
    reason: String,
) {
    tracing::error!(flow = %record.flow, instance = %record.id, %reason, "instance parked for a person");
    let commit = Commit {
        status: Status::Manual,
        due_at: None,
        error: Some(crate::InstanceError::reason(
            reason.clone(),
            record.attempt,
            record.step,
        )),
        clear_request: true,
        release_lease: true,
        ..record.unchanged(lease.token, inner.config.journal_cap, inner.clock.now())
    };
    if let Err(error) = inner.store.commit(commit).await {
        tracing::error!(instance = %record.id, %error, "quarantine failed");
    }
    if !inner.plugins.is_empty() {
        let event = crate::plugin::FlowEvent {
            flow,
            version: record.flow_version,
            instance: record.id,
            state: &record.state,
            labels: &[],
        };
        inner
            .plugins
            .each(|plugin| plugin.on_manual(&event, &reason));
    }
    inner.instance_rested(None);
}
