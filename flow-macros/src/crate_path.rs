//! The path generated code uses to reach flow-runtime; overridable with `crate = path` for
//! users who rename the dependency in Cargo.toml.

use proc_macro2::TokenStream;
use quote::quote;

/// The default path, `::flow_runtime`, or the user's override.
pub(crate) fn runtime_path(custom: Option<&syn::Path>) -> TokenStream {
    match custom {
        Some(path) => quote!(#path),
        None => quote!(::flow_runtime),
    }
}
