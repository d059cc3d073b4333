//! The `flow!` syntax tree, with every token's span kept for error reporting, and its parser.
//!
//! ```text
//! /// docs
//! #[flow(crate = path)]                       (optional)
//! pub flow Checkout: Order, version 2 {
//!     start Created;
//!     Created => reserve_stock { Reserved => StockReserved, OutOfStock => Rejected }
//!     Paid    => ship => Shipped;
//!     wait Review on ReviewDecision, timeout 48h => Expired { Approved => Paid, Denied => Rejected }
//!     wait Archive on Reopened, timeout never { Reopen => Created }
//!     success Shipped;
//!     failure Rejected, Expired;
//! }
//! ```

use std::time::Duration;

use proc_macro2::Span;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Lit, LitInt, Path, Token, Type, Visibility, braced};

use crate::action::suggestion_or_list;
use crate::duration::parse_duration;
use crate::errors::with_help;

const KEYWORDS: &[&str] = &["start", "success", "failure", "wait"];

/// A whole `flow!` invocation.
pub(crate) struct FlowInput {
    /// Doc comments and other outer attributes, `#[flow(..)]` removed.
    pub(crate) attrs: Vec<Attribute>,
    /// `#[flow(crate = path)]`.
    pub(crate) krate: Option<Path>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) data: Type,
    pub(crate) version: u32,
    pub(crate) items: Vec<Item>,
}

/// One statement in the flow's body.
pub(crate) enum Item {
    /// `start Created;`
    Start(Ident),
    /// `success Shipped;` / `failure Rejected, Expired;`
    End { success: bool, states: Vec<Ident> },
    /// `wait Review on Event, timeout 48h => Expired { .. }` or `.., timeout never { .. }`
    Wait(WaitItem),
    /// `Created => action { .. }` / `Paid => ship => Shipped;`
    Step(StepItem),
}

/// A wait state.
pub(crate) struct WaitItem {
    pub(crate) state: Ident,
    pub(crate) event: Path,
    pub(crate) timeout: WaitTimeout,
    pub(crate) arms: Vec<Arm>,
}

impl WaitItem {
    /// The deadline, when the wait has one.
    pub(crate) fn deadline(&self) -> Option<&DeadlineItem> {
        match &self.timeout {
            WaitTimeout::After(deadline) => Some(deadline),
            WaitTimeout::Never | WaitTimeout::Missing => None,
        }
    }
}

/// How long a wait lasts. A forgotten deadline can hold an instance forever, so waiting
/// forever must be written out (`timeout never`); `Missing` is reported as an error.
pub(crate) enum WaitTimeout {
    /// `timeout 48h => Expired`.
    After(DeadlineItem),
    /// `timeout never`.
    Never,
    /// No `timeout` at all.
    Missing,
}

/// `timeout 48h => Expired`.
pub(crate) struct DeadlineItem {
    pub(crate) after: Duration,
    pub(crate) target: Ident,
}

/// A state whose action runs.
pub(crate) struct StepItem {
    pub(crate) state: Ident,
    pub(crate) action: Path,
    pub(crate) next: StepNext,
}

/// Where a step goes.
pub(crate) enum StepNext {
    /// `{ Instruction => State, .. }`
    Arms(Vec<Arm>),
    /// `=> State;`: whatever the action returns.
    Direct(Ident),
}

/// `Instruction => State`.
pub(crate) struct Arm {
    pub(crate) instruction: Ident,
    pub(crate) target: Ident,
}

impl Parse for FlowInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut attrs = input.call(Attribute::parse_outer)?;
        let mut krate = None;
        for attribute in attrs.iter().filter(|a| a.path().is_ident("flow")) {
            attribute.parse_nested_meta(|meta| {
                if meta.path.is_ident("crate") {
                    krate = Some(meta.value()?.parse::<Path>()?);
                    Ok(())
                } else {
                    Err(meta.error(with_help(
                        "unknown `flow` attribute key",
                        "the only key is `crate = path`, for a renamed flow-runtime dependency",
                    )))
                }
            })?;
        }
        attrs.retain(|a| !a.path().is_ident("flow"));
        let vis: Visibility = input.parse()?;
        let keyword: Ident = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                with_help(
                    "expected `flow`",
                    "a flow starts with `flow Name: Data { .. }`",
                ),
            )
        })?;
        if keyword != "flow" {
            return Err(syn::Error::new(
                keyword.span(),
                with_help(
                    format!("expected `flow`, found `{keyword}`"),
                    "a flow starts with `flow Name: Data { .. }`",
                ),
            ));
        }
        let name: Ident = input.parse()?;
        input.parse::<Token![:]>().map_err(|error| {
            syn::Error::new(
                error.span(),
                with_help(
                    "expected `:` and the flow's data type",
                    format!("write `flow {name}: YourData {{ .. }}`"),
                ),
            )
        })?;
        let data: Type = input.parse()?;
        let mut version = 1;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            let keyword: Ident = input.parse()?;
            if keyword != "version" {
                return Err(syn::Error::new(
                    keyword.span(),
                    with_help(
                        format!("expected `version`, found `{keyword}`"),
                        "write `flow Name: Data, version 2 { .. }`",
                    ),
                ));
            }
            let literal: LitInt = input.parse()?;
            version = literal.base10_parse::<u32>()?;
            if version == 0 {
                return Err(syn::Error::new(
                    literal.span(),
                    with_help("flow versions start at 1", "write `version 1`"),
                ));
            }
        }
        let content;
        braced!(content in input);
        let mut items = Vec::new();
        while !content.is_empty() {
            items.push(content.parse()?);
        }
        Ok(FlowInput {
            attrs,
            krate,
            vis,
            name,
            data,
            version,
            items,
        })
    }
}

impl Parse for Item {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let lead: Ident = input.fork().parse()?;
        let is_keyword = !input.peek2(Token![=>]);
        match lead.to_string().as_str() {
            "start" if is_keyword => {
                input.parse::<Ident>()?;
                let state = input.parse()?;
                input.parse::<Token![;]>()?;
                Ok(Item::Start(state))
            }
            keyword @ ("success" | "failure") if is_keyword => {
                input.parse::<Ident>()?;
                let states = Punctuated::<Ident, Token![,]>::parse_separated_nonempty(input)?;
                input.parse::<Token![;]>()?;
                Ok(Item::End {
                    success: keyword == "success",
                    states: states.into_iter().collect(),
                })
            }
            "wait" if is_keyword => {
                input.parse::<Ident>()?;
                Ok(Item::Wait(input.parse()?))
            }
            other => {
                if input.peek2(Ident) {
                    return Err(syn::Error::new(
                        lead.span(),
                        with_help(
                            format!("unknown keyword `{other}`"),
                            suggestion_or_list(other, KEYWORDS),
                        ),
                    ));
                }
                Ok(Item::Step(input.parse()?))
            }
        }
    }
}

impl Parse for WaitItem {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let state: Ident = input.parse()?;
        let on: Ident = input.parse()?;
        if on != "on" {
            return Err(syn::Error::new(
                on.span(),
                with_help(
                    format!("expected `on`, found `{on}`"),
                    format!("write `wait {state} on EventType {{ Event => State, .. }}`"),
                ),
            ));
        }
        let event: Path = input.call(Path::parse_mod_style)?;
        let timeout = if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            parse_timeout(input)?
        } else {
            WaitTimeout::Missing
        };
        let arms = parse_arms(input)?;
        if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
        }
        Ok(WaitItem {
            state,
            event,
            timeout,
            arms,
        })
    }
}

const TIMEOUT_SHAPE: &str = "write `, timeout 48h => <State>` for the state taken when no event came in time, or `, timeout never` to wait however long it takes";

/// `timeout 48h => Expired`, `timeout = 48h => Expired` (as `#[action]` spells it) or
/// `timeout never`, after the comma that follows the event.
fn parse_timeout(input: ParseStream<'_>) -> syn::Result<WaitTimeout> {
    let keyword: Ident = input.parse().map_err(|error| {
        syn::Error::new(error.span(), with_help("expected `timeout`", TIMEOUT_SHAPE))
    })?;
    if keyword != "timeout" {
        return Err(syn::Error::new(
            keyword.span(),
            with_help(
                format!("expected `timeout`, found `{keyword}`"),
                TIMEOUT_SHAPE,
            ),
        ));
    }
    if input.peek(Token![=]) && !input.peek(Token![=>]) {
        input.parse::<Token![=]>()?;
    }
    if input.peek(Ident) {
        let never: Ident = input.parse()?;
        if never != "never" {
            return Err(syn::Error::new(
                never.span(),
                with_help(
                    format!("expected a duration such as `48h` or `never`, found `{never}`"),
                    TIMEOUT_SHAPE,
                ),
            ));
        }
        if input.peek(Token![=>]) {
            return Err(syn::Error::new(
                input.span(),
                with_help(
                    "a wait with `timeout never` has no deadline to move on",
                    "remove `=> <State>`, or give a duration: `timeout 48h => <State>`",
                ),
            ));
        }
        return Ok(WaitTimeout::Never);
    }
    let literal: Lit = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            with_help(
                "expected a duration such as `48h`, or `never`",
                TIMEOUT_SHAPE,
            ),
        )
    })?;
    let after = parse_duration(&literal)?;
    if after.is_zero() {
        return Err(syn::Error::new(
            literal.span(),
            with_help(
                "a wait deadline of zero would expire at once",
                "give a positive duration such as `48h`",
            ),
        ));
    }
    input.parse::<Token![=>]>().map_err(|error| {
        let after = literal.to_token_stream();
        syn::Error::new(
            error.span(),
            with_help(
                format!("expected `=>` and the state taken when the `{after}` deadline passes"),
                format!("write `timeout {after} => <State>`, e.g. `timeout {after} => Expired`"),
            ),
        )
    })?;
    let target = input.parse()?;
    Ok(WaitTimeout::After(DeadlineItem { after, target }))
}

impl Parse for StepItem {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let state: Ident = input.parse()?;
        input.parse::<Token![=>]>()?;
        let action: Path = input.call(Path::parse_mod_style)?;
        let next = if input.peek(Token![=>]) {
            input.parse::<Token![=>]>()?;
            let target = input.parse()?;
            input.parse::<Token![;]>().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "expected `;` after the next state of a single-outcome step",
                )
            })?;
            StepNext::Direct(target)
        } else if input.peek(syn::token::Brace) {
            let arms = parse_arms(input)?;
            if input.peek(Token![;]) {
                input.parse::<Token![;]>()?;
            }
            StepNext::Arms(arms)
        } else {
            return Err(syn::Error::new(
                input.span(),
                with_help(
                    format!(
                        "expected where the instructions of `{}` lead",
                        path_text(&action)
                    ),
                    "write `{ Instruction => NextState, .. }`, or `=> NextState;` for an action with one outcome",
                ),
            ));
        };
        Ok(StepItem {
            state,
            action,
            next,
        })
    }
}

fn parse_arms(input: ParseStream<'_>) -> syn::Result<Vec<Arm>> {
    let content;
    braced!(content in input);
    let arms = Punctuated::<Arm, Token![,]>::parse_terminated(&content)?;
    Ok(arms.into_iter().collect())
}

impl Parse for Arm {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let instruction = input.parse()?;
        input.parse::<Token![=>]>()?;
        let target = input.parse()?;
        Ok(Arm {
            instruction,
            target,
        })
    }
}

/// The path as written (`actions::reserve_stock`).
pub(crate) fn path_text(path: &Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// The span of a whole path, for errors about it.
pub(crate) fn path_span(path: &Path) -> Span {
    let first = path.segments.first().map(|s| s.ident.span());
    let last = path.segments.last().map(|s| s.ident.span());
    match (first, last) {
        (Some(first), Some(last)) => first.join(last).unwrap_or(first),
        _ => Span::call_site(),
    }
}
