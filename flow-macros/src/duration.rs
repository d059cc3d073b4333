//! Duration literals in attributes and flows: `250ms`, `2s`, `1.5s`, `5m`, `48h`, `7d`.

use std::time::Duration;

use syn::Lit;

const UNITS: &str = "use one of `ms`, `s`, `m`, `h`, `d`, as in `250ms` or `48h`";

/// Parses a duration literal, or explains what is wrong with it.
pub(crate) fn parse_duration(literal: &Lit) -> syn::Result<Duration> {
    let (digits, suffix) = match literal {
        Lit::Int(int) => (int.base10_digits().to_owned(), int.suffix().to_owned()),
        Lit::Float(float) => (float.base10_digits().to_owned(), float.suffix().to_owned()),
        _ => {
            return Err(syn::Error::new_spanned(
                literal,
                format!("expected a duration such as `2s`\n= help: {UNITS}"),
            ));
        }
    };
    let unit_millis: f64 = match suffix.as_str() {
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        "" => {
            return Err(syn::Error::new_spanned(
                literal,
                format!("duration `{digits}` has no unit\n= help: {UNITS}"),
            ));
        }
        other => {
            return Err(syn::Error::new_spanned(
                literal,
                format!("unknown duration unit `{other}`\n= help: {UNITS}"),
            ));
        }
    };
    let value: f64 = digits
        .parse()
        .map_err(|_| syn::Error::new_spanned(literal, format!("`{digits}` is not a number")))?;
    let millis = value * unit_millis;
    if !millis.is_finite() || millis > u64::MAX as f64 / 2.0 {
        return Err(syn::Error::new_spanned(literal, "duration is too long"));
    }
    Ok(Duration::from_micros((millis * 1_000.0).round() as u64))
}

/// The tokens of a `core::time::Duration` equal to `duration`.
pub(crate) fn duration_tokens(duration: Duration) -> proc_macro2::TokenStream {
    let nanos = duration.as_nanos() as u64;
    quote::quote!(::core::time::Duration::from_nanos(#nanos))
}
