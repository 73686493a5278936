//! The reconciliation sweep: asks the processor about every charge whose answer was lost and
//! every refund still pending, once `PAYRAIL_RECONCILE_AFTER_SECONDS` have passed, and records
//! what it says. Nothing is decided without the processor: a charge is given back to the
//! customer only when the processor holds no payment for it.
//!
//! It reads only the transactions marked in the sparse `reconcile_due` index, so a quiet
//! deployment costs one empty query per partition and run.

use std::time::{Duration, Instant};

use crate::App;
use crate::checkout::service::{bank_step_until, settled};
use crate::domain::Timestamp;
use crate::error::ApiError;
use crate::events::Event;
use crate::payments::transaction::PaymentStatus;
use crate::processor::{ChargeOutcome, Processor, connect_for_payment};
use crate::refunds::sync::sync;
use crate::store::StoreError;
use crate::store::transactions::{self, Due, FromState, Holder};

/// Transactions looked at per run; a backlog is finished by the next runs.
const PER_SWEEP: usize = 200;
/// How long something may stay unresolved before the sweep's alarm counts it.
pub const ALARM_AFTER: Duration = Duration::from_secs(3600);
/// How long a transaction the processor could not resolve is left before it is asked again,
/// so it never holds up the ones behind it.
const ASK_AGAIN_AFTER: Duration = Duration::from_secs(300);

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Charges settled paid or declined, or waiting on the customer's bank.
    pub charges_settled: usize,
    /// Charges given back: the processor made no payment for them.
    pub charges_released: usize,
    pub refunds_settled: usize,
    /// Transactions still unresolved after this run, and those unresolved for an hour or more.
    pub unresolved: usize,
    pub unresolved_for_an_hour: usize,
}

/// Reconciles every transaction due at `now`, until `deadline`.
pub async fn sweep(app: &App, now: Timestamp, deadline: Instant) -> Result<Swept, ApiError> {
    let due = transactions::due_for_reconcile(app, now, PER_SWEEP).await?;
    let mut swept = Swept::default();
    for item in due {
        if Instant::now() >= deadline {
            break;
        }
        let resolved = match one(app, &item, now, &mut swept).await {
            Ok(resolved) => resolved,
            Err(e) => {
                tracing::warn!(transaction_id = %item.txn.id, error = %e, "reconciliation failed; asked again next run");
                false
            }
        };
        if resolved {
            transactions::clear_reconcile(app, &item.txn.id, &item.token).await?;
            continue;
        }
        swept.unresolved += 1;
        let again = now.plus(ASK_AGAIN_AFTER.max(app.settings.reconcile_after));
        transactions::postpone_reconcile(app, &item.txn.id, &item.token, again).await?;
        if now.unix() - item.since.unix() >= ALARM_AFTER.as_secs() as i64 {
            swept.unresolved_for_an_hour += 1;
            tracing::error!(transaction_id = %item.txn.id, "unresolved for an hour or more");
        }
    }
    Ok(swept)
}

/// Reconciles one transaction; whether nothing about it is unknown or pending any more.
async fn one(app: &App, due: &Due, now: Timestamp, swept: &mut Swept) -> Result<bool, ApiError> {
    let txn = &due.txn;
    let processor = match connect_for_payment(app, txn).await? {
        Ok(processor) => processor,
        Err(why) => {
            tracing::warn!(transaction_id = %txn.id, why, "the processor that took it is not connected");
            return Ok(false);
        }
    };
    if txn.status == PaymentStatus::Processing {
        return charge(app, &processor, due, now, swept).await;
    }
    let synced = sync(app, &processor, txn, true).await?;
    swept.refunds_settled += synced.settled;
    Ok(synced.pending == 0)
}

/// A charge whose answer was lost: settled as the processor's payment for it says, or given
/// back when it holds none.
async fn charge(
    app: &App,
    processor: &impl Processor,
    due: &Due,
    now: Timestamp,
    swept: &mut Swept,
) -> Result<bool, ApiError> {
    let before = &due.txn;
    let holder = Holder::Unknown(&due.token);
    let outcome = match processor.find_charge(before).await {
        Ok(Some(outcome)) => outcome,
        Ok(None) => {
            transactions::release(app, &before.id, holder).await?;
            tracing::info!(transaction_id = %before.id, "no payment was made: given back to the customer");
            swept.charges_released += 1;
            return Ok(true);
        }
        Err(e) => {
            tracing::warn!(transaction_id = %before.id, error = %e, "charge still unknown");
            return Ok(false);
        }
    };
    let (after, kind) = match settled(before, outcome, now) {
        Ok(done) => done,
        Err(
            ChargeOutcome::RequiresAction { payment_id, .. }
            | ChargeOutcome::Pending { payment_id },
        ) => {
            // Waiting on the customer's bank: the bank step's own paths (the page, the
            // processor's webhook, expiry) settle it from here.
            let until = bank_step_until(before, now);
            match transactions::await_bank(app, &before.id, holder, &payment_id, until).await {
                Ok(()) | Err(StoreError::ConditionFailed) => {}
                Err(e) => return Err(e.into()),
            }
            swept.charges_settled += 1;
            return Ok(true);
        }
        Err(_) => return Ok(false),
    };
    let event = Event::for_transaction(kind, &after, now);
    match transactions::finish(app, FromState::Held(holder), before, &after, &event, now).await {
        Ok(()) => {
            swept.charges_settled += 1;
            Ok(true)
        }
        // Settled meanwhile (the processor's webhook): nothing left to do.
        Err(StoreError::ConditionFailed) => Ok(true),
        Err(e) => Err(e.into()),
    }
}
