//! A merchant: the account that owns keys, payments and webhook endpoints.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::{BoundedText, Timestamp};
use crate::ids::MerchantId;
use crate::processor::config::ProcessorConfig;

/// Requests per minute per API key unless the merchant's setting says otherwise.
pub const DEFAULT_RATE_LIMIT: u32 = 120;
pub const MAX_RATE_LIMIT: u32 = 100_000;

pub type MerchantName = BoundedText<200>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merchant {
    pub id: MerchantId,
    pub name: String,
    pub rate_limit_per_minute: u32,
    /// An operator can deactivate a merchant: its keys then answer 403 (and the compatibility
    /// route "Payment gateway inactive") until it is active again.
    #[serde(default = "active_by_default")]
    pub active: bool,
    pub created_at: Timestamp,
    /// The processor it collects through; `None` until one is chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processor: Option<ProcessorConfig>,
}

fn active_by_default() -> bool {
    true
}

impl Merchant {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "active": self.active,
            "created_at": self.created_at,
        })
    }
}
