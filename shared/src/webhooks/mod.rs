//! Webhooks: merchants' endpoints, their signing keys, and delivering events to them
//! (Standard Webhooks format, or a gateway-compatible one: see [`format`]), with retries, a delivery log and an SSRF guard.
//!
//! Flow: a change commits its event (see [`crate::events`]); the events table's stream feeds
//! [`dispatch`], which queues one SQS job per subscribed endpoint; the fan-out function runs
//! [`deliver`] for each job, signing exactly the bytes it sends.

pub mod attempt;
#[cfg(feature = "delivery")]
pub mod deliver;
pub mod dispatch;
pub mod endpoint;
pub mod format;
pub mod job;
pub mod recover;
pub mod retry;
pub mod secrets;
pub mod service;
pub mod signing;
pub mod ssrf;

pub use attempt::Attempt;
pub use endpoint::WebhookEndpoint;
