//! Every sample event in events/ runs through its function's handler, exactly as Lambda would
//! deliver it (`lambda_http::request::from_str`), against the local emulator.

use payrail_tests::{TestStack, payment};
use serde_json::{Value, json};

fn load(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn with_token(mut event: Value, token: &str) -> Value {
    event["headers"]["authorization"] = json!(format!("Bearer {token}"));
    event
}

fn request(event: &Value) -> lambda_http::Request {
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event")
}

fn body_json(res: &lambda_http::Response<lambda_http::Body>) -> Value {
    serde_json::from_slice(res.body().as_ref()).unwrap()
}

#[tokio::test]
async fn keys_admin_event_creates_a_merchant() {
    let s = TestStack::start().await;
    let event = with_token(load("keys-admin.json"), s.admin());
    let res = keys_admin::handle(&s.running.app, request(&event)).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["x-request-id"], "JKJaXmPLvHcESHA=");
    assert_eq!(body_json(&res)["data"]["name"], "Acme Ltd");
}

#[tokio::test]
async fn create_payment_event_creates_a_payment_on_the_api_domain() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let event = with_token(load("create-payment.json"), &key);
    let res = create_payment::handle(&s.running.app, request(&event)).await;
    assert_eq!(res.status(), 201, "{:?}", res.body());
    let data = body_json(&res)["data"].clone();
    assert_eq!(data["amount_minor"], 4999);
    let url = data["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://abc123.execute-api.eu-west-1.amazonaws.com/checkout/txn_"),
        "{url}"
    );
}

#[tokio::test]
async fn get_transaction_events_read_and_list() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let created = s
        .post("/api/v1/payment-requests", &key, payment("ev-1"))
        .await;
    let id = created.data()["transaction_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut event = with_token(load("get-transaction.json"), &key);
    let path = format!("/api/v1/transactions/{id}");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["pathParameters"]["id"] = json!(id);
    let res = get_transaction::handle(&s.running.app, request(&event)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(body_json(&res)["data"]["transaction_id"], json!(id));

    let event = with_token(load("get-transaction-list.json"), &key);
    let res = get_transaction::handle(&s.running.app, request(&event)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        body_json(&res)["data"]["items"][0]["transaction_id"],
        json!(id)
    );

    // The sample's placeholder credential is refused, as it would be in AWS.
    let res = get_transaction::handle(&s.running.app, request(&load("get-transaction.json"))).await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn transaction_actions_event_refunds_a_paid_payment() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let id = s.payment_id(&key, payment("ev-refund")).await;
    assert_eq!(s.pay(&id, "4242424242424242").await, 303);

    let mut event = with_token(load("transaction-actions.json"), &key);
    let path = format!("/api/v1/transactions/{id}/refunds");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["pathParameters"]["id"] = json!(id);
    let res = transaction_actions::handle(&s.running.app, request(&event)).await;
    assert_eq!(res.status(), 201, "{:?}", res.body());
    let data = body_json(&res)["data"].clone();
    assert_eq!(
        (data["amount"].clone(), data["status"].clone()),
        (json!("10.00"), json!("succeeded"))
    );
    // Its Idempotency-Key makes a second delivery of the same event answer the same refund.
    let again = transaction_actions::handle(&s.running.app, request(&event)).await;
    assert_eq!(again.status(), 200);
    assert_eq!(body_json(&again)["data"]["id"], data["id"]);
}

#[tokio::test]
async fn processor_settings_event_reads_the_processor() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let event = with_token(load("processor-settings.json"), &key);
    let res = processor_settings::handle(&s.running.app, request(&event)).await;
    assert_eq!(res.status(), 200, "{:?}", res.body());
    assert_eq!(body_json(&res)["data"]["type"], "sandbox");
}

#[tokio::test]
async fn payment_links_event_creates_a_link_on_the_api_domain() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let event = with_token(load("payment-links.json"), &key);
    let res = payment_links::handle(&s.running.app, request(&event)).await;
    assert_eq!(res.status(), 201, "{:?}", res.body());
    let link = &body_json(&res)["data"];
    assert_eq!(link["quantity_limit"], 30);
    assert!(
        link["url"]
            .as_str()
            .unwrap()
            .starts_with("https://abc123.execute-api.eu-west-1.amazonaws.com/pay/plink_")
    );
}

#[tokio::test]
async fn stripe_hooks_event_is_refused_until_signed_by_the_merchants_secret() {
    let s = TestStack::start().await;
    // The sample names a merchant that does not exist here: 404, nothing read further.
    let res = stripe_hooks::handle(&s.running.app, request(&load("stripe-hooks.json"))).await;
    assert_eq!(res.status(), 404);

    // For a merchant connected to Stripe, the sample with a real signature settles nothing
    // unknown (its transaction is not this merchant's) and is acknowledged.
    let (merchant, key) = s.merchant_with_key().await;
    let secret = "whsec_events_test_secret_0001";
    let put = s
        .call(
            reqwest::Method::PUT,
            "/api/v1/processor",
            Some(&key),
            Some(json!({"type": "stripe", "secret_key": "sk_test_events0001",
                        "publishable_key": "pk_test_events0001", "webhook_secret": secret})),
        )
        .await;
    put.expect(200);
    let mut event = load("stripe-hooks.json");
    let path = format!("/hooks/stripe/{merchant}");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["pathParameters"]["merchant_id"] = json!(merchant);
    let res = stripe_hooks::handle(&s.running.app, request(&event)).await;
    assert_eq!(
        res.status(),
        400,
        "the sample's placeholder signature is refused"
    );
    let body = event["body"].as_str().unwrap().to_owned();
    let now = payrail::domain::Timestamp::now().unix();
    let signature = payrail::processor::stripe::signature::sign(secret, now, body.as_bytes());
    event["headers"]["stripe-signature"] = json!(format!("t={now},v1={signature}"));
    let res = stripe_hooks::handle(&s.running.app, request(&event)).await;
    assert_eq!(res.status(), 200, "{:?}", res.body());
    assert_eq!(body_json(&res)["data"]["result"], "ignored");
}
