//! What `flow!`, `#[action]` and `#[derive(Instruction)]` generate, as a user sees it.

use flow_runtime::model::{ActionCatalog, StateEntryKind};
use flow_runtime::prelude::*;
use flow_runtime::{Effect, SignalError, StepError};

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Application {
    pub score: u32,
}

#[derive(Debug, PartialEq, Instruction)]
pub enum Credit {
    Approve,
    Reject,
    Review,
}

#[derive(Debug, PartialEq, Instruction)]
pub enum Decision {
    Accepted,
    Declined,
}

#[action(readonly, timeout = 250ms)]
async fn check_credit(ctx: &mut Context<Application>) -> Result<Credit, ActionError> {
    Ok(match ctx.data.score {
        0..=499 => Credit::Reject,
        500..=699 => Credit::Review,
        _ => Credit::Approve,
    })
}

#[action(compensate = cancel_account, retry(attempts = 4, backoff = exponential(10ms, 1s)))]
async fn open_account(_ctx: &mut Context<Application>) -> Result<(), ActionError> {
    Ok(())
}

async fn cancel_account(_ctx: &mut Context<Application>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    /// Loan approval with a manual review.
    pub flow Loan: Application, version 3 {
        start Applied;
        Applied => check_credit { Approve => Approved, Reject => Rejected, Review => Review }
        wait Review on Decision, timeout 48h => Expired { Accepted => Approved, Declined => Rejected }
        Approved => open_account => Open;
        success Open;
        failure Rejected, Expired;
    }
}

#[test]
fn the_state_enum_lists_states_in_declaration_order_with_names() {
    let names: Vec<&str> = LoanState::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        [
            "Applied", "Review", "Approved", "Open", "Rejected", "Expired"
        ]
    );
    assert_eq!(LoanState::Review.to_string(), "Review");
    assert_eq!("Approved".parse::<LoanState>(), Ok(LoanState::Approved));
    let unknown = "Aproved".parse::<LoanState>().unwrap_err();
    assert_eq!(unknown.to_string(), "flow `Loan` has no state `Aproved`");
}

#[test]
fn only_end_states_are_terminal() {
    let terminal: Vec<LoanState> = LoanState::ALL
        .iter()
        .copied()
        .filter(|s| s.is_terminal())
        .collect();
    assert_eq!(
        terminal,
        [LoanState::Open, LoanState::Rejected, LoanState::Expired]
    );
}

#[test]
fn states_serialize_as_their_names() {
    let json = serde_json::to_string(&LoanState::Review).unwrap();
    assert_eq!(json, "\"Review\"");
    let back: LoanState = serde_json::from_str("\"Expired\"").unwrap();
    assert_eq!(back, LoanState::Expired);
    let error = serde_json::from_str::<LoanState>("\"Lost\"").unwrap_err();
    assert!(error.to_string().contains("no state `Lost`"), "{error}");
}

#[test]
fn the_flow_carries_its_name_version_start_and_diagram() {
    assert_eq!(Loan::NAME, "Loan");
    assert_eq!(Loan::VERSION, 3);
    assert_eq!(Loan::START, LoanState::Applied);
    assert!(Loan::MERMAID.starts_with("stateDiagram-v2"));
    assert!(Loan::MERMAID.contains("Applied --> Review: check_credit / Review"));
    assert!(Loan::MERMAID.contains("Review --> Expired: after 48h"));
    assert!(Loan::diagram().contains("compensate cancel_account"));
}

#[test]
fn the_static_table_holds_the_actions_metadata() {
    let table = Loan::TABLE;
    assert_eq!(table.start, "Applied");
    let StateEntryKind::Step { action, edges } = table.state("Approved").unwrap().kind else {
        panic!("Approved runs an action");
    };
    assert_eq!(action.action, "open_account");
    assert_eq!(action.compensation, Some("cancel_account"));
    assert_eq!(action.effect, Effect::SideEffect);
    assert_eq!(action.retry.unwrap().attempts, 4);
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0].target, "Open");
    let check = Loan::policy(LoanState::Applied).unwrap();
    assert_eq!(check.timeout, Some(std::time::Duration::from_millis(250)));
    assert_eq!(check.instructions, ["Approve", "Reject", "Review"]);
    assert!(Loan::policy(LoanState::Review).is_none());
}

#[test]
fn the_runtime_spec_validates_with_the_actions_catalog() {
    let spec = Loan::spec();
    assert!(matches!(spec.actions, ActionCatalog::Known(ref actions) if actions.len() == 2));
    assert_eq!(flow_runtime::validate(&spec), []);
}

#[tokio::test]
async fn step_dispatch_maps_each_instruction_to_its_state() {
    let mut ctx = Context::new(
        flow_runtime::InstanceId::new(),
        Loan::NAME,
        Loan::VERSION,
        "Applied",
        Application { score: 600 },
    );
    let moved = Loan::step(LoanState::Applied, &mut ctx).await.unwrap();
    assert_eq!(moved.instruction, "Review");
    assert_eq!(moved.next, LoanState::Review);
    ctx.data.score = 800;
    let moved = Loan::step(LoanState::Applied, &mut ctx).await.unwrap();
    assert_eq!(moved.next, LoanState::Approved);
    let waiting = Loan::step(LoanState::Review, &mut ctx).await.unwrap_err();
    assert!(matches!(waiting, StepError::NoAction { state: "Review" }));
}

#[test]
fn signals_move_waits_and_unknown_events_are_refused() {
    let moved = Loan::signal(LoanState::Review, "Declined").unwrap();
    assert_eq!(moved.next, LoanState::Rejected);
    let unknown = Loan::signal(LoanState::Review, "Maybe").unwrap_err();
    assert_eq!(
        unknown,
        SignalError::UnknownEvent {
            state: "Review",
            event: "Maybe".into(),
            expected: &["Accepted", "Declined"],
        }
    );
    assert!(matches!(
        Loan::signal(LoanState::Applied, "Accepted"),
        Err(SignalError::NotWaiting { state: "Applied" })
    ));
    let (after, target) = Loan::deadline(LoanState::Review).unwrap();
    assert_eq!(after, std::time::Duration::from_secs(48 * 3600));
    assert_eq!(target, LoanState::Expired);
    assert_eq!(Loan::deadline(LoanState::Applied), None);
}

#[test]
fn derived_instructions_know_their_names() {
    assert_eq!(Credit::VARIANTS, ["Approve", "Reject", "Review"]);
    assert_eq!(Credit::Review.name(), "Review");
    assert_eq!(Credit::from_name("Reject"), Some(Credit::Reject));
    assert_eq!(Credit::from_name("reject"), None);
}

#[test]
fn action_attributes_become_associated_consts() {
    let flags = [
        <check_credit as Action<Application>>::READONLY,
        <check_credit as Action<Application>>::COMPENSABLE,
        <open_account as Action<Application>>::COMPENSABLE,
        <open_account as Action<Application>>::PIVOT,
    ];
    assert_eq!(flags, [true, false, true, false]);
    assert_eq!(<open_account as Action<Application>>::NAME, "open_account");
    let retry = <open_account as Action<Application>>::RETRY.unwrap();
    assert_eq!(
        retry.backoff,
        flow_runtime::Backoff::Exponential {
            initial: std::time::Duration::from_millis(10),
            max: std::time::Duration::from_secs(1),
        }
    );
    assert!(retry.jitter);
}
