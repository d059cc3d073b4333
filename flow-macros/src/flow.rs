//! `flow!`: parse -> lower to `FlowSpec` -> validate (flow-core) -> map diagnostics to spans ->
//! expand, or emit the errors beside fallback items.

mod ast;
mod check;
mod dispatch;
mod expand;
mod fallback;
mod lower;
mod saga;
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
    check::check(&spec, &spans, &mut errors);
    let variants = state_enum::state_variants(&input);
    if errors.is_empty() {
        let mermaid = flow_core::render_mermaid(&spec);
        expand::expand(&input, &variants, &mermaid, &private)
    } else {
        let fallback = fallback::fallback(&input, variants, &private);
        let errors = errors.into_compile_errors();
        quote!(#errors #fallback)
    }
}
