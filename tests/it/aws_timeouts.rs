//! A stalled AWS endpoint fails the request in seconds instead of hanging until Lambda's own
//! timeout (10 s) kills the function mid-request.

use std::sync::Arc;
use std::time::{Duration, Instant};

use payrail::App;
use payrail::config::Settings;
use payrail_local::Router;
use payrail_tests::{TestStack, payment, template};
use tokio::net::TcpListener;

/// Accepts connections and never answers, holding them open: an AWS endpoint that stalled.
async fn silent_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    url
}

/// The routes of `s`, served on their own port by an `App` whose AWS calls go to `endpoint`.
pub(crate) async fn serve_against(s: &TestStack, endpoint: &str) -> String {
    let env = s.running.function_environment();
    let settings = Settings::from_lookup(|name| env.get(name).cloned()).unwrap();
    // AWS configuration as a Lambda reads it, then pointed elsewhere.
    let aws = payrail::app::lambda_aws_config()
        .unwrap()
        .to_builder()
        .endpoint_url(endpoint)
        .build();
    let router = Router::new(template(), Arc::new(App::new(settings, &aws))).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(payrail_local::router::serve(
        listener,
        Arc::new(router),
        std::future::pending(),
    ));
    base
}

#[tokio::test]
async fn requests_answer_5xx_well_within_the_function_timeout_when_aws_stalls() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let base = serve_against(&s, &silent_endpoint().await).await;
    // A bound on the test itself, far past the SDK's.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    let started = Instant::now();
    let (by_key, by_admin) = tokio::join!(
        // A key is checked in DynamoDB, the admin token in Secrets Manager.
        client
            .post(format!("{base}/api/v1/payment-requests"))
            .bearer_auth(&key)
            .json(&payment("stalled-1"))
            .send(),
        client
            .get(format!("{base}/api/v1/merchants"))
            .bearer_auth(s.admin())
            .send(),
    );
    let elapsed = started.elapsed();

    for res in [by_key, by_admin] {
        let res = TestStack::answer(res.expect("an answer, not a hang")).await;
        assert!(
            [500, 503].contains(&res.status),
            "{}: {}",
            res.status,
            res.body
        );
        assert_eq!(res.body["success"], false, "{}", res.body);
    }
    assert!(elapsed < Duration::from_secs(8), "took {elapsed:?}");
}
