//! Delivery attempts: partition `endpoint_id`, sort `id` (time-ordered); index `by_event`
//! (`event_id`, `id`). Kept 30 days.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::page::{NewestFirst, PageOf};
use super::{StoreError, put_item, to_item};
use crate::App;
use crate::domain::Timestamp;
use crate::events::EventType;
use crate::ids::{AttemptId, EndpointId, EventId, MerchantId};

const RETENTION: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

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

/// One write per attempt.
pub async fn record(app: &App, attempt: &Attempt) -> Result<(), StoreError> {
    let mut item = to_item(attempt)?;
    item.insert(
        "ttl".into(),
        AttributeValue::N(attempt.created_at.plus(RETENTION).unix().to_string()),
    );
    put_item(app, &app.settings.deliveries_table, item, None).await
}

pub async fn for_endpoint(
    app: &App,
    endpoint: &EndpointId,
    limit: u32,
    after: Option<&AttemptId>,
) -> Result<PageOf<Attempt>, StoreError> {
    NewestFirst {
        table: &app.settings.deliveries_table,
        index: None,
        partition: ("endpoint_id", endpoint.to_string()),
        sort_key: "id",
        limit,
        after: after.map(ToString::to_string),
    }
    .fetch(app, |a: &Attempt| a.id.as_str())
    .await
}

pub async fn for_event(app: &App, event: &EventId) -> Result<Vec<Attempt>, StoreError> {
    let page = NewestFirst {
        table: &app.settings.deliveries_table,
        index: Some("by_event"),
        partition: ("event_id", event.to_string()),
        sort_key: "id",
        limit: 100,
        after: None,
    }
    .fetch(app, |a: &Attempt| a.id.as_str())
    .await?;
    Ok(page.items)
}
