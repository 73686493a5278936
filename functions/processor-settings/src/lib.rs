//! `processor-settings`: which processor a merchant collects through (`GET`/`PUT
//! /api/v1/processor`): the sandbox, or Stripe with its keys, checked with Stripe once and kept
//! in Secrets Manager.

use lambda_http::{Body, Request, Response};
use payrail::auth;
use payrail::http::{Reply, RequestCtx, render_envelope};
use payrail::processor::service as settings;
use payrail::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    let result = route(app, &ctx).await;
    render_envelope(app, &ctx, result)
}

async fn route(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    // Who is asking first, so that a refused body (413) is in the access and audit logs.
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    let caller = auth::merchant_caller(app, &principal, ctx.query("merchant_id")).await?;
    match ctx.route.as_str() {
        "GET /api/v1/processor" => Ok(Reply::ok(
            settings::get(app, &caller.merchant_id).await?,
            "payment processor",
        )),
        "PUT /api/v1/processor" => {
            let body = ctx.json_object()?;
            Ok(Reply::ok(
                settings::put(app, &caller.merchant_id, &body, &ctx.hub_check()).await?,
                "payment processor connected",
            ))
        }
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}
