//! OwnPay's clients against Payrail: keys in OwnPay's format, which OwnPay's SDKs check before
//! they send anything, and webhook endpoints in OwnPay's format, checked by receivers written
//! from the checks of OwnPay's own plugins (WooCommerce, WHMCS), its Laravel package and its
//! Node.js SDK.

use std::time::Duration;

use payrail_tests::{Delivery, NewEndpoint, Receiver, TestStack, hex_hmac, payment};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);

/// The WooCommerce plugin: the signature is `X-Signature`, else `X-OwnPay-Signature`, with any
/// `sha256=` stripped, equal to the hex HMAC of the raw body; the order is found by
/// `reference` (or `metadata.reference`); the amount must be within 0.01 of the order's total
/// and the currency the order's; `status` `completed` or `paid` marks it paid. Answers the
/// order's new state, or the HTTP status the plugin would answer with.
fn woocommerce(
    d: &Delivery,
    secret: &str,
    order: &str,
    total: f64,
    currency: &str,
) -> Result<&'static str, u16> {
    let header = d
        .header("x-signature")
        .or_else(|| d.header("x-ownpay-signature"))
        .ok_or(401u16)?;
    let header = header.strip_prefix("sha256=").unwrap_or(header);
    if header != hex_hmac(secret, &d.body) {
        return Err(403);
    }
    let body: Value = serde_json::from_slice(&d.body).map_err(|_| 400u16)?;
    let data = if body["data"].is_object() {
        &body["data"]
    } else {
        &body
    };
    let reference = data["reference"]
        .as_str()
        .or_else(|| data["metadata"]["reference"].as_str());
    if reference != Some(order) {
        return Err(404);
    }
    let amount: f64 = data["amount"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .unwrap_or(0.0);
    if amount <= 0.0 || (amount - total).abs() > 0.01 || data["currency"] != currency {
        return Ok("unchanged: amount or currency mismatch");
    }
    Ok(match data["status"].as_str() {
        Some("completed" | "paid") => "processing",
        Some("failed") => "failed",
        Some("cancelled") => "cancelled",
        _ => "unchanged",
    })
}

/// The WHMCS module: the first of `X-OP-Signature`, `X-Signature`, `X-OwnPay-Signature`,
/// `X-Webhook-Signature`; only events starting `payment.` are processed; only `completed`
/// applies a payment, to the invoice named by `reference`.
fn whmcs(d: &Delivery, secret: &str) -> Result<Option<(String, String)>, u16> {
    let header = [
        "x-op-signature",
        "x-signature",
        "x-ownpay-signature",
        "x-webhook-signature",
    ]
    .iter()
    .find_map(|h| d.header(h).filter(|v| !v.is_empty()))
    .ok_or(401u16)?;
    if header.strip_prefix("sha256=").unwrap_or(header) != hex_hmac(secret, &d.body) {
        return Err(403);
    }
    let body = d.json();
    let event = body["event"].as_str().unwrap_or("");
    if !(event.is_empty() || event.starts_with("payment.")) {
        return Ok(None);
    }
    let invoice = body["reference"].as_str().ok_or(400u16)?.to_owned();
    let transaction = body["transaction_id"].as_str().unwrap_or("").to_owned();
    Ok((body["status"] == "completed").then_some((invoice, transaction)))
}

/// The Laravel package: `X-OwnPay-Timestamp` within 300 seconds of now, checked before the
/// signature; then the hex HMAC of the body.
fn laravel_accepts(d: &Delivery, secret: &str) -> bool {
    let now = payrail::domain::Timestamp::now().unix();
    let fresh = d
        .header("x-ownpay-timestamp")
        .and_then(|t| t.parse::<i64>().ok())
        .is_some_and(|t| (now - t).abs() <= 300);
    fresh && d.header("x-ownpay-signature") == Some(hex_hmac(secret, &d.body).as_str())
}

/// The Node.js SDK's `verifyWebhookSignature`: the header exactly the hex HMAC of the payload
/// (no prefix stripped).
fn node_sdk_accepts(d: &Delivery, secret: &str) -> bool {
    d.header("x-ownpay-signature") == Some(hex_hmac(secret, &d.body).as_str())
}

#[tokio::test]
async fn a_key_in_ownpays_format_starts_op_and_works_on_every_route() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let res = s
        .post(
            "/api/v1/keys",
            &key,
            json!({"label": "WooCommerce", "format": "ownpay"}),
        )
        .await;
    res.expect(201);
    let op = res.data()["key"].as_str().unwrap().to_owned();
    // What OwnPay's Node.js SDK checks before it sends anything.
    assert!(op.starts_with("op_") && op.len() >= 12, "{op}");
    assert_eq!(res.data()["format"], "ownpay");
    assert!(
        res.data()["prefix"]
            .as_str()
            .unwrap()
            .starts_with("op_key_")
    );
    let id = res.data()["id"].as_str().unwrap().to_owned();
    s.get("/api/v1/transactions", &op).await.expect(200);
    let created = s
        .post("/api/v1/payment-requests", &op, payment("op-key"))
        .await;
    created.expect(201);

    // A rotation keeps the format; the old key stops at once.
    let rotated = s
        .post(&format!("/api/v1/keys/{id}/rotate"), &key, json!({}))
        .await;
    rotated.expect(201);
    let new = rotated.data()["key"].as_str().unwrap().to_owned();
    assert!(new.starts_with("op_"));
    s.get("/api/v1/transactions", &op)
        .await
        .expect_error(401, None);
    s.get("/api/v1/transactions", &new).await.expect(200);

    // A format Payrail does not issue is refused on its field, and no key is made.
    let before = s.get("/api/v1/keys", &key).await.data()["items"]
        .as_array()
        .unwrap()
        .len();
    s.post(
        "/api/v1/keys",
        &key,
        json!({"label": "x", "format": "op_live"}),
    )
    .await
    .expect_error(422, Some("format"));
    let after = s.get("/api/v1/keys", &key).await.data()["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
    // An `op_` text that is no key of ours is refused like any unknown key.
    s.get("/api/v1/transactions", "op_0123456789abcdef")
        .await
        .expect_error(401, None);
}

#[tokio::test]
async fn ownpays_plugins_and_sdks_verify_and_act_on_an_ownpay_endpoints_deliveries() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    let ep = s
        .endpoint(&key, NewEndpoint::to(&receiver.url).format("ownpay"))
        .await;
    let secret = ep.secret.clone();

    // A WooCommerce order 1042 of 25.00 USD, paid on the hosted checkout.
    let mut order = payment("1042");
    order["first_name"] = json!("Ann");
    order["last_name"] = json!("Lee");
    order["metadata"] = json!({"source": "woocommerce"});
    let id = s.payment_id(&key, order).await;
    assert_eq!(s.pay(&id, "4242424242424242").await, 303);
    let got = receiver.wait_for(1, WAIT).await;
    // payment.created is not an OwnPay event: the first delivery is the completion.
    let d = &got[0];
    let body = d.json();
    assert_eq!(d.header("x-ownpay-event"), Some("payment.completed"));
    assert_eq!(body["event"], "payment.completed");
    assert_eq!(body["status"], "completed");
    assert_eq!(body["transaction_id"], id.as_str());
    assert_eq!(body["amount"], "25.00");
    assert_eq!(body["currency"], "USD");
    assert_eq!(body["reference"], "1042");
    assert_eq!(
        body["metadata"],
        json!({"source": "woocommerce", "reference": "1042"})
    );
    assert_eq!(
        body["customer"],
        json!({"name": "Ann Lee", "email": "ann@example.com", "phone": ""})
    );

    assert_eq!(
        woocommerce(d, &secret, "1042", 25.00, "USD"),
        Ok("processing")
    );
    assert_eq!(whmcs(d, &secret), Ok(Some(("1042".to_owned(), id.clone()))));
    assert!(laravel_accepts(d, &secret));
    assert!(node_sdk_accepts(d, &secret));
    // Another secret, or a changed body, is refused by each.
    assert_eq!(
        woocommerce(d, "whsec_other", "1042", 25.00, "USD"),
        Err(403)
    );
    assert_eq!(whmcs(d, "whsec_other"), Err(403));
    let mut forged = d.clone();
    forged.body = String::from_utf8(d.body.clone())
        .unwrap()
        .replace("25.00", "2.50")
        .into_bytes();
    assert!(!node_sdk_accepts(&forged, &secret));
    assert!(!laravel_accepts(&forged, &secret));
    // The plugin's own guard: an order of another total is left as it was.
    assert_eq!(
        woocommerce(d, &secret, "1042", 30.00, "USD"),
        Ok("unchanged: amount or currency mismatch")
    );

    // A refund reaches WHMCS as an event it acknowledges without applying a payment.
    s.post(
        &format!("/api/v1/transactions/{id}/refunds"),
        &key,
        json!({"amount": "5.00"}),
    )
    .await
    .expect(201);
    let got = receiver.wait_for(2, WAIT).await;
    let refund = &got[1];
    assert_eq!(refund.header("x-ownpay-event"), Some("refund.completed"));
    assert_eq!(refund.json()["amount"], "5.00");
    assert_eq!(whmcs(refund, &secret), Ok(None));
    assert!(laravel_accepts(refund, &secret));
}

/// A request as OwnPay's clients send it: JSON, `Authorization: Bearer`, `Accept: application/json`.
async fn ownpay_call(
    s: &TestStack,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = s
        .client
        .request(method, s.url(&format!("/ownpay/api/v1{path}")))
        .bearer_auth(key)
        .header("accept", "application/json");
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.json().await.unwrap())
}

#[tokio::test]
async fn the_woocommerce_plugins_calls_create_pay_and_read_a_payment() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let op = s
        .post(
            "/api/v1/keys",
            &key,
            json!({"label": "shop", "format": "ownpay"}),
        )
        .await
        .data()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    // process_payment: exactly these fields, and nothing but 201 will do.
    let order = json!({
        "amount": "25.50", "currency": "usd",
        "callback_url": "https://shop.example.com/?wc-api=ownpay",
        "redirect_url": "https://shop.example.com/checkout/order-received/1042/",
        "cancel_url": "https://shop.example.com/cart/?cancel_order=true",
        "customer_mail": "ann@example.com", "customer_name": "Ann Lee", "customer_phone": "+1 555 0100",
        "reference": "1042", "metadata": {"plugin_version": "1.1.0", "woocommerce_version": "9.4"}
    });
    let (status, headers, created) = ownpay_call(
        &s,
        reqwest::Method::POST,
        "/payments",
        &op,
        Some(order.clone()),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["success"], true);
    let payment_id = created["data"]["payment_id"].as_str().unwrap().to_owned();
    let checkout_url = created["data"]["checkout_url"].as_str().unwrap().to_owned();
    assert_eq!(created["data"]["status"], "pending");
    assert!(
        checkout_url.ends_with(&format!("/checkout/{payment_id}")),
        "{checkout_url}"
    );
    assert!(headers.contains_key("x-ratelimit-limit"));
    assert!(headers.contains_key("x-ratelimit-remaining"));
    // The same order placed again is the same payment, still 201.
    let (status, _, again) =
        ownpay_call(&s, reqwest::Method::POST, "/payments", &op, Some(order)).await;
    assert_eq!(status, 201);
    assert_eq!(again["data"]["payment_id"], payment_id.as_str());

    // The customer pays on the page the plugin redirected to, and comes back to the shop with
    // what OwnPay's clients read on return.
    let token = payrail::store::transactions::get(
        &s.running.app,
        &payrail::ids::TransactionId::parse(&payment_id).unwrap(),
    )
    .await
    .unwrap()
    .unwrap()
    .checkout_token;
    let paid_page = payrail_tests::no_redirects()
        .post(&checkout_url)
        .form(&[
            ("token", token.as_str()),
            ("card_number", "4242424242424242"),
            ("exp_month", "12"),
            ("exp_year", "2031"),
            ("cvc", "123"),
            ("cardholder_name", "Ann Lee"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(paid_page.status(), 303);
    let back = paid_page.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with("https://shop.example.com/checkout/order-received/1042/?"),
        "{back}"
    );
    let back = url::Url::parse(&back).unwrap();
    let params: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(params["payment_id"], payment_id);
    assert_eq!(params["status"], "completed");
    // sync_payment_status on the thank-you page: 200, and the amount and currency it checks.
    let (status, _, paid) = ownpay_call(
        &s,
        reqwest::Method::GET,
        &format!("/payments/{payment_id}"),
        &op,
        None,
    )
    .await;
    assert_eq!(status, 200, "{paid}");
    let data = &paid["data"];
    assert_eq!(data["status"], "completed");
    assert_eq!(data["amount"], "25.50");
    assert_eq!(data["currency"], "USD");
    assert_eq!(data["reference"], "1042");
    assert_eq!(data["trx_id"], payment_id.as_str());
    assert_eq!(
        data["customer"],
        json!({"name": "Ann Lee", "email": "ann@example.com"})
    );
    // The WHMCS module's admin view reads the transaction.
    let (status, _, trx) = ownpay_call(
        &s,
        reqwest::Method::GET,
        &format!("/transactions/{payment_id}"),
        &op,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(trx["data"]["status"], "completed");
    assert_eq!(trx["data"]["fee"], "0.00");
    let (status, _, health) = ownpay_call(&s, reqwest::Method::GET, "/health", &op, None).await;
    assert_eq!(
        (status, &health["data"]["status"]),
        (200, &json!("healthy"))
    );
}

#[tokio::test]
async fn ownpays_clients_get_ownpays_errors() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let (_, other) = s.merchant_with_key().await;
    // Every error: success false, the first error's message, its code and field, a request id.
    let check = |body: &Value, code: &str| {
        assert_eq!(body["success"], false, "{body}");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{body}"
        );
        assert_eq!(body["errors"][0]["code"], code, "{body}");
        assert!(body["request_id"].as_str().is_some(), "{body}");
    };
    let (status, _, body) = ownpay_call(
        &s,
        reqwest::Method::POST,
        "/payments",
        &key,
        Some(
            json!({"amount": "-3", "currency": "usd", "customer_email": "ann@example.com",
            "redirect_url": "https://shop.example.com/ok"}),
        ),
    )
    .await;
    assert_eq!(status, 422);
    check(&body, "INVALID_AMOUNT");
    assert_eq!(body["errors"][0]["field"], "amount");
    let (status, _, body) = ownpay_call(
        &s,
        reqwest::Method::POST,
        "/payments",
        &key,
        Some(
            json!({"amount": "10.00", "currency": "ZZZ", "customer_email": "ann@example.com",
            "redirect_url": "https://shop.example.com/ok"}),
        ),
    )
    .await;
    assert_eq!(status, 422);
    check(&body, "INVALID_CURRENCY");
    let (status, _, body) =
        ownpay_call(&s, reqwest::Method::GET, "/payments/txn_nope", &key, None).await;
    assert_eq!(status, 404);
    check(&body, "PAYMENT_NOT_FOUND");
    // Another merchant's payment is not found either.
    let id = s.payment_id(&key, payment("mine")).await;
    let (status, _, body) = ownpay_call(
        &s,
        reqwest::Method::GET,
        &format!("/payments/{id}"),
        &other,
        None,
    )
    .await;
    assert_eq!(status, 404);
    check(&body, "PAYMENT_NOT_FOUND");
    let (status, _, body) = ownpay_call(
        &s,
        reqwest::Method::GET,
        "/health",
        "op_not_a_key_at_all",
        None,
    )
    .await;
    assert_eq!(status, 401);
    check(&body, "UNAUTHORIZED");
}

#[tokio::test]
async fn the_whmcs_modules_refund_is_201_with_ownpays_refund_and_reads_back() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let id = s.payment_id(&key, payment("inv-77")).await;
    // Refused before the payment is paid: 400, in OwnPay's words.
    let refund = json!({"trx_id": id, "amount": "5.00", "reason": "Refund requested"});
    let (status, _, body) = ownpay_call(
        &s,
        reqwest::Method::POST,
        "/refunds",
        &key,
        Some(refund.clone()),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "INVALID_REFUND_PARAMETERS");
    assert_eq!(s.pay(&id, "4242424242424242").await, 303);

    let (status, _, made) =
        ownpay_call(&s, reqwest::Method::POST, "/refunds", &key, Some(refund)).await;
    assert_eq!(status, 201, "{made}");
    let data = &made["data"];
    assert!(data["uuid"].as_str().unwrap().starts_with("rfd_"));
    assert_eq!(data["status"], "completed");
    assert_eq!(data["amount"], "5.00");
    assert_eq!(data["trx_id"], id.as_str());
    // More than is left: 400; the refund is not made.
    let (status, _, body) = ownpay_call(
        &s,
        reqwest::Method::POST,
        "/refunds",
        &key,
        Some(json!({"transaction_id": id, "amount": "20.01"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "INVALID_REFUND_PARAMETERS");
    // The latest refund of the transaction.
    let (status, _, latest) = ownpay_call(
        &s,
        reqwest::Method::GET,
        &format!("/refunds/{id}"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(latest["data"]["uuid"], data["uuid"]);
    // No transaction, or none named.
    let (status, _, body) = ownpay_call(
        &s,
        reqwest::Method::POST,
        "/refunds",
        &key,
        Some(json!({"trx_id": "txn_nope"})),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["errors"][0]["code"], "TRANSACTION_NOT_FOUND");
    let (status, _, body) = ownpay_call(
        &s,
        reqwest::Method::POST,
        "/refunds",
        &key,
        Some(json!({"amount": "1"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "transaction_id");
}

#[tokio::test]
async fn a_payment_intent_as_ownpays_api_reference_documents_it() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let intent = json!({
        "gateway": "card", "amount": 19.99, "currency": "EUR", "order_id": "A-100",
        "customer_name": "Ann Lee", "customer_email": "ann@example.com",
        "customer_phone": "+1 555", "description": "Blue mug",
        "return_url": "https://shop.example.com/done", "cancel_url": "https://shop.example.com/cart",
        "metadata": {"cart": 7}
    });
    let (status, _, body) = ownpay_call(
        &s,
        reqwest::Method::POST,
        "/payment-intents",
        &key,
        Some(intent),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["status"], "pending");
    assert!(body["expires_at"].as_str().is_some());
    let id = body["transaction_id"].as_str().unwrap();
    assert!(
        body["payment_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/checkout/{id}"))
    );
    let txn = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
    assert_eq!(txn.data()["order_uuid"], "A-100");
    assert_eq!(txn.data()["total_amount"], "19.99");
    assert_eq!(txn.data()["product_title"], "Blue mug");
    assert_eq!(txn.data()["success_url"], "https://shop.example.com/done");
    assert_eq!(txn.data()["metadata"]["cart"], "7");
    // Its own field names in errors.
    let (status, _, body) = ownpay_call(
        &s,
        reqwest::Method::POST,
        "/payment-intents",
        &key,
        Some(json!({"amount": "5.00", "currency": "EUR", "customer_email": "ann@example.com"})),
    )
    .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(fields.contains(&"return_url"), "{body}");
}

/// [`ownpay_call`] with the headers OwnPay's Node.js SDK adds (a request id, and the
/// `X-Super-Admin-Email` its key methods insist on).
async fn sdk_call(
    s: &TestStack,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = s
        .client
        .request(method, s.url(&format!("/ownpay/api/v1{path}")))
        .bearer_auth(key)
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .header("user-agent", "OwnPay-NodeJS/1.0.0")
        .header("x-request-id", "0c7d6d5e-8d1a-4b7e-9f3e-2f1f5a9c0b11")
        .header("x-super-admin-email", "owner@shop.example.com");
    if let Some(body) = body {
        req = req.body(body.to_string());
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn ownpay_key(s: &TestStack, key: &str) -> String {
    let made = s
        .post(
            "/api/v1/keys",
            key,
            json!({"label": "sdk", "format": "ownpay"}),
        )
        .await;
    made.expect(201);
    made.data()["key"].as_str().unwrap().to_owned()
}

/// The Node.js SDK's calls, in the order a shop makes them: create and pay, read, list by page,
/// refund, customers, keys, a webhook test and the delivery log; each answer read as the SDK
/// reads it (`data`, and `meta` for lists).
#[tokio::test]
async fn the_node_sdks_calls_in_order_over_http() {
    use reqwest::Method;
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, full) = s.merchant_with_key().await;
    let op = ownpay_key(&s, &full).await;
    // The SDK's own check of the key, before it sends anything.
    assert!(op.starts_with("op_") && op.len() >= 12);
    let receiver = Receiver::start().await;
    let ep = s
        .endpoint(
            &full,
            NewEndpoint::to(&receiver.url)
                .format("ownpay")
                .events(&["refund.failed"]),
        )
        .await;

    // Two payments; the second is paid.
    let mut ids = Vec::new();
    for (i, reference) in ["sdk-1", "sdk-2"].iter().enumerate() {
        let (status, made) = sdk_call(
            &s,
            Method::POST,
            "/payments",
            &op,
            Some(
                json!({"amount": format!("{}.00", 30 + i), "currency": "USD",
                "customer_email": "jane@example.com", "customer_name": "Jane Roe",
                "customer_phone": "+8801712345678", "reference": reference,
                "redirect_url": "https://shop.example.com/thanks"}),
            ),
        )
        .await;
        assert_eq!(status, 201, "{made}");
        ids.push(made["data"]["payment_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(s.pay(&ids[1], "4242424242424242").await, 303);
    let (status, paid) =
        sdk_call(&s, Method::GET, &format!("/payments/{}", ids[1]), &op, None).await;
    assert_eq!(
        (status, paid["data"]["status"].as_str()),
        (200, Some("completed"))
    );

    // transactions.list: newest first, meta as OwnPay counts it, a page past the end is the last.
    let (status, page) = sdk_call(
        &s,
        Method::GET,
        "/transactions?page=1&per_page=1",
        &op,
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["meta"],
        json!({"page": 1, "per_page": 1, "total": 2, "total_pages": 2})
    );
    assert_eq!(page["data"][0]["trx_id"], ids[1].as_str());
    assert_eq!(page["data"][0]["reference"], "sdk-2");
    let (_, last) = sdk_call(
        &s,
        Method::GET,
        "/transactions?page=99&per_page=1",
        &op,
        None,
    )
    .await;
    assert_eq!(last["meta"]["page"], 2);
    assert_eq!(last["data"][0]["trx_id"], ids[0].as_str());
    let (_, done) = sdk_call(&s, Method::GET, "/transactions?status=completed", &op, None).await;
    assert_eq!(done["meta"]["total"], 1);
    assert_eq!(done["meta"]["per_page"], 25);
    assert_eq!(done["data"][0]["status"], "completed");
    let (_, none) = sdk_call(&s, Method::GET, "/transactions?status=bogus", &op, None).await;
    assert_eq!(none["data"], json!([]));
    assert_eq!(
        none["meta"],
        json!({"page": 1, "per_page": 25, "total": 0, "total_pages": 1})
    );
    let (_, later) = sdk_call(&s, Method::GET, "/transactions?from=2999-01-01", &op, None).await;
    assert_eq!(later["meta"]["total"], 0);
    let (status, bad) = sdk_call(&s, Method::GET, "/transactions?from=yesterday", &op, None).await;
    assert_eq!(status, 400, "{bad}");

    // refunds.create, then refunds.list with its filters.
    let (status, refund) = sdk_call(
        &s,
        Method::POST,
        "/refunds",
        &op,
        Some(json!({"transaction_id": ids[1], "amount": "5", "reason": "damaged"})),
    )
    .await;
    assert_eq!(status, 201, "{refund}");
    let (status, refunds) = sdk_call(&s, Method::GET, "/refunds", &op, None).await;
    assert_eq!(status, 200, "{refunds}");
    assert_eq!(
        refunds["meta"],
        json!({"page": 1, "per_page": 25, "total": 1, "total_pages": 1})
    );
    assert_eq!(refunds["data"][0]["uuid"], refund["data"]["uuid"]);
    assert_eq!(refunds["data"][0]["trx_id"], ids[1].as_str());
    assert_eq!(refunds["data"][0]["amount"], "5.00");
    let (_, of_other) = sdk_call(
        &s,
        Method::GET,
        &format!("/refunds?trx_id={}", ids[0]),
        &op,
        None,
    )
    .await;
    assert_eq!(of_other["meta"]["total"], 0);
    let (_, completed) = sdk_call(&s, Method::GET, "/refunds?status=completed", &op, None).await;
    assert_eq!(completed["meta"]["total"], 1);

    // customers: the payments made one; found by email (encoded as the SDK encodes it) or phone.
    let (status, jane) =
        sdk_call(&s, Method::GET, "/customers/jane%40example.com", &op, None).await;
    assert_eq!(status, 200, "{jane}");
    assert_eq!(jane["data"]["name"], "Jane Roe");
    assert_eq!(jane["data"]["phone"], "+8801712345678");
    let (status, by_phone) =
        sdk_call(&s, Method::GET, "/customers/%2B8801712345678", &op, None).await;
    assert_eq!(status, 200, "{by_phone}");
    assert_eq!(by_phone["data"]["id"], jane["data"]["id"]);
    let (status, made) = sdk_call(
        &s,
        Method::POST,
        "/customers",
        &op,
        Some(json!({"name": "Raj Patel", "email": "raj@example.com"})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["data"]["id"], made["data"]["uuid"]);
    assert_eq!(made["data"].as_object().unwrap().len(), 2, "{made}");
    let (status, dup) = sdk_call(
        &s,
        Method::POST,
        "/customers",
        &op,
        Some(json!({"name": "Raj", "email": "RAJ@example.com"})),
    )
    .await;
    assert_eq!(status, 409, "{dup}");
    assert_eq!(dup["errors"][0]["code"], "CUSTOMER_EXISTS");
    assert_eq!(dup["request_id"], "0c7d6d5e-8d1a-4b7e-9f3e-2f1f5a9c0b11");
    let (status, nameless) = sdk_call(
        &s,
        Method::POST,
        "/customers",
        &op,
        Some(json!({"email": "nameless@example.com"})),
    )
    .await;
    assert_eq!(status, 422, "{nameless}");
    assert_eq!(nameless["errors"][0]["code"], "NAME_REQUIRED");
    assert_eq!(nameless["errors"][0]["field"], "name");
    let (_, listed) = sdk_call(&s, Method::GET, "/customers?per_page=1", &op, None).await;
    assert_eq!(
        listed["meta"],
        json!({"page": 1, "per_page": 1, "total": 2})
    );
    assert_eq!(listed["data"][0]["email"], "raj@example.com");
    assert_eq!(listed["data"][0]["email_masked"], "ra***@ex*****.com");
    let (_, past) = sdk_call(&s, Method::GET, "/customers?page=5&per_page=1", &op, None).await;
    assert_eq!(past["data"], json!([]));
    assert_eq!(past["meta"]["page"], 5);
    let (status, missing) = sdk_call(
        &s,
        Method::GET,
        "/customers/nobody%40example.com",
        &op,
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(missing["errors"][0]["code"], "CUSTOMER_NOT_FOUND");

    // apiKeys: listed with numbers, a read-only key made, used, and revoked by its number.
    let (status, keys) = sdk_call(&s, Method::GET, "/api-keys", &op, None).await;
    assert_eq!(status, 200, "{keys}");
    let listed = keys["data"].as_array().unwrap();
    assert!(
        listed
            .iter()
            .all(|k| k["id"].is_u64() && k["status"] == "active"),
        "{keys}"
    );
    assert!(op.starts_with(&format!(
            "{}.",
            listed.iter().find(|k| k["name"] == "sdk").unwrap()["prefix"]
                .as_str()
                .unwrap()
        )));
    let (status, made) = sdk_call(
        &s,
        Method::POST,
        "/api-keys",
        &op,
        Some(json!({"name": "reporting", "scopes": ["read"]})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let reader = made["data"]["key"].as_str().unwrap().to_owned();
    assert!(reader.starts_with("op_"));
    let number = made["data"]["id"].as_u64().unwrap();
    assert_eq!(
        sdk_call(&s, Method::GET, "/transactions", &reader, None)
            .await
            .0,
        200
    );
    let (status, refused) = sdk_call(
        &s,
        Method::POST,
        "/customers",
        &reader,
        Some(json!({"name": "Nope"})),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    let (status, bad) = sdk_call(
        &s,
        Method::POST,
        "/api-keys",
        &op,
        Some(json!({"scopes": ["root"]})),
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["errors"][0]["code"], "INVALID_SCOPES");
    for _ in 0..2 {
        let (status, revoked) = sdk_call(
            &s,
            Method::DELETE,
            &format!("/api-keys/{number}"),
            &op,
            None,
        )
        .await;
        assert_eq!(status, 200, "{revoked}");
        assert_eq!(revoked["data"]["message"], "Key revoked");
    }
    assert_eq!(
        sdk_call(&s, Method::GET, "/transactions", &reader, None)
            .await
            .0,
        401
    );
    let (status, unknown) = sdk_call(&s, Method::DELETE, "/api-keys/12345", &op, None).await;
    assert_eq!(status, 404);
    assert_eq!(unknown["errors"][0]["code"], "KEY_NOT_FOUND");

    // webhooks.test: answered with the receiver's status once delivered, signed as OwnPay signs.
    let (status, tested) = sdk_call(&s, Method::POST, "/webhooks/tests", &op, None).await;
    assert_eq!(status, 200, "{tested}");
    assert_eq!(tested["data"]["status_code"], 200);
    assert!(tested["data"]["response_time_ms"].is_u64());
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got[0].header("x-ownpay-event"), Some("webhook.test"));
    assert!(node_sdk_accepts(&got[0], &ep.secret));
    let (status, deliveries) = sdk_call(&s, Method::GET, "/webhooks/deliveries", &op, None).await;
    assert_eq!(status, 200);
    let first = &deliveries["data"][0];
    assert_eq!(
        (
            &first["event"],
            &first["status"],
            &first["direction"],
            &first["url"]
        ),
        (
            &json!("webhook.test"),
            &json!("delivered"),
            &json!("outbound"),
            &json!(receiver.url)
        )
    );
    // A receiver that refuses: 400 WEBHOOK_TEST_FAILED, as OwnPay answers.
    receiver.answer(&[(500, "")]);
    let (status, failed) = sdk_call(&s, Method::POST, "/webhooks/tests", &op, None).await;
    assert_eq!(status, 400, "{failed}");
    assert_eq!(failed["errors"][0]["code"], "WEBHOOK_TEST_FAILED");
}

#[tokio::test]
async fn ownpays_lists_keep_to_their_merchant_and_their_limits() {
    use reqwest::Method;
    let s = TestStack::start().await;
    let (merchant, full) = s.merchant_with_key().await;
    let (_, theirs) = s.merchant_with_key().await;
    let op = ownpay_key(&s, &full).await;
    s.payment_id(&full, payment("mine-1")).await;
    let (status, made) = sdk_call(
        &s,
        Method::POST,
        "/customers",
        &op,
        Some(json!({"name": "Mine", "email": "mine@example.com", "phone": "555-0100"})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    // Another merchant sees none of it, by list or by name.
    for path in ["/transactions", "/refunds", "/customers"] {
        let (status, page) = sdk_call(&s, Method::GET, path, &theirs, None).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert_eq!(page["meta"]["total"], 0, "{path}: {page}");
    }
    for path in [
        "/customers/mine%40example.com",
        "/customers/555-0100",
        &format!("/customers/{}", made["data"]["id"].as_str().unwrap()),
    ] {
        let (status, body) = sdk_call(&s, Method::GET, path, &theirs, None).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["errors"][0]["code"], "CUSTOMER_NOT_FOUND");
    }
    let (_, their_keys) = sdk_call(&s, Method::GET, "/api-keys", &theirs, None).await;
    assert_eq!(their_keys["data"].as_array().unwrap().len(), 1);
    let (_, deliveries) = sdk_call(&s, Method::GET, "/webhooks/deliveries", &theirs, None).await;
    assert_eq!(deliveries["data"], json!([]));
    let (status, none) = sdk_call(&s, Method::POST, "/webhooks/tests", &theirs, None).await;
    assert_eq!(status, 400);
    assert_eq!(none["error"], "No webhook URL configured");
    // No key, or a wrong one: 401 in OwnPay's shape.
    for path in [
        "/transactions",
        "/customers",
        "/api-keys",
        "/webhooks/deliveries",
    ] {
        let (status, body) = sdk_call(&s, Method::GET, path, "op_0123456789.nope", None).await;
        assert_eq!(status, 401, "{path}: {body}");
        assert_eq!(body["errors"][0]["code"], "UNAUTHORIZED");
    }
    // The merchant's rate limit holds on these routes too, with OwnPay's headers.
    s.patch(
        &format!("/api/v1/merchants/{merchant}"),
        s.admin(),
        json!({"rate_limit_per_minute": 3}),
    )
    .await
    .expect(200);
    // (A key holds its merchant's limit from when it is made.)
    let limited = ownpay_key(&s, &full).await;
    payrail_tests::ensure_minute_has(15).await;
    let mut last = (0, reqwest::header::HeaderMap::new(), Value::Null);
    for _ in 0..4 {
        last = ownpay_call(&s, Method::GET, "/customers", &limited, None).await;
    }
    assert_eq!(last.0, 429, "{}", last.2);
    assert_eq!(last.2["errors"][0]["code"], "RATE_LIMIT_EXCEEDED");
    assert_eq!(last.1["x-ratelimit-limit"], "3");
    assert_eq!(last.1["x-ratelimit-remaining"], "0");
}
