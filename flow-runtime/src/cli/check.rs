//! `flowctl check`: every problem of each document, rendered like rustc's errors. Without
//! an application's actions, through the reader and validator the engine's loader runs
//! first (structure, durations, states, edges, the graph); with them
//! ([`Flowctl::checking_with`](super::Flowctl::checking_with)), through the engine's one
//! loader itself, which adds the actions' instructions, saga rules and script compilation.

use std::path::PathBuf;

use super::error::CliError;
use super::report::Report;
use crate::document::{DocumentErrors, FlowDocument};
use crate::engine::{Engine, LoadError};
use crate::store::MemoryStore;

/// The outcome of checking documents: a report and whether all were valid.
pub(crate) async fn check(
    documents: &[PathBuf],
    loader: Option<&Engine<MemoryStore>>,
) -> Result<(Report, bool), CliError> {
    let mut text = String::new();
    let mut json = Vec::new();
    let mut all_valid = true;
    for path in documents {
        let read: Result<Vec<String>, DocumentErrors> = match loader {
            None => FlowDocument::read(path).map(|document| {
                document
                    .flows
                    .iter()
                    .map(|flow| format!("{} v{}", flow.spec.name, flow.spec.version))
                    .collect()
            }),
            Some(engine) => match engine.load_document_file(path).await {
                Ok(loaded) => Ok(loaded
                    .iter()
                    .map(|flow| format!("{} v{}", flow.name, flow.version))
                    .collect()),
                Err(LoadError::Invalid(errors)) => Err(errors),
                Err(LoadError::Store(error)) => return Err(error.into()),
            },
        };
        match read {
            Ok(flows) => {
                text.push_str(&format!(
                    "ok: `{}` is valid ({} flow{}{}{})\n",
                    path.display(),
                    flows.len(),
                    if flows.len() == 1 { "" } else { "s" },
                    if flows.is_empty() { "" } else { ": " },
                    flows.join(", ")
                ));
                if loader.is_none() {
                    // Said every time: "valid" here is not the whole story, and a user who
                    // reads only "ok" would deploy a document naming a missing action.
                    text.push_str("    checked: structure, durations, states and the graph; the actions it names, their instructions and its scripts are checked by the application's own `ctl check`, which knows its actions\n");
                }
                json.push(serde_json::json!({
                    "document": path.display().to_string(),
                    "valid": true,
                    "checked": if loader.is_none() { "structure" } else { "everything" },
                    "flows": flows,
                    "diagnostics": [],
                }));
            }
            Err(errors) => {
                all_valid = false;
                text.push_str(&format!("{errors}\n"));
                let diagnostics: Vec<serde_json::Value> = errors
                    .diagnostics
                    .iter()
                    .map(|diagnostic| {
                        serde_json::json!({
                            "origin": diagnostic.origin,
                            "line": diagnostic.line,
                            "column": diagnostic.column,
                            "code": diagnostic.code,
                            "message": diagnostic.message,
                            "help": diagnostic.help,
                        })
                    })
                    .collect();
                json.push(serde_json::json!({
                    "document": path.display().to_string(),
                    "valid": false,
                    "diagnostics": diagnostics,
                }));
            }
        }
    }
    Ok((
        Report {
            text,
            json: serde_json::Value::Array(json),
        },
        all_valid,
    ))
}
