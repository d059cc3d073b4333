//! The one document loader: parse, compile scripts, check every flow with the validator and
//! the engine's registered actions, and only when the whole document is valid, store each
//! flow's definition by content hash and install it. A document read from a file and a
//! definition read back from the store by its hash go through the same steps.

use std::sync::Arc;

use flow_core::{ActionCatalog, ActionSpec, Element, FlowSpec};
use sha2::{Digest, Sha256};

use super::Engine;
use super::documents::{DataType, Definition};
use super::inner::Inner;
use crate::document::{
    DocumentDiagnostic, DocumentErrors, DocumentOrigin, FlowDefinition, FlowDocument, ReadDocument,
    ScriptActionDef,
};
use crate::routing::Router;
use crate::store::{Store, StoreError, StoredDefinition};

/// Why a document was not loaded. Nothing of it was registered, and nothing running changed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The document has problems, each with its line and column.
    #[error(transparent)]
    Invalid(#[from] DocumentErrors),
    /// The store could not keep a definition.
    #[error("cannot store the document's definitions: {0}")]
    Store(#[from] StoreError),
}

/// Why a definition stored by content hash could not be loaded back.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoredDefinitionError {
    /// No definition has the hash.
    #[error("no definition has this content hash")]
    NotStored,
    /// The stored body does not hash to its key.
    #[error("the stored body does not match its content hash")]
    Corrupt,
    /// The definition does not load in this engine (an action it names is not registered
    /// here, say).
    #[error("{0}")]
    Invalid(DocumentErrors),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One flow of a loaded document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedFlow {
    /// The flow's name.
    pub name: String,
    /// Its version.
    pub version: u32,
    /// The content hash of its definition: instances started from now on are pinned to it.
    pub definition: String,
    /// Whether the definition was new to this engine (false when the same content was
    /// loaded before).
    pub new: bool,
}

/// A flow of a document that passed every check, ready to store and install.
struct Checked<'a, S: Store> {
    flow: &'a FlowDefinition,
    /// The spec with its action catalog.
    spec: FlowSpec,
    data: Arc<dyn DataType<S>>,
    canonical: String,
    hash: String,
}

impl<S: Store> Engine<S> {
    /// Loads the flows of a document (TOML, or JSON), read from `text`, and makes each the
    /// definition new instances of its flow version get. The whole document is checked
    /// first: on any problem every diagnostic is returned, with its line, and nothing is
    /// registered. Instances already running keep the definitions they started with.
    pub async fn load_document(
        &self,
        text: &str,
        origin: DocumentOrigin,
    ) -> Result<Vec<LoadedFlow>, LoadError> {
        let read = FlowDocument::read_structure(text, origin);
        install_document(&self.inner, read, true).await
    }

    /// [`Engine::load_document`] of the file at `path`; script files it names are read
    /// from the file's folder.
    pub async fn load_document_file(
        &self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Vec<LoadedFlow>, LoadError> {
        let (text, origin) = FlowDocument::read_text(path.as_ref())?;
        self.load_document(&text, origin).await
    }
}

/// Loads the definition stored under `hash` into the engine, not as any flow version's
/// current one: it is there for the instances pinned to it.
pub(crate) async fn load_stored<S: Store>(
    inner: &Inner<S>,
    hash: &str,
) -> Result<(), StoredDefinitionError> {
    let stored = inner
        .store
        .load_definition(hash)
        .await?
        .ok_or(StoredDefinitionError::NotStored)?;
    if content_hash(&stored.body) != hash {
        return Err(StoredDefinitionError::Corrupt);
    }
    let origin = DocumentOrigin::named(format!("<definition {}>", super::short_hash(hash)));
    let read = FlowDocument::read_structure(&stored.body, origin);
    match install_document(inner, read, false).await {
        Ok(_) => Ok(()),
        Err(LoadError::Invalid(errors)) => Err(StoredDefinitionError::Invalid(errors)),
        Err(LoadError::Store(error)) => Err(StoredDefinitionError::Store(error)),
    }
}

/// Checks every flow of `document`, then stores and installs them all; `make_current`
/// makes each its flow version's definition for new instances.
async fn install_document<S: Store>(
    inner: &Inner<S>,
    read: ReadDocument,
    make_current: bool,
) -> Result<Vec<LoadedFlow>, LoadError> {
    let ReadDocument {
        document,
        clean,
        mut diagnostics,
    } = read;
    let document = &document;
    let scripts = scripts::compile(inner, document, &mut diagnostics);
    let script_specs: Vec<ActionSpec> = document.actions.iter().map(script_spec).collect();
    let mut checked = Vec::with_capacity(document.flows.len());
    for (index, flow) in document.flows.iter().enumerate() {
        // A flow that did not read cleanly was reported already; validating it would
        // report follow-on problems of the same mistakes.
        if !clean[index] {
            continue;
        }
        if let Some(ready) = check(
            inner,
            document,
            index,
            flow,
            &script_specs,
            &mut diagnostics,
        ) {
            checked.push(ready);
        }
    }
    check_routes(inner, document, &mut diagnostics);
    check_overrides(inner, document, &mut diagnostics);
    check_chaos(inner, document, &checked, &mut diagnostics);
    check_plugins(inner, document, &mut diagnostics);
    if !diagnostics.is_empty() {
        // A stable sort: problems on one token keep the order they were found in.
        diagnostics.sort_by_key(|diagnostic| (diagnostic.line, diagnostic.column));
        return Err(DocumentErrors { diagnostics }.into());
    }
    // Stored before installed: an instance pinned to a definition must always find it.
    for flow in &checked {
        inner
            .store
            .save_definition(&StoredDefinition {
                hash: flow.hash.clone(),
                flow: flow.spec.name.clone(),
                version: flow.spec.version,
                body: flow.canonical.clone(),
            })
            .await?;
    }
    let mut loaded = Vec::with_capacity(checked.len());
    for flow in checked {
        let known = inner.documents().get(&flow.hash).is_some();
        if !known {
            let extra = scripts::actions_over(flow.data.as_ref(), &scripts);
            let installed = flow
                .data
                .install(
                    &inner.actions,
                    Definition {
                        spec: &flow.spec,
                        overrides: &flow.flow.overrides,
                        hash: &flow.hash,
                    },
                    extra,
                    inner.stats.as_ref(),
                )
                .map_err(|error| DocumentErrors {
                    diagnostics: vec![flow.flow.problem(
                        Element::Flow,
                        "document::build",
                        error.to_string(),
                        None,
                    )],
                })?;
            inner.documents_mut().install(installed, make_current);
        } else if make_current {
            inner.documents_mut().make_current(&flow.hash);
        }
        loaded.push(LoadedFlow {
            name: flow.spec.name.clone(),
            version: flow.spec.version,
            definition: flow.hash,
            new: !known,
        });
    }
    if make_current && !document.overrides.is_empty() {
        *inner
            .retry_overrides
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Arc::new(document.overrides.clone());
        let timeouts = document
            .overrides
            .iter()
            .any(|found| found.timeout.is_some());
        inner
            .timeout_overrides
            .store(timeouts, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(overrides = document.overrides.len(), "overrides applied");
    }
    if make_current && document.is_configuration() {
        apply_chaos_and_plugins(inner, document);
    }
    if make_current && let Some(first) = document.routes.first() {
        let router = document.routes.iter().fold(Router::new(), |router, route| {
            router.kind(route.kind.clone(), route.routes.clone())
        });
        let version = inner.apply_routes(router, Some(content_hash(first.document_text())));
        tracing::info!(version, kinds = document.routes.len(), "routes applied");
    }
    Ok(loaded)
}

/// Checks that every variant of the document's routes is served by a flow version the
/// engine runs: compiled, loaded, or defined in the same document.
fn check_routes<S: Store>(
    inner: &Inner<S>,
    document: &FlowDocument,
    diagnostics: &mut Vec<DocumentDiagnostic>,
) {
    for route in &document.routes {
        for variant in route.variants() {
            let in_document = document
                .flows
                .iter()
                .any(|flow| flow.spec.name == variant.flow && flow.spec.version == variant.version);
            let known = in_document
                || inner.by_name(&variant.flow, variant.version).is_some()
                || inner
                    .documents()
                    .current(&variant.flow, Some(variant.version))
                    .is_some();
            if known {
                continue;
            }
            let mut names: Vec<String> = inner
                .flows
                .values()
                .map(|registered| registered.name.to_owned())
                .chain(document.flows.iter().map(|flow| flow.spec.name.clone()))
                .chain(inner.documents().names())
                .collect();
            names.sort();
            names.dedup();
            let help =
                match flow_core::did_you_mean(&variant.flow, names.iter().map(String::as_str)) {
                    Some(best) if best != variant.flow => format!("did you mean `{best}`?"),
                    _ => format!(
                        "the engine runs {}",
                        names
                            .iter()
                            .map(|name| format!("`{name}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
            diagnostics.extend(route.variant_problem(
                variant,
                "config::unknown_flow",
                format!(
                    "variant `{}` names flow `{}` v{}, which this engine does not run",
                    variant.name, variant.flow, variant.version
                ),
                Some(help),
            ));
        }
    }
}

/// Checks every chaos rule against the flows the engine runs: compiled, loaded, or in
/// this document (`checked`, with their action catalogs).
fn check_chaos<S: Store>(
    inner: &Inner<S>,
    document: &FlowDocument,
    checked: &[Checked<'_, S>],
    diagnostics: &mut Vec<DocumentDiagnostic>,
) {
    if document.chaos.is_empty() {
        return;
    }
    let compiled: Vec<FlowSpec> = inner
        .flows
        .values()
        .map(|registered| registered.table.to_spec())
        .collect();
    let documents = inner.documents();
    let specs: Vec<&FlowSpec> = compiled
        .iter()
        .chain(checked.iter().map(|flow| &flow.spec))
        .chain(documents.specs())
        .collect();
    for definition in &document.chaos {
        for problem in crate::chaos::flow_problems(&definition.rule, &specs) {
            diagnostics.push(definition.diagnostic(problem));
        }
    }
}

/// Checks that every plugin switch names an installed plugin.
fn check_plugins<S: Store>(
    inner: &Inner<S>,
    document: &FlowDocument,
    diagnostics: &mut Vec<DocumentDiagnostic>,
) {
    for switch in &document.plugins {
        if inner.plugins.is_enabled(&switch.name).is_some() {
            continue;
        }
        let names: Vec<&str> = inner.plugins.names().collect();
        let help = match flow_core::did_you_mean(&switch.name, names.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None if names.is_empty() => "the engine has no plugins installed".to_owned(),
            None => format!(
                "the installed plugins are {}",
                names
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        diagnostics.push(switch.problem(
            "config::unknown_plugin",
            format!("no plugin `{}` is installed", switch.name),
            Some(help),
        ));
    }
}

/// Puts the document's chaos and plugin switches in force (they were checked).
fn apply_chaos_and_plugins<S: Store>(inner: &Inner<S>, document: &FlowDocument) {
    let config = document
        .chaos
        .iter()
        .fold(crate::chaos::ChaosConfig::new(), |config, definition| {
            config.rule(definition.rule.clone())
        });
    inner.chaos.set(crate::chaos::ChaosPlan::unchecked(&config));
    let switches: Vec<(String, bool)> = document
        .plugins
        .iter()
        .map(|switch| (switch.name.clone(), switch.enabled))
        .collect();
    // Every name was checked against the installed plugins.
    let _ = inner.plugins.switch(&switches);
    tracing::info!(
        chaos_rules = document.chaos.len(),
        plugin_switches = switches.len(),
        "chaos and plugin switches applied"
    );
}

/// Checks that every override names a flow the engine runs and an action of that flow.
fn check_overrides<S: Store>(
    inner: &Inner<S>,
    document: &FlowDocument,
    diagnostics: &mut Vec<DocumentDiagnostic>,
) {
    for found in &document.overrides {
        let wanted = |name: &str, version: u32| {
            name == found.flow && found.version.is_none_or(|wanted| wanted == version)
        };
        // The actions of every matching flow version: compiled, loaded, or in this document.
        let mut actions: Vec<String> = Vec::new();
        let mut matched = false;
        for registered in inner.flows.values() {
            if wanted(registered.name, registered.version) {
                matched = true;
                actions.extend(registered.actions.iter().map(|action| (*action).to_owned()));
            }
        }
        let documents = inner.documents();
        for flow in document
            .flows
            .iter()
            .map(|flow| &flow.spec)
            .chain(documents.specs())
        {
            if wanted(&flow.name, flow.version) {
                matched = true;
                actions.extend(flow.states.iter().filter_map(|state| match &state.kind {
                    flow_core::StateKind::Step(step) => Some(step.action.clone()),
                    _ => None,
                }));
            }
        }
        drop(documents);
        if !matched {
            let version = found.version.map(|v| format!(" v{v}")).unwrap_or_default();
            diagnostics.push(found.problem(
                false,
                "config::unknown_flow",
                format!(
                    "the override names flow `{}`{version}, which this engine does not run",
                    found.flow
                ),
                None,
            ));
            continue;
        }
        if !actions.contains(&found.action) {
            let help =
                match flow_core::did_you_mean(&found.action, actions.iter().map(String::as_str)) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("the flow's actions are {}", actions.join(", ")),
                };
            diagnostics.push(found.problem(
                true,
                "config::unknown_action",
                format!("flow `{}` runs no action `{}`", found.flow, found.action),
                Some(help),
            ));
        }
    }
}

/// Checks one flow against the engine: its data type, its name, and the validator with the
/// actions registered for its data and the document's scripts.
fn check<'a, S: Store>(
    inner: &Inner<S>,
    document: &FlowDocument,
    index: usize,
    flow: &'a FlowDefinition,
    script_specs: &[ActionSpec],
    diagnostics: &mut Vec<DocumentDiagnostic>,
) -> Option<Checked<'a, S>> {
    let spec = &flow.spec;
    let mut fine = true;
    if inner.by_name(&spec.name, spec.version).is_some() {
        diagnostics.push(flow.problem(
            Element::Flow,
            "document::compiled_flow",
            format!(
                "flow `{}` v{} is compiled into this program",
                spec.name, spec.version
            ),
            Some("give the document flow another version or another name".to_owned()),
        ));
        fine = false;
    }
    let data = inner
        .actions
        .data_type(&flow.data)
        .and_then(|type_id| inner.data_types.get(&type_id));
    let Some(data) = data else {
        let help = match flow_core::did_you_mean(&flow.data, inner.actions.data_names()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "register it with `.data::<{}>(\"{}\")` or `.action::<{}, _>()`; known: {}",
                flow.data,
                flow.data,
                flow.data,
                inner.actions.data_names().collect::<Vec<_>>().join(", ")
            ),
        };
        diagnostics.push(flow.data_problem(
            "document::unknown_data",
            format!(
                "flow `{}` runs over unknown data `{}`",
                spec.name, flow.data
            ),
            Some(help),
        ));
        return None;
    };
    let mut catalog = data.catalog(&inner.actions);
    for script in script_specs {
        if catalog.iter().any(|action| action.name == script.name) {
            diagnostics.push(flow.problem(
                Element::Flow,
                "document::action_name_taken",
                format!(
                    "script action `{}` has the name of a registered action over `{}`",
                    script.name, flow.data
                ),
                Some("rename the script action".to_owned()),
            ));
            fine = false;
        }
    }
    catalog.extend(script_specs.iter().cloned());
    let mut with_catalog = flow.clone();
    with_catalog.spec.actions = ActionCatalog::Known(catalog);
    let found = with_catalog.validate();
    fine &= found.is_empty();
    diagnostics.extend(found);
    let canonical = document.canonical(index)?;
    if !fine {
        return None;
    }
    Some(Checked {
        flow,
        hash: content_hash(&canonical),
        canonical,
        spec: with_catalog.spec,
        data: Arc::clone(data),
    })
}

/// What the validator knows of a script action.
fn script_spec(script: &ScriptActionDef) -> ActionSpec {
    ActionSpec {
        name: script.name.clone(),
        instructions: script.instructions.clone(),
        compensation: script
            .compensate
            .as_ref()
            .map(|_| compensation_name(&script.name)),
        effect: script.effect,
        retry: script.retry,
        timeout: script.timeout,
    }
}

/// The name a script action's compensation is journaled under.
pub(crate) fn compensation_name(action: &str) -> String {
    format!("{action}.compensate")
}

/// Script actions compiled once per document load, when the `script` feature is on.
#[cfg(feature = "script")]
mod scripts {
    use std::any::Any;
    use std::sync::Arc;

    use super::super::documents::DataType;
    use super::super::inner::Inner;
    use super::super::script_action::ScriptAction;
    use crate::document::{DocumentDiagnostic, FlowDocument, ScriptSource};
    use crate::script::{Script, ScriptError, ScriptFns};
    use crate::store::Store;

    /// Compiles every script action of `document`; each syntax error is a diagnostic at
    /// its line in the document (or script file).
    pub(super) fn compile<S: Store>(
        inner: &Inner<S>,
        document: &FlowDocument,
        diagnostics: &mut Vec<DocumentDiagnostic>,
    ) -> Vec<Arc<ScriptAction>> {
        let runtime = &inner.scripts;
        let mut compiled = Vec::new();
        for action in &document.actions {
            let mut one = |source: &ScriptSource, name: &str| -> Option<Script> {
                match runtime.compile(name, &source.code) {
                    Ok(script) => Some(script),
                    Err(ScriptError::Syntax {
                        line,
                        column,
                        message,
                        ..
                    }) => {
                        diagnostics.push(source.diagnostic(
                            line,
                            column,
                            "script::syntax",
                            format!("script `{name}` does not compile: {message}"),
                            None,
                        ));
                        None
                    }
                }
            };
            let run = one(&action.run, &action.name);
            let compensate = action
                .compensate
                .as_ref()
                .map(|source| one(source, &super::compensation_name(&action.name)));
            let query = action
                .query
                .as_ref()
                .map(|source| one(source, &format!("{}.query", action.name)));
            let (Some(run), Some(compensate), Some(query)) =
                (run, compiled_if_any(compensate), compiled_if_any(query))
            else {
                continue;
            };
            compiled.push(Arc::new(ScriptAction::new(
                action,
                ScriptFns {
                    run,
                    compensate,
                    query,
                },
                Arc::clone(runtime),
            )));
        }
        compiled
    }

    /// `Some(None)` for a script the action does not have, `Some(Some(..))` for one that
    /// compiled, `None` for one that did not.
    fn compiled_if_any(script: Option<Option<Script>>) -> Option<Option<Script>> {
        match script {
            None => Some(None),
            Some(compiled) => compiled.map(Some),
        }
    }

    /// The scripts as actions over the data of `data`.
    pub(super) fn actions_over<S: Store>(
        data: &dyn DataType<S>,
        scripts: &[Arc<ScriptAction>],
    ) -> Vec<Box<dyn Any + Send>> {
        scripts
            .iter()
            .map(|script| data.script_action(Arc::clone(script)))
            .collect()
    }
}

/// Without the `script` feature a document's script actions cannot run: each is refused.
#[cfg(not(feature = "script"))]
mod scripts {
    use std::any::Any;

    use super::super::documents::DataType;
    use super::super::inner::Inner;
    use crate::document::{DocumentDiagnostic, FlowDocument};
    use crate::store::Store;

    /// No script runs in this build.
    pub(super) enum Never {}

    pub(super) fn compile<S: Store>(
        _inner: &Inner<S>,
        document: &FlowDocument,
        diagnostics: &mut Vec<DocumentDiagnostic>,
    ) -> Vec<Never> {
        for action in &document.actions {
            diagnostics.push(action.run.diagnostic(
                1,
                1,
                "script::disabled",
                format!(
                    "script action `{}` needs the `script` feature of flow-runtime",
                    action.name
                ),
                Some("build flow-runtime with `features = [\"script\"]`".to_owned()),
            ));
        }
        Vec::new()
    }

    pub(super) fn actions_over<S: Store>(
        _data: &dyn DataType<S>,
        _scripts: &[Never],
    ) -> Vec<Box<dyn Any + Send>> {
        Vec::new()
    }
}

/// The sha256 of `body`, as lowercase hex.
pub(crate) fn content_hash(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}
