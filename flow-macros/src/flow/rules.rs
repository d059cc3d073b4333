//! The rules rustc checks for each step, one named `const` item per step, evaluated at compile
//! time: the step maps every instruction its action can return, and it keeps the saga rules.
//! The flow cannot see `#[action]` arguments or the instruction enum (other macro calls), so
//! each item passes the action's `POLICY` and the names the step maps to flow-core's
//! `check_step`, whose panic rustc reports on the action's name in the flow, with the message
//! and help a user needs. One item per step, not per group of steps, so that every broken step
//! is reported on its own token; each item is one call, since a big flow has hundreds. The
//! item's name reads as the rule: rustc prints "evaluation of `<name>` failed here".

use std::collections::HashMap;

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};

use super::ast::{FlowInput, Item, StepNext, path_span, path_text};
use super::qualified_action::qualified_action;
use super::state_enum::StateVariant;

/// A graph diagnostic that only holds if every step maps every instruction, reported by rustc
/// once that is known (a state looks unreachable when the line mapping an instruction to it
/// was deleted: then the unmapped instruction is the one error).
pub(crate) struct DeferredDiagnostic {
    pub(crate) span: Span,
    /// The state it is about; names the const item.
    pub(crate) state: String,
    /// What the rule says, for the const item's name (`is_reachable`).
    pub(crate) rule: &'static str,
    pub(crate) message: String,
}

/// The const items checking every step and wait of a valid flow, and the deferred diagnostics.
pub(crate) fn assertions(
    input: &FlowInput,
    variants: &[StateVariant],
    data: &syn::Type,
    private: &TokenStream,
    deferred: &[DeferredDiagnostic],
) -> TokenStream {
    let flow = &input.name;
    // By name: `Ident ==` asks the compiler for both names, once per comparison.
    let indices: HashMap<String, u32> = variants
        .iter()
        .enumerate()
        .map(|(index, variant)| (variant.ident.to_string(), index as u32))
        .collect();
    let index_of = |name: &syn::Ident| {
        *indices
            .get(&name.to_string())
            .expect("a valid flow's targets are declared states")
    };
    let count = variants.len();
    let mut pivots = vec![quote!(false); count];
    let mut successors = vec![Vec::new(); count];
    for item in &input.items {
        match item {
            Item::Step(step) => {
                let index = index_of(&step.state) as usize;
                let action = qualified_action(&step.action, data, private);
                // `POLICY` is evaluated for the step's item anyway; `PIVOT` would be one more
                // const evaluation per action.
                pivots[index] =
                    quote!(::core::matches!(#action::POLICY.effect, #private::Effect::Pivot));
                successors[index] = match &step.next {
                    StepNext::Arms(arms) => arms.iter().map(|arm| index_of(&arm.target)).collect(),
                    StepNext::Direct(target) => vec![index_of(target)],
                };
            }
            Item::Wait(wait) => {
                let index = index_of(&wait.state) as usize;
                successors[index] = wait
                    .arms
                    .iter()
                    .map(|arm| index_of(&arm.target))
                    .chain(wait.deadline().map(|d| index_of(&d.target)))
                    .collect();
            }
            Item::Start(_) | Item::End { .. } => {}
        }
    }
    let successor_lists = successors.iter().map(|list| quote!(&[#(#list),*]));

    let mut checks = TokenStream::new();
    for item in &input.items {
        // `check_step` and `check_wait` are `#[track_caller]`: rustc reports their panic on the
        // whole call expression, so every token of it, the path included, carries the span.
        match item {
            Item::Step(step) => {
                let span = path_span(&step.action);
                let on_token = respanned(private, span);
                let policy = qualified_action(&step.action, data, private);
                let index = index_of(&step.state) as usize;
                let action = path_text(&step.action);
                let state = step.state.to_string();
                let mapped = match &step.next {
                    StepNext::Arms(arms) => {
                        let names = arms.iter().map(|arm| arm.instruction.to_string());
                        quote!(::core::option::Option::Some(&[#(#names),*]))
                    }
                    StepNext::Direct(_) => quote!(::core::option::Option::None),
                };
                let name = format_ident!("step_{}_of_{}_follows_the_flow_rules", step.state, flow);
                checks.extend(quote_spanned! {span=>
                    #[allow(non_upper_case_globals, dead_code)]
                    #[doc(hidden)]
                    const #name: () = #on_token::check_step(
                        &#policy::POLICY,
                        #mapped,
                        #state,
                        #action,
                        #flow::__AFTER_PIVOT[#index],
                    );
                });
            }
            Item::Wait(wait) if !wait.arms.is_empty() => {
                let span = path_span(&wait.event);
                let on_token = respanned(private, span);
                let event = &wait.event;
                let event_name = path_text(event);
                let state = wait.state.to_string();
                let names = wait.arms.iter().map(|arm| arm.instruction.to_string());
                let name = format_ident!("wait_{}_of_{}_maps_every_event", wait.state, flow);
                checks.extend(quote_spanned! {span=>
                    #[allow(non_upper_case_globals, dead_code)]
                    #[doc(hidden)]
                    const #name: () = #on_token::check_wait(
                        <#event as #private::Instruction>::VARIANTS,
                        &[#(#names),*],
                        #state,
                        #event_name,
                    );
                });
            }
            _ => {}
        }
    }
    let deferred = deferred_checks(input, flow, data, private, deferred);
    quote! {
        impl #flow {
            /// For each state, whether a pivot step can run before it.
            #[doc(hidden)]
            const __AFTER_PIVOT: [bool; #count] = #private::states_after_pivot::<#count>(
                &[#(#pivots),*],
                &[#(#successor_lists),*],
            );
        }

        #checks
        #deferred
    }
}

/// The graph diagnostics that wait for every instruction to be mapped.
fn deferred_checks(
    input: &FlowInput,
    flow: &syn::Ident,
    data: &syn::Type,
    private: &TokenStream,
    deferred: &[DeferredDiagnostic],
) -> TokenStream {
    if deferred.is_empty() {
        return TokenStream::new();
    }
    let mappings: Vec<TokenStream> = input
        .items
        .iter()
        .filter_map(|item| {
            let (variants, arms) = match item {
                Item::Step(step) => {
                    let StepNext::Arms(arms) = &step.next else {
                        return None;
                    };
                    let action = qualified_action(&step.action, data, private);
                    (quote!(#action::POLICY.instructions), arms)
                }
                Item::Wait(wait) if !wait.arms.is_empty() => {
                    let event = &wait.event;
                    (
                        quote!(<#event as #private::Instruction>::VARIANTS),
                        &wait.arms,
                    )
                }
                _ => return None,
            };
            let mapped = arms.iter().map(|arm| arm.instruction.to_string());
            Some(quote!((#variants, &[#(#mapped),*])))
        })
        .collect();
    deferred
        .iter()
        .map(|diagnostic| {
            let name = format_ident!("state_{}_of_{}_{}", diagnostic.state, flow, diagnostic.rule);
            let message = &diagnostic.message;
            quote_spanned! {diagnostic.span=>
                #[allow(non_upper_case_globals, dead_code)]
                #[doc(hidden)]
                const #name: () = if #private::all_instructions_mapped(&[#(#mappings),*]) {
                    ::core::panic!(#message)
                };
            }
        })
        .collect()
}

/// `tokens` with every token spanned on `span`.
fn respanned(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respanned(&group.stream(), span));
                inner.set_span(span);
                token = TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
