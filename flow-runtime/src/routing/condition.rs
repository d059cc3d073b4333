//! The conditions of attribute rules: equals, one of, a numeric range, a prefix.

use std::fmt;

use super::request::{AttributeValue, RouteRequest};

/// What an attribute rule asks of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The attribute equals the value.
    Equals(String, AttributeValue),
    /// The attribute equals one of the values.
    OneOf(String, Vec<AttributeValue>),
    /// The attribute is a number in `[min, max)`; either bound may be open.
    Range {
        /// The attribute.
        attribute: String,
        /// The lowest value included.
        min: Option<f64>,
        /// The first value excluded.
        max: Option<f64>,
    },
    /// The attribute is a string that starts with the prefix.
    Prefix(String, String),
}

impl Condition {
    /// `attribute == value`.
    pub fn equals(attribute: impl Into<String>, value: impl Into<AttributeValue>) -> Self {
        Condition::Equals(attribute.into(), value.into())
    }

    /// `attribute` is one of `values`.
    pub fn one_of<V: Into<AttributeValue>>(
        attribute: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        Condition::OneOf(
            attribute.into(),
            values.into_iter().map(Into::into).collect(),
        )
    }

    /// `min <= attribute < max`.
    pub fn range(attribute: impl Into<String>, min: Option<f64>, max: Option<f64>) -> Self {
        Condition::Range {
            attribute: attribute.into(),
            min,
            max,
        }
    }

    /// `attribute` starts with `prefix`.
    pub fn prefix(attribute: impl Into<String>, prefix: impl Into<String>) -> Self {
        Condition::Prefix(attribute.into(), prefix.into())
    }

    /// Whether `request` meets the condition; a request without the attribute does not.
    pub fn matches(&self, request: &RouteRequest) -> bool {
        match self {
            Condition::Equals(attribute, value) => request.get(attribute) == Some(value),
            Condition::OneOf(attribute, values) => request
                .get(attribute)
                .is_some_and(|found| values.contains(found)),
            Condition::Range {
                attribute,
                min,
                max,
            } => match request.get(attribute) {
                Some(AttributeValue::Number(number)) => {
                    min.is_none_or(|min| *number >= min) && max.is_none_or(|max| *number < max)
                }
                _ => false,
            },
            Condition::Prefix(attribute, prefix) => match request.get(attribute) {
                Some(AttributeValue::Text(text)) => text.starts_with(prefix.as_str()),
                _ => false,
            },
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Equals(attribute, value) => write!(f, "{attribute} == {value}"),
            Condition::OneOf(attribute, values) => {
                let values: Vec<String> = values.iter().map(ToString::to_string).collect();
                write!(f, "{attribute} in [{}]", values.join(", "))
            }
            Condition::Range {
                attribute,
                min,
                max,
            } => match (min, max) {
                (Some(min), Some(max)) => write!(f, "{min} <= {attribute} < {max}"),
                (Some(min), None) => write!(f, "{attribute} >= {min}"),
                (None, Some(max)) => write!(f, "{attribute} < {max}"),
                (None, None) => write!(f, "{attribute} is a number"),
            },
            Condition::Prefix(attribute, prefix) => {
                write!(f, "{attribute} starts with {prefix:?}")
            }
        }
    }
}
