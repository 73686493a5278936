//! Payment requests and the transactions they create.

pub mod expiry;
pub mod processor_events;
pub mod refund;
pub mod refunds;
mod request;
mod service;
pub mod transaction;

pub use request::{NewPayment, ShortText};
pub(crate) use service::public_base;
pub use service::{Created, IdempotencyKey, ListFilter, cancel, create, get, list};
pub use transaction::{Card, PaymentStatus, Transaction};
