use payrail_tests::TestStack;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn admin_creates_reads_lists_and_updates_merchants() {
    let s = TestStack::start().await;
    let created = s
        .post("/api/v1/merchants", s.admin(), json!({"name": "Acme"}))
        .await;
    created.expect(201);
    let m = created.data().clone();
    assert!(m["id"].as_str().unwrap().starts_with("mer_"));
    assert_eq!(m["name"], "Acme");
    assert_eq!(m["rate_limit_per_minute"], 120);
    assert!(m["created_at"].is_string());

    let id = m["id"].as_str().unwrap();
    let read = s.get(&format!("/api/v1/merchants/{id}"), s.admin()).await;
    read.expect(200);
    assert_eq!(read.data(), &m);

    let other = s.merchant("Other").await;
    let list = s.get("/api/v1/merchants?limit=1", s.admin()).await;
    list.expect(200);
    assert_eq!(list.data()["items"][0]["id"], json!(other), "newest first");
    let cursor = list.data()["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let next = s
        .get(
            &format!("/api/v1/merchants?limit=1&cursor={cursor}"),
            s.admin(),
        )
        .await;
    next.expect(200);
    assert_eq!(next.data()["items"][0]["id"], json!(id));

    let patched = s
        .call(
            Method::PATCH,
            &format!("/api/v1/merchants/{id}"),
            Some(s.admin()),
            Some(json!({"name": "Acme Ltd", "rate_limit_per_minute": 600})),
        )
        .await;
    patched.expect(200);
    assert_eq!(patched.data()["name"], "Acme Ltd");
    assert_eq!(patched.data()["rate_limit_per_minute"], 600);
    let reread = s.get(&format!("/api/v1/merchants/{id}"), s.admin()).await;
    assert_eq!(reread.data()["rate_limit_per_minute"], 600);
}

#[tokio::test]
async fn merchant_routes_need_the_admin_token() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    s.call(Method::GET, "/api/v1/merchants", None, None)
        .await
        .expect_error(401, None);
    s.get("/api/v1/merchants", "not-the-token")
        .await
        .expect_error(401, None);
    let wrong_scheme = s
        .client
        .get(s.url("/api/v1/merchants"))
        .header("authorization", format!("Basic {}", s.admin()))
        .send()
        .await
        .unwrap();
    TestStack::answer(wrong_scheme)
        .await
        .expect_error(401, None);
    s.get("/api/v1/merchants", &key)
        .await
        .expect_error(403, None);
    s.post("/api/v1/merchants", &key, json!({"name": "x"}))
        .await
        .expect_error(403, None);
}

#[tokio::test]
async fn bad_merchant_input_is_rejected_with_field_errors() {
    let s = TestStack::start().await;
    s.post("/api/v1/merchants", s.admin(), json!({}))
        .await
        .expect_error(422, Some("name"));
    s.post("/api/v1/merchants", s.admin(), json!({"name": null}))
        .await
        .expect_error(422, Some("name"));
    s.post("/api/v1/merchants", s.admin(), json!({"name": "  "}))
        .await
        .expect_error(422, Some("name"));
    s.post(
        "/api/v1/merchants",
        s.admin(),
        json!({"name": "x", "rate_limit_per_minute": 0}),
    )
    .await
    .expect_error(422, Some("rate_limit_per_minute"));
    s.post(
        "/api/v1/merchants",
        s.admin(),
        json!({"name": "x", "rate_limit_per_minute": "many"}),
    )
    .await
    .expect_error(422, Some("rate_limit_per_minute"));

    let not_json = s
        .client
        .post(s.url("/api/v1/merchants"))
        .bearer_auth(s.admin())
        .header("content-type", "application/json")
        .body("{name:")
        .send()
        .await
        .unwrap();
    TestStack::answer(not_json).await.expect_error(400, None);
    let wrong_type = s
        .client
        .post(s.url("/api/v1/merchants"))
        .bearer_auth(s.admin())
        .header("content-type", "text/plain")
        .body(r#"{"name": "x"}"#)
        .send()
        .await
        .unwrap();
    TestStack::answer(wrong_type).await.expect_error(400, None);

    let id = s.merchant("Acme").await;
    s.call(
        Method::PATCH,
        &format!("/api/v1/merchants/{id}"),
        Some(s.admin()),
        Some(json!({})),
    )
    .await
    .expect_error(422, None);
    s.get(
        "/api/v1/merchants/mer_01jd0000000000000000000000",
        s.admin(),
    )
    .await
    .expect_error(404, None);
    s.get("/api/v1/merchants/nonsense", s.admin())
        .await
        .expect_error(404, None);
    s.call(
        Method::PATCH,
        "/api/v1/merchants/mer_01jd0000000000000000000000",
        Some(s.admin()),
        Some(json!({"name": "x"})),
    )
    .await
    .expect_error(404, None);
    s.get("/api/v1/merchants?limit=0", s.admin())
        .await
        .expect_error(400, Some("limit"));
    s.get("/api/v1/merchants?cursor=garbage", s.admin())
        .await
        .expect_error(400, Some("cursor"));
}

/// The `rate_limit_per_minute` copy a key item carries.
async fn key_limit(s: &TestStack, key_id: &str) -> Option<String> {
    let app = &s.running.app;
    let out = app
        .dynamodb
        .get_item()
        .table_name(&app.settings.keys_table)
        .key(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S(key_id.to_owned()),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    out.item?
        .get("rate_limit_per_minute")
        .and_then(|v| v.as_n().ok())
        .cloned()
}

#[tokio::test]
async fn a_rate_limit_change_is_all_or_nothing_across_the_merchant_and_its_keys() {
    let s = TestStack::start().await;
    let merchant = s.merchant("Acme").await;
    let mut keys = Vec::new();
    for label in ["a", "b", "c"] {
        let key = s.key_object(&merchant, label, "full").await;
        keys.push(key["id"].as_str().unwrap().to_owned());
    }
    let path = format!("/api/v1/merchants/{merchant}");

    // Every key takes the new limit with the merchant.
    s.patch(&path, s.admin(), json!({"rate_limit_per_minute": 600}))
        .await
        .expect(200);
    for id in &keys {
        assert_eq!(key_limit(&s, id).await.as_deref(), Some("600"));
    }

    // A change that fails part-way (here: an unreadable key item among the merchant's keys)
    // changes nothing, neither the merchant nor any key.
    let app = &s.running.app;
    let broken = payrail::ids::KeyId::generate().to_string();
    app.dynamodb
        .put_item()
        .table_name(&app.settings.keys_table)
        .item("id", aws_sdk_dynamodb::types::AttributeValue::S(broken))
        .item(
            "merchant_id",
            aws_sdk_dynamodb::types::AttributeValue::S(merchant.clone()),
        )
        .send()
        .await
        .unwrap();
    s.patch(&path, s.admin(), json!({"rate_limit_per_minute": 900}))
        .await
        .expect_error(500, None);
    let read = s.get(&path, s.admin()).await;
    assert_eq!(read.data()["rate_limit_per_minute"], 600);
    for id in &keys {
        assert_eq!(key_limit(&s, id).await.as_deref(), Some("600"));
    }
}
