//! The harness's parts, one file per concern; `lib.rs` re-exports what tests use.

pub mod authenticator;
pub mod browser;
pub mod calls;
pub mod endpoints;
pub mod receiver;
pub mod stack;
pub mod stripe;
