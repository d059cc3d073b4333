//! Parsing of `#[action(...)]` arguments: compensation, effect, retry, timeout, crate path.
//!
//! Every problem is recorded and parsing goes on, so one build shows all bad arguments.

use std::time::Duration;

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::parse::Parse;
use syn::{Lit, LitBool, LitInt, Token};

use crate::duration::parse_duration;
use crate::errors::{Errors, with_help};

const ACTION_KEYS: &[&str] = &[
    "compensate",
    "compensate_retry",
    "pivot",
    "query",
    "readonly",
    "retry",
    "timeout",
    "crate",
];
const RETRY_KEYS: &[&str] = &["attempts", "backoff", "jitter"];
const BACKOFF_KINDS: &[&str] = &["fixed", "exponential"];

/// Delays used when `retry(..)` names no `backoff`.
const DEFAULT_INITIAL_DELAY: Duration = Duration::from_millis(100);
const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(10);

/// The effect an action declares.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeclaredEffect {
    Pivot,
    ReadOnly,
}

/// The arguments of `#[action(...)]`.
#[derive(Default)]
pub(crate) struct ActionArgs {
    pub(crate) compensate: Option<syn::Path>,
    pub(crate) compensate_retry: Option<RetryArgs>,
    pub(crate) effect: Option<(DeclaredEffect, Span)>,
    pub(crate) query: Option<syn::Path>,
    pub(crate) retry: Option<RetryArgs>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) krate: Option<syn::Path>,
}

/// The arguments of `retry(...)`.
pub(crate) struct RetryArgs {
    pub(crate) attempts: u32,
    pub(crate) backoff: BackoffArgs,
    pub(crate) jitter: bool,
}

/// The value of `backoff = ...`.
pub(crate) enum BackoffArgs {
    Fixed(Duration),
    Exponential { initial: Duration, max: Duration },
}

/// Parses the attribute's arguments, recording every problem in `errors`.
pub(crate) fn parse_action_args(args: proc_macro2::TokenStream, errors: &mut Errors) -> ActionArgs {
    let mut parsed = ActionArgs::default();
    let parser = syn::meta::parser(|meta| {
        parse_action_key(&meta, &mut parsed, errors);
        Ok(())
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, args) {
        errors.push(error);
    }
    if let (Some(_), Some((effect, span))) = (&parsed.compensate, parsed.effect) {
        let message = match effect {
            DeclaredEffect::ReadOnly => with_help(
                "a `readonly` action has nothing to compensate",
                "remove `compensate = ..`, or `readonly` if the action does change something",
            ),
            DeclaredEffect::Pivot => with_help(
                "a `pivot` action is the point of no return and cannot be compensated",
                "remove `compensate = ..` to keep it the pivot, or remove `pivot` to make it compensable",
            ),
        };
        errors.at_span(span, message);
    }
    parsed
}

fn parse_action_key(meta: &ParseNestedMeta<'_>, args: &mut ActionArgs, errors: &mut Errors) {
    let key = path_name(&meta.path);
    let result = match key.as_str() {
        "compensate" => meta
            .value()
            .and_then(|value| value.parse::<syn::Path>())
            .map(|path| args.compensate = Some(path)),
        "query" => meta
            .value()
            .and_then(|value| value.parse::<syn::Path>())
            .map(|path| args.query = Some(path)),
        "compensate_retry" => parse_retry(meta, errors).map(|retry| args.compensate_retry = retry),
        "retry" => parse_retry(meta, errors).map(|retry| args.retry = retry),
        "pivot" | "readonly" => {
            let effect = if key == "pivot" {
                DeclaredEffect::Pivot
            } else {
                DeclaredEffect::ReadOnly
            };
            if let Some((previous, _)) = args.effect
                && previous != effect
            {
                errors.at(
                    &meta.path,
                    with_help(
                        "an action is either `pivot` or `readonly`, not both",
                        "`readonly` changes nothing; `pivot` is the change after which the flow only goes forward",
                    ),
                );
            }
            args.effect = Some((effect, meta.path.segments[0].ident.span()));
            Ok(())
        }
        "timeout" => meta
            .value()
            .and_then(|value| value.parse::<Lit>())
            .map(|literal| match parse_duration(&literal) {
                Ok(duration) if duration.is_zero() => errors.at(
                    &literal,
                    with_help(
                        "a timeout of zero would fail every attempt",
                        "give a positive duration such as `2s`",
                    ),
                ),
                Ok(duration) => args.timeout = Some(duration),
                Err(error) => errors.push(error),
            }),
        "crate" => meta
            .value()
            .and_then(|value| value.parse::<syn::Path>())
            .map(|path| args.krate = Some(path)),
        _ => {
            unknown_key(meta, &key, "action", ACTION_KEYS, errors);
            Ok(())
        }
    };
    if let Err(error) = result {
        errors.push(error);
    }
}

fn parse_retry(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<RetryArgs>> {
    let mut attempts = None;
    let mut backoff = None;
    let mut jitter = true;
    let mut valid = true;
    meta.parse_nested_meta(|inner| {
        let key = path_name(&inner.path);
        match key.as_str() {
            "attempts" => {
                let literal: LitInt = inner.value()?.parse()?;
                match literal.base10_parse::<u32>() {
                    Ok(0) => {
                        valid = false;
                        errors.at(
                            &literal,
                            with_help(
                                "`attempts = 0` would never run the action",
                                "attempts count the first try: use `attempts = 1` for no retry, `attempts = 3` for two retries",
                            ),
                        );
                    }
                    Ok(count) => attempts = Some(count),
                    Err(error) => {
                        valid = false;
                        errors.push(error);
                    }
                }
            }
            "backoff" => {
                inner.input.parse::<Token![=]>()?;
                match parse_backoff(inner.input) {
                    Ok(parsed) => backoff = Some(parsed),
                    Err(error) => {
                        valid = false;
                        errors.push(error);
                    }
                }
            }
            "jitter" => jitter = inner.value()?.parse::<LitBool>()?.value,
            _ => {
                valid = false;
                unknown_key(&inner, &key, "retry", RETRY_KEYS, errors);
            }
        }
        Ok(())
    })?;
    let Some(attempts) = attempts else {
        if valid {
            errors.at(
                &meta.path,
                with_help(
                    "`retry(..)` needs `attempts`",
                    "write `retry(attempts = 3)`",
                ),
            );
        }
        return Ok(None);
    };
    Ok(valid.then_some(RetryArgs {
        attempts,
        backoff: backoff.unwrap_or(BackoffArgs::Exponential {
            initial: DEFAULT_INITIAL_DELAY,
            max: DEFAULT_MAX_DELAY,
        }),
        jitter,
    }))
}

/// Parses `fixed(100ms)` or `exponential(50ms, 2s)`; the input is left after the value even
/// when the value is wrong, so parsing can go on.
fn parse_backoff(input: syn::parse::ParseStream<'_>) -> syn::Result<BackoffArgs> {
    let kind: syn::Ident = input.parse()?;
    let content;
    syn::parenthesized!(content in input);
    let delays = content.parse_terminated(Lit::parse, Token![,])?;
    let delays: Vec<&Lit> = delays.iter().collect();
    match (kind.to_string().as_str(), delays.as_slice()) {
        ("fixed", [delay]) => Ok(BackoffArgs::Fixed(parse_duration(delay)?)),
        ("exponential", [initial_literal, max_literal]) => {
            let initial = parse_duration(initial_literal)?;
            let max = parse_duration(max_literal)?;
            if initial > max {
                return Err(syn::Error::new_spanned(
                    max_literal,
                    with_help(
                        "the maximum delay is shorter than the first delay",
                        "write `exponential(first, max)` with `first <= max`, e.g. `exponential(50ms, 2s)`",
                    ),
                ));
            }
            Ok(BackoffArgs::Exponential { initial, max })
        }
        ("fixed", _) => Err(syn::Error::new_spanned(
            &kind,
            with_help("`fixed` takes one delay", "write `backoff = fixed(100ms)`"),
        )),
        ("exponential", _) => Err(syn::Error::new_spanned(
            &kind,
            with_help(
                "`exponential` takes the first and the maximum delay",
                "write `backoff = exponential(50ms, 2s)`",
            ),
        )),
        (other, _) => Err(syn::Error::new_spanned(
            &kind,
            with_help(
                format!("unknown backoff `{other}`"),
                suggestion_or_list(other, BACKOFF_KINDS),
            ),
        )),
    }
}

/// Records an unknown key with a suggestion and skips its value.
fn unknown_key(
    meta: &ParseNestedMeta<'_>,
    key: &str,
    attribute: &str,
    known: &[&str],
    errors: &mut Errors,
) {
    errors.at(
        &meta.path,
        with_help(
            format!("unknown `{attribute}` key `{key}`"),
            suggestion_or_list(key, known),
        ),
    );
    // Skip the value so the keys after it are still checked.
    if meta.input.peek(Token![=]) {
        let _ = meta
            .input
            .parse::<Token![=]>()
            .and_then(|_| meta.input.parse::<syn::Expr>());
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.input.parse::<proc_macro2::Group>();
    }
}

/// "did you mean `x`?" or the list of what is allowed.
pub(crate) fn suggestion_or_list(given: &str, known: &[&str]) -> String {
    match flow_core::did_you_mean(given, known.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => {
            let list: Vec<String> = known.iter().map(|key| format!("`{key}`")).collect();
            format!("expected one of {}", list.join(", "))
        }
    }
}

fn path_name(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
