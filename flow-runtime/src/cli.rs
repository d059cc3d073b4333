//! `flowctl`: check flow documents, list and draw flows, read stored instances and give
//! operator instructions, from a command line, against any store URL.
//!
//! The `flowctl` binary (feature `cli`) knows the flows of documents and of stores. An
//! application whose flows are compiled in (`flow!`) offers the same command set from its
//! own binary, with its flows registered, so that `diagram` and `skip` know them too:
//!
//! ```no_run
//! use flow_runtime::prelude::*;
//! # #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
//! # pub struct Order;
//! # #[action(readonly)]
//! # async fn ship(_: &mut Context<Order>) -> Result<(), ActionError> { Ok(()) }
//! # flow! { pub flow Checkout: Order { start Paid; Paid => ship => Shipped; success Shipped; } }
//!
//! fn main() -> std::process::ExitCode {
//!     // `myapp ctl instances --store sqlite://app.db`, `myapp ctl diagram Checkout` …
//!     let mut args = std::env::args_os();
//!     let program = args.next();
//!     if std::env::args().nth(1).as_deref() == Some("ctl") {
//!         let _ = args.next();
//!         return flow_runtime::cli::Flowctl::new()
//!             .flow::<Checkout>()
//!             .run(program.into_iter().chain(args));
//!     }
//!     // … the application itself.
//!     std::process::ExitCode::SUCCESS
//! }
//! ```
//!
//! Exit codes: 0 done, 1 the command failed (an invalid document, an unknown instance, a
//! refused instruction), 2 the command line itself is wrong.

mod args;
mod catalog;
mod census;
mod check;
mod draw;
mod error;
mod flows;
mod instances;
mod operate;
mod report;
#[cfg(feature = "http")]
mod serve;
mod simulate;
mod time;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, Parser};
use flow_core::{Flow, FlowSpec};

pub use error::CliError;

use args::{Cli, Command, SimulationFormat};
use catalog::FlowCatalog;
use draw::FigureSource;
use operate::Instruction;
use report::Report;

use crate::engine::{Engine, EngineError};
use crate::store::{AnyStore, MemoryStore};

/// Builds the engine `check` loads documents into: the application's actions registered.
type LoaderFactory = Arc<dyn Fn() -> Result<Engine<MemoryStore>, EngineError> + Send + Sync>;

/// The command set, with the flows an application compiled in and, optionally, the engine
/// its documents are checked by.
#[derive(Clone, Default)]
pub struct Flowctl {
    compiled: Vec<FlowSpec>,
    loader: Option<LoaderFactory>,
    /// The flows `simulate` can run, by name.
    simulators: Vec<(&'static str, simulate::Simulator)>,
    /// What `serve` adds to its engine: the application's flows and actions.
    #[cfg(feature = "http")]
    serving: Option<serve::ServeSetup>,
}

impl std::fmt::Debug for Flowctl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flowctl")
            .field(
                "compiled",
                &self
                    .compiled
                    .iter()
                    .map(|spec| &spec.name)
                    .collect::<Vec<_>>(),
            )
            .field("checks_with_engine", &self.loader.is_some())
            .field(
                "simulates",
                &self
                    .simulators
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What a command printed.
enum Answer {
    /// A reading command's report.
    Report(Report),
    /// Text as it is (a diagram, a completion script).
    Raw(String),
    /// Nothing to print (a diagram written to a file).
    Quiet,
}

impl Flowctl {
    /// The command set without compiled flows: what the `flowctl` binary runs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers compiled flow `F`, so that commands know its definition.
    pub fn flow<F: Flow>(mut self) -> Self {
        self.compiled.push(F::spec());
        self
    }

    /// Registers compiled flow `F` like [`Flowctl::flow`], and lets `simulate` run it: its
    /// synthetic instances start from `F::Data::default()`.
    pub fn simulating<F: Flow>(mut self) -> Self
    where
        F::Data: crate::engine::FlowData + Default,
    {
        if !self.compiled.iter().any(|spec| spec.name == F::NAME) {
            self.compiled.push(F::spec());
        }
        self.simulators.push((F::NAME, simulate::simulator::<F>()));
        self
    }

    /// Checks documents (`check`) by loading them into the engine `engine` builds, on a
    /// memory store of its own: the engine's one loader, with the application's registered
    /// actions, so that a misspelt action or an instruction it cannot return is reported
    /// too. Without it, `check` runs the document reader and flow validator alone.
    pub fn checking_with(
        mut self,
        engine: impl Fn() -> Result<Engine<MemoryStore>, EngineError> + Send + Sync + 'static,
    ) -> Self {
        self.loader = Some(Arc::new(engine));
        self
    }

    /// Serves (`serve`) an engine with what `setup` adds to its builder: the application's
    /// compiled flows and its actions, so its documents' flows find them by name.
    #[cfg(feature = "http")]
    pub fn serving_with(
        mut self,
        setup: impl Fn(crate::EngineBuilder<AnyStore>) -> crate::EngineBuilder<AnyStore>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.serving = Some(Arc::new(setup));
        self
    }

    /// Runs the command line `args` (the program's name first) on a runtime of its own,
    /// printing to standard output and errors to standard error.
    pub fn run<I, T>(&self, args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                eprintln!("error: cannot start the async runtime: {error}");
                return ExitCode::FAILURE;
            }
        };
        runtime.block_on(self.run_async(args))
    }

    /// [`Flowctl::run`] inside a runtime the caller already has.
    pub async fn run_async<I, T>(&self, args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let cli = match Cli::try_parse_from(args) {
            Ok(cli) => cli,
            Err(error) => {
                // Help and version go to stdout with success; mistakes to stderr with 2.
                let _ = error.print();
                return if error.use_stderr() {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
        };
        let json = cli.json;
        let (answer, succeeded) = match self.execute(cli).await {
            Ok(done) => done,
            Err(error) => {
                if json {
                    let body = serde_json::json!({ "error": error.to_string() });
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&body).unwrap_or_default()
                    );
                } else {
                    eprintln!("error: {error}");
                }
                return ExitCode::FAILURE;
            }
        };
        let text = match answer {
            Answer::Report(report) => report.render(json),
            Answer::Raw(text) => text,
            Answer::Quiet => String::new(),
        };
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`flowctl instances | head`) is not the command's failure.
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
        if succeeded {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }

    async fn execute(&self, cli: Cli) -> Result<(Answer, bool), CliError> {
        let report = |report: Report| Ok((Answer::Report(report), true));
        match cli.command {
            Command::Check { documents } => {
                let loader = match &self.loader {
                    Some(build) => Some(build()?),
                    None => None,
                };
                let (report, valid) = check::check(&documents, loader.as_ref()).await?;
                if !valid && !cli.json {
                    // Diagnostics are errors: they go where errors go.
                    eprint!("{}", report.render(false));
                    return Ok((Answer::Quiet, false));
                }
                Ok((Answer::Report(report), valid))
            }
            Command::Simulate {
                flow,
                instances,
                seed,
                rates,
                sources,
                format,
            } => {
                let request = simulate::SimulationRequest {
                    instances,
                    seed,
                    rates: rates.map(simulate::read_rates).transpose()?,
                    progress: !cli.json && format == SimulationFormat::Table,
                };
                let compiled = self.simulators.iter().find(|(name, _)| *name == flow);
                let report = match (compiled, sources.documents.as_slice()) {
                    (Some((_, simulator)), _) => simulator(request).await?,
                    (None, [document, ..]) => {
                        simulate::simulate_document(document, &flow, request).await?
                    }
                    (None, []) => {
                        return Err(CliError::NotSimulated {
                            flow,
                            registered: self
                                .simulators
                                .iter()
                                .map(|(name, _)| (*name).to_owned())
                                .collect(),
                        });
                    }
                };
                let text = match (cli.json, format) {
                    (true, _) | (_, SimulationFormat::Json) => report.to_json(),
                    (_, SimulationFormat::Table) => report.to_table(),
                    (_, SimulationFormat::Mermaid) => report.mermaid.clone(),
                };
                Ok((Answer::Raw(text), true))
            }
            #[cfg(feature = "http")]
            Command::Serve {
                store,
                sources,
                addr,
            } => {
                serve::serve(
                    &store.store,
                    &sources.documents,
                    &addr,
                    self.serving.as_ref(),
                )
                .await?;
                Ok((Answer::Quiet, true))
            }
            Command::Flows { sources, store } => {
                let mut catalog = FlowCatalog::new(&self.compiled, &sources.documents)?;
                if let Some(url) = store {
                    let store = AnyStore::connect(&url).await?;
                    catalog.add_stored(&store, None).await?;
                }
                report(flows::list(&catalog))
            }
            Command::Diagram {
                flow,
                version,
                format,
                sources,
                store,
                stats,
                output,
            } => {
                let mut catalog = FlowCatalog::new(&self.compiled, &sources.documents)?;
                let store = match &store {
                    Some(url) => Some(AnyStore::connect(url).await?),
                    None => None,
                };
                if let Some(store) = &store {
                    catalog.add_stored(store, Some(&flow)).await?;
                }
                let entry = catalog.find(&flow, version)?;
                let source = match stats.as_deref() {
                    None => FigureSource::None,
                    Some("store") => {
                        FigureSource::Store(store.as_ref().ok_or(CliError::StatsNeedStore)?)
                    }
                    Some(path) => FigureSource::Snapshot(std::path::Path::new(path)),
                };
                let diagram = draw::draw(entry, format, source).await?;
                match output {
                    Some(path) => {
                        std::fs::write(&path, &diagram).map_err(|error| CliError::Write {
                            path: path.clone(),
                            reason: error.to_string(),
                        })?;
                        Ok((Answer::Quiet, true))
                    }
                    None if cli.json => report(Report {
                        text: diagram.clone(),
                        json: serde_json::json!({
                            "flow": entry.spec.name,
                            "version": entry.spec.version,
                            "format": format.name(),
                            "diagram": diagram,
                        }),
                    }),
                    None => Ok((Answer::Raw(diagram), true)),
                }
            }
            Command::Stats {
                store,
                flow,
                version,
                limit,
            } => {
                let opened = AnyStore::connect(&store.store).await?;
                report(census::census(&opened, flow.as_deref(), version, limit).await?)
            }
            Command::Instances {
                store,
                status,
                flow,
                version,
                after,
                limit,
            } => {
                let after = after
                    .map(|id| id.parse().map_err(|_| CliError::BadInstanceId(id)))
                    .transpose()?;
                let opened = AnyStore::connect(&store.store).await?;
                report(
                    instances::list(
                        &opened,
                        status.map(|s| s.status()),
                        flow.as_deref(),
                        version,
                        after,
                        limit,
                    )
                    .await?,
                )
            }
            Command::Show { id, store } => {
                let opened = AnyStore::connect(&store.store).await?;
                report(instances::show(&opened, &store.store, &id).await?)
            }
            Command::Pause(args) => self.instruct(args, Instruction::Pause).await,
            Command::Resume(args) => self.instruct(args, Instruction::Resume).await,
            Command::Cancel(args) => self.instruct(args, Instruction::Cancel).await,
            Command::Retry(args) => self.instruct(args, Instruction::Retry).await,
            Command::Skip {
                id,
                state,
                store,
                sources,
                actor,
            } => {
                let catalog = FlowCatalog::new(&self.compiled, &sources.documents)?;
                let opened = AnyStore::connect(&store.store).await?;
                report(
                    operate::skip(opened, &store.store, &id, &state, &catalog, &actor.actor)
                        .await?,
                )
            }
            Command::Completions { shell } => {
                let mut command = Cli::command();
                let name = command.get_name().to_owned();
                let mut script = Vec::new();
                clap_complete::generate(shell, &mut command, name, &mut script);
                Ok((
                    Answer::Raw(String::from_utf8_lossy(&script).into_owned()),
                    true,
                ))
            }
        }
    }

    async fn instruct(
        &self,
        args: args::Instruct,
        instruction: Instruction,
    ) -> Result<(Answer, bool), CliError> {
        let store = AnyStore::connect(&args.store.store).await?;
        let report = operate::instruct(
            store,
            &args.store.store,
            &args.id,
            instruction,
            &args.actor.actor,
        )
        .await?;
        Ok((Answer::Report(report), true))
    }
}

/// The `flowctl` binary: [`Flowctl::new`] on the process's arguments.
pub fn main() -> ExitCode {
    Flowctl::new().run(std::env::args_os())
}
