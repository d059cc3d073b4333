//! Diagrams of flows, plain or with live figures: Mermaid (for rustdoc and Markdown), DOT
//! (for Graphviz) and SVG (self-contained, laid out here, for the dashboard).
//!
//! Any flow can be drawn: a compiled one through its [`FlowTable`](crate::model::FlowTable)
//! (`Flow::spec()`), a document flow through its [`FlowSpec`]. [`Figures`] carries what is
//! printed beside the graph: each edge's conversion rate (the share of the source state's
//! entries that went along it), each state's failure rate, and how many instances rest in
//! each state right now, when known.
//!
//! ```
//! use flow_runtime::diagram::{DiagramFormat, Figures, render};
//! use flow_runtime::prelude::*;
//!
//! #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
//! pub struct Order;
//! #[derive(Instruction)]
//! pub enum Stock { Reserved, OutOfStock }
//! #[action(readonly)]
//! async fn check_stock(_: &mut Context<Order>) -> Result<Stock, ActionError> {
//!     Ok(Stock::Reserved)
//! }
//! flow! {
//!     pub flow Reserve: Order {
//!         start Created;
//!         Created => check_stock { Reserved => Done, OutOfStock => Rejected }
//!         success Done;
//!         failure Rejected;
//!     }
//! }
//!
//! let spec = Reserve::spec();
//! let mut figures = Figures::none();
//! figures.set_state("Created", 200, 0, Some(3));
//! figures.set_edge("Created", Some("Reserved"), "Done", 150, 0.75);
//! let mermaid = render(&spec, DiagramFormat::Mermaid, &figures);
//! assert!(mermaid.contains("Created --> Done: check_stock / Reserved · 75.0% (150)"));
//! let svg = render(&spec, DiagramFormat::Svg, &figures);
//! assert!(svg.starts_with("<svg "));
//! ```

mod dot;
mod figures;
mod format;
mod graph;
mod layout;
mod palette;
mod svg;
#[cfg(test)]
pub(crate) mod tests;

pub use figures::{EdgeFigures, Figures, StateFigures};
pub use format::{DiagramFormat, UnknownFormat};
pub use layout::{Layout, LayoutEdge, LayoutNode, Point, Route, layout};

use flow_core::FlowSpec;

/// `spec` drawn in `format` with `figures` (pass [`Figures::none`] for a plain diagram).
/// The same input gives the same bytes.
pub fn render(spec: &FlowSpec, format: DiagramFormat, figures: &Figures) -> String {
    match format {
        DiagramFormat::Mermaid => flow_core::render_mermaid_with(spec, figures),
        DiagramFormat::Dot => dot::render_dot(spec, figures),
        DiagramFormat::Svg => svg::render_svg(spec, figures),
    }
}

pub use dot::render_dot;
pub use svg::render_svg;
