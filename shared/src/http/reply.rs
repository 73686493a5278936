//! Rendering answers: the envelope, the compatibility shape, and the headers every response has.

use lambda_http::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

use super::RequestCtx;
use crate::App;
use crate::access_log::entry::LogEntry;
use crate::access_log::{AuditEntry, AuditedRequest};
use crate::error::ApiError;

/// A successful answer: status, `data`, and a human `message`.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub data: Value,
    pub message: String,
    /// OwnPay's answers only: `data`'s fields go beside `success` rather than under `data`.
    pub flat: bool,
}

impl Reply {
    pub fn ok(data: Value, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::OK,
            data,
            message: message.into(),
            flat: false,
        }
    }

    pub fn created(data: Value, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::CREATED,
            data,
            message: message.into(),
            flat: false,
        }
    }

    /// For OwnPay's routes that answer their fields beside `success` rather than in `data`
    /// (`POST /payment-intents`).
    pub fn flat(self) -> Self {
        Self { flat: true, ..self }
    }

    /// An OwnPay list: `{"success": true, "data": [...], "meta": {...}}`.
    pub fn ownpay_list(items: Vec<Value>, meta: Value, message: impl Into<String>) -> Self {
        Self::ok(json!({"data": items, "meta": meta}), message).flat()
    }
}

/// Renders a result as the `{success, data, message[, errors]}` envelope.
pub fn render_envelope(
    app: &App,
    ctx: &RequestCtx,
    result: Result<Reply, ApiError>,
) -> Response<Body> {
    match result {
        Ok(reply) => {
            let body = json!({"success": true, "data": reply.data, "message": reply.message});
            finish(app, ctx, reply.status, &body, None)
        }
        Err(err) => {
            let mut body = json!({
                "success": false,
                "data": null,
                "message": err.to_string(),
                "code": err.code().as_str(),
            });
            if let Some(errors) = err.field_errors() {
                body["errors"] = json!(errors);
            }
            finish(app, ctx, err.status(), &body, Some(&err))
        }
    }
}

/// Renders a result as OwnPay's server answers: `{"success": true, "data"}`, or
/// `{"success": false, "error", "errors": [{"code", "message", "field"}], "request_id"}` (with
/// `message` too, which OwnPay's own middleware answers, and `retry_after` on a 429, which its
/// Node.js SDK reads).
pub fn render_ownpay(
    app: &App,
    ctx: &RequestCtx,
    result: Result<Reply, ApiError>,
) -> Response<Body> {
    match result {
        Ok(reply) => {
            let mut body = json!({"success": true});
            match (reply.flat, reply.data) {
                (true, Value::Object(fields)) => {
                    if let Value::Object(out) = &mut body {
                        out.extend(fields);
                    }
                }
                (_, data) => body["data"] = data,
            }
            finish(app, ctx, reply.status, &body, None)
        }
        Err(err) => {
            let message = err.summary();
            let errors: Vec<Value> = match err.field_errors() {
                Some(fields) if !fields.is_empty() => fields
                    .iter()
                    .map(|(field, messages)| {
                        json!({
                            "code": ownpay_field_code(field, messages),
                            "message": ownpay_field_message(field, messages),
                            "field": field,
                        })
                    })
                    .collect(),
                _ => vec![json!({
                    "code": ownpay_code(&err, &ctx.route),
                    "message": message,
                    "field": null,
                })],
            };
            let mut body = json!({
                "success": false,
                "error": errors.first().and_then(|e| e["message"].as_str()).unwrap_or(&message),
                "message": message,
                "errors": errors,
                // OwnPay's server answers the client's own request id when it sent one.
                "request_id": ctx
                    .header("x-request-id")
                    .filter(|id| id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()))
                    .unwrap_or(&ctx.request_id),
                // Payrail's own code beside OwnPay's, for a client that knows both.
                "code": err.code().as_str(),
            });
            if let ApiError::RateLimited { retry_after } = &err {
                body["retry_after"] = json!(retry_after);
            }
            finish(app, ctx, err.status(), &body, Some(&err))
        }
    }
}

/// A field's problems as one sentence naming it, unless they already read as OwnPay's own
/// messages do ("name required", "Invalid scope value…").
fn ownpay_field_message(field: &str, messages: &[String]) -> String {
    let text = messages.join(", ");
    if text.starts_with(field) || text.starts_with(|c: char| c.is_ascii_uppercase()) {
        text
    } else {
        format!("{field} {text}")
    }
}

/// OwnPay's code for a field's error.
fn ownpay_field_code(field: &str, messages: &[String]) -> String {
    match field {
        "name" if messages.iter().any(|m| m.contains("required")) => "NAME_REQUIRED".into(),
        "amount" => "INVALID_AMOUNT".into(),
        "currency" => "INVALID_CURRENCY".into(),
        other => format!("INVALID_{}", other.to_ascii_uppercase()),
    }
}

/// OwnPay's code for an error that names no field.
fn ownpay_code(err: &ApiError, route: &str) -> String {
    match err {
        ApiError::NotFound(_) if route.contains("/payments/") => "PAYMENT_NOT_FOUND".into(),
        ApiError::NotFound(_) if route.contains("/customers/") => "CUSTOMER_NOT_FOUND".into(),
        ApiError::NotFound(_) if route.contains("/api-keys/") => "KEY_NOT_FOUND".into(),
        ApiError::BadRequest { .. } if route.contains("/webhooks/tests") => {
            "WEBHOOK_TEST_FAILED".into()
        }
        ApiError::NotFound(_) if route.contains("/refunds") => "TRANSACTION_NOT_FOUND".into(),
        ApiError::Conflict(..) | ApiError::BadRequest { .. } if route.contains("/refunds") => {
            "INVALID_REFUND_PARAMETERS".into()
        }
        ApiError::NotFound(_) if route.contains("/transactions/") => "TRANSACTION_NOT_FOUND".into(),
        ApiError::NotFound(_) => "NOT_FOUND".into(),
        ApiError::Unauthorized(..) => "UNAUTHORIZED".into(),
        ApiError::Forbidden(..) => "INSUFFICIENT_SCOPE".into(),
        ApiError::RateLimited { .. } => "RATE_LIMIT_EXCEEDED".into(),
        other => other.code().as_str().to_ascii_uppercase(),
    }
}

/// Renders a result in the style of hosted-payment gateways' `payment-request-api`:
/// `{"status": true, ...data}` or `{"status": false, "error": "..."}`.
pub fn render_compat(
    app: &App,
    ctx: &RequestCtx,
    result: Result<Reply, ApiError>,
) -> Response<Body> {
    match result {
        Ok(reply) => {
            let mut body = json!({"status": true});
            if let (Value::Object(out), Value::Object(data)) = (&mut body, reply.data) {
                out.extend(data);
            }
            finish(app, ctx, reply.status, &body, None)
        }
        // As that style of gateway answers: a validation failure is 200 with its first
        // problem, and a deactivated merchant's gateway is "inactive".
        Err(err) => {
            let (status, error) = match &err {
                ApiError::Validation(errors) => (
                    StatusCode::OK,
                    errors
                        .iter()
                        .find_map(|(field, messages)| {
                            let message = messages.first()?.trim_end_matches('.');
                            Some(format!("The {} field {message}.", field.replace('_', " ")))
                        })
                        .unwrap_or_else(|| err.summary()),
                ),
                ApiError::MerchantInactive => (
                    StatusCode::BAD_REQUEST,
                    "Payment gateway inactive".to_owned(),
                ),
                _ => (err.status(), err.summary()),
            };
            let body = json!({"status": false, "error": error});
            finish(app, ctx, status, &body, Some(&err))
        }
    }
}

fn finish(
    app: &App,
    ctx: &RequestCtx,
    status: StatusCode,
    body: &Value,
    err: Option<&ApiError>,
) -> Response<Body> {
    log_outcome(ctx, status, err);
    // Only API keys are recorded: the log answers "which of my keys did what".
    if let Some(caller) = ctx.caller()
        && let Some(key_id) = &caller.key_id
    {
        app.access_log.record(LogEntry::new(
            &caller.merchant_id,
            key_id,
            ctx.method.as_str(),
            &ctx.path,
            status.as_u16(),
        ));
    }
    // Every change the operator's token makes, or tries to, goes to the audit log.
    if ctx.is_admin() && !matches!(ctx.method, Method::GET | Method::HEAD) {
        app.access_log.audit(AuditEntry::of(
            AuditedRequest {
                route: &ctx.route,
                path: &ctx.path,
                id_param: ctx.path_param("id"),
                merchant_param: ctx.query("merchant_id"),
                body: ctx.body().unwrap_or_default(),
                request_id: &ctx.request_id,
            },
            status.as_u16(),
            body,
        ));
    }
    let mut res = Response::new(Body::Text(body.to_string()));
    *res.status_mut() = status;
    let headers = res.headers_mut();
    base_headers(headers, "application/json; charset=utf-8", &ctx.request_id);
    if let Some(rate) = ctx.rate() {
        headers.insert("x-ratelimit-limit", HeaderValue::from(rate.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(rate.remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(rate.reset));
    }
    if let Some(ApiError::RateLimited { retry_after } | ApiError::TooManyCodes { retry_after }) =
        err
    {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
    }
    res
}

/// One structured line per request. Internal errors log their source here, and only here;
/// the client sees a bare message. Bodies, credentials and card data are never logged.
fn log_outcome(ctx: &RequestCtx, status: StatusCode, err: Option<&ApiError>) {
    let latency_ms = ctx.started.elapsed().as_millis() as u64;
    let status = status.as_u16();
    let merchant_id = ctx.caller().map(|c| c.merchant_id.as_str()).unwrap_or("-");
    match err {
        Some(ApiError::Internal(source)) | Some(ApiError::Unavailable(source)) => {
            tracing::error!(
                request_id = %ctx.request_id, route = %ctx.route, merchant_id, status, latency_ms,
                error = %source, "request failed"
            );
        }
        _ => tracing::info!(
            request_id = %ctx.request_id, route = %ctx.route, merchant_id, status, latency_ms,
            "request"
        ),
    }
}

/// Headers every response carries: its type, no caching (answers hold payment data), no
/// sniffing, and the request id.
pub fn base_headers(headers: &mut HeaderMap, content_type: &'static str, request_id: &str) {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", id);
    }
}

/// A page or one of its assets: the headers every answer has, the page headers with `csp`, and
/// the request's log line (pages bypass the envelope, which logs for API answers).
pub fn html_answer(
    ctx: &RequestCtx,
    status: StatusCode,
    content_type: &'static str,
    body: Body,
    csp: &str,
) -> Response<Body> {
    tracing::info!(
        request_id = %ctx.request_id, route = %ctx.route, status = status.as_u16(),
        latency_ms = ctx.started.elapsed().as_millis() as u64, "request"
    );
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let h = res.headers_mut();
    base_headers(h, content_type, &ctx.request_id);
    html_headers(h, csp);
    res
}

/// Headers every HTML page carries beside [`base_headers`]: never framed, no referrer sent on
/// from it, its Content-Security-Policy, and HTTPS only from the first visit on (two years).
/// Browsers heed `Strict-Transport-Security` only over HTTPS and never for an IP address, so
/// the plain-HTTP local server on 127.0.0.1 is unaffected.
pub fn html_headers(headers: &mut HeaderMap, csp: &str) {
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=63072000; includeSubDomains"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if let Ok(v) = HeaderValue::from_str(csp) {
        headers.insert("content-security-policy", v);
    }
}
