use payrail_tests::{TestStack, payment};
use reqwest::Method;
use reqwest::header::HeaderValue;
use serde_json::json;

#[tokio::test]
async fn full_key_creates_a_payment_request_with_a_checkout_url() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut body = payment("ord-1");
    body["metadata"] = json!({"cart": "42"});
    body["first_name"] = json!("Ann");
    let res = s.post("/api/v1/payment-requests", &key, body).await;
    res.expect(201);
    let t = res.data();
    let id = t["transaction_id"].as_str().unwrap();
    assert!(id.starts_with("txn_"));
    assert_eq!(t["order_uuid"], "ord-1");
    assert_eq!(t["status"], "pending");
    assert_eq!(t["total_amount"], "25.00");
    assert_eq!(t["amount_minor"], 2500);
    assert_eq!(t["currency"], "USD");
    assert_eq!(t["email"], "ann@example.com");
    assert_eq!(t["product_title"], "Blue mug");
    assert_eq!(t["first_name"], "Ann");
    assert_eq!(t["last_name"], json!(null));
    assert_eq!(t["metadata"], json!({"cart": "42"}));
    assert_eq!(t["url"], json!(s.url(&format!("/checkout/{id}"))));
    assert_eq!(t["paid_at"], json!(null));
    assert_eq!(t["card"], json!(null));
    assert_eq!(res.body["success"], json!(true));

    let read = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
    read.expect(200);
    assert_eq!(read.data(), t);
}

#[tokio::test]
async fn amounts_are_parsed_exactly_per_currency() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let cases = [
        (json!(25.5), "USD", "25.50", 2550),
        (json!(19.99), "USD", "19.99", 1999),
        (json!("0.1"), "USD", "0.10", 10),
        (json!(2500), "JPY", "2500", 2500),
        (json!("1.234"), "KWD", "1.234", 1234),
    ];
    for (i, (amount, currency, text, minor)) in cases.into_iter().enumerate() {
        let mut body = payment(&format!("amount-{i}"));
        body["total_amount"] = amount;
        body["currency"] = json!(currency);
        let res = s.post("/api/v1/payment-requests", &key, body).await;
        res.expect(201);
        assert_eq!(res.data()["total_amount"], text);
        assert_eq!(res.data()["amount_minor"], minor);
        assert_eq!(res.data()["currency"], currency);
    }
    // A raw body keeps a number's exact digits (no float on the way).
    let raw = r#"{"order_uuid":"raw","total_amount":0.30000000000000004,"email":"a@b.io",
                  "success_url":"https://x.io/s","cancel_url":"https://x.io/c"}"#;
    let res = s
        .client
        .post(s.url("/api/v1/payment-requests"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await
        .unwrap();
    TestStack::answer(res)
        .await
        .expect_error(422, Some("total_amount"));
}

#[tokio::test]
async fn invalid_fields_are_all_reported_with_422() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let res = s
        .post(
            "/api/v1/payment-requests",
            &key,
            json!({"order_uuid": "", "total_amount": "-1", "email": "nope",
                   "success_url": "/relative", "cancel_url": "ftp://x.io", "currency": "XYZ",
                   "metadata": {"n": 1}, "product_title": "x".repeat(201)}),
        )
        .await;
    res.expect_code(422, "validation_failed");
    for field in [
        "order_uuid",
        "email",
        "success_url",
        "cancel_url",
        "currency",
        "metadata",
        "product_title",
    ] {
        assert!(
            res.body["errors"][field].is_array(),
            "{field}: {}",
            res.body
        );
    }
    for (field, value) in [
        ("total_amount", json!(0)),
        ("total_amount", json!("12.345")),
        ("total_amount", json!("abc")),
        ("total_amount", json!(true)),
        ("email", json!(null)),
        ("order_uuid", json!("x".repeat(129))),
    ] {
        let mut body = payment("ord");
        body[field] = value;
        s.post("/api/v1/payment-requests", &key, body)
            .await
            .expect_error(422, Some(field));
    }
    let mut body = payment("ord");
    body.as_object_mut().unwrap().remove("total_amount");
    s.post("/api/v1/payment-requests", &key, body)
        .await
        .expect_error(422, Some("total_amount"));
    let listed = s.get("/api/v1/transactions", &key).await;
    assert_eq!(listed.data()["items"], json!([]), "nothing was written");
}

#[tokio::test]
async fn amounts_must_be_plain_decimals() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    for amount in [
        "1_000", "0_0_1", "1.0_1", "5.", ".5", "1e2", "0x10", "1 000",
    ] {
        let mut body = payment("ord");
        body["total_amount"] = json!(amount);
        let res = s.post("/api/v1/payment-requests", &key, body).await;
        res.expect_error(422, Some("total_amount"));
        let message = &res.body["errors"]["total_amount"][0];
        assert!(
            message
                .as_str()
                .is_some_and(|m| m.contains("decimal number")),
            "{amount}: {}",
            res.body
        );
    }
    let listed = s.get("/api/v1/transactions", &key).await;
    assert_eq!(listed.data()["items"], json!([]), "nothing was written");
}

#[tokio::test]
async fn json_numbers_keep_their_exponent_form_and_out_of_range_ones_are_422() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    // Raw bodies: these numbers have no faithful f64, so `json!` cannot write them.
    let send = |order: &str, amount: &str| {
        let raw = format!(
            r#"{{"order_uuid":"{order}","total_amount":{amount},"email":"a@b.io",
                "success_url":"https://x.io/s","cancel_url":"https://x.io/c"}}"#
        );
        s.client
            .post(s.url("/api/v1/payment-requests"))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body(raw)
            .send()
    };
    for (i, (amount, text)) in [("1e2", "100.00"), ("2.5E1", "25.00"), ("1250e-2", "12.50")]
        .into_iter()
        .enumerate()
    {
        let res = TestStack::answer(send(&format!("exp-{i}"), amount).await.unwrap()).await;
        res.expect(201);
        assert_eq!(res.data()["total_amount"], text, "{amount}");
    }
    for amount in ["1e400", "-1e400", "1e-400"] {
        let res = TestStack::answer(send("huge", amount).await.unwrap()).await;
        res.expect_error(422, Some("total_amount"));
    }
    let listed = s.get("/api/v1/transactions", &key).await;
    assert_eq!(listed.data()["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn malformed_oversized_and_mistyped_bodies_are_rejected() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let send = |body: String, content_type: &'static str| {
        s.client
            .post(s.url("/api/v1/payment-requests"))
            .bearer_auth(&key)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let res = TestStack::answer(send("{not json".into(), "application/json").await.unwrap()).await;
    res.expect_error(400, None);
    let res = TestStack::answer(send("[1,2]".into(), "application/json").await.unwrap()).await;
    res.expect_error(400, None);
    let body = payment("ord").to_string();
    let res = TestStack::answer(send(body, "text/plain").await.unwrap()).await;
    res.expect_error(400, None);

    let mut big = payment("big");
    big["metadata"] = json!({"pad": "x".repeat(70 * 1024)});
    let res = TestStack::answer(send(big.to_string(), "application/json").await.unwrap()).await;
    res.expect_error(413, None);

    let listed = s.get("/api/v1/transactions", &key).await;
    assert_eq!(listed.data()["items"], json!([]));
}

#[tokio::test]
async fn same_order_uuid_replays_and_other_parameters_are_409() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let first = s
        .post("/api/v1/payment-requests", &key, payment("ord-7"))
        .await;
    first.expect(201);
    let mut same = payment("ord-7");
    same["total_amount"] = json!(25); // the same amount, written differently
    let replay = s.post("/api/v1/payment-requests", &key, same).await;
    replay.expect(200);
    assert_eq!(replay.data(), first.data());

    let mut other = payment("ord-7");
    other["total_amount"] = json!("26.00");
    s.post("/api/v1/payment-requests", &key, other)
        .await
        .expect_error(409, None);

    // Another merchant may use the same order_uuid.
    let (_, key2) = s.merchant_with_key().await;
    let theirs = s
        .post("/api/v1/payment-requests", &key2, payment("ord-7"))
        .await;
    theirs.expect(201);
    assert_ne!(
        theirs.data()["transaction_id"],
        first.data()["transaction_id"]
    );
}

#[tokio::test]
async fn idempotency_key_replays_and_rejects_different_parameters() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let send = |body: serde_json::Value, idem: &'static str| {
        s.client
            .post(s.url("/api/v1/payment-requests"))
            .bearer_auth(&key)
            .header("idempotency-key", idem)
            .json(&body)
            .send()
    };
    let first = TestStack::answer(send(payment("a"), "idem-1").await.unwrap()).await;
    first.expect(201);
    let again = TestStack::answer(send(payment("a"), "idem-1").await.unwrap()).await;
    again.expect(200);
    assert_eq!(again.data(), first.data());
    // The same key with another order is a different request.
    let other = TestStack::answer(send(payment("b"), "idem-1").await.unwrap()).await;
    other.expect_error(409, None);
    let bad = TestStack::answer(send(payment("c"), "").await.unwrap()).await;
    bad.expect_error(400, None);
    let listed = s.get("/api/v1/transactions", &key).await;
    assert_eq!(listed.data()["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_idempotency_key_that_is_not_ascii_is_refused_not_ignored() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    // "café" in UTF-8: not a header value that reads as text.
    let idem = HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap();
    for order in ["a", "b"] {
        let res = s
            .client
            .post(s.url("/api/v1/payment-requests"))
            .bearer_auth(&key)
            .header("idempotency-key", idem.clone())
            .json(&payment(order))
            .send()
            .await
            .unwrap();
        let res = TestStack::answer(res).await;
        res.expect_error(400, None);
        assert_eq!(
            res.body["message"],
            "Idempotency-Key must be 1 to 255 visible ASCII characters"
        );
    }
    let mut body = payment("c");
    body["api_key"] = json!(key);
    let res = s
        .client
        .post(s.url("/payment-request-api"))
        .header("idempotency-key", idem)
        .json(&body)
        .send()
        .await
        .unwrap();
    let res = TestStack::answer(res).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["status"], json!(false));
    let listed = s.get("/api/v1/transactions", &key).await;
    assert_eq!(listed.data()["items"], json!([]), "nothing was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_requests_create_one_transaction() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let req = s
                .client
                .post(s.url("/api/v1/payment-requests"))
                .bearer_auth(&key)
                .json(&payment("race"));
            tokio::spawn(async move { TestStack::answer(req.send().await.unwrap()).await })
        })
        .collect();
    let mut created = 0;
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        let a = task.await.unwrap();
        assert!(
            a.status == 201 || a.status == 200,
            "{}: {}",
            a.status,
            a.body
        );
        created += usize::from(a.status == 201);
        ids.insert(a.data()["transaction_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1, "every answer names the same transaction");
    assert_eq!(created, 1, "exactly one request created it");
    let listed = s.get("/api/v1/transactions", &key).await;
    assert_eq!(listed.data()["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn credentials_are_checked_before_anything_is_created() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let read_only = s.key(&merchant, "read_only").await;
    s.call(
        Method::POST,
        "/api/v1/payment-requests",
        None,
        Some(payment("x")),
    )
    .await
    .expect_error(401, None);
    s.post("/api/v1/payment-requests", "prl_garbage", payment("x"))
        .await
        .expect_error(401, None);
    let (head, _) = key.split_once('.').unwrap();
    let forged = format!("{head}.{}", "A".repeat(43));
    s.post("/api/v1/payment-requests", &forged, payment("x"))
        .await
        .expect_error(401, None);
    let unknown = format!("prl_key_01jd0000000000000000000000.{}", "A".repeat(43));
    s.post("/api/v1/payment-requests", &unknown, payment("x"))
        .await
        .expect_error(401, None);
    s.post("/api/v1/payment-requests", &read_only, payment("x"))
        .await
        .expect_error(403, None);
    s.post("/api/v1/payment-requests", s.admin(), payment("x"))
        .await
        .expect_error(403, None);
    let listed = s.get("/api/v1/transactions", &key).await;
    assert_eq!(listed.data()["items"], json!([]));
}

/// A field a `/api/v1` route does not know is a 422 naming it, and nothing is written: a
/// misspelt or unsupported field never changes a request silently. The compatibility route
/// still accepts what that style of gateway sends.
#[tokio::test]
async fn an_unknown_field_is_refused_by_name_and_nothing_is_written() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    for (field, value) in [
        ("gateway", json!("manual")),
        ("totl_amount", json!("5.00")),
        ("customer", json!({"email": "a@b.io"})),
    ] {
        let mut body = payment("unknown-field");
        body[field] = value;
        let res = s.post("/api/v1/payment-requests", &key, body).await;
        res.expect_code(422, "validation_failed");
        assert!(res.body["errors"][field].is_array(), "{}", res.body);
    }
    let listed = s.get("/api/v1/transactions", &key).await;
    assert_eq!(listed.data()["items"], json!([]));

    // The same across routes: a key, an endpoint, a merchant change.
    s.post(
        "/api/v1/keys",
        &key,
        json!({"label": "x", "scope": "full", "expires": "never"}),
    )
    .await
    .expect_error(422, Some("expires"));
    s.post(
        "/api/v1/webhook-endpoints",
        &key,
        json!({"url": "https://example.com/hook", "secret": "mine"}),
    )
    .await
    .expect_error(422, Some("secret"));
    let keys = s.get("/api/v1/keys", &key).await;
    assert_eq!(keys.data()["items"].as_array().unwrap().len(), 1);

    // The compatibility route accepts what its gateway's shops send.
    let mut compat = payment("compat-extra");
    compat["api_key"] = json!(key);
    compat["gateway"] = json!("whatever");
    let res = s
        .call(
            reqwest::Method::POST,
            "/payment-request-api",
            None,
            Some(compat),
        )
        .await;
    res.expect(201);
    assert_eq!(res.body["status"], json!(true));
}
