//! Calling Stripe's API: form-encoded requests with the merchant's secret key, each write with
//! an idempotency key derived from Payrail's own id, retried with the same key when Stripe could
//! not answer (unreachable, 409, 429, 5xx), so a retry never charges or refunds twice.
//!
//! Every failure says whether the request may have taken effect: only a request that never
//! reached Stripe, or that Stripe refused outright, is known to have done nothing. A 5xx may
//! have been saved under the idempotency key and replayed, so a retry's 5xx is no new
//! information.
//!
//! The HTTPS client exists only in the functions that call Stripe (the `stripe` feature);
//! elsewhere a call is refused as unavailable.

use std::time::Duration;

use serde::de::DeserializeOwned;
use url::Url;

use super::api::{ErrorBody, ErrorObject};
use crate::processor::ProcessorError;

/// Attempts of one call when Stripe could not answer.
const ATTEMPTS: u32 = 3;
/// The most one call may take, retries included: a function calling Stripe runs for 29
/// seconds, and must still record what Stripe said (or that its answer was lost).
const BUDGET: Duration = Duration::from_secs(20);

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

/// What came back over the wire.
pub struct Reply {
    pub status: u16,
    /// `Stripe-Should-Retry`, when Stripe says whether a retry can help.
    pub should_retry: Option<bool>,
    pub body: Vec<u8>,
}

/// Why no reply came back, and whether the request may have reached Stripe first.
pub struct SendError {
    pub message: String,
    pub sent: bool,
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
        // Whether an attempt so far may have taken effect at Stripe.
        let mut maybe_done = false;
        let started = std::time::Instant::now();
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 && started.elapsed() + transport::ATTEMPT_TIMEOUT > BUDGET {
                break;
            }
            match transport::send(method, &url, &self.secret_key, &body, idempotency_key).await {
                Ok(reply) => match decode(reply.status, &reply.body) {
                    Decoded::Done(answer) => return answer,
                    Decoded::Retry { why, took_effect } => {
                        last = why;
                        maybe_done |= took_effect;
                        if reply.should_retry == Some(false) {
                            break;
                        }
                    }
                },
                Err(e) => {
                    last = format!("Stripe could not be reached: {}", e.message);
                    maybe_done |= e.sent;
                }
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
        }
        Err(if maybe_done {
            ProcessorError::Unknown(last)
        } else {
            ProcessorError::Unavailable(last)
        })
    }
}

enum Decoded<T> {
    Done(Result<Answer<T>, ProcessorError>),
    /// Worth another attempt with the same idempotency key; `took_effect` when this attempt
    /// may have changed something at Stripe.
    Retry {
        why: String,
        took_effect: bool,
    },
}

/// What an HTTP answer of Stripe's means.
fn decode<T: DeserializeOwned>(status: u16, body: &[u8]) -> Decoded<T> {
    let error = || {
        serde_json::from_slice::<ErrorBody>(body)
            .map(|b| b.error)
            .unwrap_or_default()
    };
    let message = || error().message.unwrap_or_else(|| "no message".into());
    let retry = |took_effect| Decoded::Retry {
        why: format!("Stripe answered {status}: {}", message()),
        took_effect,
    };
    match status {
        200..=299 => Decoded::Done(
            serde_json::from_slice(body)
                .map(Answer::Object)
                .map_err(|e| {
                    // Stripe answered that it did something, but not what it documents.
                    ProcessorError::Unknown(format!("Stripe's answer did not parse: {e}"))
                }),
        ),
        402 => Decoded::Done(Ok(Answer::CardError(error()))),
        401 => Decoded::Done(Err(ProcessorError::Rejected(
            "Stripe does not know the key (401)".into(),
        ))),
        // A restricted key without the permission the call needs.
        403 => Decoded::Done(Err(ProcessorError::Rejected(format!(
            "the key lacks a permission Payrail uses (403): {}",
            message()
        )))),
        // The key is reused with other parameters: the first request's outcome is not this.
        400 if error().kind.as_deref() == Some("idempotency_error") => Decoded::Done(Err(
            ProcessorError::Unknown(format!("Stripe answered 400: {}", message())),
        )),
        // Another request with this key is still running at Stripe.
        409 => retry(true),
        // Rate limited: Stripe did not run it.
        429 => retry(false),
        500..=599 => retry(true),
        // No such object at this account: what was asked about is not this key's.
        404 => Decoded::Done(Err(ProcessorError::Missing(message()))),
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

    use super::{Method, Reply, SendError};

    const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
    /// One attempt, well inside the checkout function's timeout with its retries.
    pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(6);

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

    /// Sends one request; whatever Stripe answered.
    pub async fn send(
        method: Method,
        url: &Url,
        secret_key: &str,
        form: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Reply, SendError> {
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
        // Only a connection never made is known not to have reached Stripe.
        let lost = |e: reqwest::Error| SendError {
            sent: !(e.is_connect() || e.is_builder()),
            message: e.to_string(),
        };
        let res = req.send().await.map_err(lost)?;
        let status = res.status().as_u16();
        let should_retry = res
            .headers()
            .get("stripe-should-retry")
            .and_then(|v| v.to_str().ok())
            .map(|v| v == "true");
        let body = res.bytes().await.map_err(lost)?;
        Ok(Reply {
            status,
            should_retry,
            body: body.to_vec(),
        })
    }
}

#[cfg(not(feature = "stripe"))]
mod transport {
    use url::Url;

    use super::{Method, Reply, SendError};

    pub const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(6);

    pub async fn send(
        _method: Method,
        _url: &Url,
        _secret_key: &str,
        _form: &str,
        _idempotency_key: Option<&str>,
    ) -> Result<Reply, SendError> {
        Err(SendError {
            message: "this function was built without Stripe's HTTPS client".into(),
            sent: false,
        })
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
            decode::<PaymentIntent>(404, br#"{"error":{"message":"No such payment_intent"}}"#),
            Decoded::Done(Err(ProcessorError::Missing(_)))
        ));
        assert!(matches!(
            decode::<PaymentIntent>(503, b""),
            Decoded::Retry {
                took_effect: true,
                ..
            }
        ));
        assert!(matches!(
            decode::<PaymentIntent>(409, b""),
            Decoded::Retry {
                took_effect: true,
                ..
            }
        ));
        assert!(matches!(
            decode::<PaymentIntent>(429, b""),
            Decoded::Retry {
                took_effect: false,
                ..
            }
        ));
        // The key was used with other parameters: whatever the first request did is unknown.
        assert!(matches!(
            decode::<PaymentIntent>(400, br#"{"error":{"type":"idempotency_error"}}"#),
            Decoded::Done(Err(ProcessorError::Unknown(_)))
        ));
        // A 200 that is not a PaymentIntent: no outcome is known.
        assert!(matches!(
            decode::<PaymentIntent>(200, b"<html>"),
            Decoded::Done(Err(ProcessorError::Unknown(_)))
        ));
    }
}
