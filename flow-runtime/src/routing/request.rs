//! What a caller routes: a kind of request, its attributes and a routing key.

use std::fmt;

/// An attribute value rules compare: a string or a number.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// A string (`tenant = "acme"`).
    Text(String),
    /// A number (`amount = 120.5`).
    Number(f64),
}

impl fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttributeValue::Text(text) => write!(f, "{text:?}"),
            AttributeValue::Number(number) => write!(f, "{number}"),
        }
    }
}

impl From<&str> for AttributeValue {
    fn from(text: &str) -> Self {
        AttributeValue::Text(text.to_owned())
    }
}

impl From<String> for AttributeValue {
    fn from(text: String) -> Self {
        AttributeValue::Text(text)
    }
}

macro_rules! number_from {
    ($($number:ty),*) => {$(
        impl From<$number> for AttributeValue {
            fn from(number: $number) -> Self {
                AttributeValue::Number(number as f64)
            }
        }
    )*};
}

number_from!(i32, i64, u32, u64, f32, f64, usize);

/// A request to start an instance of whatever flow serves `kind`.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteRequest {
    /// What is asked for (`checkout`).
    pub kind: String,
    /// What rules look at (tenant, channel, product, amount ...).
    pub attributes: Vec<(String, AttributeValue)>,
    /// What weighted splits hash (a customer id): the same key always gets the same variant.
    pub key: Option<String>,
}

impl RouteRequest {
    /// A request of `kind` without attributes or key.
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            attributes: Vec::new(),
            key: None,
        }
    }

    /// Adds attribute `name` = `value`.
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<AttributeValue>) -> Self {
        self.attributes.push((name.into(), value.into()));
        self
    }

    /// Sets the routing key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The value of attribute `name`, if the request has it.
    pub fn get(&self, name: &str) -> Option<&AttributeValue> {
        self.attributes
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value)
    }
}
