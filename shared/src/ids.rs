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
    /// A merchant's customer. Derived from the merchant and the customer's e-mail address (see
    /// [`CustomerId::for_email`]), so one address is one customer without an index or a read.
    CustomerId,
    "cus_"
);
prefixed_id!(
    /// Where a customer sits in its merchant's list: a ULID taken when it was first seen, since
    /// its id (a digest) does not sort by time. Carried by the list's cursor.
    CustomerSeq,
    "cseq_"
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

impl CustomerId {
    /// The customer of `merchant` with this address (compared without case): the first 128
    /// bits of a SHA-256 digest, written as a ULID so it parses like every other id.
    pub fn for_email(merchant: &MerchantId, email: &crate::domain::Email) -> Self {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!(
            "customer\n{merchant}\n{}",
            email.as_str().to_lowercase()
        ));
        let mut bits = [0u8; 16];
        bits.copy_from_slice(&digest[..16]);
        let ulid = Ulid(u128::from_be_bytes(bits));
        Self(format!(
            "{}{}",
            Self::PREFIX,
            ulid.to_string().to_ascii_lowercase()
        ))
    }
}

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

impl TransactionId {
    pub fn lower_bound(at: crate::domain::Timestamp) -> String {
        lower_bound(Self::PREFIX, at)
    }
}

impl RefundId {
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
    fn a_customer_is_its_merchant_and_address_whatever_the_case() {
        let m = MerchantId::generate();
        let email = |e| crate::domain::Email::parse(e).unwrap();
        let a = CustomerId::for_email(&m, &email("Ann@Example.com"));
        assert_eq!(a, CustomerId::for_email(&m, &email("ann@example.com")));
        assert_eq!(CustomerId::parse(a.as_str()), Some(a.clone()));
        assert_ne!(a, CustomerId::for_email(&m, &email("bob@example.com")));
        let other = MerchantId::generate();
        assert_ne!(a, CustomerId::for_email(&other, &email("ann@example.com")));
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let a = TransactionId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = TransactionId::generate();
        assert!(a < b);
    }
}
