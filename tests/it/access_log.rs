use std::time::Duration;

use payrail_tests::{TestStack, ensure_minute_has, payment};
use serde_json::{Value, json};

/// The log is written after the response; poll until it holds `n` entries.
async fn logs(s: &TestStack, token: &str, n: usize) -> Value {
    for _ in 0..50 {
        let res = s.get("/api/v1/logs?limit=100", token).await;
        res.expect(200);
        // This very read is logged too, after it answers; count what came before it.
        if res.data()["items"].as_array().unwrap().len() >= n {
            return res.data().clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the access log never reached {n} entries");
}

#[tokio::test]
async fn every_authenticated_request_is_logged_without_bodies_or_keys() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let created = s
        .post("/api/v1/payment-requests", &key, payment("log-1"))
        .await;
    created.expect(201);
    s.get("/api/v1/transactions/txn_01jd0000000000000000000000", &key)
        .await
        .expect(404);
    let data = logs(&s, &key, 2).await;
    let items = data["items"].as_array().unwrap();
    let mine: Vec<&Value> = items
        .iter()
        .filter(|e| e["path"] != "/api/v1/logs")
        .collect();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0]["method"], "GET", "newest first");
    assert_eq!(
        mine[0]["path"],
        "/api/v1/transactions/txn_01jd0000000000000000000000"
    );
    assert_eq!(mine[0]["status"], 404);
    assert_eq!(mine[1]["method"], "POST");
    assert_eq!(mine[1]["path"], "/api/v1/payment-requests");
    assert_eq!(mine[1]["status"], 201);
    let key_id = key.strip_prefix("prl_").unwrap().split_once('.').unwrap().0;
    for entry in &mine {
        assert_eq!(entry["key_id"], json!(key_id));
        let mut fields: Vec<&str> = entry
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        fields.sort();
        assert_eq!(
            fields,
            ["created_at", "id", "key_id", "method", "path", "status"]
        );
    }
    let secret = key.split_once('.').unwrap().1;
    assert!(!data.to_string().contains(secret));
    assert!(!data.to_string().contains("ann@example.com"));
}

#[tokio::test]
async fn merchants_see_only_their_own_log_and_pages_follow_cursors() {
    let s = TestStack::start().await;
    let (_, key_a) = s.merchant_with_key().await;
    let (merchant_b, key_b) = s.merchant_with_key().await;
    for _ in 0..3 {
        s.get("/api/v1/transactions", &key_a).await.expect(200);
    }
    let a = logs(&s, &key_a, 3).await;
    assert!(
        a["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["path"] != json!("/api/v1/keys"))
    );
    let b = s.get("/api/v1/logs", &key_b).await;
    b.expect(200);
    assert_eq!(b.data()["items"], json!([]), "B sees none of A's requests");
    let by_admin = s
        .get(&format!("/api/v1/logs?merchant_id={merchant_b}"), s.admin())
        .await;
    by_admin.expect(200);

    let first = s.get("/api/v1/logs?limit=2", &key_a).await;
    let cursor = first.data()["next_cursor"].as_str().unwrap();
    let second = s
        .get(&format!("/api/v1/logs?limit=2&cursor={cursor}"), &key_a)
        .await;
    second.expect(200);
    let ids = |v: &Value| -> Vec<Value> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].clone())
            .collect()
    };
    let (p1, p2) = (ids(first.data()), ids(second.data()));
    assert_eq!(p1.len(), 2);
    assert!(p2.iter().all(|id| !p1.contains(id)), "pages do not repeat");
}

#[tokio::test]
async fn an_authenticated_request_costs_one_dynamodb_round_trip_for_authentication() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let created = s
        .post("/api/v1/payment-requests", &key, payment("calls"))
        .await;
    let id = created.data()["transaction_id"]
        .as_str()
        .unwrap()
        .to_owned();
    ensure_minute_has(10).await;
    // The first request of a minute opens the key's window (one extra write per key per minute).
    s.get("/api/v1/transactions?limit=1", &key)
        .await
        .expect(200);
    tokio::time::sleep(Duration::from_millis(300)).await; // let the log writer settle

    let calls = &s.running.app.aws_calls;
    let without_log = |m: std::collections::BTreeMap<String, u64>| {
        m.into_iter()
            .filter(|(op, _)| op != "DynamoDB.BatchWriteItem")
            .collect::<std::collections::BTreeMap<_, _>>()
    };

    let before = calls.snapshot();
    s.get(&format!("/api/v1/transactions/{id}"), &key)
        .await
        .expect(200);
    let used = without_log(calls.since(&before));
    assert_eq!(
        used,
        [
            ("DynamoDB.UpdateItem".to_owned(), 1),
            ("DynamoDB.GetItem".to_owned(), 1)
        ]
        .into(),
        "read a transaction: authenticate+count+last_used, then the read"
    );

    // A repeat customer: this process recorded them with the first payment.
    let before = calls.snapshot();
    s.post("/api/v1/payment-requests", &key, payment("calls-2"))
        .await
        .expect(201);
    let used = without_log(calls.since(&before));
    assert_eq!(
        used,
        [
            ("DynamoDB.UpdateItem".to_owned(), 1),
            ("DynamoDB.TransactWriteItems".to_owned(), 1)
        ]
        .into(),
        "create a payment: two round trips"
    );
    // A new customer: their record is written beside the payment, not before it.
    let mut new_customer = payment("calls-3");
    new_customer["email"] = serde_json::json!("new-customer@example.com");
    let before = calls.snapshot();
    s.post("/api/v1/payment-requests", &key, new_customer)
        .await
        .expect(201);
    let used = without_log(calls.since(&before));
    assert_eq!(
        used,
        [
            ("DynamoDB.UpdateItem".to_owned(), 2),
            ("DynamoDB.TransactWriteItems".to_owned(), 1)
        ]
        .into(),
        "a new customer's payment: authenticate, then the payment and its customer at once"
    );
}
