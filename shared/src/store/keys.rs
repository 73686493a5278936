//! API key items.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{StoreError, classify, from_item, to_item};
use crate::App;
use crate::ids::KeyId;
use crate::keys::ApiKey;

pub async fn put(app: &App, key: &ApiKey) -> Result<(), StoreError> {
    app.dynamodb
        .put_item()
        .table_name(&app.settings.keys_table)
        .set_item(Some(to_item(key)?))
        .condition_expression("attribute_not_exists(id)")
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

/// Reads a key with a strongly consistent read, so a revocation is seen by the next request.
pub async fn get(app: &App, id: &KeyId) -> Result<Option<ApiKey>, StoreError> {
    let out = app
        .dynamodb
        .get_item()
        .table_name(&app.settings.keys_table)
        .key("id", AttributeValue::S(id.to_string()))
        .consistent_read(true)
        .send()
        .await
        .map_err(classify)?;
    out.item.map(from_item).transpose()
}
