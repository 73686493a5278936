use payrail_tests::{TestStack, payment};
use serde_json::json;

#[tokio::test]
async fn compatibility_route_takes_the_key_in_the_body() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut body = payment("legacy-1");
    body["api_key"] = json!(key);
    let res = s
        .call(
            reqwest::Method::POST,
            "/payment-request-api",
            None,
            Some(body),
        )
        .await;
    res.expect(201);
    assert_eq!(res.body["status"], json!(true));
    let id = res.body["transaction_id"].as_str().unwrap();
    assert_eq!(res.body["url"], json!(s.url(&format!("/checkout/{id}"))));
    let read = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
    assert_eq!(read.data()["order_uuid"], "legacy-1");
}

#[tokio::test]
async fn compatibility_route_accepts_form_bodies() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let res = s
        .client
        .post(s.url("/payment-request-api"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "api_key={key}&order_uuid=form-1&total_amount=10.5&email=ann%40example.com\
             &success_url=https%3A%2F%2Fx.io%2Fok&cancel_url=https%3A%2F%2Fx.io%2Fno"
        ))
        .send()
        .await
        .unwrap();
    let res = TestStack::answer(res).await;
    res.expect(201);
    let id = res.body["transaction_id"].as_str().unwrap();
    let read = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
    assert_eq!(read.data()["total_amount"], "10.50");
}

#[tokio::test]
async fn compatibility_route_answers_errors_in_its_own_shape() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let res = s
        .call(
            reqwest::Method::POST,
            "/payment-request-api",
            None,
            Some(payment("x")),
        )
        .await;
    res.expect(401);
    assert_eq!(res.body["status"], json!(false));
    assert!(res.body["error"].is_string());

    let mut body = payment("x");
    body["api_key"] = json!(key);
    body["email"] = json!("nope");
    let res = s
        .call(
            reqwest::Method::POST,
            "/payment-request-api",
            None,
            Some(body),
        )
        .await;
    res.expect(422);
    assert_eq!(res.body["status"], json!(false));
    assert!(res.body["error"].as_str().unwrap().contains("email"));
}
