//! Expiry: pending transactions past `expires_at` become `expired`, each with its
//! `payment.expired` event. Reads already show them expired (see `Transaction::status_at`);
//! this makes it durable and emits the event.
//!
//! A transaction left waiting on the customer's bank has a payment at the processor that the
//! customer could still complete: it expires only once the processor canceled that payment,
//! and is paid instead if the processor says it succeeded.

use crate::App;
use crate::checkout::service::settled;
use crate::domain::Timestamp;
use crate::error::ApiError;
use crate::events::{Event, EventType};
use crate::processor::{ChargeOutcome, Processor, connect_for_payment};
use crate::store::transactions::FromState;
use crate::store::{self, StoreError};

use super::{PaymentStatus, Transaction};

/// The processor's payment of a transaction that waits on the customer's bank.
fn waiting_on_bank(txn: &Transaction) -> Option<&str> {
    (txn.status == PaymentStatus::Processing)
        .then_some(txn.processor_payment_id.as_deref())
        .flatten()
}

enum Asked {
    /// The processor canceled the payment: the transaction may expire.
    Canceled,
    /// It succeeded before it could be canceled: the transaction as paid.
    Succeeded(Box<Transaction>),
    /// Not decided yet, or the processor could not be asked: the next sweep asks again.
    Undecided,
}

/// Cancels the transaction's payment at the processor that took it before it expires.
async fn ask_first(app: &App, txn: &Transaction, payment_id: &str) -> Asked {
    let processor = match connect_for_payment(app, txn).await {
        Ok(Ok(processor)) => processor,
        Ok(Err(why)) => {
            tracing::warn!(transaction_id = %txn.id, why, "cannot cancel its payment: left unexpired");
            return Asked::Undecided;
        }
        Err(e) => {
            tracing::warn!(transaction_id = %txn.id, error = %e, "cannot cancel its payment now");
            return Asked::Undecided;
        }
    };
    let now = Timestamp::now();
    match processor.cancel(txn, payment_id).await {
        Ok(ChargeOutcome::Declined { .. }) => Asked::Canceled,
        Ok(outcome @ ChargeOutcome::Approved { .. }) => match settled(txn, outcome, now) {
            Ok((paid, _)) => Asked::Succeeded(Box::new(paid)),
            Err(_) => Asked::Undecided,
        },
        Ok(_) => Asked::Undecided,
        Err(e) => {
            tracing::warn!(transaction_id = %txn.id, error = %e, "its payment could not be canceled yet");
            Asked::Undecided
        }
    }
}

/// Transactions handled per sweep; a backlog is finished by the next runs.
const PER_SWEEP: usize = 1000;

/// Expires every due transaction; answers how many it expired.
pub async fn sweep(app: &App, now: Timestamp) -> Result<usize, ApiError> {
    let due = store::transactions::due_for_expiry(app, now, PER_SWEEP).await?;
    let mut expired = 0;
    for before in due {
        let mut after = before.clone();
        let mut from = FromState::Due;
        let mut kind = EventType::PaymentExpired;
        after.status = PaymentStatus::Expired;
        if let Some(payment_id) = waiting_on_bank(&before) {
            match ask_first(app, &before, payment_id).await {
                Asked::Canceled => {}
                Asked::Succeeded(paid) => {
                    after = *paid;
                    kind = EventType::PaymentSucceeded;
                    from = FromState::Reported {
                        payment_id,
                        paid: true,
                    };
                }
                Asked::Undecided => continue,
            }
        }
        let event = Event::for_transaction(kind, &after, now);
        match store::transactions::finish(app, from, &before, &after, &event, now).await {
            Ok(()) if after.status == PaymentStatus::Expired => expired += 1,
            Ok(()) => {
                tracing::info!(transaction_id = %after.id, "paid at Stripe before it could expire")
            }
            // Paid (or expired by another sweep) in the meantime: nothing to do.
            Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if expired > 0 {
        tracing::info!(expired, "expired pending transactions");
    }
    Ok(expired)
}
