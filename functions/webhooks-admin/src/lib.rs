//! `webhooks-admin`: webhook endpoints, their secrets and delivery log, and the event log.

use lambda_http::{Body, Request, Response};
use payrail::auth;
use payrail::http::{Reply, RequestCtx, render_envelope};
use payrail::two_step::HubCheck;
use payrail::webhooks::{WebhookEndpoint, service};
use payrail::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    let result = route(app, &ctx).await;
    render_envelope(app, &ctx, result)
}

async fn route(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    ctx.body()?;
    let principal = auth::authenticate(app, ctx).await?;
    let id = ctx.path_param("id").unwrap_or_default();
    let caller = &auth::merchant_caller(app, &principal, ctx.query("merchant_id")).await?;
    let hub = &HubCheck::of_request(ctx);
    match ctx.route.as_str() {
        "POST /api/v1/webhook-endpoints" => Ok(Reply::created(
            service::create(app, caller, &ctx.json_object()?, hub).await?,
            "webhook endpoint created; its signing secret is in data.secret",
        )),
        "GET /api/v1/webhook-endpoints" => {
            let page = service::list(app, caller, &ctx.page()?).await?;
            Ok(Reply::ok(
                page.to_json(WebhookEndpoint::to_json),
                "webhook endpoints",
            ))
        }
        "GET /api/v1/webhook-endpoints/{id}" => Ok(Reply::ok(
            service::get(app, caller, id).await?.to_json(),
            "webhook endpoint",
        )),
        "PATCH /api/v1/webhook-endpoints/{id}" => {
            let endpoint = service::update(app, caller, id, &ctx.json_object()?, hub).await?;
            Ok(Reply::ok(endpoint.to_json(), "webhook endpoint updated"))
        }
        "DELETE /api/v1/webhook-endpoints/{id}" => Ok(Reply::ok(
            service::delete(app, caller, id, hub).await?,
            "webhook endpoint deleted",
        )),
        "GET /api/v1/webhook-endpoints/{id}/secret" => Ok(Reply::ok(
            service::reveal_secret(app, caller, id).await?,
            "signing secret",
        )),
        "POST /api/v1/webhook-endpoints/{id}/rotate-secret" => Ok(Reply::ok(
            service::rotate_secret(app, caller, id, hub).await?,
            "signing secret rotated; the previous one keeps signing for 24 hours",
        )),
        "POST /api/v1/webhook-endpoints/{id}/test" => Ok(Reply::created(
            service::send_test(app, caller, id).await?,
            "test event created; watch its delivery in the endpoint's deliveries",
        )),
        "GET /api/v1/webhook-endpoints/{id}/deliveries" => {
            let page = service::deliveries(app, caller, id, &ctx.page()?).await?;
            Ok(Reply::ok(
                page.to_json(payrail::webhooks::Attempt::to_json),
                "delivery attempts",
            ))
        }
        "GET /api/v1/events" => {
            let page = service::events(app, caller, ctx.query("type"), &ctx.page()?).await?;
            Ok(Reply::ok(
                page.to_json(payrail::events::Event::to_json),
                "events",
            ))
        }
        "GET /api/v1/events/{id}" => Ok(Reply::ok(service::event(app, caller, id).await?, "event")),
        "POST /api/v1/events/{id}/resend" => {
            let body = if ctx.body()?.iter().all(u8::is_ascii_whitespace) {
                payrail::http::JsonObject::default()
            } else {
                ctx.json_object()?
            };
            Ok(Reply::ok(
                service::resend(app, caller, id, &body).await?,
                "event queued for delivery",
            ))
        }
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}
