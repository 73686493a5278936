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
use crate::events::Event;
use crate::ids::MerchantId;
use crate::processor::{ChargeOutcome, Processor, ProcessorKind, Report, WebhookError, connect};
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
    let Report::Payment {
        transaction_id,
        payment_id,
        outcome,
        charged,
    } = report
    else {
        return Ok(Received::Ignored);
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
    settle(app, kind, txn, outcome, &payment_id).await
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
