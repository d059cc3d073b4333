//! `flow!`: parse (`ast`) -> lower to `FlowSpec` (`lower`) -> validate with flow-core and map
//! diagnostics to spans (`check`) -> expand (`expand`, with `dispatch`, `rules` and
//! `state_enum`; all name actions through `qualified_action`), or emit the errors beside
//! stand-in items (`fallback`).

mod ast;
mod check;
mod dispatch;
mod expand;
mod fallback;
mod lower;
mod qualified_action;
mod rules;

mod state_enum;

use proc_macro2::TokenStream;
use quote::quote;

use crate::crate_path::runtime_path;
use crate::errors::Errors;

/// Expands one `flow!` invocation.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let input: ast::FlowInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let krate = runtime_path(input.krate.as_ref());
    let private = quote!(#krate::__private);
    let (spec, spans) = lower::lower(&input);
    let mut errors = Errors::default();
    check::check_wait_timeouts(&input, &mut errors);
    let findings = check::check(&spec, &spans, &check::loose_ends(&input));
    let variants = state_enum::state_variants(&input);
    // A flow whose only problems are in its graph still expands: the graph diagnostics an
    // unmapped instruction may cause (which only rustc can tell) wait in const items until
    // every instruction is mapped, so a deleted mapping line is reported as itself.
    let expands = errors.is_empty() && findings.iter().all(|f| f.graph_rule.is_some());
    let mut deferred = Vec::new();
    for finding in findings {
        match finding.graph_rule {
            Some((state, rule)) if expands && finding.may_follow_from_unmapped => {
                deferred.push(rules::DeferredDiagnostic {
                    span: finding.span,
                    state,
                    rule,
                    message: finding.message,
                })
            }
            _ => errors.at_span(finding.span, finding.message),
        }
    }
    if expands {
        let mermaid = flow_core::render_mermaid(&spec);
        let errors = errors.into_compile_errors();
        let expansion = expand::expand(&input, &variants, &mermaid, &private, &deferred);
        quote!(#errors #expansion)
    } else {
        let fallback = fallback::fallback(&input, variants, &private);
        let errors = errors.into_compile_errors();
        quote!(#errors #fallback)
    }
}
