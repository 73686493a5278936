//! A customer's dispute of a payment (a chargeback), as the processor reports it.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::{Money, Timestamp};

/// Where a dispute stands. Stripe's states, kept as they are: the merchant answers disputes in
/// the processor's own dashboard, Payrail only records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeStatus {
    WarningNeedsResponse,
    WarningUnderReview,
    WarningClosed,
    NeedsResponse,
    UnderReview,
    Won,
    Lost,
}

impl DisputeStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        serde_json::from_value(Value::String(raw.to_owned())).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WarningNeedsResponse => "warning_needs_response",
            Self::WarningUnderReview => "warning_under_review",
            Self::WarningClosed => "warning_closed",
            Self::NeedsResponse => "needs_response",
            Self::UnderReview => "under_review",
            Self::Won => "won",
            Self::Lost => "lost",
        }
    }

    /// Whether the dispute is decided: nothing about it changes any more.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Won | Self::Lost | Self::WarningClosed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    /// The processor's id (`dp_…`).
    pub id: String,
    pub status: DisputeStatus,
    /// What the customer disputes, in the payment's currency.
    pub amount: Money,
    pub reason: Option<String>,
    pub created_at: Timestamp,
}

impl Dispute {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "status": self.status.as_str(),
            "amount": self.amount.to_major_string(),
            "amount_minor": self.amount.minor(),
            "currency": self.amount.currency().code(),
            "reason": self.reason,
            "created_at": self.created_at,
        })
    }
}
