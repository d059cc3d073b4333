//! The shape of a flow version as statistics see it: states and their outgoing edges.

/// One state of a flow version, as [`Stats::register_flow`](super::Stats::register_flow) takes
/// it: its name and where it can go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateShape {
    /// The state's name, as the generated table spells it.
    pub name: &'static str,
    /// Outgoing edges: the instruction (or, for a wait state, the event) that takes it, `None`
    /// for a catch-all edge, and the index of the target state.
    pub edges: Vec<(Option<&'static str>, usize)>,
}

impl StateShape {
    /// A state named `name` with the given outgoing edges.
    pub fn new(
        name: &'static str,
        edges: impl IntoIterator<Item = (Option<&'static str>, usize)>,
    ) -> Self {
        Self {
            name,
            edges: edges.into_iter().collect(),
        }
    }

    /// The index of the edge that `label` (an instruction or event) taking the instance to
    /// `next` went along, if the shape has one.
    ///
    /// Per step, so no hashing: generated tables hand over the very same `&'static str` the
    /// shape holds, so the pointer comparison settles almost every lookup; equal text from
    /// elsewhere still matches, and a catch-all edge to `next` takes the rest.
    #[inline]
    pub(crate) fn edge_index(&self, label: &'static str, next: usize) -> Option<usize> {
        // One pass: the same pointer wins at once; else the first edge with equal text, else
        // the first catch-all edge to `next`.
        let mut equal_text = None;
        let mut catch_all = None;
        for (index, &(edge, to)) in self.edges.iter().enumerate() {
            if to != next {
                continue;
            }
            match edge {
                Some(edge) if std::ptr::eq(edge, label) => return Some(index),
                Some(edge) if equal_text.is_none() && edge == label => equal_text = Some(index),
                None if catch_all.is_none() => catch_all = Some(index),
                _ => {}
            }
        }
        equal_text.or(catch_all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_edge_index_prefers_named_edge_then_catch_all() {
        let shape = StateShape::new("Pay", [(Some("Paid"), 1), (None, 2), (Some("Retry"), 0)]);
        assert_eq!(shape.edge_index("Paid", 1), Some(0));
        // Text built at run time, not the table's pointer: still the named edge.
        let owned = String::from("Retry");
        let leaked: &'static str = Box::leak(owned.into_boxed_str());
        assert_eq!(shape.edge_index(leaked, 0), Some(2));
        assert_eq!(shape.edge_index("Declined", 2), Some(1));
        assert_eq!(shape.edge_index("Paid", 3), None);
    }
}
