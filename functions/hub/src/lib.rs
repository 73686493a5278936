//! `hub`: the Developer Hub, a single-page web console at `GET /hub`, served from this binary.
//!
//! The page holds no data and no credential of its own: once a merchant signs in (with an API
//! key, or an operator with the admin token), everything it shows or changes goes through the
//! public API with that credential, so the console can do exactly what the API allows and
//! nothing more. The credential stays in the tab's `sessionStorage`.

use std::sync::OnceLock;

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use payrail::http::{RequestCtx, html_answer};
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
    match ctx.route.as_str() {
        // `/hub/` would resolve the page's relative asset links one level too deep.
        "GET /hub" if ctx.path.ends_with('/') => redirect(&ctx, ctx.path.trim_end_matches('/')),
        "GET /hub" => serve(&ctx, 0),
        "GET /hub/{asset}" => {
            let name = ctx.path_param("asset").unwrap_or_default();
            match ASSETS.iter().position(|a| a.name == name) {
                Some(index) => serve(&ctx, index),
                None => not_found(&ctx),
            }
        }
        _ => not_found(&ctx),
    }
}

/// The asset, or 304 when the browser's copy is current. Assets are revalidated on every load
/// (`no-cache`) so a deploy is seen at once; an unchanged one costs a bodiless 304.
fn serve(ctx: &RequestCtx, index: usize) -> Response<Body> {
    let asset = &ASSETS[index];
    let etag = etag_of(index);
    let fresh = ctx
        .header("if-none-match")
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if fresh {
        answer(
            ctx,
            StatusCode::NOT_MODIFIED,
            asset.content_type,
            Body::Empty,
        )
    } else {
        let body = Body::Text(asset.body.to_owned());
        answer(ctx, StatusCode::OK, asset.content_type, body)
    };
    let h = res.headers_mut();
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

fn redirect(ctx: &RequestCtx, location: &str) -> Response<Body> {
    let mut res = answer(ctx, StatusCode::PERMANENT_REDIRECT, HTML, Body::Empty);
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

fn not_found(ctx: &RequestCtx) -> Response<Body> {
    let body = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Not found</title>\
                <p>No such page. The Developer Hub is at <a href=\"/hub\">/hub</a>.</p></html>";
    answer(
        ctx,
        StatusCode::NOT_FOUND,
        HTML,
        Body::Text(body.to_owned()),
    )
}

const HTML: &str = "text/html; charset=utf-8";

/// Every hub answer: the headers all responses and pages carry, and its log line.
fn answer(
    ctx: &RequestCtx,
    status: StatusCode,
    content_type: &'static str,
    body: Body,
) -> Response<Body> {
    html_answer(ctx, status, content_type, body, CSP)
}
