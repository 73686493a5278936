//! Who is calling: the admin token, or a merchant's API key, and what it may do.

pub mod api_key;
pub mod permissions;
pub mod routes;

pub use permissions::{Level, Permission, Permissions, Resource};

use crate::App;
use crate::domain::Timestamp;
use crate::error::{ApiError, ErrorCode};
use crate::http::RequestCtx;
use crate::ids::{KeyId, MerchantId};
use crate::store::{self, keys::AuthOutcome};
use routes::Rule;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The operator's token: manages merchants and any merchant's keys, owns no payments.
    Admin,
    Merchant(MerchantCaller),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantCaller {
    pub merchant_id: MerchantId,
    /// The key that made the request; `None` when the admin token acts for the merchant.
    pub key_id: Option<KeyId>,
    /// What the key may do (everything, for the admin token). Routes are checked against
    /// [`routes::ROUTES`] when the key is authenticated; this is what the key could grant.
    pub permissions: Permissions,
}

impl Principal {
    /// The merchant behind an API key: 403 for the admin token, which owns no merchant data.
    pub fn merchant(&self) -> Result<&MerchantCaller, ApiError> {
        match self {
            Principal::Admin => Err(ApiError::Forbidden(
                ErrorCode::MerchantKeyRequired,
                "this route needs a merchant API key, not the admin token".into(),
            )),
            Principal::Merchant(m) => Ok(m),
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self {
            Principal::Admin => Ok(()),
            Principal::Merchant(_) => Err(ApiError::Forbidden(
                ErrorCode::AdminOnly,
                "this route needs the admin token".into(),
            )),
        }
    }
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
fn check_route(ctx: &RequestCtx, principal: &Principal) -> Result<(), ApiError> {
    let rule = routes::find(&ctx.route).map(|r| r.rule).ok_or_else(|| {
        ApiError::internal(format!(
            "route {} has no entry in the permission table",
            ctx.route
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

/// Authenticates the request's bearer credential and checks it may call the route.
pub async fn authenticate(app: &App, ctx: &RequestCtx) -> Result<Principal, ApiError> {
    authenticate_token(app, ctx, ctx.bearer()?).await
}

/// Authenticates a credential (an API key, `prl_…`, or the admin token), and checks it may
/// call the request's route (see [`routes::ROUTES`]).
///
/// A key is checked, counted against its merchant's per-minute limit and stamped
/// `last_used_at` in one conditional DynamoDB write, read strongly consistent, so a revoked key
/// fails on the very next request from any instance. The outcome is noted on `ctx`, which adds
/// the `X-RateLimit-*` headers and the access-log entry to the response.
pub async fn authenticate_token(
    app: &App,
    ctx: &RequestCtx,
    token: &str,
) -> Result<Principal, ApiError> {
    let principal = identify(app, ctx, token).await?;
    check_route(ctx, &principal)?;
    Ok(principal)
}

async fn identify(app: &App, ctx: &RequestCtx, token: &str) -> Result<Principal, ApiError> {
    if token.starts_with(api_key::TOKEN_PREFIX) {
        let (key_id, secret) = api_key::parse(token).ok_or_else(|| {
            ApiError::Unauthorized(ErrorCode::CredentialInvalid, "malformed API key".into())
        })?;
        let hash = api_key::hash(secret);
        let outcome = store::keys::authenticate(app, &key_id, &hash, Timestamp::now()).await?;
        return match outcome {
            AuthOutcome::Allowed(key, window) => {
                let caller = MerchantCaller {
                    merchant_id: key.merchant_id,
                    permissions: key.scope.permissions(),
                    key_id: Some(key.id),
                };
                ctx.note_caller(caller.clone(), window);
                Ok(Principal::Merchant(caller))
            }
            AuthOutcome::Invalid => Err(ApiError::Unauthorized(
                ErrorCode::CredentialInvalid,
                "invalid API key".into(),
            )),
            AuthOutcome::Revoked => Err(ApiError::Unauthorized(
                ErrorCode::ApiKeyRevoked,
                "this API key has been revoked".into(),
            )),
            AuthOutcome::MerchantInactive => Err(ApiError::MerchantInactive),
            AuthOutcome::Limited(window) => {
                ctx.note_rate(window);
                Err(ApiError::RateLimited {
                    retry_after: (window.reset - Timestamp::now().unix()).max(1) as u64,
                })
            }
        };
    }
    if store::admin_token::verify(app, token).await? {
        ctx.note_admin();
        Ok(Principal::Admin)
    } else {
        Err(ApiError::Unauthorized(
            ErrorCode::CredentialInvalid,
            "invalid credential".into(),
        ))
    }
}
