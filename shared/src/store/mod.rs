//! DynamoDB access. Only this module knows item layouts, key names and index names; the rest
//! of the crate sees domain types.
//!
//! Tables (declared in template.yaml, which is also what the local stack is built from):
//! - merchants: `id`; index `by_created` (`kind`, `id`) lists merchants newest first.
//! - keys: `id`; index `by_merchant` (`merchant_id`, `id`).
//! - transactions: `pk` holds a transaction id, or a uniqueness guard
//!   (`order#<merchant>#<order_uuid>`, `idem#<merchant>#<key>`) written in the same
//!   transaction as the payment; index `by_merchant` (`merchant_id`, `pk`) holds only payments.
//! - audit log: `log` (`admin`), `id`.
//! - payment links: `id`; index `by_merchant` (`merchant_id`, `id`).
//! - two-step: `merchant_id`; a merchant's authenticator enrolment (see [`two_step`]).

pub mod access_log;
pub mod admin_token;
pub mod audit_log;
pub mod deliveries;
pub mod dynamo;
pub mod endpoints;
pub mod events;
pub mod keys;
pub mod links;
pub mod listing;
pub mod merchants;
pub mod processor_secrets;
pub mod queue;
pub mod refunds;
pub mod secrets;
pub mod transactions;
pub mod two_step;
pub mod two_step_secret;
pub mod webhook_keys;

use std::future::Future;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::App;
use crate::ids::{MerchantId, PrefixedId};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write found the item in another state than it required.
    #[error("conditional check failed")]
    ConditionFailed,
    #[error("throttled by DynamoDB: {0}")]
    Throttled(String),
    /// DynamoDB could not be reached, or did not answer in time: worth a retry.
    #[error("dynamodb unreachable: {0}")]
    Unreachable(String),
    #[error("dynamodb: {0}")]
    Dynamo(String),
    /// An item that does not hold what this code wrote: a bug or a manual edit.
    #[error("corrupt item {key}: {reason}")]
    Corrupt { key: String, reason: String },
}

impl StoreError {
    pub(crate) fn corrupt(key: impl Into<String>, reason: impl ToString) -> Self {
        Self::Corrupt {
            key: key.into(),
            reason: reason.to_string(),
        }
    }
}

/// Throttling and an unreachable DynamoDB are worth a retry (503); anything else is ours (500).
impl From<StoreError> for crate::error::ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Throttled(_) | StoreError::Unreachable(_) => {
                crate::error::ApiError::Unavailable(Box::new(err))
            }
            _ => crate::error::ApiError::internal(err),
        }
    }
}

/// Sorts an SDK failure into what callers act on: a failed condition, throttling, or a fault.
pub(crate) fn classify<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if matches!(
        err,
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
    ) {
        return StoreError::Unreachable(DisplayErrorContext(&err).to_string());
    }
    match err.code() {
        Some("ConditionalCheckFailedException") => StoreError::ConditionFailed,
        Some(
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded",
        ) => StoreError::Throttled(DisplayErrorContext(&err).to_string()),
        _ => StoreError::Dynamo(DisplayErrorContext(&err).to_string()),
    }
}

/// An object stored under its own id and owned by one merchant: what
/// [`crate::tenant::find`] reads for every route that names an object by id.
pub trait Owned: Sized {
    type Id: PrefixedId + Sync;
    /// What a client calls it, for "no <noun> with id …".
    const NOUN: &'static str;
    fn owner(&self) -> &MerchantId;
    /// The object, whoever owns it; only [`crate::tenant::find`] should call this.
    fn fetch(
        app: &App,
        id: &Self::Id,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send;
}

/// `owned!(Model, IdType, "noun", owner_field)` implements [`Owned`] in a store module whose
/// `get(app, id)` reads the model.
macro_rules! owned {
    ($model:ty, $id:ty, $noun:literal, $owner:ident) => {
        impl $crate::store::Owned for $model {
            type Id = $id;
            const NOUN: &'static str = $noun;
            fn owner(&self) -> &$crate::ids::MerchantId {
                &self.$owner
            }
            async fn fetch(
                app: &$crate::App,
                id: &$id,
            ) -> Result<Option<Self>, $crate::store::StoreError> {
                get(app, id).await
            }
        }
    };
}
pub(crate) use owned;

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
    app: &crate::App,
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
    app: &crate::App,
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
