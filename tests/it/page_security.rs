//! The hosted checkout, the Developer Hub and the API reference tell browsers to use HTTPS only.

use payrail_tests::{TestStack, payment};
use serde_json::Value;

const HSTS: &str = "max-age=63072000; includeSubDomains";

#[tokio::test]
async fn checkout_page_and_hub_send_strict_transport_security() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let created = s
        .post("/api/v1/payment-requests", &key, payment("hsts-1"))
        .await;
    created.expect(201);
    let id = created.data()["transaction_id"].as_str().unwrap();

    for path in [
        format!("/checkout/{id}"),
        "/checkout/txn_missing".into(),
        "/hub".into(),
        "/docs".into(),
    ] {
        let res = s.client.get(s.url(&path)).send().await.unwrap();
        assert_eq!(
            res.headers()
                .get("strict-transport-security")
                .and_then(|v| v.to_str().ok()),
            Some(HSTS),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_hub_sends_it_behind_api_gateway() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/hub.json");
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(event["headers"]["x-forwarded-proto"], "https");
    let res = hub::handle(lambda_http::request::from_str(&event.to_string()).unwrap());
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["strict-transport-security"], HSTS);
}
