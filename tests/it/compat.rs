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
    let compat = |body| {
        s.call(
            reqwest::Method::POST,
            "/payment-request-api",
            None,
            Some(body),
        )
    };

    // Validation failures are 200 with status false and the first problem, as that style of
    // gateway answers; nothing is created.
    let res = compat(payment("x")).await;
    res.expect(200);
    assert_eq!(
        res.body,
        json!({"status": false, "error": "The api key field is required."})
    );

    let mut body = payment("x");
    body["api_key"] = json!(key);
    body["email"] = json!("nope");
    let res = compat(body).await;
    res.expect(200);
    assert_eq!(res.body["status"], json!(false));
    let error = res.body["error"].as_str().unwrap();
    assert!(error.starts_with("The email field "), "{error}");

    // A wrong key is still 401.
    let mut body = payment("x");
    body["api_key"] =
        json!("prl_key_01jd0000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let res = compat(body).await;
    res.expect(401);
    assert_eq!(res.body["status"], json!(false));

    // The admin token is answered exactly as a key that is not one: the route never tells
    // that a token is the operator's.
    let mut body = payment("x");
    body["api_key"] = json!(s.admin());
    let admin = compat(body).await;
    admin.expect(401);
    assert_eq!(admin.body, res.body);

    let listed = s.get("/api/v1/transactions", &key).await;
    assert_eq!(listed.data()["items"], json!([]));
}

#[tokio::test]
async fn amounts_below_the_minimum_are_an_invalid_amount() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let compat = |body| {
        s.call(
            reqwest::Method::POST,
            "/payment-request-api",
            None,
            Some(body),
        )
    };
    for (amount, currency) in [("0.49", "USD"), ("0.499", "KWD")] {
        let mut body = payment(&format!("min-{currency}"));
        body["api_key"] = json!(key);
        body["total_amount"] = json!(amount);
        body["currency"] = json!(currency);
        let res = compat(body).await;
        res.expect(400);
        assert_eq!(
            res.body,
            json!({"status": false, "error": "Invalid amount"})
        );
    }
    let mut body = payment("min-ok");
    body["api_key"] = json!(key);
    body["total_amount"] = json!("0.50");
    compat(body).await.expect(201);
    // The API itself keeps its own rule: any positive amount.
    let mut body = payment("min-api");
    body["total_amount"] = json!("0.01");
    s.post("/api/v1/payment-requests", &key, body)
        .await
        .expect(201);
}

#[tokio::test]
async fn a_deactivated_merchant_is_an_inactive_gateway_and_403_on_the_api() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let path = format!("/api/v1/merchants/{merchant}");
    let off = s.patch(&path, s.admin(), json!({"active": false})).await;
    off.expect(200);
    assert_eq!(off.data()["active"], json!(false));

    let mut body = payment("inactive-1");
    body["api_key"] = json!(key);
    let res = s
        .call(
            reqwest::Method::POST,
            "/payment-request-api",
            None,
            Some(body),
        )
        .await;
    res.expect(400);
    assert_eq!(
        res.body,
        json!({"status": false, "error": "Payment gateway inactive"})
    );
    s.post("/api/v1/payment-requests", &key, payment("inactive-2"))
        .await
        .expect_error(403, None);
    s.get("/api/v1/transactions", &key)
        .await
        .expect_error(403, None);
    // The operator still sees its keys; a key made meanwhile is inactive too.
    let keys = s
        .get(&format!("/api/v1/keys?merchant_id={merchant}"), s.admin())
        .await;
    keys.expect(200);
    assert_eq!(keys.data()["items"].as_array().unwrap().len(), 1);
    let later = s.key(&merchant, "full").await;
    s.get("/api/v1/transactions", &later)
        .await
        .expect_error(403, None);
    s.patch(&path, s.admin(), json!({"active": "no"}))
        .await
        .expect_error(422, Some("active"));

    s.patch(&path, s.admin(), json!({"active": true}))
        .await
        .expect(200);
    s.get("/api/v1/transactions", &key).await.expect(200);
    s.get("/api/v1/transactions", &later).await.expect(200);
}
