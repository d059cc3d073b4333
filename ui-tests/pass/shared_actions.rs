//! Two flows, in one module, sharing actions declared in another module.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Account;

mod actions {
    use flow_runtime::prelude::*;

    #[derive(Instruction)]
    pub enum Check {
        Passed,
        Failed,
    }

    #[action(readonly)]
    pub async fn verify(_ctx: &mut Context<super::Account>) -> Result<Check, ActionError> {
        Ok(Check::Passed)
    }

    #[action(compensate = close)]
    pub async fn open(_ctx: &mut Context<super::Account>) -> Result<(), ActionError> {
        Ok(())
    }

    pub async fn close(_ctx: &mut Context<super::Account>) -> Result<(), ActionError> {
        Ok(())
    }
}

flow! {
    pub flow Onboarding: Account {
        start New;
        New      => actions::verify { Passed => Verified, Failed => Refused }
        Verified => actions::open => Open;
        success Open;
        failure Refused;
    }
}

flow! {
    pub flow Reverification: Account, version 2 {
        start Pending;
        Pending => actions::verify { Passed => Done, Failed => Locked }
        success Done;
        failure Locked;
    }
}

fn main() {
    assert_eq!(<Onboarding as Flow>::NAME, "Onboarding");
    assert_eq!(<Reverification as Flow>::VERSION, 2);
}
