//! The building blocks of lending: each knows its own job and nothing of flows.

use flow_runtime::prelude::*;

use super::model::LoanApplication;

/// What the credit check says.
#[derive(Debug, Instruction)]
pub enum Credit {
    /// Good enough to approve at once.
    Approve,
    /// Too risky.
    Reject,
    /// A person has to look.
    Review,
    /// Large enough that the credit committee decides, at its weekly meeting.
    Committee,
}

/// What the reviewer decides (the event a signal carries).
#[derive(Debug, Instruction)]
pub enum ReviewDecision {
    /// The reviewer approves.
    Approve,
    /// The reviewer rejects.
    Reject,
}

/// What a reviewer may send with a decision (the signal's payload): a comment for the file,
/// and a corrected amount. Both may be left out, and so may the whole note.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewNote {
    /// What the reviewer writes.
    #[serde(default)]
    pub comment: Option<String>,
    /// The amount the reviewer approves instead of the one asked for.
    #[serde(default)]
    pub amount: Option<u32>,
}

/// Asks the credit bureau for the applicant's score; changes nothing.
#[action(readonly, retry(attempts = 3, backoff = exponential(20ms, 200ms)), timeout = 1s)]
pub async fn check_credit(ctx: &mut Context<LoanApplication>) -> Result<Credit, ActionError> {
    if ctx.data.amount > 50_000 && ctx.data.credit_score >= 550 {
        return Ok(Credit::Committee);
    }
    Ok(match ctx.data.credit_score {
        0..=549 => Credit::Reject,
        550..=699 => Credit::Review,
        _ => Credit::Approve,
    })
}

/// Opens the loan account.
#[action(compensate = close_account, retry(attempts = 3, backoff = fixed(10ms)))]
pub async fn open_account(ctx: &mut Context<LoanApplication>) -> Result<(), ActionError> {
    // One account per application: the instance's id, shortened.
    let instance = ctx.instance().to_string();
    let account = format!("LN-{}", &instance[instance.len() - 6..]);
    // A reviewer's note, when the approval came with one.
    if let Some(note) = ctx.signal::<ReviewNote>()? {
        let reviewer = ctx
            .received_signal()
            .and_then(|signal| signal.actor.clone())
            .unwrap_or_else(|| "the reviewer".to_owned());
        if let Some(amount) = note.amount {
            ctx.data.amount = amount;
            ctx.data
                .effects
                .push(format!("{reviewer} corrected the amount to {amount} EUR"));
        }
        if let Some(comment) = note.comment {
            ctx.data
                .effects
                .push(format!("{reviewer} noted: {comment}"));
        }
    }
    ctx.data.effects.push(format!("opened account {account}"));
    ctx.data.account = Some(account);
    Ok(())
}

/// Closes the loan account again.
pub async fn close_account(ctx: &mut Context<LoanApplication>) -> Result<(), ActionError> {
    if let Some(account) = ctx.data.account.take() {
        ctx.data.effects.push(format!("closed account {account}"));
    }
    Ok(())
}

/// Pays the money out: the point of no return.
#[action(pivot, retry(attempts = 5, backoff = exponential(10ms, 1s)))]
pub async fn disburse(ctx: &mut Context<LoanApplication>) -> Result<(), ActionError> {
    let effect = format!("paid out {} EUR", ctx.data.amount);
    ctx.data.effects.push(effect);
    Ok(())
}
