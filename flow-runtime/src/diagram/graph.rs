//! A flow as the DOT and SVG renderers walk it: each state once (its first declaration),
//! its kind and saga role, and the edges between known states with their words and figures.

use flow_core::{ActionCatalog, DiagramFigures, Effect, FlowSpec, StateKind, diagram::edges_of};

use super::figures::Figures;

/// What kind of state a node is, for its shape and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Step,
    Wait,
    Success,
    Failure,
}

impl NodeKind {
    /// The kind's name in `data-kind` attributes.
    pub(crate) fn name(self) -> &'static str {
        match self {
            NodeKind::Step => "step",
            NodeKind::Wait => "wait",
            NodeKind::Success => "success",
            NodeKind::Failure => "failure",
        }
    }
}

/// One state.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub(crate) name: &'a str,
    pub(crate) kind: NodeKind,
    /// The action a step runs, or the event a wait waits for.
    pub(crate) detail: Option<&'a str>,
    /// `compensate release_stock`, or `pivot`, when the action catalog is known.
    pub(crate) saga: Option<String>,
    /// The state's figure text, when there are figures for it.
    pub(crate) figure: Option<String>,
    /// The failure rate, when there are figures for it.
    pub(crate) failure_rate: Option<f64>,
}

/// One edge between two known states.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub(crate) from: usize,
    pub(crate) to: usize,
    /// The edge's words, its figure after them when there is one.
    pub(crate) label: String,
    pub(crate) figure: Option<String>,
}

/// The graph of one flow.
#[derive(Debug, Clone)]
pub(crate) struct Graph<'a> {
    pub(crate) title: String,
    pub(crate) nodes: Vec<Node<'a>>,
    pub(crate) links: Vec<Link>,
    /// The start states, as node indices.
    pub(crate) starts: Vec<usize>,
}

impl<'a> Graph<'a> {
    /// The graph of `spec` with `figures`. Edges to states that are not declared (a flow
    /// that did not validate) are left out rather than invented.
    pub(crate) fn new(spec: &'a FlowSpec, figures: &Figures) -> Self {
        let mut nodes: Vec<Node<'a>> = Vec::with_capacity(spec.states.len());
        let mut firsts = Vec::with_capacity(spec.states.len());
        for state in &spec.states {
            if nodes.iter().any(|node| node.name == state.name) {
                continue;
            }
            firsts.push(state);
            let (kind, detail) = match &state.kind {
                StateKind::Step(step) => (NodeKind::Step, Some(step.action.as_str())),
                StateKind::Wait(wait) => (NodeKind::Wait, Some(wait.event.as_str())),
                StateKind::Success => (NodeKind::Success, None),
                StateKind::Failure => (NodeKind::Failure, None),
            };
            let saga = match (&spec.actions, &state.kind) {
                (ActionCatalog::Known(_), StateKind::Step(step)) => {
                    spec.actions.get(&step.action).and_then(|action| {
                        if action.effect == Effect::Pivot {
                            Some("pivot".to_owned())
                        } else {
                            action
                                .compensation
                                .as_ref()
                                .map(|compensation| format!("compensate {compensation}"))
                        }
                    })
                }
                _ => None,
            };
            nodes.push(Node {
                name: &state.name,
                kind,
                detail,
                saga,
                figure: figures.state(&state.name),
                failure_rate: figures
                    .state_figures(&state.name)
                    .filter(|state| state.entered > 0)
                    .map(|state| state.failure_rate),
            });
        }
        let index_of = |name: &str| nodes.iter().position(|node| node.name == name);
        let mut links = Vec::new();
        for state in firsts {
            for edge in edges_of(state) {
                let (Some(from), Some(to)) = (index_of(edge.from), index_of(edge.to)) else {
                    continue;
                };
                links.push(Link {
                    from,
                    to,
                    figure: figures.edge(edge.from, edge.trigger, edge.to),
                    label: edge.label,
                });
            }
        }
        let mut starts = Vec::new();
        for start in &spec.start {
            if let Some(index) = index_of(start)
                && !starts.contains(&index)
            {
                starts.push(index);
            }
        }
        Graph {
            title: format!("{} v{}", spec.name, spec.version),
            nodes,
            links,
            starts,
        }
    }
}
