//! Expiry: pending transactions past `expires_at` become `expired`, each with its
//! `payment.expired` event. Reads already show them expired (see `Transaction::status_at`);
//! this makes it durable and emits the event.
//!
//! A transaction a real processor was charging when it lapsed (the customer left at their
//! bank's step, or the function charging it stopped) may have a payment the customer could
//! still complete, or that went through: it expires only once the processor canceled that
//! payment or holds none, and is paid instead if the processor says it succeeded.

use std::time::{Duration, Instant};

use crate::App;
use crate::checkout::service::settled;
use crate::domain::Timestamp;
use crate::error::ApiError;
use crate::events::{Event, EventType};
use crate::processor::{ChargeOutcome, Processor, ProcessorKind, connect_for_payment};
use crate::store::transactions::FromState;
use crate::store::{self, StoreError};

use super::{PaymentStatus, Transaction};

/// Transactions handled per sweep; a backlog is finished by the next runs.
const PER_SWEEP: usize = 1000;
/// How long a transaction the processor could not decide is left before it is asked again,
/// so it never holds up the ones behind it.
const ASK_AGAIN_AFTER: Duration = Duration::from_secs(300);

/// Whether a real processor may hold a payment for this lapsed transaction.
fn charged_elsewhere(txn: &Transaction) -> bool {
    txn.status == PaymentStatus::Processing
        && txn
            .processor
            .is_some_and(|kind| kind != ProcessorKind::Sandbox)
}

enum Asked {
    /// The processor canceled the payment, or holds none: the transaction may expire.
    Canceled,
    /// It succeeded before it could be canceled: the transaction as paid.
    Succeeded(Box<Transaction>),
    /// Not decided yet, or the processor could not be asked: asked again later.
    Undecided,
}

/// Asks the processor that took the transaction for its payment, and cancels it.
async fn ask_first(app: &App, txn: &Transaction, now: Timestamp) -> Asked {
    let processor = match connect_for_payment(app, txn).await {
        Ok(Ok(processor)) => processor,
        Ok(Err(why)) => {
            tracing::warn!(transaction_id = %txn.id, why, "cannot ask about its payment: left unexpired");
            return Asked::Undecided;
        }
        Err(e) => {
            tracing::warn!(transaction_id = %txn.id, error = %e, "cannot ask about its payment now");
            return Asked::Undecided;
        }
    };
    let payment_id = match txn.processor_payment_id.clone() {
        Some(id) => id,
        // The function charging it stopped before it recorded a payment: is there one?
        None => match processor.find_charge(txn).await {
            Ok(None) | Ok(Some(ChargeOutcome::Declined { .. })) => return Asked::Canceled,
            Ok(Some(outcome @ ChargeOutcome::Approved { .. })) => return paid(txn, outcome, now),
            Ok(Some(
                ChargeOutcome::RequiresAction { payment_id, .. }
                | ChargeOutcome::Pending { payment_id },
            )) => payment_id,
            Err(e) => {
                tracing::warn!(transaction_id = %txn.id, error = %e, "its payment could not be found yet");
                return Asked::Undecided;
            }
        },
    };
    match processor.cancel(txn, &payment_id).await {
        Ok(ChargeOutcome::Declined { .. }) => Asked::Canceled,
        Ok(outcome @ ChargeOutcome::Approved { .. }) => paid(txn, outcome, now),
        Ok(_) => Asked::Undecided,
        Err(e) => {
            tracing::warn!(transaction_id = %txn.id, error = %e, "its payment could not be canceled yet");
            Asked::Undecided
        }
    }
}

fn paid(txn: &Transaction, outcome: ChargeOutcome, now: Timestamp) -> Asked {
    match settled(txn, outcome, now) {
        Ok((paid, _)) if paid.processor_payment_id.is_some() => Asked::Succeeded(Box::new(paid)),
        _ => Asked::Undecided,
    }
}

/// Expires every due transaction until `deadline`; answers how many it expired.
pub async fn sweep(app: &App, now: Timestamp, deadline: Instant) -> Result<usize, ApiError> {
    let due = store::transactions::due_for_expiry(app, now, PER_SWEEP).await?;
    let mut expired = 0;
    for before in due {
        if Instant::now() >= deadline {
            break;
        }
        let mut after = before.clone();
        let mut kind = EventType::PaymentExpired;
        after.status = PaymentStatus::Expired;
        if charged_elsewhere(&before) {
            match ask_first(app, &before, now).await {
                Asked::Canceled => {}
                Asked::Succeeded(paid) => {
                    after = *paid;
                    kind = EventType::PaymentSucceeded;
                }
                Asked::Undecided => {
                    store::transactions::postpone_expiry(
                        app,
                        &before.id,
                        now,
                        now.plus(ASK_AGAIN_AFTER),
                    )
                    .await?;
                    continue;
                }
            }
        }
        let from = match (&after.processor_payment_id, after.status) {
            (Some(payment_id), PaymentStatus::Paid) => FromState::Reported {
                payment_id,
                paid: true,
            },
            _ => FromState::Due,
        };
        let event = Event::for_transaction(kind, &after, now);
        match store::transactions::finish(app, from, &before, &after, &event, now).await {
            Ok(()) if after.status == PaymentStatus::Expired => expired += 1,
            Ok(()) => {
                tracing::info!(transaction_id = %after.id, "paid at the processor before it could expire")
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
