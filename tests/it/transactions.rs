use payrail_tests::{TestStack, payment};
use serde_json::json;

#[tokio::test]
async fn another_merchants_transaction_is_404() {
    let s = TestStack::start().await;
    let (_, key_a) = s.merchant_with_key().await;
    let (_, key_b) = s.merchant_with_key().await;
    let created = s
        .post("/api/v1/payment-requests", &key_a, payment("o1"))
        .await;
    let id = created.data()["transaction_id"].as_str().unwrap();
    s.get(&format!("/api/v1/transactions/{id}"), &key_a)
        .await
        .expect(200);
    s.get(&format!("/api/v1/transactions/{id}"), &key_b)
        .await
        .expect_error(404, None);
    let listed = s.get("/api/v1/transactions?order_uuid=o1", &key_b).await;
    listed.expect(200);
    assert_eq!(listed.data()["items"], json!([]));
    s.get(
        "/api/v1/transactions/txn_01jd0000000000000000000000",
        &key_a,
    )
    .await
    .expect_error(404, None);
    s.get("/api/v1/transactions/not-an-id", &key_a)
        .await
        .expect_error(404, None);
}

#[tokio::test]
async fn read_only_keys_read_and_missing_credentials_are_401() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let read_only = s.key(&merchant, "read_only").await;
    let created = s
        .post("/api/v1/payment-requests", &key, payment("o1"))
        .await;
    let id = created.data()["transaction_id"].as_str().unwrap();
    s.get(&format!("/api/v1/transactions/{id}"), &read_only)
        .await
        .expect(200);
    s.get("/api/v1/transactions", &read_only).await.expect(200);
    let anonymous = s
        .client
        .get(s.url("/api/v1/transactions"))
        .send()
        .await
        .unwrap();
    TestStack::answer(anonymous).await.expect_error(401, None);
    s.get("/api/v1/transactions", s.admin())
        .await
        .expect_error(403, None);
}

#[tokio::test]
async fn list_pages_newest_first_without_gaps_or_repeats() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut created = Vec::new();
    for i in 0..5 {
        let res = s
            .post("/api/v1/payment-requests", &key, payment(&format!("p{i}")))
            .await;
        created.push(res.data()["transaction_id"].as_str().unwrap().to_owned());
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut path = "/api/v1/transactions?limit=2".to_owned();
    loop {
        let page = s.get(&path, &key).await;
        page.expect(200);
        for item in page.data()["items"].as_array().unwrap() {
            seen.push(item["transaction_id"].as_str().unwrap().to_owned());
        }
        match page.data()["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/transactions?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, created);
}

#[tokio::test]
async fn list_filters_by_order_uuid_and_status() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    s.post("/api/v1/payment-requests", &key, payment("keep"))
        .await
        .expect(201);
    s.post("/api/v1/payment-requests", &key, payment("other"))
        .await
        .expect(201);
    let by_order = s.get("/api/v1/transactions?order_uuid=keep", &key).await;
    by_order.expect(200);
    let items = by_order.data()["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["order_uuid"], "keep");
    assert_eq!(by_order.data()["next_cursor"], json!(null));

    let pending = s.get("/api/v1/transactions?status=pending", &key).await;
    assert_eq!(pending.data()["items"].as_array().unwrap().len(), 2);
    let paid = s.get("/api/v1/transactions?status=paid", &key).await;
    assert_eq!(paid.data()["items"], json!([]));

    s.get("/api/v1/transactions?status=settled", &key)
        .await
        .expect_error(400, Some("status"));
    s.get("/api/v1/transactions?limit=101", &key)
        .await
        .expect_error(400, Some("limit"));
    s.get("/api/v1/transactions?limit=abc", &key)
        .await
        .expect_error(400, Some("limit"));
    s.get("/api/v1/transactions?cursor=bm9wZQ", &key)
        .await
        .expect_error(400, Some("cursor"));
}

#[tokio::test]
async fn pending_past_expiry_reads_as_expired_everywhere() {
    let s = TestStack::start_with(&[("PAYRAIL_CHECKOUT_TTL_SECONDS", "2")]).await;
    let (_, key) = s.merchant_with_key().await;
    let created = s
        .post("/api/v1/payment-requests", &key, payment("soon"))
        .await;
    created.expect(201);
    let t = created.data();
    let id = t["transaction_id"].as_str().unwrap();
    assert_eq!(t["status"], "pending");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;

    let read = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
    assert_eq!(read.data()["status"], "expired");
    let expired = s.get("/api/v1/transactions?status=expired", &key).await;
    assert_eq!(expired.data()["items"][0]["transaction_id"], json!(id));
    let pending = s.get("/api/v1/transactions?status=pending", &key).await;
    assert_eq!(pending.data()["items"], json!([]));
}
