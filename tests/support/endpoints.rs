//! Webhook endpoints made through the API, as a merchant's server makes them, and the delivery
//! log that says what became of each attempt.

use std::time::Duration;

use serde_json::{Value, json};

use super::calls::Answer;
use super::stack::TestStack;

/// How long a delivery log is given to show the attempts a test waits for: delivery runs on
/// the stack's queue consumers, after the request that caused the event has been answered.
const LOG_WAIT: Duration = Duration::from_secs(15);

/// A webhook endpoint to create: its URL, and whatever else a test sets. Built up from the
/// URL so that each test names only what it is about (a format, some events); `body()` is the
/// request body, for tests that post it themselves to see it refused.
#[derive(Debug, Clone)]
pub struct NewEndpoint(Value);

impl NewEndpoint {
    /// An endpoint at `url` for every event type, in the standard format.
    pub fn to(url: &str) -> Self {
        Self(json!({ "url": url }))
    }

    /// Only these event types.
    pub fn events(self, events: &[&str]) -> Self {
        self.with("events", json!(events))
    }

    /// A delivery format other than the standard one (`ovgc`, `onepay`).
    pub fn format(self, format: &str) -> Self {
        self.with("format", json!(format))
    }

    pub fn description(self, description: &str) -> Self {
        self.with("description", json!(description))
    }

    /// Custom headers sent with every delivery, as a JSON object of name to value.
    pub fn headers(self, headers: Value) -> Self {
        self.with("headers", headers)
    }

    fn with(mut self, field: &str, value: Value) -> Self {
        self.0[field] = value;
        self
    }

    /// The request body that creates it.
    pub fn body(&self) -> Value {
        self.0.clone()
    }
}

/// A URL alone is an endpoint for every event, the case most tests need.
impl From<&str> for NewEndpoint {
    fn from(url: &str) -> Self {
        Self::to(url)
    }
}

impl From<&String> for NewEndpoint {
    fn from(url: &String) -> Self {
        Self::to(url)
    }
}

/// An endpoint as created: its id and signing secret (the one answer that shows the secret
/// without asking), and the whole `data` answered, for the rest.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: String,
    pub secret: String,
    pub data: Value,
}

impl TestStack {
    /// Creates a webhook endpoint for the merchant of `key`, asserting it was created.
    pub async fn endpoint(&self, key: &str, endpoint: impl Into<NewEndpoint>) -> Endpoint {
        let res = self
            .post("/api/v1/webhook-endpoints", key, endpoint.into().body())
            .await;
        res.expect(201);
        let data = res.data().clone();
        Endpoint {
            id: data["id"].as_str().expect("an endpoint id").to_owned(),
            secret: data["secret"].as_str().expect("a secret").to_owned(),
            data,
        }
    }

    /// Waits (up to 15 s) until endpoint `endpoint_id`'s delivery log lists at least `n`
    /// attempts, and answers that page of it (newest first; `items()` has the attempts).
    pub async fn delivery_log(&self, key: &str, endpoint_id: &str, n: usize) -> Answer {
        let path = format!("/api/v1/webhook-endpoints/{endpoint_id}/deliveries");
        let deadline = tokio::time::Instant::now() + LOG_WAIT;
        loop {
            let res = self.get(&path, key).await;
            res.expect(200);
            if res.items().len() >= n {
                return res;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "fewer than {n} delivery attempts were logged within {LOG_WAIT:?}: {}",
                    res.body
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
