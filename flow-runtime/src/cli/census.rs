//! `flowctl stats`: figures a store can answer for honestly, from its instances: how many
//! of each flow version are in each status, where the ones not ended are now, and what share
//! of the ended ones completed. Step statistics (entries, conversion per edge, failure per
//! node) live in the engine processes that ran the steps; they are drawn from a snapshot
//! with `flowctl diagram --stats FILE`.

use std::collections::BTreeMap;

use super::error::CliError;
use super::report::Report;
use crate::outcome::Status;
use crate::store::{AnyStore, InstanceQuery, Store};

/// Counts of one flow version.
#[derive(Debug, Default)]
struct VersionCount {
    by_status: BTreeMap<&'static str, u64>,
    /// States of instances not ended, with their status.
    resting: BTreeMap<(String, &'static str), u64>,
    total: u64,
}

/// Every stored instance of each status (up to `limit` a status), counted.
pub(crate) async fn census(
    store: &AnyStore,
    flow: Option<&str>,
    version: Option<u32>,
    limit: usize,
) -> Result<Report, CliError> {
    let mut counts: BTreeMap<(String, u32), VersionCount> = BTreeMap::new();
    let mut truncated = Vec::new();
    for status in Status::ALL {
        let query = InstanceQuery {
            status: Some(status),
            flow,
            version,
            after: None,
            limit,
        };
        let listed = store.list(&query).await?;
        if listed.len() >= limit {
            truncated.push(status.name());
        }
        for summary in listed {
            let count = counts
                .entry((summary.flow.clone(), summary.flow_version))
                .or_default();
            count.total += 1;
            *count.by_status.entry(status.name()).or_default() += 1;
            if !status.is_final() {
                *count
                    .resting
                    .entry((summary.state, status.name()))
                    .or_default() += 1;
            }
        }
    }
    let mut text = String::new();
    let mut json = Vec::new();
    if counts.is_empty() {
        text.push_str("no instances found\n");
    }
    for ((name, flow_version), count) in &counts {
        let ended: u64 = ["completed", "failed", "cancelled"]
            .iter()
            .map(|status| count.by_status.get(status).copied().unwrap_or(0))
            .sum();
        let completed = count.by_status.get("completed").copied().unwrap_or(0);
        let share = |part: u64| {
            if ended == 0 {
                0.0
            } else {
                part as f64 / ended as f64
            }
        };
        text.push_str(&format!(
            "{name} v{flow_version}: {} instances\n",
            count.total
        ));
        let statuses: Vec<String> = count
            .by_status
            .iter()
            .map(|(status, n)| format!("{status} {n}"))
            .collect();
        text.push_str(&format!("  by status: {}\n", statuses.join(", ")));
        if ended > 0 {
            text.push_str(&format!(
                "  ended: {ended}, of which {:.1}% completed\n",
                share(completed) * 100.0
            ));
        }
        if !count.resting.is_empty() {
            text.push_str("  not ended, by state:\n");
            for ((state, status), n) in &count.resting {
                text.push_str(&format!("    {state:<24} {status:<13} {n}\n"));
            }
        }
        json.push(serde_json::json!({
            "flow": name,
            "version": flow_version,
            "instances": count.total,
            "by_status": count.by_status,
            "ended": ended,
            "completed_share": share(completed),
            "not_ended": count.resting.iter().map(|((state, status), n)| serde_json::json!({
                "state": state, "status": status, "instances": n,
            })).collect::<Vec<_>>(),
        }));
    }
    if !truncated.is_empty() {
        text.push_str(&format!(
            "note: only the first {limit} instances of status {} were read; raise --limit\n",
            truncated.join(", ")
        ));
    }
    text.push_str(
        "note: counted from stored instances; step statistics (conversion per edge, failure per node) are kept by the engine processes: draw a snapshot with `flowctl diagram FLOW --stats FILE`\n",
    );
    Ok(Report {
        text,
        json: serde_json::json!({ "flows": json, "truncated_statuses": truncated, "limit": limit }),
    })
}

/// Instances in each state now (not ended), for `flow` `version`: the figure
/// `diagram --stats store` prints.
pub(crate) async fn instances_by_state(
    store: &AnyStore,
    flow: &str,
    version: u32,
) -> Result<BTreeMap<String, u64>, CliError> {
    let mut by_state = BTreeMap::new();
    for status in Status::ALL.into_iter().filter(|status| !status.is_final()) {
        let query = InstanceQuery::new(1_000_000)
            .status(status)
            .flow(flow)
            .version(version);
        for summary in store.list(&query).await? {
            *by_state.entry(summary.state).or_default() += 1;
        }
    }
    Ok(by_state)
}
