//! One attempt of an action: under its timeout (a timeout is retryable, or an unknown
//! outcome when the action can be queried), and inside the wrapping plugins' around hooks
//! when some plugin wraps. The drive loop and the chaos layer both run attempts through
//! here; neither the attempt nor its caller knows of the other.

use std::time::Duration;

use flow_core::{ActionError, StepError, StepPolicy};

use super::activation::Activation;
use super::inner::Inner;
use super::machine::{FlowMachine, MachineState};
use crate::plugin::AttemptInfo;
use crate::store::Store;

/// One attempt under `timeout` (the action's, or the configuration's override). A timeout
/// is retryable, or an unknown outcome when the action can be queried (the request may have
/// gone through).
pub(crate) async fn attempt<F: FlowMachine>(
    activation: &mut Activation<F>,
    policy: &StepPolicy,
    timeout: Option<Duration>,
    querying: bool,
) -> Result<flow_core::Transition<F::State>, StepError> {
    let state = activation.state;
    let flow = &activation.flow;
    let context = &mut activation.context;
    let call = async {
        if querying {
            flow.query(state, context).await
        } else {
            flow.step(state, context).await
        }
    };
    let Some(limit) = timeout else {
        return call.await;
    };
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result,
        Err(_) => {
            let message = format!("`{}` took longer than {limit:?}", policy.action);
            Err(if policy.query.is_some() {
                ActionError::unknown(message)
            } else {
                ActionError::retryable(message)
            }
            .into())
        }
    }
}

/// One attempt inside the wrapping plugins' around hooks (boxed: only when some plugin wraps).
pub(crate) async fn wrapped_attempt<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    policy: &'static StepPolicy,
    timeout: Option<Duration>,
    querying: bool,
) -> Result<flow_core::Transition<F::State>, StepError> {
    let info = AttemptInfo {
        flow: activation.flow.name(),
        version: activation.flow.version(),
        instance: activation.id(),
        state: activation.state.name(),
        action: policy.action,
        step: activation.step,
        attempt: activation.attempt,
    };
    let mut result = None;
    let run = Box::pin(async {
        result = Some(attempt(activation, policy, timeout, querying).await);
    });
    inner.plugins.wrap(info, run).await;
    // A hook that drops the attempt instead of awaiting it fails the attempt, retryably.
    result.unwrap_or_else(|| {
        Err(ActionError::retryable(format!("a plugin did not run `{}`", policy.action)).into())
    })
}
