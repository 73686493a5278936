//! API key items. Besides the key itself, an item carries its rate-limit state, so that
//! authentication, rate limiting and `last_used_at` are one conditional `UpdateItem`:
//! - `rate_limit_per_minute`: the merchant's limit, copied here when it changes;
//! - `rl_window`: the current fixed window (unix minute) and `rl_count`: requests in it.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
    Update,
};

use super::dynamo::{Item, Transacted, n, num, s, transact};
use super::listing::{ListPage, NewestFirst};
use super::{StoreError, classify, from_item, get_item, put_item, to_item};
use crate::App;
use crate::auth::api_key;
use crate::domain::Timestamp;
use crate::ids::{KeyId, MerchantId};
use crate::keys::key::{ApiKey, KeyStatus, RateWindow};
use crate::merchants::merchant::Merchant;

/// A key's item, carrying its merchant's rate limit and, while the merchant is deactivated, a
/// `merchant_inactive` mark.
fn key_item(key: &ApiKey, merchant: &Merchant) -> Result<Item, StoreError> {
    let mut item = to_item(key)?;
    item.insert(
        "rate_limit_per_minute".into(),
        n(merchant.rate_limit_per_minute),
    );
    if !merchant.active {
        item.insert("merchant_inactive".into(), AttributeValue::Bool(true));
    }
    item.insert("rl_window".into(), n(0));
    item.insert("rl_count".into(), n(0));
    Ok(item)
}

pub async fn put(app: &App, key: &ApiKey, merchant: &Merchant) -> Result<(), StoreError> {
    put_item(
        app,
        &app.settings.keys_table,
        key_item(key, merchant)?,
        Some("attribute_not_exists(id)"),
    )
    .await
}

super::owned!(ApiKey, KeyId, "API key", merchant_id);

/// Reads a key with a strongly consistent read.
pub async fn get(app: &App, id: &KeyId) -> Result<Option<ApiKey>, StoreError> {
    get_item(app, &app.settings.keys_table, ("id", id.to_string()), true).await
}

pub async fn list(
    app: &App,
    merchant: &MerchantId,
    limit: u32,
    after: Option<&KeyId>,
) -> Result<ListPage<ApiKey>, StoreError> {
    NewestFirst {
        table: &app.settings.keys_table,
        index: Some("by_merchant"),
        partition: ("merchant_id", merchant.to_string()),
        sort_key: "id",
        limit,
        after: after.map(ToString::to_string),
    }
    .fetch(app, |k: &ApiKey| k.id.as_str())
    .await
}

pub async fn revoke(app: &App, id: &KeyId, now: Timestamp) -> Result<ApiKey, StoreError> {
    let out = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.keys_table)
        .key("id", s(id.to_string()))
        .update_expression("SET #st = :revoked, revoked_at = if_not_exists(revoked_at, :now)")
        .condition_expression("attribute_exists(id)")
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":revoked", s("revoked"))
        .expression_attribute_values(":now", s(now.to_rfc3339()))
        .return_values(ReturnValue::AllNew)
        .send()
        .await
        .map_err(classify)?;
    from_item(out.attributes.unwrap_or_default())
}

/// Revokes `old` (if still active) and stores `new`, in one transaction.
pub async fn rotate(
    app: &App,
    old: &KeyId,
    new: &ApiKey,
    merchant: &Merchant,
    now: Timestamp,
) -> Result<(), StoreError> {
    let table = &app.settings.keys_table;
    let revoke = Update::builder()
        .table_name(table)
        .key("id", s(old.to_string()))
        .update_expression("SET #st = :revoked, revoked_at = :now")
        .condition_expression("#st = :active")
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":revoked", s("revoked"))
        .expression_attribute_values(":active", s("active"))
        .expression_attribute_values(":now", s(now.to_rfc3339()))
        .build()
        .map_err(|e| StoreError::Dynamo(e.to_string()))?;
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(key_item(new, merchant)?))
        .condition_expression("attribute_not_exists(id)")
        .build()
        .map_err(|e| StoreError::Dynamo(e.to_string()))?;
    let items = vec![
        TransactWriteItem::builder().update(revoke).build(),
        TransactWriteItem::builder().put(put).build(),
    ];
    match transact(app, items).await? {
        Transacted::Written => Ok(()),
        Transacted::Cancelled(_) => Err(StoreError::ConditionFailed),
    }
}

/// The writes that copy a merchant's new rate limit onto each of its active keys (a handful
/// per merchant; revoked keys never authenticate again), for the caller's transaction.
pub(crate) async fn merchant_copy_updates(
    app: &App,
    merchant: &MerchantId,
    limit: Option<u32>,
    active: Option<bool>,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut sets = Vec::new();
    let mut values = HashMap::new();
    if let Some(limit) = limit {
        sets.push("rate_limit_per_minute = :l");
        values.insert(":l".to_owned(), n(limit));
    }
    let mut expression = String::new();
    if active == Some(false) {
        sets.push("merchant_inactive = :inactive");
        values.insert(":inactive".to_owned(), AttributeValue::Bool(true));
    }
    if !sets.is_empty() {
        expression = format!("SET {}", sets.join(", "));
    }
    if active == Some(true) {
        expression.push_str(" REMOVE merchant_inactive");
    }
    let mut updates = Vec::new();
    let mut after: Option<KeyId> = None;
    loop {
        let page = list(app, merchant, 100, after.as_ref()).await?;
        for key in page.items.iter().filter(|k| k.status == KeyStatus::Active) {
            let update = Update::builder()
                .table_name(&app.settings.keys_table)
                .key("id", s(key.id.to_string()))
                .update_expression(expression.trim())
                .condition_expression("attribute_exists(id)")
                .set_expression_attribute_values((!values.is_empty()).then(|| values.clone()))
                .build()
                .map_err(|e| StoreError::Dynamo(e.to_string()))?;
            updates.push(TransactWriteItem::builder().update(update).build());
        }
        match (page.next_cursor, page.items.last()) {
            (Some(_), Some(last)) => after = Some(last.id.clone()),
            _ => return Ok(updates),
        }
    }
}

pub enum AuthOutcome {
    Allowed(ApiKey, RateWindow),
    /// Unknown key, or a secret that does not match.
    Invalid,
    Revoked,
    /// The key is fine, but an operator deactivated its merchant.
    MerchantInactive,
    Limited(RateWindow),
}

/// Authenticates a presented key, counts the request against its per-minute limit and records
/// `last_used_at`, in one conditional `UpdateItem` in the common case (a second one when a key
/// enters a new minute). The condition includes the secret's hash, so a request with a wrong
/// secret changes nothing and cannot burn another merchant's rate limit.
pub async fn authenticate(
    app: &App,
    id: &KeyId,
    secret_hash: &str,
    now: Timestamp,
) -> Result<AuthOutcome, StoreError> {
    let mut window = now.unix().div_euclid(60);
    for _ in 0..3 {
        let counted = update(app, id, secret_hash, now, window, false).await?;
        let old = match counted {
            Ok(item) => return allowed(item, window),
            Err(old) => old,
        };
        let Some(old) = old else {
            return Ok(AuthOutcome::Invalid);
        };
        let stored_hash = old.get("secret_hash").and_then(|v| v.as_s().ok());
        if !stored_hash.is_some_and(|h| api_key::hashes_match(secret_hash, h)) {
            return Ok(AuthOutcome::Invalid);
        }
        if old
            .get("status")
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
            != Some("active")
        {
            return Ok(AuthOutcome::Revoked);
        }
        if old.contains_key("merchant_inactive") {
            return Ok(AuthOutcome::MerchantInactive);
        }
        let stored_window = num(&old, "rl_window").unwrap_or(0);
        if stored_window > window {
            // Another instance's clock is ahead: count in its window.
            window = stored_window;
            continue;
        }
        if stored_window == window {
            let limit = num(&old, "rate_limit_per_minute").unwrap_or(0).max(0) as u32;
            return Ok(AuthOutcome::Limited(RateWindow {
                limit,
                remaining: 0,
                reset: (window + 1) * 60,
            }));
        }
        // A new minute: start the window at one request.
        match update(app, id, secret_hash, now, window, true).await? {
            Ok(item) => return allowed(item, window),
            // Someone else started this window first; count in it.
            Err(_) => continue,
        }
    }
    Err(StoreError::Throttled(
        "rate-limit window kept changing".into(),
    ))
}

fn allowed(item: Item, window: i64) -> Result<AuthOutcome, StoreError> {
    let limit = num(&item, "rate_limit_per_minute").unwrap_or(0).max(0) as u32;
    let count = num(&item, "rl_count").unwrap_or(0).max(0) as u32;
    let key: ApiKey = from_item(item)?;
    if key.status != KeyStatus::Active {
        return Ok(AuthOutcome::Revoked);
    }
    Ok(AuthOutcome::Allowed(
        key,
        RateWindow {
            limit,
            remaining: limit.saturating_sub(count),
            reset: (window + 1) * 60,
        },
    ))
}

/// One counting `UpdateItem`: `Ok(new item)` if the condition held, `Err(old item)` if not.
async fn update(
    app: &App,
    id: &KeyId,
    secret_hash: &str,
    now: Timestamp,
    window: i64,
    new_window: bool,
) -> Result<Result<Item, Option<Item>>, StoreError> {
    let (expression, condition) = if new_window {
        (
            "SET rl_window = :w, rl_count = :one, last_used_at = :now",
            "secret_hash = :h AND #st = :active AND rl_window < :w \
             AND attribute_not_exists(merchant_inactive)",
        )
    } else {
        (
            "SET rl_count = rl_count + :one, last_used_at = :now",
            "secret_hash = :h AND #st = :active AND rl_window = :w \
             AND rl_count < rate_limit_per_minute AND attribute_not_exists(merchant_inactive)",
        )
    };
    let result = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.keys_table)
        .key("id", s(id.to_string()))
        .update_expression(expression)
        .condition_expression(condition)
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":h", s(secret_hash))
        .expression_attribute_values(":active", s("active"))
        .expression_attribute_values(":w", n(window))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":now", s(now.to_rfc3339()))
        .return_values(ReturnValue::AllNew)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match result {
        Ok(out) => Ok(Ok(out.attributes.unwrap_or_default())),
        Err(e) => match e.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                Ok(Err(failed.item.clone()))
            }
            _ => Err(classify(e)),
        },
    }
}
