//! The processor's own reports about payments, which settle outcomes that arrive after the
//! customer left the page (a bank step finished elsewhere, an asynchronous decision). Stripe's
//! webhooks come here, verified by `Stripe-Signature` with the merchant's webhook secret, and
//! each settles its transaction at most once: a replayed or out-of-order report changes nothing.

use serde_json::Value;

use super::transaction::Transaction;
use crate::App;
use crate::checkout::service::settled;
use crate::domain::Timestamp;
use crate::error::{ApiError, ErrorCode};
use crate::events::Event;
use crate::ids::{MerchantId, TransactionId};
use crate::processor::stripe_signature::{self, SignatureError};
use crate::processor::{ChargeOutcome, ProcessorKind};
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

/// A Stripe webhook for `raw_merchant`: 404 for a merchant without Stripe, 400 for a bad
/// signature (nothing written on either).
pub async fn stripe(
    app: &App,
    raw_merchant: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Received, ApiError> {
    let not_found =
        || ApiError::NotFound(format!("no Stripe account connected for '{raw_merchant}'"));
    let merchant_id = MerchantId::parse(raw_merchant).ok_or_else(not_found)?;
    let merchant = crate::store::merchants::get(app, &merchant_id)
        .await?
        .ok_or_else(not_found)?;
    if merchant.processor.as_ref().map(|p| p.kind) != Some(ProcessorKind::Stripe) {
        return Err(not_found());
    }
    let secrets = crate::store::processor_secrets::get(app, &merchant_id)
        .await?
        .ok_or_else(not_found)?;
    let header = signature.ok_or_else(|| bad_signature(SignatureError::Malformed))?;
    stripe_signature::verify(
        &secrets.webhook_secret,
        header,
        body,
        Timestamp::now().unix(),
    )
    .map_err(bad_signature)?;

    let event: Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::bad_request(ErrorCode::InvalidJson, "the event is not JSON"))?;
    let pi = &event["data"]["object"];
    let paid = match event["type"].as_str() {
        Some("payment_intent.succeeded") => true,
        Some("payment_intent.payment_failed") => false,
        _ => return Ok(Received::Ignored),
    };
    let (Some(payment_id), Some(txn_id)) = (
        pi["id"].as_str(),
        pi["metadata"]["transaction_id"]
            .as_str()
            .and_then(TransactionId::parse),
    ) else {
        return Ok(Received::Ignored);
    };
    let Some(txn) = transactions::get(app, &txn_id)
        .await?
        .filter(|t| t.merchant_id == merchant_id)
    else {
        return Ok(Received::Ignored);
    };
    let outcome = if paid {
        ChargeOutcome::Approved {
            card: None,
            payment_id: Some(payment_id.to_owned()),
        }
    } else {
        let error = &pi["last_payment_error"];
        ChargeOutcome::Declined {
            reason: error["decline_code"]
                .as_str()
                .or(error["code"].as_str())
                .unwrap_or("card_declined")
                .to_owned(),
            card: None,
            payment_id: Some(payment_id.to_owned()),
        }
    };
    settle(app, txn, outcome, payment_id, paid).await
}

async fn settle(
    app: &App,
    before: Transaction,
    outcome: ChargeOutcome,
    payment_id: &str,
    paid: bool,
) -> Result<Received, ApiError> {
    let now = Timestamp::now();
    let Ok((mut after, kind)) = settled(&before, outcome, now) else {
        return Ok(Received::Ignored);
    };
    after.processor.get_or_insert(ProcessorKind::Stripe);
    let event = Event::for_transaction(kind, &after, now);
    let from = FromState::Reported { payment_id, paid };
    match transactions::finish(app, from, &before, &after, &event, now).await {
        Ok(()) => Ok(Received::Settled),
        Err(StoreError::ConditionFailed) => Ok(Received::AlreadySettled),
        Err(e) => Err(e.into()),
    }
}

fn bad_signature(e: SignatureError) -> ApiError {
    ApiError::bad_request(
        ErrorCode::BadRequest,
        format!("invalid Stripe-Signature: {e}"),
    )
}
