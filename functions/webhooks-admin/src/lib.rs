//! `webhooks-admin`: webhook endpoints, their secrets and delivery log, the event log, and
//! getting deliveries going again (recovering an endpoint, redriving the dead-letter queue).

use lambda_http::{Body, Request, Response};
use payrail::auth;
use payrail::http::{Reply, RequestCtx, render_envelope, render_ownpay};
use payrail::webhooks::{WebhookEndpoint, recover, service};
use payrail::{ApiError, App, ownpay};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    if ctx.route.contains(" /ownpay/") {
        let result = ownpay_webhooks(app, &ctx).await;
        return render_ownpay(app, &ctx, result);
    }
    let result = route(app, &ctx).await;
    render_envelope(app, &ctx, result)
}

/// OwnPay's webhook routes: a test delivery answered with its outcome, and the delivery log.
async fn ownpay_webhooks(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    let caller = principal.merchant()?;
    match ctx.route.as_str() {
        "POST /ownpay/api/v1/webhooks/tests" => Ok(Reply::ok(
            ownpay::service::test_webhook(app, caller).await?,
            "test delivered",
        )),
        "GET /ownpay/api/v1/webhooks/deliveries" => Ok(Reply::ok(
            ownpay::service::deliveries(app, caller).await?,
            "webhook deliveries",
        )),
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}

async fn route(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    // Who is asking first, so that a refused body (413) is in the access and audit logs.
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    // The operator's routes (the route table admits only the admin token to them).
    match ctx.route.as_str() {
        "GET /api/v1/dead-letters" => {
            return Ok(Reply::ok(
                recover::dead_letters(app).await?,
                "webhook deliveries in the dead-letter queue",
            ));
        }
        "POST /api/v1/dead-letters/redrive" => {
            return Ok(Reply::ok(
                recover::redrive(app, &ctx.json_object_or_empty()?).await?,
                "dead-letter queue redriven; the jobs are delivered again",
            ));
        }
        _ => {}
    }
    let id = ctx.path_param("id").unwrap_or_default();
    let caller = &auth::merchant_caller(app, &principal, ctx.query("merchant_id")).await?;
    let hub = &ctx.hub_check();
    match ctx.route.as_str() {
        "POST /api/v1/webhook-endpoints" => Ok(Reply::created(
            service::create(app, caller, &ctx.json_object()?, hub).await?,
            "webhook endpoint created; its signing secret is in data.secret",
        )),
        "GET /api/v1/webhook-endpoints" => {
            let page = service::list(app, caller, &ctx.list_params()?).await?;
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
            service::reveal_secret(app, caller, id, hub).await?,
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
        "POST /api/v1/webhook-endpoints/{id}/recover" => Ok(Reply::ok(
            recover::recover(app, caller, id, &ctx.json_object()?).await?,
            "failed deliveries queued again",
        )),
        "GET /api/v1/webhook-endpoints/{id}/deliveries" => {
            let page = service::deliveries(app, caller, id, &ctx.list_params()?).await?;
            Ok(Reply::ok(
                page.to_json(payrail::webhooks::Attempt::to_json),
                "delivery attempts",
            ))
        }
        "GET /api/v1/events" => {
            let page = service::events(app, caller, ctx.query("type"), &ctx.list_params()?).await?;
            Ok(Reply::ok(
                page.to_json(payrail::events::Event::to_json),
                "events",
            ))
        }
        "GET /api/v1/events/{id}" => Ok(Reply::ok(service::event(app, caller, id).await?, "event")),
        "POST /api/v1/events/{id}/resend" => {
            let body = ctx.json_object_or_empty()?;
            Ok(Reply::ok(
                service::resend(app, caller, id, &body).await?,
                "event queued for delivery",
            ))
        }
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}
