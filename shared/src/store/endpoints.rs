//! Webhook endpoint items: `id`; index `by_merchant` (`merchant_id`, `id`).

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::dynamo::{n, s};
use super::listing::{ListPage, NewestFirst};
use super::{StoreError, classify, get_item, put_item, to_item};
use crate::App;
use crate::domain::Timestamp;
use crate::ids::{EndpointId, MerchantId};
use crate::webhooks::endpoint::WebhookEndpoint;

/// Stores a new endpoint.
pub async fn insert(app: &App, endpoint: &WebhookEndpoint) -> Result<(), StoreError> {
    put_item(
        app,
        &app.settings.endpoints_table,
        to_item(endpoint)?,
        Some("attribute_not_exists(id)"),
    )
    .await
}

/// Writes `endpoint` back over the version it was read at, as the next version; answers
/// `ConditionFailed` if it was changed or deleted since, so no concurrent write is lost and
/// nothing deleted comes back.
pub async fn replace(app: &App, endpoint: &WebhookEndpoint) -> Result<WebhookEndpoint, StoreError> {
    let read_at = endpoint.version;
    let next = WebhookEndpoint {
        version: read_at + 1,
        ..endpoint.clone()
    };
    let condition = if read_at == 0 {
        "attribute_exists(id) AND attribute_not_exists(version)"
    } else {
        "attribute_exists(id) AND version = :read_at"
    };
    let mut put = app
        .dynamodb
        .put_item()
        .table_name(&app.settings.endpoints_table)
        .set_item(Some(to_item(&next)?))
        .condition_expression(condition);
    if read_at > 0 {
        put = put.expression_attribute_values(":read_at", AttributeValue::N(read_at.to_string()));
    }
    put.send().await.map_err(classify)?;
    Ok(next)
}

/// Takes the endpoint's recovery lease until `until`: `false` when another recovery holds it
/// (or the endpoint is gone), so one recovery per endpoint runs at a time.
pub async fn begin_recovery(
    app: &App,
    id: &EndpointId,
    now: Timestamp,
    until: Timestamp,
) -> Result<bool, StoreError> {
    let taken = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.endpoints_table)
        .key("id", s(id.to_string()))
        .update_expression("SET recovering_until = :until")
        .condition_expression(
            "attribute_exists(id) AND (attribute_not_exists(recovering_until) OR recovering_until < :now)",
        )
        .expression_attribute_values(":until", n(until.unix()))
        .expression_attribute_values(":now", n(now.unix()))
        .send()
        .await
        .map_err(classify);
    match taken {
        Ok(_) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Gives the recovery lease taken until `until` back (a later lease is left alone).
pub async fn end_recovery(app: &App, id: &EndpointId, until: Timestamp) -> Result<(), StoreError> {
    let ended = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.endpoints_table)
        .key("id", s(id.to_string()))
        .update_expression("REMOVE recovering_until")
        .condition_expression("recovering_until = :until")
        .expression_attribute_values(":until", n(until.unix()))
        .send()
        .await
        .map_err(classify);
    match ended {
        Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e),
    }
}

super::owned!(WebhookEndpoint, EndpointId, "webhook endpoint", merchant_id);

pub async fn get(app: &App, id: &EndpointId) -> Result<Option<WebhookEndpoint>, StoreError> {
    get_item(
        app,
        &app.settings.endpoints_table,
        ("id", id.to_string()),
        true,
    )
    .await
}

pub async fn delete(app: &App, id: &EndpointId) -> Result<(), StoreError> {
    app.dynamodb
        .delete_item()
        .table_name(&app.settings.endpoints_table)
        .key("id", s(id.to_string()))
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

pub async fn list(
    app: &App,
    merchant: &MerchantId,
    limit: u32,
    after: Option<&EndpointId>,
) -> Result<ListPage<WebhookEndpoint>, StoreError> {
    NewestFirst {
        table: &app.settings.endpoints_table,
        index: Some("by_merchant"),
        partition: ("merchant_id", merchant.to_string()),
        sort_key: "id",
        limit,
        after: after.map(ToString::to_string),
    }
    .fetch(app, |e: &WebhookEndpoint| e.id.as_str())
    .await
}

/// Every endpoint of a merchant (a handful), for fan-out.
pub async fn all_of(app: &App, merchant: &MerchantId) -> Result<Vec<WebhookEndpoint>, StoreError> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = list(app, merchant, 100, after.as_ref()).await?;
        let more = page.next_cursor.is_some();
        after = page.items.last().map(|e| e.id.clone());
        all.extend(page.items);
        if !more || after.is_none() {
            return Ok(all);
        }
    }
}

/// Records the outcome of an attempt on the endpoint, only when its state changes: the start
/// of a run of failures, the end of one, or disabling.
pub async fn set_health(
    app: &App,
    id: &EndpointId,
    failing_since: Option<Timestamp>,
    disabled_reason: Option<&str>,
) -> Result<(), StoreError> {
    let mut req = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.endpoints_table)
        .key("id", s(id.to_string()))
        .condition_expression("attribute_exists(id)")
        .return_values(ReturnValue::None);
    let mut sets = vec!["updated_at = :now"];
    let mut removes = Vec::new();
    req = req
        .expression_attribute_values(":now", s(Timestamp::now().to_rfc3339()))
        .expression_attribute_values(":one", AttributeValue::N("1".into()));
    match failing_since {
        Some(t) => {
            sets.push("failing_since = :since");
            req = req.expression_attribute_values(":since", s(t.to_rfc3339()));
        }
        None => removes.push("failing_since"),
    }
    if let Some(reason) = disabled_reason {
        sets.push("enabled = :off, disabled_reason = :reason");
        req = req
            .expression_attribute_values(":off", AttributeValue::Bool(false))
            .expression_attribute_values(":reason", s(reason));
    }
    // A new version, so an edit read before this change cannot write over it (and re-enable).
    let mut expr = format!("SET {} ADD version :one", sets.join(", "));
    if !removes.is_empty() {
        expr.push_str(&format!(" REMOVE {}", removes.join(", ")));
    }
    match req.update_expression(expr).send().await.map_err(classify) {
        Ok(_) | Err(StoreError::ConditionFailed) => Ok(()), // deleted meanwhile
        Err(e) => Err(e),
    }
}
