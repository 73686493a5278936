//! Events: what happened to a merchant's objects, recorded in the same DynamoDB transaction as
//! the change itself, so no change is ever without its event. Each event keeps the exact body
//! that webhooks deliver (`{"type", "timestamp", "data"}`), so every delivery and every retry
//! sends the same bytes under the same `webhook-id`.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::Timestamp;
use crate::ids::{EventId, MerchantId};
use crate::payments::Transaction;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "payment.created")]
    PaymentCreated,
    #[serde(rename = "payment.succeeded")]
    PaymentSucceeded,
    #[serde(rename = "payment.declined")]
    PaymentDeclined,
    #[serde(rename = "payment.expired")]
    PaymentExpired,
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

impl EventType {
    pub const ALL: [EventType; 5] = [
        Self::PaymentCreated,
        Self::PaymentSucceeded,
        Self::PaymentDeclined,
        Self::PaymentExpired,
        Self::WebhookTest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaymentCreated => "payment.created",
            Self::PaymentSucceeded => "payment.succeeded",
            Self::PaymentDeclined => "payment.declined",
            Self::PaymentExpired => "payment.expired",
            Self::WebhookTest => "webhook.test",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    pub merchant_id: MerchantId,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub created_at: Timestamp,
    /// The webhook body, exactly as it will be signed and sent.
    pub body: String,
}

impl Event {
    /// An event about a transaction, with the transaction as it is after the change.
    pub fn for_transaction(kind: EventType, txn: &Transaction, now: Timestamp) -> Self {
        let body = json!({
            "type": kind.as_str(),
            "timestamp": now.to_rfc3339(),
            "data": txn.to_json(now),
        });
        Self {
            id: EventId::generate(),
            merchant_id: txn.merchant_id.clone(),
            kind,
            created_at: now,
            body: body.to_string(),
        }
    }
}
