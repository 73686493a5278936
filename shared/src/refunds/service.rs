//! Refunding a paid transaction, in full or in part, through the merchant's processor.
//!
//! The amount is held on the transaction before the processor is called (see
//! [`crate::store::refunds`]), so concurrent refunds can never add up to more than was paid, and
//! the processor is never asked for money that is not there.

use super::refund::{NewRefund, Refund, RefundStatus};
use crate::App;
use crate::auth::MerchantCaller;
use crate::domain::Timestamp;
use crate::error::{ApiError, ErrorCode};
use crate::events::{Event, EventType};
use crate::ids::RefundId;
use crate::input::JsonObject;
use crate::input::{IdempotencyKey, ListParams};
use crate::payments::transaction::{PaymentStatus, Transaction};
use crate::processor::{Processor, ProcessorError, RefundOutcome, Sandbox, Through, through};
use crate::store::listing::ListPage;
use crate::store::refunds::{self as store, Hold, Settle};
use crate::store::transactions;
use crate::tenant::find;

/// Times a refund reads the transaction again after a concurrent change before giving up.
const ATTEMPTS: usize = 8;

/// A refund, and whether it is the original answered again for a repeated request.
pub struct Refunded {
    pub refund: Refund,
    pub replayed: bool,
}

/// Refunds `amount` (default: all that is left) of one of the caller's paid transactions,
/// through the processor that took it.
pub async fn create(
    app: &App,
    caller: &MerchantCaller,
    processor: &impl Processor,
    raw_id: &str,
    body: &JsonObject,
    idempotency_key: Option<&IdempotencyKey>,
) -> Result<Refunded, ApiError> {
    let new = NewRefund::parse(body)?;
    let mut txn: Transaction = find(app, caller, raw_id).await?;
    let by_sandbox = match through(processor, &txn) {
        Through::Connected => false,
        Through::Sandbox => true,
        Through::Refused(why) => return Err(ApiError::Conflict(ErrorCode::ProcessorChanged, why)),
    };
    let fingerprint = new.fingerprint(&txn.id);
    let key = idempotency_key.map(IdempotencyKey::as_str);
    if let Some(key) = key
        && let Some(earlier) = store::replay_of(app, &caller.merchant_id, key).await?
    {
        return replay(app, earlier, &fingerprint).await;
    }
    for _ in 0..ATTEMPTS {
        let now = Timestamp::now();
        refundable(&txn, now)?;
        let amount = new.amount(&txn, txn.refundable_minor())?;
        let refund = Refund {
            id: RefundId::generate(),
            transaction_id: txn.id.clone(),
            merchant_id: caller.merchant_id.clone(),
            amount,
            status: RefundStatus::Pending,
            reason: new.reason.as_ref().map(|r| r.as_str().to_owned()),
            failure_reason: None,
            fingerprint: fingerprint.clone(),
            created_at: now,
            processor_refund_id: None,
        };
        match store::hold(app, &txn, &refund, key, now, app.settings.reconcile_after).await? {
            Hold::Held => {
                let refund = if by_sandbox {
                    settle(app, &Sandbox, &txn, refund).await?
                } else {
                    settle(app, processor, &txn, refund).await?
                };
                return Ok(Refunded {
                    refund,
                    replayed: false,
                });
            }
            Hold::Duplicate(earlier) => return replay(app, earlier, &fingerprint).await,
            Hold::Stale => {
                txn = transactions::get(app, &txn.id)
                    .await?
                    .ok_or_else(|| ApiError::internal("transaction vanished during a refund"))?;
            }
        }
    }
    Err(ApiError::Conflict(
        ErrorCode::ConcurrentChange,
        "the transaction kept changing while this refund was made; try again".into(),
    ))
}

/// One page of the refunds of one of the caller's transactions, newest first.
pub async fn list(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
    page: &ListParams<RefundId>,
) -> Result<ListPage<Refund>, ApiError> {
    let txn: Transaction = find(app, caller, raw_id).await?;
    Ok(store::page(app, &txn.id, page.limit, page.after.as_ref()).await?)
}

/// Only a paid transaction can be refunded; a fully refunded one has nothing left (422 on
/// `amount`, from the amount check).
fn refundable(txn: &Transaction, now: Timestamp) -> Result<(), ApiError> {
    match txn.status_at(now) {
        PaymentStatus::Paid | PaymentStatus::Refunded => Ok(()),
        state => Err(ApiError::Conflict(
            ErrorCode::InvalidState,
            format!(
                "transaction '{}' is {}; only a paid transaction can be refunded",
                txn.id,
                state.as_str()
            ),
        )),
    }
}

/// The refund an `Idempotency-Key` made first, if this request is the same one.
async fn replay(
    app: &App,
    earlier: store::Earlier,
    fingerprint: &str,
) -> Result<Refunded, ApiError> {
    if earlier.fingerprint != fingerprint {
        return Err(ApiError::Conflict(
            ErrorCode::IdempotencyKeyReused,
            "Idempotency-Key was already used with different parameters".into(),
        ));
    }
    let refund = store::get(app, &earlier.transaction_id, &earlier.refund_id)
        .await?
        .ok_or_else(|| ApiError::internal("refund guard points at a missing refund"))?;
    Ok(Refunded {
        refund,
        replayed: true,
    })
}

/// Asks the processor for a held refund and records its answer with the events it causes.
/// A definite refusal fails it at once, its amount released; without an answer (or while the
/// processor works on it) it stays pending with its amount held, for the processor's events or
/// the reconciliation sweep to settle.
async fn settle(
    app: &App,
    processor: &impl Processor,
    txn: &Transaction,
    refund: Refund,
) -> Result<Refund, ApiError> {
    let outcome = match processor.refund(txn, &refund).await {
        Ok(RefundOutcome::Pending) => return Ok(refund),
        Ok(outcome) => outcome,
        Err(ProcessorError::Rejected(why) | ProcessorError::Missing(why)) => {
            tracing::warn!(refund_id = %refund.id, error = %why, "the processor refused the refund");
            RefundOutcome::Failed(refused_reason(&why))
        }
        Err(e) => {
            tracing::warn!(refund_id = %refund.id, error = %e, "refund outcome unknown; left pending");
            return Ok(refund);
        }
    };
    record(app, refund, outcome).await
}

/// A refusal's text as a refund's `failure_reason`, within the length a reason may have.
pub(crate) fn refused_reason(why: &str) -> String {
    let mut reason = format!("refused: {why}");
    if let Some((cut, _)) = reason.char_indices().nth(500) {
        reason.truncate(cut);
    }
    reason
}

/// Records a pending refund's final `outcome` with its events: succeeded counts it as
/// refunded (and the payment as `refunded` once all of it is); failed releases its amount. A
/// refund settled meanwhile (by another path) answers as it was settled.
pub(crate) async fn record(
    app: &App,
    refund: Refund,
    outcome: RefundOutcome,
) -> Result<Refund, ApiError> {
    let mut settled = refund.clone();
    match outcome {
        RefundOutcome::Succeeded => settled.status = RefundStatus::Succeeded,
        RefundOutcome::Failed(reason) => {
            settled.status = RefundStatus::Failed;
            settled.failure_reason = Some(reason);
        }
        RefundOutcome::Pending => return Ok(refund),
    }
    let amount = settled.amount.minor();
    for _ in 0..ATTEMPTS {
        let now = Timestamp::now();
        let current = transactions::get(app, &refund.transaction_id)
            .await?
            .ok_or_else(|| ApiError::internal("transaction vanished during a refund"))?;
        let mut after = current.clone();
        let mut events = Vec::new();
        if settled.status == RefundStatus::Succeeded {
            after.refunded_minor += amount;
            if after.refunded_minor == after.amount.minor() {
                after.status = PaymentStatus::Refunded;
            }
            events.push(Event::for_refund(
                EventType::RefundSucceeded,
                &settled,
                &after,
                now,
            ));
            if after.status == PaymentStatus::Refunded {
                events.push(Event::for_transaction(
                    EventType::PaymentRefunded,
                    &after,
                    now,
                ));
            }
        } else {
            after.refund_held_minor -= amount;
            events.push(Event::for_refund(
                EventType::RefundFailed,
                &settled,
                &after,
                now,
            ));
        }
        match store::settle(app, &current, &settled, &events).await? {
            Settle::Settled => return Ok(settled),
            // Another attempt settled it first: answer what it wrote.
            Settle::Done => {
                return store::get(app, &refund.transaction_id, &refund.id)
                    .await?
                    .ok_or_else(|| ApiError::internal("settled refund vanished"));
            }
            Settle::Stale => continue,
        }
    }
    Err(ApiError::internal(
        "refund could not be recorded after repeated concurrent changes",
    ))
}
