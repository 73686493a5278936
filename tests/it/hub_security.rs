//! The Developer Hub's account security, in headless Chromium: making a restricted key in the
//! key dialog (and what the console shows such a key), and two-step verification: enrolling an
//! authenticator, then changing a webhook URL, which asks for its code.

use payrail_tests::TestStack;
use payrail_tests::authenticator::{STEP, code, code_at, ensure_step_has, now};
use payrail_tests::browser::{Browser, Hub};
use serde_json::{Value, json};

async fn key_count(s: &TestStack, key: &str) -> usize {
    s.get("/api/v1/keys", key).await.data()["items"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_merchant_makes_a_restricted_key_for_a_shop_plugin_in_the_hub() {
    let Some(browser) = Browser::launch(1280, 900).await else {
        return;
    };
    let s = TestStack::start().await;
    let (_, full) = s.merchant_with_key().await;
    let hub = Hub::new(&browser, &s);
    hub.sign_in(&full).await;
    hub.open_tab("keys").await;

    // The permissions appear only for a restricted key.
    assert!(browser.is("#key-permissions", "hidden").await);
    browser.fill("#key-label", "Shop plugin").await;
    browser.choose("#key-scope", "restricted").await;
    browser.wait_shown("#key-permissions").await;

    // A restricted key that grants nothing is refused, naming the field; nothing is made.
    browser.click("#generate-key").await;
    browser.wait_shown("#panel .alert").await;
    assert!(
        browser.text("#panel .alert").await.contains("permissions"),
        "{}",
        browser.text("#panel .alert").await
    );
    assert_eq!(key_count(&s, &full).await, 1);

    browser.choose("#perm-payments", "write").await;
    browser.screenshot("hub-restricted-key-form").await;
    hub.open_dialog("#generate-key").await;
    let plugin = browser.value("#secret-value").await;
    assert!(
        browser
            .text("#dialog")
            .await
            .contains("Restricted: payments write")
    );
    hub.done().await;
    hub.key_row(&plugin).await;
    browser.screenshot("hub-restricted-key").await;

    // The key does what was chosen, and nothing else.
    let me = s.get("/api/v1/keys/current", &plugin).await;
    me.expect(200);
    assert_eq!(me.data()["scope"], "restricted");
    assert_eq!(me.data()["permissions"]["payments"], "write");
    assert_eq!(me.data()["permissions"]["webhooks"], "none");
    s.payment_id(&plugin, payrail_tests::payment("hub-plugin-1"))
        .await;
    s.get("/api/v1/webhook-endpoints", &plugin)
        .await
        .expect_error(403, None);

    // Signed in with it, the console shows payments and says why the rest is closed.
    browser.click("#sign-out").await;
    hub.sign_in(&plugin).await;
    assert!(browser.text("#who").await.contains("restricted"));
    browser.wait_for("#payments-table tbody tr").await;
    hub.open_tab("webhooks").await;
    assert!(browser.text("#tab-locked").await.contains("webhooks:read"));
    hub.open_tab("keys").await;
    assert!(browser.text("#panel").await.contains("keys:read"));
    browser.screenshot("hub-restricted-key-signed-in").await;
    browser.close().await;
}

async fn endpoint_url(s: &TestStack, key: &str, id: &str) -> Value {
    s.get(&format!("/api/v1/webhook-endpoints/{id}"), key)
        .await
        .data()["url"]
        .clone()
}

#[tokio::test]
async fn changing_a_webhook_url_in_the_hub_asks_for_the_authenticator_code() {
    let Some(browser) = Browser::launch(1280, 1400).await else {
        return;
    };
    let s = TestStack::start_with(&[
        ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
        ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
    ])
    .await;
    let (_, key) = s.merchant_with_key().await;
    let ep = s.endpoint(&key, "http://127.0.0.1:9/old").await.id;

    // Enrol: the page shows the QR code, the secret and the recovery codes once.
    let hub = Hub::new(&browser, &s);
    hub.sign_in(&key).await;
    hub.open_tab("settings").await;
    browser.wait_for("#two-step-start").await;
    assert!(browser.text("#two-step-status").await.contains("Off"));
    browser.click("#two-step-start").await;
    browser
        .until("document.querySelector('#two-step-secret')?.value.length >= 32")
        .await;
    // The QR code is an image the page's policy lets it show.
    browser
        .until("document.querySelector('#two-step-qr').complete && document.querySelector('#two-step-qr').naturalWidth > 0")
        .await;
    let recovery = browser
        .eval(
            "return document.querySelectorAll('#two-step-recovery li').length",
            vec![],
        )
        .await;
    assert_eq!(recovery, json!(8));
    browser.screenshot("hub-two-step-enrol").await;
    let secret = browser.value("#two-step-secret").await;

    // A wrong first code is refused; the right one turns it on.
    browser.fill("#two-step-confirm-code", "000000").await;
    browser.click("#two-step-confirm").await;
    browser.wait_shown("#two-step-form + .alert").await;
    ensure_step_has(10).await;
    browser.fill("#two-step-confirm-code", &code(&secret)).await;
    browser.click("#two-step-confirm").await;
    browser.wait_text("#two-step-status", "On").await;
    browser.screenshot("hub-two-step-on").await;

    // Changing the endpoint's URL asks for a code; without one, or with a wrong one, nothing
    // changes.
    hub.open_tab("webhooks").await;
    browser.wait_shown("#webhooks-two-step").await;
    browser
        .wait_for("#webhooks-table tbody tr[data-endpoint-id]")
        .await;
    hub.open_dialog_by("#webhooks-table tbody tr", "Edit").await;
    assert!(
        !browser.is("#dialog .two-step-field", "hidden").await,
        "the dialog asks for the code"
    );
    browser.fill("#webhook-url", "http://127.0.0.1:9/new").await;
    browser.click("#save-webhook").await;
    browser.wait_shown("#dialog .alert").await;
    assert!(
        browser
            .text("#dialog .alert")
            .await
            .contains("authenticator")
    );
    assert_eq!(endpoint_url(&s, &key, &ep).await, "http://127.0.0.1:9/old");

    let right = code_at(&secret, now() + STEP);
    let wrong = (0..1_000_000u32)
        .map(|n| format!("{n:06}"))
        .find(|c| {
            let t = now();
            ![t - STEP, t, t + STEP, t + 2 * STEP]
                .iter()
                .any(|at| code_at(&secret, *at) == *c)
        })
        .unwrap();
    browser.fill("#two-step-code", &wrong).await;
    browser.click("#save-webhook").await;
    browser.wait_text("#dialog .alert", "wrong").await;
    assert_eq!(endpoint_url(&s, &key, &ep).await, "http://127.0.0.1:9/old");
    browser.screenshot("hub-two-step-asks").await;

    browser.fill("#two-step-code", &right).await;
    browser.click("#save-webhook").await;
    hub.wait_dialog_closed().await;
    assert_eq!(endpoint_url(&s, &key, &ep).await, "http://127.0.0.1:9/new");
    browser.wait_text("#webhooks-table", "/new").await;

    // A server with the same key is not asked.
    s.patch(
        &format!("/api/v1/webhook-endpoints/{ep}"),
        &key,
        json!({"description": "from the server"}),
    )
    .await
    .expect(200);
    browser.close().await;
}

/// With two-step on, the Hub asks for the code before it mints a key, revokes one, shows a
/// signing secret or sends payments elsewhere; without it nothing changes.
#[tokio::test]
async fn the_hub_asks_for_the_code_before_minting_keys_showing_secrets_or_moving_money() {
    let Some(browser) = Browser::launch(1280, 900).await else {
        return;
    };
    let s = TestStack::start_with(&[
        ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
        ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
    ])
    .await;
    let (_, key) = s.merchant_with_key().await;
    s.endpoint(&key, "http://127.0.0.1:9/hook").await;
    // Enrolled through the API; the recovery codes serve as single-use codes below.
    let started = s.post("/api/v1/two-step", &key, json!({})).await;
    started.expect(201);
    let secret = started.data()["secret"].as_str().unwrap().to_owned();
    let recovery: Vec<String> = started.data()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    ensure_step_has(8).await;
    s.post(
        "/api/v1/two-step/confirm",
        &key,
        json!({"code": code(&secret)}),
    )
    .await
    .expect(200);
    let keys_before = key_count(&s, &key).await;

    let hub = Hub::new(&browser, &s);
    hub.sign_in(&key).await;
    hub.open_tab("keys").await;
    browser.fill("#key-label", "minted in the hub").await;
    // Without a code: refused, and the form asks for one.
    browser.click("#generate-key").await;
    browser
        .wait_text(".key-form + .alert", "authenticator")
        .await;
    assert!(!browser.is(".key-form .two-step-field", "hidden").await);
    assert_eq!(key_count(&s, &key).await, keys_before);
    browser.fill("#key-two-step-code", &recovery[0]).await;
    browser.click("#generate-key").await;
    let minted = hub.one_time_secret("prl_").await;
    hub.done().await;
    assert_eq!(key_count(&s, &key).await, keys_before + 1);

    // Revoking it asks for a code in the dialog.
    let row = hub.key_row(&minted).await;
    hub.open_dialog_by(&row, "Revoke").await;
    assert!(!browser.is("#dialog .two-step-field", "hidden").await);
    browser.click("#confirm").await;
    browser.wait_text("#dialog .alert", "authenticator").await;
    s.get("/api/v1/transactions", &minted).await.expect(200);
    browser.fill("#two-step-code", &recovery[1]).await;
    browser.click("#confirm").await;
    hub.wait_dialog_closed().await;
    s.get("/api/v1/transactions", &minted).await.expect(401);

    // Showing an endpoint's signing secret asks for a code first.
    hub.open_tab("webhooks").await;
    browser
        .wait_for("#webhooks-table tbody tr[data-endpoint-id]")
        .await;
    hub.open_dialog_by("#webhooks-table tbody tr", "Secret")
        .await;
    assert!(!browser.is("#dialog .two-step-field", "hidden").await);
    browser.fill("#two-step-code", &recovery[2]).await;
    browser.click("#confirm").await;
    assert!(hub.one_time_secret("whsec_").await.starts_with("whsec_"));
    browser.click_button("#dialog", "Done").await;
    hub.wait_dialog_closed().await;

    // Where payments go: connecting Stripe asks for a code too.
    let tag = payrail_tests::payrail_local::random_token("").replace(['-', '_'], "");
    let (sk, pk, whsec) = (
        format!("sk_test_{}", &tag[..16]),
        format!("pk_test_{}", &tag[..16]),
        format!("whsec_{}", &tag[..24]),
    );
    hub.open_tab("settings").await;
    browser.wait_for("#stripe-form").await;
    hub.connect_stripe(&sk, &pk, &whsec).await;
    browser
        .wait_text("#stripe-form + .alert", "authenticator")
        .await;
    assert!(!browser.is("#stripe-form .two-step-field", "hidden").await);
    let processor = || async { s.get("/api/v1/processor", &key).await.data()["type"].clone() };
    assert_eq!(processor().await, json!("sandbox"));
    browser.fill("#processor-two-step-code", &recovery[3]).await;
    hub.connect_stripe(&sk, &pk, &whsec).await;
    hub.wait_toast("Stripe connected").await;
    assert_eq!(processor().await, json!("stripe"));
    browser.screenshot("hub-two-step-guards").await;
    browser.close().await;
}
