//! The Developer Hub: the page and its assets as served, the admin token acting for a merchant
//! (the API path the Hub uses for operators), and the console itself driven in headless
//! Chromium against the local stack. Screenshots of every tab go to `target/test-output/`.

use std::time::Duration;

use payrail::webhooks::signing;
use payrail_tests::browser::Browser;
use payrail_tests::{Receiver, TestStack, payment};
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
    let slash = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(s.url("/hub/"))
        .send()
        .await
        .unwrap();
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

/// Signs in on the page with `credential` and waits for the console (or merchant picker).
pub(crate) async fn sign_in(browser: &Browser, s: &TestStack, credential: &str) {
    browser.goto(&s.url("/hub")).await;
    browser
        .until("!document.querySelector('#signin').hidden")
        .await;
    browser.fill("#credential", credential).await;
    browser.click("#signin-form button[type=submit]").await;
    browser
        .until("!document.querySelector('#console').hidden || !document.querySelector('#merchants').hidden")
        .await;
}

pub(crate) async fn open_tab(browser: &Browser, tab: &str) {
    browser.click(&format!("#tab-{tab}")).await;
    browser
        .until(&format!(
            "document.querySelector('#tab-{tab}').getAttribute('aria-selected') === 'true' \
             && !document.querySelector('#panel [aria-busy]')"
        ))
        .await;
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
    browser.goto(&s.url("/hub")).await;
    browser
        .until("!document.querySelector('#signin').hidden")
        .await;
    let last = if key.ends_with('A') { "B" } else { "A" };
    let wrong = format!("{}{last}", &key[..key.len() - 1]);
    browser.fill("#credential", &wrong).await;
    browser.click("#signin-form button[type=submit]").await;
    browser
        .until(
            "document.querySelector('#signin-form .alert').textContent.includes('Invalid API key')",
        )
        .await;

    sign_in(&browser, &s, &key).await;
    browser
        .until("document.querySelector('#payments-table tbody tr')")
        .await;
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
    open_tab(&browser, "keys").await;
    browser.fill("#key-label", "Checkout server").await;
    browser
        .find("#key-scope")
        .await
        .select_by_value("full")
        .await
        .unwrap();
    browser.click("#generate-key").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    let new_key = browser.value("#secret-value").await;
    assert!(new_key.starts_with("prl_key_"), "{new_key}");
    assert!(
        browser
            .text("#dialog")
            .await
            .contains("It will not be shown again")
    );
    browser.screenshot("hub-key-dialog").await;
    browser.click("#dialog-done").await;
    let prefix = new_key.split('.').next().unwrap().to_owned();
    let row = format!("#keys-table tr[data-prefix='{prefix}']");
    browser
        .until(&format!("document.querySelector(\"{row}\")"))
        .await;
    assert!(browser.text(&row).await.contains("Checkout server"));
    s.get("/api/v1/transactions", &new_key).await.expect(200);
    browser.screenshot("hub-keys").await;

    // Revoke it (after confirming); the API refuses it at once.
    browser.click_button(&row, "Revoke").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    browser.click("#confirm").await;
    browser
        .until(&format!(
            "document.querySelector(\"{row} .badge\")?.textContent === 'revoked'"
        ))
        .await;
    s.get("/api/v1/transactions", &new_key)
        .await
        .expect_error(401, None);

    // Add a webhook endpoint to a loopback receiver; the secret is shown once created.
    open_tab(&browser, "webhooks").await;
    browser.click("#add-webhook").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    browser.fill("#webhook-url", &receiver.url).await;
    browser.fill("#webhook-description", "Order service").await;
    // The OnePay format, with a custom header.
    browser
        .eval(
            "const f = document.querySelector('#webhook-format'); f.value = 'onepay'; \
             f.dispatchEvent(new Event('change'));",
            vec![],
        )
        .await;
    browser.click("#add-header").await;
    browser.fill("#dialog .header-name", "X-Shop-Key").await;
    browser
        .fill("#dialog .header-value", "hub-secret-value-42")
        .await;
    browser.screenshot("hub-webhook-dialog").await;
    browser.click("#save-webhook").await;
    browser
        .until("document.querySelector('#secret-value')?.value.startsWith('whsec_')")
        .await;
    let secret = browser.value("#secret-value").await;
    browser.click("#dialog-done").await;
    browser
        .until("document.querySelector('#webhooks-table tbody tr[data-endpoint-id]')")
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
    browser
        .until("!document.querySelector('#dialog').open")
        .await;
    let listed = s.get("/api/v1/webhook-endpoints", &key).await;
    assert_eq!(
        listed.data()["items"][0]["headers"],
        json!({"x-shop-key": "••••e-42"})
    );
    assert_eq!(listed.data()["items"][0]["format"], "onepay");

    // Events: the list, and one event's payload with its attempts.
    open_tab(&browser, "events").await;
    browser
        .until("document.querySelector('#events-table tbody tr')")
        .await;
    browser
        .click_button("#events-table tbody tr", "Details")
        .await;
    browser
        .until("document.querySelector('#event-detail pre.payload')")
        .await;
    browser.screenshot("hub-events").await;

    // Logs: the requests this session made with the key, newest first.
    open_tab(&browser, "logs").await;
    browser
        .until("document.querySelector('#logs-table tbody tr')")
        .await;
    assert!(browser.text("#logs-table").await.contains("/api/v1/"));
    browser.screenshot("hub-logs").await;

    open_tab(&browser, "settings").await;
    browser.until("document.querySelector('#rate-limit')").await;
    assert!(
        browser
            .text("#rate-limit")
            .await
            .contains("120 requests per minute")
    );
    browser.screenshot("hub-rate-limit").await;

    // Signing out forgets the credential.
    browser.click("#sign-out").await;
    browser
        .until("!document.querySelector('#signin').hidden")
        .await;
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
    s.post(
        "/api/v1/webhook-endpoints",
        &full,
        json!({"url": "https://93.184.215.14/hooks"}),
    )
    .await
    .expect(201);

    sign_in(&browser, &s, &read_only).await;
    assert!(browser.text("#who").await.contains("read-only"));
    open_tab(&browser, "webhooks").await;
    browser
        .until("document.querySelector('#webhooks-table tbody tr')")
        .await;
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
    open_tab(&browser, "keys").await;
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

    sign_in(&browser, &s, s.admin()).await;
    browser
        .until("!document.querySelector('#merchants').hidden && document.querySelector('#merchants-table tbody tr')")
        .await;
    browser.screenshot("hub-merchants").await;
    browser
        .click_button("#merchants-table tbody tr", "Manage")
        .await;
    browser
        .until("!document.querySelector('#console').hidden")
        .await;
    assert!(browser.text("#who").await.contains(&merchant));

    open_tab(&browser, "settings").await;
    // Stripe's webhook URL names the merchant the operator acts for.
    assert_eq!(
        browser.value("#stripe-webhook-url").await,
        s.url(&format!("/hooks/stripe/{merchant}"))
    );
    browser.fill("#rate-limit", "0").await;
    browser.click("#save-rate-limit").await;
    browser
        .until("document.querySelector('#panel .alert:not([hidden])')")
        .await;
    assert!(
        browser
            .text("#panel .alert:not([hidden])")
            .await
            .contains("rate limit per minute")
    );
    browser.fill("#rate-limit", "300").await;
    browser.click("#save-rate-limit").await;
    browser
        .until("document.querySelector('#toast').textContent.includes('300')")
        .await;
    let read = s
        .get(&format!("/api/v1/merchants/{merchant}"), s.admin())
        .await;
    assert_eq!(read.data()["rate_limit_per_minute"], 300);

    // Acting for the merchant, the operator generates a key for it.
    open_tab(&browser, "keys").await;
    browser.fill("#key-label", "Issued by ops").await;
    browser.click("#generate-key").await;
    browser
        .until("document.querySelector('#secret-value')?.value.startsWith('prl_')")
        .await;
    let issued = browser.value("#secret-value").await;
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

/// Fresh Stripe test keys (secret, publishable, webhook secret), as copied from Stripe's
/// dashboard; the local Stripe stand-in takes any of this shape.
fn stripe_keys() -> (String, String, String) {
    let tag = payrail_tests::payrail_local::random_token("").replace(['-', '_'], "");
    (
        format!("sk_test_{}", &tag[..16]),
        format!("pk_test_{}", &tag[..16]),
        format!("whsec_{}", &tag[..24]),
    )
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
    let (sk, pk, whsec) = stripe_keys();

    sign_in(&browser, &s, &key).await;
    open_tab(&browser, "settings").await;
    browser
        .until("document.querySelector('#processor-type')?.textContent === 'Sandbox'")
        .await;
    assert_eq!(browser.text("#processor-mode").await, "test mode");
    assert_eq!(
        browser.value("#stripe-webhook-url").await,
        s.url(&format!("/hooks/stripe/{merchant}"))
    );

    // A key Stripe refuses is shown in words beside its field, and nothing changes.
    browser.fill("#stripe-secret-key", "rk_test_abcdefgh").await;
    browser.fill("#stripe-publishable-key", &pk).await;
    browser.fill("#stripe-webhook-secret", &whsec).await;
    browser.click("#connect-stripe").await;
    browser
        .until("!document.querySelector('#stripe-secret-key-error').hidden")
        .await;
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
    browser.fill("#stripe-secret-key", &sk).await;
    browser.fill("#stripe-publishable-key", &pk).await;
    browser.fill("#stripe-webhook-secret", &whsec).await;
    browser.click("#connect-stripe").await;
    browser
        .until("document.querySelector('#processor-type')?.textContent === 'Stripe'")
        .await;
    let last4 = &sk[sk.len() - 4..];
    assert_eq!(browser.text("#processor-mode").await, "test mode");
    assert_eq!(
        browser.text("#processor-secret-key").await,
        format!("sk_…••••{last4}")
    );
    assert_eq!(browser.text("#processor-publishable-key").await, pk);
    browser
        .until("document.querySelector('#toast').textContent.includes('Stripe connected in test mode')")
        .await;
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
    browser.click("#use-sandbox").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    browser.click("#confirm").await;
    browser
        .until(
            "document.querySelector('#processor-type')?.textContent === 'Sandbox' \
             && document.querySelector('#use-sandbox').disabled",
        )
        .await;
    browser
        .until("document.querySelector('#toast').textContent.includes('sandbox')")
        .await;
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

    sign_in(&browser, &s, &key).await;
    open_tab(&browser, "settings").await;
    browser
        .until("document.querySelector('#processor-type')?.textContent === 'None connected'")
        .await;
    assert!(
        browser
            .text("#processor-mode-note")
            .await
            .contains("connect Stripe")
    );
    browser.click("#use-sandbox").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    browser.click("#confirm").await;
    browser
        .until("document.querySelector('#processor .alert:not([hidden])')")
        .await;
    assert!(
        browser
            .text("#processor .alert:not([hidden])")
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
    let (sk, pk, whsec) = stripe_keys();
    s.call(
        reqwest::Method::PUT,
        "/api/v1/processor",
        Some(&full),
        Some(json!({"type": "stripe", "secret_key": sk, "publishable_key": pk, "webhook_secret": whsec})),
    )
    .await
    .expect(200);

    sign_in(&browser, &s, &read_only).await;
    open_tab(&browser, "settings").await;
    browser
        .until("document.querySelector('#processor-type')?.textContent === 'Stripe'")
        .await;
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
    assert_eq!(changes.len(), 5, "{controls:?}");
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

    sign_in(&browser, &s, &key).await;
    browser
        .until("document.querySelectorAll('#payments-table tbody tr').length === 2")
        .await;

    // Refund part of the paid one, then the rest.
    let details = |id: &str| format!("#payments-table tr[data-transaction-id='{id}'] button");
    browser.click(&details(&paid)).await;
    browser
        .until("document.querySelector('#refund-payment') && !document.querySelector('#refund-payment').disabled")
        .await;
    // More than was paid is refused in words, and nothing is refunded.
    browser.click("#refund-payment").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    browser.fill("#refund-amount", "99.00").await;
    browser.click("#confirm-refund").await;
    browser
        .until("document.querySelector('#payment-detail .alert')?.textContent.includes('more than is left')")
        .await;
    browser.click("#refund-payment").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    browser.fill("#refund-amount", "15.00").await;
    browser.fill("#refund-reason", "one mug broken").await;
    browser.click("#confirm-refund").await;
    browser
        .until("document.querySelector('#amount-refunded')?.textContent === '15.00 USD'")
        .await;
    assert!(
        browser
            .text("#refunds-table")
            .await
            .contains("one mug broken")
    );
    browser.screenshot("hub-refund").await;
    browser.click("#refund-payment").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    browser.click("#confirm-refund").await;
    browser
        .until("document.querySelector('#amount-refunded')?.textContent === '40.00 USD'")
        .await;
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
    browser
        .until("document.querySelector('#cancel-payment') && !document.querySelector('#cancel-payment').hidden")
        .await;
    assert!(
        browser
            .eval(
                "return document.querySelector('#refund-payment').disabled",
                vec![]
            )
            .await
            .as_bool()
            .unwrap()
    );
    browser.click("#cancel-payment").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    browser.click("#confirm").await;
    browser
        .until("document.querySelector('#payment-detail')?.textContent.includes('canceled')")
        .await;
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
    sign_in(&browser, &s, &key).await;
    open_tab(&browser, "links").await;
    browser
        .until("document.querySelector('#panel .list-status')?.textContent.includes('No payment links yet')")
        .await;

    // An incomplete link is refused in words, and nothing is created.
    browser.click("#add-link").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    browser.fill("#link-amount", "12.505").await;
    browser.click("#confirm-link").await;
    browser
        .until("document.querySelector('#dialog .alert:not([hidden])')?.textContent.includes('title: must not be empty')")
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
    browser
        .until("document.querySelectorAll('#links-table tbody tr').length === 1")
        .await;
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
        .until("document.querySelector('#links-table .copy-row button').textContent === 'Copied'")
        .await;
    browser.screenshot("hub-payment-links").await;

    // A customer opens the link, gives an email and lands on the hosted checkout.
    browser.goto(&url).await;
    browser.until("document.querySelector('#email')").await;
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
    browser
        .until("!document.querySelector('#console').hidden")
        .await;
    open_tab(&browser, "links").await;
    browser
        .until("document.querySelectorAll('#links-table tbody tr').length === 1")
        .await;
    browser.click_button("#links-table", "Deactivate").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    browser.click("#confirm").await;
    browser
        .until("document.querySelector('#links-table tbody tr')?.textContent.includes('inactive')")
        .await;
    browser.goto(&url).await;
    browser
        .until("document.querySelector('[role=status]')?.textContent.includes('no longer active')")
        .await;
    browser.close().await;
}

#[tokio::test]
async fn the_api_reference_tab_lists_the_endpoints_and_links_to_the_full_reference() {
    let Some(browser) = Browser::launch(1280, 900).await else {
        return;
    };
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    sign_in(&browser, &s, &key).await;

    // A failure is said in words, and opening the tab again retries.
    browser
        .eval(
            "window.realFetch = window.fetch; \
             window.fetch = (url, init) => String(url).endsWith('/openapi.json') \
               ? Promise.reject(new TypeError('Failed to fetch')) : window.realFetch(url, init);",
            vec![],
        )
        .await;
    open_tab(&browser, "reference").await;
    browser
        .until("!document.querySelector('#panel .alert').hidden")
        .await;
    let alert = browser.text("#panel .alert").await;
    assert!(
        alert.contains("Could not load the API reference: Payrail could not be reached"),
        "{alert}"
    );
    browser
        .eval("window.fetch = window.realFetch;", vec![])
        .await;

    // Reached like the other tabs: with the arrow keys from the one before it.
    open_tab(&browser, "settings").await;
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
    let ep = s
        .post(
            "/api/v1/webhook-endpoints",
            &key,
            json!({"url": receiver.url, "events": ["payment.created"]}),
        )
        .await;
    ep.expect(201);
    let ep_id = ep.data()["id"].as_str().unwrap().to_owned();
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
    sign_in(&browser, &s, &key).await;
    open_tab(&browser, "webhooks").await;
    browser
        .until("document.querySelectorAll('#webhooks-table tbody tr').length === 1")
        .await;
    browser.click_button("#webhooks-table", "Recover").await;
    browser
        .until("document.querySelector('#dialog').open")
        .await;
    browser.click("#confirm-recover").await;
    browser
        .until("document.querySelector('#toast').textContent.includes('1 failed deliveries queued again')")
        .await;
    let got = receiver.wait_for(failed + 1, Duration::from_secs(30)).await;
    let event_id = got[failed].header("webhook-id").unwrap().to_owned();
    assert_eq!(got[0].header("webhook-id"), Some(event_id.as_str()));

    // The operator sees the job given up on and delivers it again.
    browser.click("#sign-out").await;
    sign_in(&browser, &s, s.admin()).await;
    browser
        .until("document.querySelector('#dead-letter-count')?.textContent.includes('About 1 deliveries')")
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
