//! An experiment's funnels side by side: one column per variant of a flow (whatever version
//! serves it), one row per state, so a reader compares where each variant's instances went.

use std::fmt::Write;

use super::snapshot::{FlowSnapshot, StatsSnapshot};

/// The routing label that names an instance's variant.
pub const VARIANT_LABEL: &str = "variant";

impl StatsSnapshot {
    /// The label sets of flow `flow` that carry a `variant` label, by variant name, in the
    /// order first seen (a variant served by two versions gets both, summed by the table).
    pub fn variants<'a>(&'a self, flow: &'a str) -> Vec<(String, Vec<&'a FlowSnapshot>)> {
        let mut variants: Vec<(String, Vec<&FlowSnapshot>)> = Vec::new();
        for set in self.flows.iter().filter(|set| set.flow == flow) {
            let Some((_, name)) = set.labels.iter().find(|(key, _)| key == VARIANT_LABEL) else {
                continue;
            };
            if set.states.iter().all(|state| state.entered == 0) {
                continue;
            }
            match variants.iter_mut().find(|(known, _)| known == name) {
                Some((_, sets)) => sets.push(set),
                None => variants.push((name.clone(), vec![set])),
            }
        }
        variants
    }

    /// Each variant's funnel of flow `flow` side by side: per state, how many instances
    /// entered it and the share of the variant's starts that is, and its failure rate.
    pub fn experiment_table(&self, flow: &str) -> String {
        let variants = self.variants(flow);
        let mut states: Vec<&str> = Vec::new();
        for (_, sets) in &variants {
            for set in sets {
                for state in &set.states {
                    if !states.contains(&state.state.as_str()) {
                        states.push(&state.state);
                    }
                }
            }
        }
        let mut table = format!("{:<16}", "state");
        for (name, sets) in &variants {
            let versions: Vec<String> =
                sets.iter().map(|set| format!("v{}", set.version)).collect();
            let _ = write!(
                table,
                " | {:>26}",
                format!("{name} ({})", versions.join(","))
            );
        }
        table.push('\n');
        // The first state of each variant's table counts its starts.
        let starts: Vec<u64> = variants
            .iter()
            .map(|(_, sets)| {
                sets.iter()
                    .filter_map(|set| set.states.first())
                    .map(|state| state.entered)
                    .sum()
            })
            .collect();
        for state in states {
            let _ = write!(table, "{state:<16}");
            for ((_, sets), started) in variants.iter().zip(&starts) {
                if sets.iter().all(|set| set.state(state).is_none()) {
                    // The versions serving this variant have no such state.
                    let _ = write!(table, " | {:>28}", "-");
                    continue;
                }
                let (entered, failed) = sets
                    .iter()
                    .filter_map(|set| set.state(state))
                    .fold((0, 0), |(entered, failed), node| {
                        (entered + node.entered, failed + node.failed)
                    });
                let share = percent(entered, *started);
                let failure = percent(failed, entered);
                let _ = write!(table, " | {entered:>8} {share:>6.1}% fail {failure:>5.1}%");
            }
            table.push('\n');
        }
        table
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}
