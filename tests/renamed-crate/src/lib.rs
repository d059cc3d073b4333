//! A crate that depends on flow-runtime under another name (`engine`). The macros are told
//! with `crate = engine`; without it, generated code would name `::flow_runtime` and fail.

use engine::{ActionError, Context, Instruction, action, flow};

/// A support ticket.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Ticket {
    /// Whether the ticket is hard.
    pub hard: bool,
}

/// How hard a ticket is.
#[derive(Debug, Instruction)]
#[instruction(crate = engine)]
pub enum Triage {
    /// Solved at once.
    Easy,
    /// Needs a specialist.
    Hard,
}

/// Decides how hard a ticket is.
#[action(crate = engine, readonly)]
pub async fn triage(ctx: &mut Context<Ticket>) -> Result<Triage, ActionError> {
    Ok(if ctx.data.hard {
        Triage::Hard
    } else {
        Triage::Easy
    })
}

flow! {
    /// Support triage.
    #[flow(crate = engine)]
    pub flow Support: Ticket {
        start Open;
        Open => triage { Easy => Solved, Hard => Escalated }
        success Solved;
        failure Escalated;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_flow_declared_through_a_renamed_dependency_runs() {
        let engine = engine::Engine::builder()
            .register::<Support>()
            .build()
            .expect("valid flow");
        let easy = engine.run::<Support>(Ticket { hard: false }).await.unwrap();
        assert_eq!(easy.state, SupportState::Solved);
        let hard = engine.run::<Support>(Ticket { hard: true }).await.unwrap();
        assert_eq!(hard.state, SupportState::Escalated);
        assert_eq!(hard.status, engine::Status::Failed);
    }
}
