//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagram::DiagramFormat;

/// Check flow documents, draw flows, inspect instances and give operator instructions.
#[derive(Debug, Parser)]
#[command(name = "flowctl", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Print JSON instead of text (for scripts).
    #[arg(long, global = true)]
    pub(crate) json: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Where instances live.
#[derive(Debug, Clone, Args)]
pub(crate) struct StoreArg {
    /// The store URL: `sqlite://FILE`, `postgres://USER@HOST/DB`, `redis://HOST:PORT[?prefix=NAME]`.
    #[arg(long, env = "FLOW_STORE", value_name = "URL")]
    pub(crate) store: String,
}

/// Where flow definitions may come from besides the application's compiled flows.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct SourcesArg {
    /// A flow document (TOML or JSON) to read flows from; may be given more than once.
    #[arg(long = "document", short = 'd', value_name = "FILE")]
    pub(crate) documents: Vec<PathBuf>,
}

/// Who gives an operator instruction.
#[derive(Debug, Clone, Args)]
pub(crate) struct ActorArg {
    /// The name the instruction is journaled under.
    #[arg(long, env = "FLOW_ACTOR", default_value = "flowctl")]
    pub(crate) actor: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate flow documents: every problem with its line, exit code 1 when there is one.
    Check {
        /// The documents to check.
        #[arg(required = true, value_name = "FILE")]
        documents: Vec<PathBuf>,
    },
    /// List flows and their versions: compiled, from documents, and stored in a store.
    Flows {
        #[command(flatten)]
        sources: SourcesArg,
        /// Also list the definitions kept in this store.
        #[arg(long, env = "FLOW_STORE", value_name = "URL")]
        store: Option<String>,
    },
    /// Draw a flow as Mermaid, DOT or SVG, plain or with figures.
    Diagram {
        /// The flow's name.
        flow: String,
        /// The flow's version (the newest found by default).
        #[arg(long)]
        version: Option<u32>,
        /// The output format.
        #[arg(long, default_value_t = DiagramFormat::Mermaid, value_parser = parse_format)]
        format: DiagramFormat,
        #[command(flatten)]
        sources: SourcesArg,
        /// The store to read stored definitions from, and instances for `--stats store`.
        #[arg(long, env = "FLOW_STORE", value_name = "URL")]
        store: Option<String>,
        /// Figures to print: `store` (instances in each state now, from `--store`), or the
        /// path of a statistics snapshot as JSON (`Stats::to_json`).
        #[arg(long, value_name = "store|FILE")]
        stats: Option<String>,
        /// Write the diagram to this file instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Count stored instances by flow, version, status and state.
    Stats {
        #[command(flatten)]
        store: StoreArg,
        /// Only this flow.
        #[arg(long)]
        flow: Option<String>,
        /// Only this version.
        #[arg(long)]
        version: Option<u32>,
        /// Read at most this many instances of each status.
        #[arg(long, default_value_t = 100_000)]
        limit: usize,
    },
    /// Run synthetic instances of a flow (compiled into the application, or of a document)
    /// with the rates of a configuration
    /// document (`[[chaos]]`: instruction weights, failure rates) in place of its actions:
    /// end states, the funnel, retries, compensations and parked instances.
    Simulate {
        /// The flow's name.
        flow: String,
        /// How many instances.
        #[arg(long, default_value_t = 10_000)]
        instances: u64,
        /// The seed: the same seed gives the same report, byte for byte.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// A configuration document whose `[[chaos]]` tables for the flow are the rates.
        #[arg(long, value_name = "FILE")]
        rates: Option<PathBuf>,
        /// A flow document with the flow: simulated before its actions exist, each a
        /// placeholder, the document's own `[[chaos]]` tables its first rates.
        #[command(flatten)]
        sources: SourcesArg,
        /// The report's form (`--json` is the same as `--format json`).
        #[arg(long, value_enum, default_value_t = SimulationFormat::Table)]
        format: SimulationFormat,
    },
    /// Serve the HTTP API and the dashboard (`/ui`) over an engine on a store, with the
    /// flows of the documents given. Tokens: `FLOW_HTTP_TOKENS="name:role:secret,..."`.
    #[cfg(feature = "http")]
    Serve {
        #[command(flatten)]
        store: StoreArg,
        #[command(flatten)]
        sources: SourcesArg,
        /// The address to listen on.
        #[arg(long, env = "FLOW_HTTP_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
    },
    /// List stored instances.
    Instances {
        #[command(flatten)]
        store: StoreArg,
        /// Only instances in this status.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        /// Only this flow.
        #[arg(long)]
        flow: Option<String>,
        /// Only this version.
        #[arg(long)]
        version: Option<u32>,
        /// Only instances after this one (oldest first): the last id of the page before.
        #[arg(long)]
        after: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 1_000)]
        limit: usize,
    },
    /// Show one instance: state, status, error, context and journal.
    Show {
        /// The instance id.
        id: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Pause an instance: at once when it rests, after its running step otherwise.
    Pause(Instruct),
    /// Let a paused instance go on.
    Resume(Instruct),
    /// Cancel an instance: its completed steps are compensated.
    Cancel(Instruct),
    /// Try again an instance that needs a person (status manual).
    Retry(Instruct),
    /// Move a resting instance to another state of its flow.
    Skip {
        /// The instance id.
        id: String,
        /// The state to move it to.
        state: String,
        #[command(flatten)]
        store: StoreArg,
        #[command(flatten)]
        sources: SourcesArg,
        #[command(flatten)]
        actor: ActorArg,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// An operator instruction's arguments.
#[derive(Debug, Args)]
pub(crate) struct Instruct {
    /// The instance id.
    pub(crate) id: String,
    #[command(flatten)]
    pub(crate) store: StoreArg,
    #[command(flatten)]
    pub(crate) actor: ActorArg,
}

/// A status by its stored name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StatusArg {
    Running,
    Waiting,
    Paused,
    Manual,
    Completed,
    Compensating,
    Failed,
    Cancelled,
}

impl StatusArg {
    pub(crate) fn status(self) -> crate::Status {
        use crate::Status;
        match self {
            StatusArg::Running => Status::Running,
            StatusArg::Waiting => Status::Waiting,
            StatusArg::Paused => Status::Paused,
            StatusArg::Manual => Status::Manual,
            StatusArg::Completed => Status::Completed,
            StatusArg::Compensating => Status::Compensating,
            StatusArg::Failed => Status::Failed,
            StatusArg::Cancelled => Status::Cancelled,
        }
    }
}

fn parse_format(name: &str) -> Result<DiagramFormat, String> {
    name.parse()
        .map_err(|error: crate::diagram::UnknownFormat| error.to_string())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

/// How `simulate` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SimulationFormat {
    /// A text table: end states and the funnel.
    Table,
    /// The report as JSON.
    Json,
    /// A Mermaid diagram with the funnel's percentages on its edges.
    Mermaid,
}
