//! Access log items: partition `merchant_id`, sort `id` (time-ordered), expiring by TTL.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};

use super::listing::{ListPage, NewestFirst};
use super::{StoreError, classify, to_item};
use crate::App;
use crate::access_log::entry::{LogEntry, RETENTION};
use crate::ids::{LogId, MerchantId};

/// BatchWriteItem takes at most 25 items.
const BATCH: usize = 25;

pub async fn put_all(app: &App, entries: &[LogEntry]) -> Result<(), StoreError> {
    let mut items = Vec::with_capacity(entries.len());
    for entry in entries {
        let mut item = to_item(entry)?;
        item.insert(
            "ttl".into(),
            AttributeValue::N(entry.created_at.plus(RETENTION).unix().to_string()),
        );
        items.push(item);
    }
    batch_put(app, &app.settings.access_log_table, items).await
}

/// Writes items in batches of 25 (BatchWriteItem's most); unprocessed items (throttling) are
/// retried a few times, then reported.
pub(crate) async fn batch_put(
    app: &App,
    table: &str,
    items: Vec<HashMap<String, AttributeValue>>,
) -> Result<(), StoreError> {
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let mut pending = Vec::with_capacity(BATCH);
        for item in items.by_ref().take(BATCH) {
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| StoreError::Dynamo(e.to_string()))?;
            pending.push(WriteRequest::builder().put_request(put).build());
        }
        for attempt in 0..3 {
            let out = app
                .dynamodb
                .batch_write_item()
                .request_items(table, pending)
                .send()
                .await
                .map_err(classify)?;
            pending = out
                .unprocessed_items
                .and_then(|mut m| m.remove(table))
                .unwrap_or_default();
            if pending.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
        }
        if !pending.is_empty() {
            return Err(StoreError::Throttled(format!(
                "{} items for {table} left unprocessed",
                pending.len()
            )));
        }
    }
    Ok(())
}

pub async fn list(
    app: &App,
    merchant: &MerchantId,
    limit: u32,
    after: Option<&LogId>,
) -> Result<ListPage<LogEntry>, StoreError> {
    NewestFirst {
        table: &app.settings.access_log_table,
        index: None,
        partition: ("merchant_id", merchant.to_string()),
        sort_key: "id",
        limit,
        after: after.map(ToString::to_string),
    }
    .fetch(app, |e: &LogEntry| e.id.as_str())
    .await
}
