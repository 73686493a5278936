//! Payment requests and the transactions they create.

pub mod card;
pub mod dispute;
pub mod expiry;
pub mod processor_events;
pub mod reconcile;
mod request;
mod service;
pub mod transaction;

pub use card::{Card, CardDetails};
pub use dispute::{Dispute, DisputeStatus};
pub use request::{NewPayment, ShortText};
pub(crate) use service::public_base;
pub use service::{Created, ListFilter, cancel, create, get, list};
pub use transaction::{PaymentStatus, ProcessorKind, Transaction};
