//! The sandbox processor: no money moves; test card numbers choose the outcome.

use super::{ChargeOutcome, Instrument, Processor, ProcessorError, ProcessorKind, RefundOutcome};
use crate::payments::transaction::Transaction;
use crate::refunds::refund::Refund;

/// Test cards: `4000000000000002` is declined (`card_declined`), `4000000000009995` is declined
/// (`insufficient_funds`); any other valid number is approved. Refunds succeed at once, except
/// for payments made with `4000000000005126`, whose refunds fail (`refund_failed`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Sandbox;

pub const DECLINED_CARD: &str = "4000000000000002";
pub const INSUFFICIENT_FUNDS_CARD: &str = "4000000000009995";
pub const REFUND_FAILS_CARD: &str = "4000000000005126";

impl Processor for Sandbox {
    fn kind(&self) -> ProcessorKind {
        ProcessorKind::Sandbox
    }

    fn livemode(&self) -> bool {
        false
    }

    async fn charge(
        &self,
        _txn: &Transaction,
        instrument: Instrument<'_>,
    ) -> Result<ChargeOutcome, ProcessorError> {
        let Instrument::Card(card) = instrument else {
            return Err(ProcessorError::Rejected(
                "the sandbox takes card details, not payment methods".into(),
            ));
        };
        let summary = Some(card.summary());
        Ok(match card.number() {
            DECLINED_CARD => ChargeOutcome::Declined {
                reason: "card_declined".into(),
                card: summary,
                payment_id: None,
            },
            INSUFFICIENT_FUNDS_CARD => ChargeOutcome::Declined {
                reason: "insufficient_funds".into(),
                card: summary,
                payment_id: None,
            },
            _ => ChargeOutcome::Approved {
                card: summary,
                payment_id: None,
            },
        })
    }

    async fn outcome(
        &self,
        _txn: &Transaction,
        _payment_id: &str,
    ) -> Result<ChargeOutcome, ProcessorError> {
        Err(ProcessorError::Rejected(
            "the sandbox has no bank step".into(),
        ))
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
