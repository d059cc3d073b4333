//! Printing shared by the examples: an instance's path and a flow's statistics.

use flow_runtime::stats::StatsSnapshot;
use flow_runtime::{InstanceError, JournalEntry, JournalKind, Status};

/// Prints each journal entry of an instance as one line.
pub fn print_path(journal: &[JournalEntry]) {
    for entry in journal {
        match entry.kind {
            JournalKind::Step => println!(
                "    {:<14} --{} / {}--> {}{}",
                entry.from,
                entry.action,
                entry.instruction,
                entry.to,
                if entry.attempt > 1 {
                    format!("  (attempt {})", entry.attempt)
                } else {
                    String::new()
                }
            ),
            JournalKind::Signal => println!(
                "    {:<14} ==signal {}{}==> {}",
                entry.from,
                entry.instruction,
                match entry.signal.as_ref().and_then(|note| note.actor.as_deref()) {
                    Some(actor) => format!(" from {actor}"),
                    None => String::new(),
                },
                entry.to
            ),
            JournalKind::Compensation => {
                println!("    undo {:<9} {}", entry.from, entry.action)
            }
            JournalKind::Operator => println!(
                "    operator {} by {} ({} -> {})",
                entry.action, entry.instruction, entry.from, entry.to
            ),
            JournalKind::Failure => println!(
                "    {:<14} !! {} failed (attempt {}): {}",
                entry.from, entry.action, entry.attempt, entry.instruction
            ),
            JournalKind::Route => {
                println!("    routed to {} ({})", entry.instruction, entry.action)
            }
        }
    }
}

/// Prints where an instance ended and, when it failed, why.
pub fn print_end(state: impl std::fmt::Display, status: Status, error: Option<&InstanceError>) {
    println!("    ended in {state} ({status:?})");
    if let Some(error) = error {
        println!("    why: {error}");
    }
}

/// Prints, per state of `flow`, how many instances entered it, where they went and how
/// many failed.
pub fn print_statistics(snapshot: &StatsSnapshot, flow: &str, version: u32) {
    println!("statistics of {flow} v{version}:");
    let Some(first) = snapshot.flow_sets(flow, version).next() else {
        println!("    (none)");
        return;
    };
    for state in &first.states {
        let Some(node) = snapshot.node(flow, version, &state.state) else {
            continue;
        };
        if node.entered == 0 {
            continue;
        }
        let exits: Vec<String> = node
            .edges
            .iter()
            .filter(|edge| edge.count > 0)
            .map(|edge| format!("{} {:.0}%", edge.to, edge.conversion_rate * 100.0))
            .collect();
        println!(
            "    {:<14} entered {:>2}  failed {:>2} ({:.0}%)  retried {:>2}  compensated {:>2}  -> {}",
            node.state,
            node.entered,
            node.failed,
            node.failure_rate * 100.0,
            node.retried,
            node.compensated,
            if exits.is_empty() {
                "end".to_owned()
            } else {
                exits.join(", ")
            }
        );
    }
}
