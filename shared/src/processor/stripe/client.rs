//! Calling Stripe's API: form-encoded requests with the merchant's secret key, each write with
//! an idempotency key derived from Payrail's own id, retried with the same key when Stripe could
//! not answer (unreachable, 429, 5xx), so a retry never charges or refunds twice.
//!
//! The HTTPS client exists only in the functions that call Stripe (the `stripe` feature);
//! elsewhere (the webhook function reads Stripe's events, never calls it) a call is refused as
//! unavailable.

use std::time::Duration;

use serde::de::DeserializeOwned;
use url::Url;

use super::api::{ErrorBody, ErrorObject};
use crate::processor::ProcessorError;

/// Attempts of one call when Stripe is unreachable or answers 5xx/429.
const ATTEMPTS: u32 = 3;

/// Stripe's answer: the object, or the error object of a card problem (HTTP 402).
pub enum Answer<T> {
    Object(T),
    CardError(ErrorObject),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A merchant's Stripe account, reached with its secret key.
pub struct Client {
    base: Url,
    secret_key: String,
}

impl Client {
    pub fn new(base: Url, secret_key: String) -> Self {
        Self { base, secret_key }
    }

    /// `path` under Stripe's API base, with `query` pairs.
    pub fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url, ProcessorError> {
        let mut url = self
            .base
            .join(path)
            .map_err(|e| ProcessorError::Rejected(format!("bad Stripe URL: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// One call, retried with the same idempotency key when Stripe could not answer.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        form: &[(&str, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Answer<T>, ProcessorError> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            match transport::send(method, &url, &self.secret_key, &body, idempotency_key).await {
                Ok((status, bytes)) => match decode(status, &bytes) {
                    Decoded::Done(answer) => return answer,
                    Decoded::Retry(why) => last = why,
                },
                Err(e) => last = format!("Stripe could not be reached: {e}"),
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
        }
        Err(ProcessorError::Unavailable(last))
    }
}

enum Decoded<T> {
    Done(Result<Answer<T>, ProcessorError>),
    /// Worth another attempt with the same idempotency key.
    Retry(String),
}

/// What an HTTP answer of Stripe's means.
fn decode<T: DeserializeOwned>(status: u16, body: &[u8]) -> Decoded<T> {
    let error = || {
        serde_json::from_slice::<ErrorBody>(body)
            .map(|b| b.error)
            .unwrap_or_default()
    };
    let message = || error().message.unwrap_or_else(|| "no message".into());
    match status {
        200..=299 => Decoded::Done(
            serde_json::from_slice(body)
                .map(Answer::Object)
                .map_err(|e| {
                    // Stripe answered, but not what it documents: nothing is known to have happened.
                    ProcessorError::Unavailable(format!("Stripe's answer did not parse: {e}"))
                }),
        ),
        402 => Decoded::Done(Ok(Answer::CardError(error()))),
        401 | 403 => Decoded::Done(Err(ProcessorError::Rejected(format!(
            "Stripe refused the secret key ({status})"
        )))),
        429 | 500..=599 => Decoded::Retry(format!("Stripe answered {status}: {}", message())),
        _ => Decoded::Done(Err(ProcessorError::Rejected(format!(
            "Stripe answered {status}: {}",
            message()
        )))),
    }
}

#[cfg(feature = "stripe")]
mod transport {
    use std::sync::OnceLock;
    use std::time::Duration;

    use url::Url;

    use super::Method;

    const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
    /// One attempt, well inside the checkout function's timeout with its retries.
    const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(6);

    /// One HTTPS client per process: connections to Stripe are reused across invocations.
    fn http() -> &'static reqwest::Client {
        static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
        CLIENT.get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(ATTEMPT_TIMEOUT)
                .user_agent("Payrail")
                .build()
                .expect("an HTTPS client builds with a static configuration")
        })
    }

    /// Sends one request; the status and body of whatever Stripe answered.
    pub async fn send(
        method: Method,
        url: &Url,
        secret_key: &str,
        form: &str,
        idempotency_key: Option<&str>,
    ) -> Result<(u16, Vec<u8>), String> {
        let mut req = match method {
            Method::Get => http().get(url.clone()),
            Method::Post => http()
                .post(url.clone())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form.to_owned()),
        }
        .bearer_auth(secret_key)
        .header("stripe-version", super::super::api::STRIPE_VERSION);
        if let Some(key) = idempotency_key {
            req = req.header("idempotency-key", key);
        }
        let res = req.send().await.map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let body = res.bytes().await.map_err(|e| e.to_string())?;
        Ok((status, body.to_vec()))
    }
}

#[cfg(not(feature = "stripe"))]
mod transport {
    use url::Url;

    use super::Method;

    pub async fn send(
        _method: Method,
        _url: &Url,
        _secret_key: &str,
        _form: &str,
        _idempotency_key: Option<&str>,
    ) -> Result<(u16, Vec<u8>), String> {
        Err("this function was built without Stripe's HTTPS client".into())
    }
}

#[cfg(test)]
mod tests {
    use super::super::api::PaymentIntent;
    use super::*;

    #[test]
    fn answers_are_sorted_into_objects_card_errors_refusals_and_retries() {
        let ok = decode::<PaymentIntent>(200, br#"{"id":"pi_1","status":"succeeded"}"#);
        assert!(matches!(ok, Decoded::Done(Ok(Answer::Object(pi))) if pi.id == "pi_1"));
        let card = decode::<PaymentIntent>(
            402,
            br#"{"error":{"code":"card_declined","decline_code":"stolen_card"}}"#,
        );
        assert!(matches!(card, Decoded::Done(Ok(Answer::CardError(e)))
            if e.decline_code.as_deref() == Some("stolen_card")));
        assert!(matches!(
            decode::<PaymentIntent>(401, b"{}"),
            Decoded::Done(Err(ProcessorError::Rejected(_)))
        ));
        assert!(matches!(
            decode::<PaymentIntent>(400, br#"{"error":{"message":"No such payment_method"}}"#),
            Decoded::Done(Err(ProcessorError::Rejected(m))) if m.contains("No such payment_method")
        ));
        assert!(matches!(
            decode::<PaymentIntent>(503, b""),
            Decoded::Retry(_)
        ));
        assert!(matches!(
            decode::<PaymentIntent>(429, b""),
            Decoded::Retry(_)
        ));
        // A 200 that is not a PaymentIntent: no outcome is known.
        assert!(matches!(
            decode::<PaymentIntent>(200, b"<html>"),
            Decoded::Done(Err(ProcessorError::Unavailable(_)))
        ));
    }
}
