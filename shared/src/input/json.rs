//! Request bodies as a map of field name → JSON value, so each field is validated on its own
//! and every problem is reported at once.
//!
//! Numbers are kept as their source text (serde_json's `arbitrary_precision` is not needed: a
//! [`serde_json::value::RawValue`] holds the exact digits), so amounts never pass through a float.

use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::domain::money::DecimalText;
use crate::error::{ApiError, ErrorCode};

/// A request body's top-level fields, each as its exact JSON text.
#[derive(Debug, Default)]
pub struct JsonObject(BTreeMap<String, Field>);

#[derive(Debug)]
enum Field {
    Json(Box<RawValue>),
    /// A form field: always text.
    Text(String),
}

impl JsonObject {
    /// Each field's name, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Refuses (422, naming each) a field not among `known`.
    pub fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        let mut errors = crate::error::FieldErrorsBuilder::default();
        for name in self.names().filter(|n| !known.contains(n)) {
            errors.add(name, "is not a field of this request");
        }
        errors.into_result()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Whether the field is present as JSON `null` (for fields where null is not "absent").
    pub fn is_null(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(Field::Json(raw)) if raw.get().trim() == "null")
    }

    /// The field as a string; `Ok(None)` if absent or null; `Err` if it is another JSON type.
    pub fn string(&self, name: &str) -> Result<Option<String>, String> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Field::Text(t)) => Ok(Some(t.clone())),
            Some(Field::Json(raw)) => match serde_json::from_str::<Value>(raw.get()) {
                Ok(Value::Null) => Ok(None),
                Ok(Value::String(s)) => Ok(Some(s)),
                _ => Err("must be a string".to_owned()),
            },
        }
    }

    /// A decimal amount: a JSON number's exact source text, or a string's content.
    pub fn decimal_text(&self, name: &str) -> Result<Option<DecimalText>, String> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Field::Text(t)) => Ok(Some(DecimalText::Text(t.clone()))),
            Some(Field::Json(raw)) => {
                let text = raw.get().trim();
                match text.as_bytes().first() {
                    Some(b'-' | b'0'..=b'9') => Ok(Some(DecimalText::Number(text.to_owned()))),
                    Some(b'"') => serde_json::from_str::<String>(text)
                        .map(|s| Some(DecimalText::Text(s)))
                        .map_err(|_| "must be a decimal number".to_owned()),
                    _ if text == "null" => Ok(None),
                    _ => Err("must be a decimal number such as 25 or \"25.00\"".to_owned()),
                }
            }
        }
    }

    /// A whole number; JSON numbers only (a form field's text is parsed).
    pub fn integer(&self, name: &str) -> Result<Option<i64>, String> {
        let text = match self.0.get(name) {
            None => return Ok(None),
            Some(Field::Text(t)) => t.trim().to_owned(),
            Some(Field::Json(raw)) if raw.get() == "null" => return Ok(None),
            Some(Field::Json(raw)) => raw.get().to_owned(),
        };
        text.parse::<i64>()
            .map(Some)
            .map_err(|_| "must be a whole number".to_owned())
    }

    /// The field as a parsed JSON value (objects such as `metadata`); `None` if absent or null.
    pub fn value(&self, name: &str) -> Result<Option<Value>, String> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Field::Text(_)) => Err("must be a JSON object".to_owned()),
            Some(Field::Json(raw)) => match serde_json::from_str::<Value>(raw.get()) {
                Ok(Value::Null) => Ok(None),
                Ok(v) => Ok(Some(v)),
                Err(_) => Err("is not valid JSON".to_owned()),
            },
        }
    }
}

/// Parses a JSON object body; 400 if it is not JSON or not an object.
pub fn parse_json_object(body: &[u8]) -> Result<JsonObject, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidJson,
            "request body must be a JSON object",
        ));
    }
    // Read as raw text, which checks the syntax but converts no number: a number no f64 can
    // hold (`1e400`) is a bad value of its field (422 there), not a malformed body.
    let whole: &RawValue = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            ErrorCode::InvalidJson,
            format!("request body is not valid JSON: {e}"),
        )
    })?;
    if !whole.get().starts_with('{') {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidJson,
            "request body must be a JSON object",
        ));
    }
    let fields: BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(whole.get()).map_err(|e| {
            ApiError::bad_request(
                ErrorCode::InvalidJson,
                format!("request body is not valid JSON: {e}"),
            )
        })?;
    Ok(JsonObject(
        fields
            .into_iter()
            .map(|(k, v)| (k, Field::Json(v)))
            .collect(),
    ))
}

/// Parses an `application/x-www-form-urlencoded` body; every value is text.
pub fn parse_form_object(body: &[u8]) -> JsonObject {
    JsonObject(
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Field::Text(v.into_owned())))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_exact_text() {
        let o = parse_json_object(br#"{"a": 0.1, "b": "25.00", "c": 1e2, "d": true}"#).unwrap();
        let number = |t: &str| Some(DecimalText::Number(t.to_owned()));
        assert_eq!(o.decimal_text("a").unwrap(), number("0.1"));
        assert_eq!(
            o.decimal_text("b").unwrap(),
            Some(DecimalText::Text("25.00".to_owned()))
        );
        assert_eq!(o.decimal_text("c").unwrap(), number("1e2"));
        assert!(o.decimal_text("d").is_err());
        assert_eq!(o.decimal_text("missing").unwrap(), None);
    }

    #[test]
    fn numbers_beyond_f64_are_a_field_problem_not_a_broken_body() {
        let o = parse_json_object(br#"{"a": 1e400, "b": -1e400, "m": {"x": 1e400}}"#).unwrap();
        let number = |t: &str| Some(DecimalText::Number(t.to_owned()));
        assert_eq!(o.decimal_text("a").unwrap(), number("1e400"));
        assert_eq!(o.decimal_text("b").unwrap(), number("-1e400"));
        assert!(o.value("m").is_err());
    }

    #[test]
    fn strings_nulls_and_wrong_types() {
        let o = parse_json_object(br#"{"s": "x", "n": null, "i": 3}"#).unwrap();
        assert_eq!(o.string("s").unwrap().as_deref(), Some("x"));
        assert_eq!(o.string("n").unwrap(), None);
        assert!(o.string("i").is_err());
        assert_eq!(o.integer("i").unwrap(), Some(3));
    }

    #[test]
    fn non_objects_and_broken_json_are_400() {
        for body in [
            &b""[..],
            b"  ",
            b"[1]",
            b"\"x\"",
            b"{",
            b"{\"a\":}",
            b"{} x",
            b"1e400",
        ] {
            let err = parse_json_object(body).unwrap_err();
            assert_eq!(
                err.status().as_u16(),
                400,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn form_fields_are_text() {
        let o = parse_form_object(b"api_key=k&total_amount=25.5&email=a%40b.io");
        assert_eq!(o.string("email").unwrap().as_deref(), Some("a@b.io"));
        assert_eq!(
            o.decimal_text("total_amount").unwrap(),
            Some(DecimalText::Text("25.5".to_owned()))
        );
    }
}
