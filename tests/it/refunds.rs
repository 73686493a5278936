//! Refunds: full and partial, exact per currency, never more than was paid whatever the
//! concurrency, idempotent, with their events delivered; every refusal changes nothing.

use std::time::Duration;

use futures_util::future::join_all;
use payrail_tests::{NewEndpoint, Receiver, TestStack, payment};
use serde_json::{Value, json};

const PAID_CARD: &str = "4242424242424242";

/// A paid transaction of `amount` in `currency`.
async fn paid(s: &TestStack, key: &str, order: &str, amount: &str, currency: &str) -> String {
    let mut body = payment(order);
    body["total_amount"] = json!(amount);
    body["currency"] = json!(currency);
    let id = s.payment_id(key, body).await;
    assert_eq!(s.pay(&id, PAID_CARD).await, 303);
    id
}

async fn refund(s: &TestStack, key: &str, id: &str, body: Value) -> payrail_tests::Answer {
    s.post(&format!("/api/v1/transactions/{id}/refunds"), key, body)
        .await
}

async fn txn(s: &TestStack, key: &str, id: &str) -> Value {
    let res = s.get(&format!("/api/v1/transactions/{id}"), key).await;
    res.expect(200);
    res.data().clone()
}

async fn refunds_of(s: &TestStack, key: &str, id: &str) -> Vec<Value> {
    let res = s
        .get(&format!("/api/v1/transactions/{id}/refunds"), key)
        .await;
    res.expect(200);
    res.data()["items"].as_array().unwrap().clone()
}

async fn count_events(s: &TestStack, key: &str, kind: &str) -> usize {
    let res = s.get(&format!("/api/v1/events?type={kind}"), key).await;
    res.expect(200);
    res.data()["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_partial_refund_then_the_rest_refunds_the_payment_with_signed_webhooks() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (_, key) = s.merchant_with_key().await;
    let secret = s
        .endpoint(
            &key,
            NewEndpoint::to(&receiver.url).events(&["refund.succeeded", "payment.refunded"]),
        )
        .await
        .secret;
    let id = paid(&s, &key, "refund-1", "25.00", "USD").await;

    let first = refund(
        &s,
        &key,
        &id,
        json!({"amount": "10.00", "reason": "one mug broken"}),
    )
    .await;
    first.expect(201);
    let r = first.data();
    assert!(r["id"].as_str().unwrap().starts_with("rfd_"));
    assert_eq!(r["transaction_id"], json!(id));
    assert_eq!(r["amount"], "10.00");
    assert_eq!(r["amount_minor"], 1000);
    assert_eq!(r["currency"], "USD");
    assert_eq!(r["status"], "succeeded");
    assert_eq!(r["reason"], "one mug broken");
    let t = txn(&s, &key, &id).await;
    assert_eq!(t["status"], "paid");
    assert_eq!(t["amount_refunded"], "10.00");

    // No amount: all that is left.
    let rest = refund(&s, &key, &id, json!({})).await;
    rest.expect(201);
    assert_eq!(rest.data()["amount"], "15.00");
    let t = txn(&s, &key, &id).await;
    assert_eq!(t["status"], "refunded");
    assert_eq!(t["amount_refunded"], "25.00");
    let listed = refunds_of(&s, &key, &id).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], rest.data()["id"], "newest first");
    assert_eq!(count_events(&s, &key, "refund.succeeded").await, 2);
    assert_eq!(count_events(&s, &key, "payment.refunded").await, 1);

    // Nothing is left: a further refund is refused on `amount`.
    refund(&s, &key, &id, json!({"amount": "0.01"}))
        .await
        .expect_error(422, Some("amount"));

    // The webhooks arrive signed, each with the refund and its transaction.
    let got = receiver.wait_for(3, Duration::from_secs(20)).await;
    // Deliveries are at least once: receivers de-duplicate by `webhook-id`.
    let unique: std::collections::BTreeMap<String, String> = got
        .iter()
        .map(|d| {
            let id = d.header("webhook-id").unwrap().to_owned();
            (id, d.json()["type"].as_str().unwrap().to_owned())
        })
        .collect();
    let mut types: Vec<&String> = unique.values().collect();
    types.sort();
    assert_eq!(
        types,
        ["payment.refunded", "refund.succeeded", "refund.succeeded"]
    );
    let key_bytes = payrail::webhooks::signing::decode_secret(&secret).unwrap();
    for d in &got {
        let ts: i64 = d.header("webhook-timestamp").unwrap().parse().unwrap();
        assert!(payrail::webhooks::signing::verify(
            &key_bytes,
            d.header("webhook-id").unwrap(),
            ts,
            &d.body,
            d.header("webhook-signature").unwrap(),
        ));
        if d.json()["type"] == "refund.succeeded" {
            assert_eq!(d.json()["data"]["transaction"]["transaction_id"], json!(id));
        }
    }
}

#[tokio::test]
async fn twenty_concurrent_refunds_of_sixty_percent_refund_exactly_once() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let id = paid(&s, &key, "refund-race", "100.00", "USD").await;
    let path = format!("/api/v1/transactions/{id}/refunds");
    let answers = join_all((0..20).map(|_| s.post(&path, &key, json!({"amount": "60.00"})))).await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    let refused: Vec<_> = answers.iter().filter(|a| a.status != 201).collect();
    assert_eq!(
        created,
        1,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    for a in refused {
        a.expect_error(422, Some("amount"));
    }
    let t = txn(&s, &key, &id).await;
    assert_eq!(t["amount_refunded"], "60.00");
    assert_eq!(t["status"], "paid");
    assert_eq!(refunds_of(&s, &key, &id).await.len(), 1);
    assert_eq!(count_events(&s, &key, "refund.succeeded").await, 1);
}

#[tokio::test]
async fn refunds_are_exact_in_zero_and_three_decimal_currencies() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let yen = paid(&s, &key, "refund-jpy", "500", "JPY").await;
    let r = refund(&s, &key, &yen, json!({"amount": 200})).await;
    r.expect(201);
    assert_eq!(
        (r.data()["amount"].clone(), r.data()["amount_minor"].clone()),
        (json!("200"), json!(200))
    );
    refund(&s, &key, &yen, json!({"amount": "0.5"}))
        .await
        .expect_error(422, Some("amount"));
    assert_eq!(txn(&s, &key, &yen).await["amount_refunded"], "200");

    let dinar = paid(&s, &key, "refund-kwd", "1.250", "KWD").await;
    let r = refund(&s, &key, &dinar, json!({"amount": "0.125"})).await;
    r.expect(201);
    assert_eq!(r.data()["amount_minor"], 125);
    refund(&s, &key, &dinar, json!({"amount": "0.1255"}))
        .await
        .expect_error(422, Some("amount"));
    let rest = refund(&s, &key, &dinar, json!({})).await;
    rest.expect(201);
    assert_eq!(rest.data()["amount"], "1.125");
    let t = txn(&s, &key, &dinar).await;
    assert_eq!(
        (t["amount_refunded"].clone(), t["status"].clone()),
        (json!("1.250"), json!("refunded"))
    );
}

#[tokio::test]
async fn refusals_change_nothing() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let (_, other_key) = s.merchant_with_key().await;
    let read_only = s.key(&merchant, "read_only").await;
    let id = paid(&s, &key, "refund-refused", "25.00", "USD").await;
    let pending = s.payment_id(&key, payment("refund-pending")).await;
    let canceled = s.payment_id(&key, payment("refund-canceled")).await;
    s.post(
        &format!("/api/v1/transactions/{canceled}/cancel"),
        &key,
        json!({}),
    )
    .await
    .expect(200);

    for (body, field) in [
        (json!({"amount": 0}), "amount"),
        (json!({"amount": "-1.00"}), "amount"),
        (json!({"amount": "1.001"}), "amount"),
        (json!({"amount": "25.01"}), "amount"),
        (json!({"amount": "ten"}), "amount"),
        (json!({"amount": true}), "amount"),
        (json!({"reason": 7}), "reason"),
        (json!({"reason": "x".repeat(501)}), "reason"),
    ] {
        refund(&s, &key, &id, body)
            .await
            .expect_error(422, Some(field));
    }
    refund(&s, &key, &pending, json!({}))
        .await
        .expect_error(409, None);
    refund(&s, &key, &canceled, json!({}))
        .await
        .expect_error(409, None);
    refund(&s, &read_only, &id, json!({}))
        .await
        .expect_error(403, None);
    refund(&s, &other_key, &id, json!({}))
        .await
        .expect_error(404, None);
    s.call(
        reqwest::Method::GET,
        &format!("/api/v1/transactions/{id}/refunds"),
        Some(&other_key),
        None,
    )
    .await
    .expect_error(404, None);
    let bad_json = s
        .client
        .post(s.url(&format!("/api/v1/transactions/{id}/refunds")))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 400);

    for txn_id in [&id, &pending, &canceled] {
        assert!(refunds_of(&s, &key, txn_id).await.is_empty());
    }
    let t = txn(&s, &key, &id).await;
    assert_eq!(
        (t["status"].clone(), t["amount_refunded"].clone()),
        (json!("paid"), json!("0.00"))
    );
    assert_eq!(count_events(&s, &key, "refund.succeeded").await, 0);
    assert_eq!(count_events(&s, &key, "refund.failed").await, 0);
}

#[tokio::test]
async fn the_same_idempotency_key_answers_the_same_refund() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let id = paid(&s, &key, "refund-idem", "25.00", "USD").await;
    let send = |body: Value| {
        s.client
            .post(s.url(&format!("/api/v1/transactions/{id}/refunds")))
            .bearer_auth(&key)
            .header("idempotency-key", "refund-order-1")
            .json(&body)
            .send()
    };
    let first = TestStack::answer(send(json!({"amount": "5.00"})).await.unwrap()).await;
    first.expect(201);
    let again = TestStack::answer(send(json!({"amount": "5.00"})).await.unwrap()).await;
    again.expect(200);
    assert_eq!(again.data()["id"], first.data()["id"]);
    let other = TestStack::answer(send(json!({"amount": "6.00"})).await.unwrap()).await;
    other.expect_error(409, None);
    assert_eq!(refunds_of(&s, &key, &id).await.len(), 1);
    assert_eq!(txn(&s, &key, &id).await["amount_refunded"], "5.00");
}

#[tokio::test]
async fn a_refused_refund_is_failed_and_gives_the_amount_back() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut body = payment("refund-fails");
    body["total_amount"] = json!("30.00");
    let id = s.payment_id(&key, body).await;
    assert_eq!(s.pay(&id, "4000000000005126").await, 303);
    let r = refund(&s, &key, &id, json!({"amount": "30.00"})).await;
    r.expect(201);
    assert_eq!(r.data()["status"], "failed");
    assert_eq!(r.data()["failure_reason"], "refund_failed");
    let t = txn(&s, &key, &id).await;
    assert_eq!(
        (t["status"].clone(), t["amount_refunded"].clone()),
        (json!("paid"), json!("0.00"))
    );
    assert_eq!(count_events(&s, &key, "refund.failed").await, 1);
    // The amount was given back: the whole of it can be asked for again.
    refund(&s, &key, &id, json!({"amount": "30.00"}))
        .await
        .expect(201);
}
