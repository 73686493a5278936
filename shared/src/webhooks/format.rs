//! Delivery formats, for receivers written for another gateway, and an endpoint's custom
//! headers.
//!
//! - `standard`: the event body, Standard Webhooks headers.
//! - `ovgc`: `{"webhook_secret", "success", "transaction_id", "customer_email",
//!   "payment_status"}`, only for final payment outcomes (and tests).
//! - `onepay`: the event body, plus `signature` (lowercase hex HMAC-SHA256 of the body bytes,
//!   keyed with the whole `whsec_…` secret text) and `x-webhook-token`.
//!
//! Every format also carries the Standard Webhooks headers, so any receiver can de-duplicate
//! by `webhook-id`.

use std::collections::BTreeMap;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::crypto::hex;
use crate::events::EventType;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointFormat {
    #[default]
    Standard,
    Ovgc,
    Onepay,
}

impl EndpointFormat {
    pub const ALL: [EndpointFormat; 3] = [Self::Standard, Self::Ovgc, Self::Onepay];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Ovgc => "ovgc",
            Self::Onepay => "onepay",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == raw)
    }

    /// Whether events of `kind` can be sent in this format.
    pub fn carries(self, kind: EventType) -> bool {
        match self {
            Self::Ovgc => ovgc_status(kind).is_some() || kind == EventType::WebhookTest,
            Self::Standard | Self::Onepay => true,
        }
    }

    /// The bytes to send for an event whose standard body is `body`; `secret` is the endpoint's
    /// current `whsec_…` secret.
    pub fn body(self, kind: EventType, body: &str, secret: &str) -> String {
        match self {
            Self::Ovgc => ovgc_body(kind, body, secret),
            Self::Standard | Self::Onepay => body.to_owned(),
        }
    }
}

/// The OVGC `payment_status` and `success` of an event type, for the types it carries.
fn ovgc_status(kind: EventType) -> Option<(&'static str, bool)> {
    match kind {
        EventType::PaymentSucceeded => Some(("payment.succeeded", true)),
        EventType::PaymentDeclined | EventType::PaymentExpired | EventType::PaymentCanceled => {
            Some(("payment.declined", false))
        }
        _ => None,
    }
}

fn ovgc_body(kind: EventType, body: &str, secret: &str) -> String {
    let data = serde_json::from_str::<Value>(body)
        .ok()
        .map(|b| b["data"].clone())
        .unwrap_or(Value::Null);
    let (status, success) = ovgc_status(kind).unwrap_or((kind.as_str(), false));
    json!({
        "webhook_secret": secret,
        "success": success,
        "transaction_id": data.get("transaction_id").cloned().unwrap_or(Value::Null),
        "customer_email": data.get("email").cloned().unwrap_or(Value::Null),
        "payment_status": status,
    })
    .to_string()
}

/// The OnePay `signature` header: lowercase hex HMAC-SHA256 of `body`, keyed with the UTF-8
/// bytes of the whole secret text (`whsec_…`, as the merchant copies it).
pub fn onepay_signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

/// Custom headers an endpoint sends with every delivery. Values are secrets: they are shown
/// masked and never appear in `Debug` output, so never in logs.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomHeaders(BTreeMap<String, String>);

pub const MAX_CUSTOM_HEADERS: usize = 10;
const MAX_VALUE_CHARS: usize = 1000;
const MAX_NAME_CHARS: usize = 100;
/// Names Payrail or the connection sets, that change how the body is read or sent
/// (`content-*`, `expect`), or that carry a browser's or another party's credentials (`cookie`,
/// `authorization`: a receiver that needs a secret of the merchant's reads it from a header of
/// its own, such as `x-api-key`, beside the signature it verifies).
const RESERVED: [&str; 15] = [
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "content-type",
    "signature",
    "x-webhook-token",
    "user-agent",
    "expect",
    "cookie",
    "authorization",
];
const RESERVED_PREFIXES: [&str; 3] = ["proxy-", "webhook-", "content-"];

impl std::fmt::Debug for CustomHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl CustomHeaders {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The headers to send. A name stored before it was refused is never sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .filter(|(k, _)| check_name(k).is_ok())
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Names with masked values: `••••` and the last four characters of a value longer than
    /// twelve, `••••` alone otherwise.
    pub fn masked(&self) -> Value {
        self.0
            .iter()
            .map(|(name, value)| (name.clone(), json!(mask(value))))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    /// Parses a JSON object of header names to values; names are kept in lower case.
    pub fn parse(raw: &Value) -> Result<Self, String> {
        let Value::Object(map) = raw else {
            return Err("must be an object of header names to values".into());
        };
        if map.len() > MAX_CUSTOM_HEADERS {
            return Err(format!("at most {MAX_CUSTOM_HEADERS} headers"));
        }
        let mut headers = BTreeMap::new();
        for (name, value) in map {
            let lower = name.to_ascii_lowercase();
            check_name(&lower).map_err(|e| format!("header '{name}' {e}"))?;
            let Value::String(value) = value else {
                return Err(format!("header '{name}' must have a string value"));
            };
            check_value(value).map_err(|e| format!("header '{name}' value {e}"))?;
            if headers.insert(lower, value.clone()).is_some() {
                return Err(format!("header '{name}' is given twice"));
            }
        }
        Ok(Self(headers))
    }
}

fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() > 12 {
        format!(
            "••••{}",
            chars[chars.len() - 4..].iter().collect::<String>()
        )
    } else {
        "••••".into()
    }
}

/// RFC 9110 `tchar`.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn check_name(lower: &str) -> Result<(), &'static str> {
    if lower.is_empty() || lower.len() > MAX_NAME_CHARS || !lower.chars().all(is_token_char) {
        return Err("is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)");
    }
    if RESERVED.contains(&lower) || RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return Err("is set by Payrail or by the connection and cannot be given");
    }
    Ok(())
}

fn check_value(value: &str) -> Result<(), String> {
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(format!("must be at most {MAX_VALUE_CHARS} characters"));
    }
    if !value.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
        return Err("must be printable ASCII, without control characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ovgc_carries_final_outcomes_only() {
        let f = EndpointFormat::Ovgc;
        assert!(f.carries(EventType::PaymentSucceeded));
        assert!(f.carries(EventType::PaymentCanceled));
        assert!(!f.carries(EventType::PaymentCreated));
        assert!(!f.carries(EventType::RefundSucceeded));
        let body = json!({"type": "payment.expired", "data": {"transaction_id": "txn_1", "email": "a@b.io"}});
        let sent: Value =
            serde_json::from_str(&f.body(EventType::PaymentExpired, &body.to_string(), "whsec_x"))
                .unwrap();
        assert_eq!(
            sent,
            json!({"webhook_secret": "whsec_x", "success": false, "transaction_id": "txn_1",
                   "customer_email": "a@b.io", "payment_status": "payment.declined"})
        );
    }

    #[test]
    fn onepay_signature_is_hex_hmac_of_the_body() {
        // HMAC-SHA256(key = "key", "The quick brown fox jumps over the lazy dog").
        assert_eq!(
            onepay_signature("key", b"The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn headers_are_checked_and_masked() {
        let ok = CustomHeaders::parse(&json!({"X-Api-Key": "abcdefghijklmnop", "x-short": "1"}))
            .unwrap();
        assert_eq!(
            ok.masked(),
            json!({"x-api-key": "••••mnop", "x-short": "••••"})
        );
        assert!(!format!("{ok:?}").contains("abcdef"));
        for bad in [
            json!({"Connection": "x"}),
            json!({"proxy-authorization": "x"}),
            json!({"Webhook-Id": "x"}),
            json!({"signature": "x"}),
            json!({"bad name": "x"}),
            json!({"x-a": "line\nbreak"}),
            json!({"x-a": "v".repeat(1001)}),
            json!({"x-a": 1}),
            json!({"x-a": "1", "X-A": "2"}),
            json!(
                (0..11)
                    .map(|i| (format!("x-{i}"), json!("v")))
                    .collect::<serde_json::Map<_, _>>()
            ),
        ] {
            assert!(CustomHeaders::parse(&bad).is_err(), "{bad}");
        }
    }
}
