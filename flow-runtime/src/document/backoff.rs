//! Backoffs as text: `fixed(100ms)` and `exponential(50ms, 2s)`, as in `#[action(retry(..))]`.

use flow_core::Backoff;
use flow_core::duration::{DurationError, format_duration, parse_duration};

/// Why a text is not a backoff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BackoffError {
    /// Not of the form `fixed(..)` or `exponential(.., ..)`.
    #[error("expected `fixed(delay)` or `exponential(first, max)`, found `{0}`")]
    Shape(String),
    /// `exponential(first, max)` with `max` below `first`.
    #[error("the maximum delay is shorter than the first delay")]
    MaxBelowFirst,
    /// One of its durations is wrong.
    #[error(transparent)]
    Duration(#[from] DurationError),
}

/// Reads `fixed(100ms)` or `exponential(50ms, 2s)`.
pub(crate) fn parse_backoff(text: &str) -> Result<Backoff, BackoffError> {
    let shape = || BackoffError::Shape(text.to_owned());
    let (kind, rest) = text.trim().split_once('(').ok_or_else(shape)?;
    let arguments = rest.strip_suffix(')').ok_or_else(shape)?;
    let arguments: Vec<&str> = arguments.split(',').map(str::trim).collect();
    match (kind.trim(), arguments.as_slice()) {
        ("fixed", [delay]) => Ok(Backoff::Fixed(parse_duration(delay)?)),
        ("exponential", [initial, max]) => {
            let (initial, max) = (parse_duration(initial)?, parse_duration(max)?);
            if initial > max {
                return Err(BackoffError::MaxBelowFirst);
            }
            Ok(Backoff::Exponential { initial, max })
        }
        _ => Err(shape()),
    }
}

/// The text [`parse_backoff`] reads back to `backoff`.
pub(crate) fn format_backoff(backoff: Backoff) -> String {
    match backoff {
        Backoff::Fixed(delay) => format!("fixed({})", format_duration(delay)),
        Backoff::Exponential { initial, max } => format!(
            "exponential({}, {})",
            format_duration(initial),
            format_duration(max)
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn reads_both_backoffs_and_writes_them_back() {
        let exponential = Backoff::Exponential {
            initial: Duration::from_millis(50),
            max: Duration::from_secs(2),
        };
        assert_eq!(parse_backoff("exponential(50ms, 2s)"), Ok(exponential));
        assert_eq!(
            parse_backoff("fixed(100ms)"),
            Ok(Backoff::Fixed(Duration::from_millis(100)))
        );
        assert_eq!(format_backoff(exponential), "exponential(50ms, 2s)");
        assert_eq!(parse_backoff(&format_backoff(exponential)), Ok(exponential));
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(
            parse_backoff("linear(1s)"),
            Err(BackoffError::Shape("linear(1s)".into()))
        );
        assert_eq!(
            parse_backoff("fixed(1s, 2s)"),
            Err(BackoffError::Shape("fixed(1s, 2s)".into()))
        );
        assert_eq!(
            parse_backoff("fixed(10)"),
            Err(BackoffError::Duration(DurationError::NoUnit("10".into())))
        );
        assert_eq!(
            parse_backoff("exponential(2s, 50ms)"),
            Err(BackoffError::MaxBelowFirst)
        );
    }
}
