//! A recording proxy between the function binaries and the AWS emulator: every AWS call they
//! make passes through it, so the benchmark sees each call's operation, bodies and the time
//! spent waiting on it, exactly as sent on the wire (the access-log extension's calls too).

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// One AWS call as it crossed the wire.
#[derive(Debug, Clone)]
pub struct Call {
    /// `Service.Operation`, e.g. `DynamoDB.PutItem`.
    pub op: String,
    pub sent: Instant,
    pub answered: Instant,
    pub request: Bytes,
    pub response: Bytes,
}

#[derive(Clone)]
pub struct Proxy {
    pub url: String,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Proxy {
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
        let client = reqwest::Client::new();
        let recorded = calls.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (client, upstream, recorded) =
                    (client.clone(), upstream.clone(), recorded.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        forward(client.clone(), upstream.clone(), recorded.clone(), req)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Self { url, calls }
    }

    /// How many calls have been recorded; a mark for [`calls_since`](Self::calls_since).
    pub fn mark(&self) -> usize {
        self.calls.lock().unwrap().len()
    }

    pub fn calls_since(&self, mark: usize) -> Vec<Call> {
        self.calls.lock().unwrap()[mark..].to_vec()
    }
}

async fn forward(
    client: reqwest::Client,
    upstream: String,
    recorded: Arc<Mutex<Vec<Call>>>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let op = operation(&parts.headers, &body);
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut out = client.request(parts.method.clone(), format!("{upstream}{path}"));
    for (name, value) in &parts.headers {
        if name != hyper::header::HOST && name != hyper::header::CONTENT_LENGTH {
            out = out.header(name, value);
        }
    }
    let sent = Instant::now();
    let answer = out.body(body.clone()).send().await;
    let (status, headers, response) = match answer {
        Ok(res) => {
            let status = res.status();
            let headers = res.headers().clone();
            (status, headers, res.bytes().await.unwrap_or_default())
        }
        Err(e) => (
            hyper::StatusCode::BAD_GATEWAY,
            Default::default(),
            Bytes::from(e.to_string()),
        ),
    };
    let answered = Instant::now();
    recorded.lock().unwrap().push(Call {
        op,
        sent,
        answered,
        request: body,
        response: response.clone(),
    });
    let mut res = hyper::Response::new(Full::new(response));
    *res.status_mut() = status;
    for (name, value) in &headers {
        if name != hyper::header::CONTENT_LENGTH && name != hyper::header::TRANSFER_ENCODING {
            res.headers_mut().insert(name, value.clone());
        }
    }
    Ok(res)
}

/// `Service.Operation` from the JSON protocols' `X-Amz-Target` (DynamoDB, SQS, Secrets
/// Manager), or the query protocol's `Action`.
fn operation(headers: &hyper::HeaderMap, body: &[u8]) -> String {
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        let (service, op) = target.split_once('.').unwrap_or(("?", target));
        let service = match service {
            s if s.starts_with("DynamoDB") => "DynamoDB",
            "AmazonSQS" => "SQS",
            "secretsmanager" => "SecretsManager",
            other => other,
        };
        return format!("{service}.{op}");
    }
    form_urlencoded::parse(body)
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| format!("SQS.{v}"))
        .unwrap_or_else(|| "unknown".into())
}
