//! The parts of Stripe's API that Payrail sends and reads, as types: requests become form
//! fields, answers are deserialised once, and code never indexes into raw JSON.
//!
//! Each enum of Stripe's has a catch-all `Unknown` arm, so a status Stripe adds later is an
//! answer Payrail does not act on, never a parse failure.

use std::collections::HashMap;

use serde::Deserialize;

use crate::domain::{Currency, Money};
use crate::payments::transaction::Transaction;
use crate::refunds::Refund;

/// The Stripe API version every call is made against, so an upgrade of the account's default
/// version never changes what Payrail sends or reads.
#[cfg_attr(not(feature = "stripe"), allow(dead_code))]
pub const STRIPE_VERSION: &str = "2024-06-20";

/// Currencies Stripe takes in two-decimal units although ISO 4217 gives them none: an amount
/// is sent times 100 (Stripe's "special cases"). Sent as ISO minor units, ISK 5000 would be
/// charged as 50.
const TWO_DECIMALS_AT_STRIPE: [&str; 2] = ["ISK", "UGX"];

/// `money` in the units Stripe's `amount` counts.
pub fn stripe_amount(money: &Money) -> i64 {
    let code = money.currency().code();
    if TWO_DECIMALS_AT_STRIPE.contains(&code) {
        money.minor().saturating_mul(100)
    } else {
        money.minor()
    }
}

/// An `amount` in Stripe's units of `currency` (its lower-case code) as Payrail's money;
/// `None` for a currency Payrail does not know or an amount that is not a whole minor unit.
pub fn money_from_stripe(amount: i64, currency: &str) -> Option<Money> {
    let currency = Currency::parse(currency).ok()?;
    let minor = if TWO_DECIMALS_AT_STRIPE.contains(&currency.code()) {
        (amount % 100 == 0).then_some(amount / 100)?
    } else {
        amount
    };
    Money::from_minor(minor, currency).ok()
}

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
            ("amount", stripe_amount(&txn.amount).to_string()),
            (
                "currency",
                txn.amount.currency().code().to_ascii_lowercase(),
            ),
            ("payment_method", self.payment_method.to_owned()),
            ("payment_method_types[]", "card".to_owned()),
            ("metadata[transaction_id]", txn.id.to_string()),
            ("metadata[order_uuid]", txn.order_uuid.as_str().to_owned()),
            ("metadata[merchant_id]", txn.merchant_id.to_string()),
            // Which attempt: a search for the transaction's payments finds only this one's.
            ("metadata[charge_key]", txn.charge_key()),
            ("expand[]", "payment_method".to_owned()),
            // One round trip: created and confirmed at once; a bank step is left for Stripe.js's
            // `handleNextAction` in the customer's browser.
            ("confirm", "true".to_owned()),
            ("use_stripe_sdk", "true".to_owned()),
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
            ("amount", stripe_amount(&self.refund.amount).to_string()),
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
    /// In Stripe's units of `currency` (see [`stripe_amount`]).
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    /// When it was created (Unix seconds).
    #[serde(default)]
    pub created: i64,
}

impl PaymentIntent {
    /// What it charges, as Payrail's money; `None` when Stripe did not say or it is not money
    /// Payrail can hold.
    pub fn money(&self) -> Option<Money> {
        money_from_stripe(self.amount?, self.currency.as_deref()?)
    }

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
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    #[serde(default)]
    pub created: i64,
}

impl StripeRefund {
    pub fn money(&self) -> Option<Money> {
        money_from_stripe(self.amount?, self.currency.as_deref()?)
    }
}

/// A charge, as `charge.refunded` sends it: only which PaymentIntent it belongs to is read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Charge {
    pub id: String,
    #[serde(default)]
    pub payment_intent: Option<String>,
}

/// A dispute of a charge (`charge.dispute.*`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StripeDispute {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    pub status: String,
    #[serde(default)]
    pub created: i64,
}

/// `GET /v1/account`: which Stripe account a key belongs to.
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub id: String,
}

/// A page of a list or search: `{"data": [...]}` (Payrail asks for at most 100, more than a
/// payment has refunds or a transaction has attempts).
#[derive(Debug, Clone, Deserialize)]
pub struct ListOf<T> {
    pub data: Vec<T>,
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
    /// `card_error`, `idempotency_error`, `invalid_request_error`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// The PaymentIntent a card error happened on, as Stripe attaches it.
    #[serde(default)]
    pub payment_intent: Option<Box<PaymentIntent>>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn money(minor: i64, code: &str) -> Money {
        Money::from_minor(minor, Currency::parse(code).unwrap()).unwrap()
    }

    #[test]
    fn stripe_counts_isk_and_ugx_in_hundredths_and_others_in_iso_minor_units() {
        assert_eq!(stripe_amount(&money(5000, "ISK")), 500_000);
        assert_eq!(stripe_amount(&money(3000, "UGX")), 300_000);
        assert_eq!(stripe_amount(&money(2500, "USD")), 2500);
        assert_eq!(stripe_amount(&money(1000, "JPY")), 1000);
        assert_eq!(stripe_amount(&money(1234, "KWD")), 1234);
        assert_eq!(money_from_stripe(500_000, "isk"), Some(money(5000, "ISK")));
        assert_eq!(money_from_stripe(500_050, "isk"), None);
        assert_eq!(money_from_stripe(2500, "usd"), Some(money(2500, "USD")));
        assert_eq!(money_from_stripe(2500, "zzz"), None);
    }
}
