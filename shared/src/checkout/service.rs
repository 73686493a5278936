//! Paying a transaction on the hosted checkout.

use url::Url;

use crate::App;
use crate::domain::Timestamp;
use crate::error::{ApiError, FieldErrors};
use crate::events::{Event, EventType};
use crate::input::JsonObject;
use crate::payments::transaction::ReturnStyle;
use crate::payments::{PaymentStatus, Transaction};
use crate::processor::config::ProcessorConfig;
use crate::processor::{ChargeOutcome, Processor};
use crate::store::transactions::{
    CLAIM_HOLD, ChargedBy, FromState, Holder, await_bank, claim, finish, keep_unknown, release,
};
use crate::store::{self, StoreError};
use crate::tenant::Tenant;

/// What the checkout page shows.
#[derive(Debug, Clone)]
pub struct CheckoutView {
    pub txn: Transaction,
    pub merchant_name: String,
    /// The merchant's processor settings (the page a Stripe merchant's customer sees differs).
    pub processor: Option<ProcessorConfig>,
}

impl CheckoutView {
    /// The publishable key of a processor whose script takes the card in the customer's
    /// browser (Stripe.js); `None` when the page's own card form does.
    pub fn stripe_key(&self) -> Option<&str> {
        self.processor
            .as_ref()
            .and_then(|p| p.publishable_key.as_deref())
    }
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
    /// The processor is known to have charged nothing (unreachable, or it refused the
    /// request); the payment is pending again (503).
    ProcessorFailed(CheckoutView),
    /// The customer's bank asks them to confirm: the page runs the processor's script with
    /// `client_secret`, then posts `payment_intent` back (200).
    BankStep {
        view: CheckoutView,
        client_secret: String,
        payment_id: String,
    },
    /// Submitted; the outcome is not known yet (the processor decides later, or its answer was
    /// lost): the page says the payment is being confirmed and refreshes itself (202).
    Processing(CheckoutView),
}

/// The transaction and its merchant's name and processor; 404 for an unknown id.
pub async fn view(app: &App, raw_id: &str) -> Result<CheckoutView, ApiError> {
    let txn: Transaction = crate::tenant::find(app, Tenant::Any, raw_id).await?;
    let merchant = store::merchants::get(app, &txn.merchant_id).await?;
    Ok(CheckoutView {
        txn,
        merchant_name: merchant
            .as_ref()
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        processor: merchant.and_then(|m| m.processor),
    })
}

/// Where the customer goes next: `success_url` when paid, else `cancel_url`, with the
/// transaction id appended so the merchant's page can look it up.
pub fn return_url(txn: &Transaction) -> String {
    let base = match txn.status {
        PaymentStatus::Paid => txn.success_url.as_url(),
        _ => txn.cancel_url.as_url(),
    };
    let mut url: Url = base.clone();
    let mut query = url.query_pairs_mut();
    query.append_pair("transaction_id", txn.id.as_str());
    if txn.return_style == ReturnStyle::Ownpay {
        query
            .append_pair("payment_id", txn.id.as_str())
            .append_pair("status", crate::ownpay::status_word(txn.status));
    }
    drop(query);
    url.to_string()
}

/// Takes the payment posted from the checkout page through the merchant's processor.
pub async fn pay(app: &App, raw_id: &str, form: &JsonObject) -> Result<PayOutcome, ApiError> {
    let view = view(app, raw_id).await?;
    let processor = crate::processor::connect_merchant(app, &view.txn.merchant_id).await?;
    pay_with(app, &processor, view, form).await
}

/// Validates the form, claims the transaction, charges it once, and settles it as `paid` or
/// `declined` together with its event, whatever the concurrency: only the submission that won
/// the claim calls the processor, so concurrent submissions never charge twice. A form that
/// returns from the customer's bank step (`payment_intent`) settles what the processor says
/// now.
///
/// A declined transaction stays declined: the customer returns to the merchant's
/// `cancel_url`, and the merchant may try the same order again as a new transaction.
pub async fn pay_with(
    app: &App,
    processor: &impl Processor,
    view: CheckoutView,
    form: &JsonObject,
) -> Result<PayOutcome, ApiError> {
    let now = Timestamp::now();
    let bank_return = form.string("payment_intent").ok().flatten();
    if bank_return.is_none() && !view.txn.payable_at(now) {
        return Ok(PayOutcome::NotPayable(view));
    }
    let token = form.string("token").ok().flatten().unwrap_or_default();
    let expected = view.txn.checkout_token.as_bytes();
    if expected.is_empty() || !crate::crypto::constant_time_eq(token.as_bytes(), expected) {
        return Ok(PayOutcome::BadToken(view));
    }
    if let Some(payment_id) = bank_return {
        return after_bank_step(app, processor, view, &payment_id).await;
    }
    let tender = match processor.read_tender(form, now) {
        Ok(tender) => tender,
        Err(errors) => return Ok(PayOutcome::Invalid(view, errors)),
    };

    let through = ChargedBy {
        kind: processor.kind(),
        livemode: processor.livemode(),
        account: processor.account(),
    };
    let (before, claim) = match claim(app, &view.txn.id, now, CLAIM_HOLD, through).await {
        Ok(claimed) => claimed,
        // Another submission holds it, or it was paid, declined or expired meanwhile.
        Err(StoreError::ConditionFailed) => {
            return Ok(PayOutcome::NotPayable(again(app, &view).await?));
        }
        Err(e) => return Err(e.into()),
    };
    let charged = match processor.charge(&before, tender.instrument()).await {
        Ok(outcome) => outcome,
        // Known not to have charged: the customer may try again.
        Err(e) if e.nothing_happened() => {
            tracing::warn!(transaction_id = %before.id, error = %e, "charge failed; payment released");
            release(app, &before.id, Holder::Claim(&claim)).await?;
            return Ok(PayOutcome::ProcessorFailed(again(app, &view).await?));
        }
        // The charge may have gone through: never "not charged", never the form again, until
        // the reconciliation sweep learns what happened.
        Err(e) => {
            tracing::warn!(transaction_id = %before.id, error = %e, "charge outcome unknown; kept for reconciliation");
            let reconcile_at = now.plus(app.settings.reconcile_after);
            keep_unknown(app, &before.id, &claim, now, reconcile_at).await?;
            return Ok(PayOutcome::Processing(again(app, &view).await?));
        }
    };
    if let ChargeOutcome::RequiresAction { payment_id, .. }
    | ChargeOutcome::Pending { payment_id } = &charged
    {
        await_bank(
            app,
            &before.id,
            Holder::Claim(&claim),
            payment_id,
            bank_step_until(&before, now),
        )
        .await?;
    }
    let from = FromState::Held(Holder::Claim(&claim));
    settle(app, from, view, before, charged, now).await
}

/// How long a payment waiting on the customer's bank (3-D Secure) is kept from other
/// submissions and from the sweeper: a quarter of an hour, and never past the transaction's
/// expiry, when the expiry sweep cancels the payment at the processor.
pub(crate) fn bank_step_until(txn: &Transaction, now: Timestamp) -> Timestamp {
    const BANK_STEP_HOLD: std::time::Duration = std::time::Duration::from_secs(15 * 60);
    now.plus(BANK_STEP_HOLD).min(txn.expires_at)
}

/// Back from the bank step: the processor's answer for the payment this transaction awaits.
async fn after_bank_step(
    app: &App,
    processor: &impl Processor,
    view: CheckoutView,
    payment_id: &str,
) -> Result<PayOutcome, ApiError> {
    let awaiting = view.txn.status == PaymentStatus::Processing
        && view.txn.processor_payment_id.as_deref() == Some(payment_id);
    if !awaiting {
        return Ok(PayOutcome::NotPayable(view));
    }
    let outcome = match processor.outcome(&view.txn, payment_id).await {
        Ok(outcome) => outcome,
        // The money may have moved: keep waiting; the processor's webhook settles it.
        Err(e) => {
            tracing::warn!(transaction_id = %view.txn.id, error = %e, "outcome unknown after the bank step");
            return Ok(PayOutcome::Processing(view));
        }
    };
    let before = view.txn.clone();
    settle(
        app,
        FromState::AwaitingBank(payment_id),
        view,
        before,
        outcome,
        Timestamp::now(),
    )
    .await
}

/// Writes a charge's outcome with its event, conditional on `from`.
async fn settle(
    app: &App,
    from: FromState<'_>,
    view: CheckoutView,
    before: Transaction,
    charged: ChargeOutcome,
    now: Timestamp,
) -> Result<PayOutcome, ApiError> {
    let (after, kind) = match settled(&before, charged, now) {
        Ok(done) => done,
        Err(ChargeOutcome::RequiresAction {
            client_secret,
            payment_id,
            ..
        }) => {
            let mut view = view;
            view.txn.processor_payment_id = Some(payment_id.clone());
            view.txn.status = PaymentStatus::Processing;
            return Ok(PayOutcome::BankStep {
                view,
                client_secret,
                payment_id,
            });
        }
        Err(_) => return Ok(PayOutcome::Processing(again(app, &view).await?)),
    };
    tracing::info!(
        transaction_id = %after.id, status = after.status.as_str(),
        card_brand = after.card.as_ref().map(|c| c.brand.as_str()),
        card_last4 = after.card.as_ref().map(|c| c.last4.as_str()), "checkout settled"
    );
    let event = Event::for_transaction(kind, &after, now);
    match finish(app, from, &before, &after, &event, now).await {
        Ok(()) => Ok(PayOutcome::Redirect(return_url(&after))),
        // Settled meanwhile (another submission whose hold took over, or the processor's
        // webhook): show what happened.
        Err(StoreError::ConditionFailed) => Ok(PayOutcome::NotPayable(again(app, &view).await?)),
        Err(e) => Err(e.into()),
    }
}

/// The transaction once `charged` decided it, and the event that says so; an outcome that
/// decides nothing yet (the bank step, pending) comes back as it was.
pub(crate) fn settled(
    before: &Transaction,
    charged: ChargeOutcome,
    now: Timestamp,
) -> Result<(Transaction, EventType), ChargeOutcome> {
    let mut after = before.clone();
    let kind = match charged {
        ChargeOutcome::Approved { card, payment_id } => {
            after.status = PaymentStatus::Paid;
            after.paid_at = Some(now);
            after.card = card.or(after.card);
            after.processor_payment_id = payment_id.or(after.processor_payment_id);
            EventType::PaymentSucceeded
        }
        ChargeOutcome::Declined {
            reason,
            card,
            payment_id,
        } => {
            after.status = PaymentStatus::Declined;
            after.decline_reason = Some(reason);
            after.card = card.or(after.card);
            after.processor_payment_id = payment_id.or(after.processor_payment_id);
            EventType::PaymentDeclined
        }
        undecided => return Err(undecided),
    };
    Ok((after, kind))
}

/// The page's state read again, after a concurrent change.
async fn again(app: &App, view: &CheckoutView) -> Result<CheckoutView, ApiError> {
    self::view(app, view.txn.id.as_str()).await
}
