//! The engine: drives instances of registered flows step by step to an end or a wait, with
//! per-action retries and timeouts, and compensates completed steps when a flow fails.

use std::any::TypeId;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use flow_core::{
    ActionError, Context, Diagnostic, Flow, FlowState, InstanceId, RetryPolicy, SignalError,
    StateEntryKind, StepError, StepPolicy,
};

use crate::journal::{JournalEntry, JournalKind};
use crate::outcome::{Outcome, Status};
use crate::store::{MemoryStore, ParkedInstance};

/// Retry policy of compensations that declare none: compensation must try hard before it
/// parks an instance for a person.
const DEFAULT_COMPENSATION_RETRY: RetryPolicy =
    RetryPolicy::exponential(5, Duration::from_millis(50), Duration::from_secs(2));

/// Why the engine refused a request.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The flow failed validation when it was registered.
    #[error("flow `{flow}` is invalid:\n{}", render_diagnostics(.diagnostics))]
    InvalidFlow {
        /// The flow.
        flow: &'static str,
        /// What is wrong with it.
        diagnostics: Vec<Diagnostic>,
    },
    /// The flow was not registered with the engine.
    #[error("flow `{flow}` is not registered: call `Engine::builder().register::<{flow}>()`")]
    UnregisteredFlow {
        /// The flow.
        flow: &'static str,
    },
    /// No waiting instance of the flow has this id.
    #[error("no waiting instance `{instance}` of flow `{flow}`")]
    NoSuchInstance {
        /// The flow.
        flow: &'static str,
        /// The id given.
        instance: InstanceId,
    },
    /// The signal does not fit the instance's state.
    #[error(transparent)]
    Signal(#[from] SignalError),
}

fn render_diagnostics(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diagnostic| format!("- {diagnostic}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Builds an [`Engine`]: register flows, then `build`.
#[derive(Default)]
pub struct EngineBuilder {
    flows: HashMap<TypeId, &'static str>,
    errors: Vec<EngineError>,
}

impl EngineBuilder {
    /// Registers flow `F`, checking it again with its actions' declared metadata.
    pub fn register<F: Flow>(mut self) -> Self {
        let diagnostics = flow_core::validate(&F::spec());
        if diagnostics.is_empty() {
            self.flows.insert(TypeId::of::<F>(), F::NAME);
        } else {
            self.errors.push(EngineError::InvalidFlow {
                flow: F::NAME,
                diagnostics,
            });
        }
        self
    }

    /// The engine, or the first flow that failed validation.
    pub fn build(mut self) -> Result<Engine, EngineError> {
        if !self.errors.is_empty() {
            return Err(self.errors.remove(0));
        }
        Ok(Engine {
            flows: self.flows,
            store: MemoryStore::default(),
        })
    }
}

/// Runs instances of registered flows.
pub struct Engine {
    flows: HashMap<TypeId, &'static str>,
    store: MemoryStore,
}

impl Engine {
    /// A builder to register flows with.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Starts an instance of `F` with `data` and drives it until it ends or waits.
    pub async fn run<F: Flow>(&self, data: F::Data) -> Result<Outcome<F>, EngineError>
    where
        F::Data: Clone,
    {
        self.ensure_registered::<F>()?;
        let instance = InstanceId::new();
        let start = F::START;
        let context = Context::new(instance, F::NAME, F::VERSION, start.name(), data);
        let _span = tracing::info_span!("flow", flow = F::NAME, %instance).entered();
        Ok(self.drive::<F>(start, context, Vec::new()).await)
    }

    /// Delivers `event` to the waiting instance `instance` of `F` and drives it on.
    pub async fn signal<F: Flow>(
        &self,
        instance: InstanceId,
        event: &str,
    ) -> Result<Outcome<F>, EngineError>
    where
        F::Data: Clone,
    {
        self.ensure_registered::<F>()?;
        let parked = self
            .store
            .take::<F>(instance)
            .ok_or(EngineError::NoSuchInstance {
                flow: F::NAME,
                instance,
            })?;
        let transition = match F::signal(parked.state, event) {
            Ok(transition) => transition,
            Err(error) => {
                self.store.park::<F>(instance, parked);
                return Err(error.into());
            }
        };
        let ParkedInstance {
            state,
            context,
            mut journal,
        } = parked;
        journal.push(JournalEntry {
            kind: JournalKind::Signal,
            action: wait_event::<F>(state),
            instruction: transition.instruction,
            from: state.name(),
            to: transition.next.name(),
            attempt: 1,
            at: SystemTime::now(),
        });
        Ok(self.drive::<F>(transition.next, context, journal).await)
    }

    fn ensure_registered<F: Flow>(&self) -> Result<(), EngineError> {
        if self.flows.contains_key(&TypeId::of::<F>()) {
            Ok(())
        } else {
            Err(EngineError::UnregisteredFlow { flow: F::NAME })
        }
    }

    /// Runs steps from `state` until the instance ends, waits or fails.
    async fn drive<F: Flow>(
        &self,
        mut state: F::State,
        mut context: Context<F::Data>,
        mut journal: Vec<JournalEntry>,
    ) -> Outcome<F>
    where
        F::Data: Clone,
    {
        let status = loop {
            let entry = &F::TABLE.states[state.index()];
            match &entry.kind {
                StateEntryKind::Success => break Status::Completed,
                StateEntryKind::Failure => {
                    // The step whose instruction chose the failure end (`OutOfStock`,
                    // `Declined`) reported that it did not do its job: nothing of it to undo.
                    let undo_up_to = journal.len().saturating_sub(1);
                    break compensate::<F>(&mut context, &mut journal, undo_up_to).await;
                }
                StateEntryKind::Wait { .. } => {
                    let instance = context.instance();
                    let outcome = Outcome {
                        instance,
                        state,
                        status: Status::Waiting,
                        data: context.data.clone(),
                        journal: journal.clone(),
                    };
                    self.store.park::<F>(
                        instance,
                        ParkedInstance {
                            state,
                            context,
                            journal,
                        },
                    );
                    return outcome;
                }
                StateEntryKind::Step { action, .. } => {
                    let step = journal.len() as u64;
                    match run_step::<F>(state, action, step, &mut context).await {
                        Ok((transition, attempt)) => {
                            tracing::debug!(
                                from = state.name(),
                                instruction = transition.instruction,
                                to = transition.next.name(),
                                "step"
                            );
                            journal.push(JournalEntry {
                                kind: JournalKind::Step,
                                action: action.action,
                                instruction: transition.instruction,
                                from: state.name(),
                                to: transition.next.name(),
                                attempt,
                                at: SystemTime::now(),
                            });
                            state = transition.next;
                        }
                        Err(error) => {
                            tracing::warn!(state = state.name(), %error, "step failed");
                            let undo_up_to = journal.len();
                            break compensate::<F>(&mut context, &mut journal, undo_up_to).await;
                        }
                    }
                }
            }
        };
        Outcome {
            instance: context.instance(),
            state,
            status,
            data: context.data,
            journal,
        }
    }
}

/// Runs the action of `state` under its timeout and retry policy; returns the transition and
/// the attempt that produced it.
async fn run_step<F: Flow>(
    state: F::State,
    policy: &StepPolicy,
    step: u64,
    context: &mut Context<F::Data>,
) -> Result<(flow_core::Transition<F::State>, u32), StepError> {
    let mut attempt = 1;
    loop {
        context.enter(state.name(), step, attempt);
        let result = match policy.timeout {
            Some(limit) => match tokio::time::timeout(limit, F::step(state, context)).await {
                Ok(result) => result,
                Err(_) => Err(ActionError::retryable(format!(
                    "`{}` took longer than {limit:?}",
                    policy.action
                ))
                .into()),
            },
            None => F::step(state, context).await,
        };
        match result {
            Ok(transition) => return Ok((transition, attempt)),
            Err(StepError::Action(error)) if error.is_retryable() => {
                let Some(retry) = policy.retry.filter(|r| r.allows_retry_after(attempt)) else {
                    return Err(error.into());
                };
                let delay = retry.delay(attempt, context.instance().seed());
                tracing::debug!(action = policy.action, attempt, ?delay, %error, "retrying");
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Undoes the compensable steps among the first `undo_up_to` journal entries in reverse
/// order, each under its own retry policy. Returns `Failed` when all were undone, `Manual`
/// when one kept failing.
async fn compensate<F: Flow>(
    context: &mut Context<F::Data>,
    journal: &mut Vec<JournalEntry>,
    undo_up_to: usize,
) -> Status {
    let done: Vec<(F::State, u64)> = journal[..undo_up_to]
        .iter()
        .enumerate()
        .filter(|(_, entry)| entry.kind == JournalKind::Step)
        .filter_map(|(step, entry)| Some((entry.from.parse::<F::State>().ok()?, step as u64)))
        .collect();
    for &(state, step) in done.iter().rev() {
        let Some(policy) = F::policy(state) else {
            continue;
        };
        let Some(compensation) = policy.compensation else {
            continue;
        };
        let retry = policy
            .compensation_retry
            .unwrap_or(DEFAULT_COMPENSATION_RETRY);
        let mut attempt = 1;
        loop {
            context.enter(state.name(), step, attempt);
            match F::compensate(state, context).await {
                Ok(()) => break,
                Err(error) if retry.allows_retry_after(attempt) => {
                    tracing::debug!(compensation, attempt, %error, "retrying compensation");
                    tokio::time::sleep(retry.delay(attempt, context.instance().seed())).await;
                    attempt += 1;
                }
                Err(error) => {
                    tracing::error!(compensation, attempt, %error, "compensation failed; instance needs a person");
                    return Status::Manual;
                }
            }
        }
        journal.push(JournalEntry {
            kind: JournalKind::Compensation,
            action: compensation,
            instruction: "Compensated",
            from: state.name(),
            to: state.name(),
            attempt,
            at: SystemTime::now(),
        });
    }
    Status::Failed
}

/// The event type a wait state waits for.
fn wait_event<F: Flow>(state: F::State) -> &'static str {
    match &F::TABLE.states[state.index()].kind {
        StateEntryKind::Wait { event, .. } => event,
        _ => "",
    }
}
