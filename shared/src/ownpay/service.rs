//! The operations of OwnPay's routes that Payrail's own API has no counterpart for: numbered
//! lists, customers found by address or number, keys by number, and a test delivery answered
//! with its outcome.

use std::future::Future;
use std::time::Duration;

use serde_json::{Value, json};

use super::paging::{Paging, created_between};
use crate::App;
use crate::auth::{MerchantCaller, Principal};
use crate::customers::{self, Customer};
use crate::domain::Timestamp;
use crate::error::{ApiError, ErrorCode};
use crate::ids::TransactionId;
use crate::input::{JsonObject, ListParams};
use crate::keys::{self as api_keys, ApiKey, KeyStatus};
use crate::payments::PaymentStatus;
use crate::refunds::RefundStatus;
use crate::store;
use crate::store::listing::NumberedPage;
use crate::store::refunds::RefundFilter;

/// A list's items and its `meta`.
pub struct Listed {
    pub items: Vec<Value>,
    pub meta: Value,
}

/// A status word of OwnPay's as Payrail's; `Err` for a word no payment can have (OwnPay's
/// server answers an empty list for it, and so does this).
fn payment_status(word: &str) -> Result<PaymentStatus, ()> {
    Ok(match word {
        "pending" => PaymentStatus::Pending,
        "processing" => PaymentStatus::Processing,
        "completed" => PaymentStatus::Paid,
        "failed" => PaymentStatus::Declined,
        "cancelled" => PaymentStatus::Canceled,
        "expired" => PaymentStatus::Expired,
        "refunded" => PaymentStatus::Refunded,
        _ => return Err(()),
    })
}

/// What both of OwnPay's dated lists read first: the page, and `from`/`to`.
struct ListQuery {
    now: Timestamp,
    paging: Paging,
    created: (Timestamp, Timestamp),
}

impl ListQuery {
    fn parse(query: &impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let now = Timestamp::now();
        Ok(Self {
            now,
            paging: Paging::parse(query("page").as_deref(), query("per_page").as_deref()),
            created: created_between(query("from").as_deref(), query("to").as_deref(), now)?,
        })
    }
}

/// `GET /transactions`: `page`, `per_page`, `status`, `from`, `to`.
pub async fn transactions(
    app: &App,
    caller: &MerchantCaller,
    query: impl Fn(&str) -> Option<String>,
) -> Result<Listed, ApiError> {
    let ListQuery {
        now,
        paging,
        created,
    } = ListQuery::parse(&query)?;
    let status = match query("status").filter(|s| !s.is_empty()) {
        None => None,
        Some(word) => match payment_status(&word) {
            Ok(status) => Some(status),
            Err(()) => return Ok(empty(paging)),
        },
    };
    let read = |p: Paging| {
        store::transactions::numbered_page(
            app,
            &caller.merchant_id,
            status,
            created,
            now,
            p.page,
            p.per_page,
        )
    };
    let (found, answered) = clamped_page(paging, read).await?;
    Ok(Listed {
        items: found
            .items
            .iter()
            .map(|t| super::transaction_json(t, now))
            .collect(),
        meta: answered.meta(found.total),
    })
}

/// The page `paging` asks for, or the last one when it asks past the end (OwnPay answers the
/// last page then), and the paging that was answered.
async fn clamped_page<T, F, Fut>(
    paging: Paging,
    read: F,
) -> Result<(NumberedPage<T>, Paging), ApiError>
where
    F: Fn(Paging) -> Fut,
    Fut: Future<Output = Result<NumberedPage<T>, crate::store::StoreError>>,
{
    let found = read(paging).await?;
    let answered = paging.clamped(found.total);
    if answered == paging {
        return Ok((found, paging));
    }
    Ok((read(answered).await?, answered))
}

fn empty(paging: Paging) -> Listed {
    let paging = paging.clamped(0);
    Listed {
        items: Vec::new(),
        meta: paging.meta(0),
    }
}

/// `GET /refunds`: `page`, `per_page`, `status`, `trx_id` (or `transaction_id`), `from`, `to`.
pub async fn refunds(
    app: &App,
    caller: &MerchantCaller,
    query: impl Fn(&str) -> Option<String>,
) -> Result<Listed, ApiError> {
    let ListQuery {
        now: _,
        paging,
        created,
    } = ListQuery::parse(&query)?;
    let status = match query("status").filter(|s| !s.is_empty()).as_deref() {
        None => None,
        Some("pending") => Some(RefundStatus::Pending),
        Some("completed") => Some(RefundStatus::Succeeded),
        Some("failed") => Some(RefundStatus::Failed),
        Some(_) => return Ok(empty(paging)),
    };
    let transaction = match query("trx_id")
        .or_else(|| query("transaction_id"))
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => match TransactionId::parse(raw.trim()) {
            Some(id) => Some(id),
            None => return Ok(empty(paging)),
        },
    };
    let filter = RefundFilter {
        status,
        transaction,
        created,
    };
    let read = |p: Paging| {
        store::refunds::numbered_page(app, &caller.merchant_id, &filter, p.page, p.per_page)
    };
    let (found, answered) = clamped_page(paging, read).await?;
    // Each refund is shown with its payment's ids; a page's payments are read once each.
    let mut payments = std::collections::HashMap::new();
    let mut items = Vec::with_capacity(found.items.len());
    for refund in &found.items {
        if !payments.contains_key(&refund.transaction_id) {
            let txn = store::transactions::get(app, &refund.transaction_id)
                .await?
                .filter(|t| t.merchant_id == caller.merchant_id)
                .ok_or_else(|| ApiError::internal("a refund of a missing transaction"))?;
            payments.insert(refund.transaction_id.clone(), txn);
        }
        items.push(super::refund_json(
            refund,
            &payments[&refund.transaction_id],
        ));
    }
    Ok(Listed {
        items,
        meta: answered.meta(found.total),
    })
}

/// `POST /customers`.
pub async fn create_customer(
    app: &App,
    caller: &MerchantCaller,
    body: &JsonObject,
) -> Result<Customer, ApiError> {
    let new = super::customer::new_customer(body)?;
    let customer = Customer::new(&caller.merchant_id, new, Timestamp::now());
    if !store::customers::insert(app, &customer).await? {
        return Err(ApiError::Conflict(
            ErrorCode::CustomerExists,
            "Customer with this email already exists".into(),
        ));
    }
    Ok(customer)
}

/// `GET /customers`: `page` and `per_page`, never clamped, and `meta` without `total_pages`,
/// as OwnPay answers.
pub async fn customers(
    app: &App,
    caller: &MerchantCaller,
    paging: Paging,
) -> Result<Listed, ApiError> {
    let found = customers::service::numbered(app, caller, paging.page, paging.per_page).await?;
    Ok(Listed {
        items: found
            .items
            .iter()
            .map(super::customer::listed_json)
            .collect(),
        meta: json!({"page": paging.page, "per_page": paging.per_page, "total": found.total}),
    })
}

/// `GET /customers/{identifier}`: an e-mail address or a telephone number, or Payrail's id.
pub async fn customer(
    app: &App,
    caller: &MerchantCaller,
    identifier: &str,
) -> Result<Customer, ApiError> {
    let identifier = identifier.trim();
    if identifier.starts_with(crate::ids::CustomerId::PREFIX) {
        return customers::service::get(app, caller, identifier).await;
    }
    customers::service::find_by_contact(app, caller, identifier).await
}

/// The caller's keys, newest first (a merchant has a handful).
async fn all_keys(app: &App, principal: &Principal) -> Result<Vec<ApiKey>, ApiError> {
    let mut keys = Vec::new();
    let mut after = None;
    loop {
        let page = ListParams { limit: 100, after };
        let found = api_keys::list(app, principal, None, &page).await?;
        keys.extend(found.items);
        match found
            .next_cursor
            .and_then(|c| crate::input::decode_cursor(&c))
        {
            Some(last) => after = crate::ids::KeyId::parse(&last),
            None => return Ok(keys),
        }
        if after.is_none() {
            return Ok(keys);
        }
    }
}

/// `GET /api-keys`: the active keys.
pub async fn keys(app: &App, principal: &Principal) -> Result<Value, ApiError> {
    Ok(Value::Array(
        all_keys(app, principal)
            .await?
            .iter()
            .filter(|k| k.status == KeyStatus::Active)
            .map(super::keys::key_json)
            .collect(),
    ))
}

/// `DELETE /api-keys/{id}`: by the number `GET /api-keys` shows, or by Payrail's key id.
/// Revoking a revoked key answers as the first time did.
pub async fn revoke_key(
    app: &App,
    principal: &Principal,
    raw: &str,
    hub: &crate::two_step::HubCheck,
) -> Result<ApiKey, ApiError> {
    let not_found = || ApiError::NotFound(format!("API key not found: '{raw}'"));
    let id = match raw.trim().parse::<u64>() {
        Ok(number) => all_keys(app, principal)
            .await?
            .into_iter()
            .find(|k| super::keys::key_number(&k.id) == number)
            .map(|k| k.id)
            .ok_or_else(not_found)?,
        Err(_) => crate::ids::KeyId::parse(raw.trim()).ok_or_else(not_found)?,
    };
    match api_keys::revoke(app, principal, id.as_str(), hub).await {
        Err(ApiError::NotFound(_)) => Err(not_found()),
        other => other,
    }
}

/// How long a test delivery's outcome is waited for before the answer says it is still going.
const TEST_WAIT: Duration = Duration::from_secs(20);

/// `POST /webhooks/tests`: a `webhook.test` event to the merchant's oldest enabled endpoint,
/// answered with the receiver's status and time once its first attempt is made. Any failure
/// is 400, as OwnPay answers.
pub async fn test_webhook(app: &App, caller: &MerchantCaller) -> Result<Value, ApiError> {
    let failed = |message: String| ApiError::bad_request(ErrorCode::InvalidState, message);
    let endpoint = store::endpoints::all_of(app, &caller.merchant_id)
        .await?
        .into_iter()
        .filter(|e| e.enabled)
        .min_by(|a, b| a.id.cmp(&b.id))
        .ok_or_else(|| failed("No webhook URL configured".into()))?;
    let event = crate::webhooks::service::send_test(app, caller, endpoint.id.as_str()).await?;
    let event_id = event["id"]
        .as_str()
        .and_then(crate::ids::EventId::parse)
        .ok_or_else(|| ApiError::internal("a test event without an id"))?;
    let deadline = tokio::time::Instant::now() + TEST_WAIT;
    loop {
        let attempts = store::deliveries::for_event(app, &event_id).await?;
        if let Some(first) = attempts.iter().min_by(|a, b| a.id.cmp(&b.id)) {
            return match (first.outcome.as_str(), first.status_code) {
                ("succeeded", Some(code)) => Ok(json!({
                    "status_code": code,
                    "response_time_ms": first.duration_ms,
                    "event_id": event_id,
                })),
                _ => Err(failed(first.error.clone().unwrap_or_else(|| {
                    format!(
                        "Webhook test failed: {} answered {}",
                        endpoint.url,
                        first
                            .status_code
                            .map_or("nothing".into(), |c| c.to_string())
                    )
                }))),
            };
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(failed(format!(
                "{} has not answered yet; the delivery goes on (event {event_id}): see GET /webhooks/deliveries",
                endpoint.url
            )));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `GET /webhooks/deliveries`: the 50 newest attempts to any of the merchant's endpoints.
pub async fn deliveries(app: &App, caller: &MerchantCaller) -> Result<Value, ApiError> {
    const NEWEST: u32 = 50;
    let mut all = Vec::new();
    for endpoint in store::endpoints::all_of(app, &caller.merchant_id).await? {
        let page = store::deliveries::for_endpoint(app, &endpoint.id, NEWEST, None).await?;
        all.extend(page.items.into_iter().map(|a| (a, endpoint.url.clone())));
    }
    all.sort_by(|a, b| b.0.id.cmp(&a.0.id));
    Ok(Value::Array(
        all.iter()
            .take(NEWEST as usize)
            .map(|(a, url)| super::webhooks::delivery_json(a, url.as_str()))
            .collect(),
    ))
}
