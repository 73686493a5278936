//! `transaction-actions`: what a merchant does to a transaction after creating it: refund it
//! (`POST /api/v1/transactions/{id}/refunds`) and cancel it (`POST …/{id}/cancel`). Reads stay
//! in `get-transaction`, which needs no write access.

use lambda_http::{Body, Request, Response};
use payrail::auth;
use payrail::domain::Timestamp;
use payrail::http::{Reply, RequestCtx, render_envelope};
use payrail::input::JsonObject;
use payrail::payments;
use payrail::processor::connect_merchant;
use payrail::refunds;
use payrail::{ApiError, App};

pub const REFUND_ROUTE: &str = "POST /api/v1/transactions/{id}/refunds";
pub const CANCEL_ROUTE: &str = "POST /api/v1/transactions/{id}/cancel";

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    let result = route(app, &ctx).await;
    render_envelope(app, &ctx, result)
}

async fn route(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    // Who is asking first, so that a refused body (413) is in the access and audit logs.
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    let caller = &auth::merchant_caller(app, &principal, ctx.query("merchant_id")).await?;
    let id = ctx.path_param("id").unwrap_or_default();
    match ctx.route.as_str() {
        REFUND_ROUTE => {
            let body = optional_json(ctx)?;
            let idempotency_key = ctx.idempotency_key()?;
            let processor = connect_merchant(app, &caller.merchant_id).await?;
            let done =
                refunds::create(app, caller, &processor, id, &body, idempotency_key.as_ref())
                    .await?;
            let data = done.refund.to_json();
            Ok(if done.replayed {
                Reply::ok(data, "refund already made; returning the original")
            } else {
                Reply::created(data, "refund created")
            })
        }
        CANCEL_ROUTE => {
            let txn = payments::cancel(app, caller, id).await?;
            Ok(Reply::ok(
                txn.to_json(Timestamp::now()),
                "transaction canceled",
            ))
        }
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}

/// A JSON body, or none at all (a full refund needs no fields).
fn optional_json(ctx: &RequestCtx) -> Result<JsonObject, ApiError> {
    if ctx.body()?.iter().all(u8::is_ascii_whitespace) {
        Ok(JsonObject::default())
    } else {
        ctx.json_object()
    }
}
