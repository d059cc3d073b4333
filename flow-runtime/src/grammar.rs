//! The whole `flow!` grammar, every form with an example that compiles and runs
//! (`cargo test --doc`), and what the ends and statuses mean.
//!
//! # A flow
//!
//! ```text
//! flow! {
//!     /// Doc comments become the flow type's docs.
//!     #[flow(crate = my_runtime)]          // only when flow-runtime is renamed in Cargo.toml
//!     pub flow Name: DataType, version 2 { // `version N` is optional (1 by default); each
//!                                          // instance stays on the version it started on,
//!                                          // so register every version still running
//!         start State;                     // exactly one start state
//!         ...steps, waits and ends, in any order...
//!     }
//! }
//! ```
//!
//! | form | meaning |
//! |---|---|
//! | `A => action { I1 => B, I2 => C }` | in `A`, run `action`; its instruction `I1` leads to `B`, `I2` to `C`. Every instruction the action can return must be mapped. |
//! | `A => action => B;` | an action that returns `()` (its one instruction is `Done`) leads to `B`. |
//! | `wait W on Event, timeout 48h => Late { E1 => X, E2 => Y }` | in `W`, wait for a signal of type `Event`; `E1` leads to `X`, `E2` to `Y`; with no signal within 48 hours, go to `Late`. `timeout = 48h` is the same. |
//! | `wait W on Event, timeout never { .. }` | a wait that may last however long it takes: the author says so, so a forgotten deadline is a compile error. |
//! | `success S1, S2;` | success ends: the instance is `Completed`. |
//!
//! Lines that end in `{ .. }` take no `;`; the others (`start`, `=> B;`, `success`,
//! `failure`) end in one.
//! | `failure F1, F2;` | failure ends: completed compensable steps are undone, latest first, and the instance is `Failed`. |
//!
//! Durations are an integer or decimal with a unit: `ms`, `s`, `m` (minutes), `h`, `d`
//! (`250ms`, `1.5s`, `30m`, `48h`, `7d`). The same units serve `#[action(timeout = ..)]` and
//! retry backoffs.
//!
//! # Actions
//!
//! `#[action(..)]` on `async fn name(ctx: &mut Context<Data>) -> Result<I, ActionError>`,
//! where `I` is `()` or an enum with `#[derive(Instruction)]`. Its keys:
//!
//! | key | meaning |
//! |---|---|
//! | `compensate = undo_fn` | the side effect is undone by `async fn undo_fn(ctx: &mut Context<Data>) -> Result<(), ActionError>` |
//! | `pivot` | the point of no return: after it, the flow only goes forward (nothing is undone) |
//! | `readonly` | no side effect: nothing to undo |
//! | `retry(attempts = 3, backoff = exponential(50ms, 2s), jitter = true)` | attempts in all, and the delay between them (`fixed(1s)` or `exponential(first, max)`); `jitter` (on by default) draws each delay between half of it and all of it, seeded by the instance, so retries of many instances do not arrive at once |
//! | `compensate_retry(..)` | the same, for the compensation |
//! | `timeout = 2s` | an attempt that takes longer fails (retryable), or, with `query`, has an unknown outcome |
//! | `query = check_fn` | how to ask whether an attempt whose outcome is unknown went through: `async fn check_fn(ctx: &mut Context<Data>) -> Result<I, ActionError>`, with the action's instruction type, returning `ActionError::unknown` while it cannot tell yet |
//!
//! A side-effecting action needs one of `compensate`, `pivot` or `readonly`, steps after a
//! pivot need a retry policy, and no compensable step may follow a pivot: the macro checks
//! each at compile time.
//!
//! # Every form, compiled
//!
//! ```
//! use flow_runtime::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Default, Serialize, Deserialize)]
//! pub struct Loan { pub amount: u32, pub score: u32, pub log: Vec<String> }
//!
//! /// What the credit check says.
//! #[derive(Instruction)]
//! pub enum Credit { Approve, Reject, Review }
//!
//! /// What a reviewer decides: the event the review waits for.
//! #[derive(Instruction)]
//! pub enum ReviewDecision { Approve, Reject }
//!
//! #[action(readonly, retry(attempts = 3, backoff = exponential(10ms, 1s)), timeout = 2s)]
//! async fn check_credit(ctx: &mut Context<Loan>) -> Result<Credit, ActionError> {
//!     Ok(match ctx.data.score {
//!         0..=549 => Credit::Reject,
//!         550..=699 => Credit::Review,
//!         _ => Credit::Approve,
//!     })
//! }
//!
//! #[action(compensate = close_account)]
//! async fn open_account(ctx: &mut Context<Loan>) -> Result<(), ActionError> {
//!     ctx.data.log.push("opened".into());
//!     Ok(())
//! }
//!
//! async fn close_account(ctx: &mut Context<Loan>) -> Result<(), ActionError> {
//!     ctx.data.log.push("closed".into());
//!     Ok(())
//! }
//!
//! #[action(pivot, retry(attempts = 5, backoff = fixed(100ms)))]
//! async fn disburse(ctx: &mut Context<Loan>) -> Result<(), ActionError> {
//!     ctx.data.log.push(format!("paid {}", ctx.data.amount));
//!     Ok(())
//! }
//!
//! flow! {
//!     /// Lending: the credit check decides; unclear cases wait for a reviewer.
//!     pub flow Lending: Loan, version 3 {
//!         start Applied;
//!         Applied => check_credit { Approve => Approved, Reject => Rejected, Review => InReview }
//!         wait InReview on ReviewDecision, timeout 2d => Expired { Approve => Approved, Reject => Rejected }
//!         Approved => open_account => AccountOpen;
//!         AccountOpen => disburse => PaidOut;
//!         success PaidOut;
//!         failure Rejected, Expired;
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let engine = Engine::builder().register::<Lending>().build()?;
//!
//! // Straight through: Completed in a success end.
//! let good = engine.run::<Lending>(Loan { amount: 5_000, score: 780, ..Loan::default() }).await?;
//! assert_eq!((good.state, good.status), (LendingState::PaidOut, Status::Completed));
//! assert_eq!(good.data.log, ["opened", "paid 5000"]);
//!
//! // A wait: the instance rests as Waiting until a signal (or its deadline) moves it.
//! let unclear = engine.run::<Lending>(Loan { amount: 8_000, score: 640, ..Loan::default() }).await?;
//! assert_eq!((unclear.state, unclear.status), (LendingState::InReview, Status::Waiting));
//! let decided = engine.signal::<Lending>(unclear.instance, ReviewDecision::Approve).await?;
//! assert_eq!(decided.status, Status::Completed);
//!
//! // A failure end reached by an instruction: Failed, and nothing to undo yet.
//! let bad = engine.run::<Lending>(Loan { amount: 20_000, score: 420, ..Loan::default() }).await?;
//! assert_eq!((bad.state, bad.status), (LendingState::Rejected, Status::Failed));
//! assert!(bad.error.is_none(), "a refusal is a business outcome, not an error");
//! # Ok::<(), EngineError>(())
//! # }).unwrap();
//! ```
//!
//! # Ends and statuses
//!
//! | status | where the instance is |
//! |---|---|
//! | `Running` | a step is running, or due (a retry waits for its timer) |
//! | `Waiting` | in a wait state, for a signal or its deadline |
//! | `Compensating` | undoing its completed steps, latest first |
//! | `Completed` | in a success end |
//! | `Failed` | compensated: in a failure end, or in the state of the step that failed for good |
//! | `Cancelled` | compensated after an operator's `cancel` |
//! | `Paused` | stopped by an operator; `resume` goes on |
//! | `Manual` | needs a person: a compensation kept failing; a step failed after a pivot had passed; an unknown outcome stayed unknown through every query; its record could not be read; its driver was lost on the memory store; or a panic outside the flow's actions (a plugin) stopped it |
//!
//! # Where a failed instance rests, and why
//!
//! A step that fails for good (a permanent error, or its last retry) leaves the instance in
//! that step's state, compensated, `Failed`. Why is on the outcome and on the stored record
//! ([`InstanceError`](crate::InstanceError): the message, the action, its kind and attempt),
//! and every failed attempt is in the journal as [`JournalKind::Failure`](crate::JournalKind)
//! with its error:
//!
//! ```
//! use flow_runtime::prelude::*;
//! use flow_runtime::JournalKind;
//!
//! #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
//! pub struct Invite { pub email: String }
//!
//! #[action(readonly, retry(attempts = 2, backoff = fixed(1ms)))]
//! async fn send_invite(ctx: &mut Context<Invite>) -> Result<(), ActionError> {
//!     Err(ActionError::permanent(format!("mailbox {} does not exist", ctx.data.email)))
//! }
//!
//! flow! {
//!     pub flow Inviting: Invite {
//!         start New;
//!         New => send_invite => Sent;
//!         success Sent;
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let engine = Engine::builder().register::<Inviting>().build()?;
//! let outcome = engine.run::<Inviting>(Invite { email: "x@example.com".into() }).await?;
//! assert_eq!((outcome.state, outcome.status), (InvitingState::New, Status::Failed));
//! let why = outcome.error.unwrap();
//! assert_eq!(why.to_string(), "mailbox x@example.com does not exist (`send_invite`, attempt 1, permanent)");
//! assert_eq!(outcome.journal[0].kind, JournalKind::Failure);
//! # Ok::<(), EngineError>(())
//! # }).unwrap();
//! ```
//!
//! # A wait that may last forever
//!
//! ```
//! use flow_runtime::prelude::*;
//!
//! #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
//! pub struct Ticket { pub closed: bool }
//!
//! #[derive(Instruction)]
//! pub enum Customer { Replied }
//!
//! #[action(readonly)]
//! async fn close(ctx: &mut Context<Ticket>) -> Result<(), ActionError> {
//!     ctx.data.closed = true;
//!     Ok(())
//! }
//!
//! flow! {
//!     pub flow Support: Ticket {
//!         start Open;
//!         wait Open on Customer, timeout never { Replied => Answered }
//!         Answered => close => Closed;
//!         success Closed;
//!     }
//! }
//! # fn main() {}
//! ```
