//! A transaction: what a payment request creates and a customer pays.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use super::card::Card;
use super::dispute::Dispute;
use crate::domain::{Email, Metadata, Money, OrderUuid, Timestamp, WebUrl};
use crate::ids::{MerchantId, PaymentLinkId, TransactionId};

/// What the customer's way back to the merchant carries: the transaction id, or also OwnPay's
/// `payment_id` and `status` for a payment made through OwnPay's API (OwnPay's WHMCS module
/// reads them on return).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStyle {
    #[default]
    Standard,
    Ownpay,
}

impl ReturnStyle {
    pub fn is_default(&self) -> bool {
        *self == Self::Standard
    }
}

/// Which processor took (or takes) a payment: refunds and late answers go back to that one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessorKind {
    Sandbox,
    Stripe,
}

impl ProcessorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Stripe => "stripe",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Pending,
    /// A checkout submission holds it while the processor charges; see `store::transactions::claim`.
    Processing,
    Paid,
    Declined,
    Expired,
    /// Canceled by the merchant before it was paid.
    Canceled,
    /// Paid, then refunded in full.
    Refunded,
}

impl PaymentStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "processing" => Some(Self::Processing),
            "paid" => Some(Self::Paid),
            "declined" => Some(Self::Declined),
            "expired" => Some(Self::Expired),
            "canceled" => Some(Self::Canceled),
            "refunded" => Some(Self::Refunded),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Paid => "paid",
            Self::Declined => "declined",
            Self::Expired => "expired",
            Self::Canceled => "canceled",
            Self::Refunded => "refunded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub id: TransactionId,
    pub merchant_id: MerchantId,
    pub order_uuid: OrderUuid,
    /// The stored status; see [`Transaction::status_at`] for what clients see.
    pub status: PaymentStatus,
    pub amount: Money,
    pub email: Email,
    pub product_title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub metadata: Metadata,
    /// The hosted checkout page.
    pub url: String,
    pub success_url: WebUrl,
    pub cancel_url: WebUrl,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub paid_at: Option<Timestamp>,
    pub card: Option<Card>,
    /// Why the card was declined (`card_declined`, `insufficient_funds`).
    pub decline_reason: Option<String>,
    /// Digest of the request that created it, for idempotent replays.
    pub fingerprint: String,
    /// A random secret embedded in the checkout form, so only a form we served can pay.
    pub checkout_token: String,
    /// Minor units refunded (succeeded refunds).
    pub refunded_minor: i64,
    /// Minor units held by refunds, succeeded or pending: what can never be refunded again.
    pub refund_held_minor: i64,
    /// The processor a payment attempt went through, from the first attempt on.
    pub processor: Option<ProcessorKind>,
    /// The processor's id of the payment (`pi_…` at Stripe).
    pub processor_payment_id: Option<String>,
    /// Whether real money moves (a live processor key).
    pub livemode: Option<bool>,
    /// The processor's account that took the payment (`acct_…` at Stripe).
    pub processor_account: Option<String>,
    /// The payment link a customer came through, for transactions a link created.
    pub payment_link_id: Option<PaymentLinkId>,
    /// Charges given back as not made (the processor said nothing was charged): each new
    /// attempt is sent under a new idempotency key, see [`Transaction::charge_key`].
    pub charge_attempt: u32,
    /// The customer's dispute of the payment, once the processor reports one.
    pub dispute: Option<Dispute>,
    pub return_style: ReturnStyle,
}

impl Transaction {
    /// A pending transaction past `expires_at` is expired whether or not the sweeper has
    /// written that yet, so every reader agrees at the same instant.
    pub fn status_at(&self, now: Timestamp) -> PaymentStatus {
        match self.status {
            PaymentStatus::Pending if now >= self.expires_at => PaymentStatus::Expired,
            status => status,
        }
    }

    /// Minor units that can still be refunded.
    pub fn refundable_minor(&self) -> i64 {
        self.amount.minor() - self.refund_held_minor
    }

    /// The idempotency key of the current charge attempt: the transaction id, so a retry after
    /// a lost answer never charges twice; a suffix once an earlier attempt was known to have
    /// charged nothing, so a new card is not refused as a reuse of the key.
    pub fn charge_key(&self) -> String {
        match self.charge_attempt {
            0 => self.id.to_string(),
            n => format!("{}:{n}", self.id),
        }
    }

    /// Whether a customer can still pay it at `now`.
    pub fn payable_at(&self, now: Timestamp) -> bool {
        self.status_at(now) == PaymentStatus::Pending
    }

    /// The merchant's customer with this payment's address (recorded when it was created).
    pub fn customer_id(&self) -> crate::ids::CustomerId {
        crate::ids::CustomerId::for_email(&self.merchant_id, &self.email)
    }

    pub fn to_json(&self, now: Timestamp) -> Value {
        json!({
            "transaction_id": self.id,
            "order_uuid": self.order_uuid.as_str(),
            "status": self.status_at(now).as_str(),
            "total_amount": self.amount.to_major_string(),
            "amount_minor": self.amount.minor(),
            "currency": self.amount.currency().code(),
            "email": self.email.as_str(),
            "customer_id": self.customer_id(),
            "product_title": self.product_title,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "metadata": self.metadata.as_map(),
            "url": self.url,
            "success_url": self.success_url.as_str(),
            "cancel_url": self.cancel_url.as_str(),
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "paid_at": self.paid_at,
            "card": self.card,
            "decline_reason": self.decline_reason,
            "amount_refunded": major_text(self.refunded_minor, self.amount.currency()),
            "processor": self.processor.map(ProcessorKind::as_str),
            "processor_payment_id": self.processor_payment_id,
            "livemode": self.livemode,
            "payment_link_id": self.payment_link_id,
            "dispute": self.dispute.as_ref().map(Dispute::to_json),
        })
    }
}

/// Minor units as major-unit text with the currency's decimals, zero included (`"0.00"`).
pub fn major_text(minor: i64, currency: crate::domain::Currency) -> String {
    rust_decimal::Decimal::from_i128_with_scale(i128::from(minor), currency.exponent()).to_string()
}
