//! `docs`: the OpenAPI 3.1 document of this API, at `GET /api/v1/openapi.json`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use payrail::http::{RequestCtx, base_headers};

/// docs/openapi.yaml, as JSON.
pub const OPENAPI_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

pub fn handle(req: Request) -> Response<Body> {
    let ctx = RequestCtx::new(req);
    let mut res = Response::new(Body::Text(OPENAPI_JSON.to_owned()));
    *res.status_mut() = StatusCode::OK;
    base_headers(res.headers_mut(), "application/json", &ctx.request_id);
    res
}
