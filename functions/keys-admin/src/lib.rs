//! `keys-admin`: merchants (admin token), API keys (also as OwnPay's `/ownpay/api/v1/api-keys`),
//! two-step verification, and the API access log.

use lambda_http::{Body, Request, Response};
use payrail::http::{Reply, RequestCtx, render_envelope, render_ownpay};
use payrail::{ApiError, App, access_log, keys, merchants, ownpay, two_step};
use serde_json::json;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    if ctx.route.contains(" /ownpay/") {
        let result = ownpay_keys(app, &ctx).await;
        return render_ownpay(app, &ctx, result);
    }
    let result = route(app, &ctx).await;
    render_envelope(app, &ctx, result)
}

/// OwnPay's key routes: keys listed and revoked by number, created as OwnPay-format keys.
async fn ownpay_keys(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    principal.merchant()?;
    match ctx.route.as_str() {
        "GET /ownpay/api/v1/api-keys" => Ok(Reply::ok(
            ownpay::service::keys(app, &principal).await?,
            "API keys",
        )),
        "POST /ownpay/api/v1/api-keys" => {
            let body = ownpay::keys::key_request(&ctx.json_object_or_empty()?)?;
            let (key, token) = keys::create(app, &principal, &body, &ctx.hub_check()).await?;
            Ok(Reply::created(
                ownpay::keys::created_json(&key, &token),
                "API key created; store it now, it will not be shown again",
            ))
        }
        "DELETE /ownpay/api/v1/api-keys/{id}" => {
            let id = ctx.path_param("id").unwrap_or_default();
            ownpay::service::revoke_key(app, &principal, id, &ctx.hub_check()).await?;
            Ok(Reply::ok(
                json!({"message": "Key revoked"}),
                "API key revoked",
            ))
        }
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}

async fn route(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    // Who is asking first, so that a refused body (413) is in the access and audit logs.
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    let id = ctx.path_param("id").unwrap_or_default();
    match ctx.route.as_str() {
        "POST /api/v1/merchants" => {
            principal.require_admin()?;
            let merchant = merchants::create(app, &ctx.json_object()?).await?;
            Ok(Reply::created(merchant.to_json(), "merchant created"))
        }
        "GET /api/v1/audit-log" => {
            principal.require_admin()?;
            let page = payrail::access_log::audit_log(app, &ctx.list_params()?).await?;
            Ok(Reply::ok(
                page.to_json(payrail::access_log::AuditEntry::to_json),
                "changes made with the admin token, newest first",
            ))
        }
        "GET /api/v1/merchants" => {
            principal.require_admin()?;
            let page = merchants::list(app, &ctx.list_params()?).await?;
            Ok(Reply::ok(
                page.to_json(merchants::Merchant::to_json),
                "merchants",
            ))
        }
        "GET /api/v1/merchants/{id}" => {
            principal.require_admin()?;
            Ok(Reply::ok(
                merchants::get(app, id).await?.to_json(),
                "merchant",
            ))
        }
        "PATCH /api/v1/merchants/{id}" => {
            principal.require_admin()?;
            let merchant = merchants::update(app, id, &ctx.json_object()?).await?;
            Ok(Reply::ok(merchant.to_json(), "merchant updated"))
        }
        "POST /api/v1/keys" => {
            let (key, token) =
                keys::create(app, &principal, &ctx.json_object()?, &ctx.hub_check()).await?;
            Ok(Reply::created(
                with_whole_key(key.to_json(), token),
                "API key created; store it now, it will not be shown again",
            ))
        }
        "GET /api/v1/keys" => {
            let page = keys::list(
                app,
                &principal,
                ctx.query("merchant_id"),
                &ctx.list_params()?,
            )
            .await?;
            Ok(Reply::ok(page.to_json(keys::ApiKey::to_json), "API keys"))
        }
        "DELETE /api/v1/keys/{id}" => {
            let key = keys::revoke(app, &principal, id, &ctx.hub_check()).await?;
            Ok(Reply::ok(key.to_json(), "API key revoked"))
        }
        "POST /api/v1/keys/{id}/rotate" => {
            let (key, token) = keys::rotate(app, &principal, id, &ctx.hub_check()).await?;
            Ok(Reply::created(
                with_whole_key(key.to_json(), token),
                "API key rotated; the old key is revoked. Store the new one now, it will not be shown again",
            ))
        }
        "GET /api/v1/keys/current" => Ok(Reply::ok(
            keys::current(app, &principal).await?.to_json(),
            "the API key of this request",
        )),
        "GET /api/v1/two-step" => {
            let merchant =
                keys::merchant_in_scope(app, &principal, ctx.query("merchant_id")).await?;
            Ok(Reply::ok(
                two_step::status(app, &merchant).await?,
                "two-step verification",
            ))
        }
        "POST /api/v1/two-step" => Ok(Reply::created(
            two_step::start(app, &principal).await?,
            "scan the QR code and confirm with a first code; the secret and recovery codes are not shown again",
        )),
        "POST /api/v1/two-step/confirm" => Ok(Reply::ok(
            two_step::confirm(app, &principal, &ctx.json_object()?).await?,
            "two-step verification is on",
        )),
        "DELETE /api/v1/two-step" => {
            let merchant =
                keys::merchant_in_scope(app, &principal, ctx.query("merchant_id")).await?;
            let code = ctx.header(two_step::CODE_HEADER);
            Ok(Reply::ok(
                two_step::disable(app, &principal, &merchant, code).await?,
                "two-step verification is off",
            ))
        }
        "GET /api/v1/logs" => {
            let page = access_log::list(
                app,
                &principal,
                ctx.query("merchant_id"),
                &ctx.list_params()?,
            )
            .await?;
            Ok(Reply::ok(
                page.to_json(access_log::LogEntry::to_json),
                "access log",
            ))
        }
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}

/// The answer that carries a whole key: the only time it is ever shown.
fn with_whole_key(mut data: serde_json::Value, token: String) -> serde_json::Value {
    data["key"] = json!(token);
    data
}
