//! OwnPay's API keys: listed with a number for an id (its Node.js SDK revokes keys by number),
//! created from `name` and `scopes` (`read`, `write`, `admin`) as OwnPay-format keys.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::ids::KeyId;
use crate::input::JsonObject;
use crate::keys::{ApiKey, KeyStatus};

/// A key's number: the milliseconds of its id's time and ten bits of its randomness, below
/// 2^53 so JavaScript holds it exactly. Two keys of one merchant share one only if made in the
/// same millisecond with the same ten bits.
pub fn key_number(id: &KeyId) -> u64 {
    let ulid = ulid::Ulid::from_string(&id.as_str()[KeyId::PREFIX.len()..]).unwrap_or_default();
    (ulid.timestamp_ms() << 10) | (ulid.random() as u64 & 0x3ff)
}

/// A key as `GET /api-keys` lists it.
pub fn key_json(key: &ApiKey) -> Value {
    json!({
        "id": key_number(&key.id),
        "key_id": key.id,
        "name": key.label,
        "prefix": crate::auth::api_key::prefix(&key.id, key.format),
        "status": match key.status {
            KeyStatus::Active => "active",
            KeyStatus::Revoked => "revoked",
        },
        "last_used": key.last_used_at,
        "expires_at": null,
        "created_at": key.created_at,
    })
}

/// `POST /api-keys` answers the key once, with its prefix.
pub fn created_json(key: &ApiKey, token: &str) -> Value {
    json!({
        "key": token,
        "prefix": crate::auth::api_key::prefix(&key.id, key.format),
        "warning": "Store this key securely. It cannot be retrieved again.",
        "id": key_number(&key.id),
        "key_id": key.id,
    })
}

/// OwnPay's create request as Payrail's: `name` (or `label`, default `Default`) is the label,
/// `scopes` without `write` or `admin` is a read-only key, and the key is OwnPay-format.
pub fn key_request(body: &JsonObject) -> Result<JsonObject, ApiError> {
    let label = ["name", "label"]
        .iter()
        .find_map(|f| {
            body.string(f)
                .ok()
                .flatten()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or_else(|| "Default".to_owned());
    let scopes = match body.value("scopes") {
        Ok(None) => vec!["read".to_owned(), "write".to_owned()],
        Ok(Some(Value::Array(items))) => {
            let mut scopes = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s @ ("read" | "write" | "admin")) => scopes.push(s.to_owned()),
                    _ => {
                        return Err(ApiError::validation(
                            "scopes",
                            "Invalid scope value. Allowed: read, write, admin",
                        ));
                    }
                }
            }
            if scopes.is_empty() {
                return Err(ApiError::validation(
                    "scopes",
                    "At least one privilege scope must be provided.",
                ));
            }
            scopes
        }
        _ => {
            return Err(ApiError::validation(
                "scopes",
                "Scopes must be an array of privileges.",
            ));
        }
    };
    let writes = scopes.iter().any(|s| s != "read");
    let ours = json!({
        "label": label,
        "scope": if writes { "full" } else { "read_only" },
        "format": "ownpay",
    });
    crate::input::parse_json_object(ours.to_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> JsonObject {
        crate::input::parse_json_object(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn scopes_become_a_key_scope_and_bad_ones_are_refused() {
        let ours = key_request(&body(json!({"name": "CI", "scopes": ["read"]}))).unwrap();
        assert_eq!(ours.string("scope").unwrap().unwrap(), "read_only");
        assert_eq!(ours.string("label").unwrap().unwrap(), "CI");
        assert_eq!(ours.string("format").unwrap().unwrap(), "ownpay");
        let ours = key_request(&body(json!({}))).unwrap();
        assert_eq!(ours.string("scope").unwrap().unwrap(), "full");
        assert_eq!(ours.string("label").unwrap().unwrap(), "Default");
        for bad in [
            json!({"scopes": "read"}),
            json!({"scopes": []}),
            json!({"scopes": ["root"]}),
        ] {
            assert!(key_request(&body(bad)).is_err());
        }
    }

    #[test]
    fn a_keys_number_is_its_own_and_fits_javascript() {
        let a = KeyId::generate();
        let n = key_number(&a);
        assert!(n < 1 << 53);
        assert_eq!(n, key_number(&KeyId::parse(a.as_str()).unwrap()));
    }
}
