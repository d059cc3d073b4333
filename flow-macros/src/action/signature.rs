//! Checks that `#[action]` sits on `async fn name(ctx: &mut Context<D>) -> Result<I, ActionError>`
//! and finds `D`, `I` and the name the user gave the context.

use proc_macro2::Span;
use syn::{FnArg, GenericArgument, Ident, ItemFn, Pat, PathArguments, ReturnType, Type};

use crate::errors::{Errors, with_help};

const SHAPE: &str =
    "an action is `async fn name(ctx: &mut Context<Data>) -> Result<Instruction, ActionError>`";

/// The types an action's signature names.
pub(crate) struct ActionSignature {
    /// `D` of `Context<D>`, when the parameter has the right shape.
    pub(crate) data: Option<Type>,
    /// `I` of `Result<I, ActionError>`, when the return type has the right shape.
    pub(crate) instruction: Option<Type>,
    /// The context parameter's own ident, with its span and hygiene, so that generated code
    /// that passes the context on resolves wherever the fn was written (a `macro_rules!` body
    /// included); `ctx` when the parameter is not a plain name (`_`).
    pub(crate) context: Ident,
}

/// Reads the signature, recording each way it differs from an action's.
pub(crate) fn check_signature(function: &ItemFn, errors: &mut Errors) -> ActionSignature {
    let signature = &function.sig;
    if signature.asyncness.is_none() {
        errors.at(
            signature.fn_token,
            with_help(
                format!("action `{}` must be an `async fn`", signature.ident),
                format!("write `async fn {}`; {SHAPE}", signature.ident),
            ),
        );
    }
    if !signature.generics.params.is_empty() || signature.generics.where_clause.is_some() {
        errors.at(
            &signature.generics,
            with_help(
                "an action cannot be generic",
                "flows name actions by their concrete data type; write one action per data type",
            ),
        );
    }
    let data = check_context_parameter(signature, errors);
    let instruction = check_return_type(signature, errors);
    ActionSignature {
        data,
        instruction,
        context: context_ident(signature),
    }
}

fn context_ident(signature: &syn::Signature) -> Ident {
    match signature.inputs.first() {
        Some(FnArg::Typed(parameter)) => match &*parameter.pat {
            Pat::Ident(pattern) => pattern.ident.clone(),
            _ => Ident::new("ctx", Span::call_site()),
        },
        _ => Ident::new("ctx", Span::call_site()),
    }
}

fn check_context_parameter(signature: &syn::Signature, errors: &mut Errors) -> Option<Type> {
    let mut inputs = signature.inputs.iter();
    let Some(first) = inputs.next() else {
        errors.at_span(
            signature.paren_token.span.join(),
            with_help(
                format!("action `{}` takes no context", signature.ident),
                format!("add the parameter `ctx: &mut Context<YourData>`; {SHAPE}"),
            ),
        );
        return None;
    };
    for extra in inputs {
        errors.at(
            extra,
            with_help(
                "an action takes exactly one parameter, its context",
                "move this value into the context's data",
            ),
        );
    }
    let parameter = match first {
        FnArg::Receiver(receiver) => {
            errors.at(
                receiver,
                with_help("an action is a free function, not a method", SHAPE),
            );
            return None;
        }
        FnArg::Typed(parameter) => parameter,
    };
    let data = match &*parameter.ty {
        Type::Reference(reference) if reference.mutability.is_some() => {
            context_data(&reference.elem)
        }
        _ => None,
    };
    if data.is_none() {
        errors.at(
            &parameter.ty,
            with_help(
                "the parameter of an action must be `&mut Context<Data>`",
                format!("write `ctx: &mut Context<YourData>`; {SHAPE}"),
            ),
        );
    }
    data
}

/// `D` of a type written `Context<D>` (or `path::Context<D>`).
fn context_data(ty: &Type) -> Option<Type> {
    let (last, arguments) = last_segment_arguments(ty)?;
    if last != "Context" || arguments.len() != 1 {
        return None;
    }
    arguments.into_iter().next()
}

fn check_return_type(signature: &syn::Signature, errors: &mut Errors) -> Option<Type> {
    let ReturnType::Type(_, ty) = &signature.output else {
        errors.at_span(
            signature.paren_token.span.close(),
            with_help(
                format!("action `{}` returns nothing", signature.ident),
                format!(
                    "return `Result<Instruction, ActionError>`, or `Result<(), ActionError>` for an action with one outcome; {SHAPE}"
                ),
            ),
        );
        return None;
    };
    let shape = last_segment_arguments(ty).and_then(|(last, arguments)| {
        (last == "Result" && arguments.len() == 2).then_some(arguments)
    });
    let Some(arguments) = shape else {
        errors.at(
            ty,
            with_help(
                "an action must return `Result<Instruction, ActionError>`",
                "wrap the outcome: `Ok(Outcome::Done)`; failures are `Err(ActionError::retryable(..))` or `Err(ActionError::permanent(..))`",
            ),
        );
        return None;
    };
    let mut arguments = arguments.into_iter();
    let instruction = arguments.next();
    let error = arguments.next();
    let is_action_error = error
        .as_ref()
        .and_then(last_segment_arguments)
        .is_some_and(|(last, arguments)| last == "ActionError" && arguments.is_empty());
    if !is_action_error {
        errors.at(
            error,
            with_help(
                "the error type of an action must be `ActionError`",
                "map other errors with `ActionError::retryable(..)` or `ActionError::permanent(..)`, which says whether a retry can help",
            ),
        );
    }
    instruction
}

/// The last segment's name and its type arguments, for a path type.
fn last_segment_arguments(ty: &Type) -> Option<(String, Vec<Type>)> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    let arguments = match &last.arguments {
        PathArguments::None => Vec::new(),
        PathArguments::AngleBracketed(arguments) => arguments
            .args
            .iter()
            .filter_map(|argument| match argument {
                GenericArgument::Type(ty) => Some(ty.clone()),
                _ => None,
            })
            .collect(),
        PathArguments::Parenthesized(_) => return None,
    };
    Some((last.ident.to_string(), arguments))
}
