//! Problems of a document with their line and column, rendered the way rustc renders errors.

use std::fmt;
use std::ops::Range;

use super::location::SourceText;

/// One problem of a flow document, at a line and column.
///
/// `Display` renders it like rustc, with the source line and a caret under the token:
///
/// ```text
/// error[flow::unknown_state]: unknown state `Shiped`
///   --> checkout.toml:12:8
///    |
/// 12 | next = "Shiped"
///    |        ^^^^^^^^
///    = help: did you mean `Shipped`?
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentDiagnostic {
    /// The document's name (its path, or `<inline>`), or a script file's path.
    pub origin: String,
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column, in characters.
    pub column: usize,
    /// What kind of problem: a validator code (`flow::unknown_state`), `document::…` for the
    /// document's own rules, or `script::…` for problems in script code.
    pub code: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
    /// The line the problem is on and how many characters the caret spans, when the text is
    /// at hand.
    pub snippet: Option<Snippet>,
}

/// The source line shown under a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The line's text, without its line break.
    pub text: String,
    /// How many characters from the diagnostic's column the caret underlines (at least 1).
    pub width: usize,
}

impl DocumentDiagnostic {
    /// A diagnostic at `span` of `source`.
    pub(crate) fn at(
        source: &SourceText,
        span: &Range<usize>,
        code: impl Into<String>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        let location = source.locate(span.start);
        Self {
            origin: source.name.clone(),
            line: location.line,
            column: location.column,
            code: code.into(),
            message: message.into(),
            help,
            snippet: source.line(location.line).map(|text| Snippet {
                text: text.to_owned(),
                width: source.width(span),
            }),
        }
    }
}

impl fmt::Display for DocumentDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        writeln!(f, "error[{}]: {}", self.code, self.message)?;
        write!(f, "{pad}--> {}:{}:{}", self.origin, self.line, self.column)?;
        if let Some(snippet) = &self.snippet {
            // Tabs stay tabs under the caret so that it lines up however wide they show.
            let indent: String = snippet
                .text
                .chars()
                .take(self.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{pad} |\n{} | {}\n{pad} | {indent}{}",
                self.line,
                snippet.text,
                "^".repeat(snippet.width)
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n{pad} = help: {help}")?;
        }
        Ok(())
    }
}

/// Every problem found in a document: what [`FlowDocument::parse`](super::FlowDocument::parse)
/// returns instead of a document, for the caller to print.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DocumentErrors {
    /// The problems, by line and column.
    pub diagnostics: Vec<DocumentDiagnostic>,
}

impl fmt::Display for DocumentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.diagnostics {
            writeln!(f, "{diagnostic}\n")?;
        }
        let count = self.diagnostics.len();
        let origin = self
            .diagnostics
            .first()
            .map_or("the document", |first| first.origin.as_str());
        write!(
            f,
            "error: `{origin}` has {count} problem{}",
            if count == 1 { "" } else { "s" }
        )
    }
}

/// The problems found while reading one document: every pass pushes here and the result is
/// checked once at the end, so that a user sees all problems at once.
#[derive(Debug)]
pub(crate) struct Problems<'a> {
    source: &'a SourceText,
    pub(crate) list: Vec<DocumentDiagnostic>,
}

impl<'a> Problems<'a> {
    pub(crate) fn new(source: &'a SourceText) -> Self {
        Self {
            source,
            list: Vec::new(),
        }
    }

    pub(crate) fn source(&self) -> &'a SourceText {
        self.source
    }

    /// Records a problem at `span`.
    pub(crate) fn push(
        &mut self,
        span: &Range<usize>,
        code: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.list.push(DocumentDiagnostic::at(
            self.source,
            span,
            code,
            message,
            help,
        ));
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }
}
