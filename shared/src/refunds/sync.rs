//! Bringing Payrail's refunds of a payment in line with the processor's: each pending refund
//! takes the outcome the processor now reports, and a refund made outside Payrail (in Stripe's
//! Dashboard) becomes a Payrail refund, once, however many events report it.

use super::refund::{Refund, RefundStatus};
use super::service::record;
use crate::App;
use crate::domain::Timestamp;
use crate::error::ApiError;
use crate::ids::RefundId;
use crate::payments::transaction::Transaction;
use crate::processor::{Processor, ProcessorError, ProcessorRefund, RefundOutcome};
use crate::store::refunds::{self as store, Hold};
use crate::store::transactions;

/// What a sync did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    /// Pending refunds that reached an outcome, and refunds made outside Payrail recorded.
    pub settled: usize,
    pub recorded_outside: usize,
    /// Refunds still pending after it.
    pub pending: usize,
}

/// Reads the processor's refunds of `txn` and records what Payrail does not know yet. With
/// `resend`, a pending refund of Payrail's that the processor does not hold (its request never
/// arrived) is asked for again under its own idempotency key.
pub async fn sync(
    app: &App,
    processor: &impl Processor,
    txn: &Transaction,
    resend: bool,
) -> Result<Synced, ApiError> {
    let mut theirs = processor
        .refunds_of(txn)
        .await
        .map_err(|e| ApiError::Unavailable(Box::new(e)))?;
    theirs.sort_by_key(|r| r.created_at);
    let ours = store::of_transaction(app, &txn.id).await?;
    let mut synced = Synced::default();
    for found in &theirs {
        let mine = ours.iter().find(|r| {
            Some(&r.id) == found.refund_id.as_ref()
                || r.processor_refund_id.as_deref() == Some(found.id.as_str())
        });
        match mine {
            Some(refund) if refund.status == RefundStatus::Pending => {
                if found.outcome != RefundOutcome::Pending {
                    record(app, refund.clone(), found.outcome.clone()).await?;
                    synced.settled += 1;
                }
            }
            Some(_) => {}
            // Made by Payrail, but recorded under another transaction: not this one's.
            None if found.refund_id.is_some() => {}
            None => {
                if record_outside(app, txn, found).await? {
                    synced.recorded_outside += 1;
                }
            }
        }
    }
    for refund in ours.iter().filter(|r| r.status == RefundStatus::Pending) {
        let held_there = theirs.iter().any(|t| {
            t.refund_id.as_ref() == Some(&refund.id)
                || refund.processor_refund_id.as_deref() == Some(t.id.as_str())
        });
        if held_there || !resend || refund.processor_refund_id.is_some() {
            continue;
        }
        // Payrail asked, but the processor holds no such refund: ask again, same key. A
        // definite refusal fails it, its amount released.
        let outcome = match processor.refund(txn, refund).await {
            Ok(RefundOutcome::Pending)
            | Err(ProcessorError::Unavailable(_) | ProcessorError::Unknown(_)) => continue,
            Ok(outcome) => outcome,
            Err(ProcessorError::Rejected(why) | ProcessorError::Missing(why)) => {
                RefundOutcome::Failed(super::service::refused_reason(&why))
            }
        };
        record(app, refund.clone(), outcome).await?;
        synced.settled += 1;
    }
    synced.pending = store::of_transaction(app, &txn.id)
        .await?
        .iter()
        .filter(|r| r.status == RefundStatus::Pending)
        .count();
    Ok(synced)
}

/// Records a refund made outside Payrail as a refund of `txn`, keyed by the processor's id so
/// a second report of it changes nothing; `false` when it was recorded before or cannot be.
async fn record_outside(
    app: &App,
    txn: &Transaction,
    found: &ProcessorRefund,
) -> Result<bool, ApiError> {
    let Some(amount) = found
        .amount
        .filter(|a| a.currency() == txn.amount.currency())
    else {
        tracing::warn!(transaction_id = %txn.id, refund = found.id, "a refund in another currency was ignored");
        return Ok(false);
    };
    // The processor's refund id is its idempotency key: one Payrail refund per processor refund.
    let key = format!("processor:{}", found.id);
    let mut current = txn.clone();
    for _ in 0..8 {
        let now = Timestamp::now();
        if amount.minor() > current.refundable_minor() {
            tracing::error!(
                transaction_id = %txn.id, refund = found.id,
                "the processor refunded more than Payrail holds as refundable"
            );
            return Ok(false);
        }
        let refund = Refund {
            id: RefundId::generate(),
            transaction_id: txn.id.clone(),
            merchant_id: txn.merchant_id.clone(),
            amount,
            status: RefundStatus::Pending,
            reason: None,
            failure_reason: None,
            fingerprint: key.clone(),
            created_at: found.created_at,
            processor_refund_id: Some(found.id.clone()),
        };
        match store::hold(
            app,
            &current,
            &refund,
            Some(&key),
            now,
            app.settings.reconcile_after,
        )
        .await?
        {
            Hold::Held => {
                record(app, refund, found.outcome.clone()).await?;
                return Ok(true);
            }
            Hold::Duplicate(_) => return Ok(false),
            Hold::Stale => {
                current = transactions::get(app, &txn.id)
                    .await?
                    .ok_or_else(|| ApiError::internal("transaction vanished during a refund"))?;
            }
        }
    }
    Err(ApiError::internal(
        "a refund made outside Payrail could not be recorded after repeated concurrent changes",
    ))
}
