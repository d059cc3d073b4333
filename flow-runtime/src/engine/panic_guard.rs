//! A panic in user code (an action, a compensation, a query) is caught where the engine
//! calls it and becomes a failed attempt with the panic's message: it is retried under the
//! action's policy and then takes the failure path, like any other error. It never unwinds
//! into the caller of `run`, never kills the worker, and never leaves an instance stranded.
//!
//! The data the action was changing when it panicked is kept as it was left: the retry sees
//! it. Actions that must not leave half-done changes should change a copy and assign it last.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::Poll;

use flow_core::{ActionError, StepError};

/// Runs `call` (the user code named `what`), turning a panic into a retryable error.
#[inline]
pub(crate) async fn guarded<T>(
    what: &str,
    call: impl Future<Output = Result<T, StepError>>,
) -> Result<T, StepError> {
    let mut call = pin!(call);
    // Unwind safety: after a panic the future is dropped, never polled again, and the data
    // it borrowed is only read as the retry's input, which the docs above promise.
    let caught = poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| call.as_mut().poll(cx))) {
            Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload)),
        },
    )
    .await;
    match caught {
        Ok(result) => result,
        Err(payload) => Err(StepError::Action(ActionError::retryable(format!(
            "`{what}` panicked: {}",
            panic_message(payload.as_ref())
        )))),
    }
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
