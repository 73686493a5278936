//! `payment-links`: the payment-links API (`/api/v1/payment-links`) and each link's public page
//! (`/pay/{link_id}`), where a customer starts a payment and goes on to the hosted checkout.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use payrail::auth;
use payrail::checkout::html as checkout_html;
use payrail::error::FieldErrors;
use payrail::http::{Reply, RequestCtx, render_envelope};
use payrail::input::parse_form_object;
use payrail::links::PaymentLink;
use payrail::links::html::{self, Echo};
use payrail::links::service::{self, VisitOutcome};
use payrail::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    if ctx.route.starts_with("GET /pay/") || ctx.route.starts_with("POST /pay/") {
        return pay_page(app, &ctx).await;
    }
    let result = api(app, &ctx).await;
    render_envelope(app, &ctx, result)
}

async fn api(app: &App, ctx: &RequestCtx) -> Result<Reply, ApiError> {
    // Who is asking first, so that a refused body (413) is in the access and audit logs.
    let principal = ctx.authenticate(app).await?;
    ctx.body()?;
    let caller = &auth::merchant_caller(app, &principal, ctx.query("merchant_id")).await?;
    let id = ctx.path_param("id").unwrap_or_default();
    match ctx.route.as_str() {
        "POST /api/v1/payment-links" => {
            let origin = ctx.origin();
            let link = service::create(app, caller, &ctx.json_object()?, origin.as_deref()).await?;
            Ok(Reply::created(
                link.to_json(),
                "payment link created; share data.url",
            ))
        }
        "GET /api/v1/payment-links" => {
            let page = service::list(app, caller, &ctx.list_params()?).await?;
            Ok(Reply::ok(
                page.to_json(PaymentLink::to_json),
                "payment links",
            ))
        }
        "GET /api/v1/payment-links/{id}" => Ok(Reply::ok(
            service::get(app, caller, id).await?.to_json(),
            "payment link",
        )),
        "PATCH /api/v1/payment-links/{id}" => Ok(Reply::ok(
            service::update(app, caller, id, &ctx.json_object()?)
                .await?
                .to_json(),
            "payment link updated",
        )),
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    }
}

async fn pay_page(app: &App, ctx: &RequestCtx) -> Response<Body> {
    match pay(app, ctx).await {
        Ok(res) => res,
        Err(ApiError::NotFound(_)) => checkout_html::not_found(ctx),
        Err(err) => {
            // Log the cause once; the customer sees a page without internals.
            tracing::error!(request_id = %ctx.request_id, error = %err, source = ?std::error::Error::source(&err).map(|s| s.to_string()), "payment link page failed");
            checkout_html::error(ctx, err.status())
        }
    }
}

async fn pay(app: &App, ctx: &RequestCtx) -> Result<Response<Body>, ApiError> {
    let view = service::view(app, ctx.path_param("link_id").unwrap_or_default()).await?;
    // A link that takes no payments says why, with 410 Gone.
    let closed = |view| {
        html::render(
            ctx,
            StatusCode::GONE,
            view,
            &FieldErrors::new(),
            &Echo::default(),
        )
    };
    if ctx.route.starts_with("GET ") {
        return Ok(match view.availability() {
            payrail::links::Availability::Open => html::render(
                ctx,
                StatusCode::OK,
                &view,
                &FieldErrors::new(),
                &Echo::default(),
            ),
            _ => closed(&view),
        });
    }
    let form = parse_form_object(ctx.body()?);
    let origin = ctx.origin();
    // What the customer typed, shown back when the page comes again.
    let echo = Echo {
        email: form.string("email").ok().flatten().unwrap_or_default(),
        amount: form.string("amount").ok().flatten().unwrap_or_default(),
    };
    Ok(
        match service::visit(app, &view, &form, origin.as_deref()).await? {
            VisitOutcome::Started(txn) => checkout_html::redirect(ctx, &txn.url),
            VisitOutcome::Unavailable(_) => closed(&view),
            VisitOutcome::Busy { retry_after } => html::render_busy(ctx, &view, &echo, retry_after),
            VisitOutcome::Invalid(err) => {
                let errors = err.field_errors().cloned().unwrap_or_default();
                html::render(ctx, StatusCode::UNPROCESSABLE_ENTITY, &view, &errors, &echo)
            }
        },
    )
}
