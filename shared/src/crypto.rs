//! The few cryptographic helpers Payrail writes itself, each in one place: random secrets,
//! hex digests, and constant-time comparison of presented secrets.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const SECRET_BYTES: usize = 32;
/// Length of the base64url (unpadded) text of a [`random_secret`].
pub const SECRET_CHARS: usize = 43;

/// 256 random bits from the OS CSPRNG, as base64url text.
pub fn random_secret() -> String {
    let mut secret = [0u8; SECRET_BYTES];
    getrandom::fill(&mut secret).expect("the OS random number generator is unavailable");
    URL_SAFE_NO_PAD.encode(secret)
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lowercase hex of the SHA-256 of `text`.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Whether two secrets (or digests) are equal, in time that does not depend on where they
/// differ. A length difference answers at once: every caller compares values of a fixed,
/// public length (digests, signatures, tokens of one format).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_256_bits_of_base64url_and_differ() {
        let (a, b) = (random_secret(), random_secret());
        assert_eq!(a.len(), SECRET_CHARS);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn hex_and_comparison() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sane"));
        assert!(!constant_time_eq(b"same", b"sam"));
    }
}
