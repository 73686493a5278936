//! Event items: `id`; index `by_merchant` (`merchant_id`, `id`). The table's stream carries each
//! new event to delivery without a second synchronous write.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use super::listing::{ListPage, NewestFirst};
use super::{StoreError, classify, from_item, get_item, put_item, to_item};
use crate::App;
use crate::events::{Event, EventType};
use crate::ids::{EventId, MerchantId};

/// Partitions of the sparse `undispatched` index (the outbox), so a burst of events does not
/// heat one.
pub const DISPATCH_SHARDS: u32 = 4;
const MARKER: &str = "undispatched";

/// A new event's item, marked undispatched: in the `undispatched` index until its deliveries
/// are queued, so the reconciler finds any event the stream never got to dispatch.
fn new_item(event: &Event) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let mut item: HashMap<String, AttributeValue> = to_item(event)?;
    let last = event.id.as_str().bytes().last().unwrap_or(0);
    item.insert(
        MARKER.into(),
        AttributeValue::S(format!("u{}", u32::from(last) % DISPATCH_SHARDS)),
    );
    Ok(item)
}

/// The `Put` of a new event, to join the transaction that makes the change it records.
pub fn put_in_transaction(app: &App, event: &Event) -> Result<TransactWriteItem, StoreError> {
    let item = new_item(event)?;
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
        new_item(event)?,
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
) -> Result<ListPage<Event>, StoreError> {
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
    Ok(ListPage {
        items,
        next_cursor: next.map(|id| crate::input::encode_cursor(&id)),
    })
}

/// Of `ids`, the events whose deliveries are not queued yet (read strongly consistent, 100 per
/// request): a stream batch retried after a partial failure, or one the reconciler already
/// handled, skips what is done.
pub async fn undispatched_of(
    app: &App,
    ids: &[EventId],
) -> Result<std::collections::HashSet<EventId>, StoreError> {
    use aws_sdk_dynamodb::types::KeysAndAttributes;
    let table = &app.settings.events_table;
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(100) {
        let keys = chunk
            .iter()
            .map(|id| HashMap::from([("id".to_owned(), AttributeValue::S(id.to_string()))]))
            .collect::<Vec<_>>();
        let mut request = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .projection_expression("id, #m")
                .expression_attribute_names("#m", MARKER)
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::Dynamo(e.to_string()))?,
        );
        for attempt in 0..5u32 {
            let Some(keys) = request.take() else { break };
            let out = app
                .dynamodb
                .batch_get_item()
                .request_items(table, keys)
                .send()
                .await
                .map_err(classify)?;
            for item in out
                .responses
                .and_then(|mut r| r.remove(table))
                .unwrap_or_default()
            {
                if item.contains_key(MARKER)
                    && let Some(id) = item
                        .get("id")
                        .and_then(|v| v.as_s().ok())
                        .and_then(|s| EventId::parse(s))
                {
                    found.insert(id);
                }
            }
            request = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(table))
                .filter(|k| !k.keys().is_empty());
            if request.is_some() {
                tokio::time::sleep(std::time::Duration::from_millis(25 << attempt)).await;
            }
        }
        if request.is_some() {
            return Err(StoreError::Throttled(
                "events left unread by BatchGetItem".into(),
            ));
        }
    }
    Ok(found)
}

/// Takes events out of the outbox once their deliveries are queued (one conditional write
/// each, a few at a time; an event gone meanwhile is no error).
pub async fn mark_dispatched(app: &App, ids: &[EventId]) -> Result<(), StoreError> {
    for chunk in ids.chunks(16) {
        let cleared = futures_util::future::join_all(chunk.iter().map(|id| clear(app, id))).await;
        cleared.into_iter().collect::<Result<(), _>>()?;
    }
    Ok(())
}

async fn clear(app: &App, id: &EventId) -> Result<(), StoreError> {
    let out = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.events_table)
        .key("id", AttributeValue::S(id.to_string()))
        .update_expression("REMOVE #m")
        .condition_expression("attribute_exists(id)")
        .expression_attribute_names("#m", MARKER)
        .send()
        .await;
    match out.map_err(classify) {
        Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Events still in the outbox that were written before `cutoff`, oldest first, at most
/// `limit`: from the sparse `undispatched` index, never a scan.
pub async fn undispatched_before(
    app: &App,
    cutoff: crate::domain::Timestamp,
    limit: usize,
) -> Result<Vec<Event>, StoreError> {
    let before = EventId::lower_bound(cutoff);
    let mut events = Vec::new();
    for shard in 0..DISPATCH_SHARDS {
        let mut start = None;
        loop {
            let out = app
                .dynamodb
                .query()
                .table_name(&app.settings.events_table)
                .index_name(MARKER)
                .key_condition_expression("#m = :shard AND id < :before")
                .expression_attribute_names("#m", MARKER)
                .expression_attribute_values(":shard", AttributeValue::S(format!("u{shard}")))
                .expression_attribute_values(":before", AttributeValue::S(before.clone()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(classify)?;
            for item in out.items.unwrap_or_default() {
                events.push(from_item::<Event>(item)?);
            }
            start = out.last_evaluated_key;
            if start.is_none() || events.len() >= limit {
                break;
            }
        }
    }
    events.sort_by(|a, b| a.id.cmp(&b.id));
    events.truncate(limit);
    Ok(events)
}
