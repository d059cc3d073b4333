//! A panic in user code (an action, a compensation, a query) is caught and becomes a failed
//! attempt with the panic's message: it is retried under the action's policy and then takes
//! the failure path, like any other error. It never unwinds into the caller of `run`, never
//! kills the worker, and never leaves an instance stranded.
//!
//! The catch is around the whole drive loop, not around each call: one `catch_unwind` per
//! poll of an activation instead of one per step (it would keep every action's future from
//! being inlined into the loop). What was running is kept on the activation
//! ([`UserCall`]), so the loop knows whose panic it caught.
//!
//! The data the action was changing when it panicked is kept as it was left: the retry sees
//! it. Actions that must not leave half-done changes should change a copy and assign it last.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::Poll;

use flow_core::StepPolicy;

/// The user code an activation is running, so that a caught panic is charged to it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UserCall<State> {
    /// The action of a step (or, when `querying`, its query).
    Step {
        policy: &'static StepPolicy,
        querying: bool,
    },
    /// The compensation `name` of step `step`, taken in state `state`.
    Compensation {
        step: u64,
        name: &'static str,
        state: State,
    },
}

/// Runs `work`, returning the message of a panic instead of unwinding. `work` is pinned by
/// the caller, where it is: the drive's future is large, and moving it here copied it.
pub(crate) async fn catch<T>(mut work: Pin<&mut impl Future<Output = T>>) -> Result<T, String> {
    // Unwind safety: after a panic the future is dropped, never polled again; what it
    // borrowed is read afterwards only as the activation's last known state, which the
    // engine commits (or the failure path handles) as the docs above say.
    poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_message(payload.as_ref()).to_owned())),
        },
    )
    .await
}

/// The message a panic was raised with, when it is a string.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "a panic without a message"
    }
}
