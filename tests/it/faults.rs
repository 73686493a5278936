//! Faults, proven against the real binaries: a process killed at the worst moment loses
//! nothing, and what is delivered again carries the same `webhook-id`.

use std::time::Duration;

use payrail_local::runtime_api::RuntimeApi;
use payrail_tests::{NewEndpoint, Receiver, TestStack, payment};
use serde_json::json;

use crate::lambda_runtime::{load, spawn};

#[tokio::test]
async fn a_fanout_killed_between_sending_and_recording_delivers_again_with_the_same_id() {
    let s = TestStack::start_with(&[
        ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
        ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
    ])
    .await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    // The receiver takes its time to answer: the fan-out is killed while it waits.
    receiver.otherwise(200, Duration::from_secs(2));
    let ep = s
        .endpoint(
            &key,
            NewEndpoint::to(&receiver.url).events(&["payment.created"]),
        )
        .await;
    s.post("/api/v1/payment-requests", &key, payment("killed-1"))
        .await
        .expect(201);
    let events = s.get("/api/v1/events?type=payment.created", &key).await;
    let event_id = events.data()["items"][0]["id"].as_str().unwrap().to_owned();
    let job = json!({"event_id": event_id, "endpoint_id": ep.id});
    let mut batch = load("webhook-fanout.json");
    batch["Records"][0]["body"] = json!(job.to_string());

    // Killed once the request has reached the receiver, before the answer is recorded.
    let mut api = RuntimeApi::start().await.unwrap();
    let mut fanout = spawn(&s, &api, "webhook-fanout");
    let kill = async {
        while receiver.deliveries().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        fanout.kill().await.unwrap();
    };
    let (answer, ()) = tokio::join!(api.invoke(batch.clone(), Duration::from_secs(5)), kill);
    assert!(
        answer.is_err(),
        "the killed invocation answered: {answer:?}"
    );
    let log = format!("/api/v1/webhook-endpoints/{}/deliveries", ep.id);
    assert_eq!(
        s.get(&log, &key).await.data()["items"],
        json!([]),
        "nothing was recorded"
    );

    // The message comes back after its visibility timeout, to a new instance.
    let mut api = RuntimeApi::start().await.unwrap();
    let _fanout = spawn(&s, &api, "webhook-fanout");
    let answer = api.invoke(batch, Duration::from_secs(30)).await.unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let got = receiver.deliveries();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].header("webhook-id"), Some(event_id.as_str()));
    assert_eq!(got[1].header("webhook-id"), Some(event_id.as_str()));
    let attempts = s.get(&log, &key).await;
    let attempts = attempts.data()["items"].as_array().unwrap().clone();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0]["outcome"], "succeeded");
    assert_eq!(attempts[0]["event_id"], event_id);
}

/// A TCP proxy to the emulator that can be cut off and restored: connections are refused, and
/// those open are dropped, while it is down, as when the emulator restarts.
struct Outage {
    url: String,
    down: tokio::sync::watch::Sender<bool>,
}

impl Outage {
    async fn start() -> Self {
        let upstream = std::env::var("AWS_ENDPOINT_URL").expect("the emulator's address");
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (down, watch) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if *watch.borrow() {
                    continue; // refused: dropped at once
                }
                let mut watch = watch.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = watch.wait_for(|down| *down) => {}
                    }
                });
            }
        });
        Self { url, down }
    }

    fn set_down(&self, down: bool) {
        self.down.send_replace(down);
    }
}

#[tokio::test]
async fn while_aws_is_unreachable_requests_fail_cleanly_and_resume_after() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    s.endpoint(
        &key,
        NewEndpoint::to(&receiver.url).events(&["payment.created"]),
    )
    .await;
    // The API served through the proxy; the stream and queue consumers reach AWS directly.
    let outage = Outage::start().await;
    let base = crate::aws_timeouts::serve_against(&s, &outage.url).await;
    let client = reqwest::Client::new();
    let create = |order: &'static str| {
        client
            .post(format!("{base}/api/v1/payment-requests"))
            .bearer_auth(&key)
            .json(&payment(order))
            .send()
    };
    let res = TestStack::answer(create("outage-1").await.unwrap()).await;
    assert_eq!(res.status, 201, "{}", res.body);

    outage.set_down(true);
    let res = TestStack::answer(create("outage-2").await.unwrap()).await;
    assert_eq!(
        res.status, 503,
        "unreachable is worth a retry: {}",
        res.body
    );
    assert_eq!(res.body["success"], false);

    // Back: the same request succeeds as new; the failed one left nothing half-written.
    outage.set_down(false);
    let res = TestStack::answer(create("outage-2").await.unwrap()).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let all = s.get("/api/v1/transactions", &key).await;
    assert_eq!(all.data()["items"].as_array().unwrap().len(), 2);

    // Every event reaches the receiver.
    let got = receiver.wait_for(2, Duration::from_secs(30)).await;
    let events = s.get("/api/v1/events?type=payment.created", &key).await;
    let mut expected: Vec<String> = events.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let mut delivered: Vec<String> = got
        .iter()
        .map(|d| d.header("webhook-id").unwrap().to_owned())
        .collect();
    expected.sort();
    delivered.sort();
    assert_eq!(delivered, expected);
}
