//! Saga rules for flows declared in code. The flow cannot see `#[action]` arguments (another
//! macro call), so it emits `const` assertions over the actions' associated consts, spanned on
//! the action's name in the flow; rustc evaluates them and reports failures there.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::ast::{FlowInput, Item, StepNext, path_span, path_text};
use super::expand::qualified_action;
use super::state_enum::StateVariant;

/// Flows with at most this many steps get one saga check item per step.
const SEPARATE_CHECKS_UP_TO: usize = 64;
/// Steps per saga check item in bigger flows.
const CHECKS_PER_GROUP: usize = 64;

/// The const items checking every step's saga properties.
pub(crate) fn assertions(
    input: &FlowInput,
    variants: &[StateVariant],
    data: &syn::Type,
    private: &TokenStream,
) -> TokenStream {
    let flow = &input.name;
    let index_of = |name: &syn::Ident| {
        variants
            .iter()
            .position(|variant| variant.ident == *name)
            .expect("a valid flow's targets are declared states") as u32
    };
    let count = variants.len();
    let mut pivots = vec![quote!(false); count];
    let mut successors = vec![Vec::new(); count];
    for item in &input.items {
        match item {
            Item::Step(step) => {
                let index = index_of(&step.state) as usize;
                let action = qualified_action(&step.action, data, private);
                pivots[index] = quote!(#action::PIVOT);
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
                    .chain(wait.deadline.as_ref().map(|d| index_of(&d.target)))
                    .collect();
            }
            Item::Start(_) | Item::End { .. } => {}
        }
    }
    let successor_lists = successors.iter().map(|list| quote!(&[#(#list),*]));

    let checks: Vec<TokenStream> = input.items.iter().filter_map(|item| {
        let Item::Step(step) = item else { return None };
        let span = path_span(&step.action);
        let action = qualified_action(&step.action, data, private);
        let index = index_of(&step.state) as usize;
        let action_name = path_text(&step.action);
        let state = step.state.to_string();
        let missing_compensation = format!(
            "action `{action_name}` has side effects but no compensation\n= help: add `compensate = <undo action>` to its `#[action]`, or mark it `pivot` (the point of no return) or `readonly` (changes nothing)"
        );
        let compensable_after_pivot = format!(
            "step `{state}` runs compensable action `{action_name}` after a pivot, where the flow can no longer be undone\n= help: move the step before the pivot, or make `{action_name}` a forward step without `compensate`"
        );
        let no_retry_after_pivot = format!(
            "step `{state}` runs `{action_name}` after a pivot without a retry policy\n= help: after the pivot the flow must reach its end: add `retry(attempts = ..)` to `{action_name}`"
        );
        Some(quote_spanned! {span=>
            match #private::saga_violation(
                &#action::POLICY,
                #flow::__AFTER_PIVOT[#index],
            ) {
                #private::SagaViolation::MissingCompensation => {
                    ::core::panic!(#missing_compensation)
                }
                #private::SagaViolation::CompensableAfterPivot => {
                    ::core::panic!(#compensable_after_pivot)
                }
                #private::SagaViolation::NoRetryAfterPivot => {
                    ::core::panic!(#no_retry_after_pivot)
                }
                #private::SagaViolation::None => {}
            }
        })
    }).collect();
    // One const item per step reports every violation at once; past a few dozen steps, items
    // (not rules) dominate check time, so big flows group steps and report the first
    // violation of each group.
    let group = if checks.len() <= SEPARATE_CHECKS_UP_TO {
        1
    } else {
        CHECKS_PER_GROUP
    };
    let checks = checks.chunks(group).map(|group| {
        quote! {
            const _: () = {
                #(#group;)*
            };
        }
    });
    quote! {
        impl #flow {
            /// For each state, whether a pivot step can run before it.
            #[doc(hidden)]
            const __AFTER_PIVOT: [bool; #count] = #private::states_after_pivot::<#count>(
                &[#(#pivots),*],
                &[#(#successor_lists),*],
            );
        }

        #(#checks)*
    }
}
