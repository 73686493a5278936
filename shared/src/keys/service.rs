//! Issuing, listing, revoking and rotating API keys.

use super::{ApiKey, KeyLabel, KeyScope, KeyStatus};
use crate::App;
use crate::auth::{Access, Principal};
use crate::domain::Timestamp;
use crate::error::{ApiError, FieldErrorsBuilder};
use crate::http::{JsonObject, Page};
use crate::ids::{KeyId, MerchantId};
use crate::merchants::Merchant;
use crate::store::{self, page::PageOf};
use crate::tenant::{Tenant, find};

/// The merchant a request is about: the caller's own (a key allowed `access`), or for the
/// admin token the existing merchant named by `merchant_id` (422 without one).
pub async fn merchant_in_scope(
    app: &App,
    principal: &Principal,
    merchant_id: Option<&str>,
    access: Access,
) -> Result<MerchantId, ApiError> {
    if matches!(principal, Principal::Admin) && merchant_id.is_none() {
        return Err(ApiError::validation(
            "merchant_id",
            "is required with the admin token",
        ));
    }
    Ok(
        crate::auth::merchant_caller(app, principal, merchant_id, access)
            .await?
            .merchant_id,
    )
}

/// Key management is for the admin token and `full` keys; a `read_only` key cannot even list.
fn require_manager(principal: &Principal) -> Result<(), ApiError> {
    match principal {
        Principal::Admin => Ok(()),
        Principal::Merchant(_) => principal.merchant(Access::Write).map(|_| ()),
    }
}

/// Reads a key the caller may manage; another merchant's key is 404, like a missing one.
async fn managed_key(app: &App, principal: &Principal, raw_id: &str) -> Result<ApiKey, ApiError> {
    require_manager(principal)?;
    let tenant = match principal {
        Principal::Admin => Tenant::Any,
        Principal::Merchant(m) => Tenant::from(m),
    };
    find(app, tenant, raw_id).await
}

/// Creates a key and returns it with the whole key, which is never available again.
pub async fn create(
    app: &App,
    principal: &Principal,
    body: &JsonObject,
) -> Result<(ApiKey, String), ApiError> {
    require_manager(principal)?;
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
        // An explicit null is a mistake, not a request for the widest scope.
        Ok(None) if body.is_null("scope") => {
            errors.add("scope", "must be 'full' or 'read_only'");
            None
        }
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
    if matches!(principal, Principal::Admin)
        && merchant_id.is_none()
        && !body.contains("merchant_id")
    {
        errors.add("merchant_id", "is required with the admin token");
    }
    errors.into_result()?;
    let merchant_id =
        merchant_in_scope(app, principal, merchant_id.as_deref(), Access::Write).await?;
    let merchant = merchant_for(app, &merchant_id).await?;

    let (Some(label), Some(scope)) = (label, scope) else {
        return Err(ApiError::internal("validated key fields missing"));
    };
    let (key, token) = ApiKey::issue(merchant.id.clone(), label.into_string(), scope);
    store::keys::put(app, &key, &merchant).await?;
    Ok((key, token))
}

async fn merchant_for(app: &App, id: &MerchantId) -> Result<Merchant, ApiError> {
    store::merchants::get(app, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no merchant with id '{id}'")))
}

/// A merchant's keys, newest first, never with secrets.
pub async fn list(
    app: &App,
    principal: &Principal,
    merchant_id: Option<&str>,
    page: &Page<KeyId>,
) -> Result<PageOf<ApiKey>, ApiError> {
    require_manager(principal)?;
    let merchant = merchant_in_scope(app, principal, merchant_id, Access::Write).await?;
    Ok(store::keys::list(app, &merchant, page.limit, page.after.as_ref()).await?)
}

/// Revokes a key; the very next request with it is 401. Revoking twice answers the same key.
pub async fn revoke(app: &App, principal: &Principal, raw_id: &str) -> Result<ApiKey, ApiError> {
    let key = managed_key(app, principal, raw_id).await?;
    if key.status == KeyStatus::Revoked {
        return Ok(key);
    }
    Ok(store::keys::revoke(app, &key.id, Timestamp::now()).await?)
}

/// Replaces a key with a new one of the same label and scope, revoking the old one in the same
/// transaction. Answers the new key and the whole new key, shown once.
pub async fn rotate(
    app: &App,
    principal: &Principal,
    raw_id: &str,
) -> Result<(ApiKey, String), ApiError> {
    let old = managed_key(app, principal, raw_id).await?;
    if old.status == KeyStatus::Revoked {
        return Err(ApiError::Conflict(format!(
            "API key '{}' is revoked and cannot be rotated",
            old.id
        )));
    }
    let merchant = merchant_for(app, &old.merchant_id).await?;
    let (key, token) = ApiKey::issue(old.merchant_id.clone(), old.label.clone(), old.scope);
    match store::keys::rotate(app, &old.id, &key, &merchant, Timestamp::now()).await {
        Ok(()) => Ok((key, token)),
        Err(store::StoreError::ConditionFailed) => Err(ApiError::Conflict(format!(
            "API key '{}' was revoked or rotated meanwhile",
            old.id
        ))),
        Err(e) => Err(e.into()),
    }
}
