//! The document flows an engine runs: every definition loaded (by content hash, to their
//! end for the instances pinned to them) and, per flow version, the one new instances get.
//!
//! A definition is installed only after its whole document validated; installing never
//! touches a definition already there, so nothing running changes under an instance.

use std::any::Any;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use flow_core::{ActionSpec, FlowSpec};

use super::activation::FlowData;
use super::builder::state_shapes;
use super::document_flow::{BuildError, DocumentFlow};
use super::inner::Resume;
use super::machine::FlowMachine;
use super::resume::FlowResume;
use crate::actions::{ActionRegistry, ActionSet, DynAction};
use crate::document::StepOverride;
use crate::stats::Stats;
use crate::store::Store;

/// One installed definition.
pub(crate) struct InstalledFlow<S: Store> {
    pub(crate) name: &'static str,
    pub(crate) version: u32,
    /// The content hash of the definition.
    pub(crate) hash: &'static str,
    /// The definition's spec, its action catalog known.
    pub(crate) spec: FlowSpec,
    /// The name documents give the data type.
    pub(crate) data_name: String,
    /// The `DocumentFlow<D>` of the definition's data type.
    pub(crate) flow: Box<dyn Any + Send + Sync>,
    pub(crate) resume: Arc<dyn Resume<S>>,
    pub(crate) stats: Option<crate::stats::FlowStats>,
}

/// Every definition loaded, and which one each flow version starts new instances on.
pub(crate) struct Documents<S: Store> {
    by_hash: HashMap<&'static str, InstalledFlow<S>>,
    current: HashMap<(String, u32), &'static str>,
}

impl<S: Store> Default for Documents<S> {
    fn default() -> Self {
        Self {
            by_hash: HashMap::new(),
            current: HashMap::new(),
        }
    }
}

impl<S: Store> Documents<S> {
    /// The definition with content hash `hash`.
    pub(crate) fn get(&self, hash: &str) -> Option<&InstalledFlow<S>> {
        self.by_hash.get(hash)
    }

    /// The definition new instances of `name` get: of `version`, or of the highest version.
    pub(crate) fn current(&self, name: &str, version: Option<u32>) -> Option<&InstalledFlow<S>> {
        let hash = match version {
            Some(version) => self.current.get(&(name.to_owned(), version))?,
            None => {
                self.current
                    .iter()
                    .filter(|((flow, _), _)| flow == name)
                    .max_by_key(|((_, version), _)| *version)?
                    .1
            }
        };
        self.by_hash.get(hash)
    }

    /// The specs of every definition loaded.
    pub(crate) fn specs(&self) -> impl Iterator<Item = &FlowSpec> {
        self.by_hash.values().map(|installed| &installed.spec)
    }

    /// The names of the flows loaded.
    pub(crate) fn names(&self) -> impl Iterator<Item = String> + '_ {
        self.current.keys().map(|(name, _)| name.clone())
    }

    /// The versions loaded of `name`, lowest first.
    pub(crate) fn versions(&self, name: &str) -> Vec<u32> {
        let mut versions: Vec<u32> = self
            .current
            .keys()
            .filter(|(flow, _)| flow == name)
            .map(|(_, version)| *version)
            .collect();
        versions.sort_unstable();
        versions
    }

    /// Adds `installed` under `hash`; with `make_current`, new instances of its flow version
    /// get it from now on. A hash already there keeps its installed flow.
    pub(crate) fn install(&mut self, installed: InstalledFlow<S>, make_current: bool) {
        let hash = installed.hash;
        let key = (installed.name.to_owned(), installed.version);
        self.by_hash.entry(hash).or_insert(installed);
        if make_current {
            self.current.insert(key, hash);
        }
    }

    /// Makes the installed definition `hash` the one new instances of its flow version get.
    pub(crate) fn make_current(&mut self, hash: &str) {
        if let Some((key, installed)) = self.by_hash.get_key_value(hash) {
            self.current
                .insert((installed.name.to_owned(), installed.version), key);
        }
    }
}

/// What a document says about one flow, ready to install: the validated spec (its action
/// catalog known), the per-state overrides and the content hash of its canonical text.
pub(crate) struct Definition<'a> {
    pub(crate) spec: &'a FlowSpec,
    pub(crate) overrides: &'a [StepOverride],
    pub(crate) hash: &'a str,
}

/// A data type document flows can run over, erased: builds its flows and knows its actions.
pub(crate) trait DataType<S: Store>: Send + Sync {
    /// The metadata of every action registered over the type.
    fn catalog(&self, registry: &ActionRegistry) -> Vec<ActionSpec>;

    /// Builds `definition` over the type, with `extra` actions (the document's scripts, as
    /// `Arc<dyn DynAction<D>>` made by [`DataType::script_action`]) beside the registered ones.
    fn install(
        &self,
        registry: &ActionRegistry,
        definition: Definition<'_>,
        extra: Vec<Box<dyn Any + Send>>,
        stats: Option<&Stats>,
    ) -> Result<InstalledFlow<S>, BuildError>;

    /// A script action over the type, erased for [`DataType::install`].
    #[cfg(feature = "script")]
    fn script_action(&self, script: Arc<super::script_action::ScriptAction>)
    -> Box<dyn Any + Send>;
}

/// The [`DataType`] of `D`.
pub(crate) struct TypedData<D>(PhantomData<fn() -> D>);

impl<D> TypedData<D> {
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<D: FlowData, S: Store> DataType<S> for TypedData<D> {
    fn catalog(&self, registry: &ActionRegistry) -> Vec<ActionSpec> {
        registry
            .actions::<D>()
            .map(|actions| actions.specs().collect())
            .unwrap_or_default()
    }

    fn install(
        &self,
        registry: &ActionRegistry,
        definition: Definition<'_>,
        extra: Vec<Box<dyn Any + Send>>,
        stats: Option<&Stats>,
    ) -> Result<InstalledFlow<S>, BuildError> {
        let mut actions: ActionSet<D> = registry.actions::<D>().cloned().unwrap_or_default();
        let data_name = registry.data_name::<D>().unwrap_or("json").to_owned();
        for action in extra {
            let Ok(action) = action.downcast::<Arc<dyn DynAction<D>>>() else {
                return Err(BuildError {
                    flow: definition.spec.name.clone(),
                    reason: "a script action was built for another data type".to_owned(),
                });
            };
            actions
                .insert(*action, &data_name)
                .map_err(|error| BuildError {
                    flow: definition.spec.name.clone(),
                    reason: error.to_string(),
                })?;
        }
        let flow = DocumentFlow::<D>::build(
            definition.spec,
            &actions,
            definition.overrides,
            definition.hash,
        )?;
        let stats = stats.and_then(|stats| {
            stats.register_flow_if_same_shape(
                flow.name(),
                flow.version(),
                &state_shapes(flow.table()),
            )
        });
        Ok(InstalledFlow {
            name: flow.name(),
            version: flow.version(),
            hash: flow.definition(),
            spec: definition.spec.clone(),
            data_name,
            resume: Arc::new(FlowResume {
                flow: flow.clone(),
                stats: stats.clone(),
            }),
            stats,
            flow: Box::new(flow),
        })
    }

    #[cfg(feature = "script")]
    fn script_action(
        &self,
        script: Arc<crate::engine::script_action::ScriptAction>,
    ) -> Box<dyn Any + Send> {
        let action: Arc<dyn DynAction<D>> = Arc::new(
            crate::engine::script_action::ScriptActionOver::<D>::new(script),
        );
        Box::new(action)
    }
}
