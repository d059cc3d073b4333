//! Script actions: action logic written in [rhai](https://rhai.rs) and loaded from
//! configuration, run in a sandbox (feature `script`).
//!
//! A script action is the same building block as an `#[action]` fn: it reads and changes
//! the context's data and names an instruction. The script sees
//!
//! - `data`: the context's data, encoded through serde (a struct is a map), which it may
//!   change; the changes are decoded back into the data type after the run;
//! - read-only facts: `instance` (the id), `flow`, `version`, `state`, `step`, `attempt`,
//!   `idempotency_key` (`"<instance>/<step>"`, stable across retries) and `labels` (a map);
//!
//! and its value, the last expression, is the name of the instruction.
//!
//! ```
//! use flow_runtime::script::{ScriptLimits, ScriptRuntime};
//! use flow_runtime::{Context, InstanceId};
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Order { price: u64, total: u64 }
//!
//! let runtime = ScriptRuntime::new(ScriptLimits::default());
//! let script = runtime.compile(
//!     "size_order",
//!     r#"data.total = data.price * 2; if data.total > 10 { "Big" } else { "Small" }"#,
//! )?;
//! let mut ctx = Context::new(InstanceId::new(), "Orders", 1, "Sizing", Order { price: 7, total: 0 });
//! let instruction = runtime.run_action(&script, &mut ctx, &["Big", "Small"])?;
//! assert_eq!(instruction, "Big");
//! assert_eq!(ctx.data.total, 14);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The sandbox
//!
//! A script can compute and nothing else: no module imports, no `eval`, no `sleep`, no file,
//! network or process access (rhai has none without extra packages, and none are added).
//! `print` and `debug` go to `tracing` (target `flow_runtime::script`, info and debug, with
//! the script's name). Every run is bounded by [`ScriptLimits`]: operations (which stops an
//! endless loop, since a synchronous script cannot be interrupted by a timeout), call depth,
//! expression depth, and the sizes of strings, arrays and maps.
//!
//! One gap is rhai's: it checks a map's size when a function changes the map, not when an
//! index assignment (`m[key] = v`) adds a key. The runtime checks `data` after every run,
//! so an oversized map is never kept, but during one run such a map is bounded only by the
//! operations limit: each new entry costs a few operations and may hold a fresh string of
//! up to `max_string_size` bytes, so at the defaults a hostile script can hold hundreds of
//! megabytes until it stops. Lower `max_string_size` or `max_operations` where scripts are
//! not reviewed.
//!
//! # Errors
//!
//! Compiling rejects bad syntax, forbidden features and undeclared variables with the line
//! and column inside the script ([`ScriptError`]). A failed run is a [`ScriptRunError`],
//! which becomes an [`ActionError`](crate::ActionError):
//!
//! - **permanent** for everything deterministic, where trying again cannot help: a limit
//!   reached, a type or runtime error, a value that is not a string or names no
//!   instruction of the action, data written in a shape the data type does not accept;
//! - **retryable** for a value the script throws on purpose (`throw "rate limited"`), so the
//!   action's retry policy decides; a script that knows retrying is pointless throws
//!   `#{ permanent: true, message: "card expired" }`, which is permanent.
//!
//! After any failed run the context holds the data it had before: the data is replaced
//! only when the run succeeded and its `data` decoded.
//!
//! Numbers are rhai's `i64` and `f64`: a `u64` above `i64::MAX` reaches the script as a
//! float and does not decode back into a `u64`.

mod compiled;
mod error;
mod failure;
mod limits;
mod run;
mod runtime;
mod sandbox;
mod scope;
#[cfg(test)]
mod tests;

pub use compiled::{Script, ScriptFns};
pub use error::{At, ScriptError, ScriptRunError};
pub use limits::ScriptLimits;
pub use runtime::ScriptRuntime;
