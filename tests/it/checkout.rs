use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use payrail_tests::{TestStack, no_redirects, payment};
use serde_json::{Value, json};

/// Creates a payment and answers its transaction.
async fn create(s: &TestStack, key: &str, body: Value) -> Value {
    let res = s.post("/api/v1/payment-requests", key, body).await;
    res.expect(201);
    res.data().clone()
}

async fn page(s: &TestStack, id: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let res = s
        .client
        .get(s.url(&format!("/checkout/{id}")))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

fn token_in(html: &str) -> String {
    let at = html
        .find(r#"name="token" value=""#)
        .expect("the form has a token");
    let rest = &html[at + r#"name="token" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn submit(s: &TestStack, id: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    no_redirects()
        .post(s.url(&format!("/checkout/{id}")))
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn pay_with(s: &TestStack, id: &str, card: &str) -> reqwest::Response {
    let (_, _, html) = page(s, id).await;
    let token = token_in(&html);
    submit(
        s,
        id,
        &[
            ("token", &token),
            ("card_number", card),
            ("exp_month", "12"),
            ("exp_year", "2031"),
            ("cvc", "123"),
            ("cardholder_name", "Ann Lee"),
        ],
    )
    .await
}

/// The transaction's item exactly as stored.
async fn stored_transaction(s: &TestStack, id: &str) -> HashMap<String, AttributeValue> {
    s.running
        .app
        .dynamodb
        .get_item()
        .table_name(&s.running.app.settings.transactions_table)
        .key("pk", AttributeValue::S(id.into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap()
}

/// The merchant's events as stored (type → count), read straight from the table.
async fn events(s: &TestStack, merchant: &str) -> Vec<Value> {
    let out = s
        .running
        .app
        .dynamodb
        .query()
        .table_name(&s.running.app.settings.events_table)
        .index_name("by_merchant")
        .key_condition_expression("merchant_id = :m")
        .expression_attribute_values(":m", AttributeValue::S(merchant.into()))
        .send()
        .await
        .unwrap();
    out.items
        .unwrap_or_default()
        .into_iter()
        .map(|item| {
            let body = item["body"].as_s().unwrap();
            serde_json::from_str(body).unwrap()
        })
        .collect()
}

fn count(events: &[Value], kind: &str) -> usize {
    events.iter().filter(|e| e["type"] == kind).count()
}

#[tokio::test]
async fn the_page_shows_the_payment_with_every_merchant_string_escaped() {
    let s = TestStack::start().await;
    let merchant = s.merchant("Bob & <Sons>").await;
    let key = s.key(&merchant, "full").await;
    let mut body = payment("page-1");
    body["product_title"] = json!("<script>alert(1)</script> Mug");
    body["total_amount"] = json!("49.99");
    body["currency"] = json!("EUR");
    let txn = create(&s, &key, body).await;
    let (status, headers, html) = page(&s, txn["transaction_id"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(
        csp.contains("form-action 'self' https://shop.example.com"),
        "{csp}"
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.contains_key("x-request-id"));
    assert!(
        !html.contains("<script"),
        "a merchant string reached the page unescaped"
    );
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62; Mug"));
    assert!(html.contains("Bob &#38; &#60;Sons&#62;"));
    assert!(html.contains("€49.99"));
    for field in [
        "card_number",
        "exp_month",
        "exp_year",
        "cvc",
        "cardholder_name",
    ] {
        assert!(
            html.contains(&format!(r#"<label for="{field}">"#)),
            "no label for {field}"
        );
    }
    assert!(
        !html.contains("http://") || !html.contains("src="),
        "no external assets"
    );
}

#[tokio::test]
async fn an_unknown_payment_is_404() {
    let s = TestStack::start().await;
    let (status, _, html) = page(&s, "txn_01jd0000000000000000000000").await;
    assert_eq!(status, 404);
    assert!(html.contains("no payment"));
    let (status, _, _) = page(&s, "garbage").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_valid_card_pays_once_and_only_brand_and_last4_are_kept() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let txn = create(&s, &key, payment("pay-1")).await;
    let id = txn["transaction_id"].as_str().unwrap();

    let res = pay_with(&s, id, "4242 4242 4242 4242").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("https://shop.example.com/ok?transaction_id={id}").as_str()
    );

    let read = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
    assert_eq!(read.data()["status"], "paid");
    assert!(read.data()["paid_at"].is_string());
    assert_eq!(
        read.data()["card"],
        json!({"brand": "visa", "last4": "4242"})
    );

    let stored = stored_transaction(&s, id).await;
    assert!(!format!("{stored:?}").contains("4242424242424242"));
    assert!(
        !stored.contains_key("pending_shard"),
        "left the pending index"
    );

    let evs = events(&s, &merchant).await;
    assert_eq!(count(&evs, "payment.created"), 1);
    assert_eq!(count(&evs, "payment.succeeded"), 1);
    let succeeded = evs
        .iter()
        .find(|e| e["type"] == "payment.succeeded")
        .unwrap();
    assert_eq!(succeeded["data"]["status"], "paid");
    assert!(
        !evs.iter()
            .any(|e| e.to_string().contains("4242424242424242"))
    );

    // Paying again shows the final state and changes nothing.
    let again = pay_with_token(&s, id, "unused").await;
    assert_eq!(again.status().as_u16(), 409);
    assert!(again.text().await.unwrap().contains("complete"));
    assert_eq!(count(&events(&s, &merchant).await, "payment.succeeded"), 1);
}

async fn pay_with_token(s: &TestStack, id: &str, token: &str) -> reqwest::Response {
    submit(
        s,
        id,
        &[
            ("token", token),
            ("card_number", "4242424242424242"),
            ("exp_month", "12"),
            ("exp_year", "2031"),
            ("cvc", "123"),
            ("cardholder_name", "Ann Lee"),
        ],
    )
    .await
}

#[tokio::test]
async fn test_cards_decline_with_their_reason_and_return_to_cancel_url() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    for (i, (card, reason)) in [
        ("4000000000000002", "card_declined"),
        ("4000000000009995", "insufficient_funds"),
    ]
    .into_iter()
    .enumerate()
    {
        let txn = create(&s, &key, payment(&format!("decline-{i}"))).await;
        let id = txn["transaction_id"].as_str().unwrap();
        let res = pay_with(&s, id, card).await;
        assert_eq!(res.status().as_u16(), 303);
        assert_eq!(
            res.headers()["location"],
            format!("https://shop.example.com/cancel?transaction_id={id}").as_str()
        );
        let read = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
        assert_eq!(read.data()["status"], "declined");
        assert_eq!(read.data()["decline_reason"], reason);
        assert_eq!(read.data()["paid_at"], json!(null));
        assert_eq!(read.data()["card"]["last4"], &card[12..]);
    }
    assert_eq!(count(&events(&s, &merchant).await, "payment.declined"), 2);
}

#[tokio::test]
async fn bad_card_input_re_renders_with_field_errors_and_changes_nothing() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let txn = create(&s, &key, payment("bad-1")).await;
    let id = txn["transaction_id"].as_str().unwrap();
    let (_, _, html) = page(&s, id).await;
    let token = token_in(&html);
    let res = submit(
        &s,
        id,
        &[
            ("token", &token),
            ("card_number", "4242424242424241"),
            ("exp_month", "13"),
            ("exp_year", "2020"),
            ("cvc", "12"),
            ("cardholder_name", "Ann <b>Lee</b>"),
        ],
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("not valid; check the digits"));
    assert!(html.contains("expiry month"));
    assert!(html.contains("3-digit security code"));
    assert!(html.contains(r#"aria-invalid="true""#));
    assert!(
        html.contains("Ann &#60;b&#62;Lee&#60;/b&#62;"),
        "the name is echoed, escaped"
    );
    assert!(
        !html.contains("4242424242424241"),
        "the card number is never echoed"
    );

    // A form that did not come from our page is refused.
    let forged = pay_with_token(&s, id, "forged-token").await;
    assert_eq!(forged.status().as_u16(), 403);

    let read = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
    assert_eq!(read.data()["status"], "pending");
    assert_eq!(read.data()["card"], json!(null));
    assert_eq!(count(&events(&s, &merchant).await, "payment.succeeded"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submissions_pay_at_most_once() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let txn = create(&s, &key, payment("race-pay")).await;
    let id = txn["transaction_id"].as_str().unwrap().to_owned();
    let (_, _, html) = page(&s, &id).await;
    let token = token_in(&html);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let req = no_redirects()
                .post(s.url(&format!("/checkout/{id}")))
                .form(&[
                    ("token", token.as_str()),
                    ("card_number", "4242424242424242"),
                    ("exp_month", "12"),
                    ("exp_year", "2031"),
                    ("cvc", "123"),
                    ("cardholder_name", "Ann Lee"),
                ]);
            tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = HashMap::new();
    for t in tasks {
        *statuses.entry(t.await.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(statuses.get(&303), Some(&1), "{statuses:?}");
    assert_eq!(statuses.get(&409), Some(&19), "{statuses:?}");
    assert_eq!(count(&events(&s, &merchant).await, "payment.succeeded"), 1);
}

#[tokio::test]
async fn the_sweeper_expires_due_payments_with_their_event() {
    let s = TestStack::start_with(&[("PAYRAIL_CHECKOUT_TTL_SECONDS", "2")]).await;
    let (merchant, key) = s.merchant_with_key().await;
    let due = create(&s, &key, payment("exp-1")).await;
    let id = due["transaction_id"].as_str().unwrap();
    // The form's token, read from storage: with a two-second TTL the page may already show
    // the payment expired on a slow machine.
    let token = stored_transaction(&s, id).await["checkout_token"]
        .as_s()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(3100)).await;

    let ran = payrail_tests::payrail_local::scheduled::invoke("expire-payments", &s.running.app)
        .await
        .unwrap();
    assert_eq!(ran["expired"], 1);
    let again = payrail_tests::payrail_local::scheduled::invoke("expire-payments", &s.running.app)
        .await
        .unwrap();
    assert_eq!(again["expired"], 0, "nothing is expired twice");

    let stored = stored_transaction(&s, id).await;
    assert_eq!(stored["status"].as_s().unwrap(), "expired");
    let evs = events(&s, &merchant).await;
    assert_eq!(count(&evs, "payment.expired"), 1);

    // The page shows it expired, and it cannot be paid.
    let (status, _, html) = page(&s, id).await;
    assert_eq!(status, 200);
    assert!(html.contains("expired"));
    let res = pay_with_token(&s, id, &token).await;
    assert_eq!(res.status().as_u16(), 409);
}

#[tokio::test]
async fn each_bad_field_is_named_on_its_own() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let txn = create(&s, &key, payment("fields")).await;
    let id = txn["transaction_id"].as_str().unwrap();
    let (_, _, html) = page(&s, id).await;
    let token = token_in(&html);
    let valid = [
        ("card_number", "4242424242424242"),
        ("exp_month", "12"),
        ("exp_year", "2031"),
        ("cvc", "123"),
        ("cardholder_name", "Ann Lee"),
    ];
    for (field, bad) in [
        ("card_number", ""),
        ("card_number", "4242424242424241"),
        ("card_number", "4242-abcd"),
        ("exp_month", "0"),
        ("exp_year", "1999"),
        ("exp_year", "2020"),
        ("cvc", "12a"),
        ("cardholder_name", ""),
    ] {
        let mut form: Vec<(&str, &str)> = vec![("token", token.as_str())];
        form.extend(
            valid
                .iter()
                .map(|(k, v)| (*k, if *k == field { bad } else { *v })),
        );
        let res = submit(&s, id, &form).await;
        assert_eq!(res.status().as_u16(), 422, "{field}={bad}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!(r#"id="{field}-error""#)),
            "{field}={bad} is not named"
        );
        assert_eq!(
            html.matches(r#"class="error""#).count(),
            1,
            "only {field} is wrong"
        );
    }
    let read = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
    assert_eq!(read.data()["status"], "pending");
}
