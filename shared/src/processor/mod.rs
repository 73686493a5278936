//! The seam to payment processors: charging, the customer's bank step (3-D Secure), refunding.
//!
//! [`Processor`] is what a processor's connector implements; the checkout and refunds never
//! know which one answered. The sandbox decides by test card number; Stripe charges a payment
//! method tokenised in the customer's browser, so no card number ever reaches Payrail.

use std::future::Future;

use crate::payments::card::{Card, CardDetails};
pub use crate::payments::transaction::ProcessorKind;
use crate::payments::transaction::Transaction;
use crate::refunds::Refund;

pub mod config;
mod connected;
mod sandbox;
pub mod service;
#[cfg(feature = "stripe")]
pub mod stripe;
pub mod stripe_signature;

pub use connected::{Connected, connect, connect_merchant};
pub use sandbox::{DECLINED_CARD, INSUFFICIENT_FUNDS_CARD, REFUND_FAILS_CARD, Sandbox};

/// What pays: card details typed on the sandbox's page, or a payment method the processor's own
/// script made in the customer's browser.
#[derive(Debug, Clone, Copy)]
pub enum Instrument<'a> {
    Card(&'a CardDetails),
    PaymentMethod(&'a str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Approved {
        card: Option<Card>,
        payment_id: Option<String>,
    },
    /// Declined, with the reason kept on the transaction (`card_declined`, …).
    Declined {
        reason: String,
        card: Option<Card>,
        payment_id: Option<String>,
    },
    /// The customer's bank asks them to confirm (3-D Secure): the page hands `client_secret` to
    /// the processor's script, then posts back for [`Processor::outcome`].
    RequiresAction {
        client_secret: String,
        payment_id: String,
        card: Option<Card>,
    },
    /// Accepted, outcome later (the processor's webhook settles it).
    Pending { payment_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    Succeeded,
    /// Refused, with the processor's reason kept on the refund.
    Failed(String),
    /// Accepted, outcome later.
    Pending,
}

/// The processor could not give an outcome: nothing is known to have happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcessorError {
    /// Unreachable, timed out, or failing on its side (5xx), after safe retries.
    #[error("the processor is unavailable: {0}")]
    Unavailable(String),
    /// It refused the request itself: a bad key, an idempotency key reused with other
    /// parameters, an instrument this processor does not take.
    #[error("the processor refused the request: {0}")]
    Rejected(String),
}

pub trait Processor: Send + Sync {
    fn kind(&self) -> ProcessorKind;

    /// Whether money really moves (a live key).
    fn livemode(&self) -> bool;

    /// Charges `txn`'s amount to `instrument`, with the transaction id as idempotency key, so
    /// a retry after an unknown outcome never charges twice. A decline is an outcome; an error
    /// means no outcome is known.
    fn charge(
        &self,
        txn: &Transaction,
        instrument: Instrument<'_>,
    ) -> impl Future<Output = Result<ChargeOutcome, ProcessorError>> + Send;

    /// The outcome of payment `payment_id` of `txn` now, after the customer's bank step.
    fn outcome(
        &self,
        txn: &Transaction,
        payment_id: &str,
    ) -> impl Future<Output = Result<ChargeOutcome, ProcessorError>> + Send;

    /// Refunds `refund.amount` of `payment`, with the refund id as idempotency key.
    fn refund(
        &self,
        payment: &Transaction,
        refund: &Refund,
    ) -> impl Future<Output = Result<RefundOutcome, ProcessorError>> + Send;
}
