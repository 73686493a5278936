//! Payment operations: create (idempotent), read, list.

use crate::App;
use crate::auth::MerchantCaller;
use crate::domain::{OrderUuid, Timestamp};
use crate::error::{ApiError, ErrorCode};
use crate::events::{Event, EventType};
use crate::ids::TransactionId;
use crate::input::{IdempotencyKey, ListParams};
use crate::store::StoreError;
use crate::store::listing::ListPage;
use crate::store::transactions::{self as store, FromState, Guard, GuardHit, Insert};

use super::{NewPayment, PaymentStatus, Transaction};

/// The outcome of a create: a new transaction, or the original one for a replay.
#[derive(Debug)]
pub struct Created {
    pub transaction: Transaction,
    pub replayed: bool,
}

/// Creates the transaction, or answers the original for a repeat of the same request.
///
/// Uniqueness of `order_uuid` (and of the `Idempotency-Key`) is enforced by guard items written
/// in the same DynamoDB transaction as the payment, so concurrent identical requests create
/// exactly one transaction: the others find the guard and replay it.
pub async fn create(
    app: &App,
    caller: &MerchantCaller,
    new: NewPayment,
    idempotency_key: Option<&IdempotencyKey>,
    origin: Option<&str>,
) -> Result<Created, ApiError> {
    let base = public_base(app, origin)?;
    // What the merchant's processor would refuse to charge is refused now, on its field. The
    // merchant is read only for an amount some processor refuses: most payments cost nothing.
    if crate::processor::some_processor_refuses(&new.amount) {
        let merchant = crate::store::merchants::get(app, &caller.merchant_id).await?;
        if let Some(kind) = merchant.and_then(|m| m.processor).map(|p| p.kind)
            && let Some((field, why)) = crate::processor::refusal_at_creation(kind, &new.amount)
        {
            return Err(ApiError::validation(field, why));
        }
    }
    let id = TransactionId::generate();
    let now = Timestamp::now();
    let fingerprint = new.fingerprint();
    let txn = Transaction {
        url: format!("{base}/checkout/{id}"),
        id,
        merchant_id: caller.merchant_id.clone(),
        order_uuid: new.order_uuid,
        status: PaymentStatus::Pending,
        amount: new.amount,
        email: new.email,
        product_title: new.product_title.map(|t| t.into_string()),
        first_name: new.first_name.map(|t| t.into_string()),
        last_name: new.last_name.map(|t| t.into_string()),
        metadata: new.metadata,
        success_url: new.success_url,
        cancel_url: new.cancel_url,
        created_at: now,
        expires_at: now.plus(app.settings.checkout_ttl),
        paid_at: None,
        card: None,
        decline_reason: None,
        fingerprint,
        checkout_token: crate::crypto::random_secret(),
        refunded_minor: 0,
        refund_held_minor: 0,
        processor: None,
        processor_payment_id: None,
        livemode: None,
        processor_account: None,
        payment_link_id: new.payment_link_id,
        charge_attempt: 0,
        dispute: None,
        return_style: new.return_style,
    };

    // The customer is written beside the payment, not before it or with it: no extra round
    // trip, and a customer item many payments share (a shop that sends one address for every
    // guest) never holds a payment up.
    let (created, recorded) = tokio::join!(
        insert(app, caller, &txn, idempotency_key, now),
        crate::customers::service::record_payment(app, &txn)
    );
    if let Err(e) = recorded {
        tracing::error!(transaction_id = %txn.id, error = %e, "the payment's customer was not recorded");
    }
    created
}

/// Writes the transaction with its guards, or answers the original of a repeated request.
async fn insert(
    app: &App,
    caller: &MerchantCaller,
    txn: &Transaction,
    idempotency_key: Option<&IdempotencyKey>,
    now: Timestamp,
) -> Result<Created, ApiError> {
    let key = idempotency_key.map(IdempotencyKey::as_str);
    let mut retry_of: Option<GuardHit> = None;
    for _ in 0..ORDER_ATTEMPTS {
        let hits = match store::insert(app, txn, key, retry_of.as_ref()).await? {
            Insert::Created => {
                return Ok(Created {
                    transaction: txn.clone(),
                    replayed: false,
                });
            }
            Insert::Duplicate(hits) => hits,
        };
        // The same Idempotency-Key answers what it answered first, whatever became of it.
        if let Some(hit) = hits.iter().find(|h| h.guard == Guard::Idempotency) {
            if hit.fingerprint != txn.fingerprint {
                return Err(ApiError::Conflict(
                    ErrorCode::IdempotencyKeyReused,
                    "Idempotency-Key was already used with different parameters".into(),
                ));
            }
            return replay(app, caller, &hit.transaction_id).await;
        }
        let hit = hits
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::internal("duplicate reported without a guard"))?;
        let previous = replay(app, caller, &hit.transaction_id).await?;
        // An order whose last attempt ended unpaid may be tried again as a new transaction.
        let state = previous.transaction.status_at(now);
        if matches!(
            state,
            PaymentStatus::Declined | PaymentStatus::Expired | PaymentStatus::Canceled
        ) {
            retry_of = Some(hit);
            continue;
        }
        if hit.fingerprint != txn.fingerprint {
            return Err(ApiError::Conflict(
                ErrorCode::OrderUuidReused,
                format!(
                    "order_uuid '{}' was already used with different parameters",
                    txn.order_uuid
                ),
            ));
        }
        return Ok(previous);
    }
    Err(ApiError::Conflict(
        ErrorCode::ConcurrentChange,
        format!(
            "order_uuid '{}' kept changing while this request ran; try again",
            txn.order_uuid
        ),
    ))
}

/// Where customer-facing pages live: the configured public base URL, else the origin the
/// request came in on.
pub(crate) fn public_base(app: &App, origin: Option<&str>) -> Result<String, ApiError> {
    match (&app.settings.public_base_url, origin) {
        (Some(url), _) => Ok(url.as_str().trim_end_matches('/').to_owned()),
        (None, Some(origin)) => Ok(origin.trim_end_matches('/').to_owned()),
        // Behind API Gateway the origin is always known; only a request without a usable Host
        // gets here, and nothing is stored for it.
        (None, None) => Err(ApiError::bad_request(
            ErrorCode::BadRequest,
            "the Host header must be a host name or IP address, with an optional port",
        )),
    }
}

/// Times a create starts over when the order's guard changed under it.
const ORDER_ATTEMPTS: usize = 4;

/// The original transaction, answered for a repeat of its request.
async fn replay(
    app: &App,
    caller: &MerchantCaller,
    id: &TransactionId,
) -> Result<Created, ApiError> {
    let transaction = store::get(app, id)
        .await?
        .filter(|t| t.merchant_id == caller.merchant_id)
        .ok_or_else(|| ApiError::internal("guard points at a missing transaction"))?;
    Ok(Created {
        transaction,
        replayed: true,
    })
}

/// One of the caller's transactions; another merchant's id is 404, like an unknown one.
pub async fn get(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
) -> Result<Transaction, ApiError> {
    crate::tenant::find(app, caller, raw_id).await
}

#[derive(Debug, Default)]
pub struct ListFilter {
    pub order_uuid: Option<OrderUuid>,
    pub status: Option<PaymentStatus>,
}

/// The caller's transactions, newest first, optionally filtered.
pub async fn list(
    app: &App,
    caller: &MerchantCaller,
    filter: &ListFilter,
    page: &ListParams<TransactionId>,
) -> Result<ListPage<Transaction>, ApiError> {
    let now = Timestamp::now();
    if let Some(order_uuid) = &filter.order_uuid {
        // An order's attempts are listed on its guard: a handful, newest first.
        let found = store::find_by_order(app, &caller.merchant_id, order_uuid)
            .await?
            .into_iter()
            .filter(|t| filter.status.is_none_or(|s| t.status_at(now) == s))
            .collect();
        return Ok(ListPage {
            items: found,
            next_cursor: None,
        });
    }
    Ok(store::list(
        app,
        &caller.merchant_id,
        filter.status,
        now,
        page.limit,
        page.after.as_ref(),
    )
    .await?)
}

/// Cancels one of the caller's pending transactions, with its `payment.canceled` event; its
/// checkout page takes no payment afterwards. Canceling a canceled transaction answers it
/// again; any other state is 409 (a transaction being paid right now included: exactly one of
/// the two wins).
pub async fn cancel(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
) -> Result<Transaction, ApiError> {
    let txn: Transaction = crate::tenant::find(app, caller, raw_id).await?;
    let now = Timestamp::now();
    if txn.status_at(now) != PaymentStatus::Pending {
        return not_cancelable(txn, now);
    }
    let mut after = txn.clone();
    after.status = PaymentStatus::Canceled;
    let event = Event::for_transaction(EventType::PaymentCanceled, &after, now);
    match store::finish(app, FromState::Payable, &txn, &after, &event, now).await {
        Ok(()) => Ok(after),
        // Claimed by a checkout submission, paid, canceled or expired meanwhile.
        Err(StoreError::ConditionFailed) => {
            let current = store::get(app, &txn.id)
                .await?
                .ok_or_else(|| ApiError::internal("transaction vanished during a cancel"))?;
            not_cancelable(current, Timestamp::now())
        }
        Err(e) => Err(e.into()),
    }
}

fn not_cancelable(txn: Transaction, now: Timestamp) -> Result<Transaction, ApiError> {
    let state = txn.status_at(now);
    let why = match state {
        PaymentStatus::Canceled => return Ok(txn),
        PaymentStatus::Processing => "is being paid right now".to_owned(),
        PaymentStatus::Paid => "is paid; refund it instead".to_owned(),
        other => format!("is {}", other.as_str()),
    };
    Err(ApiError::Conflict(
        ErrorCode::InvalidState,
        format!("transaction '{}' {why} and cannot be canceled", txn.id),
    ))
}
