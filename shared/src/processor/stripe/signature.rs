//! Verifying Stripe's webhook signatures: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, where
//! each `v1` is the HMAC-SHA256 of `"{t}.{raw body}"` keyed with the endpoint's signing secret
//! (the whole `whsec_…` text), within five minutes of now.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far a signature's time may be from now.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header, or not t=…,v1=…")]
    Malformed,
    #[error("the signature is older or newer than five minutes")]
    OutOfTolerance,
    #[error("no v1 signature matches")]
    Mismatch,
}

/// The signature a sender with `secret` puts on `body` at `timestamp` (lowercase hex).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks `header` over the raw `body` bytes, at `now` (unix seconds).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => candidates.push(sig),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    // `abs_diff` cannot overflow, whatever time the header claims.
    if now.abs_diff(timestamp) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(SignatureError::OutOfTolerance);
    }
    let expected = sign(secret, timestamp, body);
    let matches = candidates
        .iter()
        .any(|sig| crate::crypto::constant_time_eq(sig.as_bytes(), expected.as_bytes()));
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    #[test]
    fn a_signed_body_verifies_and_nothing_else_does() {
        let body = br#"{"id":"evt_1"}"#;
        let now = 1_800_000_000;
        let header = format!("t={now},v1={}", sign(SECRET, now, body));
        assert_eq!(verify(SECRET, &header, body, now + 10), Ok(()));
        // Another v1 beside it (a rolled secret) does not hurt.
        let both = format!("t={now},v1=00ff,v1={}", sign(SECRET, now, body));
        assert_eq!(verify(SECRET, &both, body, now), Ok(()));
        assert_eq!(
            verify(SECRET, &header, br#"{"id":"evt_2"}"#, now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("whsec_other", &header, body, now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, &header, body, now + 301),
            Err(SignatureError::OutOfTolerance)
        );
        assert_eq!(
            verify(SECRET, "v1=abc", body, now),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(SECRET, &format!("t={now}"), body, now),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn times_at_the_edges_of_an_integer_are_out_of_tolerance() {
        let body = b"{}";
        for (t, now) in [
            (i64::MIN, 1_800_000_000),
            (i64::MAX, 1_800_000_000),
            (i64::MIN, i64::MAX),
            (i64::MAX, i64::MIN),
            (i64::MIN + 1, 0),
        ] {
            let header = format!("t={t},v1={}", sign(SECRET, t, body));
            assert_eq!(
                verify(SECRET, &header, body, now),
                Err(SignatureError::OutOfTolerance),
                "t={t} now={now}"
            );
        }
        let header = format!("t=99999999999999999999,v1={}", "0".repeat(64));
        assert_eq!(
            verify(SECRET, &header, body, 0),
            Err(SignatureError::Malformed)
        );
    }
}
