//! `expire-payments`: run every minute by an EventBridge schedule. Moves pending transactions
//! past their `expires_at` to `expired`, each with a `payment.expired` event (asking the
//! processor to cancel a payment left at the customer's bank first), then reconciles every
//! charge and refund whose outcome is still unknown or pending with the processor.

use std::time::{Duration, Instant};

use payrail::App;
use payrail::domain::Timestamp;
use payrail::lambda::EventError;
use payrail::payments::reconcile::Swept;
use serde_json::{Value, json};

/// When expiry stops taking new transactions, and when reconciliation does: one call to a
/// processor may take 20 seconds, and the function has 120.
const EXPIRY_FOR: Duration = Duration::from_secs(30);
const BOTH_FOR: Duration = Duration::from_secs(60);

/// Handles one scheduled event (its content is not needed) and reports what it did.
pub async fn handle(app: &App, _event: Value) -> Result<Value, EventError> {
    let now = Timestamp::now();
    let started = Instant::now();
    // Each sweep stops taking new work at its deadline, inside the function's two minutes;
    // one that fails does not keep the other from running.
    let expired = payrail::payments::expiry::sweep(app, now, started + EXPIRY_FOR).await;
    let swept = payrail::payments::reconcile::sweep(app, now, started + BOTH_FOR).await;
    let expired = expired.map_err(|e| EventError::new("expiry sweep", &e))?;
    let swept = swept.map_err(|e| EventError::new("reconciliation sweep", &e))?;
    println!("{}", metric_line(&swept, now));
    Ok(json!({
        "expired": expired,
        "charges_settled": swept.charges_settled,
        "charges_released": swept.charges_released,
        "refunds_settled": swept.refunds_settled,
        "unresolved": swept.unresolved,
        "unresolved_for_an_hour": swept.unresolved_for_an_hour,
    }))
}

/// The sweep's counts as one CloudWatch embedded-metric log line (Lambda turns it into
/// metrics, with no API call): the `UnresolvedForAnHour` alarm watches it.
fn metric_line(swept: &Swept, now: Timestamp) -> Value {
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".into());
    json!({
        "_aws": {
            "Timestamp": now.unix() * 1000,
            "CloudWatchMetrics": [{
                "Namespace": "Payrail",
                "Dimensions": [["Function"]],
                "Metrics": [
                    {"Name": "Unresolved", "Unit": "Count"},
                    {"Name": "UnresolvedForAnHour", "Unit": "Count"}
                ]
            }]
        },
        "Function": function,
        "Unresolved": swept.unresolved,
        "UnresolvedForAnHour": swept.unresolved_for_an_hour,
    })
}
