//! The state enum of a flow: variants, names, `Display`, `FromStr`, serde and `FlowState`.
//! Generated for valid and invalid flows alike, so code using the states stays quiet.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::ast::{FlowInput, Item};

/// One state of the enum, with the doc line describing it.
pub(crate) struct StateVariant {
    pub(crate) ident: Ident,
    pub(crate) terminal: bool,
    pub(crate) doc: String,
}

/// The enum's name: `CheckoutState` for flow `Checkout`.
pub(crate) fn state_enum_name(input: &FlowInput) -> Ident {
    format_ident!("{}State", input.name)
}

/// The distinct states in declaration order (the first declaration of a name wins).
pub(crate) fn state_variants(input: &FlowInput) -> Vec<StateVariant> {
    let mut variants: Vec<StateVariant> = Vec::new();
    // By name, not `Ident ==`: comparing two idents asks the compiler for both names, which
    // makes a scan per state quadratic in bridge calls (seconds for 500 states).
    let mut declared: HashSet<String> = HashSet::new();
    let mut add = |ident: &Ident, terminal: bool, doc: String| {
        if declared.insert(ident.to_string()) {
            variants.push(StateVariant {
                ident: ident.clone(),
                terminal,
                doc,
            });
        }
    };
    for item in &input.items {
        match item {
            Item::Start(_) => {}
            Item::End { success, states } => {
                for state in states {
                    let doc = if *success {
                        "Success end: the flow completed."
                    } else {
                        "Failure end: completed steps are compensated."
                    };
                    add(state, true, doc.to_owned());
                }
            }
            Item::Wait(wait) => add(
                &wait.state,
                false,
                format!(
                    "Waits for a `{}` signal.",
                    super::ast::path_text(&wait.event)
                ),
            ),
            Item::Step(step) => add(
                &step.state,
                false,
                format!("Runs `{}`.", super::ast::path_text(&step.action)),
            ),
        }
    }
    variants
}

/// The enum and its impls.
pub(crate) fn expand_state_enum(
    input: &FlowInput,
    variants: &[StateVariant],
    private: &TokenStream,
) -> TokenStream {
    let flow = &input.name;
    let flow_name = flow.to_string();
    let vis = &input.vis;
    let name = state_enum_name(input);
    let enum_doc = format!("The states of flow [`{flow}`].");
    let idents: Vec<&Ident> = variants.iter().map(|v| &v.ident).collect();
    let names: Vec<String> = idents.iter().map(|i| i.to_string()).collect();
    let docs = variants.iter().map(|v| &v.doc);
    let indices = 0..variants.len();
    let terminal: Vec<&Ident> = variants
        .iter()
        .filter(|v| v.terminal)
        .map(|v| &v.ident)
        .collect();
    let is_terminal = if terminal.is_empty() {
        quote!(false)
    } else {
        quote! {
            #[allow(unreachable_patterns)]
            match self {
                #(#name::#terminal)|* => true,
                _ => false,
            }
        }
    };
    quote! {
        #[doc = #enum_doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #vis enum #name {
            #(#[doc = #docs] #idents,)*
        }

        impl #name {
            /// The state's name.
            pub const fn name(self) -> &'static str {
                match self {
                    #(#name::#idents => #names,)*
                }
            }

            /// Whether the state ends the flow.
            pub const fn is_terminal(self) -> bool {
                #is_terminal
            }
        }

        impl #private::FlowState for #name {
            const ALL: &'static [Self] = &[#(#name::#idents),*];

            fn name(self) -> &'static str {
                #name::name(self)
            }

            fn index(self) -> usize {
                match self {
                    #(#name::#idents => #indices,)*
                }
            }

            fn is_terminal(self) -> bool {
                #name::is_terminal(self)
            }
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(#name::name(*self))
            }
        }

        impl ::core::str::FromStr for #name {
            type Err = #private::UnknownState;

            fn from_str(name: &str) -> ::core::result::Result<Self, Self::Err> {
                match name {
                    #(#names => ::core::result::Result::Ok(#name::#idents),)*
                    _ => ::core::result::Result::Err(#private::UnknownState {
                        flow: #flow_name,
                        name: ::std::string::ToString::to_string(name),
                    }),
                }
            }
        }

        impl #private::serde::Serialize for #name {
            fn serialize<S: #private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                #private::serialize_state(*self, serializer)
            }
        }

        impl<'de> #private::serde::Deserialize<'de> for #name {
            fn deserialize<D: #private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                #private::deserialize_state(deserializer)
            }
        }
    }
}
