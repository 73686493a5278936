//! `expire-payments`: run every minute by an EventBridge schedule; moves pending transactions
//! past their `expires_at` to `expired`, each with a `payment.expired` event.

use payrail::App;
use payrail::domain::Timestamp;
use payrail::lambda::EventError;
use serde_json::{Value, json};

/// Handles one scheduled event (its content is not needed) and reports what it did.
pub async fn handle(app: &App, _event: Value) -> Result<Value, EventError> {
    payrail::payments::expiry::sweep(app, Timestamp::now())
        .await
        .map(|expired| json!({"expired": expired}))
        .map_err(|e| EventError::new("expiry sweep", &e))
}
