//! Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one
//! entry per valid secret, space-separated. Secrets are `whsec_<base64 of the key>`, so any
//! Standard Webhooks library verifies a delivery with the secret the merchant sees.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const SECRET_PREFIX: &str = "whsec_";

/// The text form of a signing key.
pub fn secret_text(key: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

pub const TOKEN_PREFIX: &str = "whtok_";

/// The text form of an endpoint token key.
pub fn token_text(key: &[u8]) -> String {
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
    )
}

/// The key behind a `whsec_…` secret (the prefix is optional, as in the reference libraries).
pub fn decode_secret(secret: &str) -> Option<Vec<u8>> {
    let b64 = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD.decode(b64).ok().filter(|k| !k.is_empty())
}

fn mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The `webhook-signature` header for `body`, signed with every key given (current first).
pub fn sign(keys: &[&[u8]], id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|key| format!("v1,{}", STANDARD.encode(mac(key, id, timestamp, body))))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether any `v1` entry of `header` is `key`'s signature of the message (constant time,
/// lengths checked first). What a receiver does; used by the tests.
pub fn verify(key: &[u8], id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let expected = STANDARD.encode(mac(key, id, timestamp, body));
    header.split(' ').any(|entry| match entry.split_once(',') {
        Some(("v1", sig)) => crate::crypto::constant_time_eq(sig.as_bytes(), expected.as_bytes()),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;

    #[test]
    fn matches_the_standard_webhooks_test_vector() {
        let key = decode_secret(SECRET).unwrap();
        assert_eq!(
            sign(&[&key], ID, TS, BODY),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(verify(
            &key,
            ID,
            TS,
            BODY,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        ));
    }

    #[test]
    fn two_keys_give_two_entries_each_verifying() {
        let a = decode_secret(SECRET).unwrap();
        let b = vec![7u8; 32];
        let header = sign(&[&a, &b], ID, TS, BODY);
        assert_eq!(header.split(' ').count(), 2);
        assert!(verify(&a, ID, TS, BODY, &header));
        assert!(verify(&b, ID, TS, BODY, &header));
        assert!(!verify(&[9u8; 32], ID, TS, BODY, &header));
    }

    #[test]
    fn any_change_to_id_timestamp_or_body_breaks_the_signature() {
        let key = decode_secret(SECRET).unwrap();
        let header = sign(&[&key], ID, TS, BODY);
        assert!(!verify(&key, "msg_other", TS, BODY, &header));
        assert!(!verify(&key, ID, TS + 1, BODY, &header));
        assert!(!verify(&key, ID, TS, br#"{"test": 2432232315}"#, &header));
        assert!(!verify(&key, ID, TS, BODY, "v2,abc"));
    }

    #[test]
    fn secrets_round_trip() {
        let key = [42u8; 32];
        assert_eq!(decode_secret(&secret_text(&key)).unwrap(), key);
        assert!(decode_secret("whsec_").is_none());
        assert!(decode_secret("whsec_!!!").is_none());
    }
}
