//! The developers' building blocks, registered by name so documents can assemble flows from
//! them. The risk score is not here: it is a script action in the document.

use flow_runtime::prelude::*;

use crate::model::Loan;

/// Outcome of an identity check.
#[derive(Debug, Instruction)]
pub enum Identity {
    /// The documents check out.
    Verified,
    /// They do not.
    Unverified,
}

/// Outcome of opening the loan account.
#[derive(Debug, Instruction)]
pub enum Account {
    /// The account exists and holds the loan.
    Opened,
}

/// Checks the applicant's identity documents; changes nothing outside.
#[action(readonly, timeout = 2s)]
pub async fn check_identity(ctx: &mut Context<Loan>) -> Result<Identity, ActionError> {
    Ok(if ctx.data.identity_ok {
        Identity::Verified
    } else {
        Identity::Unverified
    })
}

/// Opens the account the loan is booked on.
#[action(compensate = close_account, retry(attempts = 3, backoff = fixed(10ms)))]
pub async fn open_account(ctx: &mut Context<Loan>) -> Result<Account, ActionError> {
    let effect = format!("opened an account for {}", ctx.data.applicant);
    ctx.data.effects.push(effect);
    Ok(Account::Opened)
}

/// Closes the account again when the loan does not go ahead.
pub async fn close_account(ctx: &mut Context<Loan>) -> Result<(), ActionError> {
    let effect = format!("closed the account of {}", ctx.data.applicant);
    ctx.data.effects.push(effect);
    Ok(())
}

/// Pays the loan out: once the money left there is nothing to undo.
#[action(pivot, retry(attempts = 3, backoff = fixed(10ms)))]
pub async fn pay_out(ctx: &mut Context<Loan>) -> Result<(), ActionError> {
    let effect = format!(
        "paid out {} EUR (idempotency key {})",
        ctx.data.amount,
        ctx.idempotency_key()
    );
    ctx.data.effects.push(effect);
    Ok(())
}
