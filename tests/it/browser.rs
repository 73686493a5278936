//! The hosted checkout in a real browser: headless Chromium (Debian's `chromium`, driven
//! through `chromedriver`) opens the page, fills the card form, submits, and follows the
//! redirect back to the shop. Screenshots go to `target/test-output/`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use payrail_tests::{TestStack, payment};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn output_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-output");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

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

async fn chromedriver() -> Option<(tokio::process::Child, u16)> {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = tokio::process::Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some((child, port));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test]
async fn a_customer_pays_on_the_hosted_checkout_in_a_real_browser() {
    let Some((_driver, port)) = chromedriver().await else {
        if std::env::var("PAYRAIL_SKIP_BROWSER").as_deref() == Ok("1") {
            eprintln!("skipped: chromedriver is not installed and PAYRAIL_SKIP_BROWSER=1");
            return;
        }
        panic!(
            "chromedriver is not installed: `apt-get install chromium chromium-driver` (make test does this as root)"
        );
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

    let profile = std::env::temp_dir().join(format!("payrail-chromium-{id}"));
    let caps = json!({
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=480,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps.as_object().unwrap().clone())
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("chromedriver starts Chromium");

    browser.goto(&checkout_url).await.unwrap();
    let heading = text_of(&browser, "h1").await;
    assert_eq!(heading, "Blue mug");
    let amount = text_of(&browser, ".amount").await;
    assert!(amount.contains("€49.99"), "{amount}");

    for (field, value) in [
        ("card_number", "4242 4242 4242 4242"),
        ("exp_month", "12"),
        ("exp_year", "2031"),
        ("cvc", "123"),
        ("cardholder_name", "Ann Lee"),
    ] {
        browser
            .find(Locator::Id(field))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    let form_png = browser.screenshot().await.unwrap();
    std::fs::write(output_dir().join("checkout-form.png"), form_png).unwrap();

    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_url(&url_of(&format!("{shop_url}/thanks?transaction_id={id}")))
        .await
        .expect("the browser lands on the shop's success page");
    let thanks = text_of(&browser, "h1").await;
    assert_eq!(thanks, "Thanks for your order");
    let done_png = browser.screenshot().await.unwrap();
    std::fs::write(output_dir().join("checkout-redirected.png"), done_png).unwrap();

    // And the page now shows the final state.
    browser.goto(&checkout_url).await.unwrap();
    let state = text_of(&browser, ".state").await;
    assert!(state.contains("complete"), "{state}");
    let paid_png = browser.screenshot().await.unwrap();
    std::fs::write(output_dir().join("checkout-paid.png"), paid_png).unwrap();
    browser.close().await.unwrap();
    let _ = std::fs::remove_dir_all(profile);

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

/// The text of the first element matching `css`.
async fn text_of(browser: &fantoccini::Client, css: &str) -> String {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}
