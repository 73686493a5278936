//! Two-step verification: enrolling an authenticator, the Developer Hub's webhook changes that
//! then need a current code (and a server's API calls that do not), single-use codes, the
//! per-merchant limit on wrong ones, turning it off, and where the secret is kept.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use payrail_tests::authenticator::{STEP, code, code_at, ensure_step_has, now};
use payrail_tests::{Answer, Receiver, TestStack};
use reqwest::Method;
use serde_json::{Value, json};

/// A request as the Developer Hub makes it, with an optional two-step code.
async fn hub(
    s: &TestStack,
    method: Method,
    path: &str,
    key: &str,
    otp: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut req = s
        .client
        .request(method, s.url(path))
        .bearer_auth(key)
        .header("X-Payrail-Client", "hub");
    if let Some(otp) = otp {
        req = req.header("X-Payrail-Otp", otp);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    TestStack::answer(req.send().await.unwrap()).await
}

async fn description(s: &TestStack, key: &str, id: &str) -> Value {
    let res = s.get(&format!("/api/v1/webhook-endpoints/{id}"), key).await;
    res.expect(200);
    res.data()["description"].clone()
}

/// Starts enrolment: the secret and the recovery codes.
async fn start(s: &TestStack, key: &str) -> (String, Vec<String>) {
    let res = s.post("/api/v1/two-step", key, json!({})).await;
    res.expect(201);
    let recovery = res.data()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (res.data()["secret"].as_str().unwrap().to_owned(), recovery)
}

/// Enrols and confirms; answers the secret and recovery codes.
async fn enrol(s: &TestStack, key: &str) -> (String, Vec<String>) {
    let (secret, recovery) = start(s, key).await;
    ensure_step_has(8).await;
    let res = s
        .post(
            "/api/v1/two-step/confirm",
            key,
            json!({"code": code(&secret)}),
        )
        .await;
    res.expect(200);
    assert_eq!(res.data()["status"], "on");
    (secret, recovery)
}

/// A six-digit code that is none of the three the server would accept now.
fn wrong_code(secret: &str) -> String {
    let t = now();
    let right = [
        code_at(secret, t - STEP),
        code(secret),
        code_at(secret, t + STEP),
    ];
    (0..)
        .map(|n: u32| format!("{:06}", (n * 7919 + 123_457) % 1_000_000))
        .find(|c| !right.contains(c))
        .unwrap()
}

#[tokio::test]
async fn the_hub_needs_a_current_code_for_webhook_changes_once_two_step_is_on() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (_, key) = s.merchant_with_key().await;
    let ep = s.endpoint(&key, &receiver.url).await.id;
    let path = format!("/api/v1/webhook-endpoints/{ep}");

    let state = s.get("/api/v1/two-step", &key).await;
    state.expect(200);
    assert_eq!(state.data()["status"], "off");
    // Off: the Hub changes endpoints without a code.
    hub(
        &s,
        Method::PATCH,
        &path,
        &key,
        None,
        Some(json!({"description": "one"})),
    )
    .await
    .expect(200);

    let started = s.post("/api/v1/two-step", &key, json!({})).await;
    started.expect(201);
    let data = started.data();
    let secret = data["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.len() >= 32
            && secret
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
        "a base32 secret of 160 bits: {secret}"
    );
    let url = data["otpauth_url"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/Payrail:Test%20Shop?"),
        "{url}"
    );
    assert!(url.contains(&format!("secret={secret}")), "{url}");
    let qr = data["qr_code"]
        .as_str()
        .unwrap()
        .strip_prefix("data:image/svg+xml;base64,")
        .unwrap();
    let svg = base64::engine::general_purpose::STANDARD
        .decode(qr)
        .unwrap();
    assert!(String::from_utf8(svg).unwrap().contains("<svg"));
    let recovery: Vec<&str> = data["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(recovery.len(), 8);
    assert!(
        recovery
            .iter()
            .all(|c| c.len() == 19 && c.matches('-').count() == 3)
    );
    let recovery: Vec<String> = recovery.into_iter().map(str::to_owned).collect();

    // Pending guards nothing yet.
    assert_eq!(
        s.get("/api/v1/two-step", &key).await.data()["status"],
        "pending"
    );
    hub(
        &s,
        Method::PATCH,
        &path,
        &key,
        None,
        Some(json!({"description": "two"})),
    )
    .await
    .expect(200);

    // Confirming takes the authenticator's current code, named `code`.
    for body in [json!({}), json!({"code": "12ab"}), json!({"code": 123456})] {
        s.post("/api/v1/two-step/confirm", &key, body)
            .await
            .expect_error(422, Some("code"));
    }
    s.post(
        "/api/v1/two-step/confirm",
        &key,
        json!({"code": wrong_code(&secret)}),
    )
    .await
    .expect_error(422, Some("code"));
    assert_eq!(
        s.get("/api/v1/two-step", &key).await.data()["status"],
        "pending"
    );
    ensure_step_has(12).await;
    let confirm_code = code(&secret);
    let on = s
        .post(
            "/api/v1/two-step/confirm",
            &key,
            json!({"code": confirm_code}),
        )
        .await;
    on.expect(200);
    assert_eq!(on.data()["status"], "on");
    assert_eq!(on.data()["recovery_codes_left"], 8);
    assert!(on.data()["enabled_at"].is_string());
    s.post("/api/v1/two-step", &key, json!({}))
        .await
        .expect_error(409, None);

    // On: the Hub's change needs a code; a missing, spent or wrong one changes nothing.
    let res = hub(
        &s,
        Method::PATCH,
        &path,
        &key,
        None,
        Some(json!({"description": "three"})),
    )
    .await;
    res.expect_code(403, "two_step_required");
    assert!(
        res.body["message"]
            .as_str()
            .unwrap()
            .contains("X-Payrail-Otp"),
        "{}",
        res.body
    );
    let res = hub(
        &s,
        Method::PATCH,
        &path,
        &key,
        Some(&confirm_code),
        Some(json!({"description": "three"})),
    )
    .await;
    res.expect_code(403, "two_step_code_invalid");
    assert!(
        res.body["message"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{}",
        res.body
    );
    assert_eq!(description(&s, &key, &ep).await, "two");

    // Bad input is refused before the code is looked at, so the same code works once fixed.
    let next = code_at(&secret, now() + STEP);
    hub(
        &s,
        Method::PATCH,
        &path,
        &key,
        Some(&next),
        Some(json!({"url": "ftp://x"})),
    )
    .await
    .expect_error(422, Some("url"));
    hub(
        &s,
        Method::PATCH,
        &path,
        &key,
        Some(&next),
        Some(json!({"description": "three"})),
    )
    .await
    .expect(200);
    assert_eq!(description(&s, &key, &ep).await, "three");
    // A code is accepted once.
    hub(
        &s,
        Method::PATCH,
        &path,
        &key,
        Some(&next),
        Some(json!({"description": "four"})),
    )
    .await
    .expect_error(403, None);
    assert_eq!(description(&s, &key, &ep).await, "three");

    // A server with its key is not asked for a code.
    s.patch(&path, &key, json!({"description": "server"}))
        .await
        .expect(200);

    // A recovery code works once, typed any way.
    let rotate = format!("{path}/rotate-secret");
    hub(&s, Method::POST, &rotate, &key, None, None)
        .await
        .expect_error(403, None);
    hub(&s, Method::POST, &rotate, &key, Some(&recovery[0]), None)
        .await
        .expect(200);
    let create = hub(
        &s,
        Method::POST,
        "/api/v1/webhook-endpoints",
        &key,
        Some(&recovery[0]),
        Some(json!({"url": receiver.url})),
    )
    .await;
    create.expect_error(403, None);
    let typed = recovery[1].to_ascii_lowercase().replace('-', " ");
    let created = hub(
        &s,
        Method::POST,
        "/api/v1/webhook-endpoints",
        &key,
        Some(&typed),
        Some(json!({"url": receiver.url})),
    )
    .await;
    created.expect(201);
    let second = created.data()["id"].as_str().unwrap();
    hub(
        &s,
        Method::DELETE,
        &format!("/api/v1/webhook-endpoints/{second}"),
        &key,
        None,
        None,
    )
    .await
    .expect_error(403, None);
    hub(
        &s,
        Method::DELETE,
        &format!("/api/v1/webhook-endpoints/{second}"),
        &key,
        Some(&recovery[2]),
        None,
    )
    .await
    .expect(200);
    assert_eq!(
        s.get("/api/v1/two-step", &key).await.data()["recovery_codes_left"],
        5
    );
}

#[tokio::test]
async fn wrong_codes_are_limited_per_merchant_and_right_ones_do_not_count() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (_, key) = s.merchant_with_key().await;
    let (_, other) = s.merchant_with_key().await;
    let ep = s.endpoint(&key, &receiver.url).await.id;
    let other_ep = s.endpoint(&other, &receiver.url).await.id;
    let path = format!("/api/v1/webhook-endpoints/{ep}");
    let (secret, recovery) = enrol(&s, &key).await;

    // Four right codes: each gives its attempt back.
    for (n, code) in recovery.iter().take(4).enumerate() {
        hub(
            &s,
            Method::PATCH,
            &path,
            &key,
            Some(code),
            Some(json!({"description": format!("ok {n}")})),
        )
        .await
        .expect(200);
    }
    // Five wrong ones are refused, then even a right one waits.
    for _ in 0..5 {
        hub(
            &s,
            Method::PATCH,
            &path,
            &key,
            Some(&wrong_code(&secret)),
            Some(json!({"description": "no"})),
        )
        .await
        .expect_error(403, None);
    }
    let limited = hub(
        &s,
        Method::PATCH,
        &path,
        &key,
        Some(&recovery[4]),
        Some(json!({"description": "no"})),
    )
    .await;
    limited.expect_code(429, "two_step_rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=300).contains(&retry), "{retry}");
    assert!(
        limited.body["message"]
            .as_str()
            .unwrap()
            .contains("two-step codes")
    );
    assert_eq!(description(&s, &key, &ep).await, "ok 3");
    // The recovery code was not used up by the refused attempt.
    assert_eq!(
        s.get("/api/v1/two-step", &key).await.data()["recovery_codes_left"],
        4
    );

    // The limit is this merchant's: another merchant's Hub is not held back.
    hub(
        &s,
        Method::PATCH,
        &format!("/api/v1/webhook-endpoints/{other_ep}"),
        &other,
        None,
        Some(json!({"description": "fine"})),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn turning_two_step_off_takes_a_code_or_the_operator() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let ep = s.endpoint(&key, &receiver.url).await.id;
    let path = format!("/api/v1/webhook-endpoints/{ep}");

    // Enrolment is the merchant's own, with its key.
    s.post(
        &format!("/api/v1/two-step?merchant_id={merchant}"),
        s.admin(),
        json!({}),
    )
    .await
    .expect_error(403, None);

    let (secret, recovery) = enrol(&s, &key).await;
    let off = |otp: Option<String>| {
        let (s, key) = (&s, key.clone());
        async move {
            hub(
                s,
                Method::DELETE,
                "/api/v1/two-step",
                &key,
                otp.as_deref(),
                None,
            )
            .await
        }
    };
    off(None).await.expect_error(403, None);
    off(Some(wrong_code(&secret))).await.expect_error(403, None);
    assert_eq!(s.get("/api/v1/two-step", &key).await.data()["status"], "on");
    let done = off(Some(recovery[7].clone())).await;
    done.expect(200);
    assert_eq!(done.data()["status"], "off");
    hub(
        &s,
        Method::PATCH,
        &path,
        &key,
        None,
        Some(json!({"description": "free"})),
    )
    .await
    .expect(200);

    // Enrolling again works at once; the operator can turn it off without a code.
    enrol(&s, &key).await;
    s.call(
        Method::DELETE,
        &format!("/api/v1/two-step?merchant_id={merchant}"),
        Some(s.admin()),
        None,
    )
    .await
    .expect(200);
    assert_eq!(
        s.get(
            &format!("/api/v1/two-step?merchant_id={merchant}"),
            s.admin()
        )
        .await
        .data()["status"],
        "off"
    );

    // An enrolment never confirmed is dropped without a code; confirming it then is 409.
    let (secret, _) = start(&s, &key).await;
    s.delete("/api/v1/two-step", &key).await.expect(200);
    s.post(
        "/api/v1/two-step/confirm",
        &key,
        json!({"code": code(&secret)}),
    )
    .await
    .expect_error(409, None);
}

#[tokio::test]
async fn the_secret_is_in_secrets_manager_and_recovery_codes_are_stored_as_hashes() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let (secret, recovery) = start(&s, &key).await;
    let app = &s.running.app;
    let name = format!("{}/{merchant}", app.settings.two_step_secret_prefix);
    let stored = app
        .secrets
        .get_secret_value()
        .secret_id(&name)
        .send()
        .await
        .unwrap();
    assert!(stored.secret_string().unwrap().contains(&secret));

    let item = app
        .dynamodb
        .get_item()
        .table_name(&app.settings.two_step_table)
        .key("merchant_id", AttributeValue::S(merchant.clone()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let text = format!("{item:?}");
    assert!(!text.contains(&secret), "the secret is in the table");
    for code in &recovery {
        assert!(
            !text.to_uppercase().contains(&code.replace('-', "")),
            "a recovery code in clear"
        );
    }
    let hashes = item["recovery"].as_ss().unwrap();
    assert_eq!(hashes.len(), 8);
    assert!(hashes.iter().all(|h| h.len() == 64));

    // Turned off, the secret is gone from Secrets Manager too.
    s.delete("/api/v1/two-step", &key).await.expect(200);
    let after = app
        .secrets
        .get_secret_value()
        .secret_id(&name)
        .send()
        .await
        .unwrap();
    assert!(!after.secret_string().unwrap().contains(&secret));
}

#[tokio::test]
async fn the_second_step_costs_a_server_nothing_and_the_hub_a_few_calls() {
    // Without the local queue and stream pollers, whose calls would count here too.
    let s = TestStack::start_with(&[
        ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
        ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
    ])
    .await;
    let receiver = Receiver::start().await;
    let (_, key) = s.merchant_with_key().await;
    let ep = s.endpoint(&key, &receiver.url).await.id;
    let path = format!("/api/v1/webhook-endpoints/{ep}");
    let calls = &s.running.app.aws_calls;
    // The access log is written after the answer; what the caller waits for is the rest.
    let waited_for = |before| {
        calls
            .since(&before)
            .into_iter()
            .filter(|(op, _)| op != "DynamoDB.BatchWriteItem")
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    payrail_tests::ensure_minute_has(20).await;
    s.patch(&path, &key, json!({"description": "warm"}))
        .await
        .expect(200);

    let before = calls.snapshot();
    s.patch(&path, &key, json!({"description": "server 1"}))
        .await
        .expect(200);
    let server_off = waited_for(before);

    let (_, recovery) = enrol(&s, &key).await;
    let before = calls.snapshot();
    s.patch(&path, &key, json!({"description": "server 2"}))
        .await
        .expect(200);
    assert_eq!(
        waited_for(before),
        server_off,
        "a server's change costs what it did"
    );

    let before = calls.snapshot();
    hub(
        &s,
        Method::PATCH,
        &path,
        &key,
        Some(&recovery[0]),
        Some(json!({"description": "hub"})),
    )
    .await
    .expect(200);
    let mut extra = waited_for(before);
    for (op, n) in &server_off {
        *extra.get_mut(op).unwrap() -= n;
    }
    extra.retain(|_, n| *n > 0);
    assert_eq!(
        extra,
        [
            // The endpoint before the code is spent, and the enrolment.
            ("DynamoDB.GetItem".to_owned(), 2),
            // The attempt counted, then the code spent (and the attempt given back).
            ("DynamoDB.UpdateItem".to_owned(), 2),
        ]
        .into(),
        "a recovery code needs no secret; server alone: {server_off:?}"
    );
}

/// Every Hub change that could redirect notifications or mint a credential needs the code
/// once two-step is on; a server's own API key is not asked for one.
#[tokio::test]
async fn the_hub_needs_a_code_for_every_change_that_mints_a_credential_or_redirects_events() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (_, key) = s.merchant_with_key().await;
    let ep = s.endpoint(&key, &receiver.url).await.id;
    let other = s
        .post(
            "/api/v1/keys",
            &key,
            json!({"label": "other", "scope": "full"}),
        )
        .await;
    other.expect(201);
    let other_id = other.data()["id"].as_str().unwrap().to_owned();
    let (_, recovery) = enrol(&s, &key).await;

    // Which keys exist and whether they work (`last_used_at` moves with every request).
    let keys_now = || async {
        let items = s.get("/api/v1/keys", &key).await.data()["items"].clone();
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|k| (k["id"].clone(), k["status"].clone()))
            .collect::<Vec<_>>()
    };
    let keys_before = keys_now().await;
    let guarded = [
        (
            Method::POST,
            "/api/v1/keys".to_owned(),
            Some(json!({"label": "minted", "scope": "full"})),
        ),
        (
            Method::POST,
            format!("/api/v1/keys/{other_id}/rotate"),
            None,
        ),
        (Method::DELETE, format!("/api/v1/keys/{other_id}"), None),
        (
            Method::GET,
            format!("/api/v1/webhook-endpoints/{ep}/secret"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/webhook-endpoints/{ep}/rotate-secret"),
            None,
        ),
        (
            Method::POST,
            "/api/v1/webhook-endpoints".to_owned(),
            Some(json!({"url": format!("{}/elsewhere", receiver.url)})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/webhook-endpoints/{ep}"),
            Some(json!({"url": format!("{}/elsewhere", receiver.url)})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/webhook-endpoints/{ep}"),
            None,
        ),
        (
            Method::PUT,
            "/api/v1/processor".to_owned(),
            Some(json!({"type": "sandbox"})),
        ),
        (Method::DELETE, "/api/v1/two-step".to_owned(), None),
    ];
    for (method, path, body) in &guarded {
        let res = hub(&s, method.clone(), path, &key, None, body.clone()).await;
        res.expect_code(403, "two_step_required");
    }
    // Nothing changed: no key minted, rotated or revoked; the endpoint as it was.
    assert_eq!(keys_now().await, keys_before);
    let endpoint = s
        .get(&format!("/api/v1/webhook-endpoints/{ep}"), &key)
        .await;
    endpoint.expect(200);
    assert_eq!(endpoint.data()["url"], json!(receiver.url));
    assert_eq!(s.get("/api/v1/two-step", &key).await.data()["status"], "on");

    // With a code (here a recovery code), the Hub's change goes through.
    let minted = hub(
        &s,
        Method::POST,
        "/api/v1/keys",
        &key,
        Some(&recovery[0]),
        Some(json!({"label": "minted", "scope": "full"})),
    )
    .await;
    minted.expect(201);
    let secret = hub(
        &s,
        Method::GET,
        &format!("/api/v1/webhook-endpoints/{ep}/secret"),
        &key,
        Some(&recovery[1]),
        None,
    )
    .await;
    secret.expect(200);
    assert!(
        secret.data()["secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );

    // A server's API key is a server-side credential: no code is asked of it.
    s.post(
        "/api/v1/keys",
        &key,
        json!({"label": "server", "scope": "full"}),
    )
    .await
    .expect(201);
    s.get(&format!("/api/v1/webhook-endpoints/{ep}/secret"), &key)
        .await
        .expect(200);
}

/// Ten confirmations of the same right code at once: it turns two-step on, no attempt counts
/// as a wrong code, and the merchant is not locked out afterwards.
#[tokio::test]
async fn concurrent_confirms_of_the_same_right_code_do_not_lock_the_merchant_out() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let (secret, _) = start(&s, &key).await;
    ensure_step_has(10).await;
    let right = code(&secret);
    let answers = futures_util::future::join_all(
        (0..10).map(|_| s.post("/api/v1/two-step/confirm", &key, json!({"code": right}))),
    )
    .await;
    let on = answers.iter().filter(|a| a.status == 200).count();
    assert!(
        on >= 1,
        "{:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    for a in &answers {
        assert!(
            a.status == 200 || a.status == 429,
            "a right code was answered {}: {}",
            a.status,
            a.body
        );
        if a.status == 200 {
            assert_eq!(a.data()["status"], "on");
        }
    }
    // Not locked out: a wrong code now is a wrong code (403), not a lockout (429), and the
    // next right code works.
    let wrong = hub(
        &s,
        Method::DELETE,
        "/api/v1/two-step",
        &key,
        Some(&wrong_code(&secret)),
        None,
    )
    .await;
    wrong.expect_code(403, "two_step_code_invalid");
    tokio::time::sleep(Duration::from_secs(STEP - now() % STEP) + Duration::from_millis(300)).await;
    let off = hub(
        &s,
        Method::DELETE,
        "/api/v1/two-step",
        &key,
        Some(&code(&secret)),
        None,
    )
    .await;
    off.expect(200);
    assert_eq!(off.data()["status"], "off");
}
