//! The checkout page: self-contained HTML (no scripts, no external assets), every
//! merchant-supplied string escaped by the template engine, and strict security headers.

use askama::Template;
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};

use super::service::{CheckoutView, return_url};
use crate::config::Settings;
use crate::domain::Timestamp;
use crate::error::FieldErrors;
use crate::http::RequestCtx;
use crate::payments::PaymentStatus;

#[derive(Template)]
#[template(path = "checkout.html")]
struct Html<'a> {
    title: String,
    nonce: String,
    merchant: &'a str,
    product: Option<&'a str>,
    amount: String,
    currency: &'a str,
    /// `form`, or the final state: `paid`, `declined`, `expired`, `missing`.
    state: &'a str,
    message: String,
    alert: &'a str,
    token: &'a str,
    cancel_url: String,
    return_url: String,
    exp_month: String,
    exp_year: String,
    cardholder_name: String,
    card_number_error: Option<&'a str>,
    exp_month_error: Option<&'a str>,
    exp_year_error: Option<&'a str>,
    cvc_error: Option<&'a str>,
    cardholder_name_error: Option<&'a str>,
    /// With Stripe: its publishable key and where Stripe.js comes from; the card is entered
    /// in Stripe's element and only a PaymentMethod id is posted here.
    stripe_key: Option<&'a str>,
    stripe_js: String,
    payment_method_error: Option<&'a str>,
    /// The bank step (3-D Secure): what Stripe.js confirms, and the PaymentIntent to post back.
    client_secret: &'a str,
    payment_intent: &'a str,
}

/// What the form held, to show back with its errors (never the card number or CVC).
#[derive(Debug, Default)]
pub struct Echo {
    pub exp_month: String,
    pub exp_year: String,
    pub cardholder_name: String,
}

/// The first message for `field`, shown beside its input.
pub(crate) fn first<'a>(errors: &'a FieldErrors, field: &str) -> Option<&'a str> {
    errors
        .get(field)
        .and_then(|m| m.first())
        .map(String::as_str)
}

/// The customer's bank step: what the page hands Stripe.js.
pub struct BankStep<'a> {
    pub client_secret: &'a str,
    pub payment_intent: &'a str,
}

/// Renders the page for `view`: the form while payable, else its state.
pub fn render(
    ctx: &RequestCtx,
    settings: &Settings,
    status: StatusCode,
    view: &CheckoutView,
    errors: &FieldErrors,
    alert: &str,
    echo: &Echo,
) -> Response<Body> {
    build(ctx, settings, status, view, errors, alert, echo, None)
}

/// Renders the bank step of a Stripe payment: the page confirms with Stripe.js, then posts
/// the PaymentIntent back.
pub fn render_bank_step(
    ctx: &RequestCtx,
    settings: &Settings,
    view: &CheckoutView,
    step: BankStep<'_>,
) -> Response<Body> {
    let errors = FieldErrors::new();
    build(
        ctx,
        settings,
        StatusCode::OK,
        view,
        &errors,
        "",
        &Echo::default(),
        Some(step),
    )
}

#[allow(clippy::too_many_arguments)]
fn build(
    ctx: &RequestCtx,
    settings: &Settings,
    status: StatusCode,
    view: &CheckoutView,
    errors: &FieldErrors,
    alert: &str,
    echo: &Echo,
    bank: Option<BankStep<'_>>,
) -> Response<Body> {
    let txn = &view.txn;
    let now = Timestamp::now();
    let state = txn.status_at(now);
    let stripe_key = view.stripe_key();
    let (state_name, message) = match state {
        _ if bank.is_some() => (
            "bank",
            "Your bank asks you to confirm this payment…".to_owned(),
        ),
        PaymentStatus::Pending => ("form", String::new()),
        PaymentStatus::Processing => (
            "processing",
            "We are confirming your payment with your bank. Please do not pay again: this page \
             refreshes itself."
                .to_owned(),
        ),
        PaymentStatus::Paid => ("paid", "This payment is complete. Thank you!".to_owned()),
        PaymentStatus::Declined => ("declined", "This payment was declined.".to_owned()),
        PaymentStatus::Expired => ("expired", "This payment request has expired.".to_owned()),
        PaymentStatus::Canceled => ("canceled", "This payment request was canceled.".to_owned()),
        PaymentStatus::Refunded => ("paid", "This payment was refunded.".to_owned()),
    };
    // Back on the form after an attempt the processor says never charged.
    let alert = if alert.is_empty() && state == PaymentStatus::Pending && txn.charge_attempt > 0 {
        "Your last attempt did not go through and you were not charged. Please try again."
    } else {
        alert
    };
    let nonce = crate::crypto::random_secret();
    let page = Html {
        title: format!(
            "{} – {}",
            txn.product_title.as_deref().unwrap_or("Payment"),
            if view.merchant_name.is_empty() {
                "Checkout"
            } else {
                &view.merchant_name
            }
        ),
        nonce: nonce.clone(),
        merchant: &view.merchant_name,
        product: txn.product_title.as_deref(),
        amount: txn.amount.display(),
        currency: txn.amount.currency().code(),
        state: state_name,
        message,
        alert,
        token: &txn.checkout_token,
        cancel_url: txn.cancel_url.to_string(),
        // No way back to the merchant while the outcome is not known yet.
        return_url: if matches!(state, PaymentStatus::Pending | PaymentStatus::Processing) {
            String::new()
        } else {
            return_url_for(txn, state)
        },
        exp_month: echo.exp_month.clone(),
        exp_year: echo.exp_year.clone(),
        cardholder_name: echo.cardholder_name.clone(),
        card_number_error: first(errors, "card_number"),
        exp_month_error: first(errors, "exp_month"),
        exp_year_error: first(errors, "exp_year"),
        cvc_error: first(errors, "cvc"),
        cardholder_name_error: first(errors, "cardholder_name"),
        stripe_key,
        stripe_js: settings.stripe_js_url.to_string(),
        payment_method_error: first(errors, "payment_method"),
        client_secret: bank.as_ref().map_or("", |b| b.client_secret),
        payment_intent: bank.as_ref().map_or("", |b| b.payment_intent),
    };
    // The form may post only to us, and the redirect after it only to the merchant's pages.
    let form_action = [txn.success_url.as_url(), txn.cancel_url.as_url()]
        .iter()
        .map(|u| u.origin().ascii_serialization())
        .collect::<Vec<_>>()
        .join(" ");
    // With Stripe, exactly the origins Stripe documents for Stripe.js: its script (served from
    // js.stripe.com and its subdomains) and frames, 3-D Secure's page, and its API.
    let stripe_sources = if stripe_key.is_some() {
        let js = settings.stripe_js_url.origin().ascii_serialization();
        let api = settings.stripe_api_base.origin().ascii_serialization();
        let (scripts, frames) = if js == "https://js.stripe.com" {
            let scripts = format!("{js} https://*.js.stripe.com");
            let frames = format!("{scripts} https://hooks.stripe.com");
            (scripts, frames)
        } else {
            (js.clone(), js.clone())
        };
        format!("script-src 'self' {scripts}; frame-src {frames}; connect-src {api}; ")
    } else {
        String::new()
    };
    let csp = format!(
        "default-src 'none'; {stripe_sources}style-src 'nonce-{nonce}'; img-src 'self' data:; \
         form-action 'self' {form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    html(ctx, status, page.render().unwrap_or_default(), &csp)
}

fn return_url_for(txn: &crate::payments::Transaction, state: PaymentStatus) -> String {
    let mut shown = txn.clone();
    shown.status = state;
    return_url(&shown)
}

/// The page for an id that names no payment.
pub fn not_found(ctx: &RequestCtx) -> Response<Body> {
    let nonce = crate::crypto::random_secret();
    let page = Html {
        title: "Payment not found".into(),
        nonce: nonce.clone(),
        merchant: "",
        product: None,
        amount: String::new(),
        currency: "",
        state: "missing",
        message: "There is no payment at this address. Check the link you were given.".into(),
        alert: "",
        token: "",
        cancel_url: String::new(),
        return_url: String::new(),
        exp_month: String::new(),
        exp_year: String::new(),
        cardholder_name: String::new(),
        card_number_error: None,
        exp_month_error: None,
        exp_year_error: None,
        cvc_error: None,
        cardholder_name_error: None,
        stripe_key: None,
        stripe_js: String::new(),
        payment_method_error: None,
        client_secret: "",
        payment_intent: "",
    };
    let csp = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; frame-ancestors 'none'; base-uri 'none'"
    );
    html(
        ctx,
        StatusCode::NOT_FOUND,
        page.render().unwrap_or_default(),
        &csp,
    )
}

/// A 303 back to the merchant.
pub fn redirect(ctx: &RequestCtx, location: &str) -> Response<Body> {
    let mut res = html(
        ctx,
        StatusCode::SEE_OTHER,
        String::new(),
        "default-src 'none'",
    );
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

pub(crate) fn html(
    ctx: &RequestCtx,
    status: StatusCode,
    body: String,
    csp: &str,
) -> Response<Body> {
    crate::http::html_answer(
        ctx,
        status,
        "text/html; charset=utf-8",
        Body::Text(body),
        csp,
    )
}

/// A page for our own failure (5xx) or an oversized form (413), without internals.
pub fn error(ctx: &RequestCtx, status: StatusCode) -> Response<Body> {
    let body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Payment unavailable</title>\
         <p>We could not process this page right now ({}). Nothing was charged. Please try again \
         in a moment.</p></html>",
        status.as_u16()
    );
    html(
        ctx,
        status,
        body,
        "default-src 'none'; frame-ancestors 'none'",
    )
}
