//! Merchant API keys: labelled, scoped, shown once, revocable, rotatable.

pub mod key;
mod service;

pub use key::{ApiKey, KeyLabel, KeyScope, KeyStatus, RateWindow};
pub use service::{create, current, list, merchant_in_scope, revoke, rotate};
