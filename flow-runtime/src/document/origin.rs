//! Where a document came from: its display name, the folder its script files are in, and
//! its syntax.

use std::path::{Path, PathBuf};

/// The two syntaxes of a flow document; both hold the same structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// TOML, the format's home.
    Toml,
    /// JSON, for documents that programs write.
    Json,
}

impl Syntax {
    /// The syntax of `text` when nothing else says: JSON if its first non-space character
    /// is `{`, TOML otherwise.
    pub fn sniff(text: &str) -> Syntax {
        if text.trim_start().starts_with('{') {
            Syntax::Json
        } else {
            Syntax::Toml
        }
    }
}

/// Where a document came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentOrigin {
    /// The name diagnostics show: a path, or `<inline>`.
    pub name: String,
    /// The folder that `file = "…"` script paths are relative to; `None` resolves them
    /// against the current directory.
    pub folder: Option<PathBuf>,
    /// The syntax, when known (from a file's extension); otherwise it is sniffed from the text.
    pub syntax: Option<Syntax>,
}

impl DocumentOrigin {
    /// A document held in memory, named `<inline>`.
    pub fn inline() -> Self {
        Self::named("<inline>")
    }

    /// A document held in memory, shown under `name`.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            folder: None,
            syntax: None,
        }
    }

    /// The document in file `path`: named by it, its scripts beside it, its syntax from its
    /// extension (`.json`, `.toml`).
    pub fn file(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        let syntax = match path.extension().and_then(|extension| extension.to_str()) {
            Some(extension) if extension.eq_ignore_ascii_case("json") => Some(Syntax::Json),
            Some(extension) if extension.eq_ignore_ascii_case("toml") => Some(Syntax::Toml),
            _ => None,
        };
        Self {
            name: path.display().to_string(),
            folder: path.parent().map(Path::to_path_buf),
            syntax,
        }
    }

    /// The syntax of `text` from this origin.
    pub fn syntax_of(&self, text: &str) -> Syntax {
        self.syntax.unwrap_or_else(|| Syntax::sniff(text))
    }

    /// Where the script file `relative` is.
    pub(crate) fn resolve(&self, relative: &str) -> PathBuf {
        match &self.folder {
            Some(folder) => folder.join(relative),
            None => PathBuf::from(relative),
        }
    }
}
