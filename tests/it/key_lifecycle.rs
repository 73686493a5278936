use payrail_tests::{TestStack, payment};
use serde_json::json;

#[tokio::test]
async fn keys_are_listed_without_their_secret() {
    let s = TestStack::start().await;
    let merchant = s.merchant("Acme").await;
    let created = s.key_object(&merchant, "server", "full").await;
    let whole = created["key"].as_str().unwrap();
    let secret = whole.split_once('.').unwrap().1;
    s.key_object(&merchant, "reporting", "read_only").await;

    let listed = s.get("/api/v1/keys", whole).await;
    listed.expect(200);
    let items = listed.data()["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["label"], "reporting", "newest first");
    let text = listed.body.to_string();
    assert!(!text.contains(secret), "a secret was listed");
    for item in items {
        assert!(item.get("key").is_none() && item.get("secret_hash").is_none());
        assert!(item["prefix"].as_str().unwrap().starts_with("prl_key_"));
    }
    // The admin token lists any merchant's keys by merchant_id.
    let by_admin = s
        .get(&format!("/api/v1/keys?merchant_id={merchant}"), s.admin())
        .await;
    by_admin.expect(200);
    assert_eq!(by_admin.data()["items"].as_array().unwrap().len(), 2);
    s.get("/api/v1/keys", s.admin())
        .await
        .expect_error(422, Some("merchant_id"));
}

#[tokio::test]
async fn revoked_key_is_rejected_immediately() {
    let s = TestStack::start().await;
    let merchant = s.merchant("Acme").await;
    let admin_key = s.key(&merchant, "full").await;
    let doomed = s.key_object(&merchant, "doomed", "full").await;
    let doomed_key = doomed["key"].as_str().unwrap();
    s.get("/api/v1/transactions", doomed_key).await.expect(200);

    let revoked = s
        .delete(
            &format!("/api/v1/keys/{}", doomed["id"].as_str().unwrap()),
            &admin_key,
        )
        .await;
    revoked.expect(200);
    assert_eq!(revoked.data()["status"], "revoked");
    assert!(revoked.data()["revoked_at"].is_string());

    let after = s.get("/api/v1/transactions", doomed_key).await;
    after.expect_error(401, None);
    assert!(after.body["message"].as_str().unwrap().contains("revoked"));
    s.post("/api/v1/payment-requests", doomed_key, payment("x"))
        .await
        .expect_error(401, None);
    // Revoking again is harmless and answers the same state.
    let again = s
        .delete(
            &format!("/api/v1/keys/{}", doomed["id"].as_str().unwrap()),
            s.admin(),
        )
        .await;
    again.expect(200);
    assert_eq!(again.data()["status"], "revoked");
}

#[tokio::test]
async fn rotation_issues_a_new_key_and_revokes_the_old_one() {
    let s = TestStack::start().await;
    let merchant = s.merchant("Acme").await;
    let old = s.key_object(&merchant, "checkout server", "full").await;
    let old_key = old["key"].as_str().unwrap();
    let old_id = old["id"].as_str().unwrap();

    let rotated = s
        .post(&format!("/api/v1/keys/{old_id}/rotate"), old_key, json!({}))
        .await;
    rotated.expect(201);
    let new = rotated.data();
    assert_ne!(new["id"], old["id"]);
    assert_eq!(new["label"], "checkout server");
    assert_eq!(new["scope"], "full");
    let new_key = new["key"].as_str().unwrap();

    s.get("/api/v1/transactions", old_key)
        .await
        .expect_error(401, None);
    s.get("/api/v1/transactions", new_key).await.expect(200);
    let listed = s.get("/api/v1/keys", new_key).await;
    let statuses: Vec<_> = listed.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["id"].clone(), k["status"].clone()))
        .collect();
    assert!(statuses.contains(&(json!(old_id), json!("revoked"))));
    assert!(statuses.contains(&(new["id"].clone(), json!("active"))));

    s.post(
        &format!("/api/v1/keys/{old_id}/rotate"),
        s.admin(),
        json!({}),
    )
    .await
    .expect_error(409, None);
}

#[tokio::test]
async fn read_only_keys_cannot_write_anything() {
    let s = TestStack::start().await;
    let merchant = s.merchant("Acme").await;
    let full = s.key_object(&merchant, "full", "full").await;
    let ro = s.key(&merchant, "read_only").await;
    let id = full["id"].as_str().unwrap();
    s.post("/api/v1/keys", &ro, json!({"label": "x"}))
        .await
        .expect_error(403, None);
    s.get("/api/v1/keys", &ro).await.expect_error(403, None);
    s.delete(&format!("/api/v1/keys/{id}"), &ro)
        .await
        .expect_error(403, None);
    s.post(&format!("/api/v1/keys/{id}/rotate"), &ro, json!({}))
        .await
        .expect_error(403, None);
    s.post("/api/v1/payment-requests", &ro, payment("x"))
        .await
        .expect_error(403, None);
    // ... and the full key is untouched.
    s.get("/api/v1/transactions", full["key"].as_str().unwrap())
        .await
        .expect(200);
    s.get("/api/v1/logs", &ro).await.expect(200);
}

#[tokio::test]
async fn another_merchants_key_is_404() {
    let s = TestStack::start().await;
    let (_, key_a) = s.merchant_with_key().await;
    let merchant_b = s.merchant("B").await;
    let b = s.key_object(&merchant_b, "b", "full").await;
    let b_id = b["id"].as_str().unwrap();
    s.delete(&format!("/api/v1/keys/{b_id}"), &key_a)
        .await
        .expect_error(404, None);
    s.post(&format!("/api/v1/keys/{b_id}/rotate"), &key_a, json!({}))
        .await
        .expect_error(404, None);
    let listed = s.get("/api/v1/keys", &key_a).await;
    assert!(!listed.body.to_string().contains(b_id));
    s.get("/api/v1/transactions", b["key"].as_str().unwrap())
        .await
        .expect(200);
    s.delete("/api/v1/keys/not-a-key", &key_a)
        .await
        .expect_error(404, None);
    s.delete("/api/v1/keys/key_01jd0000000000000000000000", &key_a)
        .await
        .expect_error(404, None);
}

#[tokio::test]
async fn last_used_at_follows_use() {
    let s = TestStack::start().await;
    let merchant = s.merchant("Acme").await;
    let key = s.key_object(&merchant, "k", "full").await;
    assert_eq!(key["last_used_at"], json!(null));
    s.get("/api/v1/transactions", key["key"].as_str().unwrap())
        .await
        .expect(200);
    let listed = s
        .get(&format!("/api/v1/keys?merchant_id={merchant}"), s.admin())
        .await;
    assert!(listed.data()["items"][0]["last_used_at"].is_string());
}
