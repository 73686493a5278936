//! Merchant items.

use aws_sdk_dynamodb::types::AttributeValue;

use super::page::{NewestFirst, PageOf};
use super::{StoreError, classify, from_item, get_item, put_item, to_item};
use crate::App;
use crate::ids::MerchantId;
use crate::merchants::merchant::Merchant;

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

/// A merchant owns itself: only the admin token ([`crate::tenant::Tenant::Any`]) reads one by id.
impl super::Owned for Merchant {
    type Id = MerchantId;
    const NOUN: &'static str = "merchant";
    fn owner(&self) -> &MerchantId {
        &self.id
    }
    async fn fetch(app: &App, id: &MerchantId) -> Result<Option<Self>, StoreError> {
        get(app, id).await
    }
}

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
) -> Result<PageOf<Merchant>, StoreError> {
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

/// Changes name and/or rate limit; `None` when there is no such merchant.
pub async fn update(
    app: &App,
    id: &MerchantId,
    name: Option<&str>,
    rate_limit_per_minute: Option<u32>,
) -> Result<Option<Merchant>, StoreError> {
    let mut sets = Vec::new();
    let mut req = app
        .dynamodb
        .update_item()
        .table_name(&app.settings.merchants_table)
        .key("id", AttributeValue::S(id.to_string()))
        .condition_expression("attribute_exists(id)")
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew);
    if let Some(name) = name {
        sets.push("#name = :name");
        req = req
            .expression_attribute_names("#name", "name")
            .expression_attribute_values(":name", AttributeValue::S(name.into()));
    }
    if let Some(rate) = rate_limit_per_minute {
        sets.push("rate_limit_per_minute = :rate");
        req = req.expression_attribute_values(":rate", AttributeValue::N(rate.to_string()));
    }
    match req
        .update_expression(format!("SET {}", sets.join(", ")))
        .send()
        .await
        .map_err(classify)
    {
        Ok(out) => out.attributes.map(from_item).transpose(),
        Err(StoreError::ConditionFailed) => Ok(None),
        Err(e) => Err(e),
    }
}
