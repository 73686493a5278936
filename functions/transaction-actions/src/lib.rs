//! `transaction-actions`: what a merchant does to a transaction after creating it: refund it
//! (`POST /api/v1/transactions/{id}/refunds`) and cancel it (`POST …/{id}/cancel`). Reads stay
//! in `get-transaction`, which needs no write access. OwnPay's clients refund through
//! `POST /ownpay/api/v1/refunds`.

use lambda_http::{Body, Request, Response};
use payrail::auth;
use payrail::domain::Timestamp;
use payrail::error::ErrorCode;
use payrail::http::{Reply, RequestCtx, render_envelope, render_ownpay};
use payrail::input::JsonObject;
use payrail::payments;
use payrail::processor::connect_merchant;
use payrail::refunds;
use payrail::{ApiError, App};

pub const REFUND_ROUTE: &str = "POST /api/v1/transactions/{id}/refunds";
pub const CANCEL_ROUTE: &str = "POST /api/v1/transactions/{id}/cancel";
pub const OWNPAY_REFUND_ROUTE: &str = "POST /ownpay/api/v1/refunds";

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    if ctx.route == OWNPAY_REFUND_ROUTE {
        let result = ownpay_refund(app, &ctx).await;
        return render_ownpay(app, &ctx, result);
    }
    let result = route(app, &ctx).await;
    render_envelope(app, &ctx, result)
}

/// OwnPay's `POST /refunds`: 201 with the refund, also when the processor refused it
/// (`status` failed) or for a repeated `Idempotency-Key`, as OwnPay answers; a refund the
/// transaction cannot take is 400, in OwnPay's words.
async fn ownpay_refund(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    let caller = principal.merchant()?;
    let (id, body) = payrail::ownpay::refund_request(&ctx.any_json_object()?)?;
    let idempotency_key = ctx.idempotency_key()?;
    let processor = connect_merchant(app, &caller.merchant_id).await?;
    let done = refunds::create(
        app,
        caller,
        &processor,
        &id,
        &body,
        idempotency_key.as_ref(),
    )
    .await
    .map_err(|e| match e {
        ApiError::Validation(_)
        | ApiError::Conflict(ErrorCode::InvalidState | ErrorCode::ProcessorChanged, _) => {
            ApiError::bad_request(ErrorCode::BadRequest, e.summary())
        }
        other => other,
    })?;
    let txn = payments::get(app, caller, &id).await?;
    Ok(Reply::created(
        payrail::ownpay::refund_json(&done.refund, &txn),
        "refund created",
    ))
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
