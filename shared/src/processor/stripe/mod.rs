//! Stripe, in one folder: the typed API ([`api`]), the HTTPS client, the status mapping, the
//! connector that implements [`crate::processor::Processor`], its webhooks and their signatures,
//! and the shape of its keys.

mod api;
mod client;
mod connector;
pub mod credentials;
pub mod limits;
pub mod signature;
mod status;
mod webhook;

pub use connector::Stripe;
