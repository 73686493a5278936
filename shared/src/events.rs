//! Events: what happened to a merchant's objects, recorded in the same DynamoDB transaction as
//! the change itself, so no change is ever without its event. Each event keeps the exact body
//! that webhooks deliver (`{"type", "timestamp", "data"}`), so every delivery and every retry
//! sends the same bytes under the same `webhook-id`.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::Timestamp;
use crate::ids::{EndpointId, EventId, MerchantId};
use crate::payments::transaction::Transaction;
use crate::refunds::refund::Refund;

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
    #[serde(rename = "payment.canceled")]
    PaymentCanceled,
    #[serde(rename = "payment.refunded")]
    PaymentRefunded,
    /// The customer disputes the payment (a chargeback was opened).
    #[serde(rename = "payment.disputed")]
    PaymentDisputed,
    /// The dispute was decided: `dispute.status` is `won` or `lost`.
    #[serde(rename = "payment.dispute_closed")]
    PaymentDisputeClosed,
    #[serde(rename = "refund.succeeded")]
    RefundSucceeded,
    #[serde(rename = "refund.failed")]
    RefundFailed,
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

impl EventType {
    pub const ALL: [EventType; 11] = [
        Self::PaymentCreated,
        Self::PaymentSucceeded,
        Self::PaymentDeclined,
        Self::PaymentExpired,
        Self::PaymentCanceled,
        Self::PaymentRefunded,
        Self::PaymentDisputed,
        Self::PaymentDisputeClosed,
        Self::RefundSucceeded,
        Self::RefundFailed,
        Self::WebhookTest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaymentCreated => "payment.created",
            Self::PaymentSucceeded => "payment.succeeded",
            Self::PaymentDeclined => "payment.declined",
            Self::PaymentExpired => "payment.expired",
            Self::PaymentCanceled => "payment.canceled",
            Self::PaymentRefunded => "payment.refunded",
            Self::PaymentDisputed => "payment.disputed",
            Self::PaymentDisputeClosed => "payment.dispute_closed",
            Self::RefundSucceeded => "refund.succeeded",
            Self::RefundFailed => "refund.failed",
            Self::WebhookTest => "webhook.test",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// Every type's name, comma separated, for messages; `webhook.test` only if `with_test`.
    pub fn names(with_test: bool) -> String {
        Self::ALL
            .iter()
            .filter(|t| with_test || **t != Self::WebhookTest)
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
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
    /// For `webhook.test`: the one endpoint it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_endpoint: Option<EndpointId>,
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
            target_endpoint: None,
        }
    }

    /// An event about a refund, with the refund as it is after the change and the transaction
    /// it belongs to.
    pub fn for_refund(kind: EventType, refund: &Refund, txn: &Transaction, now: Timestamp) -> Self {
        let mut data = refund.to_json();
        data["transaction"] = txn.to_json(now);
        let body = json!({
            "type": kind.as_str(),
            "timestamp": now.to_rfc3339(),
            "data": data,
        });
        Self {
            id: EventId::generate(),
            merchant_id: txn.merchant_id.clone(),
            kind,
            created_at: now,
            body: body.to_string(),
            target_endpoint: None,
        }
    }

    /// A `webhook.test` event for one endpoint.
    pub fn test(merchant: &MerchantId, endpoint: &EndpointId, now: Timestamp) -> Self {
        let id = EventId::generate();
        let body = json!({
            "type": EventType::WebhookTest.as_str(),
            "timestamp": now.to_rfc3339(),
            "data": {"endpoint_id": endpoint, "message": "This is a test event from Payrail."},
        });
        Self {
            id,
            merchant_id: merchant.clone(),
            kind: EventType::WebhookTest,
            created_at: now,
            body: body.to_string(),
            target_endpoint: Some(endpoint.clone()),
        }
    }

    /// The payload as JSON, for the events API.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "id": self.id,
            "type": self.kind.as_str(),
            "created_at": self.created_at,
            "payload": serde_json::from_str::<serde_json::Value>(&self.body).unwrap_or_default(),
        })
    }
}
