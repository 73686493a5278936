//! What a store call can fail with, and how an AWS SDK failure is sorted into it: the same for
//! DynamoDB, Secrets Manager and SQS.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

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
