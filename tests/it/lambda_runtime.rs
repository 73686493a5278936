//! The function binaries themselves (their `main`: init, the runtime loop, the access-log
//! extension), run against a local Lambda Runtime API as Lambda runs them.

use std::path::PathBuf;
use std::time::Duration;

use payrail_local::runtime_api::{RuntimeApi, lambda_environment};
use payrail_tests::TestStack;
use serde_json::{Value, json};

/// The function's executable: `target/debug/<name>` as `make test` builds it, or
/// `$PAYRAIL_FUNCTION_DIR/<name>/bootstrap` (the packages `make package-test` unpacks).
fn binary(name: &str) -> PathBuf {
    let path = match std::env::var_os("PAYRAIL_FUNCTION_DIR") {
        Some(dir) => PathBuf::from(dir).join(name).join("bootstrap"),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
            .join("debug")
            .join(name),
    };
    assert!(
        path.exists(),
        "{} is missing: build the functions first (`cargo build --workspace --bins`, as `make test` does)",
        path.display()
    );
    path
}

/// Starts the function as Lambda would, through `$PAYRAIL_FUNCTION_LAUNCHER` when set (e.g.
/// `qemu-aarch64-static` for arm64 packages on an x86_64 machine).
pub(crate) fn spawn(s: &TestStack, api: &RuntimeApi, name: &str) -> tokio::process::Child {
    let launcher = std::env::var("PAYRAIL_FUNCTION_LAUNCHER").unwrap_or_default();
    let mut words = launcher.split_whitespace();
    let mut cmd = match words.next() {
        Some(program) => {
            let mut cmd = tokio::process::Command::new(program);
            cmd.args(words).arg(binary(name));
            cmd
        }
        None => tokio::process::Command::new(binary(name)),
    };
    cmd.envs(s.running.function_environment())
        .envs(lambda_environment(api.addr, name))
        .env(
            "RUST_LOG",
            std::env::var("FUNCTION_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .kill_on_drop(true);
    cmd.spawn().expect("the function starts")
}

pub(crate) fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn event(name: &str, token: &str) -> Value {
    let mut event = load(name);
    event["headers"]["authorization"] = json!(format!("Bearer {token}"));
    event
}

#[tokio::test]
async fn create_payment_binary_answers_and_writes_its_access_log_before_freezing() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut api = RuntimeApi::start().await.unwrap();
    let _function = spawn(&s, &api, "create-payment");

    let answer = api
        .invoke(event("create-payment.json", &key), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(answer["statusCode"], 201, "{answer}");
    assert_eq!(api.extensions(), 1, "the access-log extension registered");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["data"]["amount_minor"], 4999);

    // The invocation is over only once the extension is done: the entry must be there now.
    let logs = s.get("/api/v1/logs", &key).await;
    let items = logs.data()["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|e| e["path"] == "/api/v1/payment-requests" && e["status"] == 201),
        "{items:?}"
    );

    // A warm second invocation on the same process.
    let mut second = event("create-payment.json", &key);
    second["body"] = json!(
        json!({"order_uuid": "order-1002", "total_amount": 5, "email": "b@example.com",
               "success_url": "https://x.io/ok", "cancel_url": "https://x.io/no"})
        .to_string()
    );
    let answer = api.invoke(second, Duration::from_secs(30)).await.unwrap();
    assert_eq!(answer["statusCode"], 201, "{answer}");
}

#[tokio::test]
async fn keys_admin_and_get_transaction_binaries_serve_their_events() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;

    let mut api = RuntimeApi::start().await.unwrap();
    let _keys = spawn(&s, &api, "keys-admin");
    let answer = api
        .invoke(event("keys-admin.json", s.admin()), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(answer["statusCode"], 201, "{answer}");

    let mut api = RuntimeApi::start().await.unwrap();
    let _get = spawn(&s, &api, "get-transaction");
    let answer = api
        .invoke(
            event("get-transaction-list.json", &key),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(answer["statusCode"], 200, "{answer}");
    let answer = api
        .invoke(event("get-transaction.json", &key), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(
        answer["statusCode"], 404,
        "the sample's id is nobody's: {answer}"
    );
}

#[tokio::test]
async fn checkout_and_expire_payments_binaries_serve_their_events() {
    let s = TestStack::start().await;

    let mut api = RuntimeApi::start().await.unwrap();
    let _checkout = spawn(&s, &api, "checkout");
    let answer = api
        .invoke(event("checkout.json", "unused"), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(
        answer["statusCode"], 404,
        "the sample's id is nobody's: {answer}"
    );
    assert!(
        answer["headers"]["content-type"]
            .as_str()
            .unwrap()
            .starts_with("text/html")
    );

    let mut api = RuntimeApi::start().await.unwrap();
    let _sweeper = spawn(&s, &api, "expire-payments");
    let answer = api
        .invoke(load("expire-payments.json"), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(answer["expired"], 0);
    assert_eq!(answer["unresolved"], 0);
}

#[tokio::test]
async fn webhook_dispatch_and_fanout_binaries_turn_a_stream_record_into_a_signed_delivery() {
    // Consumers off: the binaries under test do their work.
    let s = TestStack::start_with(&[
        ("PAYRAIL_ALLOW_PRIVATE_TARGETS", "1"),
        ("PAYRAIL_WEBHOOK_SCHEMES", "http,https"),
    ])
    .await;
    let (merchant, key) = s.merchant_with_key().await;
    let receiver = payrail_tests::Receiver::start().await;
    let endpoint_id = s.endpoint(&key, &receiver.url).await.id;
    s.post(
        "/api/v1/payment-requests",
        &key,
        payrail_tests::payment("bin-1"),
    )
    .await
    .expect(201);
    let events = s.get("/api/v1/events", &key).await;
    let event = events.data()["items"][0].clone();
    let event_id = event["id"].as_str().unwrap().to_owned();

    // The stream record of that event, as Lambda delivers it.
    let mut record = load("webhook-dispatch.json");
    let image = &mut record["Records"][0]["dynamodb"]["NewImage"];
    image["id"]["S"] = json!(event_id);
    image["merchant_id"]["S"] = json!(merchant);
    image["body"]["S"] = json!(event["payload"].to_string());
    let mut api = RuntimeApi::start().await.unwrap();
    let _dispatch = spawn(&s, &api, "webhook-dispatch");
    let answer = api
        .invoke(record.clone(), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": []}),
        "the record is done"
    );
    // The same record again (a retried batch) queues nothing: the event left the outbox.
    let again = api.invoke(record, Duration::from_secs(30)).await.unwrap();
    assert_eq!(again, json!({"batchItemFailures": []}));
    // The reconciler's schedule, to the same binary: nothing is left to dispatch.
    let scheduled = json!({"version": "0", "source": "aws.events",
                           "detail-type": "Scheduled Event", "detail": {}});
    let swept = api
        .invoke(scheduled, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(swept["queued"], 0, "{swept}");
    let queue = s.running.stack.queue_urls["DeliveriesQueue"].clone();
    let queued = s
        .running
        .app
        .sqs
        .receive_message()
        .queue_url(&queue)
        .send()
        .await
        .unwrap();
    let job: Value = serde_json::from_str(queued.messages()[0].body().unwrap()).unwrap();
    assert_eq!(
        job,
        json!({"event_id": event_id, "endpoint_id": endpoint_id})
    );

    // The job, as Lambda's SQS integration hands it to the fan-out.
    let mut batch = load("webhook-fanout.json");
    batch["Records"][0]["body"] = json!(job.to_string());
    let mut api = RuntimeApi::start().await.unwrap();
    let _fanout = spawn(&s, &api, "webhook-fanout");
    let answer = api.invoke(batch, Duration::from_secs(30)).await.unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let got = receiver.deliveries();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("webhook-id"), Some(event_id.as_str()));
}

#[tokio::test]
async fn webhooks_admin_docs_and_hub_binaries_serve_their_events() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;

    let mut api = RuntimeApi::start().await.unwrap();
    let _webhooks = spawn(&s, &api, "webhooks-admin");
    // The sample's host is checked against DNS at registration; this machine may have none, so
    // the test names a public address directly.
    let mut create = event("webhooks-admin.json", &key);
    let mut body: Value = serde_json::from_str(create["body"].as_str().unwrap()).unwrap();
    body["url"] = json!("https://93.184.215.14/payrail/webhooks");
    create["body"] = json!(body.to_string());
    let answer = api.invoke(create, Duration::from_secs(30)).await.unwrap();
    assert_eq!(answer["statusCode"], 201, "{answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert!(
        body["data"]["secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );
    assert_eq!(
        body["data"]["events"],
        json!(["payment.succeeded", "payment.declined"])
    );

    let mut api = RuntimeApi::start().await.unwrap();
    let _docs = spawn(&s, &api, "docs");
    let answer = api
        .invoke(load("docs.json"), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(answer["statusCode"], 200, "{answer}");
    let doc: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    let mut api = RuntimeApi::start().await.unwrap();
    let _hub = spawn(&s, &api, "hub");
    let answer = api
        .invoke(load("hub.json"), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert!(
        answer["body"]
            .as_str()
            .unwrap()
            .contains("<title>Payrail Developer Hub</title>")
    );
}

#[tokio::test]
async fn transaction_actions_processor_settings_and_stripe_hooks_binaries_serve_their_events() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let id = s
        .payment_id(&key, payrail_tests::payment("bin-refund"))
        .await;
    assert_eq!(s.pay(&id, "4242424242424242").await, 303);

    let mut api = RuntimeApi::start().await.unwrap();
    let _actions = spawn(&s, &api, "transaction-actions");
    let mut refund = event("transaction-actions.json", &key);
    let path = format!("/api/v1/transactions/{id}/refunds");
    refund["rawPath"] = json!(path);
    refund["requestContext"]["http"]["path"] = json!(path);
    refund["pathParameters"]["id"] = json!(id);
    let answer = api.invoke(refund, Duration::from_secs(30)).await.unwrap();
    assert_eq!(answer["statusCode"], 201, "{answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["data"]["status"], "succeeded", "{body}");
    let txn = s.get(&format!("/api/v1/transactions/{id}"), &key).await;
    assert_eq!(txn.data()["amount_refunded"], "10.00");

    let mut api = RuntimeApi::start().await.unwrap();
    let _settings = spawn(&s, &api, "processor-settings");
    let answer = api
        .invoke(
            event("processor-settings.json", &key),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(answer["statusCode"], 200, "{answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["data"]["type"], "sandbox");

    let mut api = RuntimeApi::start().await.unwrap();
    let _hooks = spawn(&s, &api, "stripe-hooks");
    let answer = api
        .invoke(load("stripe-hooks.json"), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(
        answer["statusCode"], 404,
        "the sample's merchant is nobody: {answer}"
    );
}

#[tokio::test]
async fn payment_links_binary_serves_its_event() {
    let s = TestStack::start().await;
    let (_, key) = s.merchant_with_key().await;
    let mut api = RuntimeApi::start().await.unwrap();
    let _links = spawn(&s, &api, "payment-links");
    let answer = api
        .invoke(event("payment-links.json", &key), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(answer["statusCode"], 201, "{answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    let link = &body["data"];
    assert_eq!(link["total_amount"], "49.00");
    assert_eq!(link["status"], "active");
    let url = link["url"].as_str().unwrap();
    assert_eq!(
        url,
        format!(
            "https://abc123.execute-api.eu-west-1.amazonaws.com/pay/{}",
            link["id"].as_str().unwrap()
        )
    );
}
