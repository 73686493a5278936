//! The parts of Stripe's API that Payrail sends and reads, as types: requests become form
//! fields, answers are deserialised once, and code never indexes into raw JSON.
//!
//! Each enum of Stripe's has a catch-all `Unknown` arm, so a status Stripe adds later is an
//! answer Payrail does not act on, never a parse failure.

use std::collections::HashMap;

use serde::Deserialize;

use crate::payments::transaction::Transaction;
use crate::refunds::Refund;

/// `POST /v1/payment_intents`: the transaction's amount, to be confirmed with the payment
/// method Stripe.js made, its card expanded in the answer.
pub struct CreatePaymentIntent<'a> {
    pub txn: &'a Transaction,
    pub payment_method: &'a str,
}

impl CreatePaymentIntent<'_> {
    pub fn form(&self) -> Vec<(&'static str, String)> {
        let txn = self.txn;
        vec![
            ("amount", txn.amount.minor().to_string()),
            (
                "currency",
                txn.amount.currency().code().to_ascii_lowercase(),
            ),
            ("payment_method", self.payment_method.to_owned()),
            ("payment_method_types[]", "card".to_owned()),
            ("metadata[transaction_id]", txn.id.to_string()),
            ("metadata[order_uuid]", txn.order_uuid.as_str().to_owned()),
            ("metadata[merchant_id]", txn.merchant_id.to_string()),
            ("expand[]", "payment_method".to_owned()),
        ]
    }
}

/// `POST /v1/refunds`: part or all of a PaymentIntent's amount.
pub struct CreateRefund<'a> {
    pub payment_intent: &'a str,
    pub payment: &'a Transaction,
    pub refund: &'a Refund,
}

impl CreateRefund<'_> {
    pub fn form(&self) -> Vec<(&'static str, String)> {
        vec![
            ("payment_intent", self.payment_intent.to_owned()),
            ("amount", self.refund.amount.minor().to_string()),
            ("metadata[refund_id]", self.refund.id.to_string()),
            ("metadata[transaction_id]", self.payment.id.to_string()),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    /// Always sent by Stripe; an event's object without one is read as `Unknown`, since the
    /// event's type already says what happened.
    #[serde(default)]
    pub status: PaymentIntentStatus,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub payment_method: Option<Expandable<PaymentMethod>>,
    #[serde(default)]
    pub last_payment_error: Option<ErrorObject>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

impl PaymentIntent {
    /// The Payrail transaction it was created for.
    pub fn transaction_id(&self) -> Option<&str> {
        self.metadata.get("transaction_id").map(String::as_str)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentIntentStatus {
    RequiresPaymentMethod,
    RequiresConfirmation,
    RequiresAction,
    Processing,
    RequiresCapture,
    Canceled,
    Succeeded,
    #[default]
    #[serde(other)]
    Unknown,
}

/// A field Stripe answers as an id, or as the object when asked to expand it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Expandable<T> {
    Object(T),
    Id(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PaymentMethod {
    #[serde(default)]
    pub card: Option<CardSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CardSummary {
    pub brand: String,
    pub last4: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StripeRefund {
    pub id: String,
    pub status: RefundStatus,
    #[serde(default)]
    pub failure_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    Pending,
    RequiresAction,
    Succeeded,
    Failed,
    Canceled,
    #[serde(other)]
    Unknown,
}

/// The body of an error answer: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorObject,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ErrorObject {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// A webhook event; `data.object` is read as the type `kind` names.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

/// `GET /v1/balance`: read only to check a key, so nothing of it is kept.
#[derive(Debug, Clone, Deserialize)]
pub struct Balance {}
