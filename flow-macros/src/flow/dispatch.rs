//! The dispatch from a state to its action: `match`es that run (or query, or compensate) the
//! action and map its instruction to the next state.
//!
//! Steps are split into chunks of [`CHUNK`] states, one `async fn` per chunk, and the trait
//! methods `match` a state to its chunk. One `async` block awaiting hundreds of different
//! futures costs rustc superlinear time to check (coroutine layout, borrow checking); small
//! chunks keep a 500-state flow's check time linear, and nothing is boxed at run time.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use super::ast::{Arm, StepItem, StepNext, path_span};
use super::qualified_action::qualified_action;

/// States per chunk: small enough that each chunk's coroutine is cheap to check.
const CHUNK: usize = 16;

/// The generated dispatch: chunk fns to put in an inherent impl, and the bodies of
/// `Flow::step`, `Flow::query` and `Flow::compensate`.
pub(crate) struct Dispatch {
    pub(crate) chunk_fns: TokenStream,
    pub(crate) step_body: TokenStream,
    pub(crate) query_body: TokenStream,
    pub(crate) compensate_body: TokenStream,
}

/// Builds the dispatch of `steps`: one `async fn` per chunk that runs, queries or
/// compensates the action of a state, each arm a single await.
pub(crate) fn dispatch(
    steps: &[&StepItem],
    states: &Ident,
    data: &syn::Type,
    private: &TokenStream,
) -> Dispatch {
    if steps.is_empty() {
        // A flow of waits only: no state runs an action.
        let no_action = quote! {
            async move {
                let _ = ctx;
                ::core::result::Result::Err(#private::StepError::NoAction {
                    state: #states::name(state),
                })
            }
        };
        return Dispatch {
            chunk_fns: TokenStream::new(),
            step_body: no_action.clone(),
            query_body: no_action.clone(),
            compensate_body: no_action,
        };
    }
    let chunks: Vec<&[&StepItem]> = steps.chunks(CHUNK).collect();
    let mut chunk_fns = TokenStream::new();
    for (index, chunk) in chunks.iter().enumerate() {
        let name = format_ident!("__dispatch_chunk_{}", index);
        let arms = chunk
            .iter()
            .map(|step| dispatch_arm(step, states, data, private));
        chunk_fns.extend(quote! {
            #[doc(hidden)]
            async fn #name(
                state: #states,
                ctx: &mut #private::Context<#data>,
                mode: #private::DispatchMode,
            ) -> ::core::result::Result<
                ::core::option::Option<#private::Transition<#states>>,
                #private::StepError,
            > {
                #[allow(unreachable_patterns)]
                match state {
                    #(#arms)*
                    other => ::core::result::Result::Err(#private::StepError::NoAction {
                        state: #states::name(other),
                    }),
                }
            }
        });
    }
    // The router from a state to its chunk, written once for the three modes.
    let route_arms = chunks.iter().enumerate().map(|(index, chunk)| {
        let name = format_ident!("__dispatch_chunk_{}", index);
        let patterns = chunk.iter().map(|step| {
            let state = &step.state;
            quote!(#states::#state)
        });
        quote!(#(#patterns)|* => Self::#name(state, ctx, mode).await,)
    });
    // A flow of one chunk needs no router: one await less per step.
    let router = if chunks.len() == 1 {
        format_ident!("__dispatch_chunk_0")
    } else {
        format_ident!("__dispatch")
    };
    let routed = chunks.len() > 1;
    chunk_fns.extend(routed.then(|| {
        quote! {
            #[doc(hidden)]
            async fn __dispatch(
                state: #states,
                ctx: &mut #private::Context<#data>,
                mode: #private::DispatchMode,
            ) -> ::core::result::Result<
                ::core::option::Option<#private::Transition<#states>>,
                #private::StepError,
            > {
                #[allow(unreachable_patterns)]
                match state {
                    #(#route_arms)*
                    other => ::core::result::Result::Err(#private::StepError::NoAction {
                        state: #states::name(other),
                    }),
                }
            }
        }
    }));
    // Running and querying always give a transition; compensating never does.
    let transition = |mode: TokenStream| {
        quote! {
            async move {
                match Self::#router(state, ctx, #mode).await {
                    ::core::result::Result::Ok(::core::option::Option::Some(transition)) => {
                        ::core::result::Result::Ok(transition)
                    }
                    ::core::result::Result::Ok(::core::option::Option::None) => {
                        ::core::result::Result::Err(#private::StepError::NoAction {
                            state: #states::name(state),
                        })
                    }
                    ::core::result::Result::Err(error) => ::core::result::Result::Err(error),
                }
            }
        }
    };
    let step_body = transition(quote!(#private::DispatchMode::Run));
    let query_body = transition(quote!(#private::DispatchMode::Query));
    let compensate_body = quote! {
        async move {
            Self::#router(state, ctx, #private::DispatchMode::Compensate)
                .await
                .map(|_| ())
        }
    };
    Dispatch {
        chunk_fns,
        step_body,
        query_body,
        compensate_body,
    }
}

/// The arm that runs, queries or compensates the action of `step`, and maps an instruction.
fn dispatch_arm(
    step: &StepItem,
    states: &Ident,
    data: &syn::Type,
    private: &TokenStream,
) -> TokenStream {
    let state = &step.state;
    let span = path_span(&step.action);
    let action = qualified_action(&step.action, data, private);
    // The chunk fn's own parameters, interpolated so that they keep its hygiene even when the
    // action's path was written inside a `macro_rules!`.
    let (ctx, mode) = (
        Ident::new("ctx", Span::call_site()),
        Ident::new("mode", Span::call_site()),
    );
    let call = quote_spanned!(span=> #action::dispatch(#ctx, #mode).await);
    let instruction = Ident::new("instruction", span);
    // Each arm of the instruction match names its variant itself: no trait call per step
    // for rustc to resolve.
    let moved = match &step.next {
        StepNext::Arms(arms) => {
            // Through `ActionInstruction`, not `Action<Data>`: for an action over other data the
            // variants still resolve, and the one error is the missing `Action<Data>`.
            let path = &step.action;
            let instruction_type =
                quote_spanned!(span=> <#path as #private::ActionInstruction>::Instruction);
            let patterns = instruction_arms(arms, &instruction_type, states);
            // A flow that leaves an instruction out does not compile: `rules` reports it in
            // flow syntax, where rustc's E0004 would suggest `=> todo!()`.
            quote!(match #instruction { #(#patterns)* _ => ::core::unreachable!(), })
        }
        StepNext::Direct(target) => quote! {
            (#private::Instruction::name(&#instruction), #states::#target)
        },
    };
    // An explicit match instead of `?`: no `From` conversion to resolve per step.
    quote! {
        #states::#state => match #call {
            ::core::result::Result::Ok(::core::option::Option::Some(#instruction)) => {
                let (instruction, next) = #moved;
                ::core::result::Result::Ok(::core::option::Option::Some(
                    #private::Transition { instruction, next },
                ))
            }
            ::core::result::Result::Ok(::core::option::Option::None) => {
                ::core::result::Result::Ok(::core::option::Option::None)
            }
            ::core::result::Result::Err(error) => {
                ::core::result::Result::Err(#private::StepError::Action(error))
            }
        },
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
            let name = variant.to_string();
            // Spanned on the user's target, so rustc's suggestions land on the flow's line.
            let moved = quote_spanned!(target.span()=> (#name, #states::#target));
            quote!(#pattern => #moved,)
        })
        .collect()
}
