//! Merchant items.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::dynamo::{Transacted, transact};
use super::listing::{ListPage, NewestFirst};
use super::{StoreError, classify, get_item, put_item, to_item};
use crate::App;
use crate::ids::MerchantId;
use crate::merchants::merchant::Merchant;
use crate::processor::config::ProcessorConfig;

/// Every merchant shares this `kind` so the `by_created` index can list them in id order.
const KIND: &str = "merchant";

pub async fn put(app: &App, merchant: &Merchant) -> Result<(), StoreError> {
    let mut item = to_item(merchant)?;
    item.insert("kind".into(), AttributeValue::S(KIND.into()));
    put_item(
        app,
        &app.settings.merchants_table,
        item,
        Some("attribute_not_exists(id)"),
    )
    .await
}

// A merchant owns itself: only the admin token (`Tenant::Any`) reads one by id.
super::owned!(Merchant, MerchantId, "merchant", id);

pub async fn get(app: &App, id: &MerchantId) -> Result<Option<Merchant>, StoreError> {
    get_item(
        app,
        &app.settings.merchants_table,
        ("id", id.to_string()),
        true,
    )
    .await
}

pub async fn list(
    app: &App,
    limit: u32,
    after: Option<&MerchantId>,
) -> Result<ListPage<Merchant>, StoreError> {
    NewestFirst {
        table: &app.settings.merchants_table,
        index: Some("by_created"),
        partition: ("kind", KIND.to_owned()),
        sort_key: "id",
        limit,
        after: after.map(ToString::to_string),
    }
    .fetch(app, |m: &Merchant| m.id.as_str())
    .await
}

/// Items one DynamoDB transaction may write.
const TRANSACTION_ITEMS: usize = 100;

/// Changes name and/or rate limit; `None` when there is no such merchant.
///
/// A new rate limit or active flag is copied onto every active key (each key carries them, so
/// a request is authenticated and counted in one write) in the same transaction as the
/// merchant, so a failure changes nothing. A merchant with more keys than one transaction holds gets its keys
/// in the earlier transactions and itself in the last: a failure part-way leaves the merchant
/// unchanged, and repeating the request finishes the job.
/// What a merchant update changes; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct Change<'a> {
    pub name: Option<&'a str>,
    pub rate_limit_per_minute: Option<u32>,
    pub active: Option<bool>,
}

pub async fn update(
    app: &App,
    id: &MerchantId,
    change: &Change<'_>,
) -> Result<Option<Merchant>, StoreError> {
    let Change {
        name,
        rate_limit_per_minute,
        active,
    } = *change;
    let mut sets = Vec::new();
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    if let Some(name) = name {
        sets.push("#name = :name");
        names.insert("#name".to_owned(), "name".to_owned());
        values.insert(":name".to_owned(), AttributeValue::S(name.into()));
    }
    if let Some(rate) = rate_limit_per_minute {
        sets.push("rate_limit_per_minute = :rate");
        values.insert(":rate".to_owned(), AttributeValue::N(rate.to_string()));
    }
    if let Some(active) = active {
        sets.push("active = :active");
        values.insert(":active".to_owned(), AttributeValue::Bool(active));
    }
    let merchant = Update::builder()
        .table_name(&app.settings.merchants_table)
        .key("id", AttributeValue::S(id.to_string()))
        .update_expression(format!("SET {}", sets.join(", ")))
        .condition_expression("attribute_exists(id)")
        .set_expression_attribute_names((!names.is_empty()).then_some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(|e| StoreError::Dynamo(e.to_string()))?;
    let mut writes = if rate_limit_per_minute.is_some() || active.is_some() {
        super::keys::merchant_copy_updates(app, id, rate_limit_per_minute, active).await?
    } else {
        Vec::new()
    };
    writes.push(TransactWriteItem::builder().update(merchant).build());
    let chunks = writes.chunks(TRANSACTION_ITEMS).count();
    for (i, chunk) in writes.chunks(TRANSACTION_ITEMS).enumerate() {
        match transact(app, chunk.to_vec()).await? {
            Transacted::Written => {}
            // The merchant's own write is the last item of the last transaction.
            outcome if i + 1 == chunks && outcome.condition_failed(chunk.len() - 1) => {
                return Ok(None);
            }
            Transacted::Cancelled(codes) => {
                return Err(StoreError::Dynamo(format!(
                    "merchant update cancelled: {codes:?}"
                )));
            }
        }
    }
    get(app, id).await
}

/// Records the merchant's processor choice; `None` when there is no such merchant.
pub async fn set_processor(
    app: &App,
    id: &MerchantId,
    config: &ProcessorConfig,
) -> Result<Option<()>, StoreError> {
    let value = serde_dynamo::to_attribute_value(config)
        .map_err(|e| StoreError::Dynamo(format!("serialising processor: {e}")))?;
    let result = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.merchants_table)
        .key("id", AttributeValue::S(id.to_string()))
        .update_expression("SET processor = :p")
        .condition_expression("attribute_exists(id)")
        .expression_attribute_values(":p", value)
        .send()
        .await
        .map_err(classify);
    match result {
        Ok(_) => Ok(Some(())),
        Err(StoreError::ConditionFailed) => Ok(None),
        Err(e) => Err(e),
    }
}
