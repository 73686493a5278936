//! `get-transaction`: `GET /api/v1/transactions/{id}` and `GET /api/v1/transactions`, and the
//! reads of OwnPay's clients (`/ownpay/api/v1`: a payment, transactions, refunds, health).

use lambda_http::{Body, Request, Response};
use payrail::auth;
use payrail::domain::{OrderUuid, Timestamp};
use payrail::http::{Reply, RequestCtx, render_envelope, render_ownpay};
use payrail::payments::{self, ListFilter, PaymentStatus};
use payrail::refunds;
use payrail::{ApiError, App};

pub const GET_ROUTE: &str = "GET /api/v1/transactions/{id}";
pub const LIST_ROUTE: &str = "GET /api/v1/transactions";
pub const REFUNDS_ROUTE: &str = "GET /api/v1/transactions/{id}/refunds";
pub const OWNPAY_PAYMENT_ROUTE: &str = "GET /ownpay/api/v1/payments/{id}";
pub const OWNPAY_TRANSACTION_ROUTE: &str = "GET /ownpay/api/v1/transactions/{id}";
pub const OWNPAY_HEALTH_ROUTE: &str = "GET /ownpay/api/v1/health";
pub const OWNPAY_REFUND_ROUTE: &str = "GET /ownpay/api/v1/refunds/{id}";
pub const OWNPAY_TRANSACTIONS_ROUTE: &str = "GET /ownpay/api/v1/transactions";
pub const OWNPAY_REFUNDS_ROUTE: &str = "GET /ownpay/api/v1/refunds";

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    if ctx.route.starts_with("GET /ownpay/") {
        let result = ownpay(app, &ctx).await;
        return render_ownpay(app, &ctx, result);
    }
    let result = route(app, &ctx).await;
    render_envelope(app, &ctx, result)
}

/// OwnPay's reads, in its shapes.
async fn ownpay(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    let principal = ctx.authenticate(app).await?;
    let caller = principal.merchant()?;
    let now = Timestamp::now();
    let id = ctx.path_param("id").unwrap_or_default();
    match ctx.route.as_str() {
        OWNPAY_PAYMENT_ROUTE => {
            let txn = payments::get(app, caller, id).await?;
            Ok(Reply::ok(
                payrail::ownpay::payment_json(&txn, now),
                "payment",
            ))
        }
        OWNPAY_TRANSACTION_ROUTE => {
            let txn = payments::get(app, caller, id).await?;
            Ok(Reply::ok(
                payrail::ownpay::transaction_json(&txn, now),
                "transaction",
            ))
        }
        OWNPAY_TRANSACTIONS_ROUTE => {
            let listed = payrail::ownpay::service::transactions(app, caller, |q| {
                ctx.query(q).map(str::to_owned)
            })
            .await?;
            Ok(Reply::ownpay_list(
                listed.items,
                listed.meta,
                "transactions",
            ))
        }
        OWNPAY_REFUNDS_ROUTE => {
            let listed =
                payrail::ownpay::service::refunds(app, caller, |q| ctx.query(q).map(str::to_owned))
                    .await?;
            Ok(Reply::ownpay_list(listed.items, listed.meta, "refunds"))
        }
        // The latest refund of a transaction, as OwnPay answers `GET /refunds/{trx_id}`.
        OWNPAY_REFUND_ROUTE => {
            let txn = payments::get(app, caller, id).await?;
            let latest = refunds::list(
                app,
                caller,
                id,
                &payrail::input::ListParams {
                    limit: 1,
                    after: None,
                },
            )
            .await?;
            let refund = latest
                .items
                .first()
                .ok_or_else(|| ApiError::NotFound("Refund not found".into()))?;
            Ok(Reply::ok(
                payrail::ownpay::refund_json(refund, &txn),
                "refund",
            ))
        }
        // Authenticating read the key's item: the store answered.
        OWNPAY_HEALTH_ROUTE => Ok(Reply::ok(
            serde_json::json!({
                "status": "healthy",
                "version": env!("CARGO_PKG_VERSION"),
                "db": "connected",
                "time": now,
            }),
            "healthy",
        )),
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}

async fn route(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    let principal = ctx.authenticate(app).await?;
    let caller = &auth::merchant_caller(app, &principal, ctx.query("merchant_id")).await?;
    match ctx.route.as_str() {
        GET_ROUTE => {
            let id = ctx.path_param("id").unwrap_or_default();
            let txn = payments::get(app, caller, id).await?;
            Ok(Reply::ok(txn.to_json(Timestamp::now()), "transaction"))
        }
        LIST_ROUTE => {
            let page = ctx.list_params()?;
            let filter = ListFilter {
                status: ctx
                    .query("status")
                    .map(|s| {
                        PaymentStatus::parse(s).ok_or_else(|| {
                            ApiError::bad_query(
                                "status",
                                "must be one of pending, processing, paid, declined, expired, \
                                 canceled, refunded",
                            )
                        })
                    })
                    .transpose()?,
                order_uuid: ctx
                    .query("order_uuid")
                    .map(|o| OrderUuid::parse(o).map_err(|e| ApiError::bad_query("order_uuid", e)))
                    .transpose()?,
            };
            let list = payments::list(app, caller, &filter, &page).await?;
            let now = Timestamp::now();
            Ok(Reply::ok(list.to_json(|t| t.to_json(now)), "transactions"))
        }
        REFUNDS_ROUTE => {
            let id = ctx.path_param("id").unwrap_or_default();
            let page = ctx.list_params()?;
            let refunds = refunds::list(app, caller, id, &page).await?;
            Ok(Reply::ok(refunds.to_json(|r| r.to_json()), "refunds"))
        }
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}
