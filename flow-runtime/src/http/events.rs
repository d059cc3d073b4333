//! The stream of what instances do, for `/events`: a plugin that broadcasts each transition,
//! start, end and operator instruction to the API's subscribers. With no subscriber it
//! returns before building anything, so an idle stream costs one atomic load per hook.

use std::convert::Infallible;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast;

use crate::outcome::Status;
use crate::plugin::{FlowEvent, OperatorEvent, Plugin};

/// How many events a slow subscriber may fall behind before it misses some (it is told).
const BACKLOG: usize = 1024;

/// One thing an instance did, as `/events` sends it (the SSE event's name is `kind`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct InstanceEvent {
    /// `started`, `transition`, `ended`, `operator` or `manual`.
    pub kind: String,
    /// The instance.
    pub instance: String,
    /// Its flow.
    pub flow: String,
    /// Its flow's version.
    pub version: u32,
    /// The state it was in.
    pub from: String,
    /// The state it is in now (the same as `from` when it did not move).
    pub to: String,
    /// The instruction or event that moved it, the operator instruction given, the status
    /// it ended with, or why it needs a person.
    pub what: String,
    /// Who gave the operator instruction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: u64,
}

/// The plugin that feeds `/events`. Install it on the engine and give it to
/// [`HttpConfig::events`](super::HttpConfig::events):
///
/// ```
/// # use flow_runtime::prelude::*;
/// # use flow_runtime::http::{EventStream, HttpConfig};
/// let events = EventStream::new();
/// let engine = Engine::builder().plugin(events.clone()).build()?;
/// let config = HttpConfig::default().events(events);
/// # Ok::<(), EngineError>(())
/// ```
#[derive(Clone, Debug)]
pub struct EventStream {
    sender: broadcast::Sender<InstanceEvent>,
    /// Ends every subscriber's stream: a server shutting down gracefully waits for its
    /// connections, and an event stream would otherwise never end.
    closed: tokio_util::sync::CancellationToken,
}

impl Default for EventStream {
    fn default() -> Self {
        Self::new()
    }
}

impl EventStream {
    /// A stream with no subscriber yet.
    pub fn new() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            closed: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// Ends every subscriber's stream, now and for later subscribers: call it when the
    /// server shuts down.
    pub fn close(&self) {
        self.closed.cancel();
    }

    /// A new subscriber's receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<InstanceEvent> {
        self.sender.subscribe()
    }

    #[inline]
    fn listened(&self) -> bool {
        self.sender.receiver_count() > 0
    }

    fn send(&self, flow: &FlowEvent<'_>, kind: &str, to: &str, what: &str, actor: Option<&str>) {
        let event = InstanceEvent {
            kind: kind.to_owned(),
            instance: flow.instance.to_string(),
            flow: flow.flow.to_owned(),
            version: flow.version,
            from: flow.state.to_owned(),
            to: to.to_owned(),
            what: what.to_owned(),
            actor: actor.map(str::to_owned),
            at_ms: now_ms(),
        };
        // No receiver left between the check and the send: nothing to do.
        let _ = self.sender.send(event);
    }

    /// The server-sent events of this stream, for one subscriber.
    pub(crate) fn sse(&self) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
        let receiver = self.subscribe();
        let closed = self.closed.clone();
        let stream =
            futures_util::stream::unfold((receiver, closed), |(mut receiver, closed)| async move {
                let received = tokio::select! {
                    () = closed.cancelled() => return None,
                    received = receiver.recv() => received,
                };
                let sse = match received {
                    Ok(event) => {
                        let json = serde_json::to_string(&event).unwrap_or_default();
                        Event::default().event(event.kind.clone()).data(json)
                    }
                    Err(broadcast::error::RecvError::Lagged(missed)) => Event::default()
                        .event("lagged")
                        .data(format!("{{\"missed\":{missed}}}")),
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                Some((Ok(sse), (receiver, closed)))
            });
        Sse::new(stream).keep_alive(KeepAlive::default())
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

impl Plugin for EventStream {
    fn on_flow_start(&self, event: &FlowEvent<'_>) {
        if self.listened() {
            self.send(event, "started", event.state, "", None);
        }
    }

    fn on_flow_end(&self, event: &FlowEvent<'_>, status: Status) {
        if self.listened() {
            self.send(event, "ended", event.state, status.name(), None);
        }
    }

    fn on_transition(&self, event: &FlowEvent<'_>, instruction: &'static str, to: &str) {
        if self.listened() {
            self.send(event, "transition", to, instruction, None);
        }
    }

    fn on_operator(&self, event: &OperatorEvent<'_>) {
        if self.listened() {
            let to = event.target.unwrap_or(event.flow.state);
            self.send(
                &event.flow,
                "operator",
                to,
                event.instruction,
                Some(event.actor),
            );
        }
    }

    fn on_manual(&self, event: &FlowEvent<'_>, reason: &str) {
        if self.listened() {
            self.send(event, "manual", event.state, reason, None);
        }
    }
}
