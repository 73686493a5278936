//! One delivery attempt of an event to an endpoint, as the delivery log shows it.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::Timestamp;
use crate::events::EventType;
use crate::ids::{AttemptId, EndpointId, EventId, MerchantId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub id: AttemptId,
    pub endpoint_id: EndpointId,
    pub event_id: EventId,
    pub merchant_id: MerchantId,
    pub event_type: EventType,
    /// 1 for the first attempt of a delivery.
    pub attempt: u32,
    /// `succeeded`, `retrying`, `failed` (attempts used up) or `endpoint_disabled`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    /// The start of the response body, at most 1 KiB.
    #[serde(default)]
    pub response: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Attempt {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "endpoint_id": self.endpoint_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "attempt": self.attempt,
            "outcome": self.outcome,
            "status_code": self.status_code,
            "duration_ms": self.duration_ms,
            "response": self.response,
            "error": self.error,
            "next_attempt_at": self.next_attempt_at,
            "created_at": self.created_at,
        })
    }
}
