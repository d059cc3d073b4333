//! `flowctl flows`: every flow version found, with where its definition comes from.

use super::catalog::FlowCatalog;
use super::report::Report;

/// The catalog as a listing, by flow name, then version, then source.
pub(crate) fn list(catalog: &FlowCatalog) -> Report {
    let mut entries: Vec<_> = catalog.entries.iter().collect();
    entries.sort_by(|a, b| (&a.spec.name, a.spec.version).cmp(&(&b.spec.name, b.spec.version)));
    let mut text = String::new();
    if entries.is_empty() {
        text.push_str(&format!("no flows found in {}\n", catalog.searched()));
    } else {
        let width = entries
            .iter()
            .map(|entry| entry.spec.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        text.push_str(&format!("{:<width$}  VERSION  STATES  SOURCE\n", "FLOW"));
        for entry in &entries {
            text.push_str(&format!(
                "{:<width$}  {:>7}  {:>6}  {}\n",
                entry.spec.name,
                entry.spec.version,
                entry.spec.states.len(),
                entry.origin.describe()
            ));
        }
    }
    let json = entries
        .iter()
        .map(|entry| {
            let (source, hash, file) = match &entry.origin {
                super::catalog::FlowOrigin::Compiled => ("compiled", None, None),
                super::catalog::FlowOrigin::Document(path) => ("document", None, Some(path.display().to_string())),
                super::catalog::FlowOrigin::Stored(hash) => ("stored", Some(hash.clone()), None),
            };
            serde_json::json!({
                "flow": entry.spec.name,
                "version": entry.spec.version,
                "states": entry.spec.states.iter().map(|state| state.name.as_str()).collect::<Vec<_>>(),
                "source": source,
                "definition": hash,
                "document": file,
            })
        })
        .collect();
    Report {
        text,
        json: serde_json::Value::Array(json),
    }
}
