//! Authenticating a credential: who it is (an API key, `prl_…`, or the admin token), counted
//! against its rate limit, and whether it may call a route (see [`super::routes::ROUTES`]).

use super::api_key;
use super::permissions::Permissions;
use super::principal::{MerchantCaller, Principal};
use super::routes::{self, Rule};
use crate::App;
use crate::domain::Timestamp;
use crate::error::{ApiError, ErrorCode};
use crate::keys::key::RateWindow;
use crate::store::{self, keys::AuthOutcome};

/// Who a credential belongs to, with what the edge reports of it (the `X-RateLimit-*` headers,
/// the access log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// A merchant's key, counted in its rate window.
    Key(MerchantCaller, RateWindow),
    Admin,
    /// A key over its merchant's per-minute limit: 429, with the window to report.
    Limited(RateWindow),
}

/// The merchant whose data a merchant-scoped route reads or changes: an API key's own, or, for
/// the admin token, the existing merchant the request names with `merchant_id` (how an operator
/// acts for a merchant, e.g. in the Developer Hub). Without one the admin token is refused
/// (403): it owns no merchant data of its own.
pub async fn merchant_caller(
    app: &App,
    principal: &Principal,
    merchant_id: Option<&str>,
) -> Result<MerchantCaller, ApiError> {
    match (principal, merchant_id) {
        (Principal::Admin, Some(raw)) => Ok(MerchantCaller {
            merchant_id: crate::merchants::get(app, raw).await?.id,
            key_id: None,
            permissions: Permissions::full(),
        }),
        (Principal::Admin, None) => Err(ApiError::Forbidden(
            ErrorCode::MerchantKeyRequired,
            "the admin token acts for a merchant only when the request names it with merchant_id"
                .into(),
        )),
        (Principal::Merchant(m), _) => Ok(m.clone()),
    }
}

/// Whether `principal` may call the request's route, by [`routes::ROUTES`]; 403 names the
/// permission a key lacks. A route missing from the table is refused to everyone.
pub fn check_route(route: &str, principal: &Principal) -> Result<(), ApiError> {
    let rule = routes::find(route).map(|r| r.rule).ok_or_else(|| {
        ApiError::internal(format!(
            "route {route} has no entry in the permission table"
        ))
    })?;
    match (principal, rule) {
        (_, Rule::Public | Rule::AnyCaller) | (Principal::Admin, _) => Ok(()),
        (Principal::Merchant(_), Rule::Admin) => Err(ApiError::Forbidden(
            ErrorCode::AdminOnly,
            "this route needs the admin token".into(),
        )),
        (Principal::Merchant(m), Rule::Needs(needed)) if m.permissions.allows(needed) => Ok(()),
        (Principal::Merchant(_), Rule::Needs(needed)) => Err(ApiError::Forbidden(
            ErrorCode::PermissionDenied,
            format!("this API key lacks the permission {needed}"),
        )),
    }
}

/// Who `token` is.
///
/// A key is checked, counted against its merchant's per-minute limit and stamped
/// `last_used_at` in one conditional DynamoDB write, read strongly consistent, so a revoked key
/// fails on the very next request from any instance.
pub async fn identify(app: &App, token: &str) -> Result<Identity, ApiError> {
    if token.starts_with(api_key::TOKEN_PREFIX) {
        let (key_id, secret) = api_key::parse(token).ok_or_else(|| {
            ApiError::Unauthorized(ErrorCode::CredentialInvalid, "malformed API key".into())
        })?;
        let hash = api_key::hash(secret);
        let outcome = store::keys::authenticate(app, &key_id, &hash, Timestamp::now()).await?;
        return match outcome {
            AuthOutcome::Allowed(key, window) => Ok(Identity::Key(
                MerchantCaller {
                    merchant_id: key.merchant_id,
                    permissions: key.scope.permissions(),
                    key_id: Some(key.id),
                },
                window,
            )),
            AuthOutcome::Invalid => Err(ApiError::Unauthorized(
                ErrorCode::CredentialInvalid,
                "invalid API key".into(),
            )),
            AuthOutcome::Revoked => Err(ApiError::Unauthorized(
                ErrorCode::ApiKeyRevoked,
                "this API key has been revoked".into(),
            )),
            AuthOutcome::MerchantInactive => Err(ApiError::MerchantInactive),
            AuthOutcome::Limited(window) => Ok(Identity::Limited(window)),
        };
    }
    if store::admin_token::verify(app, token).await? {
        Ok(Identity::Admin)
    } else {
        Err(ApiError::Unauthorized(
            ErrorCode::CredentialInvalid,
            "invalid credential".into(),
        ))
    }
}
