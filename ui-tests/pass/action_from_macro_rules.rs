//! Actions written by a declarative macro, as a benchmark or a product catalogue would: the
//! generated code passes the context on by the name the macro gave it.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

macro_rules! no_op_actions {
    ($($name:ident),* $(,)?) => {
        $(
            #[action(readonly)]
            async fn $name(ctx: &mut Context<Order>) -> Result<(), ActionError> {
                let _ = ctx.instance();
                Ok(())
            }
        )*
    };
}

no_op_actions!(first, second, third);

// The parameter's name comes from the caller and the body from the macro.
macro_rules! action_with_context_named {
    ($name:ident, $ctx:ident) => {
        #[action(readonly, query = $name)]
        async fn $name($ctx: &mut Context<Order>) -> Result<(), ActionError> {
            let _ = $ctx.instance();
            Ok(())
        }
    };
}

action_with_context_named!(fourth, context);

flow! {
    pub flow Chain: Order {
        start A;
        A => first => B;
        B => second => C;
        C => third => D;
        D => fourth => Done;
        success Done;
    }
}

fn main() {
    assert_eq!(<Chain as Flow>::START, ChainState::A);
}
