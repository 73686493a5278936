//! The seam to a payment processor: charging a card and refunding a payment. [`Processor`] is
//! what a real processor's connector implements; the sandbox decides by test card number, so
//! merchants can exercise every outcome.

use std::future::Future;

use crate::checkout::card::CardDetails;
use crate::domain::Money;
use crate::ids::TransactionId;
use crate::payments::refund::Refund;
use crate::payments::transaction::Transaction;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Approved,
    /// Declined, with the reason kept on the transaction (`card_declined`, …).
    Declined(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    Succeeded,
    /// Refused, with the processor's reason kept on the refund.
    Failed(String),
}

/// The processor could not give an outcome: nothing is known to be charged, and the
/// transaction goes back to pending for another try.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcessorError {
    /// Unreachable, timed out, or failing on its side (5xx).
    #[error("the processor is unavailable: {0}")]
    Unavailable(String),
    /// It refused the request itself, e.g. an idempotency key reused with other parameters.
    #[error("the processor refused the request: {0}")]
    Rejected(String),
}

pub trait Processor: Send + Sync {
    /// Charges `amount` to `card`. `reference` is the transaction id: a real processor must use
    /// it as its idempotency key, so a retry after an unknown outcome never charges twice.
    /// A decline is an outcome; an error means no outcome is known.
    fn charge(
        &self,
        amount: Money,
        reference: &TransactionId,
        card: &CardDetails,
    ) -> impl Future<Output = Result<ChargeOutcome, ProcessorError>> + Send;

    /// Refunds `refund.amount` of `payment`. The refund id is the processor's idempotency
    /// key, so a retry after an unknown outcome never refunds twice.
    fn refund(
        &self,
        payment: &Transaction,
        refund: &Refund,
    ) -> impl Future<Output = Result<RefundOutcome, ProcessorError>> + Send;
}

/// Test cards: `4000000000000002` is declined (`card_declined`), `4000000000009995` is declined
/// (`insufficient_funds`); any other valid number is approved. Refunds succeed at once, except
/// for payments made with `4000000000005126`, whose refunds fail (`refund_failed`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Sandbox;

pub const DECLINED_CARD: &str = "4000000000000002";
pub const INSUFFICIENT_FUNDS_CARD: &str = "4000000000009995";
pub const REFUND_FAILS_CARD: &str = "4000000000005126";

impl Processor for Sandbox {
    async fn charge(
        &self,
        _amount: Money,
        _reference: &TransactionId,
        card: &CardDetails,
    ) -> Result<ChargeOutcome, ProcessorError> {
        Ok(match card.number() {
            DECLINED_CARD => ChargeOutcome::Declined("card_declined".into()),
            INSUFFICIENT_FUNDS_CARD => ChargeOutcome::Declined("insufficient_funds".into()),
            _ => ChargeOutcome::Approved,
        })
    }

    async fn refund(
        &self,
        payment: &Transaction,
        _refund: &Refund,
    ) -> Result<RefundOutcome, ProcessorError> {
        let refund_fails = payment
            .card
            .as_ref()
            .is_some_and(|c| REFUND_FAILS_CARD.ends_with(c.last4.as_str()));
        Ok(if refund_fails {
            RefundOutcome::Failed("refund_failed".into())
        } else {
            RefundOutcome::Succeeded
        })
    }
}
