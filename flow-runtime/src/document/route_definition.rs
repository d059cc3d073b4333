//! The routes of a document (`[[route]]`): per kind of request, its variants (the flow
//! versions that serve it, with their weights), an optional pin, and attribute rules.

use std::ops::Range;
use std::sync::Arc;

use super::diagnostic::DocumentDiagnostic;
use super::location::SourceText;
use crate::routing::{KindRoutes, Variant};

/// The routes of one kind of request, as a document writes them.
#[derive(Debug, Clone)]
pub struct RouteDefinition {
    /// The kind of request (`checkout`).
    pub kind: String,
    /// The routes, ready for a [`Router`](crate::routing::Router).
    pub routes: KindRoutes,
    /// Every variant with where its `flow` was written, for the engine's check that the
    /// flow version exists.
    pub(crate) variants: Vec<(Variant, Range<usize>)>,
    pub(crate) source: Arc<SourceText>,
}

impl RouteDefinition {
    /// The variants the routes lead to.
    pub fn variants(&self) -> impl Iterator<Item = &Variant> {
        self.variants.iter().map(|(variant, _)| variant)
    }

    /// The text of the document the routes were written in.
    pub(crate) fn document_text(&self) -> &str {
        &self.source.text
    }

    /// A problem with `variant`'s flow, at its `flow` value.
    pub(crate) fn variant_problem(
        &self,
        variant: &Variant,
        code: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Option<DocumentDiagnostic> {
        let (_, span) = self.variants.iter().find(|(known, _)| known == variant)?;
        Some(DocumentDiagnostic::at(
            &self.source,
            span,
            code,
            message,
            help,
        ))
    }
}
