//! The lookup tables every check shares, built once per flow: states by name, the flow's graph
//! over distinct state names, and actions by name.
//!
//! The graph holds declared states only. A name that is no declared state (a typo, with or
//! without a suggestion) could stand for any state once fixed, so the graph checks leave out
//! what it could change: one typo is reported once, as an unknown state, and not again as an
//! unreachable state or a trap.

use std::collections::HashMap;

use crate::spec::{ActionSpec, FlowSpec, StateKind};
use crate::suggest::did_you_mean;

/// What a state name used by the flow refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Resolved {
    /// A declared state: the node of that name.
    Declared(usize),
    /// An undeclared name close to the declared state of this node: most likely a typo of it.
    Misspelt(usize),
    /// An undeclared name resembling no declared state.
    Unknown,
}

impl Resolved {
    /// The node the name stands for, a typo's suggestion included.
    pub(super) fn node(self) -> Option<usize> {
        match self {
            Resolved::Declared(node) | Resolved::Misspelt(node) => Some(node),
            Resolved::Unknown => None,
        }
    }
}

/// The flow seen as a graph: one node per distinct state name, numbered in the order of the
/// names' first declarations.
#[derive(Debug)]
pub(super) struct FlowIndex<'a> {
    /// Each node's name.
    pub(super) names: Vec<&'a str>,
    /// Each node's first declaration (an index into `FlowSpec::states`).
    pub(super) first_declaration: Vec<usize>,
    /// Each declaration's node.
    pub(super) node_of_declaration: Vec<usize>,
    /// Each node's declared successors over all of its declarations, deadline targets
    /// included.
    pub(super) successors: Vec<Vec<usize>>,
    /// Whether any declaration of the node is a success or failure end.
    pub(super) is_end: Vec<bool>,
    /// Whether any declaration of the node has a transition or a deadline.
    pub(super) has_exit: Vec<bool>,
    /// Whether the node has a transition to a name that is no declared state.
    pub(super) leads_nowhere: Vec<bool>,
    /// The node instances start in: the first `start`, when it names a declared state.
    pub(super) start: Option<usize>,
    node_of_name: HashMap<&'a str, usize>,
    /// The suggestion for each undeclared name the flow uses, computed once per name.
    suggestions: HashMap<&'a str, Option<usize>>,
}

impl<'a> FlowIndex<'a> {
    /// Indexes `spec`.
    pub(super) fn new(spec: &'a FlowSpec) -> Self {
        let mut index = FlowIndex {
            names: Vec::new(),
            first_declaration: Vec::new(),
            node_of_declaration: Vec::with_capacity(spec.states.len()),
            successors: Vec::new(),
            is_end: Vec::new(),
            has_exit: Vec::new(),
            leads_nowhere: Vec::new(),
            start: None,
            node_of_name: HashMap::with_capacity(spec.states.len()),
            suggestions: HashMap::new(),
        };
        for (declaration, state) in spec.states.iter().enumerate() {
            let next = index.names.len();
            let node = *index
                .node_of_name
                .entry(state.name.as_str())
                .or_insert(next);
            if node == next {
                index.names.push(&state.name);
                index.first_declaration.push(declaration);
            }
            index.node_of_declaration.push(node);
        }
        let nodes = index.names.len();
        index.successors = vec![Vec::new(); nodes];
        index.is_end = vec![false; nodes];
        index.has_exit = vec![false; nodes];
        index.leads_nowhere = vec![false; nodes];

        index.suggest_for_undeclared(
            spec.states
                .iter()
                .flat_map(|state| state.kind.targets())
                .chain(spec.start.iter().map(String::as_str)),
        );

        for (declaration, state) in spec.states.iter().enumerate() {
            let node = index.node_of_declaration[declaration];
            index.is_end[node] |= state.kind.is_end();
            for target in state.kind.targets() {
                index.has_exit[node] = true;
                match index.resolve(target) {
                    Resolved::Declared(next) => index.successors[node].push(next),
                    Resolved::Misspelt(_) | Resolved::Unknown => index.leads_nowhere[node] = true,
                }
            }
        }
        index.start = spec
            .start
            .first()
            .and_then(|start| match index.resolve(start) {
                Resolved::Declared(node) => Some(node),
                Resolved::Misspelt(_) | Resolved::Unknown => None,
            });
        index
    }

    /// Computes the suggestion of every undeclared name among `used`.
    fn suggest_for_undeclared(&mut self, used: impl Iterator<Item = &'a str>) {
        for name in used {
            if self.node_of_name.contains_key(name) || self.suggestions.contains_key(name) {
                continue;
            }
            let suggestion = did_you_mean(name, self.names.iter().copied())
                .and_then(|suggested| self.node_of_name.get(suggested).copied());
            self.suggestions.insert(name, suggestion);
        }
    }

    /// What the state name `name` refers to.
    pub(super) fn resolve(&self, name: &str) -> Resolved {
        if let Some(&node) = self.node_of_name.get(name) {
            return Resolved::Declared(node);
        }
        // `new` looked up every name the flow uses, so a name missing from both maps comes
        // from elsewhere and is simply unknown.
        match self.suggestions.get(name) {
            Some(Some(node)) => Resolved::Misspelt(*node),
            Some(None) | None => Resolved::Unknown,
        }
    }

    /// The number of distinct state names.
    pub(super) fn node_count(&self) -> usize {
        self.names.len()
    }

    /// Nodes reachable from `sources` (which count as reached), as a mask over nodes.
    pub(super) fn reachable_from(&self, sources: impl IntoIterator<Item = usize>) -> Vec<bool> {
        search(sources, &self.successors)
    }
}

/// Nodes reached from `sources` (which count as reached) along `edges` (each node's
/// neighbours), as a mask over nodes. Linear in the size of the graph.
pub(super) fn search(sources: impl IntoIterator<Item = usize>, edges: &[Vec<usize>]) -> Vec<bool> {
    let mut reached = vec![false; edges.len()];
    let mut pending = Vec::new();
    for source in sources {
        if !reached[source] {
            reached[source] = true;
            pending.push(source);
        }
    }
    while let Some(node) = pending.pop() {
        for &next in &edges[node] {
            if !reached[next] {
                reached[next] = true;
                pending.push(next);
            }
        }
    }
    reached
}

/// The actions of a known catalog by name; the first of two entries of one name wins.
#[derive(Debug)]
pub(super) struct ActionIndex<'a> {
    /// Every action name, in catalog order (the candidates of "did you mean").
    pub(super) names: Vec<&'a str>,
    by_name: HashMap<&'a str, &'a ActionSpec>,
}

impl<'a> ActionIndex<'a> {
    /// Indexes `actions`.
    pub(super) fn new(actions: &'a [ActionSpec]) -> Self {
        let mut by_name = HashMap::with_capacity(actions.len());
        let mut names = Vec::with_capacity(actions.len());
        for action in actions {
            by_name.entry(action.name.as_str()).or_insert_with(|| {
                names.push(action.name.as_str());
                action
            });
        }
        ActionIndex { names, by_name }
    }

    /// The action called `name`.
    pub(super) fn get(&self, name: &str) -> Option<&'a ActionSpec> {
        self.by_name.get(name).copied()
    }

    /// The step declarations of `spec` whose action is in the catalog, with that action.
    pub(super) fn steps(
        &self,
        spec: &'a FlowSpec,
    ) -> impl Iterator<Item = (usize, &'a str, &'a ActionSpec)> {
        spec.states
            .iter()
            .enumerate()
            .filter_map(move |(declaration, state)| match &state.kind {
                StateKind::Step(step) => self
                    .get(&step.action)
                    .map(|action| (declaration, state.name.as_str(), action)),
                _ => None,
            })
    }
}
