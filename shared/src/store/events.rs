//! Event items: `id`; index `by_merchant` (`merchant_id`, `id`). The table's stream carries each
//! new event to delivery without a second synchronous write.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use super::{StoreError, to_item};
use crate::App;
use crate::events::Event;

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
