//! Keeps an instance's lease while its user code takes long: without it, an action slower
//! than the lease's time to live would look like a lost driver, be adopted by another
//! worker and run again, and its own commit would be refused.
//!
//! A commit renews the lease anyway, so an action that finishes in its first poll (most do)
//! pays one extra poll check and nothing else; only an action that waits gets a timer, and
//! the lease is renewed every third of its time to live while it waits.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use flow_core::InstanceId;

use super::inner::Inner;
use crate::store::Store;

/// Runs `work` (user code of instance `id`, leased with `token`), renewing the lease while
/// it waits. `work` is pinned by the caller, where it is: moving an action's future here
/// would copy it on every step. `before_waiting` runs once if `work` does not finish in its
/// first poll, before the drive yields (the drive writes the steps it collected then).
#[inline]
pub(crate) async fn keep_leased<S: Store, T>(
    inner: &Inner<S>,
    id: InstanceId,
    token: u64,
    mut work: Pin<&mut (impl Future<Output = T> + Send)>,
    before_waiting: impl FnOnce(),
) -> T {
    match poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await {
        Poll::Ready(value) => value,
        // Boxed, so the renewal's timer and state do not make every step's future larger.
        Poll::Pending => {
            before_waiting();
            Box::pin(renew_while(inner, id, token, work)).await
        }
    }
}

/// Renews the lease every third of its time to live until `work` is done.
async fn renew_while<S: Store, T>(
    inner: &Inner<S>,
    id: InstanceId,
    token: u64,
    mut work: Pin<&mut (dyn Future<Output = T> + Send + '_)>,
) -> T {
    let every = inner.config.lease_ttl / 3;
    loop {
        tokio::select! {
            value = &mut work => return value,
            () = tokio::time::sleep(every) => {
                let expires_at = inner.clock.now() + inner.config.lease_ttl;
                match inner.store.renew(id, token, expires_at).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(instance = %id, "the lease was taken over while an action ran; its commit will be refused"),
                    Err(error) => tracing::warn!(instance = %id, %error, "renewing the lease failed; trying again"),
                }
            }
        }
    }
}
