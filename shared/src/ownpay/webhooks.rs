//! OwnPay's webhook routes: a test delivery's outcome and the delivery log, in its fields.

use serde_json::{Value, json};

use crate::webhooks::attempt::Attempt;

/// One delivery attempt as `GET /webhooks/deliveries` lists it.
pub fn delivery_json(attempt: &Attempt, url: &str) -> Value {
    json!({
        "id": attempt.id,
        "event": crate::webhooks::format::ownpay_event(attempt.event_type)
            .map_or(attempt.event_type.as_str(), |(name, _)| name),
        "url": url,
        "direction": "outbound",
        "status_code": attempt.status_code,
        "response_time_ms": attempt.duration_ms,
        "attempt": attempt.attempt,
        "status": if attempt.outcome == "succeeded" { "delivered" } else { "failed" },
        "created_at": attempt.created_at,
    })
}
