//! Nothing committed is lost between an event and its deliveries: every new event waits in
//! the outbox (the events table's sparse `undispatched` index) until its jobs are queued. The
//! stream dispatches it within moments; when the stream cannot (the dispatcher down for longer
//! than the stream keeps records), the reconciler does, and never twice.

use std::collections::BTreeSet;
use std::time::Duration;

use payrail::domain::Timestamp;
use payrail_tests::{NewEndpoint, Receiver, TestStack, payment};

/// Event ids of the merchant's `payment.created` events.
async fn created_events(s: &TestStack, key: &str) -> BTreeSet<String> {
    let res = s.get("/api/v1/events?type=payment.created", key).await;
    res.expect(200);
    res.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn sweep(s: &TestStack) -> serde_json::Value {
    payrail_local::scheduled::invoke("webhook-dispatch", &s.running.app)
        .await
        .expect("the reconciler runs")
}

/// The delivery jobs waiting on the queue, as (event, endpoint).
async fn queued_jobs(s: &TestStack) -> BTreeSet<(String, String)> {
    let mut jobs = BTreeSet::new();
    for _ in 0..5 {
        let out = s
            .running
            .app
            .sqs
            .receive_message()
            .queue_url(&s.running.app.settings.delivery_queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for m in messages {
            let job: serde_json::Value = serde_json::from_str(m.body().unwrap()).unwrap();
            jobs.insert((
                job["event_id"].as_str().unwrap().to_owned(),
                job["endpoint_id"].as_str().unwrap().to_owned(),
            ));
        }
    }
    jobs
}

#[tokio::test]
async fn events_the_stream_never_dispatched_are_dispatched_by_the_reconciler_once() {
    // No stream consumer at all: as if the dispatcher had been down past the stream's 24 hours.
    let s = TestStack::start_with(&[
        ("PAYRAIL_DISPATCH_GRACE_SECONDS", "0"),
        ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
        ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
    ])
    .await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    let ep_id = s
        .endpoint(
            &key,
            NewEndpoint::to(&receiver.url).events(&["payment.created"]),
        )
        .await
        .id;
    for order in ["outbox-1", "outbox-2", "outbox-3"] {
        s.post("/api/v1/payment-requests", &key, payment(order))
            .await
            .expect(201);
    }
    let events = created_events(&s, &key).await;
    assert_eq!(events.len(), 3);
    // The reconciler takes only events older than the grace period (whole seconds).
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let swept = sweep(&s).await;
    assert_eq!(swept["queued"], 3, "{swept}");
    let expected: BTreeSet<(String, String)> =
        events.iter().map(|e| (e.clone(), ep_id.clone())).collect();
    assert_eq!(queued_jobs(&s).await, expected);

    // Run again, and once more as a late stream retry would: nothing is queued twice.
    let again = sweep(&s).await;
    assert_eq!(again["queued"], 0, "{again}");
    let all: Vec<payrail::events::Event> = {
        let mut all = Vec::new();
        for id in &events {
            let id = payrail::ids::EventId::parse(id).unwrap();
            all.push(
                payrail::store::events::get(&s.running.app, &id)
                    .await
                    .unwrap()
                    .unwrap(),
            );
        }
        all
    };
    let retried = payrail::webhooks::dispatch::dispatch(&s.running.app, &all).await;
    assert_eq!((retried.queued, retried.already_done), (0, 3));
    assert!(queued_jobs(&s).await.is_empty());
    let left = payrail::store::events::undispatched_before(&s.running.app, Timestamp::now(), 100)
        .await
        .unwrap();
    assert!(left.is_empty(), "the outbox is empty: {left:?}");
}

#[tokio::test]
async fn a_dispatcher_down_for_a_while_delivers_every_event_once_it_is_back() {
    let mut s = TestStack::start_with(&[
        ("PAYRAIL_DISPATCH_GRACE_SECONDS", "0"),
        ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
        ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
    ])
    .await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    s.endpoint(
        &key,
        NewEndpoint::to(&receiver.url).events(&["payment.created"]),
    )
    .await;
    for order in ["down-1", "down-2", "down-3", "down-4"] {
        s.post("/api/v1/payment-requests", &key, payment(order))
            .await
            .expect(201);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.deliveries().is_empty(), "nothing dispatched yet");

    // The dispatcher and the fan-out come back: the stream's backlog is delivered.
    let _consumers = s.start_webhook_consumers().await;
    let got = receiver.wait_for(4, Duration::from_secs(30)).await;
    let ids: BTreeSet<String> = got
        .iter()
        .map(|d| d.header("webhook-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids, created_events(&s, &key).await);
    // Every event has its delivery, and the reconciler finds nothing left to do.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(sweep(&s).await["queued"], 0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        receiver.deliveries().len(),
        4,
        "no event was delivered twice"
    );
}
