//! Integration tests across the flow crates live in `tests/tests/`. This library holds what
//! several of them share: the store conformance suite and the test servers' URLs.

pub mod api_server;
pub mod conformance;
pub mod crash_flow;
pub mod http_client;
pub mod http_flow;
pub mod kill_flow;
pub mod servers;
