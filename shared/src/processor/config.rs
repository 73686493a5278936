//! A merchant's processor as plain data: which one, and what may be shown of it (kept on the
//! merchant's item), and its credentials (kept in Secrets Manager, never logged or answered).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::Timestamp;
use crate::payments::ProcessorKind;

/// What is stored on the merchant, and shown: never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessorConfig {
    #[serde(rename = "type")]
    pub kind: ProcessorKind,
    pub livemode: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publishable_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_last4: Option<String>,
    /// The processor's account the credentials belong to (`acct_…` at Stripe): a payment is
    /// refunded and reconciled only through the account that took it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    pub updated_at: Timestamp,
}

/// The answer of `GET /processor` for `config` (`None`: nothing connected, the sandbox when
/// this deployment allows it).
pub fn to_json(config: Option<&ProcessorConfig>, allow_sandbox: bool) -> Value {
    match config {
        Some(c) => json!({
            "type": c.kind.as_str(),
            "livemode": c.livemode,
            "publishable_key": c.publishable_key,
            "secret_key_last4": c.secret_key_last4,
            "account_id": c.account_id,
            "updated_at": c.updated_at,
        }),
        None => json!({
            "type": allow_sandbox.then_some("sandbox"),
            "livemode": false,
            "publishable_key": null,
            "secret_key_last4": null,
            "account_id": null,
            "updated_at": null,
        }),
    }
}

/// A connected processor's secrets.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessorSecrets {
    pub secret_key: String,
    pub webhook_secret: String,
}

impl std::fmt::Debug for ProcessorSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProcessorSecrets { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = ProcessorSecrets {
            secret_key: "sk_live_secret".into(),
            webhook_secret: "whsec_secret".into(),
        };
        assert!(!format!("{s:?}").contains("secret_key"));
        assert!(!format!("{s:?}").contains("sk_live"));
    }
}
