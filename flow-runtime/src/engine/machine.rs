//! The one interface the engine drives a flow through, whatever declared it: a type that
//! `flow!` generated ([`Compiled`], whose dispatch is the generated `match`, inlined into the
//! drive loop), or a document loaded at run time ([`crate::DocumentFlow`], whose dispatch
//! indexes a table built at load).
//!
//! The drive loop, the saga, waits, timers and operator instructions are written once,
//! generic over [`FlowMachine`]; nothing in them knows which kind of flow it moves.

use std::any::TypeId;
use std::fmt::Debug;
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::marker::PhantomData;
use std::time::Duration;

use flow_core::{
    Context, Flow, FlowState, FlowTable, SignalError, StateEntryKind, StepError, StepPolicy,
    Transition,
};

use super::activation::FlowData;

/// A state of a flow as the engine handles it: a generated state enum, or a state of a
/// document flow (its index and name).
pub trait MachineState: Copy + Eq + Debug + Send + Sync + 'static {
    /// The state's name.
    fn name(self) -> &'static str;
    /// The state's position in its flow's table.
    fn index(self) -> usize;
}

impl<S: FlowState> MachineState for S {
    #[inline]
    fn name(self) -> &'static str {
        FlowState::name(self)
    }

    #[inline]
    fn index(self) -> usize {
        FlowState::index(self)
    }
}

/// The types an [`Outcome`](crate::Outcome) of a flow carries: its business data and its
/// state type. Every `flow!` flow has them; so has [`crate::DocumentFlow`].
pub trait FlowTypes: 'static {
    /// The business data.
    type Data;
    /// The state type.
    type State: MachineState;
}

impl<F: Flow> FlowTypes for F {
    type Data = F::Data;
    type State = F::State;
}

/// Where the engine keeps a flow's registration: by type for compiled flows, by content
/// hash for document flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FlowKey {
    /// A `flow!` type.
    Compiled(TypeId),
    /// A document definition, by its content hash.
    Definition(&'static str),
}

/// The registered flows by key, hashed without SipHash: the keys are the application's own
/// flow types and definition hashes (nothing an outsider picks), and every instance start
/// looks its flow up here.
pub(crate) type FlowMap<V> =
    std::collections::HashMap<FlowKey, V, BuildHasherDefault<FlowKeyHasher>>;

/// FNV-1a over what a [`FlowKey`] writes (a `TypeId`'s words, or a content hash's bytes).
pub(crate) struct FlowKeyHasher(u64);

impl Default for FlowKeyHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for FlowKeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0 ^ value).wrapping_mul(0x0100_0000_01b3);
    }

    fn write_u128(&mut self, value: u128) {
        self.write_u64(value as u64);
        self.write_u64((value >> 64) as u64);
    }
}

/// A flow the engine can drive. Cheap to clone: an activation holds its own handle.
pub(crate) trait FlowMachine: Clone + Send + Sync + 'static {
    /// The business data of an instance.
    type Data: FlowData;
    /// The flow's states.
    type State: MachineState;

    /// The flow's name.
    fn name(&self) -> &'static str;
    /// The flow's version.
    fn version(&self) -> u32;
    /// The content hash of the definition, for flows loaded from a document; `None` for a
    /// flow compiled into the program.
    fn definition(&self) -> Option<&'static str>;
    /// The flow's graph.
    fn table(&self) -> &'static FlowTable;
    /// The state new instances start in.
    fn start(&self) -> Self::State;
    /// The state called `name`.
    fn state_named(&self, name: &str) -> Option<Self::State>;
    /// Every state, in table order.
    fn states(&self) -> impl Iterator<Item = Self::State>;

    /// Runs the action of `state` once and maps its instruction to the next state.
    fn step(
        &self,
        state: Self::State,
        ctx: &mut Context<Self::Data>,
    ) -> impl Future<Output = Result<Transition<Self::State>, StepError>> + Send;

    /// Asks for the outcome of an earlier run of the action of `state` whose result was
    /// unknown, and maps it like [`FlowMachine::step`].
    fn query(
        &self,
        state: Self::State,
        ctx: &mut Context<Self::Data>,
    ) -> impl Future<Output = Result<Transition<Self::State>, StepError>> + Send;

    /// Runs the compensation of the action of `state`.
    fn compensate(
        &self,
        state: Self::State,
        ctx: &mut Context<Self::Data>,
    ) -> impl Future<Output = Result<(), StepError>> + Send;

    /// The state a waiting instance moves to on `event`.
    fn signal(
        &self,
        state: Self::State,
        event: &str,
    ) -> Result<Transition<Self::State>, SignalError>;

    /// How long `state` waits and where it goes when nothing came.
    fn deadline(&self, state: Self::State) -> Option<(Duration, Self::State)>;

    /// Where the engine keeps this flow's registration.
    fn key(&self) -> FlowKey;

    /// The action of `state` with its retry, timeout and saga metadata, if it runs one.
    #[inline]
    fn policy(&self, state: Self::State) -> Option<&'static StepPolicy> {
        match &self.table().states.get(state.index())?.kind {
            StateEntryKind::Step { action, .. } => Some(action),
            _ => None,
        }
    }

    /// The event type the wait `state` waits for ("" when it is no wait).
    fn wait_event(&self, state: Self::State) -> &'static str {
        match &self.table().states[state.index()].kind {
            StateEntryKind::Wait { event, .. } => event,
            _ => "",
        }
    }
}

/// A `flow!` type as a [`FlowMachine`]: a zero-sized handle whose every call is the
/// generated code's, so a compiled flow pays nothing for the interface.
pub(crate) struct Compiled<F>(PhantomData<fn() -> F>);

impl<F> Compiled<F> {
    /// The handle of flow `F`.
    pub(crate) const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<F> Default for Compiled<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F> Clone for Compiled<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F> Copy for Compiled<F> {}

impl<F: Flow> FlowMachine for Compiled<F>
where
    F::Data: FlowData,
{
    type Data = F::Data;
    type State = F::State;

    #[inline]
    fn name(&self) -> &'static str {
        F::NAME
    }

    #[inline]
    fn version(&self) -> u32 {
        F::VERSION
    }

    #[inline]
    fn definition(&self) -> Option<&'static str> {
        None
    }

    #[inline]
    fn table(&self) -> &'static FlowTable {
        const { &F::TABLE }
    }

    #[inline]
    fn start(&self) -> F::State {
        F::START
    }

    fn state_named(&self, name: &str) -> Option<F::State> {
        name.parse().ok()
    }

    fn states(&self) -> impl Iterator<Item = F::State> {
        F::State::ALL.iter().copied()
    }

    #[inline]
    fn step(
        &self,
        state: F::State,
        ctx: &mut Context<F::Data>,
    ) -> impl Future<Output = Result<Transition<F::State>, StepError>> + Send {
        F::step(state, ctx)
    }

    #[inline]
    fn query(
        &self,
        state: F::State,
        ctx: &mut Context<F::Data>,
    ) -> impl Future<Output = Result<Transition<F::State>, StepError>> + Send {
        F::query(state, ctx)
    }

    #[inline]
    fn compensate(
        &self,
        state: F::State,
        ctx: &mut Context<F::Data>,
    ) -> impl Future<Output = Result<(), StepError>> + Send {
        F::compensate(state, ctx)
    }

    #[inline]
    fn signal(&self, state: F::State, event: &str) -> Result<Transition<F::State>, SignalError> {
        F::signal(state, event)
    }

    #[inline]
    fn deadline(&self, state: F::State) -> Option<(Duration, F::State)> {
        F::deadline(state)
    }

    fn key(&self) -> FlowKey {
        FlowKey::Compiled(TypeId::of::<F>())
    }
}
