//! `flowctl diagram`: a flow drawn from wherever its definition is, with figures from a
//! statistics snapshot or from the instances in a store.

use std::path::Path;

use super::catalog::CatalogEntry;
use super::census::instances_by_state;
use super::error::CliError;
use crate::diagram::{DiagramFormat, Figures, render};
use crate::stats::StatsSnapshot;
use crate::store::AnyStore;

/// Where the figures come from.
pub(crate) enum FigureSource<'a> {
    /// None: a plain diagram.
    None,
    /// Instances in each state now.
    Store(&'a AnyStore),
    /// A statistics snapshot file (`Stats::to_json`).
    Snapshot(&'a Path),
}

/// The diagram of `entry` in `format`.
pub(crate) async fn draw(
    entry: &CatalogEntry,
    format: DiagramFormat,
    source: FigureSource<'_>,
) -> Result<String, CliError> {
    let spec = &entry.spec;
    let figures = match source {
        FigureSource::None => Figures::none(),
        FigureSource::Store(store) => {
            let counts = instances_by_state(store, &spec.name, spec.version).await?;
            // Every state gets a count, zero included: "0 now" is information too.
            let mut all: Vec<(&str, u64)> = Vec::new();
            for state in &spec.states {
                if !all.iter().any(|(name, _)| *name == state.name) {
                    all.push((&state.name, counts.get(&state.name).copied().unwrap_or(0)));
                }
            }
            Figures::none().with_instances(all)
        }
        FigureSource::Snapshot(path) => {
            let snapshot = read_snapshot(path)?;
            Figures::from_snapshot(spec, &snapshot)
        }
    };
    Ok(render(spec, format, &figures))
}

fn read_snapshot(path: &Path) -> Result<StatsSnapshot, CliError> {
    let failed = |reason: String| CliError::Snapshot {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|error| failed(error.to_string()))?;
    serde_json::from_str(&text).map_err(|error| failed(error.to_string()))
}
