//! Delivery formats for receivers written for other gateways (`ovgc`, `onepay`), and custom
//! headers, each checked by a receiver written from that gateway's documented checks.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use payrail_tests::{Delivery, NewEndpoint, Receiver, TestStack, payment};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::webhooks::python_verifies;

const WAIT: Duration = Duration::from_secs(15);

/// What an OVGC receiver does with a delivery: refuse it unless `webhook_secret` is its
/// secret; fulfil the order only for `payment.succeeded` with `success` true. Answers
/// (fulfilled, transaction id), or None when refused.
fn ovgc_receiver(d: &Delivery, secret: &str) -> Option<(bool, String)> {
    let body = d.json();
    if body["webhook_secret"].as_str() != Some(secret) {
        return None;
    }
    let fulfil = body["payment_status"] == "payment.succeeded" && body["success"] == true;
    Some((fulfil, body["transaction_id"].as_str()?.to_owned()))
}

/// What a OnePay receiver does: `signature` must be the lowercase hex HMAC-SHA256 of the raw
/// body keyed with the secret text, and `x-webhook-token` its token.
fn onepay_receiver_accepts(headers: &Delivery, body: &[u8], secret: &str, token: &str) -> bool {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    headers.header("signature") == Some(expected.as_str())
        && headers.header("x-webhook-token") == Some(token)
}

#[tokio::test]
async fn an_ovgc_receiver_fulfils_paid_orders_and_hears_of_declines_and_cancels() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    let ep = s
        .endpoint(&key, NewEndpoint::to(&receiver.url).format("ovgc"))
        .await;
    assert_eq!(ep.data["format"], "ovgc");
    let id = &ep.id;
    let secret = &ep.secret;

    let paid = s.payment_id(&key, payment("ovgc-paid")).await;
    let declined = s.payment_id(&key, payment("ovgc-declined")).await;
    let canceled = s.payment_id(&key, payment("ovgc-canceled")).await;
    assert_eq!(s.pay(&paid, "4242424242424242").await, 303);
    assert_eq!(s.pay(&declined, "4000000000000002").await, 303);
    s.post(
        &format!("/api/v1/transactions/{canceled}/cancel"),
        &key,
        json!({}),
    )
    .await
    .expect(200);

    receiver.wait_for(3, WAIT).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let got = receiver.deliveries();
    assert_eq!(got.len(), 3, "the outcomes only, never payment.created");
    for d in &got {
        let body = d.json();
        assert_eq!(
            body.as_object().unwrap().keys().collect::<Vec<_>>(),
            [
                "customer_email",
                "payment_status",
                "success",
                "transaction_id",
                "webhook_secret"
            ]
        );
        assert_eq!(body["customer_email"], "ann@example.com");
        let (fulfilled, txn) = ovgc_receiver(d, secret).expect("the secret matches");
        if txn == paid {
            assert!(fulfilled);
            assert_eq!(body["payment_status"], "payment.succeeded");
        } else {
            assert!(txn == declined || txn == canceled, "{txn}");
            assert!(!fulfilled);
            assert_eq!(body["payment_status"], "payment.declined");
            assert_eq!(body["success"], false);
        }
        assert!(ovgc_receiver(d, "whsec_someoneelse").is_none());
        // The Standard Webhooks headers come too, signing the bytes sent.
        assert!(python_verifies(d, secret));
    }

    // A test event is ovgc-shaped and fulfils nothing.
    s.post(
        &format!("/api/v1/webhook-endpoints/{id}/test"),
        &key,
        json!({}),
    )
    .await
    .expect(201);
    let test = receiver.wait_for(4, WAIT).await[3].clone();
    assert_eq!(test.json()["payment_status"], "webhook.test");
    assert_eq!(test.json()["success"], false);
    assert_eq!(test.json()["transaction_id"], json!(null));
    assert_eq!(
        ovgc_receiver(&test, secret),
        None,
        "no transaction to fulfil"
    );

    // An event this format cannot carry is not resent to it.
    let created = s.get("/api/v1/events?type=payment.created", &key).await;
    let event_id = created.data()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.post(
        &format!("/api/v1/events/{event_id}/resend"),
        &key,
        json!({"endpoint_id": id}),
    )
    .await
    .expect_error(422, Some("endpoint_id"));
}

#[tokio::test]
async fn a_onepay_receiver_verifies_signature_and_token_and_custom_headers_arrive_on_retries() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    receiver.answer(&[(500, "")]);
    let api_key = "sk_live_merchant_side_0123456789";
    let ep = s
        .endpoint(
            &key,
            NewEndpoint::to(&receiver.url)
                .format("onepay")
                .headers(json!({"X-Api-Key": api_key, "X-Shop": "mugs"})),
        )
        .await;
    let id = &ep.id;
    let secret = &ep.secret;
    let token = ep.data["token"].as_str().unwrap();
    assert!(token.starts_with("whtok_"));
    assert_eq!(
        ep.data["headers"],
        json!({"x-api-key": "••••6789", "x-shop": "••••"})
    );
    let revealed = s
        .get(&format!("/api/v1/webhook-endpoints/{id}/secret"), &key)
        .await;
    assert_eq!(revealed.data()["token"], json!(token));

    let txn = s.payment_id(&key, payment("onepay-1")).await;
    let got = receiver.wait_for(2, WAIT).await;
    assert_eq!(got.len(), 2, "a failure, then the retry");
    for d in &got {
        assert!(onepay_receiver_accepts(d, &d.body, secret, token));
        assert_eq!(d.json()["type"], "payment.created");
        assert_eq!(d.json()["data"]["transaction_id"], json!(txn));
        assert_eq!(d.header("x-api-key"), Some(api_key));
        assert_eq!(d.header("x-shop"), Some("mugs"));
        assert!(python_verifies(d, secret));
    }
    let tampered = String::from_utf8(got[1].body.clone())
        .unwrap()
        .replace("25.00", "2500.00");
    assert!(!onepay_receiver_accepts(
        &got[1],
        tampered.as_bytes(),
        secret,
        token
    ));
    assert!(!onepay_receiver_accepts(
        &got[1],
        &got[1].body,
        secret,
        "whtok_guess"
    ));

    // Header values are secrets: not in the log, not in reads.
    let log = s.delivery_log(&key, id, 2).await.body.to_string();
    assert!(!log.contains(api_key) && !log.contains("mugs"), "{log}");
    let read = s
        .get(&format!("/api/v1/webhook-endpoints/{id}"), &key)
        .await;
    assert!(!read.body.to_string().contains(api_key));

    // Rotation rotates the token too.
    let rotated = s
        .post(
            &format!("/api/v1/webhook-endpoints/{id}/rotate-secret"),
            &key,
            json!({}),
        )
        .await;
    rotated.expect(200);
    assert_ne!(rotated.data()["token"], json!(token));
}

#[tokio::test]
async fn a_standard_endpoint_still_verifies_with_the_library() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    let ep = s.endpoint(&key, &receiver.url).await;
    assert_eq!(ep.data["format"], "standard");
    assert_eq!(ep.data["headers"], json!({}));
    s.payment_id(&key, payment("std-1")).await;
    let got = receiver.wait_for(1, WAIT).await;
    assert!(python_verifies(&got[0], &ep.secret));
    assert_eq!(got[0].json()["type"], "payment.created");
    assert!(got[0].header("signature").is_none() && got[0].header("x-webhook-token").is_none());
}

#[tokio::test]
async fn bad_formats_and_headers_are_refused_with_nothing_written() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let (_, key) = s.merchant_with_key().await;
    let url = "http://127.0.0.1:9/payrail";
    let too_many: serde_json::Map<String, Value> =
        (0..11).map(|i| (format!("x-h{i}"), json!("v"))).collect();
    let bad_headers = [
        Value::Object(too_many),
        json!({"Connection": "close"}),
        json!({"Keep-Alive": "1"}),
        json!({"Proxy-Authorization": "x"}),
        json!({"TE": "x"}),
        json!({"Trailer": "x"}),
        json!({"Transfer-Encoding": "x"}),
        json!({"Upgrade": "x"}),
        json!({"Host": "x"}),
        json!({"Content-Length": "1"}),
        json!({"Content-Type": "text/plain"}),
        json!({"Webhook-Signature": "x"}),
        json!({"signature": "x"}),
        json!({"X-Webhook-Token": "x"}),
        // Headers that change how the body is read or sent, or carry another party's
        // credentials.
        json!({"Content-Encoding": "gzip"}),
        json!({"Content-Range": "bytes 0-1/2"}),
        json!({"Expect": "100-continue"}),
        json!({"Cookie": "session=1"}),
        json!({"Authorization": "Bearer x"}),
        json!({"x bad": "x"}),
        json!({"x-bad(": "x"}),
        json!({"x-a": "line\r\nInjected: 1"}),
        json!({"x-a": "v".repeat(1001)}),
        json!({"x-a": 7}),
        json!(["x-a"]),
    ];
    for headers in &bad_headers {
        s.post(
            "/api/v1/webhook-endpoints",
            &key,
            json!({"url": url, "headers": headers}),
        )
        .await
        .expect_error(422, Some("headers"));
    }
    s.post(
        "/api/v1/webhook-endpoints",
        &key,
        json!({"url": url, "format": "paypal"}),
    )
    .await
    .expect_error(422, Some("format"));
    let listed = s.get("/api/v1/webhook-endpoints", &key).await;
    assert_eq!(listed.data()["items"], json!([]), "nothing was written");

    let ep = s
        .endpoint(
            &key,
            NewEndpoint::to(url).headers(json!({"x-a": "first-value-kept"})),
        )
        .await;
    let path = format!("/api/v1/webhook-endpoints/{}", ep.id);
    for headers in &bad_headers {
        s.patch(&path, &key, json!({"headers": headers}))
            .await
            .expect_error(422, Some("headers"));
    }
    let unchanged = s.get(&path, &key).await;
    assert_eq!(unchanged.data()["headers"], json!({"x-a": "••••kept"}));
    assert_eq!(unchanged.data()["updated_at"], ep.data["updated_at"]);

    // PATCH replaces the whole map; the format changes alone.
    let changed = s
        .patch(
            &path,
            &key,
            json!({"headers": {"x-b": "2"}, "format": "onepay"}),
        )
        .await;
    changed.expect(200);
    assert_eq!(changed.data()["headers"], json!({"x-b": "••••"}));
    assert_eq!(changed.data()["format"], "onepay");
    let cleared = s.patch(&path, &key, json!({"headers": {}})).await;
    assert_eq!(cleared.data()["headers"], json!({}));
    assert_eq!(cleared.data()["format"], "onepay");
}
