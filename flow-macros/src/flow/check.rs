//! Runs flow-core's validator on the lowered flow and turns each diagnostic into a compile
//! error on the offending token.

use flow_core::FlowSpec;

use super::lower::SpanMap;
use crate::errors::{Errors, with_help};

/// Records every problem the validator finds in `spec`.
pub(crate) fn check(spec: &FlowSpec, spans: &SpanMap, errors: &mut Errors) {
    for diagnostic in flow_core::validate(spec) {
        errors.at_span(
            spans.span(diagnostic.element),
            with_help(&diagnostic.message, &diagnostic.help),
        );
    }
}
