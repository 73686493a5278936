//! A merchant's webhook endpoint and the rules for its fields.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::format::{CustomHeaders, EndpointFormat};
use crate::domain::{Timestamp, WebUrl};
use crate::error::FieldErrorsBuilder;
use crate::events::EventType;
use crate::ids::{EndpointId, MerchantId};
use crate::input::JsonObject;

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// An endpoint whose every attempt has failed for this long is disabled.
pub const FAILING_LIMIT: std::time::Duration = std::time::Duration::from_secs(5 * 24 * 3600);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: EndpointId,
    pub merchant_id: MerchantId,
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Subscribed event types; empty means every type.
    #[serde(default)]
    pub events: Vec<EventType>,
    pub enabled: bool,
    /// The shape of what is sent (items written before formats existed are `standard`).
    #[serde(default)]
    pub format: EndpointFormat,
    /// Sent with every delivery; the values are secrets.
    #[serde(default, skip_serializing_if = "CustomHeaders::is_empty")]
    pub headers: CustomHeaders,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// The current secret's generation (see `secrets::endpoint_key`).
    pub secret_generation: u32,
    /// The generation before the last rotation, valid until `previous_valid_until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_valid_until: Option<Timestamp>,
    /// Start of the current run of failed attempts, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Bumped by every write, so a read-modify-write can require that nothing changed since its
    /// read (items written before versions existed read as 0).
    #[serde(default)]
    pub version: u64,
}

impl WebhookEndpoint {
    /// Whether events of `kind` go to this endpoint (tests go only where they are sent; a
    /// format only gets the types it can carry).
    pub fn subscribes(&self, kind: EventType) -> bool {
        kind != EventType::WebhookTest
            && self.format.carries(kind)
            && (self.events.is_empty() || self.events.contains(&kind))
    }

    /// Generations whose keys sign a delivery now: the current, and the previous one during
    /// the rotation overlap.
    pub fn signing_generations(&self, now: Timestamp) -> Vec<u32> {
        let mut generations = vec![self.secret_generation];
        if self.previous_valid_until.is_some_and(|until| now < until) && self.secret_generation > 1
        {
            generations.push(self.secret_generation - 1);
        }
        generations
    }

    pub fn to_json(&self) -> Value {
        let events: Vec<&str> = if self.events.is_empty() {
            EventType::ALL
                .iter()
                .filter(|t| **t != EventType::WebhookTest)
                .map(|t| t.as_str())
                .collect()
        } else {
            self.events.iter().map(|t| t.as_str()).collect()
        };
        json!({
            "id": self.id,
            "url": self.url,
            "description": self.description,
            "events": events,
            "enabled": self.enabled,
            "format": self.format.as_str(),
            "headers": self.headers.masked(),
            "disabled_reason": self.disabled_reason,
            "failing_since": self.failing_since,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// The fields of a create or update, each validated.
#[derive(Debug, Default)]
pub struct EndpointInput {
    pub url: Option<WebUrl>,
    pub description: Option<String>,
    pub events: Option<Vec<EventType>>,
    pub enabled: Option<bool>,
    pub format: Option<EndpointFormat>,
    pub headers: Option<CustomHeaders>,
}

impl EndpointInput {
    /// Parses the body; `schemes` are the URL schemes allowed in this deployment.
    pub fn parse(body: &JsonObject, schemes: &[String], errors: &mut FieldErrorsBuilder) -> Self {
        let mut input = Self::default();
        match body.string("url") {
            Ok(Some(raw)) => match WebUrl::parse(&raw) {
                Ok(url) if schemes.iter().any(|s| s == url.as_url().scheme()) => {
                    input.url = Some(url)
                }
                Ok(_) => errors.add("url", format!("must use {}", schemes.join(" or "))),
                Err(e) => errors.add("url", e),
            },
            Ok(None) => {}
            Err(e) => errors.add("url", e),
        }
        match body.string("description") {
            Ok(Some(d)) if d.chars().count() > 500 => {
                errors.add("description", "must be at most 500 characters")
            }
            Ok(Some(d)) if d.chars().any(char::is_control) => {
                errors.add("description", "must not contain control characters")
            }
            Ok(d) => input.description = d.map(|d| d.trim().to_owned()),
            Err(e) => errors.add("description", e),
        }
        match body.value("events") {
            Ok(None) => {}
            Ok(Some(Value::Array(items))) => {
                let mut events = Vec::new();
                for item in &items {
                    match item.as_str().and_then(EventType::parse) {
                        Some(EventType::WebhookTest) | None => errors.add(
                            "events",
                            format!("unknown event type {item}; use {}", EventType::names(false)),
                        ),
                        Some(t) if !events.contains(&t) => events.push(t),
                        Some(_) => {}
                    }
                }
                input.events = Some(events);
            }
            Ok(Some(_)) => errors.add("events", "must be a list of event types"),
            Err(e) => errors.add("events", e),
        }
        match body.value("enabled") {
            Ok(None) => {}
            Ok(Some(Value::Bool(b))) => input.enabled = Some(b),
            Ok(Some(_)) | Err(_) => errors.add("enabled", "must be true or false"),
        }
        match body.string("format") {
            Ok(None) => {}
            Ok(Some(v)) => match EndpointFormat::parse(&v) {
                Some(f) => input.format = Some(f),
                None => errors.add("format", "must be one of standard, ovgc, onepay, ownpay"),
            },
            Err(e) => errors.add("format", e),
        }
        match body.value("headers") {
            Ok(None) => {}
            Ok(Some(raw)) => match CustomHeaders::parse(&raw) {
                Ok(h) => input.headers = Some(h),
                Err(e) => errors.add("headers", e),
            },
            Err(e) => errors.add("headers", e),
        }
        input
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(events: Vec<EventType>) -> WebhookEndpoint {
        let now = Timestamp::from_unix(1_800_000_000);
        WebhookEndpoint {
            id: EndpointId::generate(),
            merchant_id: MerchantId::generate(),
            url: "https://x.io/hook".into(),
            description: String::new(),
            events,
            enabled: true,
            format: EndpointFormat::Standard,
            headers: CustomHeaders::default(),
            disabled_reason: None,
            secret_generation: 2,
            previous_valid_until: Some(now.plus(ROTATION_OVERLAP)),
            failing_since: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn empty_subscription_means_every_payment_event_but_never_tests() {
        let all = endpoint(vec![]);
        assert!(all.subscribes(EventType::PaymentSucceeded));
        assert!(!all.subscribes(EventType::WebhookTest));
        let some = endpoint(vec![EventType::PaymentSucceeded]);
        assert!(!some.subscribes(EventType::PaymentCreated));
        let ovgc = WebhookEndpoint {
            format: EndpointFormat::Ovgc,
            ..endpoint(vec![])
        };
        assert!(ovgc.subscribes(EventType::PaymentDeclined));
        assert!(!ovgc.subscribes(EventType::PaymentCreated));
    }

    #[test]
    fn the_previous_secret_signs_only_during_the_overlap() {
        let e = endpoint(vec![]);
        let rotated_at = Timestamp::from_unix(1_800_000_000);
        assert_eq!(e.signing_generations(rotated_at), [2, 1]);
        assert_eq!(
            e.signing_generations(rotated_at.plus(ROTATION_OVERLAP)),
            [2]
        );
    }
}
