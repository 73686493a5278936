//! Expiry: pending transactions past `expires_at` become `expired`, each with its
//! `payment.expired` event. Reads already show them expired (see `Transaction::status_at`);
//! this makes it durable and emits the event.

use crate::App;
use crate::domain::Timestamp;
use crate::error::ApiError;
use crate::events::{Event, EventType};
use crate::store::transactions::FromState;
use crate::store::{self, StoreError};

use super::PaymentStatus;

/// Transactions handled per sweep; a backlog is finished by the next runs.
const PER_SWEEP: usize = 1000;

/// Expires every due transaction; answers how many it expired.
pub async fn sweep(app: &App, now: Timestamp) -> Result<usize, ApiError> {
    let due = store::transactions::due_for_expiry(app, now, PER_SWEEP).await?;
    let mut expired = 0;
    for before in due {
        let mut after = before.clone();
        after.status = PaymentStatus::Expired;
        let event = Event::for_transaction(EventType::PaymentExpired, &after, now);
        match store::transactions::finish(app, FromState::Due, &before, &after, &event, now).await {
            Ok(()) => expired += 1,
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
