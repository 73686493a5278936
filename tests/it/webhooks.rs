use std::time::Duration;

use payrail::webhooks::signing;
use payrail_tests::{Delivery, NewEndpoint, Receiver, TestStack, payment};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);

/// The endpoint these tests make, at `url`: described, as a merchant's would be.
fn orders_service(url: &str) -> NewEndpoint {
    NewEndpoint::to(url).description("orders service")
}

/// Verifies a delivery as a receiver would, with `secret`, over the raw bytes.
fn verifies(d: &Delivery, secret: &str) -> bool {
    let key = signing::decode_secret(secret).unwrap();
    let id = d.header("webhook-id").unwrap();
    let ts: i64 = d.header("webhook-timestamp").unwrap().parse().unwrap();
    signing::verify(
        &key,
        id,
        ts,
        &d.body,
        d.header("webhook-signature").unwrap(),
    )
}

/// Verifies a delivery with the `standardwebhooks` package from PyPI: an implementation
/// independent of ours, as a merchant's receiver would use it.
pub(crate) fn python_verifies(d: &Delivery, secret: &str) -> bool {
    use std::io::Write;
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    let headers: serde_json::Map<String, Value> = d
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let mut child = std::process::Command::new(python)
        .arg("-c")
        .arg(
            "import json, sys\nfrom standardwebhooks import Webhook\n\
             Webhook(sys.argv[1]).verify(sys.stdin.buffer.read(), json.loads(sys.argv[2]))",
        )
        .arg(secret)
        .arg(Value::Object(headers).to_string())
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the venv's python runs (make test creates it)");
    child.stdin.take().unwrap().write_all(&d.body).unwrap();
    child.wait().unwrap().success()
}

/// The first attempt disabled the endpoint, which now says why (`reason` is part of it).
async fn assert_disabled_by_delivery(s: &TestStack, key: &str, id: &str, reason: &str) {
    let attempts = s.delivery_log(key, id, 1).await.items().to_vec();
    assert_eq!(attempts[0]["outcome"], "endpoint_disabled");
    let now = s.get(&format!("/api/v1/webhook-endpoints/{id}"), key).await;
    assert_eq!(now.data()["enabled"], false);
    let why = now.data()["disabled_reason"].as_str().unwrap();
    assert!(why.contains(reason), "{why}");
}

/// Records, as failed deliveries would, that every attempt at the endpoint has failed since
/// `since` (unix seconds).
async fn set_failing_since(s: &TestStack, endpoint_id: &str, since: i64) {
    s.running
        .app
        .dynamodb
        .update_item()
        .table_name(&s.running.app.settings.endpoints_table)
        .key(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S(endpoint_id.into()),
        )
        .update_expression("SET failing_since = :t")
        .expression_attribute_values(
            ":t",
            aws_sdk_dynamodb::types::AttributeValue::S(
                payrail::domain::Timestamp::from_unix(since).to_rfc3339(),
            ),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn endpoints_are_created_listed_changed_and_deleted() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (merchant, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    let ep = s.endpoint(&key, orders_service(&receiver.url)).await;
    let id = &ep.id;
    assert!(id.starts_with("ep_"));
    let secret = &ep.secret;
    assert!(secret.starts_with("whsec_"));
    assert!(signing::decode_secret(secret).unwrap().len() >= 24);
    assert_eq!(ep.data["enabled"], true);
    assert_eq!(
        ep.data["events"].as_array().unwrap().len(),
        payrail::events::EventType::ALL.len() - 1,
        "omitted events = every type but webhook.test"
    );

    let listed = s.get("/api/v1/webhook-endpoints", &key).await;
    listed.expect(200);
    assert_eq!(listed.data()["items"][0]["id"], json!(id));
    assert!(
        !listed.body.to_string().contains(secret),
        "lists never show the secret"
    );
    let one = s
        .get(&format!("/api/v1/webhook-endpoints/{id}"), &key)
        .await;
    assert!(one.data().get("secret").is_none());

    let revealed = s
        .get(&format!("/api/v1/webhook-endpoints/{id}/secret"), &key)
        .await;
    assert_eq!(revealed.data()["secret"], json!(secret));

    let changed = s
        .patch(
            &format!("/api/v1/webhook-endpoints/{id}"),
            &key,
            json!({"events": ["payment.succeeded"], "enabled": false, "description": "paid only"}),
        )
        .await;
    changed.expect(200);
    assert_eq!(changed.data()["events"], json!(["payment.succeeded"]));
    assert_eq!(changed.data()["enabled"], false);

    // Another merchant sees none of it; a read-only key reads but cannot change.
    let (_, other) = s.merchant_with_key().await;
    s.get(&format!("/api/v1/webhook-endpoints/{id}"), &other)
        .await
        .expect_error(404, None);
    s.delete(&format!("/api/v1/webhook-endpoints/{id}"), &other)
        .await
        .expect_error(404, None);
    let ro = s.key(&merchant, "read_only").await;
    s.get(&format!("/api/v1/webhook-endpoints/{id}"), &ro)
        .await
        .expect(200);
    s.get(&format!("/api/v1/webhook-endpoints/{id}/secret"), &ro)
        .await
        .expect_error(403, None);
    s.post(
        "/api/v1/webhook-endpoints",
        &ro,
        json!({"url": "https://x.io"}),
    )
    .await
    .expect_error(403, None);

    s.delete(&format!("/api/v1/webhook-endpoints/{id}"), &key)
        .await
        .expect(200);
    s.get(&format!("/api/v1/webhook-endpoints/{id}"), &key)
        .await
        .expect_error(404, None);
}

#[tokio::test]
async fn bad_endpoints_are_refused() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    for (body, field) in [
        (json!({}), "url"),
        (json!({"url": "/relative"}), "url"),
        (json!({"url": "ftp://x.io/"}), "url"),
        (
            json!({"url": "https://x.io", "events": ["payment.settled"]}),
            "events",
        ),
        (
            json!({"url": "https://x.io", "events": "payment.created"}),
            "events",
        ),
        (
            json!({"url": "https://x.io", "description": "d".repeat(501)}),
            "description",
        ),
        (json!({"url": "https://x.io", "enabled": "yes"}), "enabled"),
    ] {
        s.post("/api/v1/webhook-endpoints", &key, body)
            .await
            .expect_error(422, Some(field));
    }
    s.patch(
        "/api/v1/webhook-endpoints/ep_01jd0000000000000000000000",
        &key,
        json!({"enabled": true}),
    )
    .await
    .expect_error(404, None);
}

#[tokio::test]
async fn deployed_defaults_refuse_internal_and_plain_http_targets() {
    // The template's own settings: https only, no private targets.
    let s = TestStack::start_with(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    for url in [
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.8/hook",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://172.16.5.4/hook",
        "https://192.168.1.1/hook",
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",
        "https://[::ffff:127.0.0.1]/hook",
    ] {
        let res = s
            .post("/api/v1/webhook-endpoints", &key, json!({"url": url}))
            .await;
        res.expect_error(422, Some("url"));
    }
    s.post(
        "/api/v1/webhook-endpoints",
        &key,
        json!({"url": "http://hooks.example.com/"}),
    )
    .await
    .expect_error(422, Some("url"));
}

#[tokio::test]
async fn a_payment_event_is_delivered_signed_and_logged() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    let ep = s.endpoint(&key, orders_service(&receiver.url)).await;
    let secret = &ep.secret;

    let created = s
        .post("/api/v1/payment-requests", &key, payment("hook-1"))
        .await;
    created.expect(201);
    let txn = created.data()["transaction_id"].as_str().unwrap();

    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1, "one delivery");
    let d = &got[0];
    assert!(
        verifies(d, secret),
        "the signature verifies over the raw body"
    );
    assert_eq!(d.header("content-type"), Some("application/json"));
    let body = d.json();
    assert_eq!(body["type"], "payment.created");
    assert_eq!(body["data"]["transaction_id"], json!(txn));
    assert!(body["timestamp"].is_string());
    let event_id = d.header("webhook-id").unwrap();
    assert!(event_id.starts_with("evt_"));

    let attempts = s.delivery_log(&key, &ep.id, 1).await.items().to_vec();
    assert_eq!(attempts[0]["outcome"], "succeeded");
    assert_eq!(attempts[0]["status_code"], 200);
    assert_eq!(attempts[0]["event_id"], json!(event_id));

    let events = s.get("/api/v1/events?type=payment.created", &key).await;
    events.expect(200);
    assert_eq!(events.data()["items"][0]["id"], json!(event_id));
    let detail = s.get(&format!("/api/v1/events/{event_id}"), &key).await;
    detail.expect(200);
    assert_eq!(
        detail.data()["payload"]["data"]["transaction_id"],
        json!(txn)
    );
    assert_eq!(detail.data()["attempts"][0]["outcome"], "succeeded");
    s.get("/api/v1/events?type=nope", &key)
        .await
        .expect_error(400, Some("type"));
    let (_, other) = s.merchant_with_key().await;
    s.get(&format!("/api/v1/events/{event_id}"), &other)
        .await
        .expect_error(404, None);
}

#[tokio::test]
async fn only_subscribed_enabled_endpoints_receive_an_event() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let paid_only = Receiver::start().await;
    let disabled = Receiver::start().await;
    let everything = Receiver::start().await;
    s.endpoint(
        &key,
        orders_service(&paid_only.url).events(&["payment.succeeded"]),
    )
    .await;
    let off = s.endpoint(&key, orders_service(&disabled.url)).await;
    s.patch(
        &format!("/api/v1/webhook-endpoints/{}", off.id),
        &key,
        json!({"enabled": false}),
    )
    .await
    .expect(200);
    s.endpoint(&key, orders_service(&everything.url)).await;
    s.post("/api/v1/payment-requests", &key, payment("subs"))
        .await
        .expect(201);
    assert_eq!(everything.wait_for(1, WAIT).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(paid_only.deliveries().is_empty());
    assert!(disabled.deliveries().is_empty());
}

#[tokio::test]
async fn failures_are_retried_with_the_same_webhook_id() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    receiver.answer(&[(500, ""), (503, "retry-after: 1\r\n")]);
    let ep = s.endpoint(&key, orders_service(&receiver.url)).await;
    s.post("/api/v1/payment-requests", &key, payment("retry"))
        .await
        .expect(201);

    let got = receiver.wait_for(3, WAIT).await;
    assert_eq!(got.len(), 3, "two failures, then success");
    let ids: Vec<_> = got
        .iter()
        .map(|d| d.header("webhook-id").unwrap().to_owned())
        .collect();
    assert!(
        ids.iter().all(|id| id == &ids[0]),
        "the same webhook-id on every attempt"
    );
    assert!(
        got.iter().all(|d| d.body == got[0].body),
        "the same bytes on every attempt"
    );

    let attempts = s.delivery_log(&key, &ep.id, 3).await.items().to_vec();
    let outcomes: Vec<_> = attempts
        .iter()
        .rev()
        .map(|a| {
            (
                a["attempt"].clone(),
                a["outcome"].clone(),
                a["status_code"].clone(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (json!(1), json!("retrying"), json!(500)),
            (json!(2), json!("retrying"), json!(503)),
            (json!(3), json!("succeeded"), json!(200)),
        ]
    );
    let endpoint_now = s
        .get(&format!("/api/v1/webhook-endpoints/{}", ep.id), &key)
        .await;
    assert_eq!(
        endpoint_now.data()["failing_since"],
        json!(null),
        "success ends the failure run"
    );
}

#[tokio::test]
async fn a_delivery_that_never_succeeds_ends_on_the_dead_letter_queue() {
    let s = TestStack::start_with_webhooks(&[("PAYRAIL_RETRY_SCHEDULE", "0,1")]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    receiver.answer(&[
        (500, ""),
        (302, "location: http://169.254.169.254/\r\n"),
        (500, ""),
    ]);
    let ep = s.endpoint(&key, orders_service(&receiver.url)).await;
    s.post("/api/v1/payment-requests", &key, payment("dlq"))
        .await
        .expect(201);

    let attempts = s.delivery_log(&key, &ep.id, 2).await.items().to_vec();
    assert_eq!(attempts[0]["outcome"], "failed");
    assert_eq!(attempts[0]["status_code"], 302);
    assert_eq!(attempts[0]["error"], "redirects are not followed");
    assert_eq!(attempts[1]["outcome"], "retrying");
    assert_eq!(
        receiver.deliveries().len(),
        2,
        "the redirect was not followed"
    );

    let dlq = s.running.stack.queue_urls["DeliveriesDeadLetterQueue"].clone();
    let mut kept = Vec::new();
    for _ in 0..20 {
        let out = s
            .running
            .app
            .sqs
            .receive_message()
            .queue_url(&dlq)
            .send()
            .await
            .unwrap();
        kept.extend(out.messages.unwrap_or_default());
        if !kept.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(kept.len(), 1);
    let job: Value = serde_json::from_str(kept[0].body().unwrap()).unwrap();
    assert_eq!(job["endpoint_id"], json!(ep.id));
    let endpoint_now = s
        .get(&format!("/api/v1/webhook-endpoints/{}", ep.id), &key)
        .await;
    assert!(endpoint_now.data()["failing_since"].is_string());
}

#[tokio::test]
async fn gone_410_disables_the_endpoint() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    receiver.answer(&[(410, "")]);
    let ep = s.endpoint(&key, orders_service(&receiver.url)).await;
    let id = &ep.id;
    s.post("/api/v1/payment-requests", &key, payment("gone"))
        .await
        .expect(201);
    assert_disabled_by_delivery(&s, &key, id, "410").await;
    s.post("/api/v1/payment-requests", &key, payment("gone-2"))
        .await
        .expect(201);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        receiver.deliveries().len(),
        1,
        "a disabled endpoint gets nothing"
    );
}

#[tokio::test]
async fn after_rotation_both_secrets_sign_and_test_events_and_resends_arrive() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    let ep = s.endpoint(&key, orders_service(&receiver.url)).await;
    let id = &ep.id;
    let old = ep.secret.clone();
    let rotated = s
        .post(
            &format!("/api/v1/webhook-endpoints/{id}/rotate-secret"),
            &key,
            json!({}),
        )
        .await;
    rotated.expect(200);
    let new = rotated.data()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated.data()["previous_secret_valid_until"].is_string());

    let test = s
        .post(
            &format!("/api/v1/webhook-endpoints/{id}/test"),
            &key,
            json!({}),
        )
        .await;
    test.expect(201);
    let event_id = test.data()["id"].as_str().unwrap().to_owned();
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert_eq!(
        got[0]
            .header("webhook-signature")
            .unwrap()
            .split(' ')
            .count(),
        2
    );
    assert!(verifies(&got[0], &new) && verifies(&got[0], &old));
    assert!(python_verifies(&got[0], &new) && python_verifies(&got[0], &old));

    let resent = s
        .post(
            &format!("/api/v1/events/{event_id}/resend"),
            &key,
            json!({"endpoint_id": id}),
        )
        .await;
    resent.expect(200);
    let got = receiver.wait_for(2, WAIT).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].header("webhook-id"), Some(event_id.as_str()));
    s.post(
        &format!("/api/v1/events/{event_id}/resend"),
        &key,
        json!({"endpoint_id": "ep_nope"}),
    )
    .await
    .expect_error(422, Some("endpoint_id"));
}

#[tokio::test]
async fn an_event_committed_while_delivery_is_down_is_still_delivered() {
    // Delivery is down: the stream and queue consumers are not running when the payment commits.
    let mut s = TestStack::start_with(&[
        ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
        ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
    ])
    .await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    s.endpoint(&key, orders_service(&receiver.url)).await;
    s.post("/api/v1/payment-requests", &key, payment("crash"))
        .await
        .expect(201);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.deliveries().is_empty());

    // The consumers come up later and pick the event up from the stream.
    let _consumers = s.start_webhook_consumers().await;
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["type"], "payment.created");
}

#[tokio::test]
async fn a_receiver_that_hangs_is_a_failed_attempt() {
    let s = TestStack::start_with_webhooks(&[("PAYRAIL_WEBHOOK_TIMEOUT_SECONDS", "1")]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    receiver.answer(&[(0, "")]);
    let ep = s.endpoint(&key, orders_service(&receiver.url)).await;
    s.post("/api/v1/payment-requests", &key, payment("hang"))
        .await
        .expect(201);
    let attempts = s.delivery_log(&key, &ep.id, 2).await.items().to_vec();
    assert_eq!(attempts[1]["outcome"], "retrying");
    assert_eq!(attempts[1]["error"], "no answer within 1 s");
    assert_eq!(attempts[1]["status_code"], json!(null));
    assert_eq!(attempts[0]["outcome"], "succeeded");
}

#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    receiver.answer(&[(500, "")]);
    let ep = s.endpoint(&key, orders_service(&receiver.url)).await;
    let id = &ep.id;
    // Every attempt has failed since six days ago.
    let six_days_ago = payrail::domain::Timestamp::now().unix() - 6 * 24 * 3600;
    set_failing_since(&s, id, six_days_ago).await;
    s.post("/api/v1/payment-requests", &key, payment("five-days"))
        .await
        .expect(201);
    assert_disabled_by_delivery(&s, &key, id, "5 days").await;
    // Enabling it again starts afresh.
    let on = s
        .patch(
            &format!("/api/v1/webhook-endpoints/{id}"),
            &key,
            json!({"enabled": true}),
        )
        .await;
    assert_eq!(on.data()["disabled_reason"], json!(null));
    assert_eq!(on.data()["failing_since"], json!(null));
}

#[tokio::test]
async fn a_target_that_turns_internal_after_registration_is_refused_at_connect_time() {
    // Deployed guard on, plain HTTP allowed so a loopback receiver could otherwise be reached.
    let s = TestStack::start_with_webhooks(&[("PAYRAIL_ALLOW_PRIVATE_TARGETS", "0")]).await;
    let (merchant, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    let app = &s.running.app;
    let merchant_id = payrail::ids::MerchantId::parse(&merchant).unwrap();
    payrail::webhooks::secrets::master_key(app, &merchant_id, true)
        .await
        .unwrap();
    let now = payrail::domain::Timestamp::now();
    for url in [
        receiver.url.clone(),
        receiver.url.replace("127.0.0.1", "localhost"),
    ] {
        // As if the name had resolved to a public address when it was registered.
        let endpoint = payrail::webhooks::WebhookEndpoint {
            id: payrail::ids::EndpointId::generate(),
            merchant_id: merchant_id.clone(),
            url,
            description: String::new(),
            events: vec![],
            enabled: true,
            format: Default::default(),
            headers: Default::default(),
            disabled_reason: None,
            secret_generation: 1,
            previous_valid_until: None,
            failing_since: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        payrail::store::endpoints::insert(app, &endpoint)
            .await
            .unwrap();
        s.post(
            "/api/v1/payment-requests",
            &key,
            payment(endpoint.id.as_str()),
        )
        .await
        .expect(201);
        let attempts = s
            .delivery_log(&key, endpoint.id.as_str(), 1)
            .await
            .items()
            .to_vec();
        let error = attempts[0]["error"].as_str().unwrap();
        assert!(
            error.contains("private") || error.contains("public"),
            "{error}"
        );
    }
    assert!(
        receiver.deliveries().is_empty(),
        "nothing reached the internal address"
    );
}

#[tokio::test]
async fn failing_endpoints_do_not_delay_a_healthy_one() {
    // Three endpoints each: more deliveries than the local consumer has in hand at once.
    const PAYMENTS: usize = 30;
    let s = TestStack::start_with_webhooks(&[("PAYRAIL_WEBHOOK_TIMEOUT_SECONDS", "10")]).await;
    let (_, key) = s.merchant_with_key().await;
    let healthy = Receiver::start().await;
    let failing = Receiver::start().await;
    failing.otherwise(500, Duration::from_millis(500));
    let hanging = Receiver::start().await;
    hanging.otherwise(0, Duration::ZERO);
    let ep = s.endpoint(&key, orders_service(&healthy.url)).await;
    let secret = &ep.secret;
    let failing_id = s.endpoint(&key, orders_service(&failing.url)).await.id;
    let hanging_id = s.endpoint(&key, orders_service(&hanging.url)).await.id;
    let now = payrail::domain::Timestamp::now().unix();
    for id in [&failing_id, &hanging_id] {
        set_failing_since(&s, id, now).await;
    }

    let started = tokio::time::Instant::now();
    let mut txns = std::collections::BTreeSet::new();
    for i in 0..PAYMENTS {
        let created = s
            .post(
                "/api/v1/payment-requests",
                &key,
                payment(&format!("iso-{i}")),
            )
            .await;
        created.expect(201);
        txns.insert(
            created.data()["transaction_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    // Well before an attempt at the hanging endpoint times out.
    let deadline = started + Duration::from_secs(7);
    let mut got = Vec::new();
    while tokio::time::Instant::now() < deadline {
        got = healthy.deliveries();
        if got.len() >= PAYMENTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let received: std::collections::BTreeSet<String> = got
        .iter()
        .filter(|d| verifies(d, secret))
        .map(|d| {
            d.json()["data"]["transaction_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        received.len(),
        PAYMENTS,
        "every event verified at the healthy endpoint within 7 s ({} requests)",
        got.len()
    );
    assert_eq!(received, txns);

    // Meanwhile the failing endpoint is retried, with the same webhook-id, and logged.
    let mut retried = None;
    for _ in 0..100 {
        let attempts = s.delivery_log(&key, &failing_id, 1).await.items().to_vec();
        retried = attempts.into_iter().find(|a| a["attempt"] == 2);
        if retried.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let retried = retried.expect("a second attempt at the failing endpoint is logged");
    assert_eq!(retried["status_code"], 500);
    let event_id = retried["event_id"].as_str().unwrap();
    let sent = failing
        .deliveries()
        .iter()
        .filter(|d| d.header("webhook-id") == Some(event_id))
        .count();
    assert!(sent >= 2, "the retry carried the same webhook-id");
}
