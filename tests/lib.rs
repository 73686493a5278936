//! Test harness: a whole Payrail stack per test (its own tables and secrets in the shared local
//! emulator, under a unique prefix) served over real HTTP by the local router, which calls the
//! real Lambda handlers.
//!
//! The helpers live in `support/`, one file per concern, and are re-exported here so that a
//! test imports them from the crate root and no test file keeps a copy of its own:
//! - `stack`: starting a stack, and the merchants, keys and payments most tests begin with;
//! - `calls`: requests and their answers, the payment body tests share, and clients;
//! - `endpoints`: webhook endpoints made through the API, and their delivery logs;
//! - `receiver`: a webhook receiver that records what it is sent;
//! - `browser`: headless Chromium, and the Developer Hub as a page object;
//! - `authenticator`: two-step codes, computed as an authenticator app does;
//! - `stripe`: merchants connected to the Stripe stand-in, and the stand-in's controls.

mod support;

pub use payrail_local;
pub use support::calls::{Answer, ensure_minute_has, no_redirects, payment};
pub use support::endpoints::{Endpoint, NewEndpoint};
pub use support::receiver::{Delivery, Receiver, hex_hmac};
pub use support::stack::{TestStack, template};
pub use support::{authenticator, browser, stripe};
