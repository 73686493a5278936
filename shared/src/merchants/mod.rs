//! Merchants: the accounts that own keys, payments and webhook endpoints. Admin-only.

pub mod merchant;
mod service;

pub use merchant::{DEFAULT_RATE_LIMIT, MAX_RATE_LIMIT, Merchant, MerchantName};
pub use service::{create, get, list, update};
