//! A panic in user code is a failed attempt, never a stranded instance: retried under the
//! action's policy, then the failure path; journaled with its message, plugins told, the
//! caller of `run` gets an outcome, and the worker keeps running. On memory and SQLite.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use flow_runtime::plugin::StepEvent;
use flow_runtime::prelude::*;
use flow_runtime::store::{AnyStore, MemoryStore, Store};
use flow_runtime::{
    EngineBuilder, EngineConfig, ErrorKind, InstanceError, JournalKind, Plugin, RetryPolicy,
};
use flow_tests::servers::fresh_sqlite;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Job {
    /// Attempts of `flaky` that panic before one succeeds.
    pub panics: u32,
    pub tries: u32,
    pub undo_panics: u32,
    pub undo_tries: u32,
    pub effects: Vec<String>,
}

#[action(compensate = unbook)]
async fn book(ctx: &mut Context<Job>) -> Result<(), ActionError> {
    ctx.data.effects.push("book".into());
    Ok(())
}

async fn unbook(ctx: &mut Context<Job>) -> Result<(), ActionError> {
    ctx.data.undo_tries += 1;
    if ctx.data.undo_tries <= ctx.data.undo_panics {
        panic!("undo exploded {}", ctx.data.undo_tries);
    }
    ctx.data.effects.push("unbook".into());
    Ok(())
}

#[action(readonly, retry(attempts = 3, backoff = fixed(1ms)))]
async fn flaky(ctx: &mut Context<Job>) -> Result<(), ActionError> {
    ctx.data.tries += 1;
    if ctx.data.tries <= ctx.data.panics {
        panic!("boom {}", ctx.data.tries);
    }
    ctx.data.effects.push("flaky".into());
    Ok(())
}

flow! {
    pub flow Panicky: Job {
        start New;
        New => book => Booked;
        Booked => flaky => Done;
        success Done;
    }
}

/// Counts what plugins are told of errors.
#[derive(Default, Clone)]
struct Errors(Arc<Mutex<Vec<(String, bool)>>>);

impl Plugin for Errors {
    fn on_error(&self, _event: &StepEvent<'_>, error: &ActionError, will_retry: bool) {
        self.0.lock().unwrap().push((error.to_string(), will_retry));
    }
}

fn engine<S: Store>(store: S, errors: &Errors) -> Engine<S> {
    EngineBuilder::with_store(store)
        .config(EngineConfig {
            poll_interval: Duration::from_millis(5),
            compensation_retry: RetryPolicy::fixed(2, Duration::from_millis(1)),
            ..EngineConfig::default()
        })
        .plugin(errors.clone())
        .register::<Panicky>()
        .build()
        .unwrap()
}

/// Runs `scenario` on a memory engine and a SQLite engine.
async fn on_each_store<Fut>(scenario: impl Fn(Engine<AnyStore>, Errors) -> Fut)
where
    Fut: std::future::Future<Output = ()>,
{
    for store in [
        AnyStore::from(MemoryStore::new()),
        AnyStore::from(fresh_sqlite().await),
    ] {
        let errors = Errors::default();
        scenario(engine(store, &errors), errors).await;
    }
}

#[tokio::test]
async fn a_panicking_attempt_is_retried_and_journaled() {
    on_each_store(|engine, errors| async move {
        let job = Job {
            panics: 2,
            ..Job::default()
        };
        let outcome = engine
            .run::<Panicky>(job)
            .await
            .expect("an outcome, not a panic");
        assert_eq!(
            outcome.status,
            Status::Completed,
            "{}",
            engine.store().kind()
        );
        assert_eq!(outcome.data.tries, 3);
        let failures: Vec<(&str, &str, u32)> = outcome
            .journal
            .iter()
            .filter(|entry| entry.kind == JournalKind::Failure)
            .map(|entry| (&*entry.action, &*entry.instruction, entry.attempt))
            .collect();
        assert_eq!(
            failures,
            [
                ("flaky", "retryable error: `flaky` panicked: boom 1", 1),
                ("flaky", "retryable error: `flaky` panicked: boom 2", 2),
            ]
        );
        let told = errors.0.lock().unwrap().clone();
        assert_eq!(
            told,
            [
                ("retryable error: `flaky` panicked: boom 1".to_owned(), true),
                ("retryable error: `flaky` panicked: boom 2".to_owned(), true),
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn a_step_that_keeps_panicking_fails_and_compensates() {
    on_each_store(|engine, errors| async move {
        let job = Job {
            panics: 99,
            ..Job::default()
        };
        let outcome = engine
            .run::<Panicky>(job)
            .await
            .expect("an outcome, not a panic");
        assert_eq!(outcome.status, Status::Failed, "{}", engine.store().kind());
        assert_eq!(outcome.state, PanickyState::Booked);
        assert_eq!(
            outcome.data.tries, 3,
            "every attempt of the policy was made"
        );
        assert_eq!(outcome.data.effects, ["book", "unbook"]);
        // Why it failed: on the outcome and on the stored record.
        let why = InstanceError {
            message: "`flaky` panicked: boom 3".into(),
            action: Some("flaky".into()),
            kind: Some(ErrorKind::Retryable),
            attempt: 3,
            step: 1,
        };
        assert_eq!(outcome.error.as_ref(), Some(&why));
        let record = engine.record(outcome.instance).await.unwrap();
        assert_eq!(record.error, Some(why));
        assert_eq!(
            errors.0.lock().unwrap().last().cloned(),
            Some((
                "retryable error: `flaky` panicked: boom 3".to_owned(),
                false
            ))
        );
    })
    .await;
}

#[tokio::test]
async fn a_compensation_that_panics_is_retried_then_parked() {
    on_each_store(|engine, _errors| async move {
        // Undo panics once, then works.
        let job = Job {
            panics: 99,
            undo_panics: 1,
            ..Job::default()
        };
        let id = engine.start::<Panicky>(job).await.unwrap();
        let outcome = engine.wait_ended::<Panicky>(id).await.unwrap();
        assert_eq!(outcome.status, Status::Failed, "{}", engine.store().kind());
        assert_eq!(outcome.data.effects, ["book", "unbook"]);
        assert!(outcome.journal.iter().any(|entry| {
            entry.kind == JournalKind::Failure
                && entry
                    .instruction
                    .contains("`unbook` panicked: undo exploded 1")
        }));

        // Undo panics every time: a person is asked, with the panic's message.
        let job = Job {
            panics: 99,
            undo_panics: 99,
            ..Job::default()
        };
        let id = engine.start::<Panicky>(job).await.unwrap();
        let outcome = engine.wait_ended::<Panicky>(id).await.unwrap();
        assert_eq!(outcome.status, Status::Manual);
        let record = engine.record(id).await.unwrap();
        let error = record.error.unwrap();
        assert!(
            error.message.contains("`unbook` panicked: undo exploded 2"),
            "{error}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_worker_survives_a_panicking_instance() {
    on_each_store(|engine, _errors| async move {
        let panicking = engine
            .start::<Panicky>(Job {
                panics: 99,
                ..Job::default()
            })
            .await
            .unwrap();
        let failed = engine.wait_ended::<Panicky>(panicking).await.unwrap();
        assert_eq!(failed.status, Status::Failed, "{}", engine.store().kind());
        // The same worker goes on with the next instance.
        let healthy = engine.start::<Panicky>(Job::default()).await.unwrap();
        let done = engine.wait_ended::<Panicky>(healthy).await.unwrap();
        assert_eq!(done.status, Status::Completed);
        assert_eq!(done.data.effects, ["book", "flaky"]);
    })
    .await;
}

/// A plugin that panics before every action.
struct Faulty;

impl Plugin for Faulty {
    fn before_action(&self, _event: &StepEvent<'_>) {
        panic!("the metrics backend is gone");
    }
}

#[tokio::test]
async fn a_panic_outside_the_actions_hands_the_instance_to_a_person() {
    let engine = EngineBuilder::with_store(MemoryStore::new())
        .plugin(Faulty)
        .register::<Panicky>()
        .build()
        .unwrap();
    let outcome = engine
        .run::<Panicky>(Job::default())
        .await
        .expect("an outcome, not a panic");
    assert_eq!(outcome.status, Status::Manual);
    let error = engine
        .record(outcome.instance)
        .await
        .unwrap()
        .error
        .unwrap();
    assert_eq!(
        error.message,
        "a panic outside the flow's actions stopped it in state `New`: the metrics backend is gone"
    );
    assert_eq!(outcome.error, Some(error));
}
