//! The document as a tree of values that remember where they were written.
//!
//! TOML and JSON are both read into this one tree, so the rest of the document code (the
//! checks, the element locations) is written once and treats both syntaxes alike.

use std::ops::Range;

/// A value and the byte range of its token in the document.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// Where the value's token is (for a string, its quotes included).
    pub(crate) span: Range<usize>,
    /// The value.
    pub(crate) value: Value,
}

/// The kinds of values both syntaxes share.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// A string, and where its text starts when the document holds it byte for byte.
    String(Text),
    /// An integer.
    Integer(i64),
    /// A number with a fraction or exponent (rates and weights of `[[chaos]]` take one).
    Float(f64),
    /// `true` or `false`.
    Boolean(bool),
    /// A TOML date or time: no key of the format takes one.
    Datetime,
    /// An array, in order.
    Array(Vec<Node>),
    /// A table (TOML) or object (JSON), its keys in source order.
    Table(Vec<Entry>),
}

/// A string value.
#[derive(Debug, Clone)]
pub(crate) struct Text {
    /// The decoded text.
    pub(crate) text: String,
    /// The byte offset in the document where `text` appears verbatim (no escapes, no
    /// trimmed newline before it), so that a position in the text is a position in the
    /// document; `None` when escapes make the two differ.
    pub(crate) verbatim_at: Option<usize>,
}

/// One key of a table with its value.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The key.
    pub(crate) key: String,
    /// Where the key is written.
    pub(crate) key_span: Range<usize>,
    /// Its value.
    pub(crate) value: Node,
}

impl Value {
    /// What a user would call the kind of value, for "expected …, found …".
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime => "a date",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

/// The byte offset where the text of a string token starts, given the token's raw text and
/// where it starts: after the quotes, and after the newline TOML trims behind `'''`/`"""`.
pub(crate) fn content_start(raw: &str, token_start: usize) -> usize {
    let quotes = if raw.starts_with("'''") || raw.starts_with("\"\"\"") {
        3
    } else {
        1
    };
    let rest = raw.get(quotes..).unwrap_or("");
    let newline = if quotes == 3 {
        if rest.starts_with("\r\n") {
            2
        } else if rest.starts_with('\n') {
            1
        } else {
            0
        }
    } else {
        0
    };
    token_start + quotes + newline
}

/// [`Text`] for a string token, with `verbatim_at` set when the document holds `text`
/// byte for byte after the token's quotes.
pub(crate) fn text_of(document: &str, span: &Range<usize>, text: String) -> Text {
    let raw = document.get(span.clone()).unwrap_or("");
    let start = content_start(raw, span.start);
    let verbatim = document.get(start..start + text.len()) == Some(text.as_str());
    Text {
        verbatim_at: verbatim.then_some(start),
        text,
    }
}
