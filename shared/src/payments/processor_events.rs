//! The processors' own reports about payments, which settle outcomes that arrive after the
//! customer left the page (a bank step finished elsewhere, an asynchronous decision). Each
//! processor's webhooks come here, read and verified by its connector with the merchant's
//! webhook secret, and each settles its transaction at most once: a replayed or out-of-order
//! report changes nothing.

use lambda_http::http::HeaderMap;

use super::transaction::Transaction;
use crate::App;
use crate::checkout::service::settled;
use crate::domain::Timestamp;
use crate::error::{ApiError, ErrorCode};
use crate::events::{Event, EventType};
use crate::ids::MerchantId;
use crate::payments::dispute::Dispute;
use crate::processor::{
    ChargeOutcome, Processor, ProcessorError, ProcessorKind, Report, WebhookError, connect,
};
use crate::store::StoreError;
use crate::store::transactions::{self, FromState};

/// What a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// It settled a transaction.
    Settled,
    /// Its transaction was already settled (a replay, or the page got there first).
    AlreadySettled,
    /// Not about a Payrail payment, or of a type Payrail does not act on.
    Ignored,
}

impl Received {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Settled => "settled",
            Self::AlreadySettled => "already settled",
            Self::Ignored => "ignored",
        }
    }
}

/// A webhook from processor `kind` for `raw_merchant`: 404 when the merchant does not collect
/// through that processor, 400 when it is not the processor's (nothing written on either).
pub async fn receive(
    app: &App,
    kind: ProcessorKind,
    raw_merchant: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Received, ApiError> {
    let not_found = || {
        ApiError::NotFound(format!(
            "no {} account connected for '{raw_merchant}'",
            kind.as_str()
        ))
    };
    let merchant_id = MerchantId::parse(raw_merchant).ok_or_else(not_found)?;
    let merchant = crate::store::merchants::get(app, &merchant_id)
        .await?
        .ok_or_else(not_found)?;
    if merchant.processor.as_ref().map(|p| p.kind) != Some(kind) {
        return Err(not_found());
    }
    let processor = connect(app, &merchant).await?;
    let report = match processor.read_webhook(headers, body, Timestamp::now()) {
        Ok(report) => report,
        Err(WebhookError::Unsupported) => return Err(not_found()),
        Err(e) => return Err(ApiError::bad_request(ErrorCode::BadRequest, e.to_string())),
    };
    let (transaction_id, payment_id, outcome, charged) = match report {
        Report::Payment {
            transaction_id,
            payment_id,
            outcome,
            charged,
        } => (transaction_id, payment_id, outcome, charged),
        Report::Refunds { payment_id } => {
            let Some(txn) = payment_of(app, &processor, &merchant_id, &payment_id).await? else {
                return Ok(Received::Ignored);
            };
            let synced = crate::refunds::sync::sync(app, &processor, &txn, false).await?;
            return Ok(if synced.settled + synced.recorded_outside > 0 {
                Received::Settled
            } else {
                Received::AlreadySettled
            });
        }
        Report::Dispute {
            payment_id,
            id,
            status,
            amount,
            reason,
            created_at,
        } => {
            let Some(txn) = payment_of(app, &processor, &merchant_id, &payment_id).await? else {
                return Ok(Received::Ignored);
            };
            let Some(amount) = amount.filter(|a| a.currency() == txn.amount.currency()) else {
                return Ok(Received::Ignored);
            };
            let dispute = Dispute {
                id,
                status,
                amount,
                reason,
                created_at,
            };
            return record_dispute(app, txn, dispute).await;
        }
        Report::Ignored => return Ok(Received::Ignored),
    };
    let Some(txn) = transactions::get(app, &transaction_id)
        .await?
        .filter(|t| t.merchant_id == merchant_id)
    else {
        return Ok(Received::Ignored);
    };
    // A payment for another amount or currency (made by hand with this transaction's id in its
    // metadata, say) never settles the transaction.
    if charged != Some(txn.amount) {
        tracing::warn!(
            transaction_id = %txn.id, payment_id,
            "a processor's report for another amount than the transaction's was ignored"
        );
        return Ok(Received::Ignored);
    }
    let paid = matches!(outcome, ChargeOutcome::Approved { .. });
    let received = settle(app, kind, txn, outcome, &payment_id).await?;
    if paid && received == Received::AlreadySettled {
        refund_if_duplicate(app, &processor, &transaction_id, &payment_id).await?;
    }
    Ok(received)
}

/// A payment that succeeded for a transaction already paid through another one (an attempt
/// given back as not made, that went through after all): the customer paid twice, and this
/// one is refunded in full at once.
async fn refund_if_duplicate(
    app: &App,
    processor: &impl Processor,
    id: &crate::ids::TransactionId,
    payment_id: &str,
) -> Result<(), ApiError> {
    let Some(txn) = transactions::get(app, id).await? else {
        return Ok(());
    };
    let paid_through_another = matches!(
        txn.status,
        super::PaymentStatus::Paid | super::PaymentStatus::Refunded
    ) && txn
        .processor_payment_id
        .as_deref()
        .is_some_and(|paid| paid != payment_id);
    if !paid_through_another {
        return Ok(());
    }
    tracing::error!(
        transaction_id = %txn.id, payment_id,
        "a second payment succeeded for a paid transaction: refunding it in full"
    );
    processor
        .refund_duplicate(&txn, payment_id)
        .await
        .map_err(|e| ApiError::Unavailable(Box::new(e)))?;
    Ok(())
}

/// The merchant's transaction that the processor's payment `payment_id` was made for, as the
/// processor itself describes the payment (its amount must be the transaction's).
async fn payment_of(
    app: &App,
    processor: &impl Processor,
    merchant: &MerchantId,
    payment_id: &str,
) -> Result<Option<Transaction>, ApiError> {
    let facts = match processor.payment(payment_id).await {
        Ok(facts) => facts,
        // Not a payment of the account connected now: nothing of this merchant's to change.
        // Any other refusal (a rolled key, a missing permission) is answered 503, so Stripe
        // sends the event again once the merchant fixed it.
        Err(ProcessorError::Missing(_)) => return Ok(None),
        Err(e) => return Err(ApiError::Unavailable(Box::new(e))),
    };
    let Some(id) = facts.transaction_id else {
        return Ok(None);
    };
    Ok(transactions::get(app, &id).await?.filter(|t| {
        &t.merchant_id == merchant
            && t.processor_payment_id.as_deref() == Some(payment_id)
            && facts.amount == Some(t.amount)
    }))
}

/// Records a dispute's news on its transaction with `payment.disputed` (opened) or
/// `payment.dispute_closed` (won or lost), each once; a step between them (`under_review`)
/// is recorded without an event.
async fn record_dispute(
    app: &App,
    txn: Transaction,
    dispute: Dispute,
) -> Result<Received, ApiError> {
    if let Some(known) = txn.dispute.as_ref().filter(|d| d.id == dispute.id)
        && !dispute.status.is_closed()
    {
        if known.status == dispute.status || known.status.is_closed() {
            return Ok(Received::AlreadySettled);
        }
        return match transactions::update_dispute(app, &txn.id, &dispute, known.status).await {
            Ok(()) => Ok(Received::Settled),
            Err(StoreError::ConditionFailed) => Ok(Received::AlreadySettled),
            Err(e) => Err(e.into()),
        };
    }
    let now = Timestamp::now();
    let kind = if dispute.status.is_closed() {
        EventType::PaymentDisputeClosed
    } else {
        EventType::PaymentDisputed
    };
    let mut after = txn.clone();
    after.dispute = Some(dispute.clone());
    let event = Event::for_transaction(kind, &after, now);
    match transactions::record_dispute(app, &txn, &dispute, &event).await {
        Ok(()) => Ok(Received::Settled),
        Err(StoreError::ConditionFailed) => Ok(Received::AlreadySettled),
        Err(e) => Err(e.into()),
    }
}

async fn settle(
    app: &App,
    kind: ProcessorKind,
    before: Transaction,
    outcome: ChargeOutcome,
    payment_id: &str,
) -> Result<Received, ApiError> {
    let now = Timestamp::now();
    let paid = matches!(outcome, ChargeOutcome::Approved { .. });
    let Ok((mut after, event_type)) = settled(&before, outcome, now) else {
        return Ok(Received::Ignored);
    };
    after.processor.get_or_insert(kind);
    let event = Event::for_transaction(event_type, &after, now);
    let from = FromState::Reported { payment_id, paid };
    match transactions::finish(app, from, &before, &after, &event, now).await {
        Ok(()) => Ok(Received::Settled),
        Err(StoreError::ConditionFailed) => Ok(Received::AlreadySettled),
        Err(e) => Err(e.into()),
    }
}
