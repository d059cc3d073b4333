//! The dispatch from a state to its action: `match`es that run (or query, or compensate) the
//! action and map its instruction to the next state.
//!
//! Steps are split into chunks of [`CHUNK`] states, one `async fn` per chunk, and the trait
//! methods `match` a state to its chunk. One `async` block awaiting hundreds of different
//! futures costs rustc superlinear time to check (coroutine layout, borrow checking); small
//! chunks keep a 500-state flow's check time linear, and nothing is boxed at run time.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use super::ast::{Arm, StepItem, StepNext, path_span};
use super::expand::qualified_action;

/// States per chunk: small enough that each chunk's coroutine is cheap to check.
const CHUNK: usize = 32;

/// The generated dispatch: chunk fns to put in an inherent impl, and the bodies of
/// `Flow::step`, `Flow::query` and `Flow::compensate`.
pub(crate) struct Dispatch {
    pub(crate) chunk_fns: TokenStream,
    pub(crate) step_body: TokenStream,
    pub(crate) query_body: TokenStream,
    pub(crate) compensate_body: TokenStream,
}

/// Builds the dispatch of `steps`.
pub(crate) fn dispatch(
    steps: &[&StepItem],
    states: &Ident,
    data: &syn::Type,
    private: &TokenStream,
) -> Dispatch {
    let chunks: Vec<&[&StepItem]> = steps.chunks(CHUNK).collect();
    let mut chunk_fns = TokenStream::new();
    for (index, chunk) in chunks.iter().enumerate() {
        let run = format_ident!("__run_chunk_{}", index);
        let undo = format_ident!("__compensate_chunk_{}", index);
        let run_arms = chunk
            .iter()
            .map(|step| run_arm(step, states, data, private));
        let undo_arms = chunk.iter().map(|step| {
            let state = &step.state;
            let action = qualified_action(&step.action, data, private);
            quote_spanned! {path_span(&step.action)=>
                #states::#state => #action::compensate(ctx)
                    .await
                    .map_err(#private::StepError::from),
            }
        });
        chunk_fns.extend(quote! {
            #[doc(hidden)]
            async fn #run(
                state: #states,
                ctx: &mut #private::Context<#data>,
                query: bool,
            ) -> ::core::result::Result<#private::Transition<#states>, #private::StepError> {
                #[allow(unreachable_patterns)]
                match state {
                    #(#run_arms)*
                    other => ::core::result::Result::Err(#private::StepError::NoAction {
                        state: #states::name(other),
                    }),
                }
            }

            #[doc(hidden)]
            async fn #undo(
                state: #states,
                ctx: &mut #private::Context<#data>,
            ) -> ::core::result::Result<(), #private::StepError> {
                #[allow(unreachable_patterns)]
                match state {
                    #(#undo_arms)*
                    other => ::core::result::Result::Err(#private::StepError::NoAction {
                        state: #states::name(other),
                    }),
                }
            }
        });
    }
    let no_action = quote! {
        ::core::result::Result::Err(#private::StepError::NoAction {
            state: #states::name(other),
        })
    };
    let route = |call: &dyn Fn(usize) -> TokenStream| -> TokenStream {
        let arms = chunks.iter().enumerate().map(|(index, chunk)| {
            let patterns = chunk.iter().map(|step| {
                let state = &step.state;
                quote!(#states::#state)
            });
            let call = call(index);
            quote!(#(#patterns)|* => #call,)
        });
        quote! {
            async move {
                #[allow(unreachable_patterns)]
                match state {
                    #(#arms)*
                    other => #no_action,
                }
            }
        }
    };
    let step_body = route(&|index| {
        let run = format_ident!("__run_chunk_{}", index);
        quote!(Self::#run(state, ctx, false).await)
    });
    let query_body = route(&|index| {
        let run = format_ident!("__run_chunk_{}", index);
        quote!(Self::#run(state, ctx, true).await)
    });
    let compensate_body = route(&|index| {
        let undo = format_ident!("__compensate_chunk_{}", index);
        quote!(Self::#undo(state, ctx).await)
    });
    Dispatch {
        chunk_fns,
        step_body,
        query_body,
        compensate_body,
    }
}

/// The arm that runs (or queries) the action of `step` and maps its instruction.
fn run_arm(
    step: &StepItem,
    states: &Ident,
    data: &syn::Type,
    private: &TokenStream,
) -> TokenStream {
    let state = &step.state;
    let span = path_span(&step.action);
    let action = qualified_action(&step.action, data, private);
    let call = quote_spanned!(span=> #action::run_or_query(ctx, query).await?);
    let instruction = Ident::new("instruction", span);
    let next = match &step.next {
        StepNext::Arms(arms) => {
            let patterns = instruction_arms(arms, &quote!(#action::Instruction), states);
            quote!(match #instruction { #(#patterns)* })
        }
        StepNext::Direct(target) => quote!(#states::#target),
    };
    quote! {
        #states::#state => {
            let #instruction = #call;
            let name = #private::Instruction::name(&#instruction);
            let next = #next;
            ::core::result::Result::Ok(#private::Transition { instruction: name, next })
        }
    }
}

/// The `match` arms from instruction variants to states. Patterns go through the action's
/// instruction type, so rustc reports unhandled and unknown variants on the user's tokens.
pub(crate) fn instruction_arms(
    arms: &[Arm],
    instruction_type: &TokenStream,
    states: &Ident,
) -> Vec<TokenStream> {
    arms.iter()
        .map(|arm| {
            let variant = &arm.instruction;
            let target = &arm.target;
            let pattern = quote_spanned!(variant.span()=> #instruction_type::#variant);
            quote!(#pattern => #states::#target,)
        })
        .collect()
}
