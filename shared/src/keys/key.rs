//! A merchant's API key as stored: label, scope (and a restricted key's permissions), status
//! and the hash of its secret.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::api_key::{self, KeyFormat};
use crate::auth::permissions::Permissions;
use crate::domain::{BoundedText, Timestamp};
use crate::ids::{KeyId, MerchantId};

pub type KeyLabel = BoundedText<100>;

/// What a key may do. Stored as `scope` and, for a restricted key only, `permissions`; keys
/// written before restricted keys existed read exactly as they did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum KeyScope {
    /// Every merchant route.
    Full,
    /// Reads of everything but the keys; every write answers 403.
    ReadOnly,
    /// A level per resource.
    Restricted { permissions: Permissions },
}

impl KeyScope {
    pub const NAMES: &'static str = "must be 'full', 'read_only' or 'restricted'";

    pub fn name(&self) -> &'static str {
        match self {
            KeyScope::Full => "full",
            KeyScope::ReadOnly => "read_only",
            KeyScope::Restricted { .. } => "restricted",
        }
    }

    pub fn permissions(&self) -> Permissions {
        match self {
            KeyScope::Full => Permissions::full(),
            KeyScope::ReadOnly => Permissions::read_only(),
            KeyScope::Restricted { permissions } => *permissions,
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
    #[serde(flatten)]
    pub scope: KeyScope,
    pub status: KeyStatus,
    pub secret_hash: String,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
    /// How the key's text begins (`prl_`, or `op_` for OwnPay's clients).
    #[serde(default, skip_serializing_if = "KeyFormat::is_default")]
    pub format: KeyFormat,
}

impl ApiKey {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "merchant_id": self.merchant_id,
            "label": self.label,
            "prefix": api_key::prefix(&self.id, self.format),
            "format": self.format.as_str(),
            "scope": self.scope.name(),
            "permissions": self.scope.permissions().to_json(),
            "status": self.status,
            "created_at": self.created_at,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
        })
    }

    /// A new active key for `merchant`, and the whole key, which exists only in this answer.
    pub(crate) fn issue(
        merchant_id: MerchantId,
        label: String,
        scope: KeyScope,
        format: KeyFormat,
    ) -> (Self, String) {
        let issued = api_key::issue(format);
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
            format,
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;
    use crate::auth::permissions::{Level, Resource};

    fn stored(key: &ApiKey) -> HashMap<String, AttributeValue> {
        let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(key).unwrap();
        // What the store adds beside the key: rate-limit state.
        item.insert("rl_window".into(), AttributeValue::N("0".into()));
        item.insert("rl_count".into(), AttributeValue::N("0".into()));
        item
    }

    #[test]
    fn every_scope_round_trips_through_its_item() {
        let merchant = MerchantId::generate();
        let restricted = KeyScope::Restricted {
            permissions: Permissions::default().with(Resource::Payments, Level::Write),
        };
        for scope in [KeyScope::Full, KeyScope::ReadOnly, restricted] {
            let (key, _) = ApiKey::issue(merchant.clone(), "k".into(), scope, KeyFormat::Standard);
            let item = stored(&key);
            assert_eq!(item["scope"].as_s().unwrap(), scope.name());
            assert_eq!(
                item.contains_key("permissions"),
                scope.name() == "restricted"
            );
            let back: ApiKey = serde_dynamo::from_item(item).unwrap();
            assert_eq!(back.scope, scope);
        }
    }

    #[test]
    fn keys_stored_before_restricted_keys_read_as_before() {
        let (key, _) = ApiKey::issue(
            MerchantId::generate(),
            "old".into(),
            KeyScope::ReadOnly,
            KeyFormat::Standard,
        );
        let mut item = stored(&key);
        item.insert("scope".into(), AttributeValue::S("read_only".into()));
        let back: ApiKey = serde_dynamo::from_item(item).unwrap();
        assert_eq!(back.scope.permissions(), Permissions::read_only());
        let json = back.to_json();
        assert_eq!(json["scope"], "read_only");
        assert_eq!(json["permissions"]["keys"], "none");
        assert_eq!(json["permissions"]["payments"], "read");
    }
}
