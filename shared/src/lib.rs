//! Payrail's shared core.
//!
//! Every Lambda in `functions/` is a thin adapter: it turns an API Gateway request into a
//! [`http::RequestCtx`], calls one operation from this crate, and renders the answer. Domain
//! types in [`domain`] can only hold valid values, so operations never re-validate; storage in
//! [`store`] is the only code that knows DynamoDB items, secret names and queue messages;
//! [`error::ApiError`] is the only place errors become HTTP statuses.
//!
//! Modules sit in layers (primitives, models, store, adapters, services, edge) and import only
//! their own layer or lower ones; `tests/layers.rs` holds the table and checks every import.

pub mod access_log;
pub mod app;
pub mod auth;
pub mod cache;
pub mod checkout;
pub mod config;
pub mod crypto;
pub mod customers;
pub mod domain;
pub mod error;
pub mod events;
pub mod http;
pub mod ids;
pub mod input;
pub mod keys;
pub mod lambda;
pub mod links;
pub mod logging;
pub mod merchants;
pub mod metrics;
pub mod ownpay;
pub mod payments;
pub mod processor;
pub mod refunds;
pub mod store;
pub mod tenant;
pub mod two_step;
pub mod webhooks;

pub use app::App;
pub use error::ApiError;
