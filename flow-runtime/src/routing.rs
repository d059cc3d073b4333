//! Routing: which flow version serves a request. A request has a kind (`checkout`),
//! attributes (tenant, channel, amount ...) and a routing key (a customer id); per kind, the
//! [`Router`] tries an explicit pin, then attribute rules in order, then a weighted split
//! that hashes the key, so a customer always gets the same variant of an experiment.
//!
//! ```
//! use flow_runtime::routing::{Condition, KindRoutes, RouteRequest, Router, Variant};
//!
//! let router = Router::new().kind(
//!     "checkout",
//!     KindRoutes::new()
//!         .rule(Condition::equals("tenant", "acme"), Variant::new("v2", "Checkout", 2))
//!         .split([
//!             (Variant::new("control", "Checkout", 1), 80),
//!             (Variant::new("v2", "Checkout", 2), 20),
//!         ]),
//! );
//! let request = RouteRequest::new("checkout").attribute("tenant", "acme").key("customer-7");
//! let choice = router.route(&request, String::new)?;
//! assert_eq!(choice.variant.name, "v2");
//! # Ok::<(), flow_runtime::routing::RouteError>(())
//! ```
//!
//! [`Engine::route`](crate::Engine::route) starts the chosen flow version and records the
//! variant and the reason on the instance: as routing labels (`variant`), so statistics are
//! kept per variant, and in its journal.

mod condition;
mod request;
mod router;
mod split;

pub use condition::Condition;
pub use request::{AttributeValue, RouteRequest};
pub use router::{
    AttributeRule, KindRoutes, RouteChoice, RouteError, RouteReason, Router, Variant,
};
