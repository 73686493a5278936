//! A payment link's page (`/pay/<id>`): asks for the customer's email (and the amount, when
//! the customer chooses it), then sends them to the transaction's hosted checkout. No scripts,
//! every merchant-supplied string escaped by the template engine.

use askama::Template;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use super::Availability;
use super::link::LinkPrice;
use super::service::LinkView;
use crate::checkout::html::first;
use crate::error::FieldErrors;
use crate::http::RequestCtx;

#[derive(Template)]
#[template(path = "pay.html")]
struct Html<'a> {
    nonce: String,
    title: &'a str,
    merchant: &'a str,
    /// The fixed price; empty when the customer chooses.
    amount: String,
    currency: &'a str,
    /// `Between €5.00 and €500.00`, when the customer chooses.
    bounds: String,
    /// `form`, `inactive` or `exhausted`.
    state: &'a str,
    message: &'a str,
    alert: &'a str,
    email: &'a str,
    amount_entered: &'a str,
    email_error: Option<&'a str>,
    amount_error: Option<&'a str>,
}

/// What the customer typed, shown back with its errors.
#[derive(Debug, Default)]
pub struct Echo {
    pub email: String,
    pub amount: String,
}

pub fn render(
    ctx: &RequestCtx,
    status: StatusCode,
    view: &LinkView,
    errors: &FieldErrors,
    echo: &Echo,
) -> Response<Body> {
    let alert = if errors.is_empty() {
        ""
    } else {
        "Please correct the highlighted fields."
    };
    build(ctx, status, view, errors, echo, alert)
}

/// The form again, with 429 and `Retry-After`: the link started as many payments this minute
/// as it may.
pub fn render_busy(
    ctx: &RequestCtx,
    view: &LinkView,
    echo: &Echo,
    retry_after: u64,
) -> Response<Body> {
    let mut res = build(
        ctx,
        StatusCode::TOO_MANY_REQUESTS,
        view,
        &FieldErrors::new(),
        echo,
        "Many customers are paying through this link right now. Please try again in a minute.",
    );
    res.headers_mut()
        .insert(lambda_http::http::header::RETRY_AFTER, retry_after.into());
    res
}

fn build(
    ctx: &RequestCtx,
    status: StatusCode,
    view: &LinkView,
    errors: &FieldErrors,
    echo: &Echo,
    alert: &str,
) -> Response<Body> {
    let link = &view.link;
    let (amount, bounds) = match link.price {
        LinkPrice::Fixed(m) => (m.display(), String::new()),
        LinkPrice::CustomerChooses { min, max } => (
            String::new(),
            format!("Between {} and {}", min.display(), max.display()),
        ),
    };
    let (state, message) = match view.availability() {
        Availability::Open => ("form", ""),
        Availability::Inactive => ("inactive", "This payment link is no longer active."),
        Availability::Exhausted => (
            "exhausted",
            "This payment link has reached its limit and takes no more payments.",
        ),
    };
    let nonce = crate::crypto::random_secret();
    let page = Html {
        nonce: nonce.clone(),
        title: &link.title,
        merchant: &view.merchant_name,
        amount,
        currency: link.price.currency().code(),
        bounds,
        state,
        message,
        alert,
        email: &echo.email,
        amount_entered: &echo.amount,
        email_error: first(errors, "email"),
        amount_error: first(errors, "amount"),
    };
    let csp = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    crate::checkout::html::html(ctx, status, page.render().unwrap_or_default(), &csp)
}
