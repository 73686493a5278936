//! Two-step verification for the Developer Hub: a merchant enrols an authenticator app
//! (RFC 6238), and from then on the Hub changes webhook endpoints only with a current code.
//!
//! The Hub marks its requests (`X-Payrail-Client: hub`) and sends the code in
//! `X-Payrail-Otp`. A request without the mark is a server's, made with an API key, which is a
//! server-side credential: it is not asked for a code. So this guards the console (a signed-in
//! browser left open, a person who can use the Hub but has not been given the authenticator),
//! not a leaked key, which restricted keys limit instead.
//!
//! Enrolment: `start` makes a secret (kept in Secrets Manager), its QR code and eight recovery
//! codes (kept as SHA-256), all shown once; `confirm` with a first code turns it on. Turning it
//! off takes a code or a recovery code (the operator's admin token can turn it off for a merchant
//! who lost both). Codes are counted per merchant (five tries per five minutes) before they are
//! checked, and each is accepted once.

pub mod code;
mod service;

pub use service::{CLIENT_HEADER, CODE_HEADER, HUB, HubCheck, confirm, disable, start, status};
