//! The DynamoDB helpers every store module shares: attribute values by hand where an update or
//! a condition needs them, and a transaction of writes with its cancellation reasons sorted.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::{StoreError, classify};
use crate::App;

/// One item, as DynamoDB answers it.
pub type Item = HashMap<String, AttributeValue>;

/// A string attribute.
pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A number attribute.
pub fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// An item's number attribute, if it has one that is an integer.
pub fn num(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

/// An item's string attribute, if it has one.
pub fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)?.as_s().ok().map(String::as_str)
}

/// The reason DynamoDB gives for an item whose condition did not hold.
pub const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// What a transaction of writes came to: written, or cancelled with each item's reason in the
/// order the items were given (`"None"` for an item that was not the cause).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transacted {
    Written,
    Cancelled(Vec<String>),
}

impl Transacted {
    /// Whether item `index` of a cancelled transaction failed its condition.
    pub fn condition_failed(&self, index: usize) -> bool {
        match self {
            Self::Written => false,
            Self::Cancelled(codes) => codes.get(index).is_some_and(|c| c == CONDITION_FAILED),
        }
    }
}

/// Writes `items` in one DynamoDB transaction. A cancellation (a condition that did not hold,
/// or a conflict with a concurrent transaction) is an outcome the caller sorts; any other
/// failure is a [`StoreError`].
pub async fn transact(app: &App, items: Vec<TransactWriteItem>) -> Result<Transacted, StoreError> {
    let result = app
        .dynamodb
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await;
    match result {
        Ok(_) => Ok(Transacted::Written),
        Err(err) => match err.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
                Ok(Transacted::Cancelled(
                    e.cancellation_reasons()
                        .iter()
                        .map(|r| r.code().unwrap_or("None").to_owned())
                        .collect(),
                ))
            }
            _ => Err(classify(err)),
        },
    }
}

pub(crate) fn to_item<T: serde::Serialize>(
    value: &T,
) -> Result<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>, StoreError>
{
    serde_dynamo::to_item(value).map_err(|e| StoreError::Dynamo(format!("serialising item: {e}")))
}

pub(crate) fn from_item<T: serde::de::DeserializeOwned>(
    item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
) -> Result<T, StoreError> {
    let key = item
        .get("id")
        .or_else(|| item.get("pk"))
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default();
    serde_dynamo::from_item(item).map_err(|e| StoreError::corrupt(key, e))
}

/// Reads one item by its key; strongly consistent reads see every write already acknowledged.
pub(crate) async fn get_item<T: serde::de::DeserializeOwned>(
    app: &App,
    table: &str,
    key: (&str, String),
    consistent: bool,
) -> Result<Option<T>, StoreError> {
    let out = app
        .dynamodb
        .get_item()
        .table_name(table)
        .key(key.0, aws_sdk_dynamodb::types::AttributeValue::S(key.1))
        .consistent_read(consistent)
        .send()
        .await
        .map_err(classify)?;
    out.item.map(from_item).transpose()
}

/// Writes one item, optionally only if `condition` holds (`attribute_not_exists(id)` for a
/// new object: ids are random, so a clash is a bug, never an overwrite).
pub(crate) async fn put_item(
    app: &App,
    table: &str,
    item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    condition: Option<&str>,
) -> Result<(), StoreError> {
    app.dynamodb
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(condition.map(str::to_owned))
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}
