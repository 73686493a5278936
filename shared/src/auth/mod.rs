//! Who is calling: the admin token, or a merchant's API key, and what it may do.

pub mod admin;
pub mod api_key;

use crate::App;
use crate::domain::Timestamp;
use crate::error::ApiError;
use crate::http::RequestCtx;
use crate::ids::{KeyId, MerchantId};
use crate::keys::key::KeyScope;
use crate::store::{self, keys::AuthOutcome};

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
    pub scope: KeyScope,
}

/// What a route does with the merchant's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl Principal {
    /// The merchant behind an API key allowed `access`: 403 for the admin token (it owns no
    /// merchant data) and for a read-only key on a write route.
    pub fn merchant(&self, access: Access) -> Result<&MerchantCaller, ApiError> {
        match self {
            Principal::Admin => Err(ApiError::Forbidden(
                "this route needs a merchant API key, not the admin token".into(),
            )),
            Principal::Merchant(m) if access == Access::Write && m.scope == KeyScope::ReadOnly => {
                Err(ApiError::Forbidden(
                    "this API key is read_only and cannot make changes".into(),
                ))
            }
            Principal::Merchant(m) => Ok(m),
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self {
            Principal::Admin => Ok(()),
            Principal::Merchant(_) => Err(ApiError::Forbidden(
                "this route needs the admin token".into(),
            )),
        }
    }
}

/// The merchant whose data a merchant-scoped route reads or changes: an API key's own (if its
/// scope allows `access`), or, for the admin token, the existing merchant the request names with
/// `merchant_id` (how an operator acts for a merchant, e.g. in the Developer Hub). Without one
/// the admin token is refused (403): it owns no merchant data of its own.
pub async fn merchant_caller(
    app: &App,
    principal: &Principal,
    merchant_id: Option<&str>,
    access: Access,
) -> Result<MerchantCaller, ApiError> {
    match (principal, merchant_id) {
        (Principal::Admin, Some(raw)) => Ok(MerchantCaller {
            merchant_id: crate::merchants::get(app, raw).await?.id,
            key_id: None,
            scope: KeyScope::Full,
        }),
        (Principal::Admin, None) => Err(ApiError::Forbidden(
            "the admin token acts for a merchant only when the request names it with merchant_id"
                .into(),
        )),
        (Principal::Merchant(_), _) => principal.merchant(access).cloned(),
    }
}

/// Authenticates the request's bearer credential.
pub async fn authenticate(app: &App, ctx: &RequestCtx) -> Result<Principal, ApiError> {
    authenticate_token(app, ctx, ctx.bearer()?).await
}

/// Authenticates a credential: an API key (`prl_…`) or the admin token.
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
    if token.starts_with(api_key::TOKEN_PREFIX) {
        let (key_id, secret) = api_key::parse(token)
            .ok_or_else(|| ApiError::Unauthorized("malformed API key".into()))?;
        let hash = api_key::hash(secret);
        let outcome = store::keys::authenticate(app, &key_id, &hash, Timestamp::now()).await?;
        return match outcome {
            AuthOutcome::Allowed(key, window) => {
                let caller = MerchantCaller {
                    merchant_id: key.merchant_id,
                    key_id: Some(key.id),
                    scope: key.scope,
                };
                ctx.note_caller(caller.clone(), window);
                Ok(Principal::Merchant(caller))
            }
            AuthOutcome::Invalid => Err(ApiError::Unauthorized("invalid API key".into())),
            AuthOutcome::Revoked => Err(ApiError::Unauthorized(
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
    if admin::verify(app, token).await? {
        Ok(Principal::Admin)
    } else {
        Err(ApiError::Unauthorized("invalid credential".into()))
    }
}
