//! `expire-payments`: run every minute by an EventBridge schedule; moves pending transactions
//! past their `expires_at` to `expired`, each with a `payment.expired` event.

use payrail::App;
use payrail::domain::Timestamp;
use serde_json::{Value, json};

/// Handles one scheduled event (its content is not needed) and reports what it did. A failure
/// is logged with its cause and reported to Lambda, which counts it in the function's errors.
pub async fn handle(app: &App, _event: Value) -> Result<Value, lambda_runtime::Error> {
    match payrail::payments::expiry::sweep(app, Timestamp::now()).await {
        Ok(expired) => Ok(json!({"expired": expired})),
        Err(err) => {
            let cause = std::error::Error::source(&err).map(|s| s.to_string());
            tracing::error!(error = %err, cause = ?cause, "expiry sweep failed");
            Err(format!(
                "expiry sweep failed: {}",
                cause.unwrap_or_else(|| err.to_string())
            )
            .into())
        }
    }
}
