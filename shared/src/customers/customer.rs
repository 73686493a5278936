//! A customer: the merchant's record of a payer, identified by e-mail address.

use serde_json::{Value, json};

use crate::domain::{BoundedText, Email, Metadata, Timestamp};
use crate::error::{ApiError, FieldErrorsBuilder};
use crate::ids::{CustomerId, CustomerSeq, MerchantId};
use crate::input::JsonObject;
use crate::payments::Transaction;

pub type CustomerName = BoundedText<200>;

/// A telephone number as people write one: digits with an optional leading `+` and spaces,
/// dots, dashes or brackets between; 4 to 20 digits, at most 32 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        let rest = raw.strip_prefix('+').unwrap_or(raw);
        let digits = rest.chars().filter(char::is_ascii_digit).count();
        let allowed = |c: char| c.is_ascii_digit() || " .-()".contains(c);
        if raw.len() > 32 || !rest.chars().all(allowed) || !(4..=20).contains(&digits) {
            return Err("must be a telephone number: 4 to 20 digits, an optional leading +");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub merchant_id: MerchantId,
    /// Its place in the merchant's list, newest first.
    pub seq: CustomerSeq,
    /// One customer per address; a customer created without one has an id of its own.
    pub email: Option<Email>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub metadata: Metadata,
    pub created_at: Timestamp,
}

impl Customer {
    pub fn new(merchant_id: &MerchantId, new: NewCustomer, now: Timestamp) -> Self {
        Self {
            id: new.email.as_ref().map_or_else(CustomerId::generate, |e| {
                CustomerId::for_email(merchant_id, e)
            }),
            merchant_id: merchant_id.clone(),
            seq: CustomerSeq::generate(),
            email: new.email,
            name: new.name.map(CustomerName::into_string),
            phone: new.phone.map(|p| p.0),
            metadata: new.metadata,
            created_at: now,
        }
    }

    /// The customer a payment names: its address and payer's name, and the telephone number
    /// OwnPay's clients send (kept in the payment's metadata as `customer_phone`).
    pub fn seen_in(txn: &Transaction) -> Self {
        let name = [txn.first_name.as_deref(), txn.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let phone = txn
            .metadata
            .as_map()
            .get("customer_phone")
            .and_then(|p| Phone::parse(p).ok());
        Self::new(
            &txn.merchant_id,
            NewCustomer {
                email: Some(txn.email.clone()),
                name: CustomerName::parse(&name).ok(),
                phone,
                metadata: Metadata::default(),
            },
            txn.created_at,
        )
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "email": self.email.as_ref().map(Email::as_str),
            "name": self.name,
            "phone": self.phone,
            "metadata": self.metadata.as_map(),
            "created_at": self.created_at,
        })
    }
}

/// `POST /customers`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub email: Option<Email>,
    pub name: Option<CustomerName>,
    pub phone: Option<Phone>,
    pub metadata: Metadata,
}

impl NewCustomer {
    /// Every field checked, every problem reported at once (422 naming each). A customer has
    /// an e-mail address, a name, or both.
    pub fn parse(body: &JsonObject) -> Result<Self, ApiError> {
        let mut errors = FieldErrorsBuilder::default();
        let mut text = |field: &str| errors.check(field, body.string(field)).flatten();
        let (email, name, phone) = (text("email"), text("name"), text("phone"));
        if email.is_none() && name.is_none() && !errors.has("email") && !errors.has("name") {
            errors.add("email", "is required unless a name is given");
        }
        let email = email.and_then(|e| errors.check("email", Email::parse(&e)));
        let name = name.and_then(|n| errors.check("name", CustomerName::parse(&n)));
        let phone = phone.and_then(|p| errors.check("phone", Phone::parse(&p)));
        let metadata = errors
            .check("metadata", body.value("metadata"))
            .flatten()
            .and_then(|v| errors.check("metadata", Metadata::parse(&v)))
            .unwrap_or_default();
        errors.into_result()?;
        Ok(Self {
            email,
            name,
            phone,
            metadata,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> JsonObject {
        crate::input::parse_json_object(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn a_customer_needs_an_address_and_checks_every_field() {
        let ok = NewCustomer::parse(&body(json!({
            "email": "ann@example.com", "name": " Ann Lee ", "phone": "+1 (555) 010-2000",
            "metadata": {"crm": "42"}
        })))
        .unwrap();
        assert_eq!(ok.name.unwrap().as_str(), "Ann Lee");
        assert_eq!(ok.phone.unwrap().as_str(), "+1 (555) 010-2000");
        let fields = |v: Value| match NewCustomer::parse(&body(v)) {
            Err(ApiError::Validation(errors)) => errors,
            other => panic!("expected field errors, got {other:?}"),
        };
        let errors =
            fields(json!({"name": "", "email": "nope", "phone": "call me", "metadata": "x"}));
        for field in ["email", "name", "phone", "metadata"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        let errors = fields(json!({"phone": "+1 555 0100"}));
        assert!(errors.contains_key("email"), "{errors:?}");
        // A name alone is a customer (one who pays in person, say).
        let walk_in = NewCustomer::parse(&body(json!({"name": "Bo"}))).unwrap();
        assert_eq!(walk_in.email, None);
    }

    #[test]
    fn phone_numbers_are_digits_as_people_write_them() {
        for ok in ["+8801712345678", "555-0100", "(02) 9999 9999"] {
            assert!(Phone::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "12", "+", "phone", "1+2345", &"9".repeat(21)] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }
}
