use aws_sdk_dynamodb::types::AttributeValue;
use payrail_tests::TestStack;
use serde_json::json;

#[tokio::test]
async fn admin_creates_a_key_shown_once_and_stored_only_as_a_hash() {
    let s = TestStack::start().await;
    let merchant = s.merchant("Acme").await;
    let res = s
        .post(
            "/api/v1/keys",
            s.admin(),
            json!({"merchant_id": merchant, "label": "server", "scope": "read_only"}),
        )
        .await;
    res.expect(201);
    let key = res.data();
    let whole = key["key"].as_str().unwrap();
    let id = key["id"].as_str().unwrap();
    assert!(id.starts_with("key_"));
    assert_eq!(key["label"], "server");
    assert_eq!(key["scope"], "read_only");
    assert_eq!(key["status"], "active");
    assert_eq!(key["last_used_at"], json!(null));
    assert_eq!(key["prefix"], json!(format!("prl_{id}")));
    let (head, secret) = whole.split_once('.').unwrap();
    assert_eq!(head, format!("prl_{id}"));
    assert!(secret.len() >= 43, "256-bit secret");

    let stored = s
        .running
        .app
        .dynamodb
        .get_item()
        .table_name(&s.running.app.settings.keys_table)
        .key("id", AttributeValue::S(id.into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    for value in stored.values() {
        if let Ok(text) = value.as_s() {
            assert!(!text.contains(secret), "the secret is stored in clear");
        }
    }
    assert!(stored.contains_key("secret_hash"));
}

#[tokio::test]
async fn merchant_full_key_creates_keys_for_its_own_merchant_only() {
    let s = TestStack::start().await;
    let (merchant, full) = s.merchant_with_key().await;
    let other = s.merchant("Other").await;
    let res = s
        .post(
            "/api/v1/keys",
            &full,
            json!({"label": "ci", "merchant_id": other}),
        )
        .await;
    res.expect(201);
    assert_eq!(
        res.data()["merchant_id"],
        json!(merchant),
        "merchant_id is ignored for keys"
    );
    assert_eq!(res.data()["scope"], "full");

    let read_only = s.key(&merchant, "read_only").await;
    s.post("/api/v1/keys", &read_only, json!({"label": "x"}))
        .await
        .expect_error(403, None);
}

#[tokio::test]
async fn bad_key_requests_are_rejected() {
    let s = TestStack::start().await;
    let merchant = s.merchant("Acme").await;
    s.post("/api/v1/keys", s.admin(), json!({"label": "x"}))
        .await
        .expect_error(422, Some("merchant_id"));
    s.post(
        "/api/v1/keys",
        s.admin(),
        json!({"label": "x", "merchant_id": "mer_01jd0000000000000000000000"}),
    )
    .await
    .expect_error(404, None);
    s.post(
        "/api/v1/keys",
        s.admin(),
        json!({"merchant_id": merchant, "label": ""}),
    )
    .await
    .expect_error(422, Some("label"));
    s.post(
        "/api/v1/keys",
        s.admin(),
        json!({"merchant_id": merchant, "label": "x".repeat(101)}),
    )
    .await
    .expect_error(422, Some("label"));
    s.post(
        "/api/v1/keys",
        s.admin(),
        json!({"merchant_id": merchant, "label": "x", "scope": "admin"}),
    )
    .await
    .expect_error(422, Some("scope"));
    s.post(
        "/api/v1/keys",
        s.admin(),
        json!({"merchant_id": merchant, "label": "x", "scope": null}),
    )
    .await
    .expect_error(422, Some("scope"));
    s.post("/api/v1/keys", "prl_key_garbage.x", json!({"label": "x"}))
        .await
        .expect_error(401, None);
}
