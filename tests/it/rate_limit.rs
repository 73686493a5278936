use payrail_tests::{TestStack, ensure_minute_has};
use serde_json::json;

#[tokio::test]
async fn the_121st_request_in_a_minute_is_429() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    ensure_minute_has(25).await;
    for i in 1..=120u32 {
        let res = s.get("/api/v1/transactions?limit=1", &key).await;
        res.expect(200);
        assert_eq!(res.header("x-ratelimit-limit"), Some("120"));
        assert_eq!(
            res.header("x-ratelimit-remaining"),
            Some((120 - i).to_string().as_str())
        );
        assert!(res.header("x-ratelimit-reset").is_some());
    }
    let limited = s.get("/api/v1/transactions?limit=1", &key).await;
    limited.expect_code(429, "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
}

#[tokio::test]
async fn a_merchants_own_limit_applies_to_its_keys() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    let patched = s
        .patch(
            &format!("/api/v1/merchants/{merchant}"),
            s.admin(),
            json!({"rate_limit_per_minute": 5}),
        )
        .await;
    patched.expect(200);
    let later_key = s.key(&merchant, "read_only").await;
    ensure_minute_has(15).await;
    for _ in 0..5 {
        s.get("/api/v1/transactions", &key).await.expect(200);
    }
    s.get("/api/v1/transactions", &key)
        .await
        .expect_error(429, None);
    // Limits are per key: another key of the merchant has its own 5.
    for _ in 0..5 {
        let res = s.get("/api/v1/transactions", &later_key).await;
        res.expect(200);
        assert_eq!(res.header("x-ratelimit-limit"), Some("5"));
    }
    s.get("/api/v1/transactions", &later_key)
        .await
        .expect_error(429, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_never_exceed_the_limit() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    s.patch(
        &format!("/api/v1/merchants/{merchant}"),
        s.admin(),
        json!({"rate_limit_per_minute": 10}),
    )
    .await
    .expect(200);
    ensure_minute_has(20).await;
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let req = s
                .client
                .get(s.url("/api/v1/transactions"))
                .bearer_auth(&key);
            tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut ok = 0;
    let mut limited = 0;
    for t in tasks {
        match t.await.unwrap() {
            200 => ok += 1,
            429 => limited += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((ok, limited), (10, 20));
}

#[tokio::test]
async fn wrong_secrets_do_not_use_up_a_keys_limit() {
    let s = TestStack::start().await;
    let (merchant, key) = s.merchant_with_key().await;
    s.patch(
        &format!("/api/v1/merchants/{merchant}"),
        s.admin(),
        json!({"rate_limit_per_minute": 2}),
    )
    .await
    .expect(200);
    ensure_minute_has(10).await;
    let (head, _) = key.split_once('.').unwrap();
    let forged = format!("{head}.{}", "B".repeat(43));
    for _ in 0..5 {
        s.get("/api/v1/transactions", &forged)
            .await
            .expect_error(401, None);
    }
    s.get("/api/v1/transactions", &key).await.expect(200);
    s.get("/api/v1/transactions", &key).await.expect(200);
    s.get("/api/v1/transactions", &key)
        .await
        .expect_error(429, None);
}

/// Refused credentials are throttled per source and per key id, and once throttled they cost
/// no DynamoDB write; the right key still gets in.
#[tokio::test]
async fn failed_credentials_are_throttled_without_a_write_each() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let key_id = key
        .split('.')
        .next()
        .unwrap()
        .trim_start_matches("prl_")
        .to_owned();
    let wrong_secret = format!("prl_{key_id}.{}", "A".repeat(43));
    // What authenticating calls: the key's conditional write, a read of the key, the admin
    // token's secret. (The stack's own schedules make other calls meanwhile.)
    let auth_calls = || {
        let calls = s.running.app.aws_calls.snapshot();
        [".UpdateItem", ".GetItem", ".GetSecretValue"]
            .iter()
            .map(|op| {
                calls
                    .iter()
                    .filter(|(k, _)| k.ends_with(op))
                    .map(|(_, n)| n)
                    .sum::<u64>()
            })
            .collect::<Vec<_>>()
    };
    let writes = || auth_calls()[0];

    // Wrong secrets for one key id: 401 at first, then 429 checked by a read, never a write.
    let mut statuses = Vec::new();
    for _ in 0..payrail::auth::FAILURES_PER_KEY {
        statuses.push(s.get("/api/v1/transactions", &wrong_secret).await.status);
    }
    assert!(statuses.iter().all(|st| *st == 401), "{statuses:?}");
    let before = writes();
    for _ in 0..5 {
        s.get("/api/v1/transactions", &wrong_secret)
            .await
            .expect_code(429, "rate_limited");
    }
    assert_eq!(
        writes(),
        before,
        "a throttled wrong secret wrote to DynamoDB"
    );
    // The key's own holder is not locked out by someone guessing its secret.
    s.get("/api/v1/transactions", &key).await.expect(200);

    // Many unknown credentials from one source: 429 without any AWS call once over the limit.
    for i in 0.. {
        let bogus = format!("prl_key_01jd{:022}.{}", i, "B".repeat(43));
        let res = s.get("/api/v1/transactions", &bogus).await;
        if res.status == 429 {
            break;
        }
        res.expect_code(401, "credential_invalid");
        assert!(
            i < 2 * payrail::auth::FAILURES_PER_SOURCE,
            "never throttled"
        );
    }
    let calls = auth_calls();
    for _ in 0..20 {
        s.get("/api/v1/transactions", "not-a-credential")
            .await
            .expect_code(429, "rate_limited");
    }
    assert_eq!(auth_calls(), calls);
}
