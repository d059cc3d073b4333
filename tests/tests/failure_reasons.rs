//! Why an instance failed is where a user looks: on its outcome and its stored record (the
//! message, the action and the attempt), and every failed attempt is in its journal.

use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::{EngineConfig, ErrorKind, InstanceError, JournalKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Invite {
    pub mailbox_exists: bool,
    pub server_busy: bool,
    pub log: Vec<String>,
}

#[action(compensate = drop_user)]
async fn create_user(ctx: &mut Context<Invite>) -> Result<(), ActionError> {
    ctx.data.log.push("create".into());
    Ok(())
}

async fn drop_user(ctx: &mut Context<Invite>) -> Result<(), ActionError> {
    ctx.data.log.push("drop".into());
    Ok(())
}

#[action(readonly, retry(attempts = 3, backoff = fixed(1ms)))]
async fn send_invite(ctx: &mut Context<Invite>) -> Result<(), ActionError> {
    if !ctx.data.mailbox_exists {
        return Err(ActionError::permanent("mailbox does not exist"));
    }
    if ctx.data.server_busy {
        return Err(ActionError::retryable("the mail server is busy"));
    }
    Ok(())
}

flow! {
    pub flow Inviting: Invite {
        start New;
        New => create_user => Created;
        Created => send_invite => Invited;
        success Invited;
    }
}

fn engine() -> Engine {
    Engine::builder()
        .config(EngineConfig {
            poll_interval: Duration::from_millis(5),
            ..EngineConfig::default()
        })
        .register::<Inviting>()
        .build()
        .unwrap()
}

fn failures(outcome: &Outcome<Inviting>) -> Vec<(&str, &str, u32)> {
    outcome
        .journal
        .iter()
        .filter(|entry| entry.kind == JournalKind::Failure)
        .map(|entry| (&*entry.action, &*entry.instruction, entry.attempt))
        .collect()
}

#[tokio::test]
async fn a_permanent_failure_says_why_on_the_outcome_and_the_record() {
    let engine = engine();
    let outcome = engine.run::<Inviting>(Invite::default()).await.unwrap();
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(
        outcome.state,
        InvitingState::Created,
        "it rests where it failed"
    );
    assert_eq!(outcome.data.log, ["create", "drop"]);
    let why = InstanceError {
        message: "mailbox does not exist".into(),
        action: Some("send_invite".into()),
        kind: Some(ErrorKind::Permanent),
        attempt: 1,
        step: 1,
    };
    assert_eq!(outcome.error.as_ref(), Some(&why));
    assert_eq!(
        why.to_string(),
        "mailbox does not exist (`send_invite`, attempt 1, permanent)"
    );
    assert_eq!(
        engine.record(outcome.instance).await.unwrap().error,
        Some(why)
    );
    assert_eq!(
        failures(&outcome),
        [("send_invite", "permanent error: mailbox does not exist", 1)]
    );
}

#[tokio::test]
async fn exhausted_retries_say_why_and_journal_every_attempt() {
    let engine = engine();
    let invite = Invite {
        mailbox_exists: true,
        server_busy: true,
        ..Invite::default()
    };
    let outcome = engine.run::<Inviting>(invite).await.unwrap();
    assert_eq!(outcome.status, Status::Failed);
    let error = outcome.error.clone().unwrap();
    assert_eq!(
        (error.message.as_str(), error.kind, error.attempt),
        ("the mail server is busy", Some(ErrorKind::Retryable), 3)
    );
    let busy = "retryable error: the mail server is busy";
    assert_eq!(
        failures(&outcome),
        [
            ("send_invite", busy, 1),
            ("send_invite", busy, 2),
            ("send_invite", busy, 3)
        ]
    );
}

#[tokio::test]
async fn a_success_has_no_error() {
    let engine = engine();
    let invite = Invite {
        mailbox_exists: true,
        ..Invite::default()
    };
    let outcome = engine.run::<Inviting>(invite).await.unwrap();
    assert_eq!(outcome.status, Status::Completed);
    assert_eq!(outcome.error, None);
    assert!(failures(&outcome).is_empty());
}
