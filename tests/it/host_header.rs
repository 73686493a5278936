//! Checkout URLs name the deployment's own domain, never a host the client made up.

use payrail_tests::{TestStack, payment};
use serde_json::{Value, json};

fn sample_create_event(token: &str) -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/create-payment.json");
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["headers"]["authorization"] = json!(format!("Bearer {token}"));
    event
}

#[tokio::test]
async fn behind_api_gateway_a_forged_host_does_not_reach_the_checkout_url() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut event = sample_create_event(&key);
    event["headers"]["host"] = json!("evil.example");
    event["headers"]["x-forwarded-host"] = json!("evil.example");
    let req = lambda_http::request::from_str(&event.to_string()).unwrap();

    let res = create_payment::handle(&s.running.app, req).await;

    assert_eq!(res.status(), 201, "{:?}", res.body());
    let body: Value = serde_json::from_slice(res.body().as_ref()).unwrap();
    let url = body["data"]["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://abc123.execute-api.eu-west-1.amazonaws.com/checkout/txn_"),
        "{url}"
    );
    let listed = s.get("/api/v1/transactions", &key).await;
    assert!(
        !listed.body.to_string().contains("evil.example"),
        "{}",
        listed.body
    );
}

#[tokio::test]
async fn a_host_that_is_not_a_host_name_is_refused_and_nothing_is_stored() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    for host in ["ann@evil.example", "evil_host.example"] {
        let res = s
            .client
            .post(s.url("/api/v1/payment-requests"))
            .header("host", host)
            .bearer_auth(&key)
            .json(&payment("host-1"))
            .send()
            .await
            .unwrap();
        let res = TestStack::answer(res).await;
        res.expect_error(400, None);
        assert!(
            res.body["message"].as_str().unwrap().contains("Host"),
            "{}",
            res.body
        );
    }

    let listed = s.get("/api/v1/transactions", &key).await;
    listed.expect(200);
    assert_eq!(listed.data()["items"], json!([]), "{}", listed.body);
}

#[tokio::test]
async fn a_forwarded_host_with_markup_is_ignored() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let res = s
        .client
        .post(s.url("/api/v1/payment-requests"))
        .header(
            "x-forwarded-host",
            "evil.example\"><script>alert(1)</script>",
        )
        .bearer_auth(&key)
        .json(&payment("host-2"))
        .send()
        .await
        .unwrap();
    let res = TestStack::answer(res).await;
    res.expect(201);
    let id = res.data()["transaction_id"].as_str().unwrap();
    assert_eq!(res.data()["url"], json!(s.url(&format!("/checkout/{id}"))));
}
