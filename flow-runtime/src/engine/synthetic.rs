//! What a simulation asks of the engine: instances with reproducible ids, driven through
//! the one drive loop while chaos answers for their actions, and the outside world's part
//! at waits (a signal, or the deadline passing) played by a seeded draw.

use flow_core::{InstanceId, StateEntryKind};
use tracing::Instrument;

use super::activation::Activation;
use super::error::EngineError;
use super::machine::{FlowMachine, FlowTypes, MachineState};
use super::signal_delivery::Delivery;
use super::{Engine, StartOptions, drive, is_resting};
use crate::chaos::{ChaosPlan, DEADLINE_EVENT, Draw, Roll};
use crate::outcome::{Outcome, Status};
use crate::store::Store;

/// Waits one simulated instance passes at most: a flow that loops through waits forever
/// (every draw taking it back) stops there, counted as waiting.
const MAX_WAITS: u32 = 1_000;

impl<S: Store> Engine<S> {
    /// Puts a simulation's chaos in force: `plan`, with every timer firing at once.
    pub(crate) fn simulate_with(&self, plan: ChaosPlan) {
        self.inner.chaos.fire_timers_at_once();
        self.inner.chaos.set(plan);
    }

    /// Runs one synthetic instance `id` of `flow` with `data` to its end (or to a wait
    /// with nothing to draw); its status and state then.
    pub(crate) async fn run_synthetic_on<M, K>(
        &self,
        flow: M,
        id: InstanceId,
        data: M::Data,
        seed: u64,
    ) -> Result<(Status, &'static str), EngineError>
    where
        M: FlowMachine,
        K: FlowTypes<Data = M::Data, State = M::State>,
    {
        let options = StartOptions {
            id: Some(id),
            ..StartOptions::default()
        };
        let mut outcome: Outcome<K> = self.run_on(flow.clone(), data, options).await?;
        let mut waits = 0;
        while outcome.status == Status::Waiting && waits < MAX_WAITS {
            let roll = Roll::new(seed, id.seed(), outcome.journal.len() as u64, waits, 0);
            let Some(event) = self.drawn_event(&flow, outcome.state, roll) else {
                break;
            };
            outcome = if event == DEADLINE_EVENT {
                self.expire_on(flow.clone(), id).await?
            } else {
                self.signal_on(flow.clone(), id, event, Delivery::default())
                    .await?
            };
            waits += 1;
        }
        Ok((outcome.status, outcome.state.name()))
    }

    /// The event the wait `state` gets: drawn by the chaos weights of its node, or evenly
    /// over its named events and its deadline. `None` when it has neither.
    fn drawn_event<M: FlowMachine>(
        &self,
        flow: &M,
        state: M::State,
        roll: Roll,
    ) -> Option<&'static str> {
        let StateEntryKind::Wait {
            edges, deadline, ..
        } = &flow.table().states[state.index()].kind
        else {
            return None;
        };
        let events: Vec<&'static str> = edges
            .iter()
            .filter_map(|edge| edge.instruction)
            .chain(deadline.is_some().then_some(DEADLINE_EVENT))
            .collect();
        let plan = self.inner.chaos.plan();
        let weighted = plan
            .node(flow.name(), flow.version(), state.name(), "")
            .and_then(|node| node.pick(roll, Draw::Event));
        match weighted {
            Some(name) => events.iter().copied().find(|event| *event == name),
            None if events.is_empty() => None,
            None => {
                let index = (roll.unit(Draw::Event) * events.len() as f64) as usize;
                events.get(index.min(events.len() - 1)).copied()
            }
        }
    }

    /// The waiting instance `instance` of `flow` takes its deadline edge now, as when its
    /// deadline passes, and is driven on until it rests.
    async fn expire_on<M, K>(
        &self,
        flow: M,
        instance: InstanceId,
    ) -> Result<Outcome<K>, EngineError>
    where
        M: FlowMachine,
        K: FlowTypes<Data = M::Data, State = M::State>,
    {
        let stats = self.registered_stats(&flow)?;
        let (record, lease) = self.acquire_for(&flow, instance).await?;
        let mut activation = match Activation::load(flow, record, lease, stats) {
            Ok(activation) => activation,
            Err(error) => {
                let _ = self.inner.store.release(instance, lease).await;
                return Err(error);
            }
        };
        let target = match activation.flow.deadline(activation.state) {
            Some((_, target)) if activation.status == Status::Waiting => target,
            _ => {
                let _ = self.inner.store.release(instance, lease).await;
                return Err(EngineError::InvalidStatus {
                    instance,
                    operation: "expire",
                    status: activation.status,
                });
            }
        };
        let span = tracing::info_span!("flow", flow = activation.flow.name(), %instance);
        let go_on = drive::move_from_wait(
            &self.inner,
            &mut activation,
            "deadline",
            "Deadline",
            target,
            None,
        )
        .await?;
        if go_on {
            drive::drive(&self.inner, &mut activation)
                .instrument(span)
                .await?;
        }
        if is_resting(activation.status, activation.due_at) {
            return Ok(activation.into_outcome());
        }
        let flow = activation.flow.clone();
        self.wait_on(&flow, instance, is_resting).await
    }
}
