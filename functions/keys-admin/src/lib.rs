//! `keys-admin`: merchants (admin token) and API keys.

use lambda_http::{Body, Request, Response};
use payrail::auth;
use payrail::http::{Reply, RequestCtx, render_envelope};
use payrail::{ApiError, App, keys, merchants};
use serde_json::json;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    let result = route(app, &ctx).await;
    render_envelope(&ctx, result)
}

async fn route(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    ctx.body()?;
    let principal = auth::authenticate(app, ctx).await?;
    let id = ctx.path_param("id").unwrap_or_default();
    match ctx.route.as_str() {
        "POST /api/v1/merchants" => {
            principal.require_admin()?;
            let merchant = merchants::create(app, &ctx.json_object()?).await?;
            Ok(Reply::created(merchant.to_json(), "merchant created"))
        }
        "GET /api/v1/merchants" => {
            principal.require_admin()?;
            let page = merchants::list(app, &ctx.page()?).await?;
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
            let (key, token) = keys::create(app, &principal, &ctx.json_object()?).await?;
            let mut data = key.to_json();
            data["key"] = json!(token);
            Ok(Reply::created(
                data,
                "API key created; store it now, it will not be shown again",
            ))
        }
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}
