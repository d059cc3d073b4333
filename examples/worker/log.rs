//! Says where each order ended, and in which worker.

use flow_runtime::Status;
use flow_runtime::plugin::{FlowEvent, Plugin};

/// Prints one line when an order ends.
pub struct EndLog;

impl Plugin for EndLog {
    fn on_flow_end(&self, event: &FlowEvent<'_>, status: Status) {
        println!(
            "worker {}: instance {} ended {status:?} in {}",
            std::process::id(),
            event.instance,
            event.state
        );
    }
}
