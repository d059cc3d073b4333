//! Reads TOML into the document tree, with every syntax error the parser can recover from.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::Problems;
use super::tree::{Entry, Node, Value, text_of};

/// The document as a tree, or `None` when it has syntax errors (each one recorded).
pub(crate) fn read(problems: &mut Problems<'_>) -> Option<Node> {
    let text = &problems.source().text;
    let (table, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for error in errors {
            let span = error.span().unwrap_or(0..0);
            problems.push(
                &span,
                "document::syntax",
                error.message().trim_end().to_owned(),
                None,
            );
        }
        // A tree recovered from broken text would only add follow-on problems.
        return None;
    }
    let span = table.span();
    Some(Node {
        span,
        value: table_value(text, table.get_ref(), problems),
    })
}

fn table_value(text: &str, table: &DeTable<'_>, problems: &mut Problems<'_>) -> Value {
    let mut entries: Vec<Entry> = table
        .iter()
        .map(|(key, value)| Entry {
            key: key.get_ref().to_string(),
            key_span: key.span(),
            value: node(text, value, problems),
        })
        .collect();
    // The map may be ordered by key; the format needs source order (edges are indexed by it).
    entries.sort_by_key(|entry| entry.key_span.start);
    Value::Table(entries)
}

fn node(text: &str, value: &Spanned<DeValue<'_>>, problems: &mut Problems<'_>) -> Node {
    let span = value.span();
    let value = match value.get_ref() {
        DeValue::String(string) => Value::String(text_of(text, &span, string.to_string())),
        DeValue::Integer(integer) => match i64::from_str_radix(integer.as_str(), integer.radix()) {
            Ok(number) => Value::Integer(number),
            Err(_) => {
                problems.push(&span, "document::syntax", "integer out of range", None);
                Value::Integer(0)
            }
        },
        DeValue::Float(float) => {
            // TOML spells floats as Rust does (`0.05`, `1e-3`); underscores are digit groups.
            Value::Float(float.as_str().replace('_', "").parse().unwrap_or(f64::NAN))
        }
        DeValue::Boolean(boolean) => Value::Boolean(*boolean),
        DeValue::Datetime(_) => Value::Datetime,
        DeValue::Array(array) => Value::Array(
            array
                .iter()
                .map(|item| node(text, item, problems))
                .collect(),
        ),
        DeValue::Table(table) => table_value(text, table, problems),
    };
    Node { span, value }
}
