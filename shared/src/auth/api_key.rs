//! API key material: `prl_<key id>.<secret>`, or `op_<key id>.<secret>` for a key issued in
//! OwnPay's format (OwnPay's own clients refuse a key that does not start `op_`). The key id is
//! public (it is the lookup key and the `prefix` merchants see); the secret is 256 bits from the
//! OS CSPRNG, and only its SHA-256 is stored. A plain hash suffices: a 256-bit random secret
//! cannot be brute-forced from it.

use serde::{Deserialize, Serialize};

use crate::crypto::{SECRET_CHARS, constant_time_eq, random_secret, sha256_hex};
use crate::ids::KeyId;

pub const TOKEN_PREFIX: &str = "prl_";

/// How a key's text begins: the format only, never what the key may do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyFormat {
    #[default]
    Standard,
    /// `op_…`, as OwnPay's clients check before sending anything.
    Ownpay,
}

impl KeyFormat {
    pub const NAMES: &'static str = "must be 'standard' or 'ownpay'";

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "standard" => Some(Self::Standard),
            "ownpay" => Some(Self::Ownpay),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Ownpay => "ownpay",
        }
    }

    fn token_prefix(self) -> &'static str {
        match self {
            Self::Standard => TOKEN_PREFIX,
            Self::Ownpay => "op_",
        }
    }

    pub fn is_default(&self) -> bool {
        *self == Self::Standard
    }
}

/// Whether a presented credential has the shape of an API key (of any format) rather than
/// the admin token.
pub fn looks_like_key(token: &str) -> bool {
    [KeyFormat::Standard, KeyFormat::Ownpay]
        .iter()
        .any(|f| token.starts_with(f.token_prefix()))
}

/// A newly issued key. The whole key exists only here, long enough to answer it once.
pub struct IssuedKey {
    pub id: KeyId,
    pub secret_hash: String,
    pub token: String,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

pub fn issue(format: KeyFormat) -> IssuedKey {
    let id = KeyId::generate();
    let secret = random_secret();
    IssuedKey {
        token: format!("{}{id}.{secret}", format.token_prefix()),
        secret_hash: hash(&secret),
        id,
    }
}

/// The public part of a key, shown in lists so merchants can tell keys apart.
pub fn prefix(id: &KeyId, format: KeyFormat) -> String {
    format!("{}{id}", format.token_prefix())
}

/// Splits a presented key (of either format) into id and secret; `None` if it cannot be one of
/// ours.
pub fn parse(token: &str) -> Option<(KeyId, &str)> {
    let rest = token
        .strip_prefix(TOKEN_PREFIX)
        .or_else(|| token.strip_prefix(KeyFormat::Ownpay.token_prefix()))?;
    let (id, secret) = rest.split_once('.')?;
    let id = KeyId::parse(id)?;
    let well_formed = secret.len() == SECRET_CHARS
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then_some((id, secret))
}

pub fn hash(secret: &str) -> String {
    sha256_hex(secret)
}

/// Compares the presented secret's hash with the stored one in constant time.
pub fn verify(secret: &str, stored_hash: &str) -> bool {
    hashes_match(&hash(secret), stored_hash)
}

/// Constant-time equality of two hex digests.
pub fn hashes_match(a: &str, b: &str) -> bool {
    constant_time_eq(a.as_bytes(), b.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_key_parses_and_verifies() {
        for format in [KeyFormat::Standard, KeyFormat::Ownpay] {
            let issued = issue(format);
            let (id, secret) = parse(&issued.token).unwrap();
            assert_eq!(id, issued.id);
            assert!(verify(secret, &issued.secret_hash));
            assert!(issued.token.starts_with(&prefix(&issued.id, format)));
            assert!(looks_like_key(&issued.token));
        }
        // What OwnPay's clients check before they send a key.
        let ownpay = issue(KeyFormat::Ownpay).token;
        assert!(ownpay.starts_with("op_") && ownpay.len() >= 12);
        assert!(issue(KeyFormat::Standard).token.starts_with("prl_"));
    }

    #[test]
    fn another_secret_does_not_verify() {
        let a = issue(KeyFormat::Standard);
        let b = issue(KeyFormat::Standard);
        let (_, secret_b) = parse(&b.token).unwrap();
        assert!(!verify(secret_b, &a.secret_hash));
        assert!(!verify(secret_b, ""));
    }

    #[test]
    fn malformed_keys_do_not_parse() {
        let issued = issue(KeyFormat::Standard);
        let (head, secret) = issued.token.split_once('.').unwrap();
        assert!(parse(head).is_none());
        assert!(parse(&format!("{head}.{}", &secret[1..])).is_none());
        assert!(parse(&format!("{head}.{}!", &secret[1..])).is_none());
        assert!(parse(&format!("prl_key_nope.{secret}")).is_none());
        assert!(parse(&issued.token[4..]).is_none());
    }

    #[test]
    fn debug_output_never_contains_the_key() {
        let issued = issue(KeyFormat::Standard);
        assert!(!format!("{issued:?}").contains(&issued.token));
    }
}
