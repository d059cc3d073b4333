//! The rules rustc checks for each step, one named `const` item per step, evaluated at compile
//! time: the step maps every instruction its action can return, and it keeps the saga rules.
//! The flow cannot see `#[action]` arguments or the instruction enum (other macro calls), so
//! it hands the actions' associated consts to flow-core's `const fn`s and panics, spanned on
//! the action's name in the flow, with the message and help a user needs. One item per step
//! (not per group of steps) so that every broken step is reported, each on its own token; the
//! item's name reads as the rule, since rustc prints "evaluation of `<name>` failed here".

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::ast::{Arm, FlowInput, Item, StepNext, WaitItem, path_span, path_text};
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
                    .chain(wait.deadline().map(|d| index_of(&d.target)))
                    .collect();
            }
            Item::Start(_) | Item::End { .. } => {}
        }
    }
    let successor_lists = successors.iter().map(|list| quote!(&[#(#list),*]));

    let mut checks = TokenStream::new();
    for item in &input.items {
        match item {
            Item::Step(step) => {
                let span = path_span(&step.action);
                let action = qualified_action(&step.action, data, private);
                let index = index_of(&step.state) as usize;
                let action_name = path_text(&step.action);
                let state = step.state.to_string();
                let mapping = match &step.next {
                    StepNext::Arms(arms) => unmapped_check(
                        arms,
                        &quote_spanned!(span=> #action::POLICY.instructions),
                        span,
                        &format!(
                            "instruction `{{}}` of `{action_name}` is not mapped from state `{state}`"
                        ),
                        &format!("{state} => {action_name} {{ .. }}"),
                        private,
                    ),
                    // Whatever the action returns leads to the one next state.
                    StepNext::Direct(_) => TokenStream::new(),
                };
                let missing_compensation = format!(
                    "action `{action_name}` has side effects but no compensation\n= help: add `compensate = <undo action>` to its `#[action]`, or mark it `pivot` (the point of no return) or `readonly` (changes nothing)"
                );
                let compensable_after_pivot = format!(
                    "step `{state}` runs compensable action `{action_name}` after a pivot, where the flow can no longer be undone\n= help: move the step before the pivot, or make `{action_name}` a forward step without `compensate`"
                );
                let no_retry_after_pivot = format!(
                    "step `{state}` runs `{action_name}` after a pivot without a retry policy\n= help: after the pivot the flow must reach its end: add `retry(attempts = ..)` to `{action_name}`"
                );
                let name = format_ident!("step_{}_of_{}_follows_the_flow_rules", step.state, flow);
                checks.extend(quote_spanned! {span=>
                    #[allow(non_upper_case_globals, dead_code)]
                    #[doc(hidden)]
                    const #name: () = {
                        #mapping
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
                    };
                });
            }
            Item::Wait(wait) => checks.extend(wait_check(wait, flow, private)),
            Item::Start(_) | Item::End { .. } => {}
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

/// The const item checking that a wait maps every event, when it maps any.
fn wait_check(wait: &WaitItem, flow: &syn::Ident, private: &TokenStream) -> TokenStream {
    if wait.arms.is_empty() {
        // A wait without arms is a dead end (or leaves by its deadline only): the validator
        // reported it, or it means to ignore every event.
        return TokenStream::new();
    }
    let span = path_span(&wait.event);
    let event = &wait.event;
    let event_name = path_text(event);
    let state = wait.state.to_string();
    let mapping = unmapped_check(
        &wait.arms,
        &quote_spanned!(span=> <#event as #private::Instruction>::VARIANTS),
        span,
        &format!("event `{{}}` of `{event_name}` is not mapped from wait `{state}`"),
        &format!("wait {state} on {event_name} {{ .. }}"),
        private,
    );
    let name = format_ident!("wait_{}_of_{}_maps_every_event", wait.state, flow);
    quote_spanned! {span=>
        #[allow(non_upper_case_globals, dead_code)]
        #[doc(hidden)]
        const #name: () = { #mapping };
    }
}

/// A panic naming the first variant of `variants` that `arms` leave out, in flow syntax.
/// `message` holds `{}` where the variant's name goes; `within` is the step as written.
fn unmapped_check(
    arms: &[Arm],
    variants: &TokenStream,
    span: Span,
    message: &str,
    within: &str,
    private: &TokenStream,
) -> TokenStream {
    let mapped = arms.iter().map(|arm| arm.instruction.to_string());
    let (before, after) = message.split_once("{}").unwrap_or((message, ""));
    let help = "\n= help: add `";
    let help_end = format!(" => <State>` to `{within}`, naming the state it leads to");
    quote_spanned! {span=>
        if let ::core::option::Option::Some(variant) =
            #private::unmapped_instruction(#variants, &[#(#mapped),*])
        {
            ::core::panic!(
                "{}",
                #private::ComposedMessage::of(
                    &[#before, variant, #after, #help, variant, #help_end],
                )
                .as_str()
            );
        }
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
