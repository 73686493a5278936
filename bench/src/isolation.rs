//! `scripts/delivery-isolation.sh`: does a failing endpoint delay a healthy one? One merchant
//! with three endpoints on loopback: a healthy receiver, one answering 500 after a second, and
//! one that never answers (each attempt runs into the delivery timeout). N payments are created
//! quickly on a local stack running its stream and queue consumers, with the deployed delivery
//! settings (15 s timeout, the Standard Webhooks retry schedule); the run measures how long
//! the healthy receiver takes to get every `payment.created`, giving up after a time limit.
//!
//! `ISOLATION_PAYMENTS` (default 50) and `ISOLATION_LIMIT_SECONDS` (default 120) bound it.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use http_body_util::Full;
use hyper::body::Bytes;
use payrail_local::{RunningStack, StartOptions, Template, default_template_path, random_token};
use serde_json::{Value, json};

/// How a receiver answers.
#[derive(Clone, Copy)]
enum Behaviour {
    Healthy,
    SlowFailure,
    Hang,
}

/// A loopback receiver that notes the distinct `webhook-id`s it was sent.
struct Receiver {
    url: String,
    requests: Arc<Mutex<(usize, HashSet<String>)>>,
}

impl Receiver {
    async fn start(behaviour: Behaviour) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let requests: Arc<Mutex<(usize, HashSet<String>)>> = Arc::default();
        let seen = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let seen = seen.clone();
                            async move {
                                let id = req
                                    .headers()
                                    .get("webhook-id")
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or_default()
                                    .to_owned();
                                {
                                    let mut seen = seen.lock().unwrap();
                                    seen.0 += 1;
                                    seen.1.insert(id);
                                }
                                let status = match behaviour {
                                    Behaviour::Healthy => 200,
                                    Behaviour::SlowFailure => {
                                        tokio::time::sleep(Duration::from_secs(1)).await;
                                        500
                                    }
                                    Behaviour::Hang => {
                                        tokio::time::sleep(Duration::from_secs(3600)).await;
                                        500
                                    }
                                };
                                let mut res = hyper::Response::new(Full::new(Bytes::from("ok")));
                                *res.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                                Ok::<_, std::convert::Infallible>(res)
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Self { url, requests }
    }

    /// (requests, distinct events)
    fn counts(&self) -> (usize, usize) {
        let seen = self.requests.lock().unwrap();
        (seen.0, seen.1.len())
    }
}

async fn call(stack: &RunningStack, path: &str, token: &str, body: Value) -> Value {
    let res: Value = reqwest::Client::new()
        .post(format!("{}{path}", stack.base_url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["success"], true, "{res}");
    res["data"].clone()
}

/// Jobs waiting on each delivery queue (visible, in flight, and delayed).
async fn queued(stack: &RunningStack) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (name, url) in &stack.stack.queue_urls {
        let attrs = stack
            .app
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default();
        let count: u64 = [
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
            QueueAttributeName::ApproximateNumberOfMessagesDelayed,
        ]
        .iter()
        .filter_map(|a| attrs.get(a)?.parse::<u64>().ok())
        .sum();
        out.insert(name.clone(), count);
    }
    out
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let payments = setting("ISOLATION_PAYMENTS", 50) as usize;
    let limit = Duration::from_secs(setting("ISOLATION_LIMIT_SECONDS", 120));
    let template = Template::load(&default_template_path()).unwrap();
    let prefix =
        format!("i{}", &random_token("").to_ascii_lowercase()[..8]).replace(['-', '_'], "x");
    let stack = payrail_local::start(
        &template,
        StartOptions {
            prefix,
            admin_token: None,
            port: 0,
            overrides: [
                ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
                ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            no_schedules: true,
            no_event_sources: false,
        },
    )
    .await
    .expect("the local stack starts");

    let healthy = Receiver::start(Behaviour::Healthy).await;
    let slow = Receiver::start(Behaviour::SlowFailure).await;
    let hang = Receiver::start(Behaviour::Hang).await;
    let admin = stack.admin_token.clone();
    let merchant = call(
        &stack,
        "/api/v1/merchants",
        &admin,
        json!({"name": "Isolation", "rate_limit_per_minute": 100000}),
    )
    .await;
    let key = call(
        &stack,
        "/api/v1/keys",
        &admin,
        json!({"merchant_id": merchant["id"], "label": "bench", "scope": "full"}),
    )
    .await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    for receiver in [&healthy, &slow, &hang] {
        call(
            &stack,
            "/api/v1/webhook-endpoints",
            &key,
            json!({"url": receiver.url, "events": ["payment.created"]}),
        )
        .await;
    }

    // Created as fast as the API answers, eight at a time.
    let started = Instant::now();
    let orders: Vec<usize> = (0..payments).collect();
    for chunk in orders.chunks(8) {
        let creates = chunk.iter().map(|i| {
            let body = json!({
                "order_uuid": format!("isolation-{i}"),
                "total_amount": "25.00",
                "currency": "USD",
                "email": "ann@example.com",
                "success_url": "https://shop.example.com/ok",
                "cancel_url": "https://shop.example.com/cancel",
                "product_title": "Blue mug",
            });
            call(&stack, "/api/v1/payment-requests", &key, body)
        });
        futures_util::future::join_all(creates).await;
    }
    let created_in = started.elapsed();

    let mut all_in = None;
    while started.elapsed() < limit {
        if healthy.counts().1 >= payments {
            all_in = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let report = json!({
        "payments": payments,
        "created_in_s": created_in.as_secs_f64(),
        "healthy_received": healthy.counts().1,
        "healthy_all_in_s": all_in.map(|d| d.as_secs_f64()),
        "limit_s": limit.as_secs(),
        "slow_500_requests": slow.counts().0,
        "hanging_requests": hang.counts().0,
        "jobs_queued": queued(&stack).await,
    });
    match all_in {
        Some(t) => println!(
            "every one of {payments} events reached the healthy endpoint {:.1} s after the first payment",
            t.as_secs_f64()
        ),
        None => println!(
            "{} of {payments} events reached the healthy endpoint within {} s",
            healthy.counts().1,
            limit.as_secs()
        ),
    }
    println!("{report}");
}
