//! What `flow!` emits beside its errors: the flow type, its state enum and a `Flow` impl whose
//! bodies never run, so code that uses the flow reports nothing but the real mistakes.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::ast::FlowInput;
use super::state_enum::{StateVariant, expand_state_enum, state_enum_name};

/// The stand-in items for a flow with errors.
pub(crate) fn fallback(
    input: &FlowInput,
    mut variants: Vec<StateVariant>,
    private: &TokenStream,
) -> TokenStream {
    if variants.is_empty() {
        // `START` needs some state to name.
        variants.push(StateVariant {
            ident: format_ident!("Invalid"),
            terminal: true,
            doc: "Stand-in: the flow declares no state.".to_owned(),
        });
    }
    let flow = &input.name;
    let flow_name = flow.to_string();
    let vis = &input.vis;
    let data = &input.data;
    let attrs = &input.attrs;
    let version = input.version;
    let states = state_enum_name(input);
    let first = &variants[0].ident;
    let state_enum = expand_state_enum(input, &variants, private);
    quote! {
        #(#attrs)*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        #vis struct #flow;

        #state_enum

        impl #flow {
            /// The flow's graph as a Mermaid `stateDiagram-v2`.
            pub const MERMAID: &'static str = "";
        }

        impl #private::Flow for #flow {
            type Data = #data;
            type State = #states;

            const NAME: &'static str = #flow_name;
            const VERSION: u32 = #version;
            const START: #states = #states::#first;
            const TABLE: #private::FlowTable = #private::FlowTable {
                name: #flow_name,
                version: #version,
                start: "",
                states: &[],
            };
            const MERMAID: &'static str = "";

            fn step(
                _: #states,
                _: &mut #private::Context<#data>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<#private::Transition<#states>, #private::StepError>,
            > + ::core::marker::Send {
                async { ::core::unreachable!("flow `{}` did not compile", #flow_name) }
            }

            fn query(
                _: #states,
                _: &mut #private::Context<#data>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<#private::Transition<#states>, #private::StepError>,
            > + ::core::marker::Send {
                async { ::core::unreachable!("flow `{}` did not compile", #flow_name) }
            }

            fn compensate(
                _: #states,
                _: &mut #private::Context<#data>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<(), #private::StepError>,
            > + ::core::marker::Send {
                async { ::core::unreachable!("flow `{}` did not compile", #flow_name) }
            }

            fn signal(
                _: #states,
                _: &str,
            ) -> ::core::result::Result<#private::Transition<#states>, #private::SignalError> {
                ::core::unreachable!("flow `{}` did not compile", #flow_name)
            }

            fn deadline(_: #states) -> ::core::option::Option<(::core::time::Duration, #states)> {
                ::core::option::Option::None
            }
        }
    }
}
