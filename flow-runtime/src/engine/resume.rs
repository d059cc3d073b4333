//! How the worker takes up stored instances: resuming due ones, adopting orphans, and
//! parking for a person what cannot go on.

use std::any::TypeId;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use flow_core::Flow;
use tracing::Instrument;

use super::activation::{Activation, FlowData};
use super::drive;
use super::inner::{Inner, Resume};
use crate::outcome::Status;
use crate::store::{Commit, InstanceRecord, Lease, Store};

/// Resumes stored instances of `F` for the worker.
pub(crate) struct TypedResume<F>(pub(crate) PhantomData<fn() -> F>);

impl<F: Flow, S: Store> Resume<S> for TypedResume<F>
where
    F::Data: FlowData,
{
    fn resume(
        &self,
        inner: Arc<Inner<S>>,
        record: InstanceRecord,
        lease: Lease,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let id = record.id;
            let span = tracing::info_span!("flow", flow = F::NAME, instance = %id);
            let stats = inner
                .flows
                .get(&TypeId::of::<F>())
                .and_then(|registered| registered.stats.clone());
            let mut activation = match Activation::<F>::load(record.clone(), lease, stats) {
                Ok(activation) => activation,
                Err(error) => {
                    let reason = format!("quarantined: {error}");
                    quarantine(&inner, F::NAME, record, lease, reason).await;
                    return;
                }
            };
            if let Err(error) = drive::drive(&inner, &mut activation).instrument(span).await {
                tracing::warn!(flow = F::NAME, instance = %id, %error, "activation stopped; the instance stays in the store");
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
        Box::pin(async move {
            let reason = format!(
                "its driver stopped in state `{}` and its lease lapsed; the store holds its data as of its last rest, so check what its steps did, then `retry` or `skip`",
                record.state
            );
            quarantine(&inner, F::NAME, record, lease, reason).await;
        })
    }
}

/// An instance whose record cannot be read, or whose driver was lost where the store cannot
/// tell what it did, is parked for a person, its record kept as is.
async fn quarantine<S: Store>(
    inner: &Inner<S>,
    flow: &'static str,
    record: InstanceRecord,
    lease: Lease,
    reason: String,
) {
    tracing::error!(flow = %record.flow, instance = %record.id, %reason, "instance parked for a person");
    let commit = Commit {
        id: record.id,
        expected_revision: record.revision,
        lease_token: lease.token,
        state: record.state.clone(),
        status: Status::Manual,
        attempt: record.attempt,
        step: record.step,
        context: None,
        journal: None,
        journal_cap: inner.config.journal_cap,
        due_at: None,
        compensation_boundary: record.compensation_boundary,
        paused_from: record.paused_from,
        cancelled: record.cancelled,
        queries: record.queries,
        error: Some(crate::InstanceError::reason(
            reason.clone(),
            record.attempt,
            record.step,
        )),
        clear_request: true,
        release_lease: true,
        lease_expires_at: inner.clock.now(),
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
