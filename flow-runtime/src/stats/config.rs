//! What a [`Stats`](super::Stats) registry keeps: which routing labels, how many label sets.

/// The most label sets one flow version keeps apart; larger configured values are clamped.
///
/// Every label set costs a row of counters per state and a few dozen Prometheus series, so the
/// ceiling keeps a misconfiguration from exhausting memory or the metrics backend.
pub const MAX_LABEL_SETS_CEILING: usize = 1024;

/// Label names the exporter uses itself; a routing label key with one of these names is ignored.
pub const RESERVED_LABEL_KEYS: &[&str] = &["flow", "version", "state", "instruction", "to", "le"];

/// How a [`Stats`](super::Stats) registry labels its counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsConfig {
    /// Routing label keys (of the instance context's routing labels) that split statistics,
    /// e.g. `variant` for an A/B test. Keys must be valid Prometheus label names
    /// (`[a-zA-Z_][a-zA-Z0-9_]*`) and not one of [`RESERVED_LABEL_KEYS`]; others are ignored
    /// with a warning.
    pub label_keys: Vec<String>,
    /// Distinct label sets kept per flow version (at most [`MAX_LABEL_SETS_CEILING`]); later
    /// sets share one overflow set whose values are all `"other"`.
    pub max_label_sets: usize,
}

impl Default for StatsConfig {
    /// Splits by `variant`, keeping up to 32 variants per flow version.
    fn default() -> Self {
        Self {
            label_keys: vec!["variant".to_owned()],
            max_label_sets: 32,
        }
    }
}

impl StatsConfig {
    /// The label keys that can be used: valid, not reserved, first occurrence only.
    pub(crate) fn usable_label_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::with_capacity(self.label_keys.len());
        for key in &self.label_keys {
            if !is_label_name(key) || RESERVED_LABEL_KEYS.contains(&key.as_str()) {
                tracing::warn!(key = %key, "stats label key is not a usable Prometheus label name; ignored");
            } else if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
        keys
    }

    /// The number of label sets kept apart, after the ceiling.
    pub(crate) fn bounded_label_sets(&self) -> usize {
        if self.max_label_sets > MAX_LABEL_SETS_CEILING {
            tracing::warn!(
                configured = self.max_label_sets,
                ceiling = MAX_LABEL_SETS_CEILING,
                "stats max_label_sets clamped"
            );
        }
        self.max_label_sets.min(MAX_LABEL_SETS_CEILING)
    }
}

/// Whether `name` matches `[a-zA-Z_][a-zA-Z0-9_]*` and avoids the `__` prefix Prometheus reserves.
fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.starts_with("__")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_config_drops_invalid_reserved_and_duplicate_keys() {
        let config = StatsConfig {
            label_keys: [
                "variant", "state", "bad-key", "tenant", "variant", "__x", "",
            ]
            .map(str::to_owned)
            .to_vec(),
            max_label_sets: usize::MAX,
        };
        assert_eq!(config.usable_label_keys(), ["variant", "tenant"]);
        assert_eq!(config.bounded_label_sets(), MAX_LABEL_SETS_CEILING);
    }
}
