//! Durations as people write them in flows, attributes and documents: `250ms`, `2s`, `1.5s`,
//! `30m`, `48h`, `7d`.
//!
//! `flow!`, `#[action]` and flow documents all read durations here, so that the same text
//! means the same time in every front end.
//!
//! ```
//! use std::time::Duration;
//! use flow_core::duration::{format_duration, parse_duration};
//!
//! assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1_500)));
//! assert_eq!(format_duration(Duration::from_secs(48 * 3_600)), "2d");
//! assert_eq!(parse_duration("48"), Err(flow_core::duration::DurationError::NoUnit("48".into())));
//! ```

use std::time::Duration;

/// How to write a duration, for the help line of every duration error.
pub const DURATION_UNITS: &str = "use one of `ms`, `s`, `m`, `h`, `d`, as in `250ms` or `48h`";

/// Why a text is not a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// A number without a unit (`48`).
    #[error("duration `{0}` has no unit")]
    NoUnit(String),
    /// A unit that is none of `ms`, `s`, `m`, `h`, `d`.
    #[error("unknown duration unit `{0}`")]
    UnknownUnit(String),
    /// The part before the unit is not a number (`1.2.3s`, `s`).
    #[error("`{0}` is not a number")]
    NotANumber(String),
    /// Longer than any timer can wait.
    #[error("duration is too long")]
    TooLong,
}

/// Parses `text` (a decimal number and a unit, no space between) into a duration with
/// microsecond precision.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    duration_from_parts(digits, unit)
}

/// The duration of `digits` (an integer or decimal, `_` separators allowed) in `unit`; for
/// front ends whose lexer already split a literal into number and suffix.
pub fn duration_from_parts(digits: &str, unit: &str) -> Result<Duration, DurationError> {
    let unit_millis: f64 = match unit {
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        "" => return Err(DurationError::NoUnit(digits.to_owned())),
        other => return Err(DurationError::UnknownUnit(other.to_owned())),
    };
    let value: f64 = digits
        .replace('_', "")
        .parse()
        .map_err(|_| DurationError::NotANumber(digits.to_owned()))?;
    let millis = value * unit_millis;
    if !millis.is_finite() || millis > u64::MAX as f64 / 2_000.0 {
        return Err(DurationError::TooLong);
    }
    Ok(Duration::from_micros((millis * 1_000.0).round() as u64))
}

/// `duration` in the largest unit that states it exactly (`2d`, `90m`, `1500ms`), or in
/// milliseconds with a decimal part below one millisecond; [`parse_duration`] reads it back
/// to the same microsecond.
pub fn format_duration(duration: Duration) -> String {
    const UNITS: [(&str, u128); 5] = [
        ("d", 86_400_000_000),
        ("h", 3_600_000_000),
        ("m", 60_000_000),
        ("s", 1_000_000),
        ("ms", 1_000),
    ];
    let micros = duration.as_micros();
    if micros == 0 {
        return "0ms".to_owned();
    }
    for (unit, size) in UNITS {
        if micros.is_multiple_of(size) {
            return format!("{}{unit}", micros / size);
        }
    }
    let fraction = format!("{:03}", micros % 1_000);
    format!("{}.{}ms", micros / 1_000, fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_unit_and_decimals() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1_500)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1_800)));
        assert_eq!(parse_duration("48h"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("1_000ms"), Ok(Duration::from_secs(1)));
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(
            parse_duration("48"),
            Err(DurationError::NoUnit("48".into()))
        );
        assert_eq!(
            parse_duration("2w"),
            Err(DurationError::UnknownUnit("w".into()))
        );
        assert_eq!(
            parse_duration("2 s"),
            Err(DurationError::UnknownUnit(" s".into()))
        );
        assert_eq!(
            parse_duration("1.2.3s"),
            Err(DurationError::NotANumber("1.2.3".into()))
        );
        assert_eq!(
            parse_duration("s"),
            Err(DurationError::NotANumber("".into()))
        );
        assert_eq!(
            parse_duration("99999999999999999999d"),
            Err(DurationError::TooLong)
        );
        assert_eq!(
            DurationError::NoUnit("48".into()).to_string(),
            "duration `48` has no unit"
        );
    }

    #[test]
    fn formatting_reads_back_to_the_same_duration() {
        for duration in [
            Duration::ZERO,
            Duration::from_millis(50),
            Duration::from_millis(1_500),
            Duration::from_secs(90 * 60),
            Duration::from_secs(2 * 86_400),
            Duration::from_micros(1_234_567),
            Duration::from_micros(7),
        ] {
            let text = format_duration(duration);
            assert_eq!(parse_duration(&text), Ok(duration), "{text}");
        }
        assert_eq!(format_duration(Duration::from_millis(1_500)), "1500ms");
        assert_eq!(format_duration(Duration::from_secs(5_400)), "90m");
        assert_eq!(format_duration(Duration::from_micros(1_250)), "1.25ms");
    }
}
