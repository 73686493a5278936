//! Canceling a pending payment, a cancel racing a payment, and another attempt for an order
//! whose last attempt ended unpaid.

use payrail_tests::{TestStack, payment};
use serde_json::{Value, json};

async fn status(s: &TestStack, key: &str, id: &str) -> Value {
    let res = s.get(&format!("/api/v1/transactions/{id}"), key).await;
    res.expect(200);
    res.data()["status"].clone()
}

#[tokio::test]
async fn a_canceled_payment_emits_its_event_and_its_page_takes_no_payment() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let (_, other_key) = s.merchant_with_key().await;
    let read_only = s.key(&merchant, "read_only").await;
    let id = s.payment_id(&key, payment("cancel-1")).await;
    let cancel = format!("/api/v1/transactions/{id}/cancel");

    s.post(&cancel, &read_only, json!({}))
        .await
        .expect_error(403, None);
    s.post(&cancel, &other_key, json!({}))
        .await
        .expect_error(404, None);
    assert_eq!(status(&s, &key, &id).await, "pending");

    let res = s.post(&cancel, &key, json!({})).await;
    res.expect(200);
    assert_eq!(res.data()["status"], "canceled");
    assert_eq!(status(&s, &key, &id).await, "canceled");
    assert_eq!(s.count_events(&key, "payment.canceled").await, 1);
    assert_eq!(s.pay(&id, "4242424242424242").await, 409);
    assert_eq!(status(&s, &key, &id).await, "canceled");
    // Canceling again answers the same, and emits nothing more.
    s.post(&cancel, &key, json!({})).await.expect(200);
    assert_eq!(s.count_events(&key, "payment.canceled").await, 1);

    let paid = s.payment_id(&key, payment("cancel-paid")).await;
    assert_eq!(s.pay(&paid, "4242424242424242").await, 303);
    s.post(
        &format!("/api/v1/transactions/{paid}/cancel"),
        &key,
        json!({}),
    )
    .await
    .expect_error(409, None);
    assert_eq!(status(&s, &key, &paid).await, "paid");
}

#[tokio::test]
async fn a_cancel_racing_a_payment_ends_in_exactly_one_of_them() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    for trial in 0..8 {
        let id = s.payment_id(&key, payment(&format!("race-{trial}"))).await;
        let cancel = format!("/api/v1/transactions/{id}/cancel");
        let (canceled, paid) = tokio::join!(
            s.post(&cancel, &key, json!({})),
            s.pay(&id, "4242424242424242"),
        );
        let state = status(&s, &key, &id).await;
        match state.as_str().unwrap() {
            "canceled" => {
                canceled.expect(200);
                assert_eq!(paid, 409);
            }
            "paid" => {
                canceled.expect_error(409, None);
                assert_eq!(paid, 303);
            }
            other => panic!("trial {trial} ended {other}"),
        }
    }
    let canceled = s.count_events(&key, "payment.canceled").await;
    let succeeded = s.count_events(&key, "payment.succeeded").await;
    assert_eq!(canceled + succeeded, 8);
}

#[tokio::test]
async fn an_order_whose_attempt_ended_unpaid_can_be_paid_under_the_same_order_uuid() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let body = payment("order-77");
    let first = s.payment_id(&key, body.clone()).await;
    // While the attempt is pending, the same request replays it.
    let replay = s.post("/api/v1/payment-requests", &key, body.clone()).await;
    replay.expect(200);
    assert_eq!(replay.data()["transaction_id"], json!(first));

    assert_eq!(s.pay(&first, "4000000000000002").await, 303);
    assert_eq!(status(&s, &key, &first).await, "declined");
    let second = s.payment_id(&key, body.clone()).await;
    assert_ne!(second, first);

    s.post(
        &format!("/api/v1/transactions/{second}/cancel"),
        &key,
        json!({}),
    )
    .await
    .expect(200);
    // Another attempt, with other details this time, is a new transaction too.
    let mut changed = body.clone();
    changed["total_amount"] = json!("30.00");
    let third = s.payment_id(&key, changed.clone()).await;
    assert_eq!(s.pay(&third, "4242424242424242").await, 303);

    // Once paid, the order is settled: a replay answers the paid one, other details are 409.
    let replay = s.post("/api/v1/payment-requests", &key, changed).await;
    replay.expect(200);
    assert_eq!(replay.data()["transaction_id"], json!(third));
    s.post("/api/v1/payment-requests", &key, body)
        .await
        .expect_error(409, None);

    let listed = s
        .get("/api/v1/transactions?order_uuid=order-77", &key)
        .await;
    listed.expect(200);
    let ids: Vec<&str> = listed.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["transaction_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [third.as_str(), second.as_str(), first.as_str()]);
    let only_declined = s
        .get(
            "/api/v1/transactions?order_uuid=order-77&status=declined",
            &key,
        )
        .await;
    assert_eq!(only_declined.data()["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_expired_order_can_be_tried_again() {
    let s = TestStack::start_with(&[("PAYRAIL_CHECKOUT_TTL_SECONDS", "1")]).await;
    let (_, key) = s.merchant_with_key().await;
    let first = s.payment_id(&key, payment("order-exp")).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(status(&s, &key, &first).await, "expired");
    let second = s.payment_id(&key, payment("order-exp")).await;
    assert_ne!(second, first);
}
