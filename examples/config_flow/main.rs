//! A flow that arrives as data: `loan.toml` assembles a loan application from Rust
//! `#[action]`s the program registers and one rhai script action (the risk score) the
//! document defines. The example loads the document into an engine, runs applications
//! through it on the store `FLOW_STORE` names (memory by default) and prints each path.
//! A document with mistakes is refused with every diagnostic at its line, and exit code 1.
//!
//! `cargo run --example config_flow`                                     the bundled loan.toml
//! `cargo run --example config_flow -- examples/config_flow/broken.toml` any other document
//! `cargo run --example config_flow -- --export`                         `QuickLoan` as TOML
//! `cargo run --example config_flow -- ctl check examples/config_flow/broken.toml`
//!   the `flowctl` command set, with this program's compiled flow and actions (`ctl --help`)

#[path = "../common/report.rs"]
mod report;
#[path = "../common/store.rs"]
mod store;

mod actions;
mod config;
mod flows;
mod model;

use std::path::PathBuf;
use std::process::ExitCode;

use flow_runtime::document::flow_to_toml;
use flow_runtime::store::Store;
use flow_runtime::{
    DocumentOrigin, Engine, FlowDocument, LoadError, LoadedFlow, Stats, Status, render_mermaid,
};

use flows::QuickLoan;
use model::Loan;

/// What the command line asks for.
enum Command {
    /// Load a document (the bundled one without a path) and run the applications on it.
    Run(Option<PathBuf>),
    /// Print the compiled `QuickLoan` flow as a document.
    Export,
}

const USAGE: &str = "usage: config_flow [FILE.toml | FILE.json | --export]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|first| first == "ctl")
    {
        return ctl().await;
    }
    let mut args = std::env::args_os().skip(1);
    let command = match (args.next(), args.next()) {
        (None, _) => Command::Run(None),
        (Some(arg), None) if arg == "--export" => Command::Export,
        (Some(arg), None) if !arg.to_string_lossy().starts_with('-') => {
            Command::Run(Some(PathBuf::from(arg)))
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Export => export(),
        Command::Run(path) => run(path).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The diagnostics say `error[…]` themselves, each at its line, and count the problems.
        Err(Failure::Load(LoadError::Invalid(errors))) => {
            eprintln!("{errors}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `config_flow ctl …`: `flowctl` with the compiled `QuickLoan` known, checking documents
/// with the engine's loader and this program's registered actions.
async fn ctl() -> ExitCode {
    let args = std::env::args_os()
        .enumerate()
        .filter(|(at, _)| *at != 1)
        .map(|(_, arg)| arg);
    flow_runtime::cli::Flowctl::new()
        .flow::<QuickLoan>()
        .checking_with(|| config::engine(flow_runtime::MemoryStore::new(), &Stats::default()))
        .run_async(args)
        .await
}

/// Why the example stopped.
#[derive(Debug)]
enum Failure {
    /// The document was not loaded.
    Load(LoadError),
    /// Anything else: the store, the engine, the export.
    Other(Box<dyn std::error::Error>),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Load(error) => error.fmt(f),
            Failure::Other(error) => error.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure::Other(Box::new(error))
    }
}

/// Prints `QuickLoan`, a `flow!` flow, as the document a business line can start from.
fn export() -> Result<(), Failure> {
    print!("{}", flow_to_toml::<QuickLoan>("Loan")?);
    Ok(())
}

async fn run(path: Option<PathBuf>) -> Result<(), Failure> {
    let stats = Stats::default();
    let engine = config::engine(store::from_env().await?, &stats)?;
    let bundled = || DocumentOrigin::named("examples/config_flow/loan.toml");
    let loaded = match &path {
        Some(path) => engine.load_document_file(path).await,
        None => {
            engine
                .load_document(config::BUNDLED_DOCUMENT, bundled())
                .await
        }
    }
    .map_err(Failure::Load)?;
    // Loaded, so it reads: read again only for the diagrams.
    let document = match &path {
        Some(path) => FlowDocument::read(path),
        None => FlowDocument::parse(config::BUNDLED_DOCUMENT, bundled()),
    }
    .map_err(|errors| Failure::Load(errors.into()))?;
    for flow in &loaded {
        run_applications(&engine, flow).await?;
        report::print_statistics(&stats.snapshot(), &flow.name, flow.version);
        println!();
        if let Some(definition) = document.flow(&flow.name, flow.version) {
            println!("{} v{} as a diagram:", flow.name, flow.version);
            println!("{}", render_mermaid(&definition.spec));
        }
    }
    Ok(())
}

/// Runs the demo applications through document flow `loaded`, approving those that wait
/// for review, and prints each path.
async fn run_applications<S: Store>(
    engine: &Engine<S>,
    loaded: &LoadedFlow,
) -> Result<(), Failure> {
    println!(
        "loaded {} v{} (definition {}…{})",
        loaded.name,
        loaded.version,
        &loaded.definition[..12],
        if loaded.new { "" } else { ", known already" }
    );
    println!();
    let flow = engine.document_flow::<Loan>(&loaded.name, Some(loaded.version))?;
    for application in config::demo_applications() {
        println!("{} ({} EUR):", application.applicant, application.amount);
        let mut outcome = engine.run_document(&flow, application).await?;
        if outcome.status == Status::Waiting {
            println!(
                "    waits in {}; the reviewer decides {}",
                outcome.state,
                config::REVIEW_DECISION
            );
            outcome = engine
                .signal_document::<Loan>(outcome.instance, config::REVIEW_DECISION)
                .await?;
        }
        if matches!(outcome.status, Status::Running | Status::Compensating) {
            outcome = engine.wait_document_ended::<Loan>(outcome.instance).await?;
        }
        report::print_path(&outcome.journal);
        report::print_end(outcome.state, outcome.status, outcome.error.as_ref());
        if !outcome.data.risk.is_empty() {
            println!("    risk: {}", outcome.data.risk);
        }
        if !outcome.data.effects.is_empty() {
            println!("    effects: {}", outcome.data.effects.join("; "));
        }
        println!();
    }
    Ok(())
}
