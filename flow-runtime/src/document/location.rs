//! Lines and columns: from byte offsets in a document to what an editor shows.

use std::fmt;
use std::ops::Range;

/// A 1-based line and column (columns count characters, as editors and rustc do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
}

impl Location {
    /// The start of a document, where diagnostics without a better place go.
    pub const START: Location = Location { line: 1, column: 1 };
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The text of a document with its name and where its lines start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceText {
    /// The name diagnostics show (a path, or `<inline>`).
    pub(crate) name: String,
    /// The whole text.
    pub(crate) text: String,
    /// The byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl SourceText {
    pub(crate) fn new(name: String, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Self {
            name,
            text,
            line_starts,
        }
    }

    /// The line and column of byte `offset` (clamped to the text).
    pub(crate) fn locate(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |before| before.chars().count() + 1);
        Location {
            line: line + 1,
            column,
        }
    }

    /// The text of 1-based `line`, without its line break.
    pub(crate) fn line(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&next| next);
        let text = self.text.get(start..end)?;
        Some(text.trim_end_matches(['\n', '\r']))
    }

    /// How many characters of `span` lie on its first line (at least 1), for the caret.
    pub(crate) fn width(&self, span: &Range<usize>) -> usize {
        let start = span.start.min(self.text.len());
        let end = span.end.clamp(start, self.text.len());
        let text = self.text.get(start..end).unwrap_or("");
        let first_line = text.split('\n').next().unwrap_or("");
        first_line.trim_end_matches('\r').chars().count().max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_character_columns() {
        let source = SourceText::new("a".into(), "ab\nçd = 1\r\n\nlast".into());
        assert_eq!(source.locate(0), Location { line: 1, column: 1 });
        assert_eq!(source.locate(3), Location { line: 2, column: 1 });
        // `ç` is two bytes but one column.
        assert_eq!(source.locate(5), Location { line: 2, column: 2 });
        assert_eq!(source.locate(12), Location { line: 3, column: 1 });
        assert_eq!(source.locate(13), Location { line: 4, column: 1 });
        assert_eq!(source.locate(100), Location { line: 4, column: 5 });
        assert_eq!(source.line(2), Some("çd = 1"));
        assert_eq!(source.line(3), Some(""));
        assert_eq!(source.line(5), None);
        assert_eq!(source.width(&(3..8)), 4);
        assert_eq!(source.width(&(0..7)), 2);
    }
}
