//! A flow definition as stores keep it: the canonical text of a document definition, under
//! its content hash, so that any engine process can resume an instance on the exact
//! definition it started with, whatever became of the document since.

/// One stored flow definition, named by the content hash of its canonical text.
///
/// The hash is the key: a store keeps the first body saved under a hash and refuses a
/// different one ([`StoreError::DefinitionMismatch`](crate::store::StoreError::DefinitionMismatch)).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct StoredDefinition {
    /// The sha256 of `body`, as lowercase hex: what instances name in
    /// [`InstanceRecord::definition`](crate::store::InstanceRecord::definition).
    pub hash: String,
    /// The flow's name.
    pub flow: String,
    /// The flow's version.
    pub version: u32,
    /// The definition's canonical text.
    pub body: String,
}
