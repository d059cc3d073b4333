//! Reads JSON into the document tree, keeping the byte range of every key and value.
//!
//! serde_json keeps no positions, so this is a small recursive-descent reader of its own;
//! strings and numbers are still decoded by serde_json, so that escapes and number syntax are
//! exactly JSON's.

use std::ops::Range;

use super::diagnostic::Problems;
use super::tree::{Entry, Node, Value, text_of};

/// How deep arrays and objects may nest: far beyond any flow, and short of the stack's end.
const MAX_DEPTH: usize = 128;

/// The document as a tree, or `None` after recording its (first) syntax error.
pub(crate) fn read(problems: &mut Problems<'_>) -> Option<Node> {
    let text = problems.source().text.as_str();
    let mut reader = Reader { text, at: 0 };
    let result = reader.value(0).and_then(|node| {
        reader.skip_space();
        if reader.at < text.len() {
            Err(reader.error("trailing characters after the document"))
        } else {
            Ok(node)
        }
    });
    match result {
        Ok(node) => Some(node),
        Err(error) => {
            problems.push(&error.span, "document::syntax", error.message, None);
            None
        }
    }
}

struct SyntaxError {
    span: Range<usize>,
    message: String,
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        // `at` may sit inside a character after a bad escape: `get` keeps this from panicking.
        let width = self
            .text
            .get(self.at..)
            .and_then(|rest| rest.chars().next())
            .map_or(0, char::len_utf8);
        SyntaxError {
            span: self.at..self.at + width,
            message: message.into(),
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), SyntaxError> {
        self.skip_space();
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected {what}")))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("the document nests too deeply"));
        }
        self.skip_space();
        let start = self.at;
        let value = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => {
                let (text, span) = self.string()?;
                return Ok(Node {
                    value: Value::String(text_of(self.text, &span, text)),
                    span,
                });
            }
            Some(b't') => self.word("true", Value::Boolean(true))?,
            Some(b'f') => self.word("false", Value::Boolean(false))?,
            Some(b'n') => return Err(self.error("`null` is not a value of the format")),
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a value")),
            None => return Err(self.error("unexpected end of the document")),
        };
        Ok(Node {
            span: start..self.at,
            value,
        })
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self
            .text
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(word))
        {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.at;
        while matches!(
            self.peek(),
            Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        ) {
            self.at += 1;
        }
        let token = &self.text[start..self.at];
        let invalid = || SyntaxError {
            span: start..start + token.len(),
            message: format!("`{token}` is not a JSON number"),
        };
        let number: serde_json::Number = serde_json::from_str(token).map_err(|_| invalid())?;
        Ok(match number.as_i64() {
            Some(integer) => Value::Integer(integer),
            None => Value::Float(number.as_f64().unwrap_or(f64::NAN)),
        })
    }

    /// A string token: its decoded text and its span, quotes included.
    fn string(&mut self) -> Result<(String, Range<usize>), SyntaxError> {
        let start = self.at;
        self.at += 1;
        loop {
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => self.at += 2,
                Some(byte) if byte < 0x20 => {
                    return Err(self.error("control character in a string (write it escaped)"));
                }
                Some(_) => self.at += 1,
                None => {
                    return Err(SyntaxError {
                        span: start..start + 1,
                        message: "unterminated string".into(),
                    });
                }
            }
        }
        self.at += 1;
        let span = start..self.at;
        let raw = self.text.get(span.clone()).unwrap_or("");
        let text: String = serde_json::from_str(raw).map_err(|error| SyntaxError {
            span: span.clone(),
            message: format!("invalid string: {error}"),
        })?;
        Ok((text, span))
    }

    fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.at += 1;
        let mut entries: Vec<Entry> = Vec::new();
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Table(entries));
        }
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a key in double quotes"));
            }
            let (key, key_span) = self.string()?;
            if entries.iter().any(|entry| entry.key == key) {
                return Err(SyntaxError {
                    span: key_span,
                    message: format!("duplicate key `{key}`"),
                });
            }
            self.expect(b':', "`:`")?;
            let value = self.value(depth + 1)?;
            entries.push(Entry {
                key,
                key_span,
                value,
            });
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Table(entries));
                }
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }
}
