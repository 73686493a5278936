//! Faults, proven against the real binaries: a process killed at the worst moment loses
//! nothing, and what is delivered again carries the same `webhook-id`.

use std::time::Duration;

use payrail_local::runtime_api::RuntimeApi;
use payrail_tests::{Receiver, TestStack, payment};
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
        .post(
            "/api/v1/webhook-endpoints",
            &key,
            json!({"url": receiver.url, "events": ["payment.created"]}),
        )
        .await;
    ep.expect(201);
    s.post("/api/v1/payment-requests", &key, payment("killed-1"))
        .await
        .expect(201);
    let events = s.get("/api/v1/events?type=payment.created", &key).await;
    let event_id = events.data()["items"][0]["id"].as_str().unwrap().to_owned();
    let job = json!({"event_id": event_id, "endpoint_id": ep.data()["id"]});
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
    let log = format!(
        "/api/v1/webhook-endpoints/{}/deliveries",
        ep.data()["id"].as_str().unwrap()
    );
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
