//! What a reading command prints: the same answer as text for people and as JSON for
//! scripts (`--json`).

/// One command's answer.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) text: String,
    pub(crate) json: serde_json::Value,
}

impl Report {
    /// The answer in the form asked for, ending in a line break.
    pub(crate) fn render(&self, json: bool) -> String {
        let mut out = if json {
            // Invariant: a `serde_json::Value` always serializes.
            serde_json::to_string_pretty(&self.json).unwrap_or_default()
        } else {
            self.text.clone()
        };
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }
}
