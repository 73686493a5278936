//! Parsing `POST /payment-requests` into a [`NewPayment`] that can only hold valid values.

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::domain::{BoundedText, Currency, Email, Metadata, Money, OrderUuid, WebUrl};
use crate::error::{ApiError, FieldErrorsBuilder};
use crate::ids::PaymentLinkId;
use crate::input::JsonObject;
use crate::payments::transaction::ReturnStyle;

pub type ShortText = BoundedText<200>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub order_uuid: OrderUuid,
    pub amount: Money,
    pub email: Email,
    pub success_url: WebUrl,
    pub cancel_url: WebUrl,
    pub product_title: Option<ShortText>,
    pub first_name: Option<ShortText>,
    pub last_name: Option<ShortText>,
    pub metadata: Metadata,
    /// Set only when a customer starts the payment from a payment link.
    pub payment_link_id: Option<PaymentLinkId>,
    pub return_style: ReturnStyle,
}

impl NewPayment {
    /// Validates every field and reports every problem at once (422 with `errors`).
    pub fn parse(body: &JsonObject) -> Result<Self, ApiError> {
        let mut errors = FieldErrorsBuilder::default();
        let required = |field: &str, errors: &mut FieldErrorsBuilder| match body.string(field) {
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                errors.add(field, "is required");
                None
            }
            Err(e) => {
                errors.add(field, e);
                None
            }
        };

        let order_uuid = required("order_uuid", &mut errors)
            .and_then(|v| errors.check("order_uuid", OrderUuid::parse(&v)));
        let email =
            required("email", &mut errors).and_then(|v| errors.check("email", Email::parse(&v)));
        let success_url = required("success_url", &mut errors)
            .and_then(|v| errors.check("success_url", WebUrl::parse(&v)));
        let cancel_url = required("cancel_url", &mut errors)
            .and_then(|v| errors.check("cancel_url", WebUrl::parse(&v)));

        let currency = match errors.check("currency", body.string("currency")) {
            Some(Some(code)) => errors.check("currency", Currency::parse(&code)),
            Some(None) => Some(Currency::usd()),
            None => None,
        };
        let amount = match errors.check("total_amount", body.decimal_text("total_amount")) {
            Some(Some(text)) => match currency {
                Some(currency) => errors.check("total_amount", Money::parse_major(&text, currency)),
                // The decimals allowed depend on the currency, already reported as invalid.
                None => None,
            },
            Some(None) => {
                errors.add("total_amount", "is required");
                None
            }
            None => None,
        };

        let mut optional = |field: &str| match errors.check(field, body.string(field)) {
            Some(Some(v)) if !v.trim().is_empty() => errors.check(field, ShortText::parse(&v)),
            _ => None,
        };
        let product_title = optional("product_title");
        let first_name = optional("first_name");
        let last_name = optional("last_name");

        let metadata = match errors.check("metadata", body.value("metadata")) {
            Some(Some(v)) => errors
                .check("metadata", Metadata::parse(&v))
                .unwrap_or_default(),
            _ => Metadata::default(),
        };

        errors.into_result()?;
        let missing = || ApiError::internal("validated field missing");
        Ok(Self {
            order_uuid: order_uuid.ok_or_else(missing)?,
            amount: amount.ok_or_else(missing)?,
            email: email.ok_or_else(missing)?,
            success_url: success_url.ok_or_else(missing)?,
            cancel_url: cancel_url.ok_or_else(missing)?,
            product_title,
            first_name,
            last_name,
            metadata,
            payment_link_id: None,
            return_style: ReturnStyle::Standard,
        })
    }

    /// A digest of everything the merchant asked for, so a repeat of the same request can be
    /// told apart from a different request that reuses the same `order_uuid` or
    /// `Idempotency-Key`. Equal amounts written differently (`25` and `"25.00"`) match.
    pub fn fingerprint(&self) -> String {
        let canonical = json!({
            "order_uuid": self.order_uuid.as_str(),
            "amount_minor": self.amount.minor(),
            "currency": self.amount.currency().code(),
            "email": self.email.as_str(),
            "success_url": self.success_url.as_str(),
            "cancel_url": self.cancel_url.as_str(),
            "product_title": self.product_title.as_ref().map(|t| t.as_str()),
            "first_name": self.first_name.as_ref().map(|t| t.as_str()),
            "last_name": self.last_name.as_ref().map(|t| t.as_str()),
            "metadata": self.metadata.as_map(),
        });
        crate::crypto::hex(&Sha256::digest(canonical.to_string().as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse_json_object;

    fn parse(body: serde_json::Value) -> Result<NewPayment, ApiError> {
        NewPayment::parse(&parse_json_object(body.to_string().as_bytes()).unwrap())
    }

    fn valid() -> serde_json::Value {
        json!({
            "order_uuid": "ord-1",
            "total_amount": "25.00",
            "email": "ann@example.com",
            "success_url": "https://shop.example.com/ok",
            "cancel_url": "https://shop.example.com/cancel",
        })
    }

    #[test]
    fn minimal_request_defaults_to_usd() {
        let p = parse(valid()).unwrap();
        assert_eq!(p.amount.minor(), 2500);
        assert_eq!(p.amount.currency().code(), "USD");
        assert!(p.metadata.as_map().is_empty());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let err = parse(
            json!({"total_amount": "1.001", "email": "nope", "currency": "USD",
                               "metadata": {"a": 1}, "product_title": 5}),
        )
        .unwrap_err();
        let errors = err.field_errors().unwrap();
        for field in [
            "order_uuid",
            "total_amount",
            "email",
            "success_url",
            "cancel_url",
            "metadata",
            "product_title",
        ] {
            assert!(
                errors.contains_key(field),
                "{field} missing from {errors:?}"
            );
        }
        assert_eq!(err.status().as_u16(), 422);
    }

    #[test]
    fn unknown_currency_is_reported_without_guessing_decimals() {
        let mut body = valid();
        body["currency"] = json!("ABC");
        let errors = parse(body).unwrap_err();
        let errors = errors.field_errors().unwrap();
        assert!(errors.contains_key("currency"));
        assert!(!errors.contains_key("total_amount"));
    }

    #[test]
    fn same_amount_written_differently_has_the_same_fingerprint() {
        let a = parse(valid()).unwrap();
        let mut body = valid();
        body["total_amount"] = json!(25);
        let b = parse(body).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let mut body = valid();
        body["total_amount"] = json!("25.01");
        assert_ne!(a.fingerprint(), parse(body).unwrap().fingerprint());
    }
}
