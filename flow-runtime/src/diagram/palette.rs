//! The colours of diagrams: ends and waits by kind (as the Mermaid classes colour them),
//! and, when figures are known, steps and waits by failure rate, so a failing node stands
//! out at a glance.

use super::graph::NodeKind;

/// Where the failure-rate scale changes colour, and the colour from there up.
const FAILURE_SCALE: [(f64, &str); 5] = [
    (0.0, "#ebfbee"),
    (0.001, "#fff9db"),
    (0.01, "#ffe8cc"),
    (0.05, "#ffc9c9"),
    (0.2, "#ff8787"),
];

/// A node's fill colour.
pub(crate) fn fill(kind: NodeKind, failure_rate: Option<f64>) -> &'static str {
    match (kind, failure_rate) {
        (NodeKind::Success, _) => "#d3f9d8",
        (NodeKind::Failure, _) => "#ffe3e3",
        (NodeKind::Step | NodeKind::Wait, Some(rate)) => FAILURE_SCALE
            .iter()
            .rev()
            .find(|(from, _)| rate >= *from)
            .map_or(FAILURE_SCALE[0].1, |(_, colour)| colour),
        (NodeKind::Wait, None) => "#fff3bf",
        (NodeKind::Step, None) => "#ffffff",
    }
}

/// A node's border colour.
pub(crate) fn stroke(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Step => "#495057",
        NodeKind::Wait => "#f08c00",
        NodeKind::Success => "#2f9e44",
        NodeKind::Failure => "#e03131",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_higher_failure_rate_is_a_redder_fill() {
        assert_eq!(fill(NodeKind::Step, Some(0.0)), "#ebfbee");
        assert_eq!(fill(NodeKind::Step, Some(0.0005)), "#ebfbee");
        assert_eq!(fill(NodeKind::Step, Some(0.002)), "#fff9db");
        assert_eq!(fill(NodeKind::Step, Some(0.03)), "#ffe8cc");
        assert_eq!(fill(NodeKind::Wait, Some(0.1)), "#ffc9c9");
        assert_eq!(fill(NodeKind::Step, Some(0.5)), "#ff8787");
        assert_eq!(fill(NodeKind::Success, Some(0.5)), "#d3f9d8");
        assert_eq!(fill(NodeKind::Step, None), "#ffffff");
    }
}
