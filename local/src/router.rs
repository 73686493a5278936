//! Routes HTTP requests to the Lambda handlers, shaping each request as API Gateway would.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext,
};
use lambda_http::http::{HeaderValue, Method, StatusCode};
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Request, Response};
use payrail::App;
use tokio::net::TcpListener;

use crate::provision::BoxError;
use crate::template::Template;

/// API Gateway HTTP APIs accept payloads up to 10 MB; the handlers apply their own limit.
const GATEWAY_MAX_BODY: usize = 10 * 1024 * 1024;

/// The binaries this router can run, by the name template.yaml builds them under.
pub const FUNCTIONS: &[&str] = &[
    "create-payment",
    "get-transaction",
    "transaction-actions",
    "processor-settings",
    "stripe-hooks",
    "keys-admin",
    "checkout",
    "webhooks-admin",
    "payment-links",
    "customers",
    "docs",
    "hub",
];

async fn invoke(binary: &str, app: &App, req: Request) -> Response<Body> {
    match binary {
        "create-payment" => create_payment::handle(app, req).await,
        "get-transaction" => get_transaction::handle(app, req).await,
        "transaction-actions" => transaction_actions::handle(app, req).await,
        "processor-settings" => processor_settings::handle(app, req).await,
        "stripe-hooks" => stripe_hooks::handle(app, req).await,
        "keys-admin" => keys_admin::handle(app, req).await,
        "checkout" => checkout::handle(app, req).await,
        "webhooks-admin" => webhooks_admin::handle(app, req).await,
        "payment-links" => payment_links::handle(app, req).await,
        "customers" => customers::handle(app, req).await,
        "docs" => docs::handle(req),
        "hub" => hub::handle(req),
        other => unreachable!("Router::new admits only known functions, not {other}"),
    }
}

struct CompiledRoute {
    method: Method,
    key: String,
    segments: Vec<String>,
    binary: String,
}

impl CompiledRoute {
    /// Path parameters if `path` matches this route.
    fn matches(&self, method: &Method, path: &str) -> Option<HashMap<String, String>> {
        if method != self.method {
            return None;
        }
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = HashMap::new();
        for (seg, part) in self.segments.iter().zip(parts) {
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if !part.is_empty() => {
                    let value = percent_encoding::percent_decode_str(part)
                        .decode_utf8_lossy()
                        .into_owned();
                    params.insert(name.to_owned(), value);
                }
                Some(_) => return None,
                None if seg == part => {}
                None => return None,
            }
        }
        Some(params)
    }
}

pub struct Router {
    routes: Vec<CompiledRoute>,
    app: Arc<App>,
}

impl Router {
    pub fn new(template: &Template, app: Arc<App>) -> Result<Self, BoxError> {
        let mut routes = Vec::new();
        for (route, function) in template.routes() {
            if !FUNCTIONS.contains(&function.binary.as_str()) {
                return Err(format!(
                    "template.yaml routes {} to {}, which the local router cannot run",
                    route.key(),
                    function.binary
                )
                .into());
            }
            routes.push(CompiledRoute {
                method: Method::from_bytes(route.method.as_bytes())?,
                key: route.key(),
                segments: route
                    .path
                    .trim_end_matches('/')
                    .split('/')
                    .map(str::to_owned)
                    .collect(),
                binary: function.binary.clone(),
            });
        }
        Ok(Self { routes, app })
    }

    /// Answers one HTTP request as API Gateway and the function behind the route would.
    pub async fn handle(
        &self,
        req: hyper::Request<Incoming>,
        peer: SocketAddr,
    ) -> hyper::Response<Full<Bytes>> {
        let (parts, body) = req.into_parts();
        let request_id = payrail::ids::request_id();
        let body = match Limited::new(body, GATEWAY_MAX_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => {
                return gateway_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Request Entity Too Large",
                    &request_id,
                );
            }
        };
        let path = parts.uri.path().to_owned();
        let found = self
            .routes
            .iter()
            .find_map(|r| r.matches(&parts.method, &path).map(|p| (r, p)));
        let Some((route, path_params)) = found else {
            return gateway_error(StatusCode::NOT_FOUND, "Not Found", &request_id);
        };

        let mut ctx = ApiGatewayV2httpRequestContext::default();
        ctx.route_key = Some(route.key.clone());
        ctx.request_id = Some(request_id);
        ctx.stage = Some("$default".into());
        ctx.domain_name = parts
            .headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned);
        ctx.time_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        ctx.http.method = parts.method.clone();
        ctx.http.path = Some(path.clone());
        ctx.http.protocol = Some("HTTP/1.1".into());
        ctx.http.source_ip = Some(peer.ip().to_string());

        let mut event = ApiGatewayV2httpRequest::default();
        event.version = Some("2.0".into());
        event.route_key = Some(route.key.clone());
        event.raw_path = Some(path);
        event.raw_query_string = Some(parts.uri.query().unwrap_or_default().to_owned());
        event.headers = parts.headers;
        // API Gateway terminates TLS; locally the client spoke plain HTTP.
        event
            .headers
            .insert("x-forwarded-proto", HeaderValue::from_static("http"));
        event.path_parameters = path_params;
        event.request_context = ctx;
        if !body.is_empty() {
            match std::str::from_utf8(&body) {
                Ok(text) => event.body = Some(text.to_owned()),
                Err(_) => {
                    event.body = Some(base64::engine::general_purpose::STANDARD.encode(&body));
                    event.is_base64_encoded = true;
                }
            }
        }
        let request: Request = LambdaRequest::ApiGatewayV2(event).into();
        let response = invoke(&route.binary, &self.app, request).await;
        into_hyper(response)
    }
}

fn into_hyper(res: Response<Body>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = res.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(t) => Bytes::from(t),
        Body::Binary(b) => Bytes::from(b),
        #[allow(unreachable_patterns)]
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}

/// What API Gateway itself answers when no function is involved.
fn gateway_error(
    status: StatusCode,
    message: &str,
    request_id: &str,
) -> hyper::Response<Full<Bytes>> {
    let body = serde_json::json!({"success": false, "data": null, "message": message});
    let mut res = hyper::Response::new(Full::new(Bytes::from(body.to_string())));
    *res.status_mut() = status;
    res.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        res.headers_mut().insert("x-request-id", id);
    }
    res
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(listener: TcpListener, router: Arc<Router>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let router = router.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let router = router.clone();
                        async move { Ok::<_, Infallible>(router.handle(req, peer).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
}
