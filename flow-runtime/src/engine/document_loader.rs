//! The one document loader: parse, compile scripts, check every flow with the validator and
//! the engine's registered actions, and only when the whole document is valid, store each
//! flow's definition by content hash and install it. A document read from a file and a
//! definition read back from the store by its hash go through the same steps.

use std::collections::HashMap;
use std::sync::Arc;

use flow_core::{ActionSpec, Element};
use sha2::{Digest, Sha256};

use super::Engine;
use super::documents::{DataType, Definition};
use super::inner::Inner;
use crate::document::{
    DocumentDiagnostic, DocumentErrors, DocumentOrigin, FlowDefinition, FlowDocument,
    ScriptActionDef,
};
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
    /// The document could not be read.
    #[error("cannot read `{path}`: {reason}")]
    Read {
        /// The file.
        path: String,
        /// What the system said.
        reason: String,
    },
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
struct Prepared<'a> {
    flow: &'a FlowDefinition,
    data: Arc<dyn DataTypeErased>,
    canonical: String,
    hash: String,
    scripts: Vec<&'a ScriptActionDef>,
}

/// [`DataType`] without its store parameter, for [`Prepared`].
trait DataTypeErased: Send + Sync {}

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
        let document = FlowDocument::parse(text, origin)?;
        install_document(&self.inner, &document, true).await
    }

    /// [`Engine::load_document`] of the file at `path`; script files it names are read
    /// from the file's folder.
    pub async fn load_document_file(
        &self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Vec<LoadedFlow>, LoadError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| LoadError::Read {
            path: path.display().to_string(),
            reason: error.to_string(),
        })?;
        self.load_document(&text, DocumentOrigin::file(path)).await
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
    let document =
        FlowDocument::parse(&stored.body, origin).map_err(StoredDefinitionError::Invalid)?;
    match install_document(inner, &document, false).await {
        Ok(_) => Ok(()),
        Err(LoadError::Invalid(errors)) => Err(StoredDefinitionError::Invalid(errors)),
        Err(LoadError::Store(error)) => Err(StoredDefinitionError::Store(error)),
        Err(error @ LoadError::Read { .. }) => {
            Err(StoredDefinitionError::Invalid(DocumentErrors {
                diagnostics: vec![DocumentDiagnostic::plain(
                    "<definition>",
                    "document::read",
                    error.to_string(),
                )],
            }))
        }
    }
}

/// Checks every flow of `document`, then stores and installs them all; `make_current`
/// makes each its flow version's definition for new instances.
async fn install_document<S: Store>(
    inner: &Inner<S>,
    document: &FlowDocument,
    make_current: bool,
) -> Result<Vec<LoadedFlow>, LoadError> {
    let mut diagnostics = Vec::new();
    let scripts = compile_scripts(inner, document, &mut diagnostics);
    let mut prepared = Vec::new();
    for flow in &document.flows {
        if let Some(ready) = prepare(inner, document, flow, &mut diagnostics) {
            prepared.push(ready);
        }
    }
    if !diagnostics.is_empty() {
        return Err(DocumentErrors { diagnostics }.into());
    }
    // Stored before installed: an instance pinned to a definition must always find it.
    for (flow, hash, canonical) in &prepared {
        inner
            .store
            .save_definition(&StoredDefinition {
                hash: hash.clone(),
                flow: flow.spec.name.clone(),
                version: flow.spec.version,
                body: canonical.clone(),
            })
            .await?;
    }
    let mut loaded = Vec::with_capacity(prepared.len());
    for (flow, hash, _) in prepared {
        let new = inner.documents().get(&hash).is_none();
        if new {
            let data = data_type_of(inner, flow).expect("checked by prepare");
            let extra = flow_scripts(data.as_ref(), document, flow, &scripts);
            let installed = data
                .install(
                    &inner.actions,
                    Definition {
                        spec: &with_catalog(inner, document, flow, data.as_ref()),
                        overrides: &flow.overrides,
                        hash: &hash,
                    },
                    extra,
                    inner.stats.as_ref(),
                )
                .map_err(|error| DocumentErrors {
                    diagnostics: vec![flow.diagnostic_at(
                        Element::Flow,
                        "document::build",
                        error.to_string(),
                    )],
                })?;
            let key: &'static str = installed_hash(&installed);
            inner.documents_mut().install(key, installed, make_current);
        } else if make_current {
            inner.documents_mut().make_current(&hash);
        }
        loaded.push(LoadedFlow {
            name: flow.spec.name.clone(),
            version: flow.spec.version,
            definition: hash,
            new,
        });
    }
    Ok(loaded)
}

/// The sha256 of `body`, as lowercase hex.
pub(crate) fn content_hash(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}
