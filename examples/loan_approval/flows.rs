//! The loan approval business line: the credit check decides; unclear cases wait for a
//! reviewer, who has a deadline.

use flow_runtime::flow;

use super::actions::{ReviewDecision, check_credit, disburse, open_account};
use super::model::LoanApplication;

flow! {
    /// Loan approval. Unclear credit goes to a reviewer; without a decision in time, the
    /// application expires (the deadline is short so the demo shows it). Large loans wait
    /// for the credit committee, which meets weekly.
    pub flow LoanApproval: LoanApplication, version 1 {
        start Applied;
        Applied  => check_credit { Approve => Approved, Reject => Rejected, Review => InReview, Committee => AtCommittee }
        wait InReview on ReviewDecision, timeout 300ms => Expired { Approve => Approved, Reject => Rejected }
        wait AtCommittee on ReviewDecision, timeout 8d => Expired { Approve => Approved, Reject => Rejected }
        Approved => open_account => AccountOpen;
        AccountOpen => disburse => PaidOut;
        success PaidOut;
        failure Rejected, Expired;
    }
}
