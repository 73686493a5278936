//! The operator's audit log: every change made with the admin token (refusals included), with
//! its route, target, merchant and request id; nothing a merchant's key does; readable only with
//! the admin token, newest first.

use std::time::Duration;

use payrail_tests::{Answer, TestStack};
use serde_json::{Value, json};

/// The log once it holds `n` entries (entries are written just after each answer).
async fn audit_log(s: &TestStack, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let res = s.get("/api/v1/audit-log?limit=100", s.admin()).await;
        res.expect(200);
        let items = res.data()["items"].as_array().unwrap().clone();
        if items.len() >= n {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the audit log did not reach {n} entries");
}

fn request_id(res: &Answer) -> String {
    res.header("x-request-id").unwrap().to_owned()
}

#[tokio::test]
async fn every_admin_change_is_recorded_and_nothing_a_key_does() {
    let s = TestStack::start().await;
    let created = s
        .post(
            "/api/v1/merchants",
            s.admin(),
            json!({"name": "Audited Ltd"}),
        )
        .await;
    created.expect(201);
    let merchant = created.data()["id"].as_str().unwrap().to_owned();
    let renamed = s
        .patch(
            &format!("/api/v1/merchants/{merchant}"),
            s.admin(),
            json!({"rate_limit_per_minute": 300}),
        )
        .await;
    renamed.expect(200);
    let key = s
        .post(
            "/api/v1/keys",
            s.admin(),
            json!({"merchant_id": merchant, "label": "made by ops", "scope": "full"}),
        )
        .await;
    key.expect(201);
    let key_id = key.data()["id"].as_str().unwrap().to_owned();
    let refused = s
        .patch(
            &format!("/api/v1/merchants/{merchant}"),
            s.admin(),
            json!({"rate_limit_per_minute": -1}),
        )
        .await;
    refused.expect_error(422, None);
    let revoked = s.delete(&format!("/api/v1/keys/{key_id}"), s.admin()).await;
    revoked.expect(200);
    // Reads are not changes, and what a merchant's own key does is in its access log instead.
    s.get("/api/v1/merchants", s.admin()).await.expect(200);
    let own = s.key(&merchant, "full").await;
    s.post(
        "/api/v1/payment-requests",
        &own,
        payrail_tests::payment("audit-1"),
    )
    .await
    .expect(201);

    // `key()` above made one more admin change: six in all, newest first.
    let log = audit_log(&s, 6).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log_again = audit_log(&s, 6).await;
    assert_eq!(
        log_again.len(),
        6,
        "exactly the admin changes: {log_again:#?}"
    );
    let summary: Vec<(String, u64, Option<String>)> = log
        .iter()
        .rev()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["status"].as_u64().unwrap(),
                e["target"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        summary[..5],
        [
            (
                "POST /api/v1/merchants".to_owned(),
                201,
                Some(merchant.clone())
            ),
            (
                "PATCH /api/v1/merchants/{id}".to_owned(),
                200,
                Some(merchant.clone())
            ),
            ("POST /api/v1/keys".to_owned(), 201, Some(key_id.clone())),
            (
                "PATCH /api/v1/merchants/{id}".to_owned(),
                422,
                Some(merchant.clone())
            ),
            (
                "DELETE /api/v1/keys/{id}".to_owned(),
                200,
                Some(key_id.clone())
            ),
        ]
    );
    let oldest = &log[log.len() - 1];
    assert_eq!(oldest["request_id"], request_id(&created));
    assert_eq!(oldest["merchant_id"], merchant);
    let key_entry = &log[log.len() - 3];
    assert_eq!(key_entry["merchant_id"], merchant, "named in the body");
    assert_eq!(key_entry["request_id"], request_id(&key));
    assert_eq!(key_entry["path"], "/api/v1/keys");

    // The operator's alone; the cursor pages it.
    s.get("/api/v1/audit-log", &own)
        .await
        .expect_error(403, None);
    let first = s.get("/api/v1/audit-log?limit=2", s.admin()).await;
    let cursor = first.data()["next_cursor"].as_str().unwrap().to_owned();
    let next = s
        .get(
            &format!("/api/v1/audit-log?limit=2&cursor={cursor}"),
            s.admin(),
        )
        .await;
    assert_eq!(next.data()["items"][0]["id"], log[2]["id"]);
    s.get("/api/v1/audit-log?limit=0", s.admin())
        .await
        .expect_error(400, None);
}

#[tokio::test]
async fn what_the_admin_token_does_for_a_merchant_is_recorded_with_the_merchant() {
    let s = TestStack::start().await;
    let (merchant, _) = s.merchant_with_key().await;
    let link = s
        .post(
            &format!("/api/v1/payment-links?merchant_id={merchant}"),
            s.admin(),
            json!({"title": "Ops link", "total_amount": "5",
                   "success_url": "https://shop.example.com/ok",
                   "cancel_url": "https://shop.example.com/"}),
        )
        .await;
    link.expect(201);
    let log = audit_log(&s, 3).await;
    let newest = &log[0];
    assert_eq!(newest["action"], "POST /api/v1/payment-links");
    assert_eq!(newest["merchant_id"], merchant);
    assert_eq!(newest["target"], link.data()["id"]);
    assert_eq!(newest["request_id"], request_id(&link));
}

#[tokio::test]
async fn an_admin_change_refused_for_its_size_is_recorded_in_every_function() {
    let s = TestStack::start().await;
    let (merchant, _) = s.merchant_with_key().await;
    let too_big = json!({"name": "x".repeat(70 * 1024)});
    let routes = [
        ("/api/v1/merchants".to_owned(), "POST /api/v1/merchants"),
        (
            format!("/api/v1/keys?merchant_id={merchant}"),
            "POST /api/v1/keys",
        ),
        (
            format!("/api/v1/webhook-endpoints?merchant_id={merchant}"),
            "POST /api/v1/webhook-endpoints",
        ),
        (
            format!("/api/v1/payment-links?merchant_id={merchant}"),
            "POST /api/v1/payment-links",
        ),
    ];
    let mut ids = Vec::new();
    for (path, _) in &routes {
        let res = s.post(path, s.admin(), too_big.clone()).await;
        res.expect_code(413, "payload_too_large");
        ids.push(request_id(&res));
    }
    // Entries are written just after each answer: wait until every one is in.
    let mut log = Vec::new();
    for _ in 0..100 {
        log = audit_log(&s, 0).await;
        if ids
            .iter()
            .all(|id| log.iter().any(|e| e["request_id"] == json!(id)))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for ((_, action), id) in routes.iter().zip(&ids) {
        let entry = log
            .iter()
            .find(|e| e["request_id"] == json!(id))
            .unwrap_or_else(|| panic!("{action} refused for its size is not in the audit log"));
        assert_eq!(entry["action"], json!(action));
        assert_eq!(entry["status"], 413);
    }
}
