//! Charging a card. [`Processor`] is what a real acquirer integration implements; the sandbox
//! decides by test card number, so merchants can exercise every outcome.

use std::future::Future;

use super::card::CardDetails;
use crate::domain::Money;
use crate::ids::TransactionId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Approved,
    /// Declined, with the reason kept on the transaction (`card_declined`, …).
    Declined(String),
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
}

/// Test cards: `4000000000000002` is declined (`card_declined`), `4000000000009995` is declined
/// (`insufficient_funds`); any other valid number is approved.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sandbox;

pub const DECLINED_CARD: &str = "4000000000000002";
pub const INSUFFICIENT_FUNDS_CARD: &str = "4000000000009995";

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
}
