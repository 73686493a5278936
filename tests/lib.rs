//! Test harness: a whole Payrail stack per test (its own tables and secrets in the shared local
//! emulator, under a unique prefix) served over real HTTP by the local router, which calls the
//! real Lambda handlers.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use payrail_local::{RunningStack, StartOptions, Template, random_token};
use reqwest::Method;
use serde_json::{Value, json};

pub use payrail_local;

fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        Template::load(&payrail_local::default_template_path()).expect("template.yaml loads")
    })
}

/// An HTTP answer: status, headers, and the JSON body (`Value::Null` when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `data` of a successful envelope.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// Asserts the status and the envelope's invariants, and returns `self` for chaining.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        assert!(self.header("x-request-id").is_some(), "no X-Request-Id");
        self
    }

    /// Asserts a failure envelope with the status, and that `errors` names `field` if given.
    #[track_caller]
    pub fn expect_error(&self, status: u16, field: Option<&str>) -> &Self {
        self.expect(status);
        assert_eq!(self.body["success"], json!(false), "{}", self.body);
        assert!(
            self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "no message: {}",
            self.body
        );
        if let Some(field) = field {
            assert!(
                self.body["errors"][field].is_array(),
                "errors has no {field}: {}",
                self.body
            );
        }
        self
    }
}

pub struct TestStack {
    pub running: RunningStack,
    pub client: reqwest::Client,
}

impl TestStack {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts a stack whose settings override the template's (`PAYRAIL_CHECKOUT_TTL_SECONDS`…).
    pub async fn start_with(overrides: &[(&str, &str)]) -> Self {
        let prefix =
            format!("t{}", &random_token("").to_ascii_lowercase()[..10]).replace(['-', '_'], "x");
        let running = payrail_local::start(
            template(),
            StartOptions {
                prefix,
                admin_token: None,
                no_schedules: true,
                port: 0,
                overrides: overrides
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<BTreeMap<_, _>>(),
            },
        )
        .await
        .expect("the local stack starts (is the emulator running? use `make test`)");
        Self {
            running,
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.running.base_url(), path)
    }

    pub fn admin(&self) -> &str {
        &self.running.admin_token
    }

    /// Sends a request with an optional bearer credential and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        Self::answer(req.send().await.expect("request sent")).await
    }

    pub async fn answer(res: reqwest::Response) -> Answer {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body read");
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// A new merchant's id.
    pub async fn merchant(&self, name: &str) -> String {
        let res = self
            .post("/api/v1/merchants", self.admin(), json!({"name": name}))
            .await;
        res.expect(201);
        res.data()["id"].as_str().unwrap().to_owned()
    }

    /// A new API key (the whole key) for `merchant_id`.
    pub async fn key(&self, merchant_id: &str, scope: &str) -> String {
        let res = self
            .post(
                "/api/v1/keys",
                self.admin(),
                json!({"merchant_id": merchant_id, "label": "test", "scope": scope}),
            )
            .await;
        res.expect(201);
        res.data()["key"].as_str().unwrap().to_owned()
    }

    /// A merchant and a full key for it.
    pub async fn merchant_with_key(&self) -> (String, String) {
        let merchant = self.merchant("Test Shop").await;
        let key = self.key(&merchant, "full").await;
        (merchant, key)
    }
}

/// A valid payment request body for `order_uuid`.
pub fn payment(order_uuid: &str) -> Value {
    json!({
        "order_uuid": order_uuid,
        "total_amount": "25.00",
        "currency": "USD",
        "email": "ann@example.com",
        "success_url": "https://shop.example.com/ok",
        "cancel_url": "https://shop.example.com/cancel",
        "product_title": "Blue mug",
    })
}

/// Waits, if needed, until at least `secs` seconds remain in the current UTC minute, so a test
/// that counts requests in a per-minute window does not straddle two windows.
pub async fn ensure_minute_has(secs: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let into = now.as_secs() % 60;
    if 60 - into < secs {
        let wait = std::time::Duration::from_secs(60 - into)
            - std::time::Duration::from_nanos(u64::from(now.subsec_nanos()));
        tokio::time::sleep(wait + std::time::Duration::from_millis(50)).await;
    }
}

impl TestStack {
    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    /// A new key's whole answer (`data`) for `merchant_id`.
    pub async fn key_object(&self, merchant_id: &str, label: &str, scope: &str) -> Value {
        let res = self
            .post(
                "/api/v1/keys",
                self.admin(),
                json!({"merchant_id": merchant_id, "label": label, "scope": scope}),
            )
            .await;
        res.expect(201);
        res.data().clone()
    }
}
