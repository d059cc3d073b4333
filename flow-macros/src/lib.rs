//! The macros of compile-time checked business flows: `flow!`, `#[action]` and
//! `#[derive(Instruction)]`. Use them through `flow-runtime`, which re-exports them.
//!
//! Each macro is a small compiler: parse (keeping spans) -> lower to flow-core's model ->
//! validate with flow-core's validator -> map diagnostics to spans -> expand. All errors of
//! an input are reported at once, and fallback items keep follow-on errors away.

mod action;
mod crate_path;
mod duration;
mod errors;
mod flow;
mod instruction;

use proc_macro::TokenStream;

/// Declares a flow: its states, the action each state runs, and where each instruction leads.
///
/// ```text
/// flow! {
///     /// Checkout of one order.
///     pub flow Checkout: Order, version 2 {
///         start Created;
///         Created       => reserve_stock { Reserved => StockReserved, OutOfStock => Rejected }
///         StockReserved => charge_card   { Charged => Paid, Declined => Rejected }
///         Paid          => ship          => Shipped;
///         wait Review on ReviewDecision, timeout 48h => Rejected { Approved => Paid, Denied => Rejected }
///         success Shipped;
///         failure Rejected;
///     }
/// }
/// ```
///
/// Every wait says how long it lasts: `timeout 48h => State` (or `timeout = 48h => State`), or
/// `timeout never` for one that may last however long it takes.
///
/// The whole grammar, every form with a compiled example, the duration units, and what each
/// end and status means: `flow_runtime::grammar`.
///
/// Generates `struct Checkout` implementing `Flow`, `enum CheckoutState`, the static
/// transition table, dispatch `match`es and `Checkout::MERMAID`. Invalid flows do not compile.
/// Add `#[flow(crate = path)]` before the flow when flow-runtime is renamed in Cargo.toml.
#[proc_macro]
pub fn flow(input: TokenStream) -> TokenStream {
    flow::expand(input.into()).into()
}

/// Makes `async fn name(ctx: &mut Context<D>) -> Result<I, ActionError>` an action.
///
/// Arguments: `compensate = undo_fn`, `pivot` or `readonly`, `query = status_fn` (asks for
/// the outcome after an `ActionError::unknown`), `retry(attempts = 3,
/// backoff = exponential(50ms, 2s), jitter = true)`, `compensate_retry(..)`, `timeout = 2s`,
/// `crate = path`.
#[proc_macro_attribute]
pub fn action(args: TokenStream, item: TokenStream) -> TokenStream {
    action::expand(args.into(), item.into()).into()
}

/// Implements `Instruction` for a field-less enum of outcomes.
#[proc_macro_derive(Instruction, attributes(instruction))]
pub fn derive_instruction(input: TokenStream) -> TokenStream {
    match syn::parse(input) {
        Ok(input) => instruction::derive(input).into(),
        Err(error) => error.to_compile_error().into(),
    }
}
