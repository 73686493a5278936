//! The API, as the command line calls it: one client, the envelope unwrapped, failures sorted
//! into [`CliError`].

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::config::Config;
use crate::error::CliError;

pub struct Api {
    pub base: String,
    key: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(config: &Config) -> Result<Self, CliError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("payrail-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::Other(format!("HTTP client: {e}")))?;
        Ok(Self {
            base: config.api_url.clone(),
            key: config.api_key.clone(),
            http,
        })
    }

    /// `data` of the answer to `method path` (under `/api/v1`), with `query` and `body`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, CliError> {
        let mut url = reqwest::Url::parse(&format!("{}/api/v1{path}", self.base))
            .map_err(|e| CliError::Config(format!("PAYRAIL_API_URL: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut req = self
            .http
            .request(method, url.clone())
            .bearer_auth(&self.key);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req
            .send()
            .await
            .map_err(|e| CliError::Unreachable(format!("{url}: {}", root_cause(&e))))?;
        let status = res.status().as_u16();
        let text = res
            .text()
            .await
            .map_err(|e| CliError::Unreachable(format!("{url}: {}", root_cause(&e))))?;
        let envelope: Value = serde_json::from_str(&text).map_err(|_| CliError::Api {
            status,
            code: "not_payrail".into(),
            message: format!(
                "{url} did not answer as a Payrail API does (is PAYRAIL_API_URL right?)"
            ),
        })?;
        if envelope["success"] == Value::Bool(true) {
            return Ok(envelope["data"].clone());
        }
        Err(CliError::Api {
            status,
            code: envelope["code"].as_str().unwrap_or("error").to_owned(),
            message: envelope["message"]
                .as_str()
                .unwrap_or("no message")
                .to_owned(),
        })
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, CliError> {
        self.call(Method::GET, path, query, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value, CliError> {
        self.call(Method::POST, path, &[], Some(body)).await
    }

    /// Every item of a cursor-paged list, newest first.
    pub async fn all(&self, path: &str) -> Result<Vec<Value>, CliError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = vec![("limit", "100".to_owned())];
            if let Some(c) = &cursor {
                query.push(("cursor", c.clone()));
            }
            let page = self.get(path, &query).await?;
            items.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return Ok(items),
            }
        }
    }

    /// A plain HTTP client for what is not the API (the checkout page, the forward target).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

/// The innermost cause of an HTTP failure ("Connection refused"), not reqwest's whole chain.
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
