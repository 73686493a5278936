//! Refunds: the money a merchant returns on a paid payment, in full or in parts, through the
//! processor that took it.

pub mod refund;
mod service;
pub mod sync;

pub use refund::{NewRefund, Refund, RefundReason, RefundStatus};
pub use service::{Refunded, create, list};
