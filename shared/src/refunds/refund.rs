//! A refund of all or part of a paid transaction, and the request that asks for one.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::domain::money::DecimalText;
use crate::domain::{BoundedText, Money, Timestamp};
use crate::error::{ApiError, FieldErrorsBuilder};
use crate::ids::{MerchantId, RefundId, TransactionId};
use crate::input::JsonObject;
use crate::payments::transaction::Transaction;

pub type RefundReason = BoundedText<500>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Its amount is held against the transaction while the processor works on it.
    Pending,
    Succeeded,
    /// The processor refused it; its amount is refundable again.
    Failed,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: RefundId,
    pub transaction_id: TransactionId,
    pub merchant_id: MerchantId,
    pub amount: Money,
    pub status: RefundStatus,
    pub reason: Option<String>,
    /// Why the processor refused it.
    pub failure_reason: Option<String>,
    /// Digest of the request that created it, for idempotent replays.
    pub fingerprint: String,
    pub created_at: Timestamp,
    /// The processor's id of a refund made outside Payrail (in Stripe's Dashboard), which this
    /// refund records.
    pub processor_refund_id: Option<String>,
}

impl Refund {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "transaction_id": self.transaction_id,
            "amount": self.amount.to_major_string(),
            "amount_minor": self.amount.minor(),
            "currency": self.amount.currency().code(),
            "status": self.status.as_str(),
            "reason": self.reason,
            "failure_reason": self.failure_reason,
            "processor_refund_id": self.processor_refund_id,
            "created_at": self.created_at,
        })
    }
}

/// `POST /transactions/{id}/refunds`: `amount` (major units; default what is left) and `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefund {
    /// `None`: everything not yet refunded.
    pub amount_text: Option<DecimalText>,
    pub reason: Option<RefundReason>,
}

impl NewRefund {
    pub fn parse(body: &JsonObject) -> Result<Self, ApiError> {
        let mut errors = FieldErrorsBuilder::default();
        let amount_text = errors
            .check("amount", body.decimal_text("amount"))
            .flatten();
        let reason = match errors.check("reason", body.string("reason")) {
            Some(Some(raw)) => errors.check("reason", RefundReason::parse(&raw)),
            _ => None,
        };
        errors.into_result()?;
        Ok(Self {
            amount_text,
            reason,
        })
    }

    /// The amount to refund of `txn`, which has `left` minor units not yet refunded (or held):
    /// 422 on `amount` for anything but a positive amount in the transaction's currency that
    /// fits in what is left.
    pub fn amount(&self, txn: &Transaction, left: i64) -> Result<Money, ApiError> {
        let currency = txn.amount.currency();
        let amount = match &self.amount_text {
            Some(text) => Money::parse_major(text, currency)
                .map_err(|e| ApiError::validation("amount", e.to_string()))?,
            None => Money::from_minor(left, currency)
                .map_err(|_| ApiError::validation("amount", "nothing is left to refund"))?,
        };
        if amount.minor() > left {
            let left_text = crate::payments::transaction::major_text(left, currency);
            return Err(ApiError::validation(
                "amount",
                format!(
                    "is more than is left to refund ({left_text} {})",
                    currency.code()
                ),
            ));
        }
        Ok(amount)
    }

    /// Digest of what was asked, so a replay of the same `Idempotency-Key` can be told from a
    /// different request under it.
    pub fn fingerprint(&self, transaction: &TransactionId) -> String {
        let amount = self.amount_text.as_ref().map(|a| match a {
            DecimalText::Number(n) | DecimalText::Text(n) => n.as_str(),
        });
        let canonical = json!({
            "transaction_id": transaction,
            "amount": amount,
            "reason": self.reason.as_ref().map(|r| r.as_str()),
        });
        let digest = Sha256::digest(canonical.to_string().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}
