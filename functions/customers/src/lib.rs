//! `customers`: a merchant's customers (`/api/v1/customers`: create, list, read by id or
//! e-mail address), and the same in OwnPay's shapes (`/ownpay/api/v1/customers`).

use lambda_http::{Body, Request, Response};
use payrail::auth;
use payrail::customers::{Customer, service};
use payrail::http::{Reply, RequestCtx, render_envelope, render_ownpay};
use payrail::{ApiError, App, ownpay};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    if ctx.route.contains(" /ownpay/") {
        let result = ownpay(app, &ctx).await;
        return render_ownpay(app, &ctx, result);
    }
    let result = api(app, &ctx).await;
    render_envelope(app, &ctx, result)
}

async fn api(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    // Who is asking first, so that a refused body (413) is in the access and audit logs.
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    let caller = &auth::merchant_caller(app, &principal, ctx.query("merchant_id")).await?;
    match ctx.route.as_str() {
        "POST /api/v1/customers" => Ok(Reply::created(
            service::create(app, caller, &ctx.json_object()?)
                .await?
                .to_json(),
            "customer created",
        )),
        "GET /api/v1/customers" => {
            let page = service::list(app, caller, &ctx.list_params()?).await?;
            Ok(Reply::ok(page.to_json(Customer::to_json), "customers"))
        }
        "GET /api/v1/customers/{id}" => {
            let id = ctx.path_param("id").unwrap_or_default();
            Ok(Reply::ok(
                service::get(app, caller, id).await?.to_json(),
                "customer",
            ))
        }
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}

/// OwnPay's customers: created with a name, listed by page, found by address or number.
async fn ownpay(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    let caller = principal.merchant()?;
    match ctx.route.as_str() {
        "POST /ownpay/api/v1/customers" => {
            let customer =
                ownpay::service::create_customer(app, caller, &ctx.json_object()?).await?;
            Ok(Reply::created(
                ownpay::customer::created_json(&customer),
                "customer created",
            ))
        }
        "GET /ownpay/api/v1/customers" => {
            let paging = ownpay::Paging::parse(ctx.query("page"), ctx.query("per_page"));
            let listed = ownpay::service::customers(app, caller, paging).await?;
            Ok(Reply::ownpay_list(listed.items, listed.meta, "customers"))
        }
        "GET /ownpay/api/v1/customers/{id}" => {
            let identifier = ctx.path_param("id").unwrap_or_default();
            let customer = ownpay::service::customer(app, caller, identifier).await?;
            Ok(Reply::ok(
                ownpay::customer::customer_json(&customer),
                "customer",
            ))
        }
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}
