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
