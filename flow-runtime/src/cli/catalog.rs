//! Where a command finds flow definitions: the flows compiled into the application that
//! runs the command, flow documents named on the command line, and the definitions a store
//! keeps for document flows (by content hash, as instances pin them).

use std::path::{Path, PathBuf};

use flow_core::FlowSpec;

use super::error::CliError;
use crate::document::{DocumentOrigin, FlowDocument};
use crate::outcome::Status;
use crate::store::{AnyStore, InstanceQuery, Store};

/// Where a definition came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlowOrigin {
    /// Compiled into this program (`flow!`).
    Compiled,
    /// Read from a document file.
    Document(PathBuf),
    /// Kept in the store under its content hash.
    Stored(String),
}

impl FlowOrigin {
    /// The origin as a listing shows it.
    pub(crate) fn describe(&self) -> String {
        match self {
            FlowOrigin::Compiled => "compiled".to_owned(),
            FlowOrigin::Document(path) => format!("document {}", path.display()),
            FlowOrigin::Stored(hash) => format!("stored {}", crate::engine::short_hash(hash)),
        }
    }
}

/// One definition of a flow version.
#[derive(Debug, Clone)]
pub(crate) struct CatalogEntry {
    pub(crate) spec: FlowSpec,
    pub(crate) origin: FlowOrigin,
}

/// Every definition found, in the order the sources were read: compiled, documents, store.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlowCatalog {
    pub(crate) entries: Vec<CatalogEntry>,
    /// What was searched, for messages.
    searched: Vec<String>,
}

/// How many instances of each status are read to learn which flows a store has
/// definitions for (the store lists definitions by flow name).
const FLOW_NAME_SCAN: usize = 10_000;

impl FlowCatalog {
    /// The compiled flows and the flows of `documents`.
    pub(crate) fn new(compiled: &[FlowSpec], documents: &[PathBuf]) -> Result<Self, CliError> {
        let mut catalog = FlowCatalog::default();
        if !compiled.is_empty() {
            catalog
                .searched
                .push("the application's compiled flows".to_owned());
        }
        catalog
            .entries
            .extend(compiled.iter().map(|spec| CatalogEntry {
                spec: spec.clone(),
                origin: FlowOrigin::Compiled,
            }));
        for path in documents {
            catalog.add_document(path)?;
        }
        Ok(catalog)
    }

    fn add_document(&mut self, path: &Path) -> Result<(), CliError> {
        let document = FlowDocument::read(path)?;
        self.searched.push(format!("`{}`", path.display()));
        self.entries
            .extend(document.flows.into_iter().map(|flow| CatalogEntry {
                spec: flow.spec,
                origin: FlowOrigin::Document(path.to_owned()),
            }));
        Ok(())
    }

    /// Adds the definitions `store` keeps for the flows already known, for `wanted`, and for
    /// every flow its instances name.
    pub(crate) async fn add_stored(
        &mut self,
        store: &AnyStore,
        wanted: Option<&str>,
    ) -> Result<(), CliError> {
        self.searched.push("the store's definitions".to_owned());
        let mut names: Vec<String> = self
            .entries
            .iter()
            .map(|entry| entry.spec.name.clone())
            .collect();
        names.extend(wanted.map(str::to_owned));
        for status in Status::ALL {
            let query = InstanceQuery::new(FLOW_NAME_SCAN).status(status);
            for summary in store.list(&query).await? {
                names.push(summary.flow);
            }
        }
        names.sort();
        names.dedup();
        for name in names {
            for stored in store.list_definitions(&name).await? {
                if self
                    .entries
                    .iter()
                    .any(|entry| entry.origin == FlowOrigin::Stored(stored.hash.clone()))
                {
                    continue;
                }
                let spec = stored_spec(&stored.hash, &stored.flow, &stored.body)?;
                self.entries.push(CatalogEntry {
                    spec,
                    origin: FlowOrigin::Stored(stored.hash),
                });
            }
        }
        Ok(())
    }

    /// The definition of `flow` at `version`, or at its newest version; of several
    /// definitions of one version, the first source's (compiled, then documents, then the
    /// newest stored).
    pub(crate) fn find(&self, flow: &str, version: Option<u32>) -> Result<&CatalogEntry, CliError> {
        let of_flow = self.entries.iter().filter(|entry| entry.spec.name == flow);
        let version = version.or_else(|| of_flow.clone().map(|entry| entry.spec.version).max());
        let matching: Vec<&CatalogEntry> = of_flow
            .filter(|entry| Some(entry.spec.version) == version)
            .collect();
        let found = matching
            .iter()
            .find(|entry| !matches!(entry.origin, FlowOrigin::Stored(_)))
            // Stored definitions come in the order they were saved: the last is the newest.
            .or(matching.last())
            .copied();
        found.ok_or_else(|| CliError::UnknownFlow {
            flow: flow.to_owned(),
            version,
            searched: self.searched(),
            suggestion: flow_core::did_you_mean(
                flow,
                self.entries.iter().map(|entry| entry.spec.name.as_str()),
            )
            .map(str::to_owned),
        })
    }

    /// What was searched, as a phrase.
    pub(crate) fn searched(&self) -> String {
        if self.searched.is_empty() {
            "nothing: give `--document FILE` or `--store URL`".to_owned()
        } else {
            self.searched.join(", ")
        }
    }
}

/// The spec of a definition stored under `hash`.
pub(crate) fn stored_spec(hash: &str, flow: &str, body: &str) -> Result<FlowSpec, CliError> {
    let origin = DocumentOrigin::named(format!("<definition {}>", crate::engine::short_hash(hash)));
    let bad = |reason: String| CliError::BadStoredDefinition {
        hash: hash.to_owned(),
        flow: flow.to_owned(),
        reason,
    };
    let mut document =
        FlowDocument::parse(body, origin).map_err(|errors| bad(errors.to_string()))?;
    if document.flows.is_empty() {
        return Err(bad("it holds no flow".to_owned()));
    }
    Ok(document.flows.remove(0).spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, version: u32) -> FlowSpec {
        let text = format!(
            "[[flow]]\nname = \"{name}\"\nversion = {version}\ndata = \"json\"\nstart = \"Open\"\nsuccess = [\"Closed\"]\n\n[[flow.state]]\nname = \"Open\"\nwait = \"Decision\"\ntimeout = \"never\"\non = {{ Close = \"Closed\" }}\n"
        );
        FlowDocument::parse(&text, DocumentOrigin::inline())
            .unwrap()
            .flows
            .remove(0)
            .spec
    }

    fn entry(name: &str, version: u32, origin: FlowOrigin) -> CatalogEntry {
        CatalogEntry {
            spec: spec(name, version),
            origin,
        }
    }

    #[test]
    fn the_newest_version_is_found_and_a_compiled_or_document_definition_beats_a_stored_one() {
        let catalog = FlowCatalog {
            entries: vec![
                entry("Ticket", 1, FlowOrigin::Stored("old".into())),
                entry("Ticket", 2, FlowOrigin::Stored("first".into())),
                entry("Ticket", 2, FlowOrigin::Stored("newest".into())),
                entry("Order", 1, FlowOrigin::Stored("stored".into())),
                entry("Order", 1, FlowOrigin::Compiled),
            ],
            searched: vec!["here".into()],
        };
        assert_eq!(
            catalog.find("Ticket", None).unwrap().origin,
            FlowOrigin::Stored("newest".into())
        );
        assert_eq!(
            catalog.find("Ticket", Some(1)).unwrap().origin,
            FlowOrigin::Stored("old".into())
        );
        assert_eq!(
            catalog.find("Order", None).unwrap().origin,
            FlowOrigin::Compiled
        );
        let missing = catalog.find("Tiket", None).unwrap_err().to_string();
        assert_eq!(missing, "no flow `Tiket` in here; did you mean `Ticket`?");
        let missing = catalog.find("Ticket", Some(3)).unwrap_err().to_string();
        assert_eq!(missing, "no flow `Ticket` v3 in here");
    }
}
