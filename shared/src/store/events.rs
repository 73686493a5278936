//! Event items: `id`; index `by_merchant` (`merchant_id`, `id`). The table's stream carries each
//! new event to delivery without a second synchronous write.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use super::page::{NewestFirst, PageOf};
use super::{StoreError, classify, from_item, get_item, put_item, to_item};
use crate::App;
use crate::events::{Event, EventType};
use crate::ids::{EventId, MerchantId};

/// The `Put` of a new event, to join the transaction that makes the change it records.
pub fn put_in_transaction(app: &App, event: &Event) -> Result<TransactWriteItem, StoreError> {
    let item: HashMap<String, AttributeValue> = to_item(event)?;
    let put = Put::builder()
        .table_name(&app.settings.events_table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(id)")
        .build()
        .map_err(|e| StoreError::Dynamo(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Writes an event on its own (a test event: no state change goes with it).
pub async fn put(app: &App, event: &Event) -> Result<(), StoreError> {
    put_item(
        app,
        &app.settings.events_table,
        to_item(event)?,
        Some("attribute_not_exists(id)"),
    )
    .await
}

super::owned!(Event, EventId, "event", merchant_id);

pub async fn get(app: &App, id: &EventId) -> Result<Option<Event>, StoreError> {
    // Strongly consistent: deliveries read an event moments after its stream record.
    get_item(
        app,
        &app.settings.events_table,
        ("id", id.to_string()),
        true,
    )
    .await
}

/// A merchant's events, newest first; with `kind`, only that type (filtered page by page).
pub async fn list(
    app: &App,
    merchant: &MerchantId,
    kind: Option<EventType>,
    limit: u32,
    after: Option<&EventId>,
) -> Result<PageOf<Event>, StoreError> {
    let Some(kind) = kind else {
        return NewestFirst {
            table: &app.settings.events_table,
            index: Some("by_merchant"),
            partition: ("merchant_id", merchant.to_string()),
            sort_key: "id",
            limit,
            after: after.map(ToString::to_string),
        }
        .fetch(app, |e: &Event| e.id.as_str())
        .await;
    };
    let mut items = Vec::new();
    let mut start = after.map(|id| {
        HashMap::from([
            (
                "merchant_id".to_owned(),
                AttributeValue::S(merchant.to_string()),
            ),
            ("id".to_owned(), AttributeValue::S(id.to_string())),
        ])
    });
    let mut next = None;
    for _ in 0..5 {
        let out = app
            .dynamodb
            .query()
            .table_name(&app.settings.events_table)
            .index_name("by_merchant")
            .key_condition_expression("merchant_id = :m")
            .filter_expression("#t = :t")
            .expression_attribute_names("#t", "type")
            .expression_attribute_values(":m", AttributeValue::S(merchant.to_string()))
            .expression_attribute_values(":t", AttributeValue::S(kind.as_str().to_owned()))
            .scan_index_forward(false)
            .limit((limit as usize - items.len()) as i32)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(classify)?;
        for item in out.items.unwrap_or_default() {
            items.push(from_item::<Event>(item)?);
        }
        next = out
            .last_evaluated_key
            .as_ref()
            .and_then(|k| k.get("id"))
            .and_then(|v| v.as_s().ok())
            .cloned();
        match out.last_evaluated_key {
            Some(key) if items.len() < limit as usize => start = Some(key),
            _ => break,
        }
    }
    Ok(PageOf {
        items,
        next_cursor: next.map(|id| super::page::encode_cursor(&id)),
    })
}
