//! Requests to a stack and their answers, the payment body tests share, and the clients they
//! are sent with.

use reqwest::Method;
use serde_json::{Value, json};

use super::stack::TestStack;

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

    /// The `items` of a list page: every list in the API answers its page so.
    #[track_caller]
    pub fn items(&self) -> &[Value] {
        self.data()["items"]
            .as_array()
            .unwrap_or_else(|| panic!("not a list page: {}", self.body))
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
        let code = self.body["code"].as_str().unwrap_or_default();
        assert!(
            payrail::error::ErrorCode::ALL
                .iter()
                .any(|c| c.as_str() == code),
            "no known code: {}",
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

    /// An error answer with `status` and the machine-readable `code` clients branch on.
    pub fn expect_code(&self, status: u16, code: &str) -> &Self {
        self.expect_error(status, None);
        assert_eq!(self.body["code"], json!(code), "{}", self.body);
        self
    }
}

impl TestStack {
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

    /// Reads a response whole, for tests that build their own request.
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

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }
}

/// A client that does not follow redirects, for asserting a 303 or 308 and its `Location`
/// rather than the page it leads to. A new one each time: a client's pooled connections belong
/// to the runtime that made them, and every test has a runtime of its own.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
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
