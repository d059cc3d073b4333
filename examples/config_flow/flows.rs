//! The one compiled flow of the example: a quick loan with no risk score, which
//! `--export` prints as a document to start a document version from.

use flow_runtime::flow;

use crate::actions::{check_identity, open_account, pay_out};
use crate::model::Loan;

flow! {
    /// A small loan: check the identity, open the account, pay out.
    pub flow QuickLoan: Loan, version 1 {
        start Received;
        Received => check_identity { Verified => Approved, Unverified => Rejected }
        Approved => open_account   { Opened => Booked }
        Booked   => pay_out        => PaidOut;
        success PaidOut;
        failure Rejected;
    }
}
