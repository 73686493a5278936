//! `checkout`: the hosted payment page (`GET /checkout/{transaction_id}`) and its form
//! (`POST`), charged through the merchant's processor (the sandbox, or Stripe with the card
//! tokenised by Stripe.js in the browser), and the page's script (`GET /checkout/assets/…`).

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use payrail::checkout::html::{self, BankStep, Echo};
use payrail::checkout::{PayOutcome, pay, view};
use payrail::error::FieldErrors;
use payrail::http::{RequestCtx, base_headers};
use payrail::input::parse_form_object;
use payrail::{ApiError, App};

/// The script of the Stripe page; the sandbox page has none.
const CHECKOUT_JS: &str = include_str!("../assets/checkout.js");

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    let id = ctx
        .path_param("transaction_id")
        .unwrap_or_default()
        .to_owned();
    let result = match ctx.route.as_str() {
        "GET /checkout/{transaction_id}" => show(app, &ctx, &id).await,
        "POST /checkout/{transaction_id}" => submit(app, &ctx, &id).await,
        "GET /checkout/assets/{asset}" => Ok(asset(&ctx)),
        other => Err(ApiError::NotFound(format!("no route {other}"))),
    };
    match result {
        Ok(res) => res,
        Err(ApiError::NotFound(_)) => html::not_found(&ctx),
        Err(err) => {
            // Log the cause once; the customer sees a page without internals.
            tracing::error!(request_id = %ctx.request_id, error = %err, source = ?std::error::Error::source(&err).map(|s| s.to_string()), "checkout failed");
            html::error(&ctx, err.status())
        }
    }
}

fn asset(ctx: &RequestCtx) -> Response<Body> {
    if ctx.path_param("asset") != Some("checkout.js") {
        return html::not_found(ctx);
    }
    let mut res = Response::new(Body::Text(CHECKOUT_JS.to_owned()));
    let h = res.headers_mut();
    base_headers(h, "text/javascript; charset=utf-8", &ctx.request_id);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

async fn show(app: &App, ctx: &RequestCtx, id: &str) -> Result<Response<Body>, ApiError> {
    let view = view(app, id).await?;
    // Still being confirmed: 202, and the page refreshes itself until the outcome is known.
    let status = if view.txn.status == payrail::payments::PaymentStatus::Processing {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok(html::render(
        ctx,
        &app.settings,
        status,
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
    let render = |status, view, alert: &str, echo: &Echo| {
        html::render(
            ctx,
            &app.settings,
            status,
            view,
            &FieldErrors::new(),
            alert,
            echo,
        )
    };
    Ok(match pay(app, id, &form).await? {
        PayOutcome::Redirect(location) => html::redirect(ctx, &location),
        PayOutcome::Invalid(view, errors) => html::render(
            ctx,
            &app.settings,
            StatusCode::UNPROCESSABLE_ENTITY,
            &view,
            &errors,
            "Please correct the highlighted fields.",
            &echo,
        ),
        PayOutcome::BadToken(view) => render(
            StatusCode::FORBIDDEN,
            &view,
            "This form has expired or did not come from this page. Please try again.",
            &Echo::default(),
        ),
        PayOutcome::ProcessorFailed(view) => render(
            StatusCode::SERVICE_UNAVAILABLE,
            &view,
            "The payment could not be completed right now and you were not charged. Please try again.",
            &echo,
        ),
        PayOutcome::NotPayable(view) => render(StatusCode::CONFLICT, &view, "", &Echo::default()),
        PayOutcome::Processing(view) => render(StatusCode::ACCEPTED, &view, "", &Echo::default()),
        PayOutcome::BankStep {
            view,
            client_secret,
            payment_id,
        } => html::render_bank_step(
            ctx,
            &app.settings,
            &view,
            BankStep {
                client_secret: &client_secret,
                payment_intent: &payment_id,
            },
        ),
    })
}
