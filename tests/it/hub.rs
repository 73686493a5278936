//! The Developer Hub: the page and its assets as served, the admin token acting for a merchant
//! (the API path the Hub uses for operators), and the console itself driven in headless
//! Chromium against the local stack. Screenshots of every tab go to `target/test-output/`.

use std::time::Duration;

use payrail::webhooks::signing;
use payrail_tests::browser::{Browser, Hub};
use payrail_tests::{NewEndpoint, Receiver, TestStack, no_redirects, payment};
use serde_json::{Value, json};

#[tokio::test]
async fn the_page_and_its_assets_are_served_under_a_strict_policy() {
    let s = TestStack::start().await;
    let page = s.client.get(s.url("/hub")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(page.headers()["x-request-id"].to_str().is_ok());
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>Payrail Developer Hub</title>"));
    // No inline script or handler: the policy would block them, and nothing needs them.
    for tag in html.split("<script").skip(1) {
        assert!(
            tag.trim_start().starts_with("type=\"module\" src="),
            "{tag}"
        );
    }
    assert!(
        !html.contains(" onclick=") && !html.contains(" onload=") && !html.contains(" onsubmit="),
        "inline handlers in the page"
    );

    let js = s.client.get(s.url("/hub/hub.js")).send().await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(js.headers()["cache-control"], "no-cache");
    let etag = js.headers()["etag"].to_str().unwrap().to_owned();
    let script = js.text().await.unwrap();
    assert!(!script.contains("innerHTML"), "API values are set as text");
    let again = s
        .client
        .get(s.url("/hub/hub.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    let css = s.client.get(s.url("/hub/hub.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let missing = s
        .client
        .get(s.url("/hub/secrets.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let slash = no_redirects().get(s.url("/hub/")).send().await.unwrap();
    assert_eq!(slash.status(), 308);
    assert_eq!(slash.headers()["location"], "/hub");
}

#[tokio::test]
async fn the_admin_token_acts_for_the_merchant_it_names() {
    let s = TestStack::start_with(&[
        ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
        ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
    ])
    .await;
    let (merchant, key) = s.merchant_with_key().await;
    let (other, _) = s.merchant_with_key().await;
    let created = s
        .post("/api/v1/payment-requests", &key, payment("acting-1"))
        .await;
    created.expect(201);
    let txn = created.data()["transaction_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Without naming a merchant the admin token owns no merchant data.
    s.get("/api/v1/transactions", s.admin())
        .await
        .expect_error(403, None);
    s.get("/api/v1/webhook-endpoints", s.admin())
        .await
        .expect_error(403, None);

    let list = s
        .get(
            &format!("/api/v1/transactions?merchant_id={merchant}"),
            s.admin(),
        )
        .await;
    list.expect(200);
    assert_eq!(list.data()["items"][0]["transaction_id"], json!(txn));
    s.get(
        &format!("/api/v1/transactions/{txn}?merchant_id={merchant}"),
        s.admin(),
    )
    .await
    .expect(200);
    // Acting for another merchant shows that merchant's data only.
    s.get(
        &format!("/api/v1/transactions/{txn}?merchant_id={other}"),
        s.admin(),
    )
    .await
    .expect_error(404, None);
    s.get(
        "/api/v1/events?merchant_id=mer_01jd0000000000000000000000",
        s.admin(),
    )
    .await
    .expect_error(404, None);

    let endpoint = s
        .post(
            &format!("/api/v1/webhook-endpoints?merchant_id={merchant}"),
            s.admin(),
            json!({"url": "http://127.0.0.1:9/hooks", "description": "set up by ops"}),
        )
        .await;
    endpoint.expect(201);
    let mine = s.get("/api/v1/webhook-endpoints", &key).await;
    assert_eq!(mine.data()["items"][0]["description"], "set up by ops");
    let events = s
        .get(&format!("/api/v1/events?merchant_id={merchant}"), s.admin())
        .await;
    assert_eq!(events.data()["items"][0]["type"], "payment.created");

    // Payments are created by the merchant's own server, never by the operator.
    s.post(
        &format!("/api/v1/payment-requests?merchant_id={merchant}"),
        s.admin(),
        payment("acting-2"),
    )
    .await
    .expect_error(403, None);
    // A merchant key cannot reach another merchant by naming it.
    let theirs = s
        .get(&format!("/api/v1/transactions?merchant_id={other}"), &key)
        .await;
    assert_eq!(theirs.data()["items"][0]["transaction_id"], json!(txn));
}

#[tokio::test]
async fn a_merchant_manages_keys_and_webhooks_in_the_hub() {
    let Some(browser) = Browser::launch(1280, 900).await else {
        return;
    };
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (_, key) = s.merchant_with_key().await;
    s.post("/api/v1/payment-requests", &key, payment("hub-1"))
        .await
        .expect(201);

    // A wrong credential is refused in words.
    let hub = Hub::new(&browser, &s);
    hub.open().await;
    let last = if key.ends_with('A') { "B" } else { "A" };
    let wrong = format!("{}{last}", &key[..key.len() - 1]);
    hub.submit_credential(&wrong).await;
    browser
        .wait_text("#signin-form .alert", "Invalid API key")
        .await;

    hub.sign_in(&key).await;
    browser.wait_for("#payments-table tbody tr").await;
    assert!(browser.text("#payments-table").await.contains("hub-1"));
    assert!(browser.text("#who").await.contains("full access"));
    let stored = browser
        .eval(
            "return sessionStorage.getItem('payrail.credential')",
            vec![],
        )
        .await;
    assert_eq!(stored, json!(key));
    let elsewhere = browser
        .eval(
            "return localStorage.length + document.cookie.length",
            vec![],
        )
        .await;
    assert_eq!(
        elsewhere,
        json!(0),
        "the credential is kept in sessionStorage only"
    );
    browser.screenshot("hub-payments").await;

    // Generate a key, read it from the one-time dialog, find it in the table by its prefix.
    hub.open_tab("keys").await;
    browser.fill("#key-label", "Checkout server").await;
    browser
        .find("#key-scope")
        .await
        .select_by_value("full")
        .await
        .unwrap();
    hub.open_dialog("#generate-key").await;
    let new_key = browser.value("#secret-value").await;
    assert!(new_key.starts_with("prl_key_"), "{new_key}");
    assert!(
        browser
            .text("#dialog")
            .await
            .contains("It will not be shown again")
    );
    browser.screenshot("hub-key-dialog").await;
    hub.done().await;
    let row = hub.key_row(&new_key).await;
    assert!(browser.text(&row).await.contains("Checkout server"));
    s.get("/api/v1/transactions", &new_key).await.expect(200);
    browser.screenshot("hub-keys").await;

    // Revoke it (after confirming); the API refuses it at once.
    hub.click_button_and_confirm(&row, "Revoke").await;
    browser
        .wait_text_is(&format!("{row} .badge"), "revoked")
        .await;
    s.get("/api/v1/transactions", &new_key)
        .await
        .expect_error(401, None);

    // Add a webhook endpoint to a loopback receiver; the secret is shown once created.
    hub.open_tab("webhooks").await;
    hub.open_dialog("#add-webhook").await;
    browser.fill("#webhook-url", &receiver.url).await;
    browser.fill("#webhook-description", "Order service").await;
    // The OnePay format, with a custom header.
    browser.choose("#webhook-format", "onepay").await;
    browser.click("#add-header").await;
    browser.fill("#dialog .header-name", "X-Shop-Key").await;
    browser
        .fill("#dialog .header-value", "hub-secret-value-42")
        .await;
    browser.screenshot("hub-webhook-dialog").await;
    browser.click("#save-webhook").await;
    let secret = hub.one_time_secret("whsec_").await;
    hub.done().await;
    browser
        .wait_for("#webhooks-table tbody tr[data-endpoint-id]")
        .await;
    assert!(
        browser
            .text("#webhooks-table")
            .await
            .contains(&receiver.url)
    );

    // Send a test event; its attempt appears in the endpoint's delivery log.
    browser
        .click_button("#webhooks-table tbody tr", "Send test")
        .await;
    browser
        .until(
            "[...document.querySelectorAll('#attempts-table tbody tr')].some(r => \
             r.textContent.includes('webhook.test') && r.textContent.includes('200'))",
        )
        .await;
    browser.screenshot("hub-webhooks").await;
    let delivered = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(delivered.len(), 1, "one test event, delivered once");
    let test = &delivered[0];
    assert_eq!(test.json()["type"], "webhook.test");
    let key_bytes = signing::decode_secret(&secret).unwrap();
    assert!(signing::verify(
        &key_bytes,
        test.header("webhook-id").unwrap(),
        test.header("webhook-timestamp").unwrap().parse().unwrap(),
        &test.body,
        test.header("webhook-signature").unwrap(),
    ));
    assert_eq!(test.header("x-shop-key"), Some("hub-secret-value-42"));
    assert!(test.header("signature").is_some() && test.header("x-webhook-token").is_some());

    // Editing shows the header's name, never its value, and saving untouched keeps it.
    browser
        .click_button("#webhooks-table tbody tr", "Edit")
        .await;
    browser
        .until("document.querySelector('#dialog .header-value')?.placeholder === '••••e-42'")
        .await;
    assert_eq!(browser.value("#dialog .header-name").await, "x-shop-key");
    assert_eq!(browser.value("#dialog .header-value").await, "");
    assert_eq!(browser.value("#webhook-format").await, "onepay");
    browser.click("#save-webhook").await;
    hub.wait_dialog_closed().await;
    let listed = s.get("/api/v1/webhook-endpoints", &key).await;
    assert_eq!(
        listed.data()["items"][0]["headers"],
        json!({"x-shop-key": "••••e-42"})
    );
    assert_eq!(listed.data()["items"][0]["format"], "onepay");

    // Events: the list, and one event's payload with its attempts.
    hub.open_tab("events").await;
    browser.wait_for("#events-table tbody tr").await;
    browser
        .click_button("#events-table tbody tr", "Details")
        .await;
    browser.wait_for("#event-detail pre.payload").await;
    browser.screenshot("hub-events").await;

    // Logs: the requests this session made with the key, newest first.
    hub.open_tab("logs").await;
    browser.wait_for("#logs-table tbody tr").await;
    assert!(browser.text("#logs-table").await.contains("/api/v1/"));
    browser.screenshot("hub-logs").await;

    hub.open_tab("settings").await;
    browser.wait_for("#rate-limit").await;
    assert!(
        browser
            .text("#rate-limit")
            .await
            .contains("120 requests per minute")
    );
    browser.screenshot("hub-rate-limit").await;

    // Signing out forgets the credential.
    hub.sign_out().await;
    let left = browser.eval("return sessionStorage.length", vec![]).await;
    assert_eq!(left, json!(0));
    browser.close().await;
}

#[tokio::test]
async fn a_read_only_key_sees_everything_and_changes_nothing() {
    // On a phone-sized window: the tables turn into stacked cards.
    let Some(browser) = Browser::launch(420, 900).await else {
        return;
    };
    let s = TestStack::start().await;
    let merchant = s.merchant("Read Only Co.").await;
    let full = s.key(&merchant, "full").await;
    let read_only = s.key(&merchant, "read_only").await;
    s.endpoint(&full, "https://93.184.215.14/hooks").await;

    let hub = Hub::new(&browser, &s);
    hub.sign_in(&read_only).await;
    assert!(browser.text("#who").await.contains("read-only"));
    hub.open_tab("webhooks").await;
    browser.wait_for("#webhooks-table tbody tr").await;
    let enabled: Value = browser
        .eval(
            "return [...document.querySelectorAll('#panel button')].filter(b => !b.disabled).map(b => b.textContent)",
            vec![],
        )
        .await;
    assert_eq!(
        enabled,
        json!(["Deliveries"]),
        "a read-only key gets no write control"
    );
    browser.screenshot("hub-read-only-webhooks").await;
    hub.open_tab("keys").await;
    assert!(browser.text("#panel").await.contains("needs a full key"));
    browser.screenshot("hub-read-only").await;
    browser.close().await;
}

#[tokio::test]
async fn the_operator_picks_a_merchant_and_changes_its_rate_limit() {
    let Some(browser) = Browser::launch(1280, 900).await else {
        return;
    };
    let s = TestStack::start().await;
    let merchant = s.merchant("Operator Picks Ltd").await;

    let hub = Hub::new(&browser, &s);
    hub.sign_in(s.admin()).await;
    browser.wait_shown("#merchants").await;
    browser.wait_for("#merchants-table tbody tr").await;
    browser.screenshot("hub-merchants").await;
    browser
        .click_button("#merchants-table tbody tr", "Manage")
        .await;
    hub.wait_console().await;
    assert!(browser.text("#who").await.contains(&merchant));

    hub.open_tab("settings").await;
    // Stripe's webhook URL names the merchant the operator acts for.
    assert_eq!(
        browser.value("#stripe-webhook-url").await,
        s.url(&format!("/hooks/stripe/{merchant}"))
    );
    browser.fill("#rate-limit", "0").await;
    browser.click("#save-rate-limit").await;
    browser.wait_for("#panel .alert:not([hidden])").await;
    assert!(
        browser
            .text("#panel .alert:not([hidden])")
            .await
            .contains("rate limit per minute")
    );
    browser.fill("#rate-limit", "300").await;
    browser.click("#save-rate-limit").await;
    hub.wait_toast("300").await;
    let read = s
        .get(&format!("/api/v1/merchants/{merchant}"), s.admin())
        .await;
    assert_eq!(read.data()["rate_limit_per_minute"], 300);

    // Acting for the merchant, the operator generates a key for it.
    hub.open_tab("keys").await;
    browser.fill("#key-label", "Issued by ops").await;
    browser.click("#generate-key").await;
    let issued = hub.one_time_secret("prl_").await;
    let keys = s.get("/api/v1/keys", &issued).await;
    keys.expect(200);
    assert_eq!(keys.data()["items"][0]["merchant_id"], json!(merchant));

    // Back on the merchant picker, the audit log lists what the operator changed.
    browser
        .eval("document.querySelector('#dialog').close()", vec![])
        .await;
    browser.click("#switch-merchant").await;
    browser
        .until("document.querySelectorAll('#audit-table tbody tr').length >= 2")
        .await;
    let audit = browser.text("#audit-table tbody").await;
    assert!(audit.contains("POST /api/v1/keys"), "{audit}");
    assert!(audit.contains("PATCH /api/v1/merchants/{id}"), "{audit}");
    assert!(audit.contains(&merchant), "{audit}");
    browser.screenshot("hub-audit-log").await;
    browser.close().await;
}

/// Everything on the page a secret could show up in: its text and every field's value.
const PAGE_TEXT: &str = "return document.body.innerText + \
     [...document.querySelectorAll('input')].map(i => i.value).join(' ')";

#[tokio::test]
async fn a_merchant_connects_stripe_in_the_hub_settings() {
    let Some(browser) = Browser::launch(1280, 1000).await else {
        return;
    };
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let (sk, pk, whsec) = payrail_tests::stripe::keys();

    let hub = Hub::new(&browser, &s);
    hub.sign_in(&key).await;
    hub.open_tab("settings").await;
    browser.wait_text_is("#processor-type", "Sandbox").await;
    assert_eq!(browser.text("#processor-mode").await, "test mode");
    assert_eq!(
        browser.value("#stripe-webhook-url").await,
        s.url(&format!("/hooks/stripe/{merchant}"))
    );

    // A key Stripe refuses is shown in words beside its field, and nothing changes.
    let unknown = payrail_tests::stripe::keys().0;
    payrail_tests::stripe::refuse_key(&unknown).await;
    hub.connect_stripe(&unknown, &pk, &whsec).await;
    browser.wait_shown("#stripe-secret-key-error").await;
    assert!(
        browser
            .text("#stripe-secret-key-error")
            .await
            .contains("Stripe refused this key"),
        "{}",
        browser.text("#stripe-secret-key-error").await
    );
    assert!(
        browser
            .text("#stripe-connect .alert")
            .await
            .contains("Validation failed")
    );
    assert_eq!(browser.value("#stripe-secret-key").await, "");
    assert_eq!(browser.value("#stripe-webhook-secret").await, "");
    assert_eq!(browser.text("#processor-type").await, "Sandbox");
    browser.screenshot("hub-processor-refused").await;
    let shown = s.get("/api/v1/processor", &key).await;
    assert_eq!(shown.data()["type"], "sandbox");

    // Good test keys connect Stripe in test mode; the secrets are not kept on the page.
    hub.connect_stripe(&sk, &pk, &whsec).await;
    browser.wait_text_is("#processor-type", "Stripe").await;
    let last4 = &sk[sk.len() - 4..];
    assert_eq!(browser.text("#processor-mode").await, "test mode");
    assert_eq!(
        browser.text("#processor-secret-key").await,
        format!("sk_…••••{last4}")
    );
    assert_eq!(browser.text("#processor-publishable-key").await, pk);
    hub.wait_toast("Stripe connected in test mode").await;
    assert!(
        browser
            .eval(
                "return document.querySelector('#stripe-secret-key-error').hidden \
                 && [...document.querySelectorAll('#processor .alert')].every(a => a.hidden)",
                vec![]
            )
            .await
            .as_bool()
            .unwrap()
    );
    let page = browser.eval(PAGE_TEXT, vec![]).await;
    let page = page.as_str().unwrap();
    assert!(!page.contains(&sk) && !page.contains(&whsec), "{page}");
    browser.eval("window.scrollTo(0, 0)", vec![]).await;
    browser.screenshot("hub-processor").await;
    let shown = s.get("/api/v1/processor", &key).await;
    shown.expect(200);
    assert_eq!(shown.data()["type"], "stripe");
    assert_eq!(shown.data()["livemode"], false);
    assert_eq!(shown.data()["publishable_key"], json!(pk));
    assert_eq!(shown.data()["secret_key_last4"], json!(last4));

    // Back to the sandbox, after confirming.
    hub.click_and_confirm("#use-sandbox").await;
    browser
        .until(
            "document.querySelector('#processor-type')?.textContent === 'Sandbox' \
             && document.querySelector('#use-sandbox').disabled",
        )
        .await;
    hub.wait_toast("sandbox").await;
    let shown = s.get("/api/v1/processor", &key).await;
    assert_eq!(shown.data()["type"], "sandbox");
    browser.close().await;
}

#[tokio::test]
async fn a_deployment_without_the_sandbox_says_so_in_the_hub() {
    let Some(browser) = Browser::launch(1280, 1000).await else {
        return;
    };
    let s = TestStack::start_with(&[("PAYRAIL_ALLOW_SANDBOX", "0")]).await;
    let (_, key) = s.merchant_with_key().await;

    let hub = Hub::new(&browser, &s);
    hub.sign_in(&key).await;
    hub.open_tab("settings").await;
    browser
        .wait_text_is("#processor-type", "None connected")
        .await;
    assert!(
        browser
            .text("#processor-mode-note")
            .await
            .contains("connect Stripe")
    );
    // The refusal is said in the dialog that asked, which stays open.
    hub.click_and_confirm("#use-sandbox").await;
    browser.wait_for("#dialog .alert:not([hidden])").await;
    assert!(
        browser
            .text("#dialog .alert:not([hidden])")
            .await
            .contains("collects real money only"),
    );
    assert_eq!(browser.text("#processor-type").await, "None connected");
    let shown = s.get("/api/v1/processor", &key).await;
    assert_eq!(shown.data()["type"], json!(null));
    browser.close().await;
}

#[tokio::test]
async fn a_read_only_key_sees_the_processor_and_changes_nothing() {
    let Some(browser) = Browser::launch(1280, 1000).await else {
        return;
    };
    let s = TestStack::start().await;
    let merchant = s.merchant("Read Only Processor Co.").await;
    let full = s.key(&merchant, "full").await;
    let read_only = s.key(&merchant, "read_only").await;
    let (sk, pk, whsec) = payrail_tests::stripe::keys();
    s.call(
        reqwest::Method::PUT,
        "/api/v1/processor",
        Some(&full),
        Some(json!({"type": "stripe", "secret_key": sk, "publishable_key": pk, "webhook_secret": whsec})),
    )
    .await
    .expect(200);

    let hub = Hub::new(&browser, &s);
    hub.sign_in(&read_only).await;
    hub.open_tab("settings").await;
    browser.wait_text_is("#processor-type", "Stripe").await;
    assert_eq!(browser.text("#processor-mode").await, "test mode");
    assert_eq!(
        browser.text("#processor-secret-key").await,
        format!("sk_…••••{}", &sk[sk.len() - 4..])
    );
    assert_eq!(browser.text("#processor-publishable-key").await, pk);
    // The URL to give Stripe names the key's merchant, which any key can read.
    assert!(
        browser
            .value("#stripe-webhook-url")
            .await
            .ends_with(&format!("/hooks/stripe/{merchant}"))
    );
    let controls: Value = browser
        .eval(
            "return [...document.querySelectorAll('#processor button, #processor input')] \
             .map(c => [c.id || c.textContent, c.disabled, c.title])",
            vec![],
        )
        .await;
    let controls = controls.as_array().unwrap();
    // The URL's copy button aside, every control is disabled and says why.
    let changes: Vec<_> = controls
        .iter()
        .filter(|c| c[0] != "stripe-webhook-url" && c[0] != "Copy")
        .collect();
    assert_eq!(changes.len(), 6, "{controls:?}");
    for control in changes {
        assert_eq!(control[1], json!(true), "{control:?} is disabled");
        assert!(
            control[2].as_str().unwrap().contains("processor:write"),
            "{control:?} says why"
        );
    }
    browser.screenshot("hub-read-only-processor").await;
    browser.close().await;
}

#[tokio::test]
async fn a_merchant_refunds_and_cancels_payments_in_the_hub() {
    let Some(browser) = Browser::launch(1280, 900).await else {
        return;
    };
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut body = payment("hub-refund");
    body["total_amount"] = json!("40.00");
    let paid = s.payment_id(&key, body).await;
    assert_eq!(s.pay(&paid, "4242424242424242").await, 303);
    let pending = s.payment_id(&key, payment("hub-cancel")).await;

    let hub = Hub::new(&browser, &s);
    hub.sign_in(&key).await;
    browser.wait_count("#payments-table tbody tr", 2).await;

    // Refund part of the paid one, then the rest.
    let details = |id: &str| format!("#payments-table tr[data-transaction-id='{id}'] button");
    browser.click(&details(&paid)).await;
    browser
        .until("document.querySelector('#refund-payment') && !document.querySelector('#refund-payment').disabled")
        .await;
    // More than was paid is refused in words, and nothing is refunded.
    hub.refund(Some("99.00"), None).await;
    browser
        .wait_text("#payment-detail .alert", "more than is left")
        .await;
    hub.refund(Some("15.00"), Some("one mug broken")).await;
    browser.wait_text_is("#amount-refunded", "15.00 USD").await;
    assert!(
        browser
            .text("#refunds-table")
            .await
            .contains("one mug broken")
    );
    browser.screenshot("hub-refund").await;
    hub.refund(None, None).await;
    browser.wait_text_is("#amount-refunded", "40.00 USD").await;
    browser
        .until("document.querySelector('#refund-payment').disabled")
        .await;
    assert_eq!(
        browser
            .text("#refunds-table tbody")
            .await
            .matches("succeeded")
            .count(),
        2
    );

    // A pending payment cannot be refunded, and can be canceled.
    browser.click(&details(&pending)).await;
    browser.wait_shown("#cancel-payment").await;
    assert!(browser.is("#refund-payment", "disabled").await);
    hub.click_and_confirm("#cancel-payment").await;
    browser.wait_text("#payment-detail", "canceled").await;
    let t = s
        .get(&format!("/api/v1/transactions/{pending}"), &key)
        .await;
    assert_eq!(t.data()["status"], "canceled");
    let t = s.get(&format!("/api/v1/transactions/{paid}"), &key).await;
    assert_eq!(t.data()["status"], "refunded");
    browser.close().await;
}

#[tokio::test]
async fn a_merchant_creates_shares_and_deactivates_a_payment_link_in_the_hub() {
    let Some(browser) = Browser::launch(1280, 900).await else {
        return;
    };
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let hub = Hub::new(&browser, &s);
    hub.sign_in(&key).await;
    hub.open_tab("links").await;
    browser
        .wait_text("#panel .list-status", "No payment links yet")
        .await;

    // An incomplete link is refused in words, and nothing is created.
    hub.open_dialog("#add-link").await;
    browser.fill("#link-amount", "12.505").await;
    browser.click("#confirm-link").await;
    browser
        .wait_text("#dialog .alert:not([hidden])", "title: must not be empty")
        .await;
    let alert = browser.text("#dialog .alert").await;
    assert!(
        alert.contains("total amount:") && alert.contains("success url: is required"),
        "{alert}"
    );
    let none = s.get("/api/v1/payment-links", &key).await;
    assert_eq!(none.data()["items"], json!([]));

    browser.fill("#link-title", "Pottery workshop").await;
    browser.fill("#link-currency", "eur").await;
    browser
        .eval("document.querySelector('#link-amount').value = ''", vec![])
        .await;
    browser.fill("#link-amount", "12.50").await;
    browser.fill("#link-limit", "3").await;
    browser
        .fill("#link-success", "https://shop.example.com/thanks")
        .await;
    browser
        .fill("#link-cancel", "https://shop.example.com/")
        .await;
    browser.click("#confirm-link").await;
    browser.wait_count("#links-table tbody tr", 1).await;
    let row = browser.text("#links-table tbody tr").await;
    assert!(
        row.contains("12.50 EUR") && row.contains("0 of 3") && row.contains("active"),
        "{row}"
    );
    let url = browser.value("#links-table .link-url").await;
    let link = s.get("/api/v1/payment-links", &key).await.data()["items"][0].clone();
    assert_eq!(url, link["url"].as_str().unwrap());
    browser.click("#links-table .copy-row button").await;
    browser
        .wait_text_is("#links-table .copy-row button", "Copied")
        .await;
    browser.screenshot("hub-payment-links").await;

    // A customer opens the link, gives an email and lands on the hosted checkout.
    browser.goto(&url).await;
    browser.wait_for("#email").await;
    assert!(browser.text("main").await.contains("€12.50"));
    browser.fill("#email", "ann@example.com").await;
    browser.click("form button[type=submit]").await;
    browser
        .until(
            "location.pathname.startsWith('/checkout/') && document.querySelector('#card_number')",
        )
        .await;
    assert!(browser.text("main").await.contains("Pottery workshop"));
    let txns = s.get("/api/v1/transactions", &key).await;
    assert_eq!(txns.data()["items"][0]["payment_link_id"], link["id"]);

    // Deactivated, the link says so to the next customer. The Hub kept its session.
    browser.goto(&s.url("/hub")).await;
    hub.wait_console().await;
    hub.open_tab("links").await;
    browser.wait_count("#links-table tbody tr", 1).await;
    hub.click_button_and_confirm("#links-table", "Deactivate")
        .await;
    browser.wait_text("#links-table tbody tr", "inactive").await;
    browser.goto(&url).await;
    browser.wait_text("[role=status]", "no longer active").await;
    browser.close().await;
}

#[tokio::test]
async fn a_merchant_sees_adds_and_finds_customers_in_the_hub() {
    let Some(browser) = Browser::launch(1280, 900).await else {
        return;
    };
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut paid = payment("hub-customer-1");
    paid["first_name"] = json!("Ann");
    paid["last_name"] = json!("Lee");
    s.payment_id(&key, paid).await;
    let hub = Hub::new(&browser, &s);
    hub.sign_in(&key).await;
    hub.open_tab("customers").await;
    // The payment made its customer.
    browser.wait_count("#customers-table tbody tr", 1).await;
    let row = browser.text("#customers-table tbody tr").await;
    assert!(
        row.contains("Ann Lee") && row.contains("ann@example.com"),
        "{row}"
    );

    // An address already a customer is refused in words; nothing is added.
    hub.open_dialog("#add-customer").await;
    browser.fill("#customer-email", "ANN@example.com").await;
    browser.click("#confirm-customer").await;
    browser
        .wait_text("#dialog .alert:not([hidden])", "already exists")
        .await;
    browser
        .eval(
            "document.querySelector('#customer-email').value = ''",
            vec![],
        )
        .await;
    browser.fill("#customer-email", "bo@example.com").await;
    browser.fill("#customer-name", "Bo Diaz").await;
    browser.fill("#customer-phone", "+1 555 0100").await;
    browser.click("#confirm-customer").await;
    browser.wait_count("#customers-table tbody tr", 2).await;
    assert!(
        browser
            .text("#customers-table tbody tr")
            .await
            .contains("Bo Diaz")
    );
    let listed = s.get("/api/v1/customers", &key).await;
    assert_eq!(listed.data()["items"][0]["phone"], "+1 555 0100");

    // Found by address.
    browser.fill("#customer-lookup", "bo@example.com").await;
    browser.click("#find-customer").await;
    browser.wait_text("#customer-found", "+1 555 0100").await;
    browser.screenshot("hub-customers").await;
    browser.close().await;
}

#[tokio::test]
async fn the_api_reference_tab_lists_the_endpoints_and_links_to_the_full_reference() {
    let Some(browser) = Browser::launch(1280, 900).await else {
        return;
    };
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let hub = Hub::new(&browser, &s);
    hub.sign_in(&key).await;

    // A failure is said in words, and opening the tab again retries.
    browser
        .eval(
            "window.realFetch = window.fetch; \
             window.fetch = (url, init) => String(url).endsWith('/openapi.json') \
               ? Promise.reject(new TypeError('Failed to fetch')) : window.realFetch(url, init);",
            vec![],
        )
        .await;
    hub.open_tab("reference").await;
    browser.wait_shown("#panel .alert").await;
    let alert = browser.text("#panel .alert").await;
    assert!(
        alert.contains("Could not load the API reference: Payrail could not be reached"),
        "{alert}"
    );
    browser
        .eval("window.fetch = window.realFetch;", vec![])
        .await;

    // Reached like the other tabs: with the arrow keys from the one before it.
    hub.open_tab("settings").await;
    browser
        .find("#tab-settings")
        .await
        .send_keys(&fantoccini::key::Key::Right.to_string())
        .await
        .unwrap();
    browser
        .until(
            "document.querySelector('#tab-reference').getAttribute('aria-selected') === 'true' \
             && document.activeElement.id === 'tab-reference' \
             && document.querySelector('#reference-groups tr[data-operation-id]')",
        )
        .await;
    let row = browser
        .text("#reference-groups [data-tag=payments] tr[data-operation-id=createPaymentRequest]")
        .await;
    for expected in [
        "POST",
        "/api/v1/payment-requests",
        "Create a payment request",
        "payments:write",
    ] {
        assert!(row.contains(expected), "{expected} not in {row}");
    }
    let merchants = browser
        .text("#reference-groups tr[data-operation-id=createMerchant]")
        .await;
    assert!(merchants.contains("admin token"), "{merchants}");
    let hub = browser
        .text("#reference-groups tr[data-operation-id=showHub]")
        .await;
    assert!(hub.contains("none (public)"), "{hub}");
    let full = browser.find("#open-reference").await;
    assert_eq!(full.text().await.unwrap(), "Open full reference");
    assert_eq!(full.prop("href").await.unwrap().unwrap(), s.url("/docs"));
    browser.screenshot("hub-reference").await;

    // Each endpoint opens its operation in the full reference.
    browser
        .click("#reference-groups tr[data-operation-id=createPaymentRequest] a")
        .await;
    browser
        .until(
            "location.pathname === '/docs' && location.hash === '#/payments/createPaymentRequest'",
        )
        .await;
    browser
        .until("[...document.querySelectorAll('.opblock.is-open')].some(o => o.innerText.includes('createPaymentRequest'))")
        .await;
    let errors = browser.console_errors().await;
    browser.close().await;
    assert!(errors.is_empty(), "{errors:#?}");
}

#[tokio::test]
async fn failed_deliveries_are_recovered_by_the_merchant_and_redriven_by_the_operator() {
    let Some(browser) = Browser::launch(1280, 900).await else {
        return;
    };
    let s = TestStack::start_with_webhooks(&[("PAYRAIL_RETRY_SCHEDULE", "0,1")]).await;
    let (_, key) = s.merchant_with_key().await;
    let receiver = Receiver::start().await;
    receiver.otherwise(503, Duration::ZERO);
    let ep_id = s
        .endpoint(
            &key,
            NewEndpoint::to(&receiver.url).events(&["payment.created"]),
        )
        .await
        .id;
    s.post("/api/v1/payment-requests", &key, payment("hub-recover"))
        .await
        .expect(201);
    // Both attempts fail and the job is given up on, onto the dead-letter queue.
    let deliveries = format!("/api/v1/webhook-endpoints/{ep_id}/deliveries");
    for _ in 0..150 {
        let log = s.get(&deliveries, &key).await;
        if log.data()["items"][0]["outcome"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    receiver.otherwise(200, Duration::ZERO);
    let failed = receiver.deliveries().len();

    // The merchant recovers the endpoint from the Webhooks tab.
    let hub = Hub::new(&browser, &s);
    hub.sign_in(&key).await;
    hub.open_tab("webhooks").await;
    browser.wait_count("#webhooks-table tbody tr", 1).await;
    hub.open_dialog_by("#webhooks-table", "Recover").await;
    browser.click("#confirm-recover").await;
    hub.wait_toast("1 failed deliveries queued again").await;
    let got = receiver.wait_for(failed + 1, Duration::from_secs(30)).await;
    let event_id = got[failed].header("webhook-id").unwrap().to_owned();
    assert_eq!(got[0].header("webhook-id"), Some(event_id.as_str()));

    // The operator sees the job given up on and delivers it again.
    browser.click("#sign-out").await;
    hub.sign_in(s.admin()).await;
    browser
        .wait_text("#dead-letter-count", "About 1 deliveries")
        .await;
    browser.screenshot("hub-dead-letters").await;
    browser.click("#redrive").await;
    browser
        .until("document.querySelector('#dead-letter-count')?.textContent.startsWith('Empty')")
        .await;
    let got = receiver.wait_for(failed + 2, Duration::from_secs(30)).await;
    assert_eq!(
        got[failed + 1].header("webhook-id"),
        Some(event_id.as_str())
    );
    browser.close().await;
}
