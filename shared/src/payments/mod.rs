//! Payment requests and the transactions they create.

pub mod expiry;
mod request;
mod service;
pub mod transaction;

pub use request::NewPayment;
pub use service::{Created, IdempotencyKey, ListFilter, create, get, list};
pub use transaction::{Card, PaymentStatus, Transaction};
