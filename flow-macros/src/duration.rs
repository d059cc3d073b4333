//! Duration literals in attributes and flows: `250ms`, `2s`, `1.5s`, `5m`, `48h`, `7d`.

use std::time::Duration;

use syn::Lit;

use flow_core::duration::{DURATION_UNITS, DurationError, duration_from_parts};

/// Parses a duration literal, or explains what is wrong with it. The units and arithmetic are
/// flow-core's, so flow documents read the same text as the same time.
pub(crate) fn parse_duration(literal: &Lit) -> syn::Result<Duration> {
    let (digits, suffix) = match literal {
        Lit::Int(int) => (int.base10_digits().to_owned(), int.suffix().to_owned()),
        Lit::Float(float) => (float.base10_digits().to_owned(), float.suffix().to_owned()),
        _ => {
            return Err(syn::Error::new_spanned(
                literal,
                format!("expected a duration such as `2s`\n= help: {DURATION_UNITS}"),
            ));
        }
    };
    duration_from_parts(&digits, &suffix).map_err(|error| {
        let message = match error {
            DurationError::NoUnit(_) | DurationError::UnknownUnit(_) => {
                format!("{error}\n= help: {DURATION_UNITS}")
            }
            DurationError::NotANumber(_) | DurationError::TooLong => error.to_string(),
        };
        syn::Error::new_spanned(literal, message)
    })
}

/// The tokens of a `core::time::Duration` equal to `duration`.
pub(crate) fn duration_tokens(duration: Duration) -> proc_macro2::TokenStream {
    let nanos = duration.as_nanos() as u64;
    quote::quote!(::core::time::Duration::from_nanos(#nanos))
}
