//! `stripe-hooks`: `POST /hooks/stripe/{merchant_id}`, Stripe's webhooks for one merchant's
//! account, verified by `Stripe-Signature` over the raw body before anything is read, settling
//! the payments whose outcome Stripe reports.

use lambda_http::{Body, Request, Response};
use payrail::http::{Reply, RequestCtx, render_envelope};
use payrail::payments::processor_events;
use payrail::processor::ProcessorKind;
use payrail::{ApiError, App};
use serde_json::json;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    let result = route(app, &ctx).await;
    render_envelope(app, &ctx, result)
}

async fn route(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    if ctx.route != "POST /hooks/stripe/{merchant_id}" {
        return Err(ApiError::NotFound(format!("no route {}", ctx.route)));
    }
    let merchant = ctx.path_param("merchant_id").unwrap_or_default();
    let received = processor_events::receive(
        app,
        ProcessorKind::Stripe,
        merchant,
        &ctx.headers,
        ctx.body()?,
    )
    .await?;
    Ok(Reply::ok(
        json!({"received": true, "result": received.as_str()}),
        "event received",
    ))
}
