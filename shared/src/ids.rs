//! Self-describing identifiers: a type prefix and a ULID (`txn_01jd…`), so an id in a log or URL
//! says what it names, and ids sort by creation time, which gives newest-first lists for free.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use ulid::Ulid;

/// A fresh ULID from the clock and the OS CSPRNG, rendered in lower case.
pub(crate) fn new_ulid() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).expect("the OS random number generator is unavailable");
    Ulid::from_parts(millis, u128::from_le_bytes(random))
        .to_string()
        .to_ascii_lowercase()
}

/// What every prefixed id can do, so code generic over ids (list cursors, by-id lookups) can
/// parse and print one.
pub trait PrefixedId: Sized + fmt::Display {
    /// Accepts only this type's prefix and a well-formed ULID.
    fn parse(raw: &str) -> Option<Self>;
}

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, new_ulid()))
            }

            /// Accepts only `<prefix><26-character ULID>`; the ULID part is normalised to lower
            /// case so one id has exactly one spelling in storage.
            pub fn parse(raw: &str) -> Option<Self> {
                let rest = raw.strip_prefix($prefix)?;
                if rest.len() != 26 || Ulid::from_string(rest).is_err() {
                    return None;
                }
                Some(Self(format!("{}{}", $prefix, rest.to_ascii_lowercase())))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl PrefixedId for $name {
            fn parse(raw: &str) -> Option<Self> {
                Self::parse(raw)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).ok_or_else(|| {
                    serde::de::Error::custom(format!("invalid {} id", stringify!($name)))
                })
            }
        }
    };
}

prefixed_id!(
    /// A merchant account.
    MerchantId,
    "mer_"
);
prefixed_id!(
    /// An API key; the public half of `prl_<key id>.<secret>`.
    KeyId,
    "key_"
);
prefixed_id!(
    /// A transaction, created by a payment request.
    TransactionId,
    "txn_"
);

prefixed_id!(
    /// A refund of (part of) a paid transaction.
    RefundId,
    "rfd_"
);
prefixed_id!(
    /// An event (`payment.succeeded`, …); the `webhook-id` of every delivery of it.
    EventId,
    "evt_"
);
prefixed_id!(
    /// A webhook endpoint.
    EndpointId,
    "ep_"
);
prefixed_id!(
    /// One delivery attempt of an event to an endpoint.
    AttemptId,
    "att_"
);
prefixed_id!(
    /// A reusable payment link (`/pay/<id>`).
    PaymentLinkId,
    "plink_"
);
prefixed_id!(
    /// An entry of the operator's audit log.
    AuditId,
    "aud_"
);
prefixed_id!(
    /// An entry of the API access log.
    LogId,
    "log_"
);

/// The smallest id of `prefix` made at or after `at`: ids sort by time, so this bounds a
/// key-range query by time.
fn lower_bound(prefix: &str, at: crate::domain::Timestamp) -> String {
    let millis = u64::try_from(at.unix()).unwrap_or_default() * 1000;
    format!(
        "{prefix}{}",
        Ulid::from_parts(millis, 0).to_string().to_ascii_lowercase()
    )
}

impl AttemptId {
    pub fn lower_bound(at: crate::domain::Timestamp) -> String {
        lower_bound(Self::PREFIX, at)
    }
}

impl EventId {
    pub fn lower_bound(at: crate::domain::Timestamp) -> String {
        lower_bound(Self::PREFIX, at)
    }
}

/// An id for a request that API Gateway did not name (local runs and unit tests).
pub fn request_id() -> String {
    format!("req_{}", new_ulid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back() {
        let id = TransactionId::generate();
        assert!(id.as_str().starts_with("txn_"));
        assert_eq!(TransactionId::parse(id.as_str()), Some(id));
    }

    #[test]
    fn wrong_prefix_or_garbage_is_rejected() {
        let id = MerchantId::generate();
        assert!(TransactionId::parse(id.as_str()).is_none());
        assert!(TransactionId::parse("txn_").is_none());
        assert!(TransactionId::parse("txn_not-a-ulid-at-all-000000").is_none());
        assert!(TransactionId::parse("../../etc/passwd").is_none());
    }

    #[test]
    fn upper_case_spelling_is_normalised() {
        let id = KeyId::generate();
        let upper = format!("key_{}", id.as_str()[4..].to_ascii_uppercase());
        assert_eq!(KeyId::parse(&upper), Some(id));
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let a = TransactionId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = TransactionId::generate();
        assert!(a < b);
    }
}
