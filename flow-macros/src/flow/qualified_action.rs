//! How generated code names a step's action: the one helper every expansion pass shares, so
//! that `expand`, `dispatch` and `saga` each import it from here and not from one another.

use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::Path;

use super::ast::path_span;

/// `<path as Action<Data>>`, spanned on the user's path so trait errors land there.
pub(crate) fn qualified_action(
    path: &Path,
    data: &syn::Type,
    private: &TokenStream,
) -> TokenStream {
    quote_spanned!(path_span(path)=> <#path as #private::Action<#data>>)
}
