//! Code generation for a valid flow: the flow type, its `Flow` impl (dispatch `match`es,
//! static table, Mermaid), and the rules rustc evaluates for each step.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;

use super::ast::{Arm, FlowInput, Item, StepNext, path_span};
use super::dispatch::{dispatch, instruction_arms};
use super::qualified_action::qualified_action;
use super::rules::{self, DeferredDiagnostic};
use super::state_enum::{StateVariant, expand_state_enum, state_enum_name};
use crate::duration::duration_tokens;

/// Everything `flow!` emits for a valid flow.
pub(crate) fn expand(
    input: &FlowInput,
    variants: &[StateVariant],
    mermaid: &str,
    private: &TokenStream,
    deferred: &[DeferredDiagnostic],
) -> TokenStream {
    let flow = &input.name;
    let flow_name = flow.to_string();
    let vis = &input.vis;
    let data = &input.data;
    let version = input.version;
    let attrs = &input.attrs;
    let states = state_enum_name(input);
    let state_enum = expand_state_enum(input, variants, private);
    let start = input
        .items
        .iter()
        .find_map(|item| match item {
            Item::Start(state) => Some(state),
            _ => None,
        })
        .expect("a valid flow has a start state");
    let diagram_doc = format!("\n\n# Diagram\n\n```mermaid\n{mermaid}\n```");

    let steps: Vec<&super::ast::StepItem> = input
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Step(step) => Some(step),
            _ => None,
        })
        .collect();
    let waits: Vec<&super::ast::WaitItem> = input
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Wait(wait) => Some(wait),
            _ => None,
        })
        .collect();

    let dispatch = dispatch(&steps, &states, data, private);
    let chunk_fns = &dispatch.chunk_fns;
    let step_body = &dispatch.step_body;
    let query_body = &dispatch.query_body;
    let compensate_body = &dispatch.compensate_body;
    let signal_arms = waits.iter().map(|wait| {
        let state = &wait.state;
        let state_name = state.to_string();
        let event = &wait.event;
        let received = Ident::new("received", path_span(event));
        let patterns = instruction_arms(&wait.arms, &quote!(#event), &states);
        quote! {
            #states::#state => {
                let ::core::option::Option::Some(#received) =
                    <#event as #private::Instruction>::from_name(event)
                else {
                    return ::core::result::Result::Err(#private::SignalError::UnknownEvent {
                        state: #state_name,
                        event: ::std::string::ToString::to_string(event),
                        expected: <#event as #private::Instruction>::VARIANTS,
                    });
                };
                // `rules` reports an unmapped event in flow syntax, so no E0004 here.
                let (name, next) = match #received {
                    #(#patterns)*
                    _ => ::core::unreachable!(),
                };
                ::core::result::Result::Ok(#private::Transition { instruction: name, next })
            }
        }
    });
    let deadline_arms = waits.iter().filter_map(|wait| {
        let deadline = wait.deadline()?;
        let state = &wait.state;
        let target = &deadline.target;
        let after = duration_tokens(deadline.after);
        Some(quote! {
            #states::#state => ::core::option::Option::Some((#after, #states::#target)),
        })
    });
    let table = table_tokens(input, data, private);
    let rule_checks = rules::assertions(input, variants, data, private, deferred);

    quote! {
        #(#attrs)*
        #[doc = #diagram_doc]
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        #vis struct #flow;

        #state_enum

        impl #flow {
            /// The flow's graph as a Mermaid `stateDiagram-v2`.
            pub const MERMAID: &'static str = #mermaid;

            #chunk_fns
        }

        impl #private::Flow for #flow {
            type Data = #data;
            type State = #states;

            const NAME: &'static str = #flow_name;
            const VERSION: u32 = #version;
            const START: #states = #states::#start;
            const TABLE: #private::FlowTable = #table;
            const MERMAID: &'static str = #mermaid;

            fn step(
                state: #states,
                ctx: &mut #private::Context<#data>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<#private::Transition<#states>, #private::StepError>,
            > + ::core::marker::Send {
                #step_body
            }

            fn query(
                state: #states,
                ctx: &mut #private::Context<#data>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<#private::Transition<#states>, #private::StepError>,
            > + ::core::marker::Send {
                #query_body
            }

            fn compensate(
                state: #states,
                ctx: &mut #private::Context<#data>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<(), #private::StepError>,
            > + ::core::marker::Send {
                #compensate_body
            }

            fn signal(
                state: #states,
                event: &str,
            ) -> ::core::result::Result<#private::Transition<#states>, #private::SignalError> {
                #[allow(unreachable_patterns)]
                match state {
                    #(#signal_arms)*
                    other => ::core::result::Result::Err(#private::SignalError::NotWaiting {
                        state: #states::name(other),
                    }),
                }
            }

            fn deadline(
                state: #states,
            ) -> ::core::option::Option<(::core::time::Duration, #states)> {
                #[allow(unreachable_patterns)]
                match state {
                    #(#deadline_arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        #rule_checks
    }
}

/// The static `FlowTable`.
fn table_tokens(input: &FlowInput, data: &syn::Type, private: &TokenStream) -> TokenStream {
    let name = input.name.to_string();
    let version = input.version;
    let start = input
        .items
        .iter()
        .find_map(|item| match item {
            Item::Start(state) => Some(state.to_string()),
            _ => None,
        })
        .unwrap_or_default();
    let edge = |instruction: Option<String>, target: String| {
        let instruction = match instruction {
            Some(name) => quote!(::core::option::Option::Some(#name)),
            None => quote!(::core::option::Option::None),
        };
        quote!(#private::EdgeEntry { instruction: #instruction, target: #target })
    };
    let arm_edges = |arms: &[Arm]| -> Vec<TokenStream> {
        arms.iter()
            .map(|arm| edge(Some(arm.instruction.to_string()), arm.target.to_string()))
            .collect()
    };
    let entries = input.items.iter().flat_map(|item| -> Vec<TokenStream> {
        match item {
            Item::Start(_) => Vec::new(),
            Item::End { success, states } => states
                .iter()
                .map(|state| {
                    let name = state.to_string();
                    let kind = if *success {
                        quote!(#private::StateEntryKind::Success)
                    } else {
                        quote!(#private::StateEntryKind::Failure)
                    };
                    quote!(#private::StateEntry { name: #name, kind: #kind })
                })
                .collect(),
            Item::Wait(wait) => {
                let name = wait.state.to_string();
                let event = super::ast::path_text(&wait.event);
                let deadline = match wait.deadline() {
                    Some(deadline) => {
                        let after = duration_tokens(deadline.after);
                        let target = deadline.target.to_string();
                        quote!(::core::option::Option::Some((#after, #target)))
                    }
                    None => quote!(::core::option::Option::None),
                };
                let edges = arm_edges(&wait.arms);
                vec![quote! {
                    #private::StateEntry {
                        name: #name,
                        kind: #private::StateEntryKind::Wait {
                            event: #event,
                            deadline: #deadline,
                            edges: &[#(#edges),*],
                        },
                    }
                }]
            }
            Item::Step(step) => {
                let name = step.state.to_string();
                let action = qualified_action(&step.action, data, private);
                let edges = match &step.next {
                    StepNext::Arms(arms) => arm_edges(arms),
                    StepNext::Direct(target) => vec![edge(None, target.to_string())],
                };
                // Spanned on the action so that a bad action is reported once, there.
                vec![quote_spanned! {path_span(&step.action)=>
                    #private::StateEntry {
                        name: #name,
                        kind: #private::StateEntryKind::Step {
                            action: #action::POLICY,
                            edges: &[#(#edges),*],
                        },
                    }
                }]
            }
        }
    });
    quote! {
        #private::FlowTable {
            name: #name,
            version: #version,
            start: #start,
            states: &[#(#entries),*],
        }
    }
}
