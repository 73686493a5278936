//! Collecting through Stripe, against localstripe (the stand-in `make test` starts): connecting
//! a merchant's keys, the hosted page that never sees a card number, approvals, declines,
//! 3-D Secure, refunds, Stripe being down, and Stripe's signed webhooks settling payments.

use std::time::Duration;

use payrail::processor::stripe::signature as stripe_signature;
use payrail_tests::browser::Browser;
use payrail_tests::stripe::{
    keys, payment_method, refuse_key, stripe_base, stripe_get, stripe_merchant, submit, txn,
};
use payrail_tests::{TestStack, payment};
use serde_json::{Value, json};

#[tokio::test]
async fn a_merchant_connects_stripe_and_no_secret_is_ever_answered() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let read_only = s.key(&merchant, "read_only").await;
    let shown = s.get("/api/v1/processor", &key).await;
    shown.expect(200);
    assert_eq!(shown.data()["type"], "sandbox");
    assert_eq!(shown.data()["livemode"], false);

    let put = |token: String, body: Value| {
        let s = &s;
        async move {
            s.call(
                reqwest::Method::PUT,
                "/api/v1/processor",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (sk, pk, whsec) = keys();
    // Shapes are checked first, each field named.
    put(
        key.clone(),
        json!({"type": "stripe", "secret_key": "sk_nope", "publishable_key": "x"}),
    )
    .await
    .expect_error(422, Some("secret_key"));
    put(key.clone(), json!({"type": "paypal"}))
        .await
        .expect_error(422, Some("type"));
    // A key Stripe does not know is refused with Stripe's word, and nothing is stored.
    let unknown = keys().0;
    refuse_key(&unknown).await;
    put(
        key.clone(),
        json!({"type": "stripe", "secret_key": unknown, "publishable_key": pk, "webhook_secret": whsec}),
    )
    .await
    .expect_error(422, Some("secret_key"));
    assert_eq!(
        s.get("/api/v1/processor", &key).await.data()["type"],
        "sandbox"
    );
    put(
        read_only.clone(),
        json!({"type": "stripe", "secret_key": sk, "publishable_key": pk, "webhook_secret": whsec}),
    )
    .await
    .expect_error(403, None);

    let connected = put(
        key.clone(),
        json!({"type": "stripe", "secret_key": sk, "publishable_key": pk, "webhook_secret": whsec}),
    )
    .await;
    connected.expect(200);
    let data = connected.data();
    assert_eq!(data["type"], "stripe");
    assert_eq!(data["livemode"], false);
    assert_eq!(data["publishable_key"], json!(pk));
    assert_eq!(data["secret_key_last4"], json!(&sk[sk.len() - 4..]));
    let text = connected.body.to_string();
    assert!(!text.contains(&sk) && !text.contains(&whsec), "{text}");
    let read = s.get("/api/v1/processor", &read_only).await;
    read.expect(200);
    assert_eq!(read.data(), data);
    assert!(!read.body.to_string().contains(&sk));

    // A live key makes the merchant live.
    let live = put(
        key.clone(),
        json!({"type": "stripe", "secret_key": "sk_live_abcdef123456", "publishable_key": "pk_live_abcdef123456", "webhook_secret": whsec}),
    )
    .await;
    live.expect(200);
    assert_eq!(live.data()["livemode"], true);
}

#[tokio::test]
async fn stripe_down_is_a_clear_error_and_a_stack_can_refuse_the_sandbox() {
    let down = TestStack::start_with(&[
        ("PAYRAIL_STRIPE_API_BASE", "http://127.0.0.1:9"),
        ("PAYRAIL_ALLOW_SANDBOX", "0"),
    ])
    .await;
    let (_, key) = down.merchant_with_key().await;
    let (sk, pk, whsec) = keys();
    let res = down
        .call(
            reqwest::Method::PUT,
            "/api/v1/processor",
            Some(&key),
            Some(json!({"type": "stripe", "secret_key": sk, "publishable_key": pk, "webhook_secret": whsec})),
        )
        .await;
    res.expect_error(503, None);
    // This stack collects real money only: no sandbox, and nothing to pay with yet.
    let shown = down.get("/api/v1/processor", &key).await;
    assert_eq!(shown.data()["type"], json!(null));
    down.call(
        reqwest::Method::PUT,
        "/api/v1/processor",
        Some(&key),
        Some(json!({"type": "sandbox"})),
    )
    .await
    .expect_error(422, Some("type"));
    let id = down.payment_id(&key, payment("no-processor")).await;
    assert_eq!(down.pay(&id, "4242424242424242").await, 409);
    assert_eq!(txn(&down, &key, &id).await["status"], "pending");
}

#[tokio::test]
async fn a_stripe_payment_is_a_payment_intent_and_the_page_never_takes_a_card() {
    let s = TestStack::start().await;
    let (_, key, sk, pk, _) = stripe_merchant(&s).await;
    let mut body = payment("stripe-1");
    body["total_amount"] = json!("49.99");
    body["currency"] = json!("EUR");
    let id = s.payment_id(&key, body).await;

    let page = s
        .client
        .get(s.url(&format!("/checkout/{id}")))
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let stripe_origin = stripe_base();
    assert!(
        html.contains(&format!("{stripe_origin}/js.stripe.com/v3/")),
        "Stripe.js loads"
    );
    assert!(html.contains(&format!("data-publishable-key=\"{pk}\"")));
    assert!(!html.contains("name=\"card_number\"") && !html.contains("name=\"cvc\""));
    assert!(
        csp.contains(&format!("script-src 'self' {stripe_origin}")),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("connect-src {stripe_origin}")),
        "{csp}"
    );
    let script = s
        .client
        .get(s.url("/checkout/assets/checkout.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);

    // A form without a payment method changes nothing.
    let (status, _, html) = submit(&s, &id, &[("card_number", "4242424242424242")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("Enter your card details"));

    let pm = payment_method(&sk, "4242424242424242").await;
    let (status, location, _) = submit(&s, &id, &[("payment_method", &pm)]).await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("https://shop.example.com/ok"),
        "{location}"
    );
    let t = txn(&s, &key, &id).await;
    assert_eq!(t["status"], "paid");
    assert_eq!(t["processor"], "stripe");
    assert_eq!(t["livemode"], false);
    assert_eq!(t["card"]["last4"], "4242");
    let pi_id = t["processor_payment_id"].as_str().unwrap().to_owned();
    assert!(pi_id.starts_with("pi_"));
    let pi = stripe_get(&sk, &format!("/v1/payment_intents/{pi_id}")).await;
    assert_eq!(pi["amount"], 4999);
    assert_eq!(pi["currency"], "eur");
    assert_eq!(pi["status"], "succeeded");
    assert_eq!(pi["metadata"]["transaction_id"], json!(id));
    assert_eq!(pi["metadata"]["order_uuid"], "stripe-1");

    // A refund is a Stripe refund of that PaymentIntent.
    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/refunds"),
            &key,
            json!({"amount": "10.00"}),
        )
        .await;
    r.expect(201);
    assert_eq!(r.data()["status"], "succeeded");
    let refunds = stripe_get(&sk, &format!("/v1/refunds?payment_intent={pi_id}")).await;
    let amounts: Vec<i64> = refunds["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [1000]);
}

#[tokio::test]
async fn a_declined_card_declines_with_stripes_code_and_stripe_down_leaves_it_pending() {
    let s = TestStack::start().await;
    let (_, key, sk, _, _) = stripe_merchant(&s).await;
    let id = s.payment_id(&key, payment("stripe-decline")).await;
    let pm = payment_method(&sk, "4000000000000341").await;
    let (status, location, _) = submit(&s, &id, &[("payment_method", &pm)]).await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("https://shop.example.com/cancel"),
        "{location}"
    );
    let t = txn(&s, &key, &id).await;
    assert_eq!(t["status"], "declined");
    assert_eq!(t["decline_reason"], "card_declined");
    assert!(
        t["processor_payment_id"]
            .as_str()
            .unwrap()
            .starts_with("pi_")
    );

    // Stripe unreachable: the customer is told nothing was charged; the payment waits.
    let down = TestStack::start_with(&[("PAYRAIL_STRIPE_API_BASE", "http://127.0.0.1:9")]).await;
    let (merchant, key) = down.merchant_with_key().await;
    let (sk2, pk, whsec) = keys();
    let config = payrail::processor::config::ProcessorConfig {
        kind: payrail::processor::ProcessorKind::Stripe,
        livemode: false,
        publishable_key: Some(pk),
        secret_key_last4: Some(sk2[sk2.len() - 4..].to_owned()),
        account_id: None,
        updated_at: payrail::domain::Timestamp::now(),
    };
    // Connected while Stripe was up (as through the API), then Stripe went away.
    let merchant_id = payrail::ids::MerchantId::parse(&merchant).unwrap();
    let app = &down.running.app;
    payrail::store::merchants::set_processor(app, &merchant_id, &config)
        .await
        .unwrap();
    app.secrets
        .create_secret()
        .name(format!(
            "{}/{merchant}",
            app.settings.processor_secret_prefix
        ))
        .secret_string(json!({"secret_key": sk2, "webhook_secret": whsec}).to_string())
        .send()
        .await
        .unwrap();
    let id = down.payment_id(&key, payment("stripe-down")).await;
    let (status, _, html) = submit(&down, &id, &[("payment_method", "pm_card_visa")]).await;
    assert_eq!(status, 503);
    assert!(html.contains("you were not charged"));
    assert_eq!(txn(&down, &key, &id).await["status"], "pending");
}

#[tokio::test]
async fn three_d_secure_is_handed_to_the_page_then_settled_with_stripes_answer() {
    let s = TestStack::start().await;
    let (_, key, sk, pk, _) = stripe_merchant(&s).await;
    let id = s.payment_id(&key, payment("stripe-3ds")).await;
    let pm = payment_method(&sk, "4000002760003184").await;
    let (status, _, html) = submit(&s, &id, &[("payment_method", &pm)]).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"bank-step\""), "{html}");
    let t = txn(&s, &key, &id).await;
    assert_eq!(t["status"], "processing");
    let pi_id = t["processor_payment_id"].as_str().unwrap().to_owned();
    let secret = html
        .split("data-client-secret=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    // Posting back before the bank step finished settles nothing.
    let (status, _, _) = submit(&s, &id, &[("payment_intent", &pi_id)]).await;
    assert_eq!(status, 200, "still at the bank step");

    // The customer confirms with the bank (what Stripe.js does in the page)…
    let auth = reqwest::Client::new()
        .post(format!(
            "{}/v1/payment_intents/{pi_id}/_authenticate?success=true",
            stripe_base()
        ))
        .form(&[("key", pk.as_str()), ("client_secret", secret.as_str())])
        .send()
        .await
        .unwrap();
    assert!(auth.status().is_success());
    // …and the page posts back: Payrail asks Stripe and settles.
    let (status, location, _) = submit(&s, &id, &[("payment_intent", &pi_id)]).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("https://shop.example.com/ok"));
    assert_eq!(txn(&s, &key, &id).await["status"], "paid");
    // Another transaction's PaymentIntent settles nothing here.
    let other = s.payment_id(&key, payment("stripe-3ds-other")).await;
    let (status, _, _) = submit(&s, &other, &[("payment_intent", &pi_id)]).await;
    assert_eq!(status, 409);
    assert_eq!(txn(&s, &key, &other).await["status"], "pending");
}

/// A Stripe event about `pi` for transaction `id`, signed with `secret` at `at`.
fn stripe_event(kind: &str, pi: &str, id: &str, secret: &str, at: i64) -> (String, String) {
    // `payment()`'s 25.00 USD, in Stripe's units.
    stripe_event_for(kind, pi, id, secret, at, 2500, "usd")
}

fn stripe_event_for(
    kind: &str,
    pi: &str,
    id: &str,
    secret: &str,
    at: i64,
    amount: i64,
    currency: &str,
) -> (String, String) {
    let body = json!({
        "id": "evt_test", "object": "event", "type": kind,
        "data": {"object": {"id": pi, "object": "payment_intent", "metadata": {"transaction_id": id},
            "amount": amount, "currency": currency,
            "last_payment_error": {"code": "card_declined", "decline_code": "stolen_card"}}},
    })
    .to_string();
    let header = format!(
        "t={at},v1={}",
        stripe_signature::sign(secret, at, body.as_bytes())
    );
    (body, header)
}

async fn post_hook(
    s: &TestStack,
    merchant: &str,
    body: &str,
    header: &str,
) -> payrail_tests::Answer {
    let res = s
        .client
        .post(s.url(&format!("/hooks/stripe/{merchant}")))
        .header("content-type", "application/json")
        .header("stripe-signature", header)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    TestStack::answer(res).await
}

#[tokio::test]
async fn stripes_signed_webhooks_settle_once_and_forged_ones_change_nothing() {
    let s = TestStack::start().await;
    let (merchant, key, _, _, whsec) = stripe_merchant(&s).await;
    let now = payrail::domain::Timestamp::now().unix();
    let paid = s.payment_id(&key, payment("hook-paid")).await;
    let failed = s.payment_id(&key, payment("hook-failed")).await;

    // Forged, stale, unsigned, or for nobody: refused, nothing written.
    let (body, _) = stripe_event("payment_intent.succeeded", "pi_a", &paid, &whsec, now);
    let (_, forged) = stripe_event(
        "payment_intent.succeeded",
        "pi_a",
        &paid,
        "whsec_wrongwrongwrong",
        now,
    );
    post_hook(&s, &merchant, &body, &forged)
        .await
        .expect_error(400, None);
    let (body_old, stale) =
        stripe_event("payment_intent.succeeded", "pi_a", &paid, &whsec, now - 600);
    post_hook(&s, &merchant, &body_old, &stale)
        .await
        .expect_error(400, None);
    post_hook(&s, &merchant, &body, "")
        .await
        .expect_error(400, None);
    let (other, _) = s.merchant_with_key().await;
    let (b, h) = stripe_event("payment_intent.succeeded", "pi_a", &paid, &whsec, now);
    post_hook(&s, &other, &b, &h).await.expect_error(404, None);
    post_hook(&s, "mer_nope", &b, &h)
        .await
        .expect_error(404, None);
    assert_eq!(txn(&s, &key, &paid).await["status"], "pending");

    // Signed: settles once; a replay changes nothing.
    let res = post_hook(&s, &merchant, &b, &h).await;
    res.expect(200);
    assert_eq!(res.data()["result"], "settled");
    let t = txn(&s, &key, &paid).await;
    assert_eq!(
        (t["status"].clone(), t["processor_payment_id"].clone()),
        (json!("paid"), json!("pi_a"))
    );
    let again = post_hook(&s, &merchant, &b, &h).await;
    again.expect(200);
    assert_eq!(again.data()["result"], "already settled");
    let (b, h) = stripe_event("payment_intent.payment_failed", "pi_a", &paid, &whsec, now);
    assert_eq!(
        post_hook(&s, &merchant, &b, &h).await.data()["result"],
        "already settled"
    );
    assert_eq!(txn(&s, &key, &paid).await["status"], "paid");
    let events = s.get("/api/v1/events?type=payment.succeeded", &key).await;
    assert_eq!(events.data()["items"].as_array().unwrap().len(), 1);

    let (b, h) = stripe_event(
        "payment_intent.payment_failed",
        "pi_b",
        &failed,
        &whsec,
        now,
    );
    post_hook(&s, &merchant, &b, &h).await.expect(200);
    let t = txn(&s, &key, &failed).await;
    assert_eq!(
        (t["status"].clone(), t["decline_reason"].clone()),
        (json!("declined"), json!("stolen_card"))
    );
}

#[tokio::test]
async fn localstripes_own_webhook_settles_a_payment_the_customer_left() {
    let s = TestStack::start().await;
    let (merchant, key, sk, pk, whsec) = stripe_merchant(&s).await;
    // Stripe is told where this merchant's webhooks go, with its signing secret.
    let name = format!("payrail{}", &merchant[4..]);
    let registered = reqwest::Client::new()
        .post(format!("{}/_config/webhooks/{name}", stripe_base()))
        .form(&[
            ("url", s.url(&format!("/hooks/stripe/{merchant}")).as_str()),
            ("secret", whsec.as_str()),
            ("events[]", "payment_intent.succeeded"),
        ])
        .send()
        .await
        .unwrap();
    assert!(registered.status().is_success());
    let id = s.payment_id(&key, payment("hook-left")).await;
    let pm = payment_method(&sk, "4000002760003184").await;
    let (mut status, _, mut html) = submit(&s, &id, &[("payment_method", &pm)]).await;
    if status == 503 {
        // The stand-in did not answer in time under load; the page asks the customer to try
        // again, and nothing was charged: so does the test.
        (status, _, html) = submit(&s, &id, &[("payment_method", &pm)]).await;
    }
    assert_eq!(status, 200, "the bank step: {html}");
    let secret = html
        .split("data-client-secret=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let pi_id = txn(&s, &key, &id).await["processor_payment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The bank step finishes, but the customer never comes back to the page.
    reqwest::Client::new()
        .post(format!(
            "{}/v1/payment_intents/{pi_id}/_authenticate?success=true",
            stripe_base()
        ))
        .form(&[("key", pk.as_str()), ("client_secret", secret.as_str())])
        .send()
        .await
        .unwrap();
    for _ in 0..50 {
        if txn(&s, &key, &id).await["status"] == "paid" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("Stripe's webhook did not settle the payment");
}

#[tokio::test]
async fn a_customer_pays_with_3d_secure_on_the_stripe_page_in_a_real_browser() {
    let Some(browser) = Browser::launch(480, 900).await else {
        return;
    };
    let s = TestStack::start().await;
    let (_, key, sk, _, _) = stripe_merchant(&s).await;
    let id = s.payment_id(&key, payment("stripe-browser")).await;
    browser.goto(&s.url(&format!("/checkout/{id}"))).await;
    // Stripe.js mounted its card element; the page has no card field of its own.
    browser
        .until("document.querySelectorAll('#card-element input').length > 0")
        .await;
    let own_fields = browser
        .eval(
            "return [...document.querySelectorAll('#stripe-form [name]')].map(e => e.name)",
            vec![],
        )
        .await;
    assert_eq!(own_fields, json!(["token", "payment_method"]));
    browser.screenshot("checkout-stripe").await;
    // localstripe's Stripe.js cannot make a PaymentMethod in the browser: it is made with the
    // test key and posted as the page posts it.
    let pm = payment_method(&sk, "4000002760003184").await;
    browser
        .eval(
            "const f = document.querySelector('#stripe-form'); \
             f.elements.payment_method.value = arguments[0]; f.submit(); return true",
            vec![json!(pm)],
        )
        .await;
    // The bank step: Stripe.js asks the customer to confirm; they do.
    browser
        .until("[...document.querySelectorAll('button')].some(b => b.textContent.includes('Complete authentication'))")
        .await;
    browser.screenshot("checkout-stripe-3ds").await;
    browser
        .eval(
            "[...document.querySelectorAll('button')].find(b => b.textContent.includes('Complete authentication')).click(); return true",
            vec![],
        )
        .await;
    for _ in 0..50 {
        if txn(&s, &key, &id).await["status"] == "paid" {
            browser.close().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    browser.close().await;
    panic!("the 3-D Secure payment was not settled");
}

#[tokio::test]
async fn a_signature_time_at_the_edges_of_an_integer_is_refused_not_a_crash() {
    let s = TestStack::start().await;
    let (merchant, key, _, _, whsec) = stripe_merchant(&s).await;
    let paid = s.payment_id(&key, payment("hook-edges")).await;
    let now = payrail::domain::Timestamp::now().unix();
    let (body, _) = stripe_event("payment_intent.succeeded", "pi_e", &paid, &whsec, now);
    for t in [
        i64::MIN.to_string(),
        i64::MAX.to_string(),
        (i64::MIN + 1).to_string(),
        "-1".to_owned(),
        "0".to_owned(),
        "99999999999999999999".to_owned(),
    ] {
        let header = format!("t={t},v1={}", "0".repeat(64));
        post_hook(&s, &merchant, &body, &header)
            .await
            .expect_error(400, None);
    }
    // Signed at the far edges of time with the right secret: still refused as too old or new.
    for t in [i64::MIN, i64::MAX] {
        let header = format!(
            "t={t},v1={}",
            stripe_signature::sign(&whsec, t, body.as_bytes())
        );
        post_hook(&s, &merchant, &body, &header)
            .await
            .expect_error(400, None);
    }
    assert_eq!(txn(&s, &key, &paid).await["status"], "pending");
}

/// A signed event settles a transaction only when its payment is for the transaction's amount
/// and currency: a PaymentIntent made by hand with the transaction's id in its metadata does
/// not pay it.
#[tokio::test]
async fn an_event_for_another_amount_or_currency_settles_nothing() {
    let s = TestStack::start().await;
    let (merchant, key, _, _, whsec) = stripe_merchant(&s).await;
    let paid = s.payment_id(&key, payment("hook-amount")).await;
    let now = payrail::domain::Timestamp::now().unix();
    for (amount, currency) in [(100, "usd"), (2500, "eur"), (250_000, "usd")] {
        let (body, header) = stripe_event_for(
            "payment_intent.succeeded",
            "pi_other",
            &paid,
            &whsec,
            now,
            amount,
            currency,
        );
        let res = post_hook(&s, &merchant, &body, &header).await;
        res.expect(200);
        assert_eq!(res.data()["result"], "ignored");
    }
    assert_eq!(txn(&s, &key, &paid).await["status"], "pending");
    let (body, header) = stripe_event("payment_intent.succeeded", "pi_right", &paid, &whsec, now);
    let res = post_hook(&s, &merchant, &body, &header).await;
    assert_eq!(res.data()["result"], "settled");
    assert_eq!(txn(&s, &key, &paid).await["status"], "paid");
}

/// ISK has no minor unit in ISO 4217 but two at Stripe: 5000 krónur is charged as Stripe's
/// 500000, not as 50 krónur, and refunded in the same units.
#[tokio::test]
async fn isk_is_charged_and_refunded_in_stripes_units() {
    let s = TestStack::start().await;
    let (_, key, sk, _, _) = stripe_merchant(&s).await;
    let mut body = payment("stripe-isk");
    body["total_amount"] = json!("5000");
    body["currency"] = json!("ISK");
    let id = s.payment_id(&key, body).await;
    let pm = payment_method(&sk, "4242424242424242").await;
    let (status, _, _) = submit(&s, &id, &[("payment_method", &pm)]).await;
    assert_eq!(status, 303);
    let t = txn(&s, &key, &id).await;
    assert_eq!(
        (t["status"].clone(), t["total_amount"].clone()),
        (json!("paid"), json!("5000"))
    );
    let pi_id = t["processor_payment_id"].as_str().unwrap().to_owned();
    let pi = stripe_get(&sk, &format!("/v1/payment_intents/{pi_id}")).await;
    assert_eq!(
        (pi["amount"].clone(), pi["currency"].clone()),
        (json!(500_000), json!("isk"))
    );

    let r = s
        .post(
            &format!("/api/v1/transactions/{id}/refunds"),
            &key,
            json!({"amount": "1000"}),
        )
        .await;
    r.expect(201);
    let refunds = stripe_get(&sk, &format!("/v1/refunds?payment_intent={pi_id}")).await;
    assert_eq!(refunds["data"][0]["amount"], 100_000, "{refunds}");
}

/// A refund goes through the processor that took the payment, whatever the merchant uses today:
/// a sandbox payment is refunded by the sandbox after Stripe is connected, and a Stripe
/// payment is not "refunded" by the sandbox after the merchant switched back (409, nothing
/// recorded).
#[tokio::test]
async fn a_refund_goes_through_the_processor_that_took_the_payment() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let by_sandbox = s.payment_id(&key, payment("switch-sandbox")).await;
    assert_eq!(s.pay(&by_sandbox, "4242424242424242").await, 303);

    let (sk, pk, whsec) = keys();
    s.call(
        reqwest::Method::PUT,
        "/api/v1/processor",
        Some(&key),
        Some(json!({"type": "stripe", "secret_key": sk, "publishable_key": pk, "webhook_secret": whsec})),
    )
    .await
    .expect(200);
    let refund = s
        .post(
            &format!("/api/v1/transactions/{by_sandbox}/refunds"),
            &key,
            json!({}),
        )
        .await;
    refund.expect(201);
    assert_eq!(refund.data()["status"], "succeeded");

    let by_stripe = s.payment_id(&key, payment("switch-stripe")).await;
    let pm = payment_method(&sk, "4242424242424242").await;
    assert_eq!(
        submit(&s, &by_stripe, &[("payment_method", &pm)]).await.0,
        303
    );
    s.call(
        reqwest::Method::PUT,
        "/api/v1/processor",
        Some(&key),
        Some(json!({"type": "sandbox"})),
    )
    .await
    .expect(200);
    let refused = s
        .post(
            &format!("/api/v1/transactions/{by_stripe}/refunds"),
            &key,
            json!({}),
        )
        .await;
    refused.expect_code(409, "processor_changed");
    assert!(refused.body["message"].as_str().unwrap().contains("stripe"));
    let listed = s
        .get(&format!("/api/v1/transactions/{by_stripe}/refunds"), &key)
        .await;
    assert_eq!(listed.data()["items"], json!([]));
    assert_eq!(txn(&s, &key, &by_stripe).await["status"], "paid");
}
