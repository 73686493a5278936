//! Paying a transaction on the hosted checkout.

use subtle::ConstantTimeEq;
use url::Url;

use super::card::CardDetails;
use crate::App;
use crate::domain::Timestamp;
use crate::error::{ApiError, FieldErrors};
use crate::events::{Event, EventType};
use crate::http::JsonObject;
use crate::payments::{PaymentStatus, Transaction};
use crate::processor::{ChargeOutcome, Processor};
use crate::store::transactions::{CLAIM_HOLD, FromState, claim, finish, release};
use crate::store::{self, StoreError};
use crate::tenant::Tenant;

/// What the checkout page shows.
#[derive(Debug, Clone)]
pub struct CheckoutView {
    pub txn: Transaction,
    pub merchant_name: String,
}

pub enum PayOutcome {
    /// Done: send the customer back to the merchant (303).
    Redirect(String),
    /// The form has errors; nothing changed (422).
    Invalid(CheckoutView, FieldErrors),
    /// The form did not come from this page (403).
    BadToken(CheckoutView),
    /// Already paid, declined or expired, or another submission is paying it: show that
    /// instead (409). Nothing was charged.
    NotPayable(CheckoutView),
    /// The processor gave no outcome; the payment is pending again and nothing is known to be
    /// charged (503).
    ProcessorFailed(CheckoutView),
}

/// The transaction and its merchant's name; 404 for an unknown id.
pub async fn view(app: &App, raw_id: &str) -> Result<CheckoutView, ApiError> {
    let txn: Transaction = crate::tenant::find(app, Tenant::Any, raw_id).await?;
    let merchant_name = store::merchants::get(app, &txn.merchant_id)
        .await?
        .map(|m| m.name)
        .unwrap_or_default();
    Ok(CheckoutView { txn, merchant_name })
}

/// Where the customer goes next: `success_url` when paid, else `cancel_url`, with the
/// transaction id appended so the merchant's page can look it up.
pub fn return_url(txn: &Transaction) -> String {
    let base = match txn.status {
        PaymentStatus::Paid => txn.success_url.as_url(),
        _ => txn.cancel_url.as_url(),
    };
    let mut url: Url = base.clone();
    url.query_pairs_mut()
        .append_pair("transaction_id", txn.id.as_str());
    url.to_string()
}

fn today(now: Timestamp) -> (u16, u8) {
    let t = time::OffsetDateTime::from_unix_timestamp(now.unix())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    (t.year() as u16, u8::from(t.month()))
}

/// Validates the card form, claims the transaction, charges it once, and settles it as `paid`
/// or `declined` together with its event, whatever the concurrency: only the submission that
/// won the claim calls the processor, so concurrent submissions never charge twice.
///
/// A declined transaction is final: the customer returns to the merchant's `cancel_url`, and
/// the merchant creates a new payment request to try again. Every transaction has exactly one
/// outcome, which keeps webhooks and reconciliation simple.
pub async fn pay(
    app: &App,
    processor: &impl Processor,
    raw_id: &str,
    form: &JsonObject,
) -> Result<PayOutcome, ApiError> {
    let view = view(app, raw_id).await?;
    let now = Timestamp::now();
    if !view.txn.payable_at(now) {
        return Ok(PayOutcome::NotPayable(view));
    }
    let token = form.string("token").ok().flatten().unwrap_or_default();
    let expected = view.txn.checkout_token.as_bytes();
    if expected.is_empty()
        || token.len() != expected.len()
        || !bool::from(token.as_bytes().ct_eq(expected))
    {
        return Ok(PayOutcome::BadToken(view));
    }
    let card = match CardDetails::parse(form, today(now)) {
        Ok(card) => card,
        Err(errors) => return Ok(PayOutcome::Invalid(view, errors)),
    };

    let (before, claim) = match claim(app, &view.txn.id, now, CLAIM_HOLD).await {
        Ok(claimed) => claimed,
        // Another submission holds it, or it was paid, declined or expired meanwhile.
        Err(StoreError::ConditionFailed) => {
            return Ok(PayOutcome::NotPayable(self::view(app, raw_id).await?));
        }
        Err(e) => return Err(e.into()),
    };
    let charged = match processor.charge(before.amount, &before.id, &card).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::warn!(transaction_id = %before.id, error = %e, "charge failed; payment released");
            release(app, &before.id, &claim).await?;
            return Ok(PayOutcome::ProcessorFailed(self::view(app, raw_id).await?));
        }
    };
    let mut after = before.clone();
    after.card = Some(card.summary());
    let kind = match charged {
        ChargeOutcome::Approved => {
            after.status = PaymentStatus::Paid;
            after.paid_at = Some(now);
            EventType::PaymentSucceeded
        }
        ChargeOutcome::Declined(reason) => {
            after.status = PaymentStatus::Declined;
            after.decline_reason = Some(reason);
            EventType::PaymentDeclined
        }
    };
    tracing::info!(
        transaction_id = %after.id, status = after.status.as_str(),
        card_brand = card.brand(), card_last4 = card.last4(), "checkout charged"
    );
    drop(card);
    let event = Event::for_transaction(kind, &after, now);
    match finish(
        app,
        FromState::Claimed(&claim),
        &before,
        &after,
        &event,
        now,
    )
    .await
    {
        Ok(()) => Ok(PayOutcome::Redirect(return_url(&after))),
        // Our hold lapsed and another submission took over: it settles, we show its result.
        Err(StoreError::ConditionFailed) => {
            Ok(PayOutcome::NotPayable(self::view(app, raw_id).await?))
        }
        Err(e) => Err(e.into()),
    }
}
