//! Merchant API keys: labelled, scoped, shown once, revocable.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::App;
use crate::auth::{Access, Principal, api_key};
use crate::domain::{BoundedText, Timestamp};
use crate::error::{ApiError, FieldErrorsBuilder};
use crate::http::JsonObject;
use crate::ids::{KeyId, MerchantId};
use crate::store;

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
        })
    }
}

/// Which merchant a key request is about: the caller's own, or for the admin token the one
/// named by `merchant_id` (which must exist).
async fn target_merchant(
    app: &App,
    principal: &Principal,
    merchant_id: Option<&str>,
) -> Result<MerchantId, ApiError> {
    match principal {
        Principal::Merchant(_) => Ok(principal.merchant(Access::Write)?.merchant_id.clone()),
        Principal::Admin => {
            let raw = merchant_id.ok_or_else(|| {
                ApiError::validation("merchant_id", "is required with the admin token")
            })?;
            Ok(crate::merchants::get(app, raw).await?.id)
        }
    }
}

/// Creates a key and returns it with the whole key, which is never available again.
pub async fn create(
    app: &App,
    principal: &Principal,
    body: &JsonObject,
) -> Result<(ApiKey, String), ApiError> {
    let mut errors = FieldErrorsBuilder::default();
    let label = match body.string("label") {
        Ok(Some(raw)) => errors.check("label", KeyLabel::parse(&raw)),
        Ok(None) => {
            errors.add("label", "is required");
            None
        }
        Err(e) => {
            errors.add("label", e);
            None
        }
    };
    let scope = match body.string("scope") {
        Ok(None) => Some(KeyScope::Full),
        Ok(Some(raw)) => errors.check("scope", KeyScope::parse(&raw)),
        Err(e) => {
            errors.add("scope", e);
            None
        }
    };
    let merchant_id = errors
        .check("merchant_id", body.string("merchant_id"))
        .flatten();
    errors.into_result()?;
    let merchant_id = target_merchant(app, principal, merchant_id.as_deref()).await?;

    let issued = api_key::issue();
    let key = ApiKey {
        id: issued.id,
        merchant_id,
        label: label.expect("checked above").into_string(),
        scope: scope.expect("checked above"),
        status: KeyStatus::Active,
        secret_hash: issued.secret_hash,
        created_at: Timestamp::now(),
        last_used_at: None,
        revoked_at: None,
    };
    store::keys::put(app, &key).await?;
    Ok((key, issued.token))
}
