//! A merchant's API key as stored: label, scope, status and the hash of its secret.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::api_key;
use crate::domain::{BoundedText, Timestamp};
use crate::ids::{KeyId, MerchantId};

pub type KeyLabel = BoundedText<100>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyScope {
    /// Every merchant route.
    Full,
    /// Reads only; every write answers 403.
    ReadOnly,
}

impl KeyScope {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "full" => Ok(Self::Full),
            "read_only" => Ok(Self::ReadOnly),
            _ => Err("must be 'full' or 'read_only'"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    Active,
    Revoked,
}

/// A stored key. Holds the secret's hash, never the secret; [`ApiKey::to_json`] shows neither.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: KeyId,
    pub merchant_id: MerchantId,
    pub label: String,
    pub scope: KeyScope,
    pub status: KeyStatus,
    pub secret_hash: String,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
}

impl ApiKey {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "merchant_id": self.merchant_id,
            "label": self.label,
            "prefix": api_key::prefix(&self.id),
            "scope": self.scope,
            "status": self.status,
            "created_at": self.created_at,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
        })
    }

    /// A new active key for `merchant`, and the whole key, which exists only in this answer.
    pub(crate) fn issue(merchant_id: MerchantId, label: String, scope: KeyScope) -> (Self, String) {
        let issued = api_key::issue();
        let key = Self {
            id: issued.id,
            merchant_id,
            label,
            scope,
            status: KeyStatus::Active,
            secret_hash: issued.secret_hash,
            created_at: Timestamp::now(),
            last_used_at: None,
            revoked_at: None,
        };
        (key, issued.token)
    }
}

/// A key's rate-limit state after a counted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    pub limit: u32,
    pub remaining: u32,
    /// Unix second at which the window resets.
    pub reset: i64,
}
