//! Flow definition documents: the `flow!` vocabulary as TOML (or JSON), for flows that
//! arrive at run time, assembled from actions registered by name.
//!
//! A document holds any number of flows (several versions of one flow too) and the script
//! actions they share. [`FlowDocument::parse`] reads it, reporting every problem at once
//! with its line and column; each flow is also checked by flow-core's validator, the same
//! one `flow!` runs, and its diagnostics are shown at their line with the macro's words.
//!
//! # The format
//!
//! ```toml
//! # One file may hold several flows and versions.
//! [[flow]]
//! name = "Checkout"
//! version = 2            # optional, 1 by default
//! data = "Order"         # the data type's registered name; "json" = serde_json::Value
//! start = "Created"
//! success = ["Shipped"]  # end states, after the declared states, in this order
//! failure = ["Rejected", "Expired"]
//!
//! [[flow.state]]         # states in declaration order: this order gives state indices
//! name = "Created"
//! action = "reserve_stock"                                      # a step
//! on = { Reserved = "Paid", OutOfStock = "Rejected" }           # instruction => state
//!
//! [[flow.state]]
//! name = "Paid"
//! action = "ship"
//! next = "Review"        # whatever the action returns (`Paid => ship => Review;`)
//! retry = { attempts = 3, backoff = "exponential(50ms, 2s)", jitter = true }
//! timeout = "2s"         # this step's own retry and timeout, in place of the action's
//!
//! [[flow.state]]
//! name = "Review"
//! wait = "ReviewDecision"  # a wait: the event type's name
//! timeout = "48h"          # or "never" (then no on_timeout)
//! on_timeout = "Expired"
//! on = { Approved = "Shipped", Denied = "Rejected" }
//!
//! # Script actions, shared by the flows of the document.
//! [[action]]
//! name = "score_risk"
//! instructions = ["Low", "High"]   # optional: ["Done"] by default
//! effect = "readonly"              # "side_effect" (default) | "readonly" | "pivot"
//! script = '''
//! if data.amount > 1000 { "High" } else { "Low" }
//! '''                              # or: file = "score_risk.rhai", beside the document
//! # optional: compensate = '''…''' or compensate_file = "…",
//! #           query = '''…''' or query_file = "…", retry = { … }, timeout = "1s"
//! ```
//!
//! - A state has either `action` (a step) or `wait` (a wait), never both; a step has `next`
//!   or `on`, never both. A wait needs `timeout`: a duration with `on_timeout`, or `"never"`.
//! - Durations are a number and a unit, `ms`, `s`, `m`, `h`, `d` (`"250ms"`, `"1.5s"`,
//!   `"48h"`), as in `flow!`. Backoffs are `"fixed(100ms)"` or `"exponential(50ms, 2s)"`;
//!   a `retry` without one backs off exponentially from 100ms to 10s, like `#[action]`.
//! - An end state that must sit among the declared states (to keep state indices) is
//!   written `[[flow.state]]` with `name` and `end = "success"` or `end = "failure"`.
//! - JSON documents have the same structure: `{"flow": [{"name": …, "state": [{…}]}],
//!   "action": [{…}]}`. The syntax comes from the file's extension, or else from the first
//!   character (`{` is JSON).
//!
//! # Operations' configuration beside the flows
//!
//! `[[route]]` and `[[override]]` (see [`RouteDefinition`], [`OverrideDefinition`]), and:
//!
//! ```toml
//! [[chaos]]                      # see crate::chaos
//! flow = "Checkout"
//! version = 2                    # optional: every version by default
//! state = "Paid"                 # or `action = "charge"`: every state that runs it
//! failure_rate = 0.05            # 0..=1 of attempts, with
//! error = "retryable"            # "retryable" (default) | "permanent" | "timeout" | "unknown"
//! latency = "20ms"               # added before every attempt
//! weights = { Charged = 70, Declined = 20, Suspicious = 10 }   # percent, adding up to 100
//! crash = "after_action"         # | "before_commit", for tests; crash_rate = 1.0 by default
//! compensation_failure_rate = 0.0
//! seed = 42                      # 0 by default
//!
//! [[plugin]]                     # a plugin installed on the builder, by its name
//! name = "audit"
//! enabled = false
//! ```
//!
//! A document that carries any of these is a configuration: applying it sets the chaos and
//! the plugin switches in force to what it says (no `[[chaos]]`: chaos off; a plugin it does
//! not name: on). Rates outside 0..=1, weights that do not add up to 100, a state,
//! instruction, flow or plugin the engine does not have are each a diagnostic at their line,
//! with the closest name.
//!
//! # Reading and checking
//!
//! ```
//! use flow_runtime::document::{DocumentOrigin, FlowDocument};
//! use flow_runtime::model::StateKind;
//!
//! let text = r#"
//! [[flow]]
//! name = "Checkout"
//! version = 2
//! data = "Order"
//! start = "Created"
//! success = ["Shipped"]
//! failure = ["Rejected", "Expired"]
//!
//! [[flow.state]]
//! name = "Created"
//! action = "reserve_stock"
//! on = { Reserved = "Paid", OutOfStock = "Rejected" }
//!
//! [[flow.state]]
//! name = "Paid"
//! action = "ship"
//! next = "Review"
//! retry = { attempts = 3, backoff = "exponential(50ms, 2s)", jitter = true }
//! timeout = "2s"
//!
//! [[flow.state]]
//! name = "Review"
//! wait = "ReviewDecision"
//! timeout = "48h"
//! on_timeout = "Expired"
//! on = { Approved = "Shipped", Denied = "Rejected" }
//!
//! [[action]]
//! name = "score_risk"
//! instructions = ["Low", "High"]
//! effect = "readonly"
//! script = '''
//! if data.amount > 1000 { "High" } else { "Low" }
//! '''
//! "#;
//! let document = FlowDocument::parse(text, DocumentOrigin::named("checkout.toml"))?;
//! let checkout = &document.flows[0];
//! assert_eq!((checkout.spec.name.as_str(), checkout.spec.version), ("Checkout", 2));
//! assert_eq!(checkout.spec.states.len(), 6);
//! assert_eq!(checkout.spec.states[5].kind, StateKind::Failure);
//! assert_eq!(checkout.overrides[1].timeout, Some(std::time::Duration::from_secs(2)));
//! assert_eq!(document.actions[0].instructions, ["Low", "High"]);
//!
//! // A misspelt state is rejected with its line, its column and the macro's words.
//! let broken = text.replace(r#"next = "Review""#, r#"next = "Reviw""#);
//! let errors = FlowDocument::parse(&broken, DocumentOrigin::named("checkout.toml")).unwrap_err();
//! let error = &errors.diagnostics[0];
//! assert_eq!((error.line, error.column), (18, 8));
//! assert_eq!(error.code, "flow::unknown_state");
//! assert!(errors.to_string().contains("did you mean `Review`?"));
//!
//! // The canonical form (the bytes the runtime hashes) reads back to the same flow.
//! let canonical = document.canonical(0).expect("a parsed flow exports");
//! let again = FlowDocument::parse(&canonical, DocumentOrigin::inline())?;
//! assert_eq!(again.flows[0].spec, checkout.spec);
//! # Ok::<(), flow_runtime::document::DocumentErrors>(())
//! ```
//!
//! The runtime fills each flow's action catalog from its registry (Rust and script actions)
//! and calls [`FlowDefinition::validate`] again, which adds the instruction and saga checks
//! and locates their diagnostics the same way.

mod backoff;
mod chaos_definition;
mod definition;
mod diagnostic;
mod export;
mod json_syntax;
mod location;
mod lower;
mod origin;
mod override_definition;
mod route_definition;
mod script;
mod toml_syntax;
mod tree;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Arc;

pub use chaos_definition::{ChaosDefinition, PluginSwitch};
pub use definition::{FlowDefinition, StepOverride};
pub use diagnostic::{DocumentDiagnostic, DocumentErrors, Snippet};
pub use export::{ExportError, to_toml};
pub use location::Location;
pub use origin::{DocumentOrigin, Syntax};
pub use override_definition::OverrideDefinition;
pub use route_definition::RouteDefinition;
pub use script::{ScriptActionDef, ScriptOrigin, ScriptSource};

use diagnostic::Problems;
use location::SourceText;

/// A `flow!` flow as a TOML document, for a start on a document version of it: its states,
/// edges, waits and deadlines, with the flow's name and version, over the data type named
/// `data` (the name a document's `data = "…"` uses). The actions' own retry policies and
/// timeouts stay with the registered actions, so the document carries no step overrides.
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::document::{DocumentOrigin, FlowDocument, flow_to_toml};
///
/// #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
/// pub struct Order { reserved: bool }
///
/// #[derive(Instruction)]
/// pub enum Stock { Reserved, OutOfStock }
///
/// #[action(readonly)]
/// async fn check_stock(ctx: &mut Context<Order>) -> Result<Stock, ActionError> {
///     Ok(Stock::Reserved)
/// }
///
/// flow! {
///     pub flow Reserve: Order {
///         start Created;
///         Created => check_stock { Reserved => Done, OutOfStock => Rejected }
///         success Done;
///         failure Rejected;
///     }
/// }
///
/// let text = flow_to_toml::<Reserve>("Order")?;
/// assert_eq!(text, r#"[[flow]]
/// name = "Reserve"
/// version = 1
/// data = "Order"
/// start = "Created"
/// success = ["Done"]
/// failure = ["Rejected"]
///
/// [[flow.state]]
/// name = "Created"
/// action = "check_stock"
/// on = { Reserved = "Done", OutOfStock = "Rejected" }
/// "#);
/// // It reads back to the compiled flow's graph.
/// let document = FlowDocument::parse(&text, DocumentOrigin::named("reserve.toml")).unwrap();
/// assert_eq!(document.flows[0].spec.states, Reserve::spec().states);
/// # Ok::<(), flow_runtime::document::ExportError>(())
/// ```
pub fn flow_to_toml<F: flow_core::Flow>(data: &str) -> Result<String, ExportError> {
    to_toml(&[FlowDefinition::new(F::spec(), data)], &[])
}

/// The flows and script actions of one document.
#[derive(Debug, Clone)]
pub struct FlowDocument {
    /// The flows, in document order.
    pub flows: Vec<FlowDefinition>,
    /// The script actions, in document order.
    pub actions: Vec<ScriptActionDef>,
    /// The routes, by kind of request: when a document has any, they replace the engine's.
    pub routes: Vec<RouteDefinition>,
    /// Retry overrides by flow and action: when a document has any, they replace the
    /// overrides of earlier documents.
    pub overrides: Vec<OverrideDefinition>,
    /// Chaos rules (see [`crate::chaos`]): a document that carries configuration (routes,
    /// overrides, chaos or plugin switches) sets the chaos in force to these, none when it
    /// has none.
    pub chaos: Vec<ChaosDefinition>,
    /// Plugin switches: a document that carries configuration switches the plugins it
    /// names as it says, and every other plugin on.
    pub plugins: Vec<PluginSwitch>,
}

/// A document as far as it could be read: see [`FlowDocument::read_structure`].
pub(crate) struct ReadDocument {
    pub(crate) document: FlowDocument,
    /// Per flow, whether it read without a problem.
    pub(crate) clean: Vec<bool>,
    pub(crate) diagnostics: Vec<DocumentDiagnostic>,
}

impl ReadDocument {
    /// The document, or every problem found, in document order.
    pub(crate) fn into_result(mut self) -> Result<FlowDocument, DocumentErrors> {
        if self.diagnostics.is_empty() {
            return Ok(self.document);
        }
        // A stable sort: problems on one token keep the order they were found in.
        self.diagnostics
            .sort_by_key(|diagnostic| (diagnostic.line, diagnostic.column));
        Err(DocumentErrors {
            diagnostics: self.diagnostics,
        })
    }
}

impl FlowDocument {
    /// Reads a document. Every problem is reported, not just the first: syntax errors, then
    /// the format's rules (unknown keys with a suggestion, wrong types, bad durations,
    /// contradictory keys), then the validator's diagnostics of each flow that was read
    /// without a problem, all by line and column.
    pub fn parse(text: &str, origin: DocumentOrigin) -> Result<FlowDocument, DocumentErrors> {
        let mut read = FlowDocument::read_structure(text, origin);
        for (flow, clean) in read.document.flows.iter().zip(&read.clean) {
            if *clean {
                read.diagnostics.extend(flow.validate());
            }
        }
        read.into_result()
    }

    /// The document as far as it could be read, its structural problems, and which flows
    /// read without one: the runtime validates those itself, with its action catalog, so
    /// that every problem of a document is reported at once.
    pub(crate) fn read_structure(text: &str, origin: DocumentOrigin) -> ReadDocument {
        let source = Arc::new(SourceText::new(origin.name.clone(), text.to_owned()));
        let mut problems = Problems::new(&source);
        let tree = match origin.syntax_of(text) {
            Syntax::Toml => toml_syntax::read(&mut problems),
            Syntax::Json => json_syntax::read(&mut problems),
        };
        let Some(tree) = tree else {
            return ReadDocument {
                document: FlowDocument {
                    flows: Vec::new(),
                    actions: Vec::new(),
                    routes: Vec::new(),
                    overrides: Vec::new(),
                    chaos: Vec::new(),
                    plugins: Vec::new(),
                },
                clean: Vec::new(),
                diagnostics: problems.list,
            };
        };
        let lowered = lower::lower(&tree, &origin, &source, &mut problems);
        let (flows, clean) = lowered.flows.into_iter().unzip();
        ReadDocument {
            document: FlowDocument {
                flows,
                actions: lowered.actions,
                routes: lowered.routes,
                overrides: lowered.overrides,
                chaos: lowered.chaos,
                plugins: lowered.plugins,
            },
            clean,
            diagnostics: problems.list,
        }
    }

    /// Reads the document in file `path` (see [`DocumentOrigin::file`]).
    pub fn read(path: impl AsRef<Path>) -> Result<FlowDocument, DocumentErrors> {
        let (text, origin) = FlowDocument::read_text(path.as_ref())?;
        FlowDocument::parse(&text, origin)
    }

    /// The text of the document in file `path`, with its origin.
    pub(crate) fn read_text(path: &Path) -> Result<(String, DocumentOrigin), DocumentErrors> {
        let origin = DocumentOrigin::file(path);
        match std::fs::read_to_string(path) {
            Ok(text) => Ok((text, origin)),
            Err(error) => Err(DocumentErrors {
                diagnostics: vec![DocumentDiagnostic {
                    origin: origin.name,
                    line: 1,
                    column: 1,
                    code: "document::io".to_owned(),
                    message: format!("cannot read the document: {error}"),
                    help: None,
                    snippet: None,
                }],
            }),
        }
    }

    /// Whether the document carries operations' configuration (routes, overrides, chaos or
    /// plugin switches), not just flows and actions: applying it sets chaos and plugin
    /// switches to what it says.
    pub fn is_configuration(&self) -> bool {
        !self.routes.is_empty()
            || !self.overrides.is_empty()
            || !self.chaos.is_empty()
            || !self.plugins.is_empty()
    }

    /// The flow `name` at `version`.
    pub fn flow(&self, name: &str, version: u32) -> Option<&FlowDefinition> {
        self.flows
            .iter()
            .find(|flow| flow.spec.name == name && flow.spec.version == version)
    }

    /// The script action `name`.
    pub fn action(&self, name: &str) -> Option<&ScriptActionDef> {
        self.actions.iter().find(|action| action.name == name)
    }

    /// The whole document in the export layout (see [`to_toml`]).
    pub fn to_toml(&self) -> String {
        // Parsed flows have at most one start and `next` only alone: always representable.
        to_toml(&self.flows, &self.actions).unwrap_or_default()
    }

    /// The canonical form of flow `index`: the flow alone, with the script actions its steps
    /// use inlined (sorted by name), in the export layout. Equal flows give equal bytes
    /// wherever and however they were written, so the runtime stores definitions by the hash
    /// of this text. `None` when there is no flow `index`.
    pub fn canonical(&self, index: usize) -> Option<String> {
        let flow = self.flows.get(index)?;
        let mut used: Vec<ScriptActionDef> = self
            .actions
            .iter()
            .filter(|action| {
                flow.spec.states.iter().any(|state| {
                    matches!(&state.kind, flow_core::StateKind::Step(step) if step.action == action.name)
                })
            })
            .cloned()
            .collect();
        used.sort_by(|a, b| a.name.cmp(&b.name));
        to_toml(std::slice::from_ref(flow), &used).ok()
    }
}
