//! Getting deliveries going again after an outage: an endpoint's failed deliveries re-sent
//! since a time, and the dead-letter queue redriven by the operator. Every re-sent delivery
//! keeps its event's `webhook-id`, so a receiver that already has one recognises it.

use std::collections::BTreeSet;
use std::time::Duration;

use payrail::domain::Timestamp;
use payrail_tests::{NewEndpoint, Receiver, TestStack, payment};
use serde_json::{Value, json};

/// An endpoint at `url` for `payment.created` only: one delivery per payment.
fn created_only(url: &str) -> NewEndpoint {
    NewEndpoint::to(url).events(&["payment.created"])
}

/// The endpoint's attempts once every one of `events` has a last attempt that `done` accepts.
async fn settled(
    s: &TestStack,
    key: &str,
    endpoint: &str,
    events: usize,
    done: &str,
) -> Vec<Value> {
    for _ in 0..150 {
        let res = s
            .get(
                &format!("/api/v1/webhook-endpoints/{endpoint}/deliveries?limit=100"),
                key,
            )
            .await;
        let items = res.data()["items"].as_array().unwrap().clone();
        // Newest first: the first attempt seen of an event is its last.
        let mut last = std::collections::BTreeMap::new();
        for a in &items {
            last.entry(a["event_id"].as_str().unwrap().to_owned())
                .or_insert_with(|| a["outcome"].as_str().unwrap().to_owned());
        }
        if last.len() == events && last.values().all(|o| o == done) {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the deliveries to {endpoint} did not all end {done}");
}

fn webhook_ids(receiver: &Receiver, skip: usize) -> BTreeSet<String> {
    receiver
        .deliveries()
        .iter()
        .skip(skip)
        .map(|d| d.header("webhook-id").unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_receiver_down_longer_than_the_retries_gets_everything_with_recover() {
    let s = TestStack::start_with_webhooks(&[("PAYRAIL_RETRY_SCHEDULE", "0,1")]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    receiver.otherwise(503, Duration::ZERO);
    let ep = s.endpoint(&key, created_only(&receiver.url)).await.id;
    let since = Timestamp::from_unix(Timestamp::now().unix() - 60).to_rfc3339();
    for order in ["recover-1", "recover-2"] {
        s.post("/api/v1/payment-requests", &key, payment(order))
            .await
            .expect(201);
    }
    settled(&s, &key, &ep, 2, "failed").await;
    let failed_count = receiver.deliveries().len();
    let sent_before = webhook_ids(&receiver, 0);
    assert_eq!(sent_before.len(), 2);

    // The receiver is back; one call re-sends both, with the events' own webhook-ids.
    receiver.otherwise(200, Duration::ZERO);
    let path = format!("/api/v1/webhook-endpoints/{ep}/recover");
    let res = s.post(&path, &key, json!({"since": since})).await;
    res.expect(200);
    assert_eq!(res.data()["queued"], 2, "{}", res.body);
    assert_eq!(res.data()["more"], false);
    let queued: BTreeSet<String> = res.data()["event_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(queued, sent_before);
    receiver
        .wait_for(failed_count + 2, Duration::from_secs(30))
        .await;
    assert_eq!(webhook_ids(&receiver, failed_count), sent_before);
    settled(&s, &key, &ep, 2, "succeeded").await;

    // Nothing is left to recover; a time before the window, in the future or unreadable is
    // refused, as is a disabled endpoint.
    let again = s.post(&path, &key, json!({"since": since})).await;
    again.expect(200);
    assert_eq!(again.data()["queued"], 0);
    let long_ago = Timestamp::from_unix(Timestamp::now().unix() - 31 * 24 * 3600).to_rfc3339();
    let later = Timestamp::from_unix(Timestamp::now().unix() + 3600).to_rfc3339();
    for body in [
        json!({}),
        json!({"since": "yesterday"}),
        json!({"since": long_ago}),
        json!({"since": later}),
        json!({"since": 5}),
    ] {
        s.post(&path, &key, body)
            .await
            .expect_error(422, Some("since"));
    }
    s.patch(
        &format!("/api/v1/webhook-endpoints/{ep}"),
        &key,
        json!({"enabled": false}),
    )
    .await
    .expect(200);
    s.post(&path, &key, json!({"since": since}))
        .await
        .expect_error(409, None);
    let (_, other) = s.merchant_with_key().await;
    s.post(&path, &other, json!({"since": since}))
        .await
        .expect_error(404, None);
    assert_eq!(
        receiver.deliveries().len(),
        failed_count + 2,
        "refusals send nothing"
    );
}

/// Five recoveries at once queue each failed event once: one runs, the others are told one is
/// running.
#[tokio::test]
async fn concurrent_recoveries_queue_each_failed_event_once() {
    let s = TestStack::start_with_webhooks(&[("PAYRAIL_RETRY_SCHEDULE", "0")]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    receiver.otherwise(503, Duration::ZERO);
    let ep = s.endpoint(&key, created_only(&receiver.url)).await.id;
    let since = Timestamp::from_unix(Timestamp::now().unix() - 60).to_rfc3339();
    for order in ["once-1", "once-2", "once-3"] {
        s.post("/api/v1/payment-requests", &key, payment(order))
            .await
            .expect(201);
    }
    settled(&s, &key, &ep, 3, "failed").await;
    let failed_count = receiver.deliveries().len();
    receiver.otherwise(200, Duration::ZERO);

    let path = format!("/api/v1/webhook-endpoints/{ep}/recover");
    let answers = futures_util::future::join_all(
        (0..5).map(|_| s.post(&path, &key, json!({"since": since}))),
    )
    .await;
    let queued: u64 = answers
        .iter()
        .filter(|a| a.status == 200)
        .map(|a| a.data()["queued"].as_u64().unwrap())
        .sum();
    for a in answers.iter().filter(|a| a.status != 200) {
        a.expect_code(409, "concurrent_change");
    }
    assert_eq!(queued, 3, "each failed event queued once");
    receiver
        .wait_for(failed_count + 3, Duration::from_secs(30))
        .await;
    settled(&s, &key, &ep, 3, "succeeded").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.deliveries().len(), failed_count + 3);
}

#[tokio::test]
async fn the_operator_redrives_the_dead_letter_queue() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    let ep = s.endpoint(&key, created_only(&receiver.url)).await.id;
    s.post("/api/v1/payment-requests", &key, payment("dlq-1"))
        .await
        .expect(201);
    receiver.wait_for(1, Duration::from_secs(30)).await;
    let events = s.get("/api/v1/events?type=payment.created", &key).await;
    let event_id = events.data()["items"][0]["id"].as_str().unwrap().to_owned();

    // A job given up on, and a message that is no job at all.
    let dlq = &s.running.app.settings.delivery_dlq_url;
    for body in [
        json!({"event_id": event_id, "endpoint_id": ep, "attempt": 8, "due": 0}).to_string(),
        "not a job".to_owned(),
    ] {
        s.running
            .app
            .sqs
            .send_message()
            .queue_url(dlq)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let seen = s.get("/api/v1/dead-letters", s.admin()).await;
    seen.expect(200);
    assert_eq!(seen.data()["approximate_messages"], 2);

    let res = s
        .post("/api/v1/dead-letters/redrive", s.admin(), json!({}))
        .await;
    res.expect(200);
    assert_eq!(
        (
            res.data()["moved"].as_u64(),
            res.data()["unreadable"].as_u64()
        ),
        (Some(1), Some(1)),
        "{}",
        res.body
    );
    let got = receiver.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(got[1].header("webhook-id"), Some(event_id.as_str()));
    assert_eq!(got[1].json()["type"], "payment.created");

    // The operator's alone, and bounded.
    s.get("/api/v1/dead-letters", &key)
        .await
        .expect_error(403, None);
    s.post("/api/v1/dead-letters/redrive", &key, json!({}))
        .await
        .expect_error(403, None);
    for max in [json!(0), json!(10_001), json!("all")] {
        s.post(
            "/api/v1/dead-letters/redrive",
            s.admin(),
            json!({"max": max}),
        )
        .await
        .expect_error(422, Some("max"));
    }
}
