//! A minimal AWS Lambda Runtime API and Extensions API on 127.0.0.1, enough to run a real
//! function binary the way Lambda does: the runtime long-polls for an invocation and posts the
//! answer; an internal extension registers, receives `INVOKE` events, and signals it is done
//! with an invocation by asking for the next event. Used by tests (the binaries' own `main`
//! paths) and benchmarks (cold starts).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc, oneshot, watch};

use crate::provision::BoxError;

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:payrail-local";

struct Invocation {
    id: String,
    event: Value,
}

#[derive(Default)]
struct Shared {
    responses: std::sync::Mutex<HashMap<String, oneshot::Sender<Result<Value, Value>>>>,
}

struct Inner {
    shared: Shared,
    runtime_rx: Mutex<mpsc::UnboundedReceiver<Invocation>>,
    extension_tx: mpsc::UnboundedSender<Invocation>,
    extension_rx: Mutex<mpsc::UnboundedReceiver<Invocation>>,
    /// How many times a registered extension has asked for its next event.
    extension_polls: watch::Sender<u64>,
    extensions: std::sync::atomic::AtomicU64,
}

/// The API's address and a handle to invoke the function behind it.
pub struct RuntimeApi {
    pub addr: std::net::SocketAddr,
    inner: Arc<Inner>,
    runtime_tx: mpsc::UnboundedSender<Invocation>,
    delivered: u64,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RuntimeApi {
    pub async fn start() -> Result<Self, BoxError> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (runtime_tx, runtime_rx) = mpsc::unbounded_channel();
        let (extension_tx, extension_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            shared: Shared::default(),
            runtime_rx: Mutex::new(runtime_rx),
            extension_tx,
            extension_rx: Mutex::new(extension_rx),
            extension_polls: watch::channel(0).0,
            extensions: 0.into(),
        });
        let served = inner.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let inner = served.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let inner = inner.clone();
                        async move { Ok::<_, Infallible>(route(&inner, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            inner,
            runtime_tx,
            delivered: 0,
            task,
        })
    }

    /// Whether an extension has registered (a function registers during its init).
    pub fn extensions(&self) -> u64 {
        self.inner
            .extensions
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Sends `event` to the function and waits for its answer (`Err` for a reported error),
    /// then, if an extension is registered, until the extension has finished with it, as
    /// Lambda does before it freezes the environment.
    pub async fn invoke(&mut self, event: Value, timeout: Duration) -> Result<Value, BoxError> {
        Ok(self.invoke_timed(event, timeout).await?.0)
    }

    /// [`invoke`](Self::invoke), also answering when the function's answer arrived (before
    /// any extension finished with the invocation).
    pub async fn invoke_timed(
        &mut self,
        event: Value,
        timeout: Duration,
    ) -> Result<(Value, std::time::Instant), BoxError> {
        let id = format!("req-{}", self.delivered + 1);
        let (tx, rx) = oneshot::channel();
        self.inner
            .shared
            .responses
            .lock()
            .unwrap()
            .insert(id.clone(), tx);
        self.runtime_tx.send(Invocation { id, event })?;
        self.delivered += 1;
        let answer = tokio::time::timeout(timeout, rx)
            .await
            .map_err(|_| "the function did not answer in time")??
            .map_err(|e| format!("the function reported an error: {e}"))?;
        let answered_at = std::time::Instant::now();
        // Extensions register during init, before the runtime asks for its first invocation,
        // so by now every extension that will see this invocation has registered.
        if self.extensions() > 0 {
            // The extension asked for its first event after registering, then one more per
            // invocation it finished.
            let want = self.delivered + 1;
            let mut polls = self.inner.extension_polls.subscribe();
            tokio::time::timeout(timeout, polls.wait_for(|n| *n >= want))
                .await
                .map_err(|_| "the extension did not finish the invocation in time")??;
        }
        Ok((answer, answered_at))
    }
}

fn reply(status: u16, headers: &[(&str, String)], body: Value) -> hyper::Response<Full<Bytes>> {
    let mut res = hyper::Response::new(Full::new(Bytes::from(body.to_string())));
    *res.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    for (k, v) in headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(v) {
            res.headers_mut().insert(
                hyper::header::HeaderName::from_bytes(k.as_bytes()).expect("valid header name"),
                v,
            );
        }
    }
    res
}

fn deadline_ms() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (now.as_millis() + 30_000).to_string()
}

async fn route(inner: &Inner, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let json_body = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["2020-01-01", "extension", "register"]) => {
            inner
                .extensions
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            reply(
                200,
                &[("lambda-extension-identifier", "ext-1".into())],
                json!({"functionName": "payrail-local", "functionVersion": "$LATEST", "handler": "bootstrap"}),
            )
        }
        ("GET", ["2020-01-01", "extension", "event", "next"]) => {
            inner.extension_polls.send_modify(|n| *n += 1);
            let Some(inv) = inner.extension_rx.lock().await.recv().await else {
                return reply(500, &[], json!({"errorMessage": "shutting down"}));
            };
            reply(
                200,
                &[("lambda-extension-event-identifier", inv.id.clone())],
                json!({
                    "eventType": "INVOKE",
                    "deadlineMs": deadline_ms().parse::<u64>().unwrap_or_default(),
                    "requestId": inv.id,
                    "invokedFunctionArn": ARN,
                    "tracing": {"type": "X-Amzn-Trace-Id", "value": "Root=1-00000000-000000000000000000000000"},
                }),
            )
        }
        ("GET", ["2018-06-01", "runtime", "invocation", "next"]) => {
            let Some(inv) = inner.runtime_rx.lock().await.recv().await else {
                return reply(500, &[], json!({"errorMessage": "shutting down"}));
            };
            // As in Lambda, the invocation reaches registered extensions as it reaches the runtime.
            if inner.extensions.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                let _ = inner.extension_tx.send(Invocation {
                    id: inv.id.clone(),
                    event: Value::Null,
                });
            }
            reply(
                200,
                &[
                    ("lambda-runtime-aws-request-id", inv.id),
                    ("lambda-runtime-deadline-ms", deadline_ms()),
                    ("lambda-runtime-invoked-function-arn", ARN.into()),
                    (
                        "lambda-runtime-trace-id",
                        "Root=1-00000000-000000000000000000000000".into(),
                    ),
                    ("content-type", "application/json".into()),
                ],
                inv.event,
            )
        }
        ("POST", ["2018-06-01", "runtime", "invocation", id, outcome]) => {
            let sender = inner.shared.responses.lock().unwrap().remove(*id);
            if let Some(sender) = sender {
                let _ = sender.send(if *outcome == "response" {
                    Ok(json_body)
                } else {
                    Err(json_body)
                });
            }
            reply(202, &[], json!({"status": "OK"}))
        }
        ("POST", ["2018-06-01", "runtime", "init", "error"]) => {
            eprintln!("function init error: {json_body}");
            reply(202, &[], json!({"status": "OK"}))
        }
        _ => reply(
            404,
            &[],
            json!({"errorMessage": format!("no route {method} {path}")}),
        ),
    }
}

/// The environment Lambda gives a function, for a runtime API at `addr`.
pub fn lambda_environment(addr: std::net::SocketAddr, function: &str) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_RUNTIME_API", addr.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function}"),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "local".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
