//! A whole flow, with its actions, written by a declarative macro: one per product.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

macro_rules! product_flow {
    ($flow:ident, $reserve:ident, $release:ident) => {
        #[derive(Instruction)]
        pub enum $flow {
            Reserved,
            OutOfStock,
        }

        #[action(compensate = $release)]
        async fn $reserve(ctx: &mut Context<Order>) -> Result<$flow, ActionError> {
            let _ = ctx.instance();
            Ok($flow::Reserved)
        }

        async fn $release(ctx: &mut Context<Order>) -> Result<(), ActionError> {
            let _ = ctx.instance();
            Ok(())
        }

        mod flows {
            use super::*;

            flow! {
                pub flow $flow: Order {
                    start Created;
                    Created => $reserve { Reserved => Reserved, OutOfStock => Rejected }
                    wait Reserved on super::$flow, timeout 48h => Rejected { Reserved => Done, OutOfStock => Rejected }
                    success Done;
                    failure Rejected;
                }
            }
        }
    };
}

product_flow!(Books, reserve_books, release_books);

fn main() {
    use flows::{Books, BooksState};
    assert_eq!(<Books as Flow>::START, BooksState::Created);
    let moved = <Books as Flow>::signal(BooksState::Reserved, "Reserved").unwrap();
    assert_eq!(moved.next, BooksState::Done);
}
