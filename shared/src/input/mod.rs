//! What a request brings, parsed before any operation runs: a JSON (or form) body as typed
//! fields, the size and cursor of a list, an idempotency key.

pub mod fields;
pub mod idempotency;
pub mod json;
pub mod list;

pub use idempotency::IdempotencyKey;
pub use json::{JsonObject, parse_form_object, parse_json_object};
pub use list::{ListParams, decode_cursor, encode_cursor};
