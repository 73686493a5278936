//! The local stack the benchmark measures against: tables, queues and secrets from
//! template.yaml in the emulator, a merchant with a key and a webhook endpoint, and a loopback
//! webhook receiver.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use payrail_local::{RunningStack, StartOptions, Template, random_token};
use serde_json::{Value, json};

pub struct Stack {
    pub running: RunningStack,
    http: reqwest::Client,
}

/// A merchant set up for the run.
pub struct Shop {
    pub merchant_id: String,
    pub key: String,
    pub endpoint_id: String,
}

impl Stack {
    /// A fresh stack (its own table prefix); with `event_sources`, the stream and queue
    /// consumers run too.
    pub async fn start(
        template: &Template,
        overrides: &BTreeMap<String, String>,
        event_sources: bool,
    ) -> Self {
        let prefix =
            format!("b{}", &random_token("").to_ascii_lowercase()[..8]).replace(['-', '_'], "x");
        let running = payrail_local::start(
            template,
            StartOptions {
                prefix,
                admin_token: None,
                port: 0,
                overrides: overrides.clone(),
                no_schedules: true,
                no_event_sources: !event_sources,
            },
        )
        .await
        .expect("the local stack starts");
        Self {
            running,
            http: reqwest::Client::new(),
        }
    }

    /// Calls the API and answers the envelope's `data`; anything but success stops the run.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.running.base_url()))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        assert_eq!(v["success"], true, "{v}");
        v["data"].clone()
    }

    /// A merchant (with a limit no run reaches), a full key, and an endpoint at `receiver`.
    pub async fn shop(&self, name: &str, receiver: &str) -> Shop {
        let admin = self.running.admin_token.clone();
        let post = reqwest::Method::POST;
        let merchant = self
            .call(
                post.clone(),
                "/api/v1/merchants",
                &admin,
                Some(json!({"name": name, "rate_limit_per_minute": 100000})),
            )
            .await;
        let merchant_id = merchant["id"].as_str().unwrap().to_owned();
        let key = self
            .call(
                post.clone(),
                "/api/v1/keys",
                &admin,
                Some(json!({"merchant_id": merchant_id, "label": "bench", "scope": "full"})),
            )
            .await["key"]
            .as_str()
            .unwrap()
            .to_owned();
        let endpoint = self
            .call(
                post,
                "/api/v1/webhook-endpoints",
                &key,
                Some(json!({"url": receiver, "description": "bench receiver"})),
            )
            .await;
        Shop {
            merchant_id,
            key,
            endpoint_id: endpoint["id"].as_str().unwrap().to_owned(),
        }
    }
}

/// A webhook receiver on 127.0.0.1 that answers 200 at once and notes when each
/// transaction's `payment.created` arrived.
pub struct Receiver {
    pub url: String,
    count: Arc<std::sync::atomic::AtomicUsize>,
    arrivals: Arc<Mutex<HashMap<String, Instant>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        use http_body_util::{BodyExt, Full};
        use hyper::body::Bytes;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let count: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let arrivals: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
        let (c, a) = (count.clone(), arrivals.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (c, a) = (c.clone(), a.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let (c, a) = (c.clone(), a.clone());
                            async move {
                                let body = req
                                    .into_body()
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                let at = Instant::now();
                                c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                                if let Ok(v) = serde_json::from_slice::<Value>(&body)
                                    && v["type"] == "payment.created"
                                    && let Some(id) = v["data"]["transaction_id"].as_str()
                                {
                                    a.lock().unwrap().entry(id.to_owned()).or_insert(at);
                                }
                                Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                                    Bytes::from_static(b"ok"),
                                )))
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Self {
            url,
            count,
            arrivals,
        }
    }

    pub fn count(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub async fn wait_for(&self, txn: &str, within: Duration) -> Option<Instant> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(at) = self.arrivals.lock().unwrap().get(txn) {
                return Some(*at);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        None
    }
}
