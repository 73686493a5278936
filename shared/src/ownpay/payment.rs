//! OwnPay's payment as Payrail's: the request `POST /payments` takes, translated into a
//! payment request (and its field errors back into OwnPay's field names), and a transaction
//! shown in OwnPay's words.

use serde_json::{Map, Value, json};

use crate::domain::Timestamp;
use crate::domain::money::DecimalText;
use crate::error::{ApiError, FieldErrors};
use crate::input::JsonObject;
use crate::payments::transaction::ReturnStyle;
use crate::payments::{NewPayment, PaymentStatus, Transaction};

/// `POST /payment-intents` as OwnPay's API reference documents it: `order_id`, `return_url`
/// and `description` where `POST /payments` has `reference`, `redirect_url` and a title, and
/// otherwise the same fields; errors name the intent's fields.
pub fn intent_to_new_payment(body: &JsonObject) -> Result<NewPayment, ApiError> {
    const INTENT_NAMES: [(&str, &str); 2] =
        [("reference", "order_id"), ("redirect_url", "return_url")];
    let mut fields = Map::new();
    for name in body.names() {
        // The amount's exact text, never a float; other fields as they came.
        let value = match (name, body.decimal_text(name), body.value(name)) {
            ("amount", Ok(Some(DecimalText::Number(t) | DecimalText::Text(t))), _) => {
                Value::String(t)
            }
            (_, _, Ok(Some(v))) => v,
            _ => continue,
        };
        let ours = INTENT_NAMES
            .iter()
            .find(|(_, theirs)| *theirs == name)
            .map_or(name, |(ours, _)| *ours);
        fields.insert(ours.to_owned(), value);
    }
    let translated = crate::input::parse_json_object(Value::Object(fields).to_string().as_bytes())?;
    let mut new = to_new_payment(&translated).map_err(|e| match e {
        ApiError::Validation(errors) => ApiError::Validation(
            errors
                .into_iter()
                .map(|(field, messages)| {
                    let theirs = INTENT_NAMES
                        .iter()
                        .find(|(ours, _)| *ours == field)
                        .map_or(field.as_str(), |(_, theirs)| theirs);
                    (theirs.to_owned(), messages)
                })
                .collect(),
        ),
        other => other,
    })?;
    if let Ok(Some(description)) = body.string("description")
        && !description.trim().is_empty()
    {
        let title = crate::payments::ShortText::parse(&description)
            .map_err(|e| ApiError::validation("description", e))?;
        new.product_title = Some(title);
    }
    Ok(new)
}

/// Payrail's request field for each of OwnPay's, to name OwnPay's fields in errors.
const FIELDS: [(&str, &str); 6] = [
    ("total_amount", "amount"),
    ("currency", "currency"),
    ("email", "customer_email"),
    ("success_url", "redirect_url"),
    ("cancel_url", "cancel_url"),
    ("order_uuid", "reference"),
];

/// OwnPay's payment request as Payrail's. Where OwnPay falls back to `callback_url` for the
/// customer's way back, so does this; a payment without a reference gets one of its own.
pub fn to_new_payment(body: &JsonObject) -> Result<NewPayment, ApiError> {
    let text = |field: &str| {
        body.string(field)
            .ok()
            .flatten()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    // A field of the wrong type is passed on as it came, for Payrail's check to name it.
    let as_given = |field: &str| body.value(field).ok().flatten().unwrap_or(Value::Null);
    let callback = text("callback_url");
    let redirect = text("redirect_url").or_else(|| callback.clone());
    let cancel = text("cancel_url")
        .or_else(|| callback.clone())
        .or_else(|| redirect.clone());
    let reference_field = if body.contains("reference") {
        "reference"
    } else {
        "order_id"
    };
    let reference = match (text(reference_field), body.integer(reference_field)) {
        (Some(r), _) => Value::String(r),
        (None, Ok(Some(n))) => Value::String(n.to_string()),
        _ if body.contains(reference_field) && !body.is_null(reference_field) => {
            as_given(reference_field)
        }
        _ => Value::String(format!("ownpay-{}", crate::crypto::random_secret())),
    };
    // The amount's exact text, never a float.
    let amount = match body.decimal_text("amount") {
        Ok(Some(DecimalText::Number(t) | DecimalText::Text(t))) => Value::String(t),
        Ok(None) => Value::Null,
        Err(_) => as_given("amount"),
    };
    let (first, last) = match text("customer_name") {
        Some(name) => match name.split_once(' ') {
            Some((first, last)) => (Some(first.to_owned()), Some(last.trim().to_owned())),
            None => (Some(name), None),
        },
        None => (None, None),
    };
    // OwnPay keeps any JSON in metadata; Payrail keeps text: other values are kept as their JSON.
    let mut metadata = Map::new();
    if let Value::Object(given) = as_given("metadata") {
        for (k, v) in given {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            metadata.insert(k, Value::String(v));
        }
    }
    for field in ["customer_phone", "gateway"] {
        if let Some(v) = text(field) {
            metadata.insert(field.to_owned(), Value::String(v));
        }
    }
    let mut payrail = json!({
        "order_uuid": reference,
        "total_amount": amount,
        "currency": text("currency").map(|c| c.to_ascii_uppercase()),
        "email": text("customer_mail").or_else(|| text("customer_email")),
        "success_url": redirect,
        "cancel_url": cancel,
        "first_name": first,
        "last_name": last,
        "metadata": metadata,
    });
    if let Value::Object(map) = &mut payrail {
        map.retain(|_, v| !v.is_null());
    }
    let translated = crate::input::parse_json_object(payrail.to_string().as_bytes())?;
    let mut new = NewPayment::parse(&translated).map_err(|e| match e {
        ApiError::Validation(errors) => ApiError::Validation(renamed(errors)),
        other => other,
    })?;
    new.return_style = ReturnStyle::Ownpay;
    Ok(new)
}

fn renamed(errors: FieldErrors) -> FieldErrors {
    errors
        .into_iter()
        .map(|(field, messages)| {
            let name = FIELDS
                .iter()
                .find(|(ours, _)| *ours == field)
                .map_or(field.as_str(), |(_, theirs)| theirs);
            (name.to_owned(), messages)
        })
        .collect()
}

/// A status in OwnPay's words.
pub fn status_word(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Pending => "pending",
        PaymentStatus::Processing => "processing",
        PaymentStatus::Paid => "completed",
        PaymentStatus::Declined => "failed",
        PaymentStatus::Expired => "expired",
        PaymentStatus::Canceled => "cancelled",
        PaymentStatus::Refunded => "refunded",
    }
}

/// `GET /payments/{payment_id}`: the payment as OwnPay's clients read it.
pub fn payment_json(txn: &Transaction, now: Timestamp) -> Value {
    let name = [txn.first_name.as_deref(), txn.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = transaction_json(txn, now);
    out["payment_id"] = json!(txn.id);
    out["completed_at"] = json!(txn.paid_at);
    out["customer"] = json!({"name": name, "email": txn.email.as_str()});
    out
}

/// `GET /transactions/{trx_id}`: a transaction in OwnPay's fields.
pub fn transaction_json(txn: &Transaction, now: Timestamp) -> Value {
    let amount = txn.amount.to_major_string();
    json!({
        "id": txn.id,
        "trx_id": txn.id,
        "gateway_trx_id": txn.processor_payment_id,
        "amount": amount,
        "currency": txn.amount.currency().code(),
        "fee": "0.00",
        "net_amount": amount,
        "status": status_word(txn.status_at(now)),
        "gateway": txn.processor.map(|p| p.as_str()),
        "method": "api",
        "reference": txn.order_uuid.as_str(),
        "created_at": txn.created_at,
        "updated_at": txn.paid_at.unwrap_or(txn.created_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> JsonObject {
        crate::input::parse_json_object(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn the_woocommerce_plugins_request_is_a_payment_request() {
        let new = to_new_payment(&body(json!({
            "amount": "25.50", "currency": "usd", "callback_url": "https://shop.example/?wc-api=ownpay",
            "redirect_url": "https://shop.example/thanks", "cancel_url": "https://shop.example/cart",
            "customer_mail": "ann@example.com", "customer_name": "Ann Lee", "customer_phone": "+1 555",
            "reference": "1042", "metadata": {"plugin_version": "1.1.0", "whmcs_invoice_id": 7}
        })))
        .unwrap();
        assert_eq!(new.order_uuid.as_str(), "1042");
        assert_eq!(new.amount.minor(), 2550);
        assert_eq!(new.amount.currency().code(), "USD");
        assert_eq!(new.email.as_str(), "ann@example.com");
        assert_eq!(new.success_url.as_str(), "https://shop.example/thanks");
        assert_eq!(new.first_name.as_ref().unwrap().as_str(), "Ann");
        assert_eq!(new.last_name.as_ref().unwrap().as_str(), "Lee");
        assert_eq!(new.metadata.as_map()["whmcs_invoice_id"], "7");
        assert_eq!(new.metadata.as_map()["customer_phone"], "+1 555");
        // Only a callback URL: the customer comes back there either way.
        let new = to_new_payment(&body(json!({
            "amount": 10, "currency": "EUR", "customer_email": "a@b.io",
            "callback_url": "https://shop.example/cb"
        })))
        .unwrap();
        assert_eq!(new.cancel_url.as_str(), "https://shop.example/cb");
        assert!(new.order_uuid.as_str().starts_with("ownpay-"));
    }

    #[test]
    fn errors_name_ownpays_fields() {
        let fields = |v: Value| match to_new_payment(&body(v)) {
            Err(ApiError::Validation(errors)) => errors,
            other => panic!("expected field errors, got {other:?}"),
        };
        let errors = fields(json!({"amount": "-1", "currency": "USD", "customer_email": "nope"}));
        for field in ["amount", "customer_email", "redirect_url", "cancel_url"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        let errors = fields(json!({"amount": "1", "currency": "ZZZ"}));
        assert!(errors.contains_key("currency"), "{errors:?}");
    }
}
