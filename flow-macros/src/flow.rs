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
    let findings = check::check(&spec, &spans);
    let variants = state_enum::state_variants(&input);
    // Graph diagnostics alone may all follow from an instruction no step maps, which only
    // rustc can tell: then they wait in const items until every instruction is mapped.
    let defer = errors.is_empty()
        && !findings.is_empty()
        && findings.iter().all(|finding| finding.graph_rule.is_some())
        && maps_instructions(&input);
    let mut deferred = Vec::new();
    for finding in findings {
        match finding.graph_rule {
            Some((state, rule)) if defer => deferred.push(rules::DeferredDiagnostic {
                span: finding.span,
                state,
                rule,
                message: finding.message,
            }),
            _ => errors.at_span(finding.span, finding.message),
        }
    }
    if errors.is_empty() {
        let mermaid = flow_core::render_mermaid(&spec);
        expand::expand(&input, &variants, &mermaid, &private, &deferred)
    } else {
        let fallback = fallback::fallback(&input, variants, &private);
        let errors = errors.into_compile_errors();
        quote!(#errors #fallback)
    }
}

/// Whether some step or wait maps instructions one by one (and so may leave one out).
fn maps_instructions(input: &ast::FlowInput) -> bool {
    input.items.iter().any(|item| match item {
        ast::Item::Step(step) => matches!(step.next, ast::StepNext::Arms(_)),
        ast::Item::Wait(wait) => !wait.arms.is_empty(),
        _ => false,
    })
}
