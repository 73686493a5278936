//! Who is calling: the admin token, or a merchant's API key, and what it may do.

pub mod api_key;
pub mod permissions;
pub mod principal;
pub mod routes;
mod service;

pub use permissions::{Level, Permission, Permissions, Resource};
pub use principal::{MerchantCaller, Principal};
pub use service::{
    FAILURES_PER_KEY, FAILURES_PER_SOURCE, Identity, check_route, identify, merchant_caller,
};
