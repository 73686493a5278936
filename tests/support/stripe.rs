//! Stripe through the project's stand-in (localstripe, wrapped by `scripts/stripe-standin.py`,
//! which `make test` starts): merchants connected to it, payment methods made as Stripe.js
//! makes them, the checkout form posted as its script posts it, and the stand-in's controls
//! (faults on the next calls, refunds and disputes moved on, signed events sent).

use payrail::processor::stripe::signature as stripe_signature;
use serde_json::{Value, json};

use super::calls::no_redirects;
use super::stack::TestStack;

/// The Stripe stand-in's base URL (`make test` sets it).
pub fn stripe_base() -> String {
    std::env::var("PAYRAIL_STRIPE_API_BASE")
        .expect("PAYRAIL_STRIPE_API_BASE names localstripe: run the tests with `make test`")
}

/// Fresh test keys: localstripe takes any `sk_…`; each test uses its own.
pub fn keys() -> (String, String, String) {
    let tag = payrail_local::random_token("").replace(['-', '_'], "");
    (
        format!("sk_test_{}", &tag[..16]),
        format!("pk_test_{}", &tag[..16]),
        format!("whsec_{}", &tag[..24]),
    )
}

/// A merchant with a full key, connected to Stripe with `keys()`; answers (merchant, key,
/// secret key, publishable key, webhook secret).
pub async fn stripe_merchant(s: &TestStack) -> (String, String, String, String, String) {
    let (merchant, key) = s.merchant_with_key().await;
    let (sk, pk, whsec) = keys();
    let res = s
        .call(
            reqwest::Method::PUT,
            "/api/v1/processor",
            Some(&key),
            Some(json!({"type": "stripe", "secret_key": sk, "publishable_key": pk, "webhook_secret": whsec})),
        )
        .await;
    res.expect(200);
    (merchant, key, sk, pk, whsec)
}

/// A PaymentMethod made at Stripe with the secret key, as Stripe.js makes one in the browser.
pub async fn payment_method(sk: &str, number: &str) -> String {
    let res: Value = reqwest::Client::new()
        .post(format!("{}/v1/payment_methods", stripe_base()))
        .bearer_auth(sk)
        .form(&[
            ("type", "card"),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2031"),
            ("card[cvc]", "123"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    res["id"].as_str().expect("a payment method").to_owned()
}

pub async fn stripe_get(sk: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", stripe_base()))
        .bearer_auth(sk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn checkout_token(s: &TestStack, id: &str) -> String {
    let txn_id = payrail::ids::TransactionId::parse(id).unwrap();
    payrail::store::transactions::get(&s.running.app, &txn_id)
        .await
        .unwrap()
        .unwrap()
        .checkout_token
}

/// Posts the page's form as its script does: the token and the payment method only.
pub async fn submit(s: &TestStack, id: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let token = checkout_token(s, id).await;
    let mut form = vec![("token", token.as_str())];
    form.extend_from_slice(fields);
    let res = no_redirects()
        .post(s.url(&format!("/checkout/{id}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

pub async fn txn(s: &TestStack, key: &str, id: &str) -> Value {
    let res = s.get(&format!("/api/v1/transactions/{id}"), key).await;
    res.expect(200);
    res.data().clone()
}

/// The stand-in's control routes.
async fn control(method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut req =
        reqwest::Client::new().request(method, format!("{}/_standin/{path}", stripe_base()));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert!(
        status.is_success(),
        "the stand-in refused /_standin/{path}: {body}"
    );
    body
}

/// Makes the next `times` calls of `method path` with secret key `sk` fail as `mode` says
/// (`lost_after`, `lost_before`, `hang_after`, `answer`, `refund_pending`); `extra` adds the
/// mode's fields (`status`, `body`, `saved`, `seconds`).
pub async fn fault(sk: &str, method: &str, path: &str, mode: &str, times: u32, extra: Value) {
    let mut body =
        json!({"secret_key": sk, "method": method, "path": path, "mode": mode, "times": times});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    control(reqwest::Method::POST, "faults", Some(body)).await;
}

/// Ends a pending refund at Stripe (`succeeded`, `failed`, `canceled`).
pub async fn end_refund(refund: &str, status: &str) -> Value {
    control(
        reqwest::Method::POST,
        &format!("refunds/{refund}"),
        Some(json!({"status": status})),
    )
    .await
}

/// Opens a dispute of PaymentIntent `pi`.
pub async fn open_dispute(pi: &str) -> Value {
    control(
        reqwest::Method::POST,
        "disputes",
        Some(json!({"payment_intent": pi, "reason": "fraudulent"})),
    )
    .await
}

/// Decides dispute `id` (`won`, `lost`).
pub async fn close_dispute(id: &str, status: &str) -> Value {
    control(
        reqwest::Method::POST,
        &format!("disputes/{id}"),
        Some(json!({"status": status})),
    )
    .await
}

/// Has Stripe send event `kind` about object `object_id` as it stands, signed with the
/// merchant's webhook secret, to its Payrail hook; the hook's answer status.
pub async fn send_event(
    s: &TestStack,
    merchant: &str,
    whsec: &str,
    kind: &str,
    object_id: &str,
) -> u16 {
    let sent = control(
        reqwest::Method::POST,
        "events",
        Some(json!({
            "url": s.url(&format!("/hooks/stripe/{merchant}")),
            "secret": whsec,
            "type": kind,
            "object_id": object_id,
        })),
    )
    .await;
    sent["status"].as_u64().unwrap() as u16
}

/// A signed Stripe event of `kind` with `object`, as (body, `Stripe-Signature`).
pub fn signed_event(kind: &str, object: Value, secret: &str, at: i64) -> (String, String) {
    let body =
        json!({"id": "evt_test", "object": "event", "type": kind, "data": {"object": object}})
            .to_string();
    let header = format!(
        "t={at},v1={}",
        stripe_signature::sign(secret, at, body.as_bytes())
    );
    (body, header)
}

/// Runs the scheduled sweep (expiry, then reconciliation) once; what it reports.
pub async fn sweep(s: &TestStack) -> Value {
    payrail_local::scheduled::invoke("expire-payments", &s.running.app)
        .await
        .unwrap()
}

/// The API requests secret key `sk` made at the stand-in, in order, as "METHOD /path".
pub async fn calls(sk: &str) -> Vec<String> {
    let url = format!("{}/_standin/calls?secret_key={sk}", stripe_base());
    let body: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

/// Makes Stripe answer secret key `sk` as a key it does not know (401), as the check made when
/// a merchant connects it reads.
pub async fn refuse_key(sk: &str) {
    let unknown = json!({"status": 401, "body": {"error": {"type": "invalid_request_error",
        "message": "Invalid API Key provided"}}});
    fault(sk, "GET", "/v1/payment_intents", "answer", 1, unknown).await;
}
