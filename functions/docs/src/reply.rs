//! The docs function's answers: the document, the reference page and its assets, redirects
//! and 404s, each with the headers every page carries and one log line.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use payrail::http::{RequestCtx, base_headers, html_answer};

use crate::assets::{self, Asset, Caching};

/// Scripts, styles, fonts and requests from this origin only (the viewer fetches the document
/// and "Try it out" calls this same API), nothing framed, no forms posted: the viewer runs
/// without inline scripts or `eval`, and sets its inline styles through the DOM, which
/// `style-src 'self'` allows.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                       img-src 'self' data:; font-src 'self'; connect-src 'self'; \
                       base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const HTML: &str = "text/html; charset=utf-8";

/// The OpenAPI document.
pub fn document(ctx: &RequestCtx) -> Response<Body> {
    let body = Body::Text(crate::OPENAPI_JSON.to_owned());
    let mut res = Response::new(body);
    *res.status_mut() = StatusCode::OK;
    base_headers(res.headers_mut(), "application/json", &ctx.request_id);
    res
}

pub fn page(ctx: &RequestCtx) -> Response<Body> {
    revalidated(ctx, HTML, assets::page())
}

pub fn asset(ctx: &RequestCtx, asset: &'static Asset) -> Response<Body> {
    match asset.caching {
        Caching::Revalidate => revalidated(ctx, asset.content_type, asset.body),
        Caching::Immutable => {
            let body = Body::Text(asset.body.to_owned());
            let mut res = answer(ctx, StatusCode::OK, asset.content_type, body);
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            res
        }
    }
}

/// `body`, or 304 when the browser's copy (`If-None-Match`) is current.
fn revalidated(ctx: &RequestCtx, content_type: &'static str, body: &str) -> Response<Body> {
    let etag = assets::etag(body);
    let fresh = ctx
        .header("if-none-match")
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if fresh {
        answer(ctx, StatusCode::NOT_MODIFIED, content_type, Body::Empty)
    } else {
        answer(
            ctx,
            StatusCode::OK,
            content_type,
            Body::Text(body.to_owned()),
        )
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    res
}

pub fn redirect(ctx: &RequestCtx, location: &str) -> Response<Body> {
    let mut res = answer(ctx, StatusCode::PERMANENT_REDIRECT, HTML, Body::Empty);
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

pub fn not_found(ctx: &RequestCtx) -> Response<Body> {
    let body = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Not found</title>\
                <p>No such file. The API reference is at <a href=\"/docs\">/docs</a>.</p></html>";
    answer(
        ctx,
        StatusCode::NOT_FOUND,
        HTML,
        Body::Text(body.to_owned()),
    )
}

/// Every page and asset answer: the headers all responses and pages carry, and its log line.
fn answer(
    ctx: &RequestCtx,
    status: StatusCode,
    content_type: &'static str,
    body: Body,
) -> Response<Body> {
    html_answer(ctx, status, content_type, body, CSP)
}
