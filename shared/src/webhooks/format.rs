//! Delivery formats, for receivers written for another gateway, and an endpoint's custom
//! headers.
//!
//! - `standard`: the event body, Standard Webhooks headers.
//! - `ovgc`: `{"webhook_secret", "success", "transaction_id", "customer_email",
//!   "payment_status"}`, only for final payment outcomes (and tests).
//! - `onepay`: the event body, plus `signature` (lowercase hex HMAC-SHA256 of the body bytes,
//!   keyed with the whole `whsec_…` secret text) and `x-webhook-token`.
//! - `ownpay`: OwnPay's flat body (`event`, `transaction_id`, `amount`, `status`, `customer`,
//!   `metadata`, …) under OwnPay's event names, with `X-OwnPay-Signature` (the same HMAC as
//!   `onepay`'s), `X-OwnPay-Timestamp` and `X-OwnPay-Event`; only the events OwnPay has.
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
    Ownpay,
}

impl EndpointFormat {
    pub const ALL: [EndpointFormat; 4] = [Self::Standard, Self::Ovgc, Self::Onepay, Self::Ownpay];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Ovgc => "ovgc",
            Self::Onepay => "onepay",
            Self::Ownpay => "ownpay",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == raw)
    }

    /// Whether events of `kind` can be sent in this format.
    pub fn carries(self, kind: EventType) -> bool {
        match self {
            Self::Ovgc => ovgc_status(kind).is_some() || kind == EventType::WebhookTest,
            Self::Ownpay => ownpay_event(kind).is_some(),
            Self::Standard | Self::Onepay => true,
        }
    }

    /// The bytes to send for an event whose standard body is `body`; `secret` is the endpoint's
    /// current `whsec_…` secret.
    pub fn body(self, kind: EventType, body: &str, secret: &str) -> String {
        match self {
            Self::Ovgc => ovgc_body(kind, body, secret),
            Self::Ownpay => ownpay_body(kind, body),
            Self::Standard | Self::Onepay => body.to_owned(),
        }
    }
}

/// What signs one delivery: the keys the Standard Webhooks signature is made with (the
/// current one, and any older one still valid), the current secret's text and the token.
pub struct Signer<'a> {
    pub keys: &'a [&'a [u8]],
    pub secret: &'a str,
    pub token: &'a str,
}

/// The headers a delivery of event `id` of `kind`, sent at `now` with `body` (already in the
/// endpoint's format), carries in `format`: Standard Webhooks' three, and each dialect's own.
pub fn signed_headers(
    format: EndpointFormat,
    kind: EventType,
    id: &str,
    now: i64,
    body: &[u8],
    signer: &Signer<'_>,
) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", now.to_string()),
        (
            "webhook-signature",
            super::signing::sign(signer.keys, id, now, body),
        ),
    ];
    match format {
        EndpointFormat::Onepay => {
            headers.push(("signature", onepay_signature(signer.secret, body)));
            headers.push(("x-webhook-token", signer.token.to_owned()));
        }
        // OwnPay's receivers check the timestamp of each attempt (Laravel's within five
        // minutes): it is the time of sending, never the event's.
        EndpointFormat::Ownpay => {
            let (name, _) = ownpay_event(kind).unwrap_or((kind.as_str(), ""));
            headers.extend([
                ("x-ownpay-signature", onepay_signature(signer.secret, body)),
                ("x-ownpay-timestamp", now.to_string()),
                ("x-ownpay-event", name.to_owned()),
            ]);
        }
        EndpointFormat::Standard | EndpointFormat::Ovgc => {}
    }
    headers
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

/// OwnPay's name for an event of `kind`, and the `status` it reports, for the events OwnPay
/// has.
pub fn ownpay_event(kind: EventType) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        EventType::PaymentSucceeded => ("payment.completed", "completed"),
        EventType::PaymentDeclined => ("payment.failed", "failed"),
        EventType::PaymentCanceled => ("payment.cancelled", "cancelled"),
        EventType::PaymentExpired => ("payment.cancelled", "expired"),
        EventType::PaymentRefunded => ("payment.refunded", "refunded"),
        EventType::RefundSucceeded => ("refund.completed", "completed"),
        EventType::PaymentDisputed => ("payment.disputed", "disputed"),
        EventType::WebhookTest => ("webhook.test", "test"),
        EventType::PaymentCreated | EventType::PaymentDisputeClosed | EventType::RefundFailed => {
            return None;
        }
    })
}

/// OwnPay's flat body for an event whose standard body is `body`. OwnPay's receivers find the
/// order by `reference` (at the top or in `metadata`), check `amount` and `currency` against
/// it, and act on `status`; a refund event reports the refund's amount.
fn ownpay_body(kind: EventType, body: &str) -> String {
    let event = serde_json::from_str::<Value>(body).unwrap_or(Value::Null);
    let data = &event["data"];
    let (name, status) = ownpay_event(kind).unwrap_or((kind.as_str(), "unknown"));
    // A refund's event carries its transaction beside it.
    let txn = data.get("transaction").unwrap_or(data);
    let text = |v: &Value, field: &str| {
        v.get(field)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let full_name = [text(txn, "first_name"), text(txn, "last_name")]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let reference = txn.get("order_uuid").cloned().unwrap_or(Value::Null);
    let mut metadata = txn
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    metadata.insert("reference".into(), reference.clone());
    let (transaction_id, amount, currency) = if kind == EventType::WebhookTest {
        (text(data, "endpoint_id"), "0.00".to_owned(), String::new())
    } else if txn.get("transaction_id").is_some() && data.get("transaction").is_some() {
        (
            text(txn, "transaction_id"),
            text(data, "amount"),
            text(data, "currency"),
        )
    } else {
        (
            text(txn, "transaction_id"),
            text(txn, "total_amount"),
            text(txn, "currency"),
        )
    };
    json!({
        "event": name,
        "transaction_id": transaction_id,
        "payment_id": transaction_id,
        "reference": reference,
        "gateway_trx_id": text(txn, "processor_payment_id"),
        "amount": amount,
        "currency": currency,
        "fee": "0.00",
        "gateway": txn.get("processor").and_then(Value::as_str).unwrap_or("payrail"),
        "gateway_type": "api",
        "status": status,
        "customer": {"name": full_name, "email": text(txn, "email"), "phone": ""},
        "metadata": metadata,
        "timestamp": text(&event, "timestamp"),
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
    fn ownpay_gets_its_flat_body_under_its_event_names() {
        let f = EndpointFormat::Ownpay;
        assert!(f.carries(EventType::PaymentSucceeded));
        assert!(f.carries(EventType::RefundSucceeded));
        assert!(!f.carries(EventType::PaymentCreated));
        assert!(!f.carries(EventType::RefundFailed));
        let paid = json!({"type": "payment.succeeded", "timestamp": "2026-12-06T10:00:00Z",
            "data": {"transaction_id": "txn_1", "order_uuid": "1042", "total_amount": "25.50",
                "currency": "USD", "email": "a@b.io", "first_name": "Ann", "last_name": "Lee",
                "metadata": {"cart": "7"}, "processor": "stripe", "processor_payment_id": "pi_1"}});
        let sent: Value = serde_json::from_str(&f.body(
            EventType::PaymentSucceeded,
            &paid.to_string(),
            "whsec_x",
        ))
        .unwrap();
        assert_eq!(
            sent,
            json!({"event": "payment.completed", "transaction_id": "txn_1", "payment_id": "txn_1",
                "reference": "1042", "gateway_trx_id": "pi_1", "amount": "25.50", "currency": "USD",
                "fee": "0.00", "gateway": "stripe", "gateway_type": "api", "status": "completed",
                "customer": {"name": "Ann Lee", "email": "a@b.io", "phone": ""},
                "metadata": {"cart": "7", "reference": "1042"},
                "timestamp": "2026-12-06T10:00:00Z"})
        );
        // A refund's event reports the refund's amount, for its transaction.
        let refund = json!({"type": "refund.succeeded", "timestamp": "t",
            "data": {"id": "rfd_1", "amount": "5.00", "currency": "USD",
                "transaction": paid["data"].clone()}});
        let sent: Value =
            serde_json::from_str(&f.body(EventType::RefundSucceeded, &refund.to_string(), "k"))
                .unwrap();
        assert_eq!(sent["event"], "refund.completed");
        assert_eq!(sent["amount"], "5.00");
        assert_eq!(sent["transaction_id"], "txn_1");
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
