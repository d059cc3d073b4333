//! `#[action]`: turns an async fn into a building block that flows can name.
//!
//! The fn stays as written (so it can be called and tested directly); beside it the macro
//! generates a type of the same name (types and functions live in different namespaces)
//! that implements `Action<Data>`, with the attribute's arguments as associated consts.

mod attr;
mod signature;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use crate::crate_path::runtime_path;
use crate::duration::duration_tokens;
use crate::errors::Errors;
pub(crate) use attr::suggestion_or_list;
use attr::{ActionArgs, BackoffArgs, DeclaredEffect, RetryArgs, parse_action_args};
use signature::check_signature;

/// Expands `#[action(args)] function`.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let mut output = syn::Error::new(
                error.span(),
                "`#[action]` goes on an `async fn name(ctx: &mut Context<Data>) -> Result<Instruction, ActionError>`",
            )
            .to_compile_error();
            output.extend(item);
            return output;
        }
    };
    let mut errors = Errors::default();
    let args = parse_action_args(args, &mut errors);
    let signature = check_signature(&function, &mut errors);
    let krate = runtime_path(args.krate.as_ref());

    let context = &signature.context;
    match (errors.is_empty(), signature.data, signature.instruction) {
        (true, Some(data), Some(instruction)) => {
            let action_impl = action_impl(&function, &args, &krate, &data, &instruction, context);
            quote!(#function #action_impl)
        }
        (_, _, instruction) => {
            // Keep the fn and an action type so that flows naming it report nothing more.
            let fallback = fallback_impl(&function, &krate, instruction);
            let errors = errors.into_compile_errors();
            quote!(#errors #function #fallback)
        }
    }
}

fn action_impl(
    function: &ItemFn,
    args: &ActionArgs,
    krate: &TokenStream,
    data: &syn::Type,
    instruction: &syn::Type,
    ctx: &syn::Ident,
) -> TokenStream {
    let name = &function.sig.ident;
    let name_text = name.to_string();
    let action_type = action_type(function);
    let private = quote!(#krate::__private);
    let effect = match args.effect {
        Some((DeclaredEffect::Pivot, _)) => quote!(#private::Effect::Pivot),
        Some((DeclaredEffect::ReadOnly, _)) => quote!(#private::Effect::ReadOnly),
        None => quote!(#private::Effect::SideEffect),
    };
    let retry = optional(
        args.retry
            .as_ref()
            .map(|retry| retry_tokens(retry, &private)),
    );
    let compensation_retry = optional(
        args.compensate_retry
            .as_ref()
            .map(|retry| retry_tokens(retry, &private)),
    );
    let timeout = optional(args.timeout.map(duration_tokens));
    let (compensation_name, compensate_fn) = match &args.compensate {
        Some(path) => {
            let compensation_text = path
                .segments
                .last()
                .map(|segment| segment.ident.to_string())
                .unwrap_or_default();
            let call = quote_spanned!(path.span()=> #path(#ctx));
            (
                quote!(::core::option::Option::Some(#compensation_text)),
                quote! {
                    fn compensate(
                        #ctx: &mut #private::Context<#data>,
                    ) -> impl ::core::future::Future<
                        Output = ::core::result::Result<(), #private::ActionError>,
                    > + ::core::marker::Send {
                        #call
                    }
                },
            )
        }
        None => (quote!(::core::option::Option::None), TokenStream::new()),
    };
    let (query_name, query_fn) = match &args.query {
        Some(path) => {
            let query_text = path
                .segments
                .last()
                .map(|segment| segment.ident.to_string())
                .unwrap_or_default();
            let call = quote_spanned!(path.span()=> #path(#ctx));
            (
                quote!(::core::option::Option::Some(#query_text)),
                quote! {
                    fn query(
                        #ctx: &mut #private::Context<#data>,
                    ) -> impl ::core::future::Future<
                        Output = ::core::result::Result<Self::Instruction, #private::ActionError>,
                    > + ::core::marker::Send {
                        #call
                    }
                },
            )
        }
        None => (quote!(::core::option::Option::None), TokenStream::new()),
    };
    let run_call = quote_spanned!(name.span()=> #name(#ctx));
    let instruction_type = quote_spanned!(instruction.span()=> #instruction);
    quote! {
        #action_type

        impl #private::ActionInstruction for #name {
            type Instruction = #instruction_type;
        }

        impl #private::Action<#data> for #name {
            type Instruction = #instruction_type;
            const NAME: &'static str = #name_text;
            const COMPENSATION: ::core::option::Option<&'static str> = #compensation_name;
            const EFFECT: #private::Effect = #effect;
            const RETRY: ::core::option::Option<#private::RetryPolicy> = #retry;
            const COMPENSATION_RETRY: ::core::option::Option<#private::RetryPolicy> =
                #compensation_retry;
            const TIMEOUT: ::core::option::Option<::core::time::Duration> = #timeout;
            const QUERY: ::core::option::Option<&'static str> = #query_name;

            fn run(
                #ctx: &mut #private::Context<#data>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<Self::Instruction, #private::ActionError>,
            > + ::core::marker::Send {
                #run_call
            }

            #query_fn

            #compensate_fn
        }
    }
}

/// The type of the same name as the fn, documented like it.
fn action_type(function: &ItemFn) -> TokenStream {
    let name = &function.sig.ident;
    let visibility = &function.vis;
    let docs = function
        .attrs
        .iter()
        .filter(|attribute| attribute.path().is_ident("doc"));
    let note = format!(" The action type of [`{name}`](fn@{name}), generated by `#[action]`.");
    quote! {
        #(#docs)*
        #[doc = ""]
        #[doc = #note]
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, Default)]
        #visibility struct #name {}
    }
}

/// What is emitted for an action with errors: the type and an impl whose body never runs,
/// so flows that name the action do not add errors of their own.
fn fallback_impl(
    function: &ItemFn,
    krate: &TokenStream,
    instruction: Option<syn::Type>,
) -> TokenStream {
    let name = &function.sig.ident;
    let name_text = name.to_string();
    let private = quote!(#krate::__private);
    let action_type = action_type(function);
    let instruction = instruction
        .map(|ty| ty.into_token_stream())
        .unwrap_or_else(|| quote!(()));
    quote! {
        #action_type

        impl #private::ActionInstruction for #name {
            type Instruction = #instruction;
        }

        impl<D: ::core::marker::Send + 'static> #private::Action<D> for #name {
            type Instruction = #instruction;
            const NAME: &'static str = #name_text;
            const EFFECT: #private::Effect = #private::Effect::ReadOnly;

            fn run(
                _: &mut #private::Context<D>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<Self::Instruction, #private::ActionError>,
            > + ::core::marker::Send {
                async { ::core::unreachable!("action `{}` did not compile", #name_text) }
            }
        }
    }
}

fn optional(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

fn retry_tokens(retry: &RetryArgs, private: &TokenStream) -> TokenStream {
    let attempts = retry.attempts;
    let jitter = retry.jitter;
    let backoff = match retry.backoff {
        BackoffArgs::Fixed(delay) => {
            let delay = duration_tokens(delay);
            quote!(#private::Backoff::Fixed(#delay))
        }
        BackoffArgs::Exponential { initial, max } => {
            let initial = duration_tokens(initial);
            let max = duration_tokens(max);
            quote!(#private::Backoff::Exponential { initial: #initial, max: #max })
        }
    };
    quote!(#private::RetryPolicy { attempts: #attempts, backoff: #backoff, jitter: #jitter })
}
