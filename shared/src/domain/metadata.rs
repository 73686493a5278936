//! Merchant metadata on a payment: a small string→string map echoed back verbatim.

use std::collections::BTreeMap;

use serde_json::Value;

pub const MAX_KEYS: usize = 20;
pub const MAX_KEY_CHARS: usize = 40;
pub const MAX_VALUE_CHARS: usize = 500;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata(BTreeMap<String, String>);

impl Metadata {
    pub fn parse(value: &Value) -> Result<Self, String> {
        let Value::Object(map) = value else {
            return Err("must be an object of string values".to_owned());
        };
        if map.len() > MAX_KEYS {
            return Err(format!("must have at most {MAX_KEYS} keys"));
        }
        let mut out = BTreeMap::new();
        for (key, value) in map {
            if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
                return Err(format!("keys must be 1 to {MAX_KEY_CHARS} characters"));
            }
            let Value::String(text) = value else {
                return Err(format!("value of '{key}' must be a string"));
            };
            if text.chars().count() > MAX_VALUE_CHARS {
                return Err(format!(
                    "value of '{key}' must be at most {MAX_VALUE_CHARS} characters"
                ));
            }
            out.insert(key.clone(), text.clone());
        }
        Ok(Self(out))
    }

    pub fn from_map(map: BTreeMap<String, String>) -> Self {
        Self(map)
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_string_values() {
        let m = Metadata::parse(&json!({"cart": "42", "note": ""})).unwrap();
        assert_eq!(m.as_map().len(), 2);
    }

    #[test]
    fn rejects_non_strings_too_many_keys_and_long_values() {
        assert!(Metadata::parse(&json!(["a"])).is_err());
        assert!(Metadata::parse(&json!({"n": 1})).is_err());
        let many: serde_json::Map<String, Value> =
            (0..21).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert!(Metadata::parse(&Value::Object(many)).is_err());
        assert!(Metadata::parse(&json!({"k": "v".repeat(501)})).is_err());
        assert!(Metadata::parse(&json!({"": "v"})).is_err());
    }
}
