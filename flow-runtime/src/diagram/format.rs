//! The formats a diagram can be drawn in, by the names a command line uses.

use std::fmt;
use std::str::FromStr;

/// A diagram format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DiagramFormat {
    /// Mermaid `stateDiagram-v2` source.
    #[default]
    Mermaid,
    /// Graphviz DOT source.
    Dot,
    /// A self-contained SVG image.
    Svg,
}

impl DiagramFormat {
    /// Every format, in the order help texts list them.
    pub const ALL: [DiagramFormat; 3] = [
        DiagramFormat::Mermaid,
        DiagramFormat::Dot,
        DiagramFormat::Svg,
    ];

    /// The format's name: `mermaid`, `dot` or `svg`.
    pub fn name(self) -> &'static str {
        match self {
            DiagramFormat::Mermaid => "mermaid",
            DiagramFormat::Dot => "dot",
            DiagramFormat::Svg => "svg",
        }
    }
}

impl fmt::Display for DiagramFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is none of `mermaid`, `dot` and `svg`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown diagram format `{0}`: use `mermaid`, `dot` or `svg`")]
pub struct UnknownFormat(pub String);

impl FromStr for DiagramFormat {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        DiagramFormat::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownFormat(name.to_owned()))
    }
}
