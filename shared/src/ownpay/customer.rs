//! OwnPay's customers: `POST /customers` takes `name` (required), `email` and `phone`, and
//! answers `{id, uuid}`; lists show each address and number masked beside the plain ones.

use serde_json::{Value, json};

use crate::customers::{Customer, NewCustomer};
use crate::domain::Email;
use crate::error::ApiError;
use crate::input::JsonObject;

/// OwnPay's create request as Payrail's; a name is required, as OwnPay requires it.
pub fn new_customer(body: &JsonObject) -> Result<NewCustomer, ApiError> {
    let named = body
        .string("name")
        .ok()
        .flatten()
        .is_some_and(|n| !n.trim().is_empty());
    if !named {
        return Err(ApiError::validation("name", "name required"));
    }
    NewCustomer::parse(body)
}

/// `POST /customers` answers only these.
pub fn created_json(c: &Customer) -> Value {
    json!({"id": c.id, "uuid": c.id})
}

/// A customer as `GET /customers/{identifier}` answers it.
pub fn customer_json(c: &Customer) -> Value {
    json!({
        "id": c.id,
        "uuid": c.id,
        "name": c.name,
        "email": c.email.as_ref().map(Email::as_str),
        "phone": c.phone,
        "created_at": c.created_at,
    })
}

/// A customer as `GET /customers` lists it: with masked copies for screens others can see.
pub fn listed_json(c: &Customer) -> Value {
    let mut out = customer_json(c);
    out["email_masked"] = json!(
        c.email
            .as_ref()
            .map_or("***".to_owned(), |e| mask_email(e.as_str()))
    );
    out["phone_masked"] = json!(c.phone.as_deref().map_or(String::new(), mask_phone));
    out
}

/// The first two characters of the local part and of the domain's first label, the rest
/// starred: `ann.lee@example.com` → `an*****@ex*****.com`.
fn mask_email(email: &str) -> String {
    let Some((local, domain)) = email.split_once('@') else {
        return "***".into();
    };
    let (label, rest) = domain.split_once('.').map_or((domain, ""), |(l, r)| (l, r));
    let part = |s: &str| {
        let shown: String = s.chars().take(2).collect();
        let hidden = s.chars().count().saturating_sub(2).max(3);
        format!("{shown}{}", "*".repeat(hidden))
    };
    let dot = if rest.is_empty() { "" } else { "." };
    format!("{}@{}{dot}{rest}", part(local), part(label))
}

/// All but the first characters and the last four digits starred.
fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let shown = chars.len().saturating_sub(8).max(1);
    let hidden = chars.len() - shown - 4;
    let head: String = chars[..shown].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(hidden))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(mask_email("ann.lee@example.com"), "an*****@ex*****.com");
        assert_eq!(mask_email("a@b.io"), "a***@b***.io");
        assert_eq!(mask_phone("+8801712345678"), "+88017****5678");
        assert_eq!(mask_phone("1234"), "****");
    }

    #[test]
    fn a_customer_needs_a_name_in_ownpays_api() {
        let body = |v: Value| crate::input::parse_json_object(v.to_string().as_bytes()).unwrap();
        let Err(ApiError::Validation(errors)) = new_customer(&body(json!({"email": "a@b.io"})))
        else {
            panic!("expected a field error");
        };
        assert!(errors.contains_key("name"));
        assert!(new_customer(&body(json!({"name": "Jane", "phone": "+8801712345678"}))).is_ok());
    }
}
