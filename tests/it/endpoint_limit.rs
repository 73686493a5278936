//! A merchant's webhook endpoints are capped, so one event or resend cannot fan out to hundreds
//! of targets.

use payrail::webhooks::service::MAX_ENDPOINTS_PER_MERCHANT;
use payrail_tests::{NewEndpoint, TestStack};

async fn stack() -> TestStack {
    TestStack::start_with(&[
        ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
        ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
    ])
    .await
}

/// The body of the `n`th endpoint: each at a URL of its own.
fn numbered(n: usize) -> serde_json::Value {
    NewEndpoint::to(&format!("http://127.0.0.1:9/hooks/{n}")).body()
}

#[tokio::test]
async fn past_the_cap_a_create_is_422_and_writes_nothing() {
    let s = stack().await;
    let (_, key) = s.merchant_with_key().await;
    for n in 0..MAX_ENDPOINTS_PER_MERCHANT {
        s.post("/api/v1/webhook-endpoints", &key, numbered(n))
            .await
            .expect(201);
    }

    let over = s
        .post("/api/v1/webhook-endpoints", &key, numbered(99))
        .await;
    over.expect_error(422, Some("url"));
    assert!(
        over.body.to_string().contains("at most 20"),
        "{}",
        over.body
    );
    let listed = s.get("/api/v1/webhook-endpoints?limit=100", &key).await;
    listed.expect(200);
    let items = listed.data()["items"].as_array().unwrap();
    assert_eq!(items.len(), MAX_ENDPOINTS_PER_MERCHANT);
    assert!(!listed.body.to_string().contains("/hooks/99"));

    // Deleting one makes room again; other merchants have their own allowance.
    let id = items[0]["id"].as_str().unwrap();
    s.delete(&format!("/api/v1/webhook-endpoints/{id}"), &key)
        .await
        .expect(200);
    s.post("/api/v1/webhook-endpoints", &key, numbered(99))
        .await
        .expect(201);
    let (_, other) = s.merchant_with_key().await;
    s.post("/api/v1/webhook-endpoints", &other, numbered(0))
        .await
        .expect(201);
}
