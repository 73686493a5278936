//! `checkout`: the hosted payment page (`GET /checkout/{transaction_id}`) and its form
//! (`POST`), charged through the sandbox processor.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use payrail::checkout::page::{self, Echo};
use payrail::checkout::{PayOutcome, pay, view};
use payrail::error::FieldErrors;
use payrail::http::{RequestCtx, parse_form_object};
use payrail::processor::Sandbox;
use payrail::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    let id = ctx
        .path_param("transaction_id")
        .unwrap_or_default()
        .to_owned();
    let result = match ctx.route.as_str() {
        "GET /checkout/{transaction_id}" => show(app, &ctx, &id).await,
        "POST /checkout/{transaction_id}" => submit(app, &ctx, &id).await,
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    };
    match result {
        Ok(res) => res,
        Err(ApiError::NotFound(_)) => page::not_found(&ctx),
        Err(err) => {
            // Log the cause once; the customer sees a page without internals.
            tracing::error!(request_id = %ctx.request_id, error = %err, source = ?std::error::Error::source(&err).map(|s| s.to_string()), "checkout failed");
            page::error(&ctx, err.status())
        }
    }
}

async fn show(app: &App, ctx: &RequestCtx, id: &str) -> Result<Response<Body>, ApiError> {
    let view = view(app, id).await?;
    Ok(page::render(
        ctx,
        StatusCode::OK,
        &view,
        &FieldErrors::new(),
        "",
        &Echo::default(),
    ))
}

async fn submit(app: &App, ctx: &RequestCtx, id: &str) -> Result<Response<Body>, ApiError> {
    let form = parse_form_object(ctx.body()?);
    let echo = Echo {
        exp_month: form.string("exp_month").ok().flatten().unwrap_or_default(),
        exp_year: form.string("exp_year").ok().flatten().unwrap_or_default(),
        cardholder_name: form
            .string("cardholder_name")
            .ok()
            .flatten()
            .unwrap_or_default(),
    };
    Ok(match pay(app, &Sandbox, id, &form).await? {
        PayOutcome::Redirect(location) => page::redirect(ctx, &location),
        PayOutcome::Invalid(view, errors) => page::render(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &view,
            &errors,
            "Please correct the highlighted fields.",
            &echo,
        ),
        PayOutcome::BadToken(view) => page::render(
            ctx,
            StatusCode::FORBIDDEN,
            &view,
            &FieldErrors::new(),
            "This form has expired or did not come from this page. Please try again.",
            &Echo::default(),
        ),
        PayOutcome::ProcessorFailed(view) => page::render(
            ctx,
            StatusCode::SERVICE_UNAVAILABLE,
            &view,
            &FieldErrors::new(),
            "The payment could not be completed right now and you were not charged. Please try again.",
            &echo,
        ),
        PayOutcome::NotPayable(view) => page::render(
            ctx,
            StatusCode::CONFLICT,
            &view,
            &FieldErrors::new(),
            "",
            &Echo::default(),
        ),
    })
}
