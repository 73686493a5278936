//! Issuing, listing, revoking and rotating API keys.

use super::{ApiKey, KeyLabel, KeyScope, KeyStatus};
use crate::App;
use crate::auth::api_key::KeyFormat;
use crate::auth::{Permissions, Principal};
use crate::domain::Timestamp;
use crate::error::{ApiError, ErrorCode, FieldErrorsBuilder};
use crate::ids::{KeyId, MerchantId};
use crate::input::{JsonObject, ListParams};
use crate::merchants::Merchant;
use crate::store::{self, listing::ListPage};
use crate::tenant::{Tenant, find};
use crate::two_step::HubCheck;

/// The merchant a request is about: the caller's own key's, or for the admin token the existing
/// merchant named by `merchant_id` (422 without one).
pub async fn merchant_in_scope(
    app: &App,
    principal: &Principal,
    merchant_id: Option<&str>,
) -> Result<MerchantId, ApiError> {
    if matches!(principal, Principal::Admin) && merchant_id.is_none() {
        return Err(ApiError::validation(
            "merchant_id",
            "is required with the admin token",
        ));
    }
    Ok(crate::auth::merchant_caller(app, principal, merchant_id)
        .await?
        .merchant_id)
}

/// A key can hand out, replace or revoke only keys that can do no more than it can: a restricted
/// key allowed to manage keys must not mint (or take away) a full one. 403 names what it lacks.
fn may_manage(principal: &Principal, scope: &KeyScope) -> Result<(), ApiError> {
    let Principal::Merchant(caller) = principal else {
        return Ok(());
    };
    match caller.permissions.first_missing(&scope.permissions()) {
        None => Ok(()),
        Some(missing) => Err(ApiError::Forbidden(
            ErrorCode::PermissionDenied,
            format!(
                "this API key lacks the permission {missing}, so it cannot manage a key that has it"
            ),
        )),
    }
}

/// Reads a key the caller may manage; another merchant's key is 404, like a missing one.
async fn managed_key(app: &App, principal: &Principal, raw_id: &str) -> Result<ApiKey, ApiError> {
    let tenant = match principal {
        Principal::Admin => Tenant::Any,
        Principal::Merchant(m) => Tenant::from(m),
    };
    let key: ApiKey = find(app, tenant, raw_id).await?;
    may_manage(principal, &key.scope)?;
    Ok(key)
}

/// `scope` and `permissions` of a new key: `full` when no scope is given; `permissions` only,
/// and always, with `restricted`.
fn parse_scope(body: &JsonObject, errors: &mut FieldErrorsBuilder) -> Option<KeyScope> {
    // As for `scope`, an explicit null is a mistake rather than "no permissions given".
    if body.is_null("permissions") {
        errors.add(
            "permissions",
            "must be an object of resource: level, or left out",
        );
        return None;
    }
    let permissions = match body.value("permissions") {
        Ok(v) => v,
        Err(e) => {
            errors.add("permissions", e);
            return None;
        }
    };
    let scope = match body.string("scope") {
        // An explicit null is a mistake, not a request for the widest scope.
        Ok(None) if body.is_null("scope") => {
            errors.add("scope", KeyScope::NAMES);
            return None;
        }
        Ok(None) => "full".to_owned(),
        Ok(Some(raw)) => raw,
        Err(e) => {
            errors.add("scope", e);
            return None;
        }
    };
    match (scope.as_str(), permissions) {
        ("restricted", Some(p)) => {
            Permissions::parse(&p, errors).map(|permissions| KeyScope::Restricted { permissions })
        }
        ("restricted", None) => {
            errors.add("permissions", "is required when scope is 'restricted'");
            None
        }
        ("full" | "read_only", Some(_)) => {
            errors.add(
                "permissions",
                "is only for scope 'restricted'; 'full' and 'read_only' keys have fixed permissions",
            );
            None
        }
        ("full", None) => Some(KeyScope::Full),
        ("read_only", None) => Some(KeyScope::ReadOnly),
        _ => {
            errors.add("scope", KeyScope::NAMES);
            None
        }
    }
}

/// Creates a key and returns it with the whole key, which is never available again. `hub` is
/// the Developer Hub's second step, passed once the request is otherwise valid.
pub async fn create(
    app: &App,
    principal: &Principal,
    body: &JsonObject,
    hub: &HubCheck,
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
    let scope = parse_scope(body, &mut errors);
    let format = match errors.check("format", body.string("format")).flatten() {
        None => Some(KeyFormat::Standard),
        Some(raw) => {
            let format = KeyFormat::parse(&raw);
            if format.is_none() {
                errors.add("format", KeyFormat::NAMES);
            }
            format
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
    let (Some(label), Some(scope), Some(format)) = (label, scope, format) else {
        return Err(ApiError::internal("validated key fields missing"));
    };
    may_manage(principal, &scope)?;
    let merchant_id = merchant_in_scope(app, principal, merchant_id.as_deref()).await?;
    let merchant = merchant_for(app, &merchant_id).await?;
    hub.pass(app, &merchant.id).await?;
    let (key, token) = ApiKey::issue(merchant.id.clone(), label.into_string(), scope, format);
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
    page: &ListParams<KeyId>,
) -> Result<ListPage<ApiKey>, ApiError> {
    let merchant = merchant_in_scope(app, principal, merchant_id).await?;
    Ok(store::keys::list(app, &merchant, page.limit, page.after.as_ref()).await?)
}

/// Revokes a key; the very next request with it is 401. Revoking twice answers the same key.
pub async fn revoke(
    app: &App,
    principal: &Principal,
    raw_id: &str,
    hub: &HubCheck,
) -> Result<ApiKey, ApiError> {
    let key = managed_key(app, principal, raw_id).await?;
    if key.status == KeyStatus::Revoked {
        return Ok(key);
    }
    hub.pass(app, &key.merchant_id).await?;
    Ok(store::keys::revoke(app, &key.id, Timestamp::now()).await?)
}

/// Replaces a key with a new one of the same label, scope and permissions, revoking the old one in the same
/// transaction. Answers the new key and the whole new key, shown once.
pub async fn rotate(
    app: &App,
    principal: &Principal,
    raw_id: &str,
    hub: &HubCheck,
) -> Result<(ApiKey, String), ApiError> {
    let old = managed_key(app, principal, raw_id).await?;
    if old.status == KeyStatus::Revoked {
        return Err(ApiError::Conflict(
            ErrorCode::InvalidState,
            format!("API key '{}' is revoked and cannot be rotated", old.id),
        ));
    }
    let merchant = merchant_for(app, &old.merchant_id).await?;
    hub.pass(app, &merchant.id).await?;
    let (key, token) = ApiKey::issue(
        old.merchant_id.clone(),
        old.label.clone(),
        old.scope,
        old.format,
    );
    match store::keys::rotate(app, &old.id, &key, &merchant, Timestamp::now()).await {
        Ok(()) => Ok((key, token)),
        Err(store::StoreError::ConditionFailed) => Err(ApiError::Conflict(
            ErrorCode::ConcurrentChange,
            format!("API key '{}' was revoked or rotated meanwhile", old.id),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The key that made the request: what the Developer Hub shows and offers for it.
pub async fn current(app: &App, principal: &Principal) -> Result<ApiKey, ApiError> {
    let caller = principal.merchant()?;
    let id = caller
        .key_id
        .as_ref()
        .ok_or_else(|| ApiError::internal("a merchant key caller without a key id"))?;
    find(app, Tenant::from(caller), id.as_str()).await
}
