//! `create-payment`: `POST /api/v1/payment-requests`, `POST /payment-request-api` for
//! integrations written against that older gateway style, and `POST /ownpay/api/v1/payments`
//! for OwnPay's clients.

use lambda_http::{Body, Request, Response};
use payrail::auth::{MerchantCaller, Principal};
use payrail::domain::Timestamp;
use payrail::error::ErrorCode;
use payrail::http::{Reply, RequestCtx, render_compat, render_envelope, render_ownpay};
use payrail::input::{JsonObject, parse_form_object};
use payrail::payments::{self, Created, NewPayment};
use payrail::{ApiError, App};
use serde_json::json;

pub const CREATE_ROUTE: &str = "POST /api/v1/payment-requests";
pub const COMPAT_ROUTE: &str = "POST /payment-request-api";
pub const OWNPAY_ROUTE: &str = "POST /ownpay/api/v1/payments";
pub const OWNPAY_INTENT_ROUTE: &str = "POST /ownpay/api/v1/payment-intents";

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    match ctx.route.as_str() {
        CREATE_ROUTE => render_envelope(app, &ctx, create(app, &ctx).await),
        COMPAT_ROUTE => render_compat(app, &ctx, compat(app, &ctx).await),
        OWNPAY_ROUTE => render_ownpay(app, &ctx, ownpay(app, &ctx, false).await),
        OWNPAY_INTENT_ROUTE => render_ownpay(app, &ctx, ownpay(app, &ctx, true).await),
        other => render_envelope(
            app,
            &ctx,
            Err(ApiError::NotFound(format!("no route {other}"))),
        ),
    }
}

async fn create(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    // Who is asking first, so that a refused body (413) is in the access and audit logs.
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    let caller = principal.merchant()?;
    let body = ctx.json_object()?;
    let created = create_core(app, ctx, caller, &body, |_| Ok(())).await?;
    let data = created.transaction.to_json(Timestamp::now());
    Ok(answer(
        &created,
        data,
        "payment request created",
        "payment request already exists; returning the original",
    ))
}

/// The same operation with `api_key` in a JSON or form body, answering
/// `{"status": true, "transaction_id", "url"}`.
async fn compat(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    let body = match ctx.content_type().as_deref() {
        Some("application/x-www-form-urlencoded") => parse_form_object(ctx.body()?),
        _ => ctx.any_json_object()?,
    };
    let token = match body.string("api_key") {
        Ok(Some(key)) if !key.trim().is_empty() => key,
        Ok(_) if ctx.header("authorization").is_some() => ctx.bearer()?.to_owned(),
        Ok(_) => return Err(ApiError::validation("api_key", "is required")),
        Err(e) => return Err(ApiError::validation("api_key", e)),
    };
    let principal = ctx.authenticate_token(app, token.trim()).await?;
    // That style of gateway refuses amounts below a minimum per currency.
    let at_least = |new: &NewPayment| {
        let currency = new.amount.currency();
        if new.amount.minor() < currency.minor_at_least(app.settings.compat_min_amount) {
            Err(ApiError::bad_request(
                ErrorCode::BadRequest,
                "Invalid amount",
            ))
        } else {
            Ok(())
        }
    };
    // This route takes merchants' keys only; the admin token is answered as any key that is not
    // one, so the route never tells that a token is the operator's.
    let Principal::Merchant(caller) = &principal else {
        return Err(ApiError::Unauthorized(
            ErrorCode::CredentialInvalid,
            "invalid API key".into(),
        ));
    };
    let created = create_core(app, ctx, caller, &body, at_least).await?;
    let txn = &created.transaction;
    let data = json!({"transaction_id": txn.id, "url": txn.url});
    Ok(answer(&created, data, "", ""))
}

/// OwnPay's `POST /payments` (or, with `intent`, `POST /payment-intents`): its fields
/// translated into a payment request, answered 201 with the checkout URL (OwnPay's WooCommerce
/// and WHMCS clients take no other status), the original again for a repeated reference.
async fn ownpay(app: &App, ctx: &RequestCtx, intent: bool) -> Result<Reply, ApiError> {
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    let caller = principal.merchant()?;
    let body = ctx.any_json_object()?;
    let idempotency_key = ctx.idempotency_key()?;
    let new = if intent {
        payrail::ownpay::intent_to_new_payment(&body)?
    } else {
        payrail::ownpay::to_new_payment(&body)?
    };
    let created = payments::create(
        app,
        caller,
        new,
        idempotency_key.as_ref(),
        ctx.origin().as_deref(),
    )
    .await?;
    let txn = &created.transaction;
    let status = payrail::ownpay::status_word(txn.status_at(Timestamp::now()));
    let data = if intent {
        json!({
            "transaction_id": txn.id,
            "payment_url": txn.url,
            "status": status,
            "expires_at": txn.expires_at,
        })
    } else {
        json!({
            "payment_id": txn.id,
            "token": txn.id,
            "checkout_url": txn.url,
            "status": status,
        })
    };
    let reply = Reply::created(data, "payment created");
    // The intent's fields stand beside `success`, as OwnPay's API reference shows them.
    Ok(if intent { reply.flat() } else { reply })
}

/// What both routes do once they hold a full key and a body: the optional `Idempotency-Key`,
/// the validated fields, and the idempotent create.
async fn create_core(
    app: &App,
    ctx: &RequestCtx,
    caller: &MerchantCaller,
    body: &JsonObject,
    check: impl Fn(&NewPayment) -> Result<(), ApiError>,
) -> Result<Created, ApiError> {
    // A value that does not read as text is still a key, refused by the key's rule: ignoring it
    // would let two different requests with the same bad key both create.
    let idempotency_key = ctx.idempotency_key()?;
    let new = NewPayment::parse(body)?;
    check(&new)?;
    payments::create(
        app,
        caller,
        new,
        idempotency_key.as_ref(),
        ctx.origin().as_deref(),
    )
    .await
}

/// 201 for a new transaction, 200 for a replay of the original request.
fn answer(created: &Created, data: serde_json::Value, new: &str, replayed: &str) -> Reply {
    if created.replayed {
        Reply::ok(data, replayed)
    } else {
        Reply::created(data, new)
    }
}
