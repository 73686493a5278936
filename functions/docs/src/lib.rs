//! `docs`: the API's reference. The OpenAPI 3.1 document at `GET /api/v1/openapi.json`, and a
//! browsable reference at `GET /docs` that renders it with Swagger UI, compiled into this
//! binary with its assets (`GET /docs/assets/{asset}`): nothing is loaded from elsewhere.

mod assets;
mod reply;

use lambda_http::{Body, Request, Response};
use payrail::http::RequestCtx;

pub use assets::{ASSETS, Asset, VIEWER_VERSION};

/// docs/openapi.yaml, as JSON.
pub const OPENAPI_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

pub fn handle(req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    match ctx.route.as_str() {
        // `/docs/` would resolve the page's relative asset links one level too deep.
        "GET /docs" if ctx.path.ends_with('/') => {
            reply::redirect(&ctx, ctx.path.trim_end_matches('/'))
        }
        "GET /docs" => reply::page(&ctx),
        "GET /docs/assets/{asset}" => {
            match assets::find(ctx.path_param("asset").unwrap_or_default()) {
                Some(asset) => reply::asset(&ctx, asset),
                None => reply::not_found(&ctx),
            }
        }
        _ => reply::document(&ctx),
    }
}
