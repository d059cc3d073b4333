//! `#[derive(Instruction)]`: the names of a field-less enum's variants.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

use crate::crate_path::runtime_path;
use crate::errors::Errors;

/// Expands the derive, or returns the errors found in its input.
pub(crate) fn derive(input: DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let krate = match crate_override(&input) {
        Ok(path) => runtime_path(path.as_ref()),
        Err(error) => return error.to_compile_error(),
    };
    let enum_data = match &input.data {
        Data::Enum(data) => data,
        Data::Struct(data) => {
            return syn::Error::new_spanned(
                data.struct_token,
                "`Instruction` can only be derived for an enum\n= help: list the outcomes as variants: `enum Payment { Charged, Declined }`",
            )
            .to_compile_error();
        }
        Data::Union(data) => {
            return syn::Error::new_spanned(
                data.union_token,
                "`Instruction` can only be derived for an enum",
            )
            .to_compile_error();
        }
    };
    if !input.generics.params.is_empty() {
        errors.at(
            &input.generics,
            "an instruction enum cannot be generic\n= help: instructions are plain names of outcomes",
        );
    }
    if enum_data.variants.is_empty() {
        errors.at(
            &input.ident,
            "an instruction enum needs at least one variant\n= help: an action with one outcome can return `()`",
        );
    }
    for variant in &enum_data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            errors.at(
                &variant.fields,
                format!(
                    "instruction variant `{}` carries data\n= help: instructions are names the flow maps to states; keep data in the context",
                    variant.ident
                ),
            );
        }
    }
    if !errors.is_empty() {
        return errors.into_compile_errors();
    }

    let name = &input.ident;
    let variants: Vec<_> = enum_data.variants.iter().map(|v| &v.ident).collect();
    let names: Vec<String> = variants.iter().map(|v| v.to_string()).collect();
    quote! {
        impl #krate::__private::Instruction for #name {
            const VARIANTS: &'static [&'static str] = &[#(#names),*];

            fn name(&self) -> &'static str {
                match self {
                    #(#name::#variants => #names,)*
                }
            }

            fn from_name(name: &str) -> ::core::option::Option<Self> {
                match name {
                    #(#names => ::core::option::Option::Some(#name::#variants),)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    }
}

/// Reads `#[instruction(crate = path)]`.
fn crate_override(input: &DeriveInput) -> syn::Result<Option<syn::Path>> {
    let mut path = None;
    for attribute in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("instruction"))
    {
        attribute.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                path = Some(meta.value()?.parse::<syn::Path>()?);
                Ok(())
            } else {
                Err(meta.error(
                    "unknown `instruction` attribute key\n= help: the only key is `crate = path`",
                ))
            }
        })?;
    }
    Ok(path)
}
