//! Authenticating a credential: who it is (an API key, `prl_…`, or the admin token), counted
//! against its rate limit, and whether it may call a route (see [`super::routes::ROUTES`]).

use super::api_key;
use super::permissions::Permissions;
use super::principal::{MerchantCaller, Principal};
use super::routes::{self, Rule};
use crate::App;
use crate::domain::Timestamp;
use crate::error::{ApiError, ErrorCode};
use crate::ids::KeyId;
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

/// Refused credentials one source address may present a minute (per instance) before it is
/// answered 429 without any AWS call, by default (`PAYRAIL_FAILED_AUTH_PER_MINUTE`).
pub const FAILURES_PER_SOURCE: u32 = 20;
/// Refused secrets for one key id a minute (per instance), by default, before further attempts
/// with it are checked by a read, never a write, and a wrong one is answered 429: half the
/// source's limit.
pub const FAILURES_PER_KEY: u32 = FAILURES_PER_SOURCE / 2;

fn throttled(now: Timestamp) -> ApiError {
    ApiError::RateLimited {
        retry_after: (60 - now.unix().rem_euclid(60)).max(1) as u64,
    }
}

/// Who `token` is, presented from `source` (the client's address, when known).
///
/// A key is checked, counted against its merchant's per-minute limit and stamped
/// `last_used_at` in one conditional DynamoDB write, read strongly consistent, so a revoked key
/// fails on the very next request from any instance.
///
/// Refused credentials are counted in memory per source and per key id, so guessing costs no
/// write once it is throttled: a source over its limit (`PAYRAIL_FAILED_AUTH_PER_MINUTE`) is
/// answered 429 at once; a key id over half of it is checked by a read first, so its right secret still gets
/// in while wrong ones are answered 429.
pub async fn identify(app: &App, token: &str, source: Option<&str>) -> Result<Identity, ApiError> {
    let now = Timestamp::now();
    let failures = &app.failed_auth;
    let per_source = app.settings.failed_auth_per_minute;
    if let Some(source) = source
        && failures.by_source.current(&source.to_owned(), now.unix()) >= per_source
    {
        return Err(throttled(now));
    }
    let refused = |key: Option<&KeyId>, err: ApiError| {
        if let Some(source) = source {
            failures.by_source.count(source.to_owned(), now.unix());
        }
        if let Some(key) = key {
            failures.by_key.count(key.clone(), now.unix());
        }
        err
    };
    if !api_key::looks_like_key(token) {
        return match store::admin_token::verify(app, token).await? {
            true => Ok(Identity::Admin),
            false => Err(refused(
                None,
                ApiError::Unauthorized(ErrorCode::CredentialInvalid, "invalid credential".into()),
            )),
        };
    }
    let Some((key_id, secret)) = api_key::parse(token) else {
        return Err(refused(
            None,
            ApiError::Unauthorized(ErrorCode::CredentialInvalid, "malformed API key".into()),
        ));
    };
    let hash = api_key::hash(secret);
    if failures.by_key.current(&key_id, now.unix()) >= per_source / 2 {
        let known = store::keys::get(app, &key_id).await?;
        if !known.is_some_and(|k| api_key::hashes_match(&hash, &k.secret_hash)) {
            return Err(refused(Some(&key_id), throttled(now)));
        }
    }
    let outcome = store::keys::authenticate(app, &key_id, &hash, now).await?;
    match outcome {
        AuthOutcome::Allowed(key, window) => Ok(Identity::Key(
            MerchantCaller {
                merchant_id: key.merchant_id,
                permissions: key.scope.permissions(),
                key_id: Some(key.id),
            },
            window,
        )),
        AuthOutcome::Invalid => Err(refused(
            Some(&key_id),
            ApiError::Unauthorized(ErrorCode::CredentialInvalid, "invalid API key".into()),
        )),
        AuthOutcome::Revoked => Err(refused(
            Some(&key_id),
            ApiError::Unauthorized(
                ErrorCode::ApiKeyRevoked,
                "this API key has been revoked".into(),
            ),
        )),
        AuthOutcome::MerchantInactive => Err(ApiError::MerchantInactive),
        AuthOutcome::Limited(window) => Ok(Identity::Limited(window)),
    }
}
