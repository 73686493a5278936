//! `hub`: the Developer Hub, a single-page web console at `GET /hub`, served from this binary.
//!
//! The page holds no data and no credential of its own: once a merchant signs in (with an API
//! key, or an operator with the admin token), everything it shows or changes goes through the
//! public API with that credential, so the console can do exactly what the API allows and
//! nothing more. The credential stays in the tab's `sessionStorage`.

use std::sync::OnceLock;

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use payrail::http::{RequestCtx, base_headers};
use sha2::{Digest, Sha256};

/// Scripts and styles only from this origin, API calls only to it, nothing framed, no forms
/// posted anywhere: an injected string can neither run nor leak the credential.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

/// The page first, then what it loads.
const ASSETS: &[Asset] = &[
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../assets/index.html"),
    },
    Asset {
        name: "hub.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../assets/hub.js"),
    },
    Asset {
        name: "hub.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../assets/hub.css"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_str!("../assets/favicon.svg"),
    },
];

pub fn handle(req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    let asset = match ctx.route.as_str() {
        // `/hub/` would resolve the page's relative asset links one level too deep.
        "GET /hub" if ctx.path.ends_with('/') => {
            return finish(&ctx, redirect(ctx.path.trim_end_matches('/')));
        }
        "GET /hub" => Some(0),
        "GET /hub/{asset}" => {
            let name = ctx.path_param("asset").unwrap_or_default();
            ASSETS.iter().position(|a| a.name == name)
        }
        _ => None,
    };
    let res = match asset {
        Some(index) => serve(&ctx, index),
        None => not_found(),
    };
    finish(&ctx, res)
}

/// The asset, or 304 when the browser's copy is current. Assets are revalidated on every load
/// (`no-cache`) so a deploy is seen at once; an unchanged one costs a bodiless 304.
fn serve(ctx: &RequestCtx, index: usize) -> Response<Body> {
    let asset = &ASSETS[index];
    let etag = etag_of(index);
    let fresh = ctx
        .header("if-none-match")
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let (status, body) = if fresh {
        (StatusCode::NOT_MODIFIED, Body::Empty)
    } else {
        (StatusCode::OK, Body::Text(asset.body.to_owned()))
    };
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let h = res.headers_mut();
    base_headers(h, asset.content_type, &ctx.request_id);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    res
}

/// A strong validator per asset, hashed once per process.
fn etag_of(index: usize) -> &'static str {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let digest = Sha256::digest(a.body.as_bytes());
                let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
                format!("\"{hex}\"")
            })
            .collect()
    });
    &tags[index]
}

fn redirect(location: &str) -> Response<Body> {
    let mut res = Response::new(Body::Empty);
    *res.status_mut() = StatusCode::PERMANENT_REDIRECT;
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

fn not_found() -> Response<Body> {
    let mut res = Response::new(Body::Text(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Not found</title>\
         <p>No such page. The Developer Hub is at <a href=\"/hub\">/hub</a>.</p></html>"
            .to_owned(),
    ));
    *res.status_mut() = StatusCode::NOT_FOUND;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

/// Headers every hub answer carries, and its log line.
fn finish(ctx: &RequestCtx, mut res: Response<Body>) -> Response<Body> {
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_TYPE) {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
    }
    if let Ok(id) = HeaderValue::from_str(&ctx.request_id) {
        h.insert("x-request-id", id);
    }
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    tracing::info!(
        request_id = %ctx.request_id, route = %ctx.route, status = res.status().as_u16(),
        latency_ms = ctx.started.elapsed().as_millis() as u64, "request"
    );
    res
}
