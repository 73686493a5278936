//! Payment operations: create (idempotent), read, list.

use crate::App;
use crate::auth::MerchantCaller;
use crate::domain::{OrderUuid, Timestamp};
use crate::error::ApiError;
use crate::http::Page;
use crate::ids::TransactionId;
use crate::store::page::PageOf;
use crate::store::transactions::{self as store, Guard, Insert};

use super::{NewPayment, PaymentStatus, Transaction};

/// The `Idempotency-Key` header: 1–255 visible ASCII characters, scoped to the merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let ok = (1..=255).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ApiError::bad_request(
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

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
    let base = match (&app.settings.public_base_url, origin) {
        (Some(url), _) => url.as_str().trim_end_matches('/').to_owned(),
        (None, Some(origin)) => origin.trim_end_matches('/').to_owned(),
        // Behind API Gateway the origin is always known; only a request without a usable Host
        // gets here, and nothing is stored for it.
        (None, None) => {
            return Err(ApiError::bad_request(
                "the Host header must be a host name or IP address, with an optional port",
            ));
        }
    };
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
        checkout_token: crate::auth::api_key::random_secret(),
    };

    match store::insert(app, &txn, idempotency_key.map(IdempotencyKey::as_str)).await? {
        Insert::Created => Ok(Created {
            transaction: txn,
            replayed: false,
        }),
        Insert::Duplicate(hits) => {
            // Every guard that exists must point at a request identical to this one.
            for hit in &hits {
                if hit.fingerprint != txn.fingerprint {
                    return Err(ApiError::Conflict(match hit.guard {
                        Guard::Order => format!(
                            "order_uuid '{}' was already used with different parameters",
                            txn.order_uuid
                        ),
                        Guard::Idempotency => {
                            "Idempotency-Key was already used with different parameters".into()
                        }
                    }));
                }
            }
            let original = hits
                .first()
                .ok_or_else(|| ApiError::internal("duplicate reported without a guard"))?;
            let transaction = store::get(app, &original.transaction_id)
                .await?
                .filter(|t| t.merchant_id == caller.merchant_id)
                .ok_or_else(|| ApiError::internal("guard points at a missing transaction"))?;
            Ok(Created {
                transaction,
                replayed: true,
            })
        }
    }
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
    page: &Page<TransactionId>,
) -> Result<PageOf<Transaction>, ApiError> {
    let now = Timestamp::now();
    if let Some(order_uuid) = &filter.order_uuid {
        // order_uuid is unique per merchant: at most one match, found through its guard.
        let found = store::find_by_order(app, &caller.merchant_id, order_uuid)
            .await?
            .filter(|t| filter.status.is_none_or(|s| t.status_at(now) == s));
        return Ok(PageOf {
            items: found.into_iter().collect(),
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
