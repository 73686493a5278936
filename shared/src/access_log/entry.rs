//! One entry of the API access log.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::Timestamp;
use crate::ids::{KeyId, LogId, MerchantId};

/// How long entries are kept.
pub const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub id: LogId,
    pub merchant_id: MerchantId,
    pub method: String,
    /// The path as requested, without the query string (which may carry filters, never secrets,
    /// but is not needed to audit access).
    pub path: String,
    pub status: u16,
    pub key_id: KeyId,
    pub created_at: Timestamp,
}

impl LogEntry {
    pub fn new(
        merchant_id: &MerchantId,
        key_id: &KeyId,
        method: &str,
        path: &str,
        status: u16,
    ) -> Self {
        Self {
            id: LogId::generate(),
            merchant_id: merchant_id.clone(),
            method: method.to_owned(),
            path: path.chars().take(512).collect(),
            status,
            key_id: key_id.clone(),
            created_at: Timestamp::now(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "key_id": self.key_id,
            "created_at": self.created_at,
        })
    }
}
