//! The hosted checkout in a real browser: headless Chromium (Debian's `chromium`, driven
//! through `chromedriver`) opens the page, fills the card form, submits, and follows the
//! redirect back to the shop. Screenshots go to `target/test-output/`.
//! The Developer Hub's browser tests are in `hub.rs`.

use payrail_tests::browser::Browser;
use payrail_tests::{TestStack, payment};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A shop that answers every request with a thank-you page and reports the request line.
async fn shop() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let n = stream.read(&mut buf).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).to_string();
            let _ = tx.send(request.lines().next().unwrap_or_default().to_owned());
            let body = "<!doctype html><title>Thanks</title><h1>Thanks for your order</h1>";
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    (base, rx)
}

#[tokio::test]
async fn a_customer_pays_on_the_hosted_checkout_in_a_real_browser() {
    let Some(browser) = Browser::launch(480, 900).await else {
        return;
    };
    let s = TestStack::start().await;
    let merchant = s.merchant("Blue Mug Co.").await;
    let key = s.key(&merchant, "full").await;
    let (shop_url, mut shop_requests) = shop().await;
    let mut body = payment("browser-1");
    body["success_url"] = json!(format!("{shop_url}/thanks"));
    body["cancel_url"] = json!(format!("{shop_url}/cart"));
    body["total_amount"] = json!("49.99");
    body["currency"] = json!("EUR");
    let created = s.post("/api/v1/payment-requests", &key, body).await;
    created.expect(201);
    let id = created.data()["transaction_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let checkout_url = created.data()["url"].as_str().unwrap().to_owned();

    browser.goto(&checkout_url).await;
    let heading = browser.text("h1").await;
    assert_eq!(heading, "Blue mug");
    let amount = browser.text(".amount").await;
    assert!(amount.contains("€49.99"), "{amount}");

    for (field, value) in [
        ("card_number", "4242 4242 4242 4242"),
        ("exp_month", "12"),
        ("exp_year", "2031"),
        ("cvc", "123"),
        ("cardholder_name", "Ann Lee"),
    ] {
        browser.fill(&format!("#{field}"), value).await;
    }
    browser.screenshot("checkout-form").await;

    browser.click("button[type=submit]").await;
    browser
        .client
        .wait()
        .for_url(&url_of(&format!("{shop_url}/thanks?transaction_id={id}")))
        .await
        .expect("the browser lands on the shop's success page");
    let thanks = browser.text("h1").await;
    assert_eq!(thanks, "Thanks for your order");
    browser.screenshot("checkout-redirected").await;

    // And the page now shows the final state.
    browser.goto(&checkout_url).await;
    let state = browser.text(".state").await;
    assert!(state.contains("complete"), "{state}");
    browser.screenshot("checkout-paid").await;
    browser.close().await;

    let line = shop_requests.recv().await.unwrap();
    assert!(
        line.starts_with(&format!("GET /thanks?transaction_id={id}")),
        "{line}"
    );
    let read = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
    assert_eq!(read.data()["status"], "paid");
    assert_eq!(read.data()["card"]["last4"], "4242");
}

fn url_of(s: &str) -> url::Url {
    url::Url::parse(s).unwrap()
}
